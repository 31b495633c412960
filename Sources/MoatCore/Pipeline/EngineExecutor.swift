/// Runs engines on a message somewhere other than the calling process, and reports how it went.
///
/// The pipeline runs engines in process by default. The daemon hands it an executor that runs them
/// in supervised worker processes, so a crash or a hang in C code costs one message instead of the
/// daemon; the executor may then impose an action (a poison message's reject) on top of the verdicts.
public protocol EngineExecutor: Sendable {
    /// Every listed engine's verdict on `input`, in the order given, plus what isolation observed.
    func execute(_ input: ScanInput, engines: [RegisteredEngine]) async -> Execution
    /// How each pool of workers is doing, for the operator's overview (empty when nothing to say).
    func health() async -> [WorkerPoolHealth]
}

extension EngineExecutor {
    public func health() async -> [WorkerPoolHealth] { [] }
}

/// One pool of worker processes as an operator sees it: how many of its workers are up, and how
/// often they had to be restarted (a rising count is an engine crashing on mail).
public struct WorkerPoolHealth: Sendable, Hashable {
    public var pool: String
    public var ready: Int
    public var size: Int
    public var restarts: Int
    public var poisonEntries: Int

    public init(pool: String, ready: Int, size: Int, restarts: Int, poisonEntries: Int) {
        self.pool = pool
        self.ready = ready
        self.size = size
        self.restarts = restarts
        self.poisonEntries = poisonEntries
    }
}

/// The verdicts an executor gathered, and what isolation itself has to say about the message.
public struct Execution: Sendable {
    /// An action the executor requires whatever the verdicts say (the policy's strictest still wins).
    public struct Imposed: Sendable, Hashable {
        public var action: Action
        /// SMTP reply for reject and tempfail; nil keeps the policy's reply.
        public var reply: String?
        public var reason: String
        /// Who imposed it, in the decision's reasons (`isolation`, `outbound`).
        public var label: String

        public init(action: Action, reply: String? = nil, reason: String, label: String = "isolation") {
            self.action = action
            self.reply = reply
            self.reason = reason
            self.label = label
        }
    }

    public var verdicts: [EngineVerdict]
    /// Message-level findings from isolation (a worker died and the scan was retried, a poison message).
    public var findings: [Finding]
    public var imposed: Imposed?

    public init(verdicts: [EngineVerdict], findings: [Finding] = [], imposed: Imposed? = nil) {
        self.verdicts = verdicts
        self.findings = findings
        self.imposed = imposed
    }
}
