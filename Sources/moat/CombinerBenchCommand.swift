import ArgumentParser
import Foundation
import MoatCore
import MoatTraining

struct CombinerBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combiner",
        abstract: "What deciding with the learned combiner costs per message, against the hand-set policy.",
        discussion: """
            Rebuilds each message's engine verdicts from feature vectors `moat train --examples-out` wrote
            (findings, scores, detections), then times Aggregator.decide over them with the hand-set
            policy and with the model (feature extraction, scoring, explanation, headers). Prints µs per
            message for both; compare with the engines' milliseconds.
            """
    )

    @Option(help: "Feature vectors (JSON lines from moat train --examples-out).")
    var examples: String

    @Option(help: "The model file.")
    var model = Policy.defaultModelPath

    @Option(help: "Passes over the examples.")
    var `repeat` = 20

    func run() throws {
        let loaded: [TrainingExample]
        let verdictModel: VerdictModel
        do {
            loaded = try TrainingExample.readLines(from: examples)
            verdictModel = try VerdictModel.load(path: model)
        } catch {
            throw CLIError.exit(error)
        }
        let cases = loaded.map(Self.verdicts)
        let manifests = Dictionary(uniqueKeysWithValues: verdictModel.engines.map { ($0, EngineManifest(name: $0, adapter: $0)) })
        var rows: [(String, Double)] = []
        for (label, policy) in [("hand-set policy", Policy()), ("learned combiner", Policy(model: verdictModel))] {
            let aggregator = Aggregator(policy: policy)
            var sink = 0.0
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                for _ in 0..<max(1, `repeat`) {
                    for verdicts in cases {
                        sink += aggregator.decide(scanID: "b", verdicts: verdicts, manifests: manifests).score
                    }
                }
            }
            let micro = elapsed.inMicroseconds
            rows.append((label, micro / Double(cases.count * max(1, `repeat`))))
            if sink.isNaN { print("") }
        }
        print("| decision rule | µs/message |\n|---|---:|")
        for (label, micro) in rows { print("| \(label) | \(String(format: "%.1f", micro)) |") }
        print("\(cases.count) messages × \(`repeat`) passes; mean features per message \(String(format: "%.1f", Double(loaded.reduce(0) { $0 + $1.features.count }) / Double(max(loaded.count, 1))))")
    }

    /// The verdicts a feature vector came from (as far as the features record them).
    static func verdicts(_ example: TrainingExample) -> [EngineVerdict] {
        var byEngine: [String: EngineVerdict] = [:]
        func verdict(_ engine: String) -> EngineVerdict { byEngine[engine] ?? EngineVerdict(engine: engine, outcome: .clean) }
        for (name, value) in example.features.sorted(by: { $0.key < $1.key }) {
            let parts = name.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "engine":
                let pair = parts[1].split(separator: "=").map(String.init)
                guard pair.count == 2, let category = VerdictCategory(rawValue: pair[1]) else { continue }
                var v = verdict(pair[0]); v.outcome = .detected(category); byEngine[pair[0]] = v
            case "score":
                var v = verdict(parts[1]); v.score = value * 10; byEngine[parts[1]] = v
            case "finding", "count":
                let engine = String(parts[1].prefix { $0 != "." })
                var v = verdict(engine)
                let copies = parts[0] == "count" ? Int((pow(2, value * 8) - 1).rounded()) : 1
                for _ in 0..<min(copies, 2000) { v.findings.append(Finding(code: parts[1], detail: "")) }
                byEngine[engine] = v
            default: continue
            }
        }
        return byEngine.keys.sorted().compactMap { byEngine[$0] }
    }
}
