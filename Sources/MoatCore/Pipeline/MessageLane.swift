import Foundation
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

    private let name: String
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [UnownedJob] = []
    private var head = 0
    /// Bumped when a thread takes over from a stalled one; a thread of an older generation leaves.
    private let generation = Atomic<Int>(0)
    /// Threads started for this lane, the first included (for their names), and those not gone.
    private var threadsStarted = 0
    private var liveThreads = 0
    private var stopping = false
    /// Uptime (ns) at which the running job started; 0 while the lane waits for work.
    private let busySince = Atomic<UInt64>(0)
    /// Messages given to this lane and not finished, for choosing the least busy lane.
    let load = Atomic<Int>(0)

    init(name: String) {
        self.name = name
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        // The first thread starts with the first job (a pool that never scans starts none), and
        // a job for lanes being stopped still runs (the late half of an overrun engine's scan).
        if liveThreads == 0 { startThread() }
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
        liveThreads += 1
        let threadName = threadsStarted == 1 ? name : "\(name).\(threadsStarted)"
        let thread = Thread { [self] in
            Thread.current.name = threadName
            serve(generation)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func serve(_ generation: Int) {
        Self.markLaneThread()
        var current: Int { self.generation.load(ordering: .relaxed) }
        while true {
            condition.lock()
            while head == jobs.count, generation == current, !stopping { condition.wait() }
            guard generation == current, head < jobs.count else {
                liveThreads -= 1
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            busySince.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            job.runSynchronously(on: asUnownedTaskExecutor())
            // A thread relieved meanwhile leaves the mark to the one that took over.
            if generation == current { busySince.store(0, ordering: .relaxed) }
        }
    }

    /// Hands the queue to a new thread when the running job has run longer than `limit` while
    /// other jobs wait. Returns whether it did.
    func relieveIfStalled(now: UInt64, limit: UInt64) -> Bool {
        let since = busySince.load(ordering: .relaxed)
        guard since != 0, now > since, now - since > limit else { return false }
        condition.lock()
        defer { condition.unlock() }
        guard head < jobs.count else { return false }
        generation.add(1, ordering: .relaxed)
        // The stalled thread's job still runs; it leaves when the job returns. Its mark is
        // cleared here so the same stall is not relieved twice.
        busySince.store(0, ordering: .relaxed)
        startThread()
        condition.broadcast()
        return true
    }

    // MARK: Lane threads

    private static let laneThreadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private static func markLaneThread() {
        pthread_setspecific(laneThreadKey, UnsafeRawPointer(bitPattern: 1))
    }

    /// Whether the calling thread is a lane's (where blocking work may run inline).
    static var onLaneThread: Bool { pthread_getspecific(laneThreadKey) != nil }
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
    private let stallLimit: UInt64
    private let watch = Watch()
    private let name: String

    /// `count` lanes (one per core is the point: fewer leave cores idle, more only interleave),
    /// relieved when a job runs longer than `stallLimit` while others wait. No thread starts
    /// before the first scan.
    public init(count: Int, stallLimit: Duration = .milliseconds(200), name: String = "moat-lane") {
        self.name = name
        lanes = (0..<max(1, count)).map { MessageLane(name: "\(name)-\($0)") }
        let (seconds, attoseconds) = stallLimit.components
        self.stallLimit = max(1_000_000, UInt64(clamping: seconds) &* 1_000_000_000 &+ UInt64(clamping: attoseconds / 1_000_000_000))
    }

    deinit {
        watch.stopped.store(true, ordering: .relaxed)
        for lane in lanes { lane.stop() }
    }

    public var count: Int { lanes.count }

    /// Threads started so far to take over a lane from a call that ran past the stall limit.
    public var relievedStalls: Int { watch.reliefs.load(ordering: .relaxed) }

    /// The watch looks a quarter of the limit apart, so a stall is relieved within 1.25 × the
    /// limit. It touches only atomics while the lanes work, and leaves with the lanes.
    private func startWatch() {
        guard watch.started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        let (lanes, limit, watch) = (self.lanes, stallLimit, self.watch)
        let threadName = String("\(name)-watch".utf8.prefix(15)) ?? "moat-lane-watch"
        let thread = Thread {
            Thread.current.name = threadName
            while !watch.stopped.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: Double(limit) / 4e9)
                let now = DispatchTime.now().uptimeNanoseconds
                for lane in lanes where lane.relieveIfStalled(now: now, limit: limit) {
                    watch.reliefs.add(1, ordering: .relaxed)
                }
            }
        }
        thread.start()
    }

    /// Runs `operation` on the least busy lane: every task it starts (child tasks, and the
    /// deadline races' own tasks) runs there, and `BlockingWorkPool.run` runs inline. Already on
    /// a lane, it runs where it is.
    public func run<T: Sendable>(_ operation: @Sendable () async -> T) async -> T {
        if MessageLane.current != nil { return await operation() }
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
