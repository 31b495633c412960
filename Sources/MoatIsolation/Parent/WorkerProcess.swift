import Foundation
import Glibc
import Logging
import MoatCore
import MoatWire
import Synchronization

/// What became of one request sent to a worker.
enum WorkerAnswer: Sendable {
    /// Every engine answered.
    case completed([EngineVerdict])
    /// The worker died (or was killed) before the request finished.
    case lost(LostScan)
}

/// The part of a scan that survived its worker, and why the worker ended.
struct LostScan: Sendable {
    /// Verdicts the worker streamed before it died.
    var verdicts: [EngineVerdict]
    /// Engines that had started but not answered: the suspects.
    var running: [String]
    var cause: String
    /// Whether this request itself was the reason the worker was killed (its hard timeout).
    var killedForThisScan: Bool
}

/// Something the pool must react to, reported from a worker's reader thread.
enum WorkerEvent: Sendable {
    case ready(WorkerProcess)
    /// A request completed; `residentBytes` is the worker's RSS, read at most once a second.
    case finished(WorkerProcess, residentBytes: Int?)
    case retire(WorkerProcess, engine: String)
    case exited(WorkerProcess, ExitStatus, expected: Bool)
}

/// One worker process seen from the parent: its channel, its requests in flight, its reaping.
///
/// A dedicated thread reads the worker's frames and a serial queue writes to it, so no blocking
/// call runs on the cooperative pool. When the worker dies every request in flight is answered
/// with what the worker had streamed so far.
final class WorkerProcess: Sendable {
    let pid: pid_t
    let channel: FrameChannel
    let startedAt: ContinuousClock.Instant
    private let events: @Sendable (WorkerEvent) -> Void
    private let logger: Logger
    private let state = Mutex(State())

    private struct Pending {
        var continuation: CheckedContinuation<WorkerAnswer, Never>
        /// The engines asked for: frames naming others are ignored, so a worker a message broke
        /// cannot grow these lists without end.
        var requested: Set<String>
        var verdicts: [EngineVerdict] = []
        var running: [String] = []
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        var nextRequest: UInt64 = 1
        var ready: WorkerReady?
        var readyWaiters: [CheckedContinuation<WorkerReady?, Never>] = []
        var dead = false
        var killedFor: UInt64?
        var expectedExit = false
        var retiring = false
    }

    enum SpawnError: Error, CustomStringConvertible {
        case call(String, Int32)

        var description: String {
            switch self {
            case .call(let name, let code): "\(name) failed: \(String(cString: strerror(code)))"
            }
        }
    }

    /// Starts a worker and its reader thread.
    static func spawn(
        _ launch: WorkerLaunch, maxFrameBytes: Int, logger: Logger, events: @escaping @Sendable (WorkerEvent) -> Void
    ) throws(SpawnError) -> WorkerProcess {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw .call("socketpair", errno)
        }
        let parentEnd = ends[0], childEnd = ends[1]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if childEnd == WorkerServer.channelDescriptor {
            // dup2 onto itself would keep close-on-exec; move it aside first.
            posix_spawn_file_actions_adddup2(&actions, childEnd, 64)
            posix_spawn_file_actions_adddup2(&actions, 64, WorkerServer.channelDescriptor)
        } else {
            posix_spawn_file_actions_adddup2(&actions, childEnd, WorkerServer.channelDescriptor)
        }
        let argv = [launch.executable] + launch.arguments
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var cEnvironment: [UnsafeMutablePointer<CChar>?] = workerEnvironment().map { strdup($0) } + [nil]
        defer { for pointer in cEnvironment { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, launch.executable, &actions, nil, &cArguments, &cEnvironment)
        Glibc.close(childEnd)
        guard rc == 0 else {
            Glibc.close(parentEnd)
            throw .call("posix_spawn \(launch.executable)", rc)
        }
        var workerLogger = logger
        workerLogger[metadataKey: "worker.pid"] = "\(pid)"
        let worker = WorkerProcess(
            pid: pid, channel: FrameChannel(descriptor: parentEnd, maxFrameBytes: maxFrameBytes), logger: workerLogger, events: events
        )
        let thread = Thread { worker.readLoop() }
        thread.name = "moat-worker-\(pid)"
        thread.start()
        return worker
    }

