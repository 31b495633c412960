#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One blocking socket to clamd; owns the descriptor and closes it in `deinit`.
///
/// Every call blocks: use it only on the blocking pool. Send and receive time out after `timeout`
/// (`SO_SNDTIMEO` also bounds `connect` on Linux), and the whole exchange is checked against the
/// same deadline between chunks.
final class ClamdConnection {
    private let descriptor: Int32
    private let endpoint: ClamdEndpoint
    private let deadline: ContinuousClock.Instant

    init(to endpoint: ClamdEndpoint, timeout: Duration) throws(ClamdError) {
        self.endpoint = endpoint
        self.deadline = .now + timeout
        switch endpoint {
        case .unix(let path):
            descriptor = try Self.connectUnix(path, timeout: timeout, endpoint: endpoint)
        case .tcp(let host, let port):
            descriptor = try Self.connectTCP(host, port, timeout: timeout, endpoint: endpoint)
        }
    }

    deinit {
        close(descriptor)
    }

    /// Sends INSTREAM with `payload` and returns clamd's decoded reply.
    func instream(_ payload: [UInt8], chunkSize: Int) throws(ClamdError) -> ClamdProtocol.Reply {
        try write(ClamdProtocol.instreamCommand)
        try write(ClamdProtocol.frames(payload, chunkSize: chunkSize))
        return ClamdProtocol.parse(try receiveReply())
    }

    private func write(_ bytes: [UInt8]) throws(ClamdError) {
        var sent = 0
        while sent < bytes.count {
            try checkDeadline()
            let count = bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(endpoint: endpoint.description, reason: "send: \(Self.errnoText())")
            }
            sent += count
        }
    }

    /// Reads until the NUL that ends a `z`-command reply, or until clamd closes the connection.
    private func receiveReply() throws(ClamdError) -> [UInt8] {
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !reply.contains(0) {
            try checkDeadline()
            let count = buffer.withUnsafeMutableBytes { raw in recv(descriptor, raw.baseAddress, raw.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(endpoint: endpoint.description, reason: "recv: \(Self.errnoText())")
            }
            if count == 0 { break }
            reply += buffer[0..<count]
            if reply.count > 64 * 1024 { throw .io(endpoint: endpoint.description, reason: "reply too long") }
        }
        guard !reply.isEmpty else { throw .io(endpoint: endpoint.description, reason: "connection closed without a reply") }
        return reply
    }

    private func checkDeadline() throws(ClamdError) {
        if ContinuousClock.now > deadline { throw .io(endpoint: endpoint.description, reason: "timed out") }
    }

    private static func connectUnix(_ path: String, timeout: Duration, endpoint: ClamdEndpoint) throws(ClamdError) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw .connect(endpoint: endpoint.description, reason: "socket path too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .connect(endpoint: endpoint.description, reason: errnoText()) }
        setTimeouts(fd, timeout)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let reason = errnoText()
            close(fd)
            throw .connect(endpoint: endpoint.description, reason: reason)
        }
        return fd
    }

    private static func connectTCP(_ host: String, _ port: Int, timeout: Duration, endpoint: ClamdEndpoint) throws(ClamdError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .resolve(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard fd >= 0 else { lastError = errnoText(); continue }
            setTimeouts(fd, timeout)
            if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
            lastError = errnoText()
            close(fd)
        }
        throw .connect(endpoint: endpoint.description, reason: lastError)
    }

    private static func setTimeouts(_ fd: Int32, _ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
