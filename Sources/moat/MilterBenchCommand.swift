import ArgumentParser
import Foundation
import MoatMessage
import MoatMilter
import Synchronization

struct MilterBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "milter",
        abstract: "Load generator: drives a running moatd over the milter protocol, as Postfix would.",
        discussion: """
            Opens --connections connections to --address (loopback only) and sends --messages messages of
            --size bytes in total, each a full transaction (MAIL, RCPT, headers, body, EOM, ABORT).
            Prints messages/s and per-message latency percentiles (MAIL to final reply). Bounded by
            --messages and --max-seconds. With --idle N it instead holds N negotiated idle connections
            for --hold seconds (to measure the daemon's memory per idle connection) and exits.
            """
    )

    @Option(help: "moatd's milter address, inet:PORT@HOST or unix:/path.")
    var address = "inet:7357@127.0.0.1"

    @Option(help: "Concurrent connections (comma-separated list runs each in turn).")
    var connections = "1,16,64"

    @Option(help: "Messages per run.")
    var messages = 5000

    @Option(help: "Message size in bytes (headers + body).")
    var size = 4096

    @Option(help: "Send these messages in turn instead of synthetic ones: a directory of .eml files or a file listing one path per line (--size is then ignored).")
    var corpus: String?

    @Option(help: "Envelope recipients of every message, comma-separated (tenants: recipients in several tenants make per-tenant decisions and recipient removals).")
    var recipients = "user@moat.test"

    @Option(help: "The envelope sender of every message.")
    var sender = "sender@example.com"

    @Option(help: "Authenticate each message as one of this many SASL logins in turn ({auth_authen}: outbound mail, counted per sender); 0: unauthenticated.")
    var logins = 0

    @Option(help: "Stop a run after this many seconds even if messages remain.")
    var maxSeconds = 120.0

    @Option(help: "Before timing, send messages one at a time until the daemon's X-Moat-Verdict no longer says an engine is not ready (a first start compiles the spam rules in the background), for at most this many seconds; 0: do not wait.")
    var waitReady = 300.0

    @Option(help: "Hold this many idle connections instead of sending mail.")
    var idle = 0

    @Option(help: "Seconds to hold idle connections.")
    var hold = 5.0

    func run() async throws {
        let target = try ListenAddress(parsing: address)
        if case .inet(let host, _) = target, !(host.hasPrefix("127.") || host == "localhost" || host == "::1") {
            throw ValidationError("the load generator only targets loopback addresses")
        }
        if idle > 0 {
            try await holdIdle(target)
            return
        }
        if waitReady > 0 { try await untilReady(target) }
        let counts = connections.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        print("| connections | messages | seconds | messages/s | p50 ms | p99 ms | max ms | non-accept replies |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for count in counts {
            let result = try await load(target, connections: count)
            let sorted = result.latencies.sorted()
            func percentile(_ p: Double) -> Double {
                sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
            }
            print(String(format: "| %d | %d | %.2f | %.0f | %.2f | %.2f | %.2f | %d |",
                         count, sorted.count, result.seconds, Double(sorted.count) / result.seconds,
                         percentile(0.5), percentile(0.99), (sorted.last ?? 0) * 1000, result.refused))
        }
    }

    struct LoadResult {
        var latencies: [Double]
        var seconds: Double
        var refused: Int
    }

    func load(_ target: ListenAddress, connections: Int) async throws -> LoadResult {
        let samples = try corpus.map { try Self.corpusMessages($0) } ?? [Self.message(size: size)]
        let envelopeSender = sender
        let loginCount = logins
        let envelopeRecipients = recipients.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !samples.isEmpty else { throw ValidationError("--corpus \(corpus ?? ""): no messages") }
        let deadline = Date().addingTimeInterval(maxSeconds)
        let total = messages
        let counter = Counter()
        let start = Date()
        let perConnection = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for index in 0..<connections {
                group.addTask {
                    try await MilterClientConnection.withConnection(to: target) { connection in
                        try await connection.negotiate()
                        _ = try await connection.connect(hostname: "client\(index).example", address: "127.0.0.1", port: 40000, helo: "client.example")
                        var latencies: [Double] = []
                        var refused = 0
                        while let slot = counter.take(limit: total), Date() < deadline {
                            let (headers, body) = samples[slot % samples.count]
                            let begin = DispatchTime.now().uptimeNanoseconds
                            // A unique first line per message, so verdict caches cannot answer for the engines.
                            let unique = Array("Message \(index)-\(latencies.count)\r\n".utf8) + body
                            let login = loginCount > 0 ? "user\(slot % loginCount)" : nil
                            let answer = try await connection.send(
                                from: login.map { "\($0)@corp.test" } ?? envelopeSender, to: envelopeRecipients, headers: headers, body: unique,
                                queueID: "Q\(index)x\(latencies.count)", login: login
                            )
                            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9)
                            if case .accept = answer.final {} else { refused += 1 }
                        }
                        try await connection.quit()
                        return (latencies, refused)
                    }
                }
            }
            var all: ([Double], Int) = ([], 0)
            for try await (latencies, refused) in group {
                all.0 += latencies
                all.1 += refused
            }
            return all
        }
        return LoadResult(latencies: perConnection.0, seconds: Date().timeIntervalSince(start), refused: perConnection.1)
    }

    /// Sends a message at a time until the verdict header names no engine as not ready, so a run
    /// never times a daemon whose engines are still starting (and would flatter it). A server that
    /// adds no X-Moat-Verdict (another milter) counts as ready.
    func untilReady(_ target: ListenAddress) async throws {
        let (headers, body) = Self.message(size: 2048)
        let deadline = Date().addingTimeInterval(waitReady)
        let ready = try await MilterClientConnection.withConnection(to: target) { connection -> Bool in
            try await connection.negotiate()
            _ = try await connection.connect(hostname: "ready.example", address: "127.0.0.1", port: 40000, helo: "ready.example")
            var attempt = 0
            while Date() < deadline {
                attempt += 1
                let answer = try await connection.send(from: sender, to: ["user@moat.test"], headers: headers,
                                                       body: Array("Ready check \(attempt)\r\n".utf8) + body, queueID: "R\(attempt)")
                let verdict = answer.edits.compactMap { reply -> String? in
                    if case .addHeader(let name, let value) = reply, name.lowercased() == "x-moat-verdict" { return value }
                    return nil
                }.first
                if !(verdict?.contains("not-ready") ?? false) {
                    try await connection.quit()
                    return true
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            try await connection.quit()
            return false
        }
        if !ready {
            FileHandle.standardError.write(Data("moat bench milter: engines still not ready after \(Int(waitReady)) s; timing anyway\n".utf8))
        }
    }

    func holdIdle(_ target: ListenAddress) async throws {
        let seconds = hold
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<idle {
                group.addTask {
                    try await MilterClientConnection.withConnection(to: target) { connection in
                        try await connection.negotiate()
                        _ = try await connection.connect(hostname: "idle\(index).example", address: "127.0.0.1", port: 40000, helo: "idle.example")
                        try await Task.sleep(for: .seconds(seconds))
                        try await connection.quit()
                    }
                }
            }
            try await group.waitForAll()
        }
        print("held \(idle) idle connections for \(hold) s")
    }

    /// Messages from a directory of files or a list of paths, split into header fields and body as
    /// an MTA hands them to a milter.
    static func corpusMessages(_ source: String) throws -> [([(String, String)], [UInt8])] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
            throw ValidationError("--corpus \(source): no such file or directory")
        }
        let paths: [String]
        if isDirectory.boolValue {
            paths = try FileManager.default.contentsOfDirectory(atPath: source).sorted().map { source + "/" + $0 }
        } else {
            paths = try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
        return paths.compactMap { path in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            let message = Message(parsing: Array(data), limits: MessageLimits())
            let headers = message.headers.fields.map { ($0.name, String(decoding: $0.rawValue, as: UTF8.self)) }
            return (headers, Self.crlf(message.raw[message.root.bodyRange]))
        }
    }

    /// The body with CRLF line ends, as an MTA sends it to a milter.
    static func crlf(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + body.count / 40)
        var previous: UInt8 = 0
        for byte in body {
            if byte == 0x0A, previous != 0x0D { out.append(0x0D) }
            out.append(byte)
            previous = byte
        }
        return out
    }

    /// Headers and a body that add up to about `size` bytes, shaped like real mail.
    static func message(size: Int) -> ([(String, String)], [UInt8]) {
        let headers: [(String, String)] = [
            ("From", "Alice <alice@example.com>"), ("To", "bob@moat.test"), ("Subject", "load test message"),
            ("Date", "Sun, 29 Nov 2026 10:00:00 +0000"), ("Message-ID", "<load@example.com>"), ("MIME-Version", "1.0"),
            ("Content-Type", "text/plain; charset=utf-8"),
        ]
        let headerBytes = headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
        let line = Array("The quick brown fox jumps over the lazy dog; all work and no play makes a dull day.\r\n".utf8)
        var body: [UInt8] = []
        body.reserveCapacity(size)
        while body.count + line.count <= max(line.count, size - headerBytes) { body += line }
        return (headers, body)
    }
}

/// Hands out message slots to the connections until the run's total is reached.
final class Counter: Sendable {
    private let taken = Mutex(0)

    /// The next slot's number, or nil once `limit` slots are taken.
    func take(limit: Int) -> Int? {
        taken.withLock { taken in
            guard taken < limit else { return nil }
            defer { taken += 1 }
            return taken
        }
    }
}