    /// The daemon's environment, with Swift's crash backtracer off unless the operator set it: a
    /// symbolicating backtrace can keep a crashed worker alive for seconds, long enough to run into
    /// the scan's hard limit and be counted as a hang instead of a crash. The parent logs which
    /// engine was running and how the worker ended; set `SWIFT_BACKTRACE` to get the backtrace too.
    static func workerEnvironment() -> [String] {
        var environment = ProcessInfo.processInfo.environment
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        return environment.map { "\($0.key)=\($0.value)" }.sorted()
    }

    private init(pid: pid_t, channel: FrameChannel, logger: Logger, events: @escaping @Sendable (WorkerEvent) -> Void) {
        self.pid = pid
        self.channel = channel
        self.logger = logger
        self.events = events
        self.startedAt = ContinuousClock.now
    }

    /// Requests in flight.
    var load: Int { state.withLock { $0.pending.count } }

    var isReady: Bool { state.withLock { $0.ready != nil && !$0.dead && !$0.retiring } }

    var isDead: Bool { state.withLock { $0.dead } }

    /// Waits until the worker has loaded its engines; nil if it died first.
    func waitUntilReady() async -> WorkerReady? {
        await withCheckedContinuation { continuation in
            let now: WorkerReady?? = state.withLock { state in
                if let ready = state.ready { return .some(ready) }
                if state.dead { return .some(nil) }
                state.readyWaiters.append(continuation)
                return .none
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    /// Sends one message to the worker and waits for every engine's verdict (or the worker's end).
    /// Cancelling the calling task (the MTA aborted the message or went away) stops the wait at
    /// once with no verdicts and tells the worker to cancel that request's engines.
    func scan(_ header: ScanRequestHeader, raw: [UInt8], onRequest: @Sendable (UInt64) -> Void = { _ in }) async -> WorkerAnswer {
        let assigned = Mutex<UInt64?>(nil)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let request: UInt64? = state.withLock { state in
                    guard !state.dead else { return nil }
                    let id = state.nextRequest
                    state.nextRequest &+= 1
                    state.pending[id] = Pending(continuation: continuation, requested: Set(header.engines.map(\.name)))
                    return id
                }
                guard let request else {
                    continuation.resume(returning: .lost(LostScan(verdicts: [], running: [], cause: "worker already exited", killedForThisScan: false)))
                    return
                }
                assigned.withLock { $0 = request }
                if Task.isCancelled {
                    cancel(request)
                    return
                }
                onRequest(request)
                var header = header
                header.request = request
                let payload = WorkerFrame.scanPayload(header: header.wireEncoded(), message: raw)
                // A failed send shows as the end of the stream: the reader then answers the request.
                channel.post(WorkerFrame(kind: .scan, payload: payload))
            }
        } onCancel: {
            if let request = assigned.withLock({ $0 }) { cancel(request) }
        }
    }

    /// Ends the wait for `request` with no verdicts and asks the worker to cancel it; its later
    /// frames find no pending request and are dropped.
    private func cancel(_ request: UInt64) {
        guard let pending = state.withLock({ $0.pending.removeValue(forKey: request) }) else { return }
        channel.post(WorkerFrame(kind: .cancel, payload: EngineProgress(request: request, engine: nil).wireEncoded()))
        pending.continuation.resume(returning: .completed([]))
    }

    /// Kills the worker because `request` overran its hard limit (if it is still in flight).
    func kill(for request: UInt64, reason: String) {
        let inFlight = state.withLock { state -> Bool in
            guard state.pending[request] != nil, !state.dead else { return false }
            state.killedFor = request
            return true
        }
        guard inFlight else { return }
        logger.error("scan overran its hard limit; killing the worker", metadata: ["worker.reason": "\(reason)"])
        Glibc.kill(pid, SIGKILL)
    }

    /// Stops taking new work; the pool terminates it once its requests are done.
    func markRetiring() {
        state.withLock { $0.retiring = true }
    }

    /// Ends a worker the pool no longer needs (retired, or the daemon stopping).
    func terminate() {
        state.withLock { $0.expectedExit = true }
        channel.close()
        Glibc.kill(pid, SIGKILL)
    }

    /// Asks the worker to re-read its manifests; returns its problems (nil if it died).
    func reload() async -> WorkerReady? {
        state.withLock { $0.ready = nil }
        channel.post(WorkerFrame(kind: .reload, payload: []))
        return await waitUntilReady()
    }

    /// Resident set size in bytes, from /proc.
    var residentBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages.multipliedReportingOverflow(by: Int(sysconf(Int32(_SC_PAGESIZE)))).partialValue
    }

