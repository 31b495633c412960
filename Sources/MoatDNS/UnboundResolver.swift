import CUnbound
import Foundation
import MoatCore
import Synchronization

/// DNS through libunbound: a validating-capable caching resolver library, so answers are cached
/// for their TTL, negative answers for the SOA minimum (RFC 2308), and CNAME chains are followed,
/// without Moat keeping a cache of its own.
///
/// libunbound resolves in a background thread of its own (`ub_ctx_async(ctx, 1)`); answers are
/// delivered by `ub_process`, which a dedicated thread of this resolver calls when the context's
/// descriptor is readable. That thread also expires queries past their timeout (`ub_cancel`), so
/// a lookup always returns within `timeout`, and no cooperative-pool thread ever blocks on DNS.
public final class UnboundResolver: DNSLookup, @unchecked Sendable {
    // @unchecked: `context` is used through libunbound's thread-safe API only (queries from any
    // thread, `ub_process` from the driver thread); the rest is behind `state`.

    /// Where queries go.
    public enum Upstream: Sendable, Hashable {
        /// `/etc/resolv.conf`'s name servers (and `/etc/hosts`); full recursion when it lists none.
        case system
        /// These servers, as `address` or `address@port` (tests use a server on 127.0.0.1).
        case forwarders([String])
    }

    public enum SetupError: Error, CustomStringConvertible {
        case context
        case option(String, Int32)
        public var description: String {
            switch self {
            case .context: "libunbound: cannot create a resolver context"
            case .option(let what, let code): "libunbound: \(what): \(String(cString: ub_strerror(code)))"
            }
        }
    }

    private struct Pending {
        var continuation: CheckedContinuation<DNSAnswer, Never>
        var type: DNSRecordType
        var deadline: ContinuousClock.Instant
        var query: Unmanaged<Query>
    }

    private struct State {
        var pending: [Int32: Pending] = [:]
        var stopping = false
    }

    private let context: OpaquePointer
    private let state = Mutex(State())
    private let timeout: Duration
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopped = DispatchSemaphore(value: 0)
    /// Queries sent and answers by kind, for status and benchmarks.
    private let counters = Mutex(Statistics())

    public struct Statistics: Sendable, Hashable {
        public var queries = 0
        public var answered = 0
        public var timedOut = 0
        public var failed = 0
    }

    public init(upstream: Upstream = .system, timeout: Duration = .seconds(2)) throws {
        guard let context = ub_ctx_create() else { throw SetupError.context }
        self.context = context
        self.timeout = timeout
        func check(_ what: String, _ rc: Int32) throws {
            if rc != 0 {
                ub_ctx_delete(context)
                throw SetupError.option(what, rc)
            }
        }
        try check("async threads", ub_ctx_async(context, 1))
        switch upstream {
        case .system:
            try check("resolv.conf", ub_ctx_resolvconf(context, nil))
            _ = ub_ctx_hosts(context, nil)
        case .forwarders(let servers):
            for server in servers { try check("forwarder \(server)", ub_ctx_set_fwd(context, server)) }
            // A forwarder on loopback (tests, a local unbound) is allowed.
            try check("do-not-query-localhost", ub_ctx_set_option(context, "do-not-query-localhost:", "no"))
            // The configured servers answer for every name: libunbound's built-in answers for
            // special-use names (RFC 6761 `test.`, documentation and private reverse zones) would
            // otherwise shadow what a local authoritative server or a site resolver holds.
            try check("unblock-lan-zones", ub_ctx_set_option(context, "unblock-lan-zones:", "yes"))
            for zone in Self.specialZones {
                try check("local zone \(zone)", ub_ctx_zone_add(context, zone, "transparent"))
            }
        }
        var pipe: [Int32] = [0, 0]
        guard Foundation.pipe(&pipe) == 0 else {
            ub_ctx_delete(context)
            throw SetupError.context
        }
        wakeRead = pipe[0]
        wakeWrite = pipe[1]
        _ = fcntl(wakeRead, F_SETFL, O_NONBLOCK)
        _ = fcntl(wakeWrite, F_SETFL, O_NONBLOCK)
        let thread = Thread { [unowned self] in self.drive() }
        thread.name = "moat-dns"
        thread.start()
    }

