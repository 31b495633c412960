import Foundation
import MoatCore

/// Another product's answers on the same corpus (SpamAssassin, rspamd, clamd...), as written by the
/// scripts in `bench/peers/`, so one report compares Moat's engines with them side by side.
///
/// The file is TSV: `#` comment lines, then `ABSOLUTE_PATH<TAB>PREDICTION<TAB>MILLISECONDS` with
/// PREDICTION one of `clean`, `spam`, `malware`, `phishing`, `error`, `timeout`. Paths are matched
/// after resolving symbolic links, so a corpus given by another path still lines up.
public struct PeerVerdicts: Sendable, Hashable {
    public struct Answer: Sendable, Hashable {
        public var prediction: String
        public var milliseconds: Double
    }

    public var name: String
    /// Keyed by resolved path.
    public var answers: [String: Answer]

    public static let predictions: Set<String> = ["clean", "spam", "malware", "phishing", "error", "timeout"]

    public init(name: String, answers: [String: Answer]) {
        self.name = name
        self.answers = answers
    }

    /// Reads a peer file; a malformed line is an error naming the file and line.
    public init(name: String, path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CorpusError(path: path, reason: "cannot read peer verdicts")
        }
        var answers: [String: Answer] = [:]
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3, Self.predictions.contains(fields[1]), let milliseconds = Double(fields[2]) else {
                throw CorpusError(path: "\(path):\(index + 1)", reason: "expected PATH<TAB>clean|spam|malware|phishing|error|timeout<TAB>MILLISECONDS")
            }
            answers[Self.canonical(fields[0])] = Answer(prediction: fields[1], milliseconds: milliseconds)
        }
        self.init(name: name, answers: answers)
    }

    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().standardizedFileURL.path
    }

    /// This peer's metrics on the messages of `result` it answered; messages it has no line for
    /// are left out (and counted in `missing`).
    func metrics(for messages: [AccuracyResult.MessageResult]) -> (metrics: DetectorMetrics, missing: Int) {
        var observations: [(message: LabelledMessage, predicted: VerdictCategory?, label: String)] = []
        var latencies: [Double] = []
        var missing = 0
        for message in messages {
            guard let answer = answers[Self.canonical(message.path)] else {
                missing += 1
                continue
            }
            observations.append((LabelledMessage(path: message.path, label: message.label), VerdictCategory(rawValue: answer.prediction), answer.prediction))
            latencies.append(answer.milliseconds)
        }
        return (DetectorMetrics(observations: observations, latencies: latencies), missing)
    }
}

extension AccuracyResult {
    /// Adds a peer's figures (`peer:NAME` in the reports); its latency is the peer client's wall clock.
    public mutating func add(peer: PeerVerdicts) {
        let (metrics, missing) = peer.metrics(for: messages)
        peers[peer.name] = PeerMetrics(metrics: metrics, missing: missing)
        if !peerOrder.contains(peer.name) { peerOrder.append(peer.name) }
    }

    /// Engines, then peers, as report rows.
    var detectorRows: [(name: String, metrics: DetectorMetrics)] {
        engines.compactMap { name in perEngine[name].map { (name, $0) } }
            + peerOrder.compactMap { name in peers[name].map { ("peer:\(name)", $0.metrics) } }
    }
}

/// A peer's metrics and how many corpus messages its file had no answer for.
public struct PeerMetrics: Sendable, Hashable, Codable {
    public var metrics: DetectorMetrics
    public var missing: Int
}
