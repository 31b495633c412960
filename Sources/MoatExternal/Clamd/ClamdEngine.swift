import MoatCore
import MoatMessage

/// Scans the raw message with an external `clamd` over `INSTREAM`.
///
/// For sites that already run clamd (shared signatures, memory outside Moat's process). One
/// connection per scan, with the retries and circuit breaker every external engine has; clamd
/// parses MIME and archives itself, so findings name the whole message (`partPath` ""). An
/// unreachable or failing clamd throws, so the pipeline records an `error` verdict, never a clean one.
public final class ClamdEngine: ScanEngine {
    struct Configuration: Sendable {
        var endpoint: PeerEndpoint
        var timeout: Duration
        var chunkSize: Int
        var signatureScore: Double
        var heuristicScore: Double
        var limitScore: Double
        var resilience: ResilienceSettings
    }

    let configuration: Configuration
    private let peerGuard: PeerGuard

    init(configuration: Configuration) {
        self.configuration = configuration
        self.peerGuard = PeerGuard(peer: "clamd \(configuration.endpoint)", settings: configuration.resilience)
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let configuration = self.configuration
        let raw = input.message.raw
        let reply = try await peerGuard.run {
            let socket = try await PeerSocket.connect(to: configuration.endpoint, timeout: configuration.timeout)
            try await socket.write(ClamdProtocol.instreamCommand + ClamdProtocol.frames(raw, chunkSize: configuration.chunkSize))
            let reply = ClamdProtocol.parse(try await socket.read(through: [0], limit: 64 * 1024))
            if case .error(let message) = reply {
                throw ExternalError.peerFailure(peer: configuration.endpoint.description, reason: message)
            }
            return reply
        }
        switch reply {
        case .clean:
            return .clean
        case .error(let message):
            throw ExternalError.peerFailure(peer: configuration.endpoint.description, reason: message)
        case .found(let name):
            let alert = ClamAVAlert(name: name)
            switch alert {
            case .signature:
                return EngineReport(category: .malware, score: configuration.signatureScore,
                                    findings: [Finding(code: alert.code, detail: name, score: configuration.signatureScore, partPath: "")])
            case .heuristic, .limit:
                let score = alert == .limit(name) ? configuration.limitScore : configuration.heuristicScore
                return EngineReport(category: .suspicious, score: score,
                                    findings: [Finding(code: alert.code, detail: name, score: score, partPath: "")])
            }
        case .sizeLimitExceeded:
            return EngineReport(category: .suspicious, score: configuration.limitScore, findings: [
                Finding(code: "clamav.limit", detail: "clamd StreamMaxLength exceeded (\(raw.count) bytes)", score: configuration.limitScore, partPath: ""),
            ])
        }
    }

    public var status: [String: String] {
        var status = peerGuard.status
        status["endpoint"] = configuration.endpoint.description
        status["timeout_ms"] = "\(configuration.timeout.wholeMilliseconds)"
        return status
    }
}
