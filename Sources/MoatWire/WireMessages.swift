import Foundation
import MoatCore

/// What the parent asks of a worker for one message (JSON, followed by the raw message).
package struct ScanRequestHeader: Sendable, Equatable, WireFrameBody {
    /// The parent's id for this request on this worker's channel.
    package var request: UInt64
    package var scanID: String
    package var envelope: Envelope
    /// Engines to run, by manifest name, with the state the parent's registry gives them.
    package var engines: [RequestedEngine]
    /// Run engines one after another, so a crash names exactly one engine (retries after a crash).
    package var serial: Bool

    package init(request: UInt64, scanID: String, envelope: Envelope, engines: [RequestedEngine], serial: Bool) {
        self.request = request
        self.scanID = scanID
        self.envelope = envelope
        self.engines = engines
        self.serial = serial
    }

    // Binary, as the other per-message frames: its JSON was most of what the parent still spent
    // on the wire. Every `Envelope` field is written; a field added there must be added here.
    package func wireEncoded() -> [UInt8] {
        var w = WireWriter(capacity: 256)
        w.u64(request)
        w.string(scanID)
        let e = envelope
        for field in [e.clientAddress, e.clientHostname, e.helo, e.mailFrom, e.queueID, e.authenticatedAs] {
            w.optional(field) { $0.string($1) }
        }
        w.count(e.recipients.count)
        for recipient in e.recipients { w.string(recipient) }
        w.count(engines.count)
        for engine in engines {
            w.string(engine.name)
            w.string(engine.state.rawValue)
        }
        w.bool(serial)
        return w.bytes
    }

    package init(wire: ArraySlice<UInt8>) throws(WireReader.Malformed) {
        var r = WireReader(wire)
        request = try r.u64()
        scanID = try r.string()
        var e = Envelope()
        e.clientAddress = try r.optional { r throws(WireReader.Malformed) in try r.string() }
        e.clientHostname = try r.optional { r throws(WireReader.Malformed) in try r.string() }
        e.helo = try r.optional { r throws(WireReader.Malformed) in try r.string() }
        e.mailFrom = try r.optional { r throws(WireReader.Malformed) in try r.string() }
        e.queueID = try r.optional { r throws(WireReader.Malformed) in try r.string() }
        e.authenticatedAs = try r.optional { r throws(WireReader.Malformed) in try r.string() }
        let recipients = try r.count()
        for _ in 0..<recipients { e.recipients.append(try r.string()) }
        envelope = e
        var engines: [RequestedEngine] = []
        let count = try r.count()
        for _ in 0..<count { engines.append(RequestedEngine(name: try r.string(), state: try r.raw(EngineState.self))) }
        self.engines = engines
        serial = try r.bool()
        guard r.isAtEnd else { throw WireReader.Malformed() }
    }
}

/// One engine a request asks for.
package struct RequestedEngine: Sendable, Hashable {
    package var name: String
    package var state: EngineState

    package init(name: String, state: EngineState) {
        self.name = name
        self.state = state
    }
}

/// A worker's engines once loaded, and the manifests it could not use.
package struct WorkerReady: Codable, Sendable {
    package var pid: Int32
    package var engines: [String]
    package var problems: [String]

    package init(pid: Int32, engines: [String], problems: [String]) {
        self.pid = pid
        self.engines = engines
        self.problems = problems
    }
}

/// A frame body in the binary per-message encoding (`WireBytes.swift`).
package protocol WireFrameBody: Sendable {
    func wireEncoded() -> [UInt8]
    init(wire: ArraySlice<UInt8>) throws(WireReader.Malformed)
}

/// An engine starting (`begin`) on a request, the request finishing (`done`, no engine), or an
/// engine that overran its deadline (`retire`).
package struct EngineProgress: Sendable, Equatable, WireFrameBody {
    package var request: UInt64
    package var engine: String?

    package init(request: UInt64, engine: String?) {
        self.request = request
        self.engine = engine
    }

    package func wireEncoded() -> [UInt8] {
        var writer = WireWriter(capacity: 24)
        writer.u64(request)
        writer.optional(engine) { $0.string($1) }
        return writer.bytes
    }

    package init(wire: ArraySlice<UInt8>) throws(WireReader.Malformed) {
        var reader = WireReader(wire)
        request = try reader.u64()
        engine = try reader.optional { (reader: inout WireReader) throws(WireReader.Malformed) in try reader.string() }
        guard reader.isAtEnd else { throw WireReader.Malformed() }
    }
}

