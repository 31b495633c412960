import Foundation
import MoatCore

/// What the parent asks of a worker for one message (JSON, followed by the raw message).
struct ScanRequestHeader: Codable, Sendable {
    /// The parent's id for this request on this worker's channel.
    var request: UInt64
    var scanID: String
    var envelope: Envelope
    /// Engines to run, by manifest name, with the state the parent's registry gives them.
    var engines: [RequestedEngine]
    /// Run engines one after another, so a crash names exactly one engine (retries after a crash).
    var serial: Bool
}

/// One engine a request asks for.
struct RequestedEngine: Codable, Sendable, Hashable {
    var name: String
    var state: EngineState
}

/// A worker's engines once loaded, and the manifests it could not use.
struct WorkerReady: Codable, Sendable {
    var pid: Int32
    var engines: [String]
    var problems: [String]
}

/// An engine starting (`begin`) on a request, or the request finishing (`done`, no engine).
struct EngineProgress: Codable, Sendable {
    var request: UInt64
    var engine: String?
}

/// `EngineVerdict` as JSON for the trip from worker to parent.
struct WireVerdict: Codable, Sendable {
    var request: UInt64
    var engine: String
    /// clean, detected, error or timeout.
    var outcome: String
    var category: VerdictCategory?
    var error: String?
    var score: Double
    var findings: [Finding]
    var replacements: [WireReplacement]
    var elapsedNanoseconds: Int64
    var state: EngineState
    var headers: [Decision.Header]?
    var requestedAction: Action?

    init(request: UInt64, verdict: EngineVerdict) {
        self.request = request
        engine = verdict.engine
        switch verdict.outcome {
        case .clean: outcome = "clean"
        case .detected(let detected): outcome = "detected"; category = detected
        case .error(let message): outcome = "error"; error = message
        case .timeout: outcome = "timeout"
        case .notReady(let reason): outcome = "not_ready"; error = reason
        }
        score = verdict.score
        findings = verdict.findings
        replacements = verdict.replacements.map(WireReplacement.init)
        let (seconds, attoseconds) = verdict.elapsed.components
        elapsedNanoseconds = seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
        state = verdict.state
        headers = verdict.headers.isEmpty ? nil : verdict.headers
        requestedAction = verdict.requestedAction
    }

    var verdict: EngineVerdict {
        let decoded: EngineVerdict.Outcome = switch outcome {
        case "clean": .clean
        case "detected": .detected(category ?? .suspicious)
        case "timeout": .timeout
        case "not_ready": .notReady(error ?? "")
        default: .error(error ?? "unknown outcome '\(outcome)' from worker")
        }
        var verdict = EngineVerdict(
            engine: engine, outcome: decoded, score: score, findings: findings, replacements: replacements.map(\.replacement),
            elapsed: .nanoseconds(elapsedNanoseconds), state: state
        )
        verdict.headers = headers ?? []
        verdict.requestedAction = requestedAction
        return verdict
    }
}

/// A disarmed part on the wire: its bytes in base64 (a JSON array of numbers would be four times
/// the size of a document the macro engine rewrote).
struct WireReplacement: Codable, Sendable {
    var partPath: String
    var rawPart: String
    var reason: String

    init(_ replacement: PartReplacement) {
        partPath = replacement.partPath
        rawPart = Data(replacement.rawPart).base64EncodedString()
        reason = replacement.reason
    }

    var replacement: PartReplacement {
        PartReplacement(partPath: partPath, rawPart: Array(Data(base64Encoded: rawPart) ?? Data()), reason: reason)
    }
}
