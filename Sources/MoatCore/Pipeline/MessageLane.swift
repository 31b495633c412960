import Foundation
import Logging
import Synchronization

/// A thread that runs every task of the messages given to it, blocking C work included.
///
/// With the engines of a message spread over Swift's cooperative pool and the blocking pool, each
/// message crossed threads (and cores) several times: a wake-up for every hand-off, and the
/// message's texts and the engines' tables pulled from one core's cache into the other's. On one
/// lane a message's engines run one after another at their suspension points, and blocking work
/// runs inline, since a lane is no cooperative thread (`BlockingWorkPool.run`). Measured in
/// `bench/results/profile-2026-12-05-g.md`.
///
/// A lane must not stall behind one long call: while a job has run longer than the lanes' stall
/// limit and others wait, a new thread takes over the queue (the stalled one leaves when its call
/// returns). So an engine's deadline still reaches its waiting scan, as it did from the blocking
/// pool, and the lane's other messages go on.
final class MessageLane: TaskExecutor, @unchecked Sendable {
    /// The lane the current task runs on (its executor preference), for tasks it starts itself.
    @TaskLocal static var current: MessageLane?

    let name: String
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs = FIFOQueue<UnownedJob>()
    /// Bumped when a thread takes over from a stalled one; a thread of an older generation leaves.
    private let generation = Atomic<Int>(0)
    /// Threads started for this lane, the first included (for their names); those of the
    /// current generation not gone; and relieved ones still in their long call.
    private var threadsStarted = 0
    private var currentThreads = 0
    private var relievedThreads = 0
    private var stopping = false
    /// The held job last reported as waiting for a relieved thread (its start), reported once.
    private var reportedFull: UInt64 = 0
    /// Uptime (ns) at which the running job started; 0 while the lane waits for work.
    private let busySince = Atomic<UInt64>(0)
    /// Messages given to this lane and not finished, for choosing the least busy lane.
    let load = Atomic<Int>(0)

    /// The lanes this one belongs to (their identity), kept in its threads' key.
    let owner: UInt

