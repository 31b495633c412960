import ArgumentParser
import Foundation
import Logging
import MoatAdapters
import MoatBench
import MoatCore
import MoatMessage
import MoatSpam
import MoatStore
import MoatTraining

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the learned combiner (and a Bayes store) from labelled corpora, with k-fold cross-validation.",
        discussion: """
            Scans every message of the corpora's development part (the fixed holdout, --holdout-percent,
            is never read) with the configured engines and learns a logistic-regression combiner over
            their findings. With a Bayes-enabled spam engine, each fold is scanned with a Bayes store
            trained on the other folds only, so the combiner learns what Bayes says of mail it has not
            seen. Prints the cross-validated figures; refuses (exit 1, nothing written) when, at
            thresholds chosen without each fold, the model flags more ham than --target-ham-rate.
            Writes the model to --out (set `model = "PATH"` in [policy]), and with --bayes-out a Bayes
            store trained on every development message. Deterministic for a given corpus and --seed.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Option(name: .long, help: "Labelled corpus (folder of class folders or TSV manifest); repeatable.")
    var corpus: [String] = []

    @Option(name: .long, help: "Where the model is written.")
    var out = Policy.defaultModelPath

    @Option(name: .long, help: "Also write a Bayes store trained on every development message here (must not exist).")
    var bayesOut: String?

    @Option(name: .long, help: "Cross-validation folds.")
    var folds = 5

    @Option(name: .long, help: "Seed of the fold assignment.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "L2 penalty on the weights.")
    var l2 = 10.0

    @Option(name: .long, help: "A feature needs this many training messages to get a weight.")
    var minFeatureCount = 3

    @Option(name: .long, help: "Largest share of ham the threshold may flag (0.002 = 0.2 %).")
    var targetHamRate = 0.002

    @Option(name: .long, help: "Refuse a model that acts on less than this share of the unwanted validation mail.")
    var minRecall = 0.5

    @Option(name: .long, help: "Choose thresholds to flag at most target × this of the training ham (below 1 leaves room for new mail).")
    var headroom = 0.75

    @Option(name: .long, help: "Weight of a ham message's loss against a spam's when fitting.")
    var hamWeight = 1.0

    @Option(name: .long, help: "Share of the corpus held out, in percent (never read here).")
    var holdoutPercent = 20

    @Option(name: .long, help: "Messages scanned at once.")
    var concurrency = 4

    @Flag(name: .long, help: "Also learn from the scans in the [store] of --config that have operator feedback (moat feedback, the admin API).")
    var fromStore = false

    @Option(name: .long, help: "With --from-store, the newest this many labelled scans.")
    var storeLimit = 100_000

    @Option(name: .long, help: "Write each development message's out-of-fold score here (TSV: path, label, fold, score).")
    var scores: String?

    @Option(name: .long, help: "Write the feature vectors learned from here (JSON lines: id, label, fold, features), e.g. for a fixture.")
    var examplesOut: String?

    @Option(name: .long, help: "Learn from feature vectors written by --examples-out instead of scanning (to compare --l2, --min-feature-count, --target-ham-rate quickly; the folds are those recorded).")
    var examplesIn: String?

    @Option(name: .long, help: "Engines the model expects, with --examples-in (comma-separated).")
    var modelEngines = "clamav,filetype,macro,spam,url"

    func run() async throws {
        if let examplesIn {
            let examples: [TrainingExample]
            do {
                examples = try TrainingExample.readLines(from: examplesIn)
            } catch {
                throw CLIError.exit(error)
            }
            let counts = Dictionary(grouping: examples, by: \.label.rawValue).mapValues(\.count)
            let engines = modelEngines.split(separator: ",").map(String.init)
            try finish(examples, engines: engines, counts: counts, note: "trained from the feature vectors in \(examplesIn)")
            return
        }
        guard !corpus.isEmpty || fromStore else { throw CLIError.exit(ValidationError("give at least one --corpus, or --from-store (or --examples-in)")) }
        let configuration: MoatConfiguration
        let messages: [LabelledMessage]
        do {
            var loaded = try runtimeOptions.loadConfiguration()
            loaded.policy.model = nil
            configuration = loaded
            guard folds >= 2 else { throw ValidationError("--folds must be at least 2") }
            guard targetHamRate > 0, targetHamRate < 1 else { throw ValidationError("--target-ham-rate must be between 0 and 1") }
            if let bayesOut, FileManager.default.fileExists(atPath: bayesOut) {
                throw ValidationError("--bayes-out \(bayesOut) exists; give a new path (a store is never overwritten)")
            }
            messages = corpus.isEmpty ? [] : CorpusSplit(percent: holdoutPercent).select(try CorpusLoader.load(corpus), .dev)
        } catch {
            throw CLIError.exit(error)
        }
        let assignment = FoldPlan.assign(ids: messages.map(\.path), labels: messages.map(\.label), folds: folds, seed: seed)
        var counts = Dictionary(grouping: messages, by: \.label.rawValue).mapValues(\.count)
        if !messages.isEmpty { log("development messages: \(counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")) (holdout \(holdoutPercent) % left out)") }

        var logger = Logger(label: "moat.train")
        logger.logLevel = runtimeOptions.verbose ? .info : .error
        let (manifests, manifestProblems) = EngineLoader.manifests(in: configuration.enginesDirectory)
        guard manifestProblems.isEmpty else { throw CLIError.exit(CLIError.configuration(manifestProblems.map(\.description))) }
        let bayesEngines = manifests.filter { $0.manifest.adapter == "spam" && $0.manifest.state == .active && $0.manifest.options["use_bayes"]?.boolValue != false }
        let blocking = BlockingWorkPool(threads: configuration.blockingThreads, laneStall: .milliseconds(configuration.laneStallMilliseconds))
        var loader = EngineLoader(factories: AdapterCatalog.factories, blocking: blocking, logger: logger)
        loader.progress = { FileHandle.standardError.write(Data("moat: \($0)\n".utf8)) }
        let registry = EngineRegistry(EngineSnapshot(policy: configuration.policy))
        let pipeline = ScanPipeline(registry: registry, blocking: blocking, logger: logger)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("moat-train-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var examples: [TrainingExample] = []
        var engineNames: [String] = []
        let plan: [[Int]] = messages.isEmpty ? [] : bayesEngines.isEmpty ? [Array(messages.indices)]
            : (0..<folds).map { fold in messages.indices.filter { assignment[$0] == fold } }
        for (round, members) in plan.enumerated() {
            var roundManifests = manifests
            if !bayesEngines.isEmpty {
                let store = "\(scratch)/bayes-fold-\(round).sqlite"
                let learned = try Self.trainBayes(path: store, messages: messages.indices.filter { assignment[$0] != round }.map { messages[$0] }, limits: configuration.limits)
                log("fold \(round + 1)/\(folds): Bayes learned \(learned.spam) spam and \(learned.ham) ham from the other folds")
                for index in roundManifests.indices where roundManifests[index].manifest.adapter == "spam" {
                    roundManifests[index].manifest.options["bayes_path"] = .string(store)
                }
            }
            let built = await loader.build(roundManifests, rulesDirectory: configuration.rulesDirectory, previous: registry.snapshot)
            guard built.problems.isEmpty else {
                try? await blocking.shutdown()
                throw CLIError.exit(CLIError.configuration(built.problems.map(\.description)))
            }
            _ = registry.replace(engines: built.engines, policy: configuration.policy)
            engineNames = built.engines.filter { $0.manifest.state == .active }.map(\.name)
            examples += await scan(members.map { messages[$0] }, folds: members.map { assignment[$0] }, pipeline: pipeline, limits: configuration.limits)
            log("fold \(round + 1)/\(plan.count): scanned \(members.count) messages")
        }
        try? await blocking.shutdown()
        if engineNames.isEmpty { engineNames = manifests.filter { $0.manifest.state == .active }.map(\.manifest.name) }
        var note = bayesEngines.isEmpty || messages.isEmpty ? "" : "corpus: Bayes features out of fold (each fold scanned with a store trained on the other folds)"
        if fromStore {
            let stored = try await storeExamples()
            for (label, count) in Dictionary(grouping: stored, by: \.label.rawValue).mapValues(\.count) { counts["store:" + label, default: 0] += count }
            examples += stored
            note += (note.isEmpty ? "" : "; ") + "store: \(stored.count) scans with operator feedback, features as recorded at scan time"
            log("store: \(stored.count) labelled scans with recorded features")
        }
        try finish(examples, engines: engineNames, counts: counts, note: note, bayesMessages: messages, limits: configuration.limits)
    }

    /// Scans the store of `--config` has feedback for, as training examples (folds seeded and
    /// stratified like the corpus's). Scans logged before features were recorded are left out.
    func storeExamples() async throws -> [TrainingExample] {
        let pairs: [(ScanRecord, Feedback)]
        do {
            let (_, store) = try await StoreSession.open(configPath: runtimeOptions.config)
            pairs = try await store.labelledScans(since: nil, limit: storeLimit)
            try? await store.close()
        } catch {
            throw CLIError.exit(error)
        }
        return TrainingExample.fromStore(pairs, folds: folds, seed: seed)
    }

    /// Trains on `examples`, reports, and writes the model (and the Bayes store) unless refused.
    func finish(
        _ examples: [TrainingExample], engines engineNames: [String], counts: [String: Int], note: String,
        bayesMessages messages: [LabelledMessage] = [], limits: MessageLimits = MessageLimits()
    ) throws {
        var trainer = CombinerTrainer(
            folds: folds, seed: seed, l2: l2, minFeatureCount: minFeatureCount, targetHamRate: targetHamRate, headroom: headroom, hamWeight: hamWeight)
        trainer.minimumRecall = minRecall
        let provenance = VerdictModel.Provenance(
            created: ISO8601DateFormatter().string(from: Date()), corpora: corpus, messages: counts, seed: seed, folds: folds, l2: l2,
            minFeatureCount: minFeatureCount, holdoutPercent: holdoutPercent, headroom: headroom, hamWeight: hamWeight, note: note
        )
        let outcome: CombinerTrainer.Outcome
        do {
            outcome = try trainer.train(examples, engines: engineNames, provenance: provenance)
        } catch {
            throw CLIError.exit(error)
        }
        print(Self.report(outcome))
        if let scores {
            let lines = examples.map { "\($0.id)\t\($0.label.rawValue)\t\($0.fold)\t\(outcome.outOfFold[$0.id] ?? 0)" }
            try (lines.joined(separator: "\n") + "\n").write(toFile: scores, atomically: true, encoding: .utf8)
        }
        if let examplesOut {
            do {
                try TrainingExample.writeLines(examples, to: examplesOut)
            } catch {
                throw CLIError.exit(error)
            }
        }
        if let refusal = outcome.refusal {
            FileHandle.standardError.write(Data("moat: \(refusal)\n".utf8))
            throw ExitCode(1)
        }
        do {
            try outcome.model.write(to: out)
            print("model written to \(out) (\(outcome.model.weights.count) weights); set model = \"\(out)\" in [policy]")
            if let bayesOut {
                guard !messages.isEmpty else { throw ValidationError("--bayes-out needs --corpus (not --examples-in)") }
                let learned = try Self.trainBayes(path: bayesOut, messages: messages, limits: limits)
                print("Bayes store written to \(bayesOut) (\(learned.spam) spam, \(learned.ham) ham)")
            }
        } catch {
            throw CLIError.exit(error)
        }
    }

    func log(_ line: String) {
        FileHandle.standardError.write(Data("moat: \(line)\n".utf8))
    }

    func scan(_ batch: [LabelledMessage], folds: [Int], pipeline: ScanPipeline, limits: MessageLimits) async -> [TrainingExample] {
        var results = [TrainingExample?](repeating: nil, count: batch.count)
        await withTaskGroup(of: (Int, TrainingExample?).self) { group in
            var next = 0
            func start() {
                let index = next
                next += 1
                group.addTask {
                    let message = batch[index]
                    guard let data = FileManager.default.contents(atPath: message.path) else { return (index, nil) }
                    let decision = await pipeline.scan(ScanInput(message: Message(parsing: Array(data), limits: limits)))
                    let vector = VerdictFeatures.extract(verdicts: decision.verdicts, messageFindings: decision.messageFindings)
                    return (index, TrainingExample(id: message.path, label: message.label, fold: folds[index], features: vector.values))
                }
            }
            while next < min(max(concurrency, 1), batch.count) { start() }
            while let (index, example) = await group.next() {
                results[index] = example
                if example == nil { log("unreadable, left out: \(batch[index].path)") }
                if next < batch.count { start() }
            }
        }
        return results.compactMap { $0 }
    }

    /// Spam, phishing and malware are learned as spam, ham as ham.
    static func trainBayes(path: String, messages: [LabelledMessage], limits: MessageLimits) throws -> (spam: Int, ham: Int) {
        let store = try BayesStore(path: path)
        var spam = 0, ham = 0
        for message in messages {
            guard let data = FileManager.default.contents(atPath: message.path) else { continue }
            let isSpam = message.label != .ham
            if try store.train(message: Message(parsing: Array(data), limits: limits), isSpam: isSpam) {
                if isSpam { spam += 1 } else { ham += 1 }
            }
        }
        return (spam, ham)
    }

    static func report(_ outcome: CombinerTrainer.Outcome) -> String {
        let v = outcome.model.validation
        func pct(_ x: Double) -> String { String(format: "%.2f %%", x * 100) }
        var out = "Cross-validation (\(outcome.folds.count) folds; each fold scored by a model fitted without it, at a threshold chosen without it)\n"
        out += "| fold | threshold | ham | ham flagged | unwanted | caught |\n|---:|---:|---:|---:|---:|---:|\n"
        for fold in outcome.folds {
            out += "| \(fold.fold + 1) | \(String(format: "%.3f", fold.threshold)) | \(fold.ham) | \(fold.hamFlagged) | \(fold.unwanted) | \(fold.unwantedCaught) |\n"
        }
        out += "precision \(pct(v.precision)), recall \(pct(v.recall)), F1 \(String(format: "%.1f", v.f1 * 100)), ham flagged \(pct(v.hamFlagged)) (target \(pct(outcome.model.targetHamRate))), log-loss \(String(format: "%.4f", v.logLoss))\n"
        out += "recall by class: " + v.recallByClass.sorted { $0.key < $1.key }.map { "\($0.key) \(pct($0.value))" }.joined(separator: ", ") + "\n"
        if let head = outcome.model.phishing {
            out += "phishing head (phishing or spam, among unwanted mail): \(pct(head.accuracy)) right out of fold, \(head.weights.count) weights\n"
        }
        let top = outcome.model.weights.sorted { abs($0.value) > abs($1.value) }.prefix(15)
        out += "largest weights: " + top.map { "\($0.key) \(String(format: "%+.2f", $0.value))" }.joined(separator: ", ")
        return out
    }
}
