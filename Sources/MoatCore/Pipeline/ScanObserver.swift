import Synchronization

/// Something that wants to know every decision: the verdict log, the precision tracker, metrics.
///
/// Called on the scan path right after the decision, so an observer must return at once and do
/// its work elsewhere (the supervisor hands the decision to a background task).
public protocol ScanObserver: Sendable {
    func scanned(_ input: ScanInput, decision: Decision)
}

/// The observers of one pipeline, registered after it is built (the daemon wires them once at start).
public final class ScanObservers: Sendable {
    private let observers = Mutex<[any ScanObserver]>([])

    public init() {}

    public func add(_ observer: any ScanObserver) {
        observers.withLock { $0.append(observer) }
    }

    func notify(_ input: ScanInput, decision: Decision) {
        let current = observers.withLock { $0 }
        for observer in current { observer.scanned(input, decision: decision) }
    }
}
