import Crypto
import Foundation
import Logging
import Metrics
import MoatCore
import MoatMessage
import MoatWire
import Synchronization

/// Runs every scan in supervised worker processes, so a crash or a hang costs one message.
///
/// Workers are `moatd --worker` processes, each with every engine loaded. A scan goes to the
/// least-loaded ready worker in one frame. When a worker dies the pool restarts it (with backoff)
/// and retries each scan it was running once, alone, on an exclusive worker with engines run one
/// after another; a message that kills that worker too is a poison message: its hash and the engine
/// that was running are remembered, the other engines still give their verdicts, and the message
/// gets `on_engine_crash`; when it comes back it is not given to that engine again but gets
/// `poison_action`. A scan that overruns its hard limit has its worker killed (a hang in C code
/// cannot be cancelled in a thread) and counts as one kill.
public actor WorkerPool: EngineExecutor {
    /// Why the pool could not start.
    public enum StartError: Error, CustomStringConvertible {
        case spawn(String)
        case died(String)
        case manifests([String])

        public var description: String {
            switch self {
            case .spawn(let reason): "cannot start a worker: \(reason)"
            case .died(let reason): "worker exited before loading its engines: \(reason)"
            case .manifests(let problems): "workers cannot use the engine manifests: \(problems.joined(separator: "; "))"
            }
        }
    }

    /// Counts and sizes for the admin API and tests.
    public struct Status: Sendable, Hashable {
        public var workerPIDs: [Int32]
        public var laneWorkerPID: Int32?
        public var restarts: Int
        public var poisonEntries: Int
    }

    private struct Slot {
        var worker: WorkerProcess?
        var backoff: Duration
        var restartPending = false
    }

    private let name: String
    private let settings: IsolationSettings
    private let launch: WorkerLaunch
    private let maxFrameBytes: Int
    private let logger: Logger
    /// Ready workers of this pool, for `/metrics` (`moat_workers_ready{pool}`).
    private let readyGauge: Gauge
    private var slots: [Slot]
    private var retiring: [WorkerProcess] = []
    private var waiters: [(id: Int, continuation: CheckedContinuation<WorkerProcess?, Never>)] = []
    private var nextWaiter = 0
    private var lane: WorkerProcess?
    private var laneBusy = false
    private var laneWaiters: [CheckedContinuation<Void, Never>] = []
    private var poison: PoisonList
    private var restarts = 0
    private var stopping = false

    /// - Parameters:
    ///   - name: labels this pool in logs and `ps` (`default`, or the engine a dedicated pool runs).
    ///   - workers: processes in the pool.
    ///   - launch: how to start a worker, including which engines it loads.
    public init(name: String = "default", settings: IsolationSettings, workers: Int, launch: WorkerLaunch, limits: MessageLimits, logger: Logger) {
        self.name = name
        self.settings = settings
        self.launch = launch
        self.maxFrameBytes = WorkerServer.maxFrameBytes(limits)
        var poolLogger = logger
        poolLogger[metadataKey: "moat.component"] = "workers"
        poolLogger[metadataKey: "workers.pool"] = "\(name)"
        self.logger = poolLogger
        self.readyGauge = Gauge(label: "moat_workers_ready", dimensions: [("pool", name)])
        self.slots = Array(repeating: Slot(backoff: .milliseconds(settings.restartBackoffMilliseconds)), count: max(1, workers))
        self.poison = PoisonList(capacity: settings.poisonEntries)
    }

    /// Starts every worker and waits until each has loaded its engines.
    public func start() async throws(StartError) {
        for index in slots.indices {
            do {
                slots[index].worker = try spawn()
            } catch {
                throw .spawn("\(error)")
            }
        }
        for slot in slots {
            guard let worker = slot.worker else { continue }
            guard let ready = await worker.waitUntilReady() else { throw .died("pid \(worker.pid)") }
            guard ready.problems.isEmpty else { throw .manifests(ready.problems) }
        }
        logger.info("scan workers ready", metadata: ["worker.pids": "\(slots.compactMap { $0.worker?.pid })"])
    }

    /// Stops every worker (they exit when their channel closes).
    public func shutdown() {
        stopping = true
        for worker in slots.compactMap(\.worker) + retiring + [lane].compactMap({ $0 }) {
            worker.terminate()
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        waiters = []
    }

    /// Makes every worker re-read the manifests; returns the problems the first one reports.
    public func reload() async -> [String] {
        var problems: [String] = []
        for worker in slots.compactMap(\.worker) + [lane].compactMap({ $0 }) {
            if let ready = await worker.reload(), problems.isEmpty { problems = ready.problems }
        }
        return problems
    }

    /// This pool's workers up, restarts and poison entries.
    public var poolHealth: WorkerPoolHealth {
        WorkerPoolHealth(pool: name, ready: slots.count { $0.worker != nil }, size: slots.count, restarts: restarts, poisonEntries: poison.count)
    }

    public func health() async -> [WorkerPoolHealth] { [poolHealth] }

    public var status: Status {
        Status(workerPIDs: slots.compactMap { $0.worker?.pid }, laneWorkerPID: lane?.pid, restarts: restarts, poisonEntries: poison.count)
    }

    // MARK: Scanning

    public func execute(_ input: ScanInput, engines: [RegisteredEngine]) async -> Execution {
        let requested = engines.map { RequestedEngine(name: $0.name, state: $0.state) }
        guard !requested.isEmpty else { return Execution(verdicts: []) }
        let states = Dictionary(requested.map { ($0.name, $0.state) }, uniquingKeysWith: { first, _ in first })
        let hard = settings.hardTimeout(engineTimeouts: engines.map(\.manifest.timeoutMilliseconds))
        let order = requested.map(\.name)
        // Hashing is needed only to look up known poison or once a worker has died: skip it on the
        // scan path while the list is empty.
        let knownHash = poison.isEmpty ? nil : Self.contentHash(input.message)

        if let hash = knownHash, let known = poison.poison(hash) {
            Counter(label: "moat_poison_messages_total", dimensions: [("engine", known.engine), ("seen", "again")]).increment()
            logger.warning("poison message: not scanned by the engine that crashes on it", metadata: [
                "scan.id": "\(input.id)", "engine.name": "\(known.engine)", "message.sha256": "\(hash)",
            ])
            let others = requested.filter { $0.name != known.engine }
            var verdicts = [crashVerdict(known.engine, state: states[known.engine] ?? .active, detail: "not scanned: this content crashed the engine's worker \(known.kills) times")]
            if !others.isEmpty {
                switch await attempt(input, engines: others, serial: false, hard: hard, exclusive: false) {
                case .completed(let answered): verdicts += answered
                case .lost(let lost): verdicts += lost.verdicts + failures(for: others, missingFrom: lost.verdicts, detail: "worker lost: \(lost.cause)", states: states)
                case .unavailable(let reason): verdicts += failures(for: others, missingFrom: [], detail: reason, states: states)
                }
            }
            let reason = "poison message: its content crashed the \(known.engine) engine \(known.kills) times"
            return Execution(
                verdicts: Self.ordered(verdicts, by: order, states: states),
                findings: [Finding(code: "isolation.poison", detail: "\(reason) (sha256 \(hash))")],
                imposed: .init(action: settings.poisonAction, reply: settings.poisonReply.replacingEngine(known.engine), reason: reason)
            )
        }

        let first = await attempt(input, engines: requested, serial: false, hard: hard, exclusive: false)
        if case .completed(let verdicts) = first { return Execution(verdicts: Self.ordered(verdicts, by: order, states: states)) }
        let contentHash = knownHash ?? Self.contentHash(input.message)
        switch first {
        case .completed(let verdicts):
            return Execution(verdicts: Self.ordered(verdicts, by: order, states: states))
        case .unavailable(let reason):
            return unavailable(requested, reason: reason, states: states, order: order)
        case .lost(let lost) where lost.killedForThisScan:
            let hash = contentHash
            // This scan's own hard limit: the engines still running hung the worker.
            let engine = lost.running.first ?? "unknown"
            let entry = poison.recordKill(hash, engine: engine)
            Counter(label: "moat_worker_hard_timeouts_total", dimensions: [("engine", engine)]).increment()
            logger.error("scan overran its hard limit; worker killed", metadata: [
                "scan.id": "\(input.id)", "engine.name": "\(lost.running)", "message.sha256": "\(hash)", "worker.kills": "\(entry.kills)",
            ])
            var verdicts = lost.verdicts
            for name in order where !verdicts.contains(where: { $0.engine == name }) {
                var verdict = EngineVerdict(engine: name, outcome: .timeout, elapsed: hard, state: states[name] ?? .active)
                verdict.findings = [Finding(code: "isolation.hard_timeout", detail: "the worker was killed after \(Int(hard.inMilliseconds)) ms")]
                verdicts.append(verdict)
            }
            let finding = Finding(code: "isolation.hard_timeout", detail: "scan overran its hard limit of \(Int(hard.inMilliseconds)) ms in \(lost.running.joined(separator: ", ")); worker killed")
            var execution = Execution(verdicts: Self.ordered(verdicts, by: order, states: states), findings: [finding])
            if entry.kills >= PoisonList.threshold {
                execution.imposed = crashImposed(engine: engine, kills: entry.kills)
            }
            return execution
        case .lost(let lost):
            return await retryAlone(input, requested: requested, firstLoss: lost, hash: contentHash, hard: hard, states: states, order: order)
        }
    }

    /// The retry of a scan whose worker died: alone on the exclusive worker, engines one at a time.
    private func retryAlone(
        _ input: ScanInput, requested: [RequestedEngine], firstLoss: LostScan, hash: String, hard: Duration,
        states: [String: EngineState], order: [String]
    ) async -> Execution {
        logger.warning("worker died during a scan; retrying it alone", metadata: [
            "scan.id": "\(input.id)", "worker.exit": "\(firstLoss.cause)", "engines.running": "\(firstLoss.running)",
        ])
        poison.recordKill(hash, engine: firstLoss.running.first ?? "unknown")
        let retried = Finding(code: "isolation.retried", detail: "a worker died during this scan (\(firstLoss.cause)); scanned again in a fresh worker")
        switch await attempt(input, engines: requested, serial: true, hard: hard, exclusive: true) {
        case .completed(let verdicts):
            // Scanned alone without a crash: this message was not what killed the worker.
            poison.clear(hash)
            return Execution(verdicts: Self.ordered(verdicts, by: order, states: states), findings: [retried])
        case .unavailable(let reason):
            return unavailable(requested, reason: reason, states: states, order: order)
        case .lost(let second):
            let engine = second.running.first ?? "unknown"
            let entry = poison.recordKill(hash, engine: engine, kills: PoisonList.threshold)
            Counter(label: "moat_poison_messages_total", dimensions: [("engine", engine), ("seen", "first")]).increment()
            logger.error("poison message: it killed a worker again when scanned alone", metadata: [
                "scan.id": "\(input.id)", "engine.name": "\(engine)", "worker.exit": "\(second.cause)", "message.sha256": "\(hash)",
            ])
            var verdicts = second.verdicts
            verdicts.append(crashVerdict(engine, state: states[engine] ?? .active, detail: "its worker died twice on this message (\(second.cause))"))
            let remaining = requested.filter { name in !verdicts.contains { $0.engine == name.name } }
            if !remaining.isEmpty {
                switch await attempt(input, engines: remaining, serial: true, hard: hard, exclusive: true) {
                case .completed(let answered): verdicts += answered
                case .lost(let third): verdicts += third.verdicts + failures(for: remaining, missingFrom: third.verdicts, detail: "worker lost again: \(third.cause)", states: states)
                case .unavailable(let reason): verdicts += failures(for: remaining, missingFrom: [], detail: reason, states: states)
                }
            }
            let finding = Finding(code: "isolation.engine_crash", detail: "the \(engine) engine crashed its worker twice on this message (\(second.cause)); sha256 \(hash)")
            return Execution(verdicts: Self.ordered(verdicts, by: order, states: states), findings: [retried, finding], imposed: crashImposed(engine: engine, kills: entry.kills))
        }
    }

    private enum Attempt {
        case completed([EngineVerdict])
        case lost(LostScan)
        case unavailable(String)
    }

    private func attempt(_ input: ScanInput, engines: [RequestedEngine], serial: Bool, hard: Duration, exclusive: Bool) async -> Attempt {
        let worker: WorkerProcess
        if exclusive {
            await acquireLane()
            guard let laneWorker = await laneWorker() else {
                releaseLane()
                return .unavailable("no exclusive worker could be started")
            }
            worker = laneWorker
        } else {
            guard let picked = await acquire(timeout: hard) else { return .unavailable("no scan worker became ready within \(Int(hard.inMilliseconds)) ms") }
            worker = picked
        }
        guard input.message.raw.count <= maxFrameBytes / 2 else {
            if exclusive { releaseLane() }
            return .unavailable("message of \(input.message.raw.count) bytes is larger than a worker frame may carry")
        }
        let header = ScanRequestHeader(request: 0, scanID: input.id, envelope: input.envelope, engines: engines, serial: serial)
        let watchdog = HardLimit(worker: worker, limit: hard)
        let answer = await worker.scan(header, raw: input.message.raw) { request in
            watchdog.request.store(request, ordering: .releasing)
            DeadlineTimer.shared.schedule(watchdog, after: hard)
        }
        watchdog.settled.store(true, ordering: .releasing)
        if exclusive { releaseLane() }
        switch answer {
        case .completed(let verdicts): return .completed(verdicts)
        case .lost(let lost): return .lost(lost)
        }
    }

    /// A ready worker with room for one more scan, least loaded first; waits up to `timeout`.
    private func acquire(timeout: Duration) async -> WorkerProcess? {
        if let worker = pickReady() { return worker }
        guard !stopping else { return nil }
        let id = nextWaiter
        nextWaiter += 1
        let expiry = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            await self?.expireWaiter(id)
        }
        defer { expiry.cancel() }
        return await withCheckedContinuation { continuation in
            waiters.append((id, continuation))
        }
    }

    private func pickReady() -> WorkerProcess? {
        let candidates = slots.compactMap(\.worker).filter { $0.isReady && $0.load < settings.maxScansPerWorker }
        return candidates.min { $0.load < $1.load }
    }

    private func expireWaiter(_ id: Int) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(returning: nil)
    }

    private func wakeWaiters() {
        while !waiters.isEmpty, let worker = pickReady() {
            // Hand out one worker per waiter; load rises only when the scan is sent, so re-pick each time.
            waiters.removeFirst().continuation.resume(returning: worker)
        }
    }

    private func acquireLane() async {
        guard laneBusy else {
            laneBusy = true
            return
        }
        await withCheckedContinuation { laneWaiters.append($0) }
    }

    private func releaseLane() {
        if laneWaiters.isEmpty {
            laneBusy = false
        } else {
            laneWaiters.removeFirst().resume()
        }
    }

    private func laneWorker() async -> WorkerProcess? {
        if let lane, !lane.isDead { return lane }
        do {
            let worker = try spawn(role: "exclusive")
            lane = worker
            return await worker.waitUntilReady() == nil ? nil : worker
        } catch {
            logger.error("cannot start the exclusive worker", metadata: ["error.message": "\(error)"])
            return nil
        }
    }

    // MARK: Supervision

    /// Starts a worker; `role` only labels it in `ps` (pool or exclusive).
    private func spawn(role: String = "pool") throws -> WorkerProcess {
        var launch = self.launch
        launch.arguments += ["--worker-role", role]
        return try WorkerProcess.spawn(launch, maxFrameBytes: maxFrameBytes, logger: logger) { [weak self] event in
            Task { await self?.handle(event) }
        }
    }

    private func handle(_ event: WorkerEvent) {
        defer { readyGauge.record(slots.filter { $0.worker?.isReady == true }.count) }
        switch event {
        case .ready:
            wakeWaiters()
        case .finished(let worker, let residentBytes):
            if settings.maxResidentMegabytes > 0, slots.contains(where: { $0.worker === worker }),
               let resident = residentBytes, resident > settings.maxResidentMegabytes << 20 {
                retire(worker, reason: "resident size \(resident >> 20) MiB above max_resident_mb=\(settings.maxResidentMegabytes)")
            }
            if let index = retiring.firstIndex(where: { $0 === worker }), worker.load == 0 {
                retiring.remove(at: index).terminate()
            }
            wakeWaiters()
        case .retire(let worker, let engine):
            retire(worker, reason: "engine \(engine) still running after its deadline")
        case .exited(let worker, let status, let expected):
            retiring.removeAll { $0 === worker }
            if lane === worker { lane = nil }
            guard let index = slots.firstIndex(where: { $0.worker === worker }) else { return }
            slots[index].worker = nil
            guard !stopping else { return }
            Counter(label: "moat_worker_exits_total", dimensions: [("cause", expected ? "retired" : status.label)]).increment()
            logger.error("scan worker exited; restarting it", metadata: ["worker.pid": "\(worker.pid)", "worker.exit": "\(status)"])
            let lived = ContinuousClock.now - worker.startedAt
            if lived > .seconds(60) {
                slots[index].backoff = .milliseconds(settings.restartBackoffMilliseconds)
            }
            scheduleRestart(index)
        }
    }

    private func retire(_ worker: WorkerProcess, reason: String) {
        guard let index = slots.firstIndex(where: { $0.worker === worker }) else { return }
        logger.warning("replacing a scan worker", metadata: ["worker.pid": "\(worker.pid)", "worker.reason": "\(reason)"])
        Counter(label: "moat_worker_exits_total", dimensions: [("cause", "retired")]).increment()
        worker.markRetiring()
        slots[index].worker = nil
        if worker.load == 0 { worker.terminate() } else { retiring.append(worker) }
        restart(index)
    }

    private func scheduleRestart(_ index: Int) {
        guard !slots[index].restartPending else { return }
        slots[index].restartPending = true
        let delay = slots[index].backoff
        slots[index].backoff = min(delay * 2, .milliseconds(settings.maxRestartBackoffMilliseconds))
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.restart(index)
        }
    }

    private func restart(_ index: Int) {
        slots[index].restartPending = false
        guard !stopping, slots[index].worker == nil else { return }
        do {
            slots[index].worker = try spawn()
            restarts += 1
        } catch {
            logger.error("cannot restart a scan worker", metadata: ["error.message": "\(error)"])
            scheduleRestart(index)
        }
    }

    // MARK: Verdicts

    private func crashVerdict(_ engine: String, state: EngineState, detail: String) -> EngineVerdict {
        var verdict = EngineVerdict(engine: engine, outcome: .error("engine crashed its worker"), state: state)
        verdict.findings = [Finding(code: "isolation.engine_crash", detail: detail)]
        return verdict
    }

    private func failures(for engines: [RequestedEngine], missingFrom verdicts: [EngineVerdict], detail: String, states: [String: EngineState]) -> [EngineVerdict] {
        engines.filter { name in !verdicts.contains { $0.engine == name.name } }.map {
            EngineVerdict(engine: $0.name, outcome: .error(detail), state: states[$0.name] ?? .active)
        }
    }

    private func unavailable(_ requested: [RequestedEngine], reason: String, states: [String: EngineState], order: [String]) -> Execution {
        logger.error("no worker could scan a message", metadata: ["worker.reason": "\(reason)"])
        return Execution(
            verdicts: failures(for: requested, missingFrom: [], detail: reason, states: states),
            findings: [Finding(code: "isolation.unavailable", detail: reason)],
            imposed: .init(action: .tempfail, reason: "not scanned: \(reason)")
        )
    }

    private func crashImposed(engine: String, kills: Int) -> Execution.Imposed {
        let reason = "content crashed the \(engine) engine \(kills) times"
        let reply = settings.onEngineCrash == .reject ? settings.poisonReply.replacingEngine(engine) : nil
        return .init(action: settings.onEngineCrash, reply: reply, reason: reason)
    }

    /// One verdict for each engine asked for, in the order asked. Verdicts come from a process a
    /// message may have broken: one for an engine nobody asked for, or a second for the same engine,
    /// is dropped (it would reach the decision, the log and the metrics' labels), and an engine
    /// left without one gets an error verdict, so its failure policy applies instead of a silent skip.
    static func ordered(_ verdicts: [EngineVerdict], by order: [String], states: [String: EngineState]) -> [EngineVerdict] {
        var first: [String: EngineVerdict] = [:]
        for verdict in verdicts where first[verdict.engine] == nil { first[verdict.engine] = verdict }
        return order.map { name in
            first[name] ?? EngineVerdict(engine: name, outcome: .error("its worker answered without a verdict from it"),
                                         state: states[name] ?? .active)
        }
    }

    /// SHA-256 of the body (where the parser found it), so the same content is recognised when the
    /// MTA retries it with new trace headers.
    static func contentHash(_ message: Message) -> String {
        let digest = SHA256.hash(data: message.raw[message.root.bodyRange])
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// A scan's hard limit: kills its worker if the request is still in flight when the limit passes.
/// On the shared `DeadlineTimer` rather than a sleeping task per scan, which armed and cancelled a
/// dispatch timer (and woke two threads) for every message.
private final class HardLimit: DeadlineTarget {
    let worker: WorkerProcess
    let limit: Duration
    /// The worker's request number, set once the request is sent.
    let request = Atomic<UInt64>(0)
    let settled = Atomic<Bool>(false)

    init(worker: WorkerProcess, limit: Duration) {
        self.worker = worker
        self.limit = limit
    }

    var isSettled: Bool { settled.load(ordering: .acquiring) }

    func expire() {
        // Off the timer's thread: the kill logs, and a slow log must not hold every other deadline.
        let (worker, request, limit) = (worker, request.load(ordering: .acquiring), limit)
        Task { worker.kill(for: request, reason: "hard limit \(Int(limit.inMilliseconds)) ms") }
    }
}

extension String {
    /// `{engine}` in a configured reply, filled in.
    func replacingEngine(_ engine: String) -> String {
        replacingOccurrences(of: "{engine}", with: engine)
    }
}
