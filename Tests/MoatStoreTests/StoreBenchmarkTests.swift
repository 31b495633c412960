import Foundation
@testable import MoatStore
import Testing

/// Write throughput figures; runs only with MOAT_BENCH=1 (tests never assert times). Set
/// MOAT_BENCH_RECORDS to change the record count (default 50,000) and MOAT_BENCH_OUT to append the
/// figures to a file (`bench/store/run.sh` does).
@Suite("StoreBenchmark", .enabled(if: ProcessInfo.processInfo.environment["MOAT_BENCH"] == "1"))
struct StoreBenchmarkTests {
    @Test("write throughput", arguments: Backend.available)
    func throughput(_ backend: Backend) async throws {
        let records = Int(ProcessInfo.processInfo.environment["MOAT_BENCH_RECORDS"] ?? "") ?? 50_000
        for path in StoreBenchmark.Path.allCases {
            try await withStore(backend) { fixture in
                let result = try await StoreBenchmark.run(store: fixture.store, records: records, path: path)
                let line = "store \(backend) \(result)"
                print(line)
                if let output = ProcessInfo.processInfo.environment["MOAT_BENCH_OUT"] {
                    appendLine(line, to: output)
                }
                #expect(try await fixture.store.rowCounts()["scans"] == records)
            }
        }
    }
}

private func appendLine(_ line: String, to path: String) {
    let data = Data((line + "\n").utf8)
    if let handle = FileHandle(forWritingAtPath: path) {
        handle.seekToEndOfFile()
        handle.write(data)
        handle.closeFile()
    } else {
        _ = FileManager.default.createFile(atPath: path, contents: data)
    }
}
