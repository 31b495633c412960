import Foundation
import NIOCore
import NIOPosix

/// Sends a released message back into the mail flow over SMTP, with the envelope it arrived with.
///
/// The copy released is the one in the store, so any node of a cluster (and the console) can
/// release a message wherever it was quarantined. The target should be an MTA listener without
/// Moat's milter (Postfix: a second `smtpd` with `-o smtpd_milters=`, as for content filters), or
/// the message would be scanned, and quarantined, again.
public struct SMTPReinjector: Sendable {
    public var host: String
    public var port: Int
    /// The name given in EHLO.
    public var helo: String
    /// For the whole conversation.
    public var timeout: Duration

    public enum SMTPError: Error, CustomStringConvertible {
        case badAddress(String)
        case refused(command: String, reply: String)
        case noRecipientAccepted([String])
        case connectionClosed
        case timedOut

        public var description: String {
            switch self {
            case .badAddress(let address): "envelope address unusable in SMTP: \(address.debugDescription)"
            case .refused(let command, let reply): "\(command) refused: \(reply)"
            case .noRecipientAccepted(let replies): "no recipient accepted: \(replies.joined(separator: "; "))"
            case .connectionClosed: "the SMTP server closed the connection"
            case .timedOut: "no answer from the SMTP server in time"
            }
        }
    }

    public init(host: String, port: Int, helo: String = "moat.localdomain", timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.helo = helo
        self.timeout = timeout
    }

    /// Parses `HOST:PORT` (`[v6]:PORT` for IPv6).
    public init?(address: String, helo: String = "moat.localdomain") {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port, helo: helo)
    }

    /// Sends `raw` from `mailFrom` to `recipients`; returns the server's reply to the message (with
    /// its queue id). Recipients the server refuses are listed in the error only if none is accepted.
    public func send(_ raw: [UInt8], mailFrom: String?, recipients: [String]) async throws -> String {
        let sender = try Self.pathAddress(mailFrom ?? "")
        let targets = try recipients.map(Self.pathAddress)
        guard !targets.isEmpty else { throw SMTPError.noRecipientAccepted([]) }
        let data = Self.dotStuffed(raw)
        let (host, port, helo, timeout) = (host, port, helo, timeout)
        return try await withThrowingTaskGroup(of: String.self) { group in
            group.addTask {
                let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .connectTimeout(.seconds(10))
                    .connect(host: host, port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                        }
                    }
                return try await channel.executeThenClose { inbound, outbound in
                    var replies = ReplyReader(inbound.makeAsyncIterator())
                    func command(_ line: String, expect codes: ClosedRange<Int>) async throws -> String {
                        try await outbound.write(ByteBuffer(string: line + "\r\n"))
                        let (code, text) = try await replies.next()
                        guard codes.contains(code) else { throw SMTPError.refused(command: line.components(separatedBy: ":").first ?? line, reply: text) }
                        return text
                    }
                    let (greeting, text) = try await replies.next()
                    guard greeting == 220 else { throw SMTPError.refused(command: "greeting", reply: text) }
                    _ = try await command("EHLO \(helo)", expect: 250...250)
                    _ = try await command("MAIL FROM:<\(sender)>", expect: 250...250)
                    var refusals: [String] = []
                    for target in targets {
                        do {
                            _ = try await command("RCPT TO:<\(target)>", expect: 250...251)
                        } catch SMTPError.refused(_, let reply) {
                            refusals.append("<\(target)>: \(reply)")
                        }
                    }
                    guard refusals.count < targets.count else { throw SMTPError.noRecipientAccepted(refusals) }
                    _ = try await command("DATA", expect: 354...354)
                    try await outbound.write(ByteBuffer(bytes: data))
                    let (code, accepted) = try await replies.next()
                    guard code == 250 else { throw SMTPError.refused(command: "message", reply: accepted) }
                    try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
                    return accepted
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw SMTPError.timedOut
            }
            defer { group.cancelAll() }
            guard let result = try await group.next() else { throw SMTPError.timedOut }
            return result
        }
    }

    /// The address between SMTP's angle brackets: stored envelopes may carry them already; CR, LF
    /// and brackets inside would let a sender's address inject commands.
    static func pathAddress(_ address: String) throws -> String {
        var bare = address.trimmingCharacters(in: .whitespaces)
        if bare.hasPrefix("<"), bare.hasSuffix(">") { bare = String(bare.dropFirst().dropLast()) }
        guard bare.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }) else {
            throw SMTPError.badAddress(address)
        }
        return bare
    }

    /// The message as SMTP DATA: CRLF line ends, leading dots doubled, and the closing dot line.
    static func dotStuffed(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + raw.count / 40 + 5)
        var atLineStart = true
        var previous: UInt8 = 0
        for byte in raw {
            if atLineStart, byte == UInt8(ascii: ".") { out.append(byte) }
            if byte == 0x0A, previous != 0x0D { out.append(0x0D) }
            out.append(byte)
            atLineStart = byte == 0x0A
            previous = byte
        }
        if !atLineStart { out.append(contentsOf: [0x0D, 0x0A]) }
        out.append(contentsOf: Array(".\r\n".utf8))
        return out
    }

    /// Reads SMTP replies (multi-line ones joined) from the inbound bytes.
    struct ReplyReader {
        var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var pending: [UInt8] = []
        /// Longest reply line accepted.
        static let maxLine = 4096

        init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
            self.iterator = iterator
        }

        mutating func line() async throws -> String {
            while true {
                if let end = pending.firstIndex(of: 0x0A) {
                    var line = Array(pending[..<end])
                    pending.removeSubrange(...end)
                    if line.last == 0x0D { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                guard pending.count <= Self.maxLine, let buffer = try await iterator.next() else { throw SMTPError.connectionClosed }
                pending.append(contentsOf: buffer.readableBytesView)
            }
        }

        mutating func next() async throws -> (Int, String) {
            var text: [String] = []
            while true {
                let line = try await line()
                let bytes = Array(line.utf8)
                guard bytes.count >= 3, let code = Int(String(decoding: bytes.prefix(3), as: UTF8.self)) else {
                    throw SMTPError.refused(command: "reply", reply: line)
                }
                text.append(line)
                if bytes.count == 3 || bytes[3] != UInt8(ascii: "-") { return (code, text.joined(separator: " / ")) }
            }
        }
    }
}
