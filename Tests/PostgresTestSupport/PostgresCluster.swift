import Foundation
import Synchronization

/// One throwaway PostgreSQL cluster for the whole test run, started by `Tests/EndToEnd/postgres.sh`
/// on first use and stopped when the test process exits; each test gets its own database in it.
public actor PostgresCluster {
    public static let shared = PostgresCluster()

    static let script: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("EndToEnd/postgres.sh").path

    public static var binariesPresent: Bool {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }
    }

    /// The cluster directory to stop at exit (read by the `atexit` handler, which cannot capture).
    static let directoryToStop = Mutex<String?>(nil)

    private var starting: Task<String, any Error>?
    private var databases = 0

    /// A new, empty database in the cluster; its URL.
    public func makeDatabase() async throws -> String {
        let directory = try await start()
        databases += 1
        let name = "moat_test_\(databases)"
        return try await Self.runScript(["createdb", directory, name])
    }

    /// Starts the cluster once; concurrent callers wait for the same start.
    private func start() async throws -> String {
        if let starting { return try await starting.value }
        let task = Task<String, any Error> {
            let directory = "/tmp/moat-store-pg-\(ProcessInfo.processInfo.processIdentifier)"
            if FileManager.default.fileExists(atPath: directory) { _ = try? await Self.runScript(["stop", directory]) }
            _ = try await Self.runScript(["start", directory])
            Self.directoryToStop.withLock { $0 = directory }
            atexit {
                guard let directory = PostgresCluster.directoryToStop.withLock({ $0 }) else { return }
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = [PostgresCluster.script, "stop", directory]
                try? process.run()
                process.waitUntilExit()
            }
            return directory
        }
        starting = task
        return try await task.value
    }

    struct ScriptFailed: Error, CustomStringConvertible {
        var arguments: [String]
        var status: Int32
        var output: String
        var description: String { "postgres.sh \(arguments.joined(separator: " ")) exited \(status): \(output)" }
    }

    /// Runs the script without blocking a cooperative thread; returns its last line of output.
    private static func runScript(_ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard status == 0 else { throw ScriptFailed(arguments: arguments, status: status, output: text) }
        return text.split(separator: "\n").last.map(String.init) ?? ""
    }
}

