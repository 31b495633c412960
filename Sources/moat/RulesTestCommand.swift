import ArgumentParser
import Foundation
import Logging
import MoatAdapters
import MoatCore
import MoatRuleKit

struct RulesTestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run every NAME.eml + NAME.expect.toml fixture under the paths; exit 1 if any fails.",
        discussion: """
            Each fixture runs through the engines its expectation names (`engines = [...]`), or every manifest
            in the engines directory. With --watch, files are polled every second and the fixtures re-run
            (with freshly built engines) whenever one changes.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Flag(name: .long, help: "Re-run whenever a file under the paths changes.")
    var watch = false

    @Argument(help: "Fixture files or folders (default: the rules directory).")
    var paths: [String] = []

    func run() async throws {
        let configuration: MoatConfiguration
        do {
            configuration = try runtimeOptions.loadConfiguration()
        } catch {
            throw CLIError.exit(error)
        }
        let targets = paths.isEmpty ? [configuration.rulesDirectory] : paths
        var logger = Logger(label: "moat.rules")
        logger.logLevel = .error
        let pool = BlockingWorkPool(threads: configuration.blockingThreads, laneStall: .milliseconds(configuration.laneStallMilliseconds))
        var failed = 0
        repeat {
            let provider = ManifestPipelineProvider(
                factories: AdapterCatalog.factories, enginesDirectory: configuration.enginesDirectory,
                rulesDirectory: configuration.rulesDirectory, policy: configuration.policy, blocking: pool, logger: logger
            )
            let discovered = Fixture.discover(targets)
            var results: [FixtureResult] = []
            let runner = RuleTestRunner(provider: provider)
            for fixture in discovered.fixtures {
                results.append(await runner.run(fixture))
            }
            print(RuleTestRunner.report(results, withoutExpectation: discovered.withoutExpectation), terminator: "")
            failed = results.filter { !$0.passed }.count
            if watch {
                print("watching \(targets.joined(separator: " ")) (Ctrl-C to stop)")
                let before = RuleTestRunner.fingerprint(targets)
                while RuleTestRunner.fingerprint(targets) == before {
                    try await Task.sleep(for: .seconds(1))
                }
                print("\nchange detected, re-running\n")
            }
        } while watch
        try? await pool.shutdown()
        if failed > 0 { throw ExitCode(1) }
    }
}
