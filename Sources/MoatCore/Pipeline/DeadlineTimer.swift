import Foundation

/// Something with a deadline: settled once it has an outcome, expired when the deadline passes first.
public protocol DeadlineTarget: AnyObject, Sendable {
    var isSettled: Bool { get }
    /// Called on the timer's thread: must not block (hand longer work to a task).
    func expire()
}

/// Fires the engines' deadlines, the workers' hard limits and the milter's progress replies from
/// one thread.
///
/// A sleeping task per engine and message (`Task.sleep`) armed a dispatch timer and woke
/// libdispatch's manager thread for each, and was cancelled again a few milliseconds later: about
/// 1 % of the pipeline's CPU. Deadlines with the same timeout arrive in the order they expire, so
/// each timeout keeps a queue whose head is its earliest deadline; a target that settled is
/// dropped when it reaches a head. The thread sleeps until the earliest head and is signalled only
/// when a new deadline falls before that, which in steady traffic is never.
public final class DeadlineTimer: @unchecked Sendable {
    public static let shared = DeadlineTimer()

    private struct Entry {
        let deadline: ContinuousClock.Instant
        let target: any DeadlineTarget
    }

    /// Deadlines of one timeout, earliest first.
    private struct Queue {
        let timeout: Duration
        var entries = FIFOQueue<Entry>()

        /// Drops settled targets at the head and collects the expired ones (none when `now` is nil).
        mutating func advance(now: ContinuousClock.Instant?, expired: inout [any DeadlineTarget]) {
            while let entry = entries.first {
                if entry.target.isSettled {
                    _ = entries.popFirst()
                } else if let now, entry.deadline <= now {
                    expired.append(entry.target)
                    _ = entries.popFirst()
                } else {
                    break
                }
            }
        }

        var earliest: ContinuousClock.Instant? { entries.first?.deadline }
    }

    private enum Sleep {
        case awake
        case until(ContinuousClock.Instant)
        case indefinitely
    }

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queues: [Queue] = []
    private var sleep = Sleep.awake
    private var started = false

    /// Expires `target` after `timeout` unless it has settled by then.
    public func schedule(_ target: any DeadlineTarget, after timeout: Duration) {
        let now = ContinuousClock.now
        let deadline = now + timeout
        condition.lock()
        defer { condition.unlock() }
        if !started {
            started = true
            let thread = Thread { [self] in run() }
            thread.name = "moat-deadlines"
            thread.start()
        }
        let index: Int
        if let found = queues.firstIndex(where: { $0.timeout == timeout }) {
            index = found
        } else {
            queues.append(Queue(timeout: timeout))
            index = queues.count - 1
        }
        var none: [any DeadlineTarget] = []
        queues[index].advance(now: nil, expired: &none)
        queues[index].entries.append(Entry(deadline: deadline, target: target))
        switch sleep {
        case .indefinitely: condition.signal()
        case .until(let wake) where deadline < wake: condition.signal()
        default: break
        }
    }

    private func run() {
        var expired: [any DeadlineTarget] = []
        condition.lock()
        while true {
            let now = ContinuousClock.now
            var earliest: ContinuousClock.Instant?
            for index in queues.indices {
                queues[index].advance(now: now, expired: &expired)
                if let head = queues[index].earliest, earliest.map({ head < $0 }) ?? true { earliest = head }
            }
            if !expired.isEmpty {
                condition.unlock()
                for target in expired { target.expire() }
                expired.removeAll(keepingCapacity: true)
                condition.lock()
                continue
            }
            if let earliest {
                sleep = .until(earliest)
                let wait = (earliest - now).components
                let seconds = Double(wait.seconds) + Double(wait.attoseconds) / 1e18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            } else {
                sleep = .indefinitely
                condition.wait()
            }
            sleep = .awake
        }
    }
}
