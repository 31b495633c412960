import Foundation

/// How verdicts become an action: per-category actions, score thresholds and replies.
///
/// Like clamav-milter's `OnInfected`/`OnFail`, the policy is separate from the verdicts, so an
/// operator can change what a detection means without touching an engine.
public struct Policy: Sendable, Hashable, Codable {
    /// Action when a voting engine detects a category, whatever the score.
    public var onDetect: [VerdictCategory: Action]
    /// Weighted score at or above which a message is tagged (nil: never).
    public var tagScore: Double?
    /// Weighted score at or above which a message is quarantined (nil: never).
    public var quarantineScore: Double?
    /// Weighted score at or above which a message is rejected (nil: never).
    public var rejectScore: Double?
    /// Action when scanning itself fails (an internal error): tempfail unless the operator chose fail-open.
    public var onScanFailure: Action
    /// SMTP reply for a reject: code, enhanced status and text.
    public var rejectReply: String
    /// SMTP reply for a tempfail.
    public var tempfailReply: String
    /// Prefix of the headers Moat adds (`X-Moat` gives `X-Moat-Verdict`, `X-Moat-Score`, ...).
    public var headerPrefix: String
    /// Whether the per-engine results header is added.
    public var addEngineHeader: Bool
    /// A category's `onDetect` action applies only when at least this many voting engines detect it
    /// (e.g. `malware = 2`: reject as malware only when two AV engines agree); below, it counts as suspicious.
    public var quorum: [VerdictCategory: Int]
    /// Multiply each detection's weighted score by the engine's measured precision for that category.
    public var weightByPrecision: Bool
    /// Labelled samples an engine needs before its measured precision is used as a weight.
    public var precisionMinSamples: Int
    /// The learned combiner's file (`moat train` writes it); "" for the hand-set policy. A path the
    /// operator set must load; the default path is used when the file is there.
    public var modelPath: String
    /// Whether `modelPath` came from the configuration (then a missing file is an error).
    public var modelPathConfigured: Bool
    /// The loaded combiner (see `loadModel()`): when present it decides spam, phishing and
    /// suspicious mail in place of the score thresholds; malware and policy detections keep their actions.
    public var model: VerdictModel?
    /// Clients whose mail is outbound without authenticating (the organisations' own servers).
    public var internalNetworks: NetworkList = .empty
    /// What changes for mail coming in (`[policy.inbound]`) and going out (`[policy.outbound]`),
    /// in the same keys a tenant's policy uses; a tenant's own keys win over them.
    public var inbound: TenantPolicy?
    public var outbound: TenantPolicy?

    /// Outbound when the client authenticated (`{auth_authen}`) or its address is internal.
    public func direction(of envelope: Envelope) -> MessageDirection {
        if let login = envelope.authenticatedAs, !login.isEmpty { return .outbound }
        if let address = envelope.clientAddress, internalNetworks.contains(address) { return .outbound }
        return .inbound
    }

    /// The section for a direction.
    public func section(_ direction: MessageDirection) -> TenantPolicy? {
        direction == .outbound ? outbound : inbound
    }

    /// Where `make run` and the embedded defaults look for the shipped combiner.
    public static let defaultModelPath = "models/verdict-model.json"

    public init(
        onDetect: [VerdictCategory: Action] = Policy.defaultOnDetect,
        tagScore: Double? = 5,
        quarantineScore: Double? = nil,
        rejectScore: Double? = 15,
        onScanFailure: Action = .tempfail,
        rejectReply: String = "550 5.7.1 Message rejected by content policy",
        tempfailReply: String = "451 4.7.1 Message could not be scanned, try again later",
        headerPrefix: String = "X-Moat",
        addEngineHeader: Bool = true,
        quorum: [VerdictCategory: Int] = [:],
        weightByPrecision: Bool = false,
        precisionMinSamples: Int = 30,
        model: VerdictModel? = nil
    ) {
        self.onDetect = onDetect
        self.tagScore = tagScore
        self.quarantineScore = quarantineScore
        self.rejectScore = rejectScore
        self.onScanFailure = onScanFailure
        self.rejectReply = rejectReply
        self.tempfailReply = tempfailReply
        self.headerPrefix = headerPrefix
        self.addEngineHeader = addEngineHeader
        self.quorum = quorum
        self.weightByPrecision = weightByPrecision
        self.precisionMinSamples = precisionMinSamples
        self.model = model
        modelPath = Self.defaultModelPath
        modelPathConfigured = false
    }

    /// Loads `modelPath` into `model`. A configured path that cannot be read, or a file that is not a
    /// model of this version, throws (exit 78 at start-up); the unconfigured default path may be absent.
    public mutating func loadModel() throws {
        model = nil
        guard !modelPath.isEmpty else { return }
        if !modelPathConfigured, !FileManager.default.fileExists(atPath: modelPath) { return }
        model = try VerdictModel.load(path: modelPath)
    }

    /// One line for start-up logs: which decision rule is in force.
    public var decisionRule: String {
        guard let model else { return "hand-set policy (tag_score, reject_score, on_detect)" }
        return "learned combiner \(modelPath) (\(model.weights.count) weights, threshold \(String(format2: model.threshold)), target ham rate \(model.targetHamRate))"
    }

    /// Malware and policy violations are refused, phishing held, spam and suspicious content tagged.
    public static let defaultOnDetect: [VerdictCategory: Action] = [
        .malware: .reject,
        .phishing: .quarantine,
        .policy: .reject,
        .spam: .tag,
        .suspicious: .tag,
    ]

