import Foundation
import Logging
import MailTestSupport
import MoatCore
import MoatMessage
@testable import MoatExternal
#if canImport(Glibc)
import Glibc
#endif

/// Shared pieces for the adapter tests: fixtures, a build context, peers and a junk server.
enum Fixtures {
    static let eicar = #"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#
    static let gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

    static func message(subject: String = "Quarterly figures", body: String) -> Message {
        Message(parsing: TestMessage.single(type: "text/plain", body: body, headers: [
            "From: alice@example.org", "To: bob@example.org", "Subject: \(subject)", "Message-ID: <t1@example.org>",
            "Date: Sun, 29 Nov 2026 10:00:00 +0000",
        ]))
    }

    static func withAttachment(_ content: String, filename: String) -> Message {
        Message(parsing: TestMessage.withAttachments([.attachment(filename, bytes: Array(content.utf8))], text: "see attached"))
    }

    static let clean = message(body: "Hello Bob, the figures are attached as discussed.")
    static let eicarMessage = message(body: eicar)
    static let spamMessage = message(subject: "moat spam test", body: "Buy now MOAT-SPAM-TEST-7f3a")
    static let gtubeMessage = message(body: gtube)
}

let sharedPool = BlockingWorkPool(threads: 8)

func buildContext(_ file: String = "test.toml") -> EngineBuildContext {
    EngineBuildContext(blocking: sharedPool, logger: Logger(label: "test"), rulesDirectory: repositoryRoot + "/rules", manifestPath: file)
}

func scanContext() -> ScanContext {
    ScanContext(blocking: sharedPool, logger: Logger(label: "test"))
}

let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()

func makeEngine(_ factory: any EngineFactory, _ options: [String: ConfigValue], timeoutMs: Int = 10_000) async throws -> any ScanEngine {
    try await factory.makeEngine(EngineManifest(name: "t", adapter: factory.adapter, timeoutMilliseconds: timeoutMs, options: options), context: buildContext())
}

func hasCommand(_ name: String) -> Bool {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin:/usr/sbin:/sbin").split(separator: ":").contains {
        FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
    } || FileManager.default.isExecutableFile(atPath: "/usr/sbin/\(name)")
}

/// A real peer started by `Tests/EndToEnd/peers/start-peer.sh`; `stop()` ends exactly its processes.
final class Peer: @unchecked Sendable {
    let values: [String: String]
    let pids: [Int32]
    let directory: String

    private init(values: [String: String], pids: [Int32], directory: String) {
        self.values = values
        self.pids = pids
        self.directory = directory
    }

    var port: Int { Int(values["PORT"] ?? "") ?? 0 }
    var socket: String { values["SOCKET"] ?? "" }

    /// Starts the peer. A missing package is an error: tests gate on the peer's commands with
    /// `.enabled(if:)`, so reaching this without them means the gate is incomplete.
    static func start(_ kind: String) async throws -> Peer {
        try await sharedPool.run { try startBlocking(kind) }
    }

    private static func startBlocking(_ kind: String) throws -> Peer {
        let directory = NSTemporaryDirectory() + "moat-peer-\(kind)-\(UUID().uuidString.prefix(8))"
        // Run with the adapter's own process runner: Foundation's Process.waitUntilExit can miss
        // the exit of a script whose daemons outlive it.
        let outcome = try ScannerProcess.run(["/bin/bash", repositoryRoot + "/Tests/EndToEnd/peers/start-peer.sh", kind, directory],
                                             input: nil, outputLimit: 1 << 20, timeout: .seconds(180))
        let text = String(decoding: outcome.output, as: UTF8.self)
        guard outcome.exitCode == 0 else {
            throw PeerStartFailure(kind: kind, output: text)
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { values[pair[0]] = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        let pids = (values["PIDS"] ?? "").split(separator: " ").compactMap { Int32($0) }
        return Peer(values: values, pids: pids, directory: directory)
    }

    /// SIGTERM to each peer's process group, SIGKILL after 5 s.
    func stop() {
        for pid in pids { Glibc.kill(-pid, SIGTERM) }
        for pid in pids {
            for _ in 0..<50 where Glibc.kill(pid, 0) == 0 { usleep(100_000) }
            if Glibc.kill(pid, 0) == 0 { Glibc.kill(-pid, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Kills one process group at once (a peer dying mid-scan).
    func killGroup(index: Int) {
        Glibc.kill(-pids[index], SIGKILL)
    }
}

struct PeerStartFailure: Error, CustomStringConvertible {
    let kind: String
    let output: String
    var description: String { "could not start \(kind): \(output)" }
}

/// A loopback TCP server that misbehaves on purpose: answers junk, hangs, or closes mid-reply.
final class JunkServer: @unchecked Sendable {
    enum Behaviour: Sendable {
        case garbage
        case hang
        case closeMidReply(String)
    }

    let port: Int
    private let listener: Int32
    private let behaviour: Behaviour
    private var held: [Int32] = []
    private var stopped = false
    private let lock = NSLock()

    init(_ behaviour: Behaviour) {
        self.behaviour = behaviour
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 16)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        start()
    }

    private func start() {
        let thread = Thread { [self] in self.serve() }
        thread.start()
    }

    /// The listening descriptor is closed by this thread, after `accept` fails, never by `stop()`:
    /// closing it elsewhere would let the next server reuse the number while this thread is
    /// between two `accept` calls, and a hanging server would then answer garbage (a flaky
    /// "expected a timeout" in `FaultTests`).
    private func serve() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            lock.lock(); let stopped = self.stopped; lock.unlock()
            if stopped { close(client); return }
            var buffer = [UInt8](repeating: 0, count: 65536)
            switch behaviour {
            case .garbage:
                _ = recv(client, &buffer, buffer.count, 0)
                let junk = Array("\u{1}\u{2}garbage \u{7f} not a protocol\r\n\r\n".utf8)
                _ = send(client, junk, junk.count, Int32(MSG_NOSIGNAL))
                close(client)
            case .hang:
                lock.lock(); held.append(client); lock.unlock()
            case .closeMidReply(let partial):
                _ = recv(client, &buffer, buffer.count, 0)
                let bytes = Array(partial.utf8)
                _ = send(client, bytes, bytes.count, Int32(MSG_NOSIGNAL))
                close(client)
            }
        }
    }

    /// Connections a hanging server holds open.
    var heldCount: Int {
        lock.lock(); defer { lock.unlock() }
        return held.count
    }

    func stop() {
        lock.lock(); stopped = true; held.forEach { close($0) }; held.removeAll(); lock.unlock()
        // Wakes the thread blocked in `accept` (which then fails and closes the listener).
        shutdown(listener, Int32(SHUT_RDWR))
    }
}

/// A free loopback port with nothing listening.
func deadPort() -> Int {
    let server = JunkServer(.garbage)
    let port = server.port
    server.stop()
    return port
}
