import Foundation
import Logging
import MoatCore
import MoatMessage
import MoatWire
import Synchronization

/// The worker side: reads scan requests from the parent, runs the engines, streams verdicts back.
///
/// Every engine start and verdict is sent as it happens, so when this process dies the parent
/// knows which verdicts it already has and which engine was running. In a scan whose engines run
/// together they go out with the scan's end, or after `FrameChannel.deferredDelay`, whichever
/// comes first: a hang still names its engine, and a crash that loses them is retried serially,
/// where each is sent at once. A worker never decides: aggregation, policy, the store and the
/// milter replies stay in the parent.
public final class WorkerServer: Sendable {
    /// The descriptor the parent hands the worker its end of the socket pair on.
    public static let channelDescriptor: Int32 = 3

    private let channel: FrameChannel
    private let registry: EngineRegistry
    private let blocking: BlockingWorkPool
    private let limits: MessageLimits
    private let runawayGrace: Duration
    private let reload: @Sendable () async -> [String]
    private let logger: Logger
    private let retiring = Mutex(false)
    /// Scans in flight by request, so the parent can cancel one (the MTA abandoned the message).
    private let running = Mutex<[UInt64: Task<Void, Never>]>([:])

    /// - Parameters:
    ///   - reload: re-reads the manifests and returns the problems (empty when the swap happened).
    public init(
        registry: EngineRegistry, blocking: BlockingWorkPool, limits: MessageLimits, runawayGrace: Duration,
        logger: Logger, reload: @escaping @Sendable () async -> [String]
    ) {
        self.channel = FrameChannel(descriptor: Self.channelDescriptor, maxFrameBytes: Self.maxFrameBytes(limits))
        self.registry = registry
        self.blocking = blocking
        self.limits = limits
        self.runawayGrace = runawayGrace
        self.reload = reload
        self.logger = logger
    }

    /// Largest frame either side accepts: room for the largest message (64 MiB at least, whatever
    /// the parser's limit) with its request header, or for verdicts carrying a disarmed copy of it.
    static func maxFrameBytes(_ limits: MessageLimits) -> Int {
        2 * max(limits.maxMessageBytes, 64 << 20) + (1 << 20)
    }

    /// Announces the engines, then serves requests until the parent closes the channel.
    public func run(problems: [String]) async {
        announce(problems: problems)
        await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                readLoop()
                finished.resume()
            }
            thread.name = "moat-worker-reader"
            thread.start()
        }
    }

    private func announce(problems: [String]) {
        let ready = WorkerReady(pid: getpid(), engines: registry.snapshot.engines.map(\.name), problems: problems)
        send(.ready, ready)
    }

    private func readLoop() {
        while true {
            let frame: WorkerFrame
            do {
                frame = try channel.receive()
            } catch {
                if case .closed = error {} else {
                    logger.error("worker channel failed", metadata: ["error.message": "\(error)"])
                }
                return
            }
            switch frame.kind {
            case .scan:
                guard let (headerBytes, message) = WorkerFrame.splitScanPayload(frame.payload),
                      let header = try? ScanRequestHeader(wire: headerBytes) else {
                    logger.error("malformed scan request from the parent")
                    return
                }
                let raw = Array(message)
                let request = header.request
                // Registered under the lock its own removal takes, so it cannot finish unregistered.
                running.withLock { running in
                    running[request] = Task {
                        await self.scan(header, raw: raw)
                        _ = self.running.withLock { $0.removeValue(forKey: request) }
                    }
                }
            case .cancel:
                guard let progress = try? EngineProgress(wire: frame.payload[...]) else { continue }
                running.withLock { $0[progress.request] }?.cancel()
            case .reload:
                Task {
                    let problems = await self.reload()
                    self.announce(problems: problems)
                }
            case .ready, .begin, .verdict, .done, .retire:
                logger.error("unexpected frame from the parent", metadata: ["frame.kind": "\(frame.kind)"])
                return
            }
        }
    }

    private func scan(_ header: ScanRequestHeader, raw: [UInt8]) async {
        // Parsed and scanned on one lane: the message does not cross threads (`MessageLanes`).
        await blocking.onLane { await self.scanOnLane(header, raw: raw) }
    }

    private func scanOnLane(_ header: ScanRequestHeader, raw: [UInt8]) async {
        let message = Message(parsing: raw, limits: limits)
        let input = ScanInput(id: header.scanID, message: message, envelope: header.envelope)
        let snapshot = registry.snapshot
        let context = ScanContext(blocking: blocking, logger: logger)
        let request = header.request
        let deferred = !header.serial
        let run: @Sendable (RequestedEngine) async -> Void = { [self] requested in
            send(.begin, EngineProgress(request: request, engine: requested.name), deferred: deferred)
            let verdict: EngineVerdict
            if let registered = snapshot.engine(named: requested.name) {
                verdict = await runTracked(registered, state: requested.state, input: input, context: context)
            } else {
                verdict = EngineVerdict(engine: requested.name, outcome: .error("engine not loaded in the worker"), state: requested.state)
            }
            send(.verdict, WireVerdict(request: request, verdict: verdict), deferred: deferred)
        }
        if header.serial {
            for requested in header.engines { await run(requested) }
        } else {
            await withTaskGroup(of: Void.self) { group in
                for requested in header.engines { group.addTask { await run(requested) } }
            }
        }
        send(.done, EngineProgress(request: request, engine: nil))
    }

    /// Runs one engine under its deadline and watches whether it really stops after an overrun.
    private func runTracked(_ registered: RegisteredEngine, state: EngineState, input: ScanInput, context: ScanContext) async -> EngineVerdict {
        let finished = CompletionFlag()
        var manifest = registered.manifest
        manifest.state = state
        let tracked = RegisteredEngine(manifest: manifest, engine: TrackedEngine(inner: registered.engine, finished: finished))
        let verdict = await ScanPipeline.run(tracked, input: input, context: context)
        if case .timeout = verdict.outcome {
            watchRunaway(engine: registered.name, finished: finished)
        }
        return verdict
    }

    /// An engine that ignored its deadline may hold a blocking-pool thread for minutes (a C decoder
    /// in a loop); if it still runs after the grace period this worker asks to be replaced.
    private func watchRunaway(engine: String, finished: CompletionFlag) {
        let grace = runawayGrace
        Task { [self] in
            try? await Task.sleep(for: grace)
            guard !finished.isSet else { return }
            let first = retiring.withLock { retiring -> Bool in
                defer { retiring = true }
                return !retiring
            }
            guard first else { return }
            logger.warning("engine still running after its deadline; asking to be replaced", metadata: ["engine.name": "\(engine)"])
            send(.retire, EngineProgress(request: 0, engine: engine))
        }
    }

    private func send(_ kind: WorkerFrame.Kind, _ value: some Encodable) {
        do {
            channel.post(WorkerFrame(kind: kind, payload: Array(try JSONEncoder().encode(value))))
        } catch {
            logger.error("cannot encode a frame for the parent", metadata: ["error.message": "\(error)"])
        }
    }

    /// The per-message frames, in the binary encoding.
    private func send(_ kind: WorkerFrame.Kind, _ value: some WireFrameBody, deferred: Bool = false) {
        channel.post(WorkerFrame(kind: kind, payload: value.wireEncoded()), deferred: deferred)
    }
}
