/// Turns engine verdicts into one `Decision` under a `Policy`.
///
/// Rules, in order: a voting detection asks for its category's action (when the category's quorum
/// of agreeing engines is met; otherwise the suspicious action); the summed weighted score (weights
/// optionally scaled by each engine's measured precision) asks for the strictest threshold it
/// reaches; a voting failure asks for tempfail when its manifest says so; the strictest request
/// wins. Shadow verdicts are recorded, never counted.
public struct Aggregator: Sendable {
    public var policy: Policy

    public init(policy: Policy) {
        self.policy = policy
    }

    /// Decides on `verdicts` for the scan `scanID`; `manifests` gives each engine's weight and failure policy;
    /// `precision` gives an engine's measured precision for a category (used when `weightByPrecision`).
    public func decide(
        scanID: String,
        verdicts: [EngineVerdict],
        manifests: [String: EngineManifest],
        messageFindings: [Finding] = [],
        precision: (_ engine: String, _ category: VerdictCategory) -> Double? = { _, _ in nil }
    ) -> Decision {
        if let model = policy.model {
            return decide(scanID: scanID, verdicts: verdicts, manifests: manifests, messageFindings: messageFindings, model: model)
        }
        var agreeing: [VerdictCategory: Int] = [:]
        for verdict in verdicts where verdict.votes {
            if case .detected(let category) = verdict.outcome { agreeing[category, default: 0] += 1 }
        }
        var action = Action.accept
        var score = 0.0
        var category: VerdictCategory?
        var reasons: [Decision.Reason] = []
        var replacements: [PartReplacement] = []
        var failures: [String] = []
        var notReady: [String] = []

        for verdict in verdicts {
            let manifest = manifests[verdict.engine]
            var weight = manifest?.weight ?? 1
            var asked = Action.accept
            var counted = verdict.votes
            var note = ""
            var reportedCategory: VerdictCategory?
            switch verdict.outcome {
            case .clean:
                note = "clean"
            case .detected(let detected):
                note = "\(detected.rawValue) detected"
                reportedCategory = detected
                if let needed = policy.quorum[detected], agreeing[detected, default: 0] < needed {
                    asked = policy.onDetect[.suspicious] ?? .tag
                    reportedCategory = .suspicious
                    note += ", quorum \(agreeing[detected, default: 0])/\(needed) not met: counted as suspicious"
                } else if detected == .policy || detected == .malware, let requested = verdict.requestedAction {
                    asked = requested
                } else {
                    asked = policy.onDetect[detected] ?? .tag
                }
                if policy.weightByPrecision, let measured = precision(verdict.engine, detected) {
                    weight *= measured
                    note += ", weight × measured precision \(String(format2: measured))"
                }
            case .error, .timeout, .notReady:
                (note, asked, counted) = Self.unanswered(verdict, manifest: manifest, notReady: &notReady)
            }
            let weighted = verdict.score * weight
            if !verdict.votes { note += " (shadow: not counted)" }
            if counted {
                score += weighted
                action = max(action, asked)
                if let reportedCategory {
                    category = max(category ?? reportedCategory, reportedCategory)
                }
                replacements += verdict.replacements
            }
            if verdict.votes && verdict.isFailure { failures.append(verdict.engine) }
            reasons.append(Decision.Reason(
                engine: verdict.engine, label: verdict.label, weightedScore: counted ? weighted : 0,
                counted: counted, action: asked, note: note
            ))
        }

        if let reject = policy.rejectScore, score >= reject {
            action = max(action, .reject)
        } else if let quarantine = policy.quarantineScore, score >= quarantine {
            action = max(action, .quarantine)
        } else if let tag = policy.tagScore, score >= tag {
            action = max(action, .tag)
        }

        let deliverable = action <= .quarantine
        var decision = Decision(
            scanID: scanID, action: action, score: score, category: category, reasons: reasons,
            verdicts: verdicts, headers: [], replacements: deliverable ? replacements : [],
            smtpReply: nil, quarantineReason: nil, messageFindings: messageFindings
        )
        finish(&decision, failures: failures, notReady: notReady)
        return decision
    }

    /// The note, request and vote of a verdict that gave no answer: an error or a timeout asks for
    /// tempfail when its manifest says so and is otherwise left out; an engine still starting is
    /// left out and listed.
    static func unanswered(
        _ verdict: EngineVerdict, manifest: EngineManifest?, notReady: inout [String]
    ) -> (note: String, asked: Action, counted: Bool) {
        let tempfail = manifest?.onError == .tempfail
        switch verdict.outcome {
        case .error(let message):
            return ("error: \(message)", tempfail ? .tempfail : .accept, tempfail && verdict.votes)
        case .timeout:
            return ("timeout after \(manifest?.timeoutMilliseconds ?? 0) ms", tempfail ? .tempfail : .accept, tempfail && verdict.votes)
        case .notReady(let reason):
            if verdict.votes { notReady.append(verdict.engine) }
            return ("not ready: \(reason)", .accept, false)
        case .clean, .detected:
            return ("", .accept, verdict.votes)
        }
    }

    /// Fills in the reply and hold reason the action needs, and the headers.
    func finish(_ decision: inout Decision, failures: [String], notReady: [String]) {
        switch decision.action {
        case .reject: decision.smtpReply = policy.rejectReply
        case .tempfail: decision.smtpReply = policy.tempfailReply
        case .quarantine:
            decision.quarantineReason = "moat: \(decision.category?.rawValue ?? "score") \(String(format2: decision.score)) (id \(decision.scanID))"
        case .accept, .tag, .discard: break
        }
        decision.headers = headers(for: decision, failures: failures, notReady: notReady)
    }

