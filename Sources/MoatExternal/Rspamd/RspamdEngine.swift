import MoatCore
import MoatMessage

/// Scans messages with rspamd's normal worker over HTTP (`POST /checkv2`).
///
/// The SMTP envelope, when the message came through the milter, goes along as rspamd's `From`,
/// `Rcpt`, `IP`, `Helo` and `Hostname` headers. The answer's action gives the category (see
/// `RspamdActionMap`), its score the engine's score, and every symbol a `rspamd.SYMBOL` finding with
/// its score and options. Connections are kept alive and pooled.
public final class RspamdEngine: ScanEngine {
    struct Configuration: Sendable {
        var endpoint: PeerEndpoint
        var path: String
        var password: String?
        var maxConnections: Int
        var timeout: Duration
        var actions: RspamdActionMap
        var resilience: ResilienceSettings
    }

    let configuration: Configuration
    private let pool: ConnectionPool
    private let peerGuard: PeerGuard

    init(configuration: Configuration) {
        self.configuration = configuration
        self.pool = ConnectionPool(endpoint: configuration.endpoint, limit: configuration.maxConnections)
        self.peerGuard = PeerGuard(peer: "rspamd \(configuration.endpoint)", settings: configuration.resilience)
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let configuration = self.configuration
        let request = RspamdMessages.request(path: configuration.path, host: configuration.endpoint.hostName, message: input.message.raw,
                                             envelope: input.envelope, password: configuration.password, queueID: nil)
        let answer = try await peerGuard.run {
            try await self.pool.withSocket(timeout: configuration.timeout) { socket in
                try await socket.write(request)
                let (head, body, keepAlive) = try await HTTPExchange.readResponse(from: socket, bodyLimit: 16 << 20)
                guard head.statusCode == 200 else {
                    throw ExternalError.peerFailure(peer: configuration.endpoint.description,
                                                    reason: "\(head.startLine): \(String(decoding: body.prefix(200), as: UTF8.self))")
                }
                guard let answer = RspamdMessages.parse(body) else {
                    throw ExternalError.protocolViolation(peer: configuration.endpoint.description, reason: "answer is not rspamd's JSON result")
                }
                return (answer, keepAlive)
            }
        }
        var findings = answer.symbols.map { symbol in
            Finding(code: "rspamd.\(symbol.name)", detail: symbol.options.isEmpty ? (symbol.description ?? symbol.name) : symbol.options.joined(separator: ", "),
                    score: symbol.score, partPath: "")
        }
        findings.append(Finding(code: "rspamd.action", detail: answer.action, partPath: ""))
        return EngineReport(category: configuration.actions.category(for: answer.action), score: answer.score, findings: findings)
    }

    public var status: [String: String] {
        var status = peerGuard.status
        status["path"] = configuration.path
        status["connections_max"] = "\(configuration.maxConnections)"
        return status
    }
}

/// Reads an HTTP/1.1 response (Content-Length, chunked, or to end of stream).
enum HTTPExchange {
    static func readResponse(from socket: PeerSocket, bodyLimit: Int) async throws(ExternalError) -> (WireHead, [UInt8], keepAlive: Bool) {
        let peer = socket.endpoint.description
        let raw = try await socket.read(through: [13, 10, 13, 10], limit: 64 * 1024)
        guard let head = WireHead.parse(raw), head.startLine.hasPrefix("HTTP/1."), head.statusCode != nil else {
            throw .protocolViolation(peer: peer, reason: "not an HTTP answer: \(String(decoding: raw.prefix(60), as: UTF8.self).debugDescription)")
        }
        var keepAlive = head["Connection"]?.lowercased() != "close" && !head.startLine.hasPrefix("HTTP/1.0")
        let body: [UInt8]
        if head["Transfer-Encoding"]?.lowercased().contains("chunked") == true {
            body = try await ChunkedBody.read(from: socket, limit: bodyLimit)
        } else if let lengthText = head["Content-Length"] {
            guard let length = Int(lengthText), length >= 0, length <= bodyLimit else {
                throw .protocolViolation(peer: peer, reason: "bad Content-Length \(lengthText.debugDescription)")
            }
            body = try await socket.read(exactly: length)
        } else {
            body = try await socket.readToEnd(limit: bodyLimit)
            keepAlive = false
        }
        return (head, body, keepAlive)
    }
}