    init(name: String, owner: UInt) {
        self.name = name
        self.owner = owner
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        // The first thread starts with the first job (a pool that never scans starts none), and
        // a job for lanes being stopped still runs (the late half of an overrun engine's scan):
        // a relieved thread still in its call serves no queue, so it does not count.
        if currentThreads == 0 { startThread() }
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Lets the threads leave once the queue is empty (the lanes are going away).
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Starts a thread of the current generation. Called with `condition` held.
    private func startThread() {
        let generation = self.generation.load(ordering: .relaxed)
        threadsStarted += 1
        currentThreads += 1
        let threadName = threadsStarted == 1 ? name : "\(name).\(threadsStarted)"
        let thread = Thread { [self] in
            Thread.current.name = threadName
            serve(generation)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func serve(_ generation: Int) {
        pthread_setspecific(Self.laneThreadKey, UnsafeRawPointer(bitPattern: owner))
        var current: Int { self.generation.load(ordering: .relaxed) }
        while true {
            condition.lock()
            while jobs.isEmpty, generation == current, !stopping { condition.wait() }
            guard generation == current, let job = jobs.popFirst() else {
                if generation == current { currentThreads -= 1 } else { relievedThreads -= 1 }
                condition.unlock()
                return
            }
            condition.unlock()
            let started = max(1, DispatchTime.now().uptimeNanoseconds)
            busySince.store(started, ordering: .relaxed)
            job.runSynchronously(on: asUnownedTaskExecutor())
            // Only this job's own mark is cleared: a thread that took over meanwhile set its own.
            _ = busySince.compareExchange(expected: started, desired: 0, ordering: .relaxed)
        }
    }

    /// Hands the queue to a new thread when the running job has run longer than `limit` while
    /// other jobs wait. Returns whether it did.
    enum Relief: Equatable {
        case no
        /// A new thread took over; the job had held the lane this long.
        case relieved(heldMilliseconds: UInt64)
        /// Held, but the lane already has `maxRelieved` threads in long calls.
        case full(heldMilliseconds: UInt64)
    }

    /// At most `maxRelieved` relieved threads may still be in their calls: past that, a lane
    /// waits for one of them instead of adding threads (each would run another long call at once),
    /// and says so once per held job.
    func relieveIfStalled(now: UInt64, limit: UInt64, maxRelieved: Int) -> Relief {
        let since = busySince.load(ordering: .relaxed)
        guard since != 0, now > since, now - since > limit else { return .no }
        condition.lock()
        defer { condition.unlock() }
        // Still the same job, and others wait.
        guard busySince.load(ordering: .relaxed) == since, !jobs.isEmpty else { return .no }
        let held = (now - since) / 1_000_000
        guard relievedThreads < maxRelieved else {
            guard reportedFull != since else { return .no }
            reportedFull = since
            return .full(heldMilliseconds: held)
        }
        generation.add(1, ordering: .relaxed)
        // The held thread's job still runs; it leaves when the job returns.
        relievedThreads += currentThreads
        currentThreads = 0
        busySince.store(0, ordering: .relaxed)
        startThread()
        condition.broadcast()
        return .relieved(heldMilliseconds: held)
    }

    // MARK: Lane threads

    private static let laneThreadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The owner of the lane the calling thread serves, nil off the lanes.
    static var currentThreadOwner: UInt? { pthread_getspecific(laneThreadKey).map { UInt(bitPattern: $0) } }

}

/// The lanes of a process: each message's scan runs on the least busy one.
public final class MessageLanes: Sendable {
    /// What the stall watch shares with the lanes' owner (the watch must not keep it alive).
    private final class Watch: Sendable {
        let reliefs = Atomic<Int>(0)
        let stopped = Atomic<Bool>(false)
        let started = Atomic<Bool>(false)
    }

    private let lanes: [MessageLane]
    /// Nanoseconds.
    private let stallLimit: UInt64
    private let watch = Watch()
    /// What the lanes' threads carry in their key (`ownsCurrentThread`).
    private let identity: UInt
    private let name: String
    private let logger: Logger

    /// `count` lanes (one per core is the point: fewer leave cores idle, more only interleave),
    /// relieved when a job runs longer than `stallLimit` while others wait; each relief is logged
    /// to `logger`. No thread starts before the first scan.
    public init(count: Int, stallLimit: Duration = .milliseconds(200), name: String = "moat-lane",
                logger: Logger = Logger(label: "moat.lanes")) {
        self.name = name
        self.logger = logger
        let identity = UInt(bitPattern: Unmanaged.passUnretained(watch).toOpaque())
        self.identity = identity
        lanes = (0..<max(1, count)).map { MessageLane(name: "\(name)-\($0)", owner: identity) }
        self.stallLimit = UInt64(clamping: max(1_000_000, stallLimit.wholeNanoseconds))
    }

    deinit { stop() }

    /// Stops the watch and lets the lanes' threads leave once idle; work given to a lane later
    /// (the late half of an overrun scan) still runs, on a thread started for it.
    func stop() {
        watch.stopped.store(true, ordering: .relaxed)
        for lane in lanes { lane.stop() }
    }

    /// Whether the calling thread is one of these lanes' (where their pool's work runs inline).
    public var ownsCurrentThread: Bool { MessageLane.currentThreadOwner == identity }

    /// Relieved threads a lane may have still in their calls (`MessageLane.relieveIfStalled`):
    /// two a lane, so long calls never run more than three a core at once.
    static let maxRelievedPerLane = 2

    /// Threads started so far to take over a lane from a call that ran past the stall limit.
    public var relievedStalls: Int { watch.reliefs.load(ordering: .relaxed) }

    /// The watch looks a quarter of the limit apart, so a stall is relieved within 1.25 × the
    /// limit. It touches only atomics while the lanes work, and leaves with the lanes.
    private func startWatch() {
        guard watch.started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let (lanes, limit, watch, logger) = (self.lanes, stallLimit, self.watch, self.logger)
        let threadName = String("\(name)-watch".utf8.prefix(15)) ?? "moat-lane-watch"
        let thread = Thread {
            Thread.current.name = threadName
            while !watch.stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Double(limit) / 4e9)
                let now = DispatchTime.now().uptimeNanoseconds
                for lane in lanes {
                    let message: Logger.Message, held: UInt64
                    switch lane.relieveIfStalled(now: now, limit: limit, maxRelieved: Self.maxRelievedPerLane) {
                    case .relieved(let heldMilliseconds):
                        watch.reliefs.add(1, ordering: .relaxed)
                        (message, held) = ("message lane held past lane_stall_ms; a new thread took over its queue", heldMilliseconds)
                    case .full(let heldMilliseconds):
                        (message, held) = ("message lane held past lane_stall_ms with two threads already held; its queue waits", heldMilliseconds)
                    case .no:
                        continue
                    }
                    logger.warning(message, metadata: [
                        "lane.name": "\(lane.name)", "lane.held_ms": "\(held)", "lane.stall_ms": "\(limit / 1_000_000)",
                    ])
                }
            }
        }
        thread.start()
    }

    /// Runs `operation` on the least busy lane: every task it starts (child tasks, and the
    /// deadline races' own tasks) runs there, and `BlockingWorkPool.run` runs inline. Already on
    /// a lane, it runs where it is.
    public func run<T: Sendable>(_ operation: @Sendable () async -> T) async -> T {
        if let current = MessageLane.current, current.owner == identity { return await operation() }
        guard var lane = lanes.first else { return await operation() }
        startWatch()
        for candidate in lanes.dropFirst() where candidate.load.load(ordering: .relaxed) < lane.load.load(ordering: .relaxed) {
            lane = candidate
        }
        lane.load.add(1, ordering: .relaxed)
        defer { lane.load.subtract(1, ordering: .relaxed) }
        return await withTaskExecutorPreference(lane) {
            await MessageLane.$current.withValue(lane) {
                await operation()
            }
        }
    }
}