    /// The failsafe decision when scanning itself failed: the policy's `onScanFailure`, never a silent accept.
    public func failed(scanID: String, reason: String) -> Decision {
        let action = policy.onScanFailure
        var decision = Decision(
            scanID: scanID, action: action, score: 0, category: nil,
            reasons: [Decision.Reason(engine: "moat", label: "error", weightedScore: 0, counted: true, action: action, note: reason)],
            verdicts: [], headers: [], replacements: [], smtpReply: nil, quarantineReason: nil, messageFindings: []
        )
        switch action {
        case .reject: decision.smtpReply = policy.rejectReply
        case .tempfail: decision.smtpReply = policy.tempfailReply
        case .quarantine: decision.quarantineReason = "moat: scan failed: \(reason)"
        case .accept, .tag, .discard: break
        }
        decision.headers = [
            .init(name: "\(policy.headerPrefix)-Id", value: scanID),
            .init(name: "\(policy.headerPrefix)-Verdict", value: "\(action.rawValue) (scan failed)"),
        ]
        return decision
    }

    /// Raises `decision` to an action the executor requires (a poison message, a crashed engine),
    /// unless the verdicts already asked for something stricter; the reply and headers say why.
    public func impose(_ imposed: Execution.Imposed, on decision: Decision) -> Decision {
        var result = decision
        result.reasons.append(Decision.Reason(
            engine: "moat", label: imposed.label, weightedScore: 0, counted: true, action: imposed.action, note: imposed.reason
        ))
        guard imposed.action > decision.action else { return result }
        result.action = imposed.action
        result.smtpReply = nil
        result.quarantineReason = nil
        if imposed.action > .quarantine { result.replacements = [] }
        switch imposed.action {
        case .reject: result.smtpReply = imposed.reply ?? policy.rejectReply
        case .tempfail: result.smtpReply = imposed.reply ?? policy.tempfailReply
        case .quarantine: result.quarantineReason = "moat: \(imposed.reason) (id \(decision.scanID))"
        case .accept, .tag, .discard: break
        }
        let prefix = policy.headerPrefix
        result.headers = result.headers.map { header in
            guard header.name == "\(prefix)-Verdict" else { return header }
            return .init(name: header.name, value: "\(imposed.action.rawValue) (\(imposed.reason))")
        }
        return result
    }

    func headers(for decision: Decision, failures: [String], notReady: [String]) -> [Decision.Header] {
        let prefix = policy.headerPrefix
        var verdict = decision.action.rawValue
        if let category = decision.category { verdict += " category=\(category.rawValue)" }
        if !failures.isEmpty { verdict += " unscanned-by=\(failures.joined(separator: ","))" }
        if !notReady.isEmpty { verdict += " not-ready=\(notReady.joined(separator: ","))" }
        var headers: [Decision.Header] = [
            .init(name: "\(prefix)-Id", value: decision.scanID),
            .init(name: "\(prefix)-Verdict", value: verdict),
            .init(name: "\(prefix)-Score", value: String(format2: decision.score)),
        ]
        if let model = decision.model {
            var value = "p=\(String(format2: model.probability)) threshold=\(String(format2: model.threshold))"
            let top = model.contributions.prefix(4).map { "\($0.feature)(\($0.amount >= 0 ? "+" : "")\(String(format2: $0.amount)))" }
            if !top.isEmpty { value += " top=" + top.joined(separator: ",") }
            headers.append(.init(name: "\(prefix)-Model", value: value))
        }
        if policy.addEngineHeader, !decision.verdicts.isEmpty {
            let entries = decision.verdicts.map { verdict -> String in
                var entry = "\(verdict.engine)=\(verdict.label)"
                if verdict.score != 0 { entry += " score=\(String(format2: verdict.score))" }
                if !verdict.votes { entry += " shadow" }
                return entry
            }
            headers.append(.init(name: "\(prefix)-Engines", value: Self.fold(entries)))
        }
        // Headers engines ask for (Authentication-Results), from engines that vote.
        for verdict in decision.verdicts where verdict.votes { headers += verdict.headers }
        return headers
    }

    /// Joins entries with "; " and folds before any line would pass 78 characters.
    static func fold(_ entries: [String]) -> String {
        var result = ""
        var lineLength = 16
        for (index, entry) in entries.enumerated() {
            let piece = index == entries.count - 1 ? entry : entry + ";"
            if index > 0 {
                if lineLength + 1 + piece.count > 78 {
                    result += "\n\t"
                    lineLength = 8
                } else {
                    result += " "
                    lineLength += 1
                }
            }
            result += piece
            lineLength += piece.count
        }
        return result
    }
}

extension String {
    /// A score with two decimals, without Foundation's locale-dependent formatting.
    init(format2 value: Double) {
        let scaled = (value * 100).rounded()
        // Never a trap: NaN, infinities and numbers past Int's range are written as Swift prints them.
        guard scaled.isFinite, abs(scaled) < 1e17 else {
            self = value.description
            return
        }
        let negative = scaled < 0
        let magnitude = Int(abs(scaled))
        let fraction = magnitude % 100
        self = (negative ? "-" : "") + "\(magnitude / 100)." + (fraction < 10 ? "0" : "") + "\(fraction)"
    }
}
