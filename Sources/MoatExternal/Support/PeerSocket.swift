#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking stream socket to a peer, with a deadline on every operation; closes in `deinit`.
///
/// Use it only on the blocking pool. The descriptor is non-blocking underneath and every wait is a
/// `poll` bounded by the current `deadline`, so connect, send and receive can never hang a thread
/// past it. Reads go through a read-ahead buffer so protocol code can ask for "up to CRLF CRLF"
/// or "exactly n bytes".
///
/// `@unchecked Sendable`: a socket is owned by one scan at a time (taken from and returned to a
/// `ConnectionPool` under its lock) and never used by two threads at once.
final class PeerSocket: @unchecked Sendable {
    let endpoint: PeerEndpoint
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var bufferStart = 0
    /// Every operation fails with `ExternalError.timedOut` once this passes.
    var deadline: ContinuousClock.Instant
    /// The timeout the deadline came from, for the error message.
    var timeoutMilliseconds: Int

    private init(endpoint: PeerEndpoint, descriptor: Int32, deadline: ContinuousClock.Instant, timeoutMilliseconds: Int) {
        self.endpoint = endpoint
        self.descriptor = descriptor
        self.deadline = deadline
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    deinit {
        close(descriptor)
    }

    /// Connects within `timeout`; the same deadline then bounds the exchange (see `restartClock`).
    static func connect(to endpoint: PeerEndpoint, timeout: Duration) throws(ExternalError) -> PeerSocket {
        let deadline = ContinuousClock.now + timeout
        let milliseconds = timeout.wholeMilliseconds
        switch endpoint {
        case .unix(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let pathBytes = Array(path.utf8)
            guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                throw .connect(peer: endpoint.description, reason: "socket path too long")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: pathBytes)
                raw[pathBytes.count] = 0
            }
            let fd = try openSocket(family: AF_UNIX, endpoint: endpoint)
            let socket = PeerSocket(endpoint: endpoint, descriptor: fd, deadline: deadline, timeoutMilliseconds: milliseconds)
            try withUnsafePointer(to: &address) { pointer throws(ExternalError) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(ExternalError) in
                    try socket.finishConnect(address, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            return socket
        case .tcp(let host, let port):
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            hints.ai_flags = AI_NUMERICSERV
            var list: UnsafeMutablePointer<addrinfo>?
            let status = getaddrinfo(host, String(port), &hints, &list)
            guard status == 0, let first = list else {
                throw .connect(peer: endpoint.description, reason: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
            }
            defer { freeaddrinfo(list) }
            var lastError = ExternalError.connect(peer: endpoint.description, reason: "no address")
            var candidate: UnsafeMutablePointer<addrinfo>? = first
            while let info = candidate {
                candidate = info.pointee.ai_next
                do {
                    let fd = try openSocket(family: info.pointee.ai_family, endpoint: endpoint)
                    let socket = PeerSocket(endpoint: endpoint, descriptor: fd, deadline: deadline, timeoutMilliseconds: milliseconds)
                    try socket.finishConnect(info.pointee.ai_addr, info.pointee.ai_addrlen)
                    var one: Int32 = 1
                    _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return socket
                } catch {
                    lastError = error
                    if case .timedOut = error { throw error }
                }
            }
            throw lastError
        }
    }

    private static func openSocket(family: Int32, endpoint: PeerEndpoint) throws(ExternalError) -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw .connect(peer: endpoint.description, reason: "socket: \(Self.errnoText())") }
        return fd
    }

    private func finishConnect(_ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws(ExternalError) {
        if Glibc.connect(descriptor, address, length) == 0 { return }
        guard errno == EINPROGRESS || errno == EINTR else {
            throw .connect(peer: endpoint.description, reason: Self.errnoText())
        }
        try wait(for: Int16(POLLOUT))
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &size)
        guard error == 0 else { throw .connect(peer: endpoint.description, reason: String(cString: strerror(error))) }
    }

    /// Starts a new exchange on a kept-alive socket: the deadline is `timeout` from now.
    func restartClock(timeout: Duration) {
        deadline = .now + timeout
        timeoutMilliseconds = timeout.wholeMilliseconds
    }

    /// Waits until the descriptor is ready for `events` or the deadline passes.
    private func wait(for events: Int16) throws(ExternalError) {
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { throw .timedOut(peer: endpoint.description, milliseconds: timeoutMilliseconds) }
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let result = poll(&entry, 1, Int32(clamping: max(1, remaining.wholeMilliseconds)))
            if result > 0 { return }
            if result < 0 && errno != EINTR { throw .io(peer: endpoint.description, reason: "poll: \(Self.errnoText())") }
        }
    }

