import ArgumentParser
import Foundation
import Logging
import MoatAdapters
import MoatAdmin
import MoatCore

/// Reads what `moatd` reads at start-up and on a reload, and says what is wrong with it, so an
/// operator finds a typo or an out-of-range value before the daemon refuses to start, or keeps the
/// old engines on a reload. Every problem is listed, with its file and key; exit status 0 when
/// there is none, 2 otherwise.
struct ConfigCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read moat.toml (every table, the learned combiner's model) and every engine manifest; with --build also start each engine.",
        discussion: """
            Without --build the check is quick: the files are decoded as the daemon decodes them \
            (unknown keys and out-of-range values are errors), engine names must be unique and \
            adapters known. --build also starts every engine as the daemon would (rules compiled or \
            read from their cache, signature databases loaded), which can take a minute.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Flag(name: .long, help: "Also start every engine, as the daemon would.")
    var build = false

    func run() async throws {
        let source = runtimeOptions.config ?? "the embedded defaults"
        var problems: [String] = []
        var gateway: GatewayConfiguration?
        do {
            gateway = try GatewayConfiguration.load(path: runtimeOptions.config)
        } catch {
            problems.append("\(error)")
        }
        var configuration = gateway?.core ?? MoatConfiguration()
        if let engines = runtimeOptions.engines { configuration.enginesDirectory = engines }
        if let rules = runtimeOptions.rules { configuration.rulesDirectory = rules }

        let (manifests, manifestProblems) = EngineLoader.manifests(in: configuration.enginesDirectory)
        problems += manifestProblems.map(\.description)
        let adapters = Set(AdapterCatalog.factories.map(\.adapter))
        var names = Set<String>()
        for (path, manifest) in manifests {
            if let problem = EngineLoader.problem(path, manifest, names: &names, adapters: adapters) { problems.append(problem.description) }
        }
        if build, problems.isEmpty {
            var logger = Logger(label: "moat")
            logger.logLevel = runtimeOptions.verbose ? .info : .error
            let (runtime, buildProblems) = await ScanRuntime.start(
                configuration: configuration, logger: logger,
                progress: { FileHandle.standardError.write(Data("moat: \($0)\n".utf8)) }
            )
            await runtime.shutdown()
            problems += buildProblems.map(\.description)
        }
        guard problems.isEmpty else {
            FileHandle.standardError.write(Data(("moat: \(source): \(problems.count) problem(s)\n" + problems.map { "  \($0)\n" }.joined()).utf8))
            throw ExitCode(2)
        }
        let engines = manifests.map { "\($0.manifest.name) (\($0.manifest.adapter), \($0.manifest.state.rawValue))" }
        print("moat: \(source): no problems; \(manifests.count) engine(s) in \(configuration.enginesDirectory)\(build ? ", all started" : "")"
              + (engines.isEmpty ? "" : ": " + engines.joined(separator: ", ")))
    }
}
