import ArgumentParser
import Foundation
import Logging
import MoatAdmin
import MoatStore

struct StoreBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Verdict-log write throughput of the [store] in --config (SQLite or PostgreSQL).",
        discussion: """
            Writes --records synthetic scan records (4 engine verdicts each) twice: directly in batches
            (ScanStore.record) and through the StoreWriter the daemon uses (enqueue every record, then flush),
            and prints records/s for each and how long enqueueing took (the scan path's share). Rows are left
            in the store: point --config at a throwaway database. bench/store/run.sh runs both backends.
            """
    )

    @Option(name: .long, help: "Path of moat.toml whose [store] table is measured (default: var/moat.sqlite).")
    var config: String?

    @Option(help: "Records per path.")
    var records = 50_000

    @Option(help: "Engine verdicts per record.")
    var engines = 4

    func run() async throws {
        let opened: (daemon: DaemonConfiguration, store: any ScanStore)
        do {
            opened = try await StoreSession.open(configPath: config)
        } catch {
            throw CLIError.exit(error)
        }
        let (settings, store) = (opened.daemon.store, opened.store)
        let run = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        for path in StoreBenchmark.Path.allCases {
            let result = try await StoreBenchmark.run(store: store, records: records, path: path, enginesPerRecord: engines,
                                                      batchSize: settings.batchSize, prefix: "bench-\(run)-\(path.rawValue)", logger: StoreSession.logger)
            print("store \(settings.backend.rawValue) \(result)")
        }
        try await store.close()
    }
}