    func write(_ bytes: [UInt8]) throws(ExternalError) {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                sent += count
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLOUT))
            } else if errno != EINTR {
                throw .io(peer: endpoint.description, reason: "send: \(Self.errnoText())")
            }
        }
    }

    /// Tells the peer no more data follows (spamd reads the body to EOF when it has no length).
    func shutdownWrite() {
        _ = shutdown(descriptor, Int32(SHUT_WR))
    }

    /// Reads more bytes into the buffer; returns false at end of stream.
    private func fill() throws(ExternalError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress, raw.count, 0) }
            if count > 0 {
                if bufferStart > 0 && bufferStart >= buffer.count / 2 {
                    buffer.removeFirst(bufferStart)
                    bufferStart = 0
                }
                buffer += chunk[0..<count]
                return true
            }
            if count == 0 { return false }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLIN))
            } else if errno != EINTR {
                throw .io(peer: endpoint.description, reason: "recv: \(Self.errnoText())")
            }
        }
    }

    private var available: Int { buffer.count - bufferStart }

    /// Bytes up to and including `delimiter`; at most `limit` bytes, else a protocol violation.
    func read(through delimiter: [UInt8], limit: Int) throws(ExternalError) -> [UInt8] {
        var searchFrom = bufferStart
        while true {
            if let end = Self.find(delimiter, in: buffer, from: searchFrom) {
                let result = Array(buffer[bufferStart..<end + delimiter.count])
                bufferStart = end + delimiter.count
                return result
            }
            guard available <= limit else {
                throw .protocolViolation(peer: endpoint.description, reason: "no \(Self.printable(delimiter)) within \(limit) bytes")
            }
            searchFrom = max(bufferStart, buffer.count - delimiter.count + 1)
            let before = bufferStart
            guard try fill() else {
                throw available == 0
                    ? .io(peer: endpoint.description, reason: "connection closed before a reply")
                    : .protocolViolation(peer: endpoint.description, reason: "connection closed in the middle of a reply")
            }
            searchFrom -= before - bufferStart
        }
    }

    /// Exactly `count` bytes.
    func read(exactly count: Int) throws(ExternalError) -> [UInt8] {
        while available < count {
            guard try fill() else {
                throw .protocolViolation(peer: endpoint.description, reason: "connection closed \(count - available) bytes short")
            }
        }
        let result = Array(buffer[bufferStart..<bufferStart + count])
        bufferStart += count
        return result
    }

    /// Everything until the peer closes, at most `limit` bytes.
    func readToEnd(limit: Int) throws(ExternalError) -> [UInt8] {
        while try fill() {
            guard available <= limit else {
                throw .protocolViolation(peer: endpoint.description, reason: "reply longer than \(limit) bytes")
            }
        }
        let result = Array(buffer[bufferStart...])
        bufferStart = buffer.count
        return result
    }

    /// Whether a kept-alive socket still looks usable: nothing unread and the peer has not closed it.
    var isReusable: Bool {
        guard available == 0 else { return false }
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let result = poll(&entry, 1, 0)
        return result == 0
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = max(0, start)
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0] {
                var match = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    match = false
                    break
                }
                if match { return index }
            }
            index += 1
        }
        return nil
    }

    private static func printable(_ bytes: [UInt8]) -> String {
        bytes.map { byte in
            switch byte {
            case 13: "\\r"
            case 10: "\\n"
            default: String(UnicodeScalar(byte))
            }
        }.joined()
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
