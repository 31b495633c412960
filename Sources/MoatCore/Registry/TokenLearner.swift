/// A store of learned token counts that an engine scores with (the spam engine's Bayes).
///
/// The daemon reaches it without going through the engine, which may run in a worker process:
/// to learn from feedback that carries the message, and, in a cluster, to keep the node's copy a
/// replica of the counts shared in PostgreSQL. Scans keep reading the local copy, so no scan ever
/// waits on the database.
public protocol TokenLearner: Sendable {
    /// What learning `raw` would change: its identity and its tokens.
    func lesson(from raw: [UInt8], isSpam: Bool) -> TokenLesson
    /// Learns a lesson locally; false when the message was already learned as that class.
    func learn(_ lesson: TokenLesson) throws -> Bool
    /// Every count the store holds (to seed an empty shared store).
    func snapshot() throws -> TokenCounts
    /// Makes the local copy hold these counts: the message totals, and each listed token's counts
    /// (a token at zero in both classes is removed). With `complete`, tokens not listed are removed
    /// too (the first copy of a shared store); otherwise they are left as they are.
    func replicate(_ counts: TokenCounts, complete: Bool) throws
}

/// One message to learn, reduced to what the count store needs.
public struct TokenLesson: Sendable, Hashable {
    /// Identifies the message, so learning it twice (or as the other class) is recognised.
    public var messageID: String
    public var tokens: [Int64]
    public var isSpam: Bool

    public init(messageID: String, tokens: [Int64], isSpam: Bool) {
        self.messageID = messageID
        self.tokens = tokens
        self.isSpam = isSpam
    }
}

/// Token counts with the message totals they are relative to.
public struct TokenCounts: Sendable, Hashable {
    public var spamMessages: Int
    public var hamMessages: Int
    public var tokens: [Int64]
    public var spam: [Int]
    public var ham: [Int]

    public init(spamMessages: Int, hamMessages: Int, tokens: [Int64] = [], spam: [Int] = [], ham: [Int] = []) {
        self.spamMessages = spamMessages
        self.hamMessages = hamMessages
        self.tokens = tokens
        self.spam = spam
        self.ham = ham
    }
}

/// An engine factory whose engines learn: it opens the same count store the engine scores with.
public protocol LearnerFactory: EngineFactory {
    /// The manifest's count store, or nil when the engine it describes does not learn.
    func makeLearner(_ manifest: EngineManifest, context: EngineBuildContext) throws -> (any TokenLearner)?
}
