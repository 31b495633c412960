import MoatCore
import MoatMessage

/// Scores messages with SpamAssassin's `spamd` over the spamc protocol (`SYMBOLS` or `REPORT`).
///
/// One connection per message, as spamd closes it after each answer. `Spam: True` makes the
/// verdict `spam`; spamd's score is the engine's score either way, and each rule hit is a
/// `spamd.RULE` finding (with its points under `REPORT`). Messages over `max_size` are not sent,
/// like spamc, and carry an informational `spamd.skipped` finding.
public final class SpamdEngine: ScanEngine {
    struct Configuration: Sendable {
        var endpoint: PeerEndpoint
        var command: SpamdMessages.Command
        var user: String?
        var maxSize: Int
        var timeout: Duration
        var category: VerdictCategory
        var resilience: ResilienceSettings
    }

    let configuration: Configuration
    private let peerGuard: PeerGuard

    init(configuration: Configuration) {
        self.configuration = configuration
        self.peerGuard = PeerGuard(peer: "spamd \(configuration.endpoint)", settings: configuration.resilience)
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let raw = input.message.raw
        guard raw.count <= configuration.maxSize else {
            return EngineReport(findings: [Finding(code: "spamd.skipped", detail: "message of \(raw.count) bytes is over max_size \(configuration.maxSize)", partPath: "")])
        }
        let configuration = self.configuration
        let answer = try await peerGuard.run {
            let socket = try await PeerSocket.connect(to: configuration.endpoint, timeout: configuration.timeout)
            try await socket.write(SpamdMessages.request(configuration.command, message: raw, user: configuration.user))
            let reply = try await socket.readToEnd(limit: 4 << 20)
            switch SpamdMessages.parse(reply, command: configuration.command) {
            case .success(let answer): return answer
            case .failure(.daemon(let reason)): throw ExternalError.peerFailure(peer: configuration.endpoint.description, reason: reason)
            case .failure(.garbage(let reason)): throw ExternalError.protocolViolation(peer: configuration.endpoint.description, reason: reason)
            }
        }
        let findings = answer.rules.map { Finding(code: "spamd.\($0.name)", detail: $0.description.isEmpty ? $0.name : $0.description, score: $0.score, partPath: "") }
            + [Finding(code: "spamd.score", detail: "\(answer.score) / \(answer.threshold)", partPath: "")]
        return EngineReport(category: answer.isSpam ? configuration.category : nil, score: answer.score, findings: findings)
    }

    public var status: [String: String] {
        var status = peerGuard.status
        status["command"] = configuration.command.rawValue
        return status
    }
}
