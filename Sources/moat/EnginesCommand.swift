import ArgumentParser
import Foundation
import MoatAdapters
import MoatCore

struct EnginesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engines",
        abstract: "List the engines the manifests declare, with state, weight, deadline and status.",
        discussion: """
            Loads every manifest in the engines directory as the daemon would and prints one line per
            engine, then the facts the engine reports about itself (signatures loaded, cache hit rate...).
            A manifest that cannot be loaded is printed as an error and the exit status is 2.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    func run() async throws {
        let runtime: ScanRuntime
        do {
            runtime = try await runtimeOptions.startRuntime()
        } catch {
            FileHandle.standardError.write(Data("moat: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let snapshot = runtime.registry.snapshot
        print("engines directory: \(runtime.configuration.enginesDirectory)")
        if snapshot.engines.isEmpty { print("(no engines)") }
        for registered in snapshot.engines {
            let m = registered.manifest
            print("\(DecisionPrinter.pad(m.name, 16)) adapter=\(m.adapter) state=\(m.state.rawValue) weight=\(m.weight) timeout=\(m.timeoutMilliseconds)ms on_error=\(m.onError.rawValue)")
            for (key, value) in registered.engine.status.sorted(by: { $0.key < $1.key }) {
                print("    \(key): \(value)")
            }
        }
        await runtime.shutdown()
    }
}