/// `EngineVerdict` for the trip from worker to parent.
package struct WireVerdict: Sendable, WireFrameBody {
    package var request: UInt64
    package var engine: String
    /// clean, detected, error or timeout.
    package var outcome: String
    package var category: VerdictCategory?
    package var error: String?
    package var score: Double
    package var findings: [Finding]
    package var replacements: [PartReplacement]
    package var elapsedNanoseconds: Int64
    package var state: EngineState
    package var headers: [Decision.Header]?
    package var requestedAction: Action?

    package init(request: UInt64, verdict: EngineVerdict) {
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
        replacements = verdict.replacements
        elapsedNanoseconds = verdict.elapsed.wholeNanoseconds
        state = verdict.state
        headers = verdict.headers.isEmpty ? nil : verdict.headers
        requestedAction = verdict.requestedAction
    }

    package func wireEncoded() -> [UInt8] {
        var writer = WireWriter(capacity: 128 + findings.count * 96 + replacements.reduce(0) { $0 + $1.rawPart.count })
        writer.u64(request)
        writer.string(engine)
        writer.string(outcome)
        writer.optional(category) { $0.string($1.rawValue) }
        writer.optional(error) { $0.string($1) }
        writer.f64(score)
        writer.count(findings.count)
        for finding in findings {
            writer.string(finding.code)
            writer.string(finding.detail)
            writer.f64(finding.score)
            writer.optional(finding.partPath) { $0.string($1) }
        }
        writer.count(replacements.count)
        for replacement in replacements {
            writer.string(replacement.partPath)
            writer.bytes(replacement.rawPart)
            writer.string(replacement.reason)
            writer.bool(replacement.keepsOriginal)
        }
        writer.i64(elapsedNanoseconds)
        writer.string(state.rawValue)
        writer.optional(headers) { writer, headers in
            writer.count(headers.count)
            for header in headers {
                writer.string(header.name)
                writer.string(header.value)
            }
        }
        writer.optional(requestedAction) { $0.string($1.rawValue) }
        return writer.bytes
    }

    package init(wire: ArraySlice<UInt8>) throws(WireReader.Malformed) {
        typealias Malformed = WireReader.Malformed
        var reader = WireReader(wire)
        request = try reader.u64()
        engine = try reader.string()
        outcome = try reader.string()
        category = try reader.optional { (reader: inout WireReader) throws(Malformed) in try reader.raw(VerdictCategory.self) }
        error = try reader.optional { (reader: inout WireReader) throws(Malformed) in try reader.string() }
        score = try reader.f64()
        var findings: [Finding] = []
        for _ in 0..<(try reader.count()) {
            let code = try reader.string(), detail = try reader.string(), score = try reader.f64()
            let part = try reader.optional { (reader: inout WireReader) throws(Malformed) in try reader.string() }
            findings.append(Finding(code: code, detail: detail, score: score, partPath: part))
        }
        self.findings = findings
        var replacements: [PartReplacement] = []
        for _ in 0..<(try reader.count()) {
            let path = try reader.string(), raw = try reader.bytes(), reason = try reader.string(), keepsOriginal = try reader.bool()
            replacements.append(PartReplacement(partPath: path, rawPart: raw, reason: reason, keepsOriginal: keepsOriginal))
        }
        self.replacements = replacements
        elapsedNanoseconds = try reader.i64()
        state = try reader.raw(EngineState.self)
        headers = try reader.optional { (reader: inout WireReader) throws(Malformed) in
            var headers: [Decision.Header] = []
            for _ in 0..<(try reader.count()) {
                let name = try reader.string(), value = try reader.string()
                headers.append(Decision.Header(name: name, value: value))
            }
            return headers
        }
        requestedAction = try reader.optional { (reader: inout WireReader) throws(Malformed) in try reader.raw(Action.self) }
        guard reader.isAtEnd else { throw Malformed() }
    }

    package var verdict: EngineVerdict {
        let decoded: EngineVerdict.Outcome = switch outcome {
        case "clean": .clean
        case "detected": .detected(category ?? .suspicious)
        case "timeout": .timeout
        case "not_ready": .notReady(error ?? "")
        default: .error(error ?? "unknown outcome '\(outcome)' from worker")
        }
        var verdict = EngineVerdict(
            engine: engine, outcome: decoded, score: score, findings: findings, replacements: replacements,
            elapsed: .nanoseconds(elapsedNanoseconds), state: state
        )
        verdict.headers = headers ?? []
        verdict.requestedAction = requestedAction
        return verdict
    }
}