    private func readLoop() {
        let decoder = JSONDecoder()
        // /proc is read here, on this dedicated thread, never on the cooperative pool.
        var lastResidentCheck = ContinuousClock.now - .seconds(1)
        while true {
            let frame: WorkerFrame
            do {
                frame = try channel.receive()
            } catch {
                break
            }
            switch frame.kind {
            case .ready:
                guard let ready = try? decoder.decode(WorkerReady.self, from: Data(frame.payload)) else { continue }
                let waiters = state.withLock { state -> [CheckedContinuation<WorkerReady?, Never>] in
                    state.ready = ready
                    defer { state.readyWaiters = [] }
                    return state.readyWaiters
                }
                for waiter in waiters { waiter.resume(returning: ready) }
                events(.ready(self))
            case .begin:
                guard let progress = try? EngineProgress(wire: frame.payload[...]), let engine = progress.engine else { continue }
                state.withLock { state in
                    guard let pending = state.pending[progress.request], pending.requested.contains(engine),
                          !pending.running.contains(engine) else { return }
                    state.pending[progress.request]?.running.append(engine)
                }
            case .verdict:
                guard let wire = try? WireVerdict(wire: frame.payload[...]) else { continue }
                state.withLock { state in
                    guard let pending = state.pending[wire.request], pending.requested.contains(wire.engine),
                          !pending.verdicts.contains(where: { $0.engine == wire.engine }) else { return }
                    state.pending[wire.request]?.verdicts.append(wire.verdict)
                    state.pending[wire.request]?.running.removeAll { $0 == wire.engine }
                }
            case .done:
                guard let progress = try? EngineProgress(wire: frame.payload[...]) else { continue }
                let finished = state.withLock { $0.pending.removeValue(forKey: progress.request) }
                finished?.continuation.resume(returning: .completed(finished?.verdicts ?? []))
                var resident: Int?
                if ContinuousClock.now - lastResidentCheck >= .seconds(1) {
                    lastResidentCheck = ContinuousClock.now
                    resident = residentBytes
                }
                events(.finished(self, residentBytes: resident))
            case .retire:
                let engine = (try? EngineProgress(wire: frame.payload[...]))?.engine ?? "unknown"
                events(.retire(self, engine: engine))
            case .scan, .reload, .cancel:
                continue
            }
        }
        let status = reap()
        let (lost, waiters, killedFor, expected) = state.withLock { state in
            state.dead = true
            defer {
                state.pending = [:]
                state.readyWaiters = []
            }
            return (state.pending, state.readyWaiters, state.killedFor, state.expectedExit)
        }
        channel.releaseDescriptor()
        for waiter in waiters { waiter.resume(returning: nil) }
        for (request, pending) in lost {
            pending.continuation.resume(returning: .lost(LostScan(
                verdicts: pending.verdicts, running: pending.running, cause: status.description, killedForThisScan: request == killedFor
            )))
        }
        events(.exited(self, status, expected: expected))
    }

    /// Waits for the process; a worker that closed its channel but lingers is killed.
    private func reap() -> ExitStatus {
        var status: Int32 = 0
        for _ in 0..<50 {
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid { return ExitStatus(raw: status) }
            if rc < 0 && errno != EINTR { return ExitStatus(raw: 0) }
            usleep(10_000)
        }
        Glibc.kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ExitStatus(raw: status)
    }
}
