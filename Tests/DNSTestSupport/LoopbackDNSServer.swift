import Foundation

/// A real authoritative DNS server for tests: Debian's `dnsmasq` on 127.0.0.1 and a free port,
/// answering only from the records given (every other name under the zones is NXDOMAIN, and
/// nothing is forwarded: no query leaves the machine). Queries are logged to `logPath`.
public final class LoopbackDNSServer: @unchecked Sendable {
    // @unchecked: the process handle is only touched by init and stop.

    /// A record to serve.
    public enum Record: Sendable {
        case txt(String, String)
        case a(String, String)
        case aaaa(String, String)
        case mx(String, String, Int)
        case ptr(String, String)
        case cname(String, String)
        /// A name server record (served as raw RDATA: dnsmasq has no NS option for local zones).
        case ns(String, String)
    }

    public let port: Int
    public let logPath: String
    /// Started with posix_spawn, not Foundation's Process: Foundation's child watcher blocks in
    /// wait4 on a long-running child, and other Process runs of the same test (dkimsign) then
    /// never see their exit.
    private var pid: pid_t
    private let directory: String

    public static let binary = "/usr/sbin/dnsmasq"

    /// Starts the server for `zones` (names under them that are not in `records` are NXDOMAIN).
    public init(zones: [String], records: [Record]) throws {
        directory = NSTemporaryDirectory() + "moat-dns-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        logPath = directory + "/queries.log"
        var lines = ["no-resolv", "no-hosts", "no-daemon", "listen-address=127.0.0.1", "bind-interfaces",
                     "log-queries=extra", "log-facility=\(logPath)", "user=root", "group=root", "cache-size=0",
                     "local-ttl=300", "neg-ttl=300"]
        for zone in zones { lines.append("local=/\(zone)/") }
        for record in records {
            switch record {
            case .txt(let name, let text):
                // One record of several character-strings (each at most 255 octets).
                var chunks: [String] = []
                var rest = Substring(text)
                repeat {
                    chunks.append("\"" + rest.prefix(255).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"")
                    rest = rest.dropFirst(255)
                } while !rest.isEmpty
                lines.append("txt-record=\(name),\(chunks.joined(separator: ","))")
            case .a(let name, let address), .aaaa(let name, let address):
                lines.append("host-record=\(name),\(address)")
            case .mx(let name, let host, let preference):
                lines.append("mx-host=\(name),\(host),\(preference)")
            case .ptr(let name, let target):
                lines.append("ptr-record=\(name),\(target)")
            case .cname(let name, let target):
                lines.append("cname=\(name),\(target)")
            case .ns(let name, let target):
                // RDATA: the target as an uncompressed wire-format name, in hex.
                var wire: [UInt8] = []
                for label in target.split(separator: ".") {
                    wire.append(UInt8(label.utf8.count))
                    wire += Array(label.utf8)
                }
                wire.append(0)
                lines.append("dns-rr=\(name),2,\(wire.map { String(format: "%02x", $0) }.joined())")
            }
        }
        var lastError: Error?
        for _ in 0..<5 {
            let port = Self.freeUDPPort()
            let config = directory + "/dnsmasq.conf"
            try (lines + ["port=\(port)"]).joined(separator: "\n").appending("\n").write(toFile: config, atomically: true, encoding: .utf8)
            guard let spawned = Self.spawn([Self.binary, "--conf-file=\(config)"]) else {
                lastError = ServerError.exited(-1)
                continue
            }
            // Ready when it answers: dnsmasq logs "started" once bound.
            var running = true
            for _ in 0..<100 {
                var status: Int32 = 0
                if waitpid(spawned, &status, WNOHANG) == spawned { running = false; break }
                if let log = try? String(contentsOfFile: logPath, encoding: .utf8), log.contains("started") { break }
                usleep(20_000)
            }
            if running {
                self.port = port
                self.pid = spawned
                return
            }
            lastError = ServerError.exited(-1)
        }
        throw lastError ?? ServerError.exited(-1)
    }

    public enum ServerError: Error { case exited(Int32) }

    /// `127.0.0.1@port`, as libunbound's forwarder setting reads it.
    public var forwarder: String { "127.0.0.1@\(port)" }

    /// How many queries for `name` reached the server (dnsmasq logs one `query[TYPE] name` line each).
    public func queries(for name: String) -> Int {
        guard let log = try? String(contentsOfFile: logPath, encoding: .utf8) else { return 0 }
        return log.split(separator: "\n").filter { $0.contains("query[") && $0.contains("] \(name) from ") }.count
    }

    public func stop() {
        if pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            pid = 0
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    private static func spawn(_ arguments: [String]) -> pid_t? {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        return rc == 0 ? pid : nil
    }

    /// A UDP port nothing listens on now (bound to port 0, read, closed).
    public static func freeUDPPort() -> Int {
        let (fd, port) = boundUDPSocket()
        close(fd)
        return port
    }

    /// A UDP socket bound to 127.0.0.1 on a port the kernel chose, and that port.
    static func boundUDPSocket() -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// A UDP socket on 127.0.0.1 that receives queries and never answers: what a dead upstream looks like.
public final class SilentDNSServer: @unchecked Sendable {
    public let port: Int
    private let fd: Int32

    public init() {
        (fd, port) = LoopbackDNSServer.boundUDPSocket()
    }

    public var forwarder: String { "127.0.0.1@\(port)" }

    deinit { close(fd) }
}

/// A UDP server on 127.0.0.1 that answers every query at once with SERVFAIL (the query echoed
/// back with QR set and RCODE 2): what a broken authoritative server or resolver looks like.
public final class ServfailDNSServer: @unchecked Sendable {
    // @unchecked: the socket is read by the answering thread only; `stop` closes it.
    public let port: Int
    private let fd: Int32

    public init() {
        (fd, port) = LoopbackDNSServer.boundUDPSocket()
        let fd = fd
        let thread = Thread {
            // This thread closes the socket when its read fails: closing it in `stop` could let a
            // new socket take the number while this thread is between two reads.
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                var peer = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let n = withUnsafeMutablePointer(to: &peer) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &length) }
                }
                guard n >= 12 else { return }
                var reply = Array(buffer[0..<n])
                reply[2] |= 0x80  // QR: a response
                reply[3] = (reply[3] & 0xF0) | 2  // RCODE 2: SERVFAIL
                _ = withUnsafePointer(to: &peer) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, length) }
                }
            }
        }
        thread.start()
    }

    public var forwarder: String { "127.0.0.1@\(port)" }

    /// Ends the answering thread (its blocked read fails once the socket is shut down, and the
    /// thread then closes it).
    public func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
    }
}