    /// Stops the driver thread and frees the context; pending lookups answer `failure`.
    public func shutdown() {
        let first = state.withLock { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        wake()
        stopped.wait()
        let orphans = state.withLock { state -> [Pending] in
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for orphan in orphans { orphan.continuation.resume(returning: .failure("resolver shut down")) }
        // Their Query boxes stay retained: libunbound may hold them until ub_ctx_delete, which
        // never calls back; a few bytes per query lost at shutdown only.
        ub_ctx_delete(context)
        close(wakeRead)
        close(wakeWrite)
    }

    public var statistics: Statistics { counters.withLock { $0 } }

    /// libunbound's default local zones that a configured upstream should answer instead.
    static let specialZones = ["test.", "invalid.", "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
                               "113.0.203.in-addr.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.", "127.in-addr.arpa."]

    public func lookup(_ name: String, _ type: DNSRecordType) async -> DNSAnswer {
        // A name that is not a valid query (empty label, label over 63, name over 253 octets)
        // has no answer; asking would only waste a round trip.
        guard Self.isQueryable(name) else { return .nxdomain }
        counters.withLock { $0.queries += 1 }
        return await withCheckedContinuation { continuation in
            let deadline = ContinuousClock.now.advanced(by: timeout)
            // The id is only known after ub_resolve_async returns, yet the callback may run (on the
            // driver thread) before that: the lock is held across the call so it waits for the entry.
            let failure: String? = state.withLock { state -> String? in
                guard !state.stopping else { return "resolver shut down" }
                var id: Int32 = 0
                let query = Unmanaged.passRetained(Query(self))
                let rc = ub_resolve_async(context, name, type.rawValue, 1 /* IN */, query.toOpaque(), Self.callback, &id)
                guard rc == 0 else {
                    query.release()
                    return String(cString: ub_strerror(rc))
                }
                query.takeUnretainedValue().id = id
                state.pending[id] = Pending(continuation: continuation, type: type, deadline: deadline, query: query)
                return nil
            }
            if let failure {
                counters.withLock { $0.failed += 1 }
                continuation.resume(returning: .failure(failure))
                return
            }
            wake()
        }
    }

    private static func isQueryable(_ name: String) -> Bool {
        var trimmed = Substring(name)
        if trimmed.hasSuffix(".") { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty, trimmed.utf8.count <= 253 else { return false }
        return trimmed.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0.utf8.count <= 63 }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// The callback's `mydata`: which resolver asked. Retained while libunbound may still call
    /// back; released by the callback, or by a successful `ub_cancel` (after which it never runs).
    private final class Query: @unchecked Sendable {
        // @unchecked: `id` is written and read under the resolver's state lock only.
        unowned let resolver: UnboundResolver
        /// Set under `state`'s lock right after `ub_resolve_async`; the callback reads it under the
        /// same lock, so it never sees it unset.
        var id: Int32 = 0
        init(_ resolver: UnboundResolver) { self.resolver = resolver }
    }

    private static let callback: ub_callback_type = { data, error, result in
        guard let data else {
            if let result { ub_resolve_free(result) }
            return
        }
        let query = Unmanaged<Query>.fromOpaque(data).takeRetainedValue()
        query.resolver.complete(query, error: error, result: result)
    }

    /// Runs on the driver thread, inside `ub_process`.
    private func complete(_ query: Query, error: Int32, result: UnsafeMutablePointer<ub_result>?) {
        defer { if let result { ub_resolve_free(result) } }
        // Gone when the timeout answered first.
        guard let entry = state.withLock({ $0.pending.removeValue(forKey: query.id) }) else { return }
        let answer: DNSAnswer
        if error != 0 {
            answer = .failure(String(cString: ub_strerror(error)))
        } else if let result {
            answer = Self.answer(result.pointee, type: entry.type)
        } else {
            answer = .failure("no result")
        }
        counters.withLock { if answer.isDefinite { $0.answered += 1 } else { $0.failed += 1 } }
        entry.continuation.resume(returning: answer)
    }

    static func answer(_ result: ub_result, type: DNSRecordType) -> DNSAnswer {
        switch result.rcode {
        case 0: break
        case 3: return .nxdomain
        case 2: return .failure("SERVFAIL")
        case 5: return .failure("REFUSED")
        default: return .failure("rcode \(result.rcode)")
        }
        if result.nxdomain != 0 { return .nxdomain }
        guard result.havedata != 0, let data = result.data, let lengths = result.len else { return .noData }
        var records: [DNSRecord] = []
        var i = 0
        while let pointer = data[i] {
            let length = Int(lengths[i])
            if length >= 0 {
                let bytes = pointer.withMemoryRebound(to: UInt8.self, capacity: max(length, 1)) { Array(UnsafeBufferPointer(start: $0, count: length)) }
                if let record = DNSRecord.decode(type, bytes) { records.append(record) }
            }
            i += 1
        }
        return records.isEmpty ? .noData : .records(records)
    }

    private func drive() {
        let fd = ub_fd(context)
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            if state.withLock({ $0.stopping }) { break }
            let now = ContinuousClock.now
            let next = state.withLock { $0.pending.values.map(\.deadline).min() }
            var waitMS: Int32 = 1_000
            if let next {
                let remaining = next - now
                let ms = remaining.wholeMilliseconds
                waitMS = Int32(clamping: max(0, min(ms + 1, 1_000)))
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, waitMS)
            if fds[1].revents != 0 { while read(wakeRead, &drain, drain.count) > 0 {} }
            if fds[0].revents != 0 { processAnswers() }
            expire()
        }
        stopped.signal()
    }

    private func processAnswers() {
        _ = ub_process(context)
    }

    private func expire() {
        let now = ContinuousClock.now
        let late = state.withLock { state -> [(Int32, Pending)] in
            let ids = state.pending.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { id in state.pending.removeValue(forKey: id).map { (id, $0) } }
        }
        for (id, pending) in late {
            // Cancelled: libunbound never calls back, so the query's retain ends here. Not
            // cancelled (its answer is already queued): the callback ends it and finds no entry.
            if ub_cancel(context, id) == 0 { pending.query.release() }
            counters.withLock { $0.timedOut += 1 }
            pending.continuation.resume(returning: .timedOut)
        }
    }
}