    enum CodingKeys: String, CodingKey {
        case onDetect = "on_detect"
        case tagScore = "tag_score"
        case quarantineScore = "quarantine_score"
        case rejectScore = "reject_score"
        case onScanFailure = "on_scan_failure"
        case rejectReply = "reject_reply"
        case tempfailReply = "tempfail_reply"
        case headerPrefix = "header_prefix"
        case addEngineHeader = "add_engine_header"
        case quorum
        case weightByPrecision = "weight_by_precision"
        case precisionMinSamples = "precision_min_samples"
        case modelPath = "model"
        case internalNetworks = "internal_networks"
        case inbound, outbound
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = Policy()
        var onDetect = defaults.onDetect
        if let table = try c.decodeIfPresent([String: Action].self, forKey: .onDetect) {
            for (key, action) in table {
                guard let category = VerdictCategory(rawValue: key) else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .onDetect, in: c,
                        debugDescription: "unknown category '\(key)' (expected one of \(VerdictCategory.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                onDetect[category] = action
            }
        }
        self.onDetect = onDetect
        tagScore = try Self.threshold(c, .tagScore, default: defaults.tagScore)
        quarantineScore = try Self.threshold(c, .quarantineScore, default: defaults.quarantineScore)
        rejectScore = try Self.threshold(c, .rejectScore, default: defaults.rejectScore)
        onScanFailure = try c.decodeIfPresent(Action.self, forKey: .onScanFailure) ?? defaults.onScanFailure
        rejectReply = try c.decodeIfPresent(String.self, forKey: .rejectReply) ?? defaults.rejectReply
        tempfailReply = try c.decodeIfPresent(String.self, forKey: .tempfailReply) ?? defaults.tempfailReply
        headerPrefix = try c.decodeIfPresent(String.self, forKey: .headerPrefix) ?? defaults.headerPrefix
        addEngineHeader = try c.decodeIfPresent(Bool.self, forKey: .addEngineHeader) ?? defaults.addEngineHeader
        var quorum: [VerdictCategory: Int] = [:]
        for (key, count) in try c.decodeIfPresent([String: Int].self, forKey: .quorum) ?? [:] {
            guard let category = VerdictCategory(rawValue: key), count >= 1 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .quorum, in: c, debugDescription: "'\(key) = \(count)': expected a category and a count of at least 1")
            }
            quorum[category] = count
        }
        self.quorum = quorum
        weightByPrecision = try c.decodeIfPresent(Bool.self, forKey: .weightByPrecision) ?? defaults.weightByPrecision
        precisionMinSamples = try c.decodeIfPresent(Int.self, forKey: .precisionMinSamples) ?? defaults.precisionMinSamples
        if let path = try c.decodeIfPresent(String.self, forKey: .modelPath) {
            modelPath = path
            modelPathConfigured = true
        } else {
            modelPath = defaults.modelPath
            modelPathConfigured = false
        }
        model = nil
        do {
            internalNetworks = try NetworkList(try c.decodeIfPresent([String].self, forKey: .internalNetworks) ?? [])
        } catch let error as NetworkList.Invalid {
            throw DecodingError.dataCorruptedError(forKey: .internalNetworks, in: c, debugDescription: error.description)
        }
        inbound = try c.decodeIfPresent(TenantPolicy.self, forKey: .inbound)
        outbound = try c.decodeIfPresent(TenantPolicy.self, forKey: .outbound)
        try Self.validateReply(rejectReply, firstDigit: "5", key: .rejectReply, in: c)
        try Self.validateReply(tempfailReply, firstDigit: "4", key: .tempfailReply, in: c)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Dictionary(uniqueKeysWithValues: onDetect.map { ($0.key.rawValue, $0.value) }), forKey: .onDetect)
        try c.encode(tagScore ?? 0, forKey: .tagScore)
        try c.encode(quarantineScore ?? 0, forKey: .quarantineScore)
        try c.encode(rejectScore ?? 0, forKey: .rejectScore)
        try c.encode(onScanFailure, forKey: .onScanFailure)
        try c.encode(rejectReply, forKey: .rejectReply)
        try c.encode(tempfailReply, forKey: .tempfailReply)
        try c.encode(headerPrefix, forKey: .headerPrefix)
        try c.encode(addEngineHeader, forKey: .addEngineHeader)
        try c.encode(Dictionary(uniqueKeysWithValues: quorum.map { ($0.key.rawValue, $0.value) }), forKey: .quorum)
        try c.encode(weightByPrecision, forKey: .weightByPrecision)
        try c.encode(precisionMinSamples, forKey: .precisionMinSamples)
        try c.encode(modelPath, forKey: .modelPath)
        try c.encode(internalNetworks.text, forKey: .internalNetworks)
        try c.encodeIfPresent(inbound, forKey: .inbound)
        try c.encodeIfPresent(outbound, forKey: .outbound)
    }

    /// A threshold of 0 or below in the file means "never", as absent keys keep the default.
    private static func threshold(
        _ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, default value: Double?
    ) throws -> Double? {
        guard let decoded = try c.decodeIfPresent(Double.self, forKey: key) else { return value }
        return decoded > 0 ? decoded : nil
    }

    private static func validateReply(
        _ reply: String, firstDigit: Character, key: CodingKeys, in c: KeyedDecodingContainer<CodingKeys>
    ) throws {
        let code = reply.prefix(3)
        guard code.count == 3, code.allSatisfy(\.isNumber), code.first == firstDigit else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: c,
                debugDescription: "must start with a \(firstDigit)xx SMTP code, e.g. \"\(firstDigit)50 \(firstDigit).7.1 text\""
            )
        }
    }
}
