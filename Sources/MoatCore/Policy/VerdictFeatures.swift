import Foundation

/// The numbers a learned combiner sees for one message, derived from the engines' verdicts.
///
/// One function serves training and scanning, so a model never meets features shaped differently
/// from those it learned. Names are stable strings, so a model file stays readable and a finding
/// code an engine stops reporting simply never fires:
/// - `engine:NAME=CATEGORY` (1) for each voting engine's detection;
/// - `score:NAME`, the engine's score clipped to [-10, 30] and divided by 10;
/// - `finding:CODE` (1) for each finding code a voting engine reported (`url.extracted` excepted);
/// - `count:url.extracted`, log2(1 + links) / 8;
/// - `message:CODE` (1) for each parser finding on the message itself (storage artefacts excepted).
/// Failed, timed-out, not-ready and shadow engines contribute nothing: absence is not evidence.
public enum VerdictFeatures {
    /// Version of the feature definitions; a model trained on another version is refused.
    public static let version = 1

    /// Parser findings about how a file was stored, not about the mail: an mbox `From ` line is in
    /// every message of some corpora and in none an MTA hands over, so learning from it would
    /// learn the corpus.
    static let ignoredMessageCodes: Set<String> = ["mime.mbox_from_line"]

    /// Feature values, and the engine each came from (absent for message facts).
    public struct Vector: Sendable, Hashable {
        public var values: [String: Double] = [:]
        public var owners: [String: String] = [:]

        public init(values: [String: Double] = [:], owners: [String: String] = [:]) {
            self.values = values
            self.owners = owners
        }

        mutating func set(_ name: String, _ value: Double, engine: String?) {
            if values[name] == nil, let engine { owners[name] = engine }
            values[name] = value
        }
    }

    public static func extract(verdicts: [EngineVerdict], messageFindings: [Finding]) -> Vector {
        var vector = Vector()
        for verdict in verdicts where verdict.votes {
            let engine = verdict.engine
            switch verdict.outcome {
            case .error, .timeout, .notReady: continue
            case .detected(let category): vector.set("engine:\(engine)=\(category.rawValue)", 1, engine: engine)
            case .clean: break
            }
            vector.set("score:\(engine)", min(max(verdict.score, -10), 30) / 10, engine: engine)
            var links = 0
            for finding in verdict.findings {
                if finding.code == "url.extracted" {
                    links += 1
                } else {
                    vector.set("finding:\(finding.code)", 1, engine: engine)
                }
            }
            if links > 0 { vector.set("count:url.extracted", log2(1 + Double(links)) / 8, engine: engine) }
        }
        for finding in messageFindings where !ignoredMessageCodes.contains(finding.code) {
            vector.set("message:\(finding.code)", 1, engine: nil)
        }
        return vector
    }

    /// The engine a feature name most likely belongs to, from the name alone (for views of a model
    /// file): `engine:NAME=…` and `score:NAME` name it; finding codes start with their adapter's
    /// name, which is the engine's in the shipped manifests. Nil for message facts.
    public static func engine(of feature: String) -> String? {
        if feature.hasPrefix("engine:") { return feature.dropFirst(7).split(separator: "=").first.map(String.init) }
        if feature.hasPrefix("score:") { return String(feature.dropFirst(6)) }
        if feature.hasPrefix("finding:") || feature.hasPrefix("count:") {
            return feature.drop { $0 != ":" }.dropFirst().split(separator: ".").first.map(String.init)
        }
        return nil
    }
}
