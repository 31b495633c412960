import Logging
import MoatCore
import MoatMessage
import Synchronization

/// Scans the raw message with an external `clamd` over `INSTREAM`.
///
/// For sites that already run clamd (shared signatures, memory outside Moat's process). One
/// connection per scan, made and used on the blocking pool; clamd parses MIME and archives itself,
/// so findings name the whole message (`partPath` ""). An unreachable or failing clamd throws, so
/// the pipeline records an `error` verdict, never a clean one.
public final class ClamdEngine: ScanEngine {
    public let endpoint: ClamdEndpoint
    public let timeout: Duration
    public let chunkSize: Int
    public let signatureScore: Double
    public let heuristicScore: Double
    public let limitScore: Double
    private let counters = Mutex<(scans: Int, failures: Int, lastError: String?)>((0, 0, nil))

    public init(endpoint: ClamdEndpoint, timeout: Duration = .seconds(30), chunkSize: Int = 64 * 1024,
                signatureScore: Double = 10, heuristicScore: Double = 3, limitScore: Double = 1) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.chunkSize = chunkSize
        self.signatureScore = signatureScore
        self.heuristicScore = heuristicScore
        self.limitScore = limitScore
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let (endpoint, timeout, chunkSize) = (self.endpoint, self.timeout, self.chunkSize)
        let raw = input.message.raw
        let reply: ClamdProtocol.Reply
        do {
            // Network I/O on its own pool: a hung clamd never holds a thread libclamav needs.
            reply = try await BlockingWorkPool.networkIO.run {
                try ClamdConnection(to: endpoint, timeout: timeout).instream(raw, chunkSize: chunkSize)
            }
        } catch {
            counters.withLock { $0.scans += 1; $0.failures += 1; $0.lastError = "\(error)" }
            throw error
        }
        counters.withLock { $0.scans += 1 }
        switch reply {
        case .clean:
            return .clean
        case .found(let name):
            let alert = ClamAVAlert(name: name)
            switch alert {
            case .signature:
                return EngineReport(category: .malware, score: signatureScore,
                                    findings: [Finding(code: alert.code, detail: name, score: signatureScore, partPath: "")])
            case .heuristic, .limit:
                let score = alert == .limit(name) ? limitScore : heuristicScore
                return EngineReport(category: .suspicious, score: score,
                                    findings: [Finding(code: alert.code, detail: name, score: score, partPath: "")])
            }
        case .sizeLimitExceeded:
            return EngineReport(category: .suspicious, score: limitScore, findings: [
                Finding(code: "clamav.limit", detail: "clamd StreamMaxLength exceeded (\(raw.count) bytes)", score: limitScore, partPath: ""),
            ])
        case .error(let message):
            counters.withLock { $0.failures += 1; $0.lastError = message }
            throw ClamdError.daemon(message)
        }
    }

    public var status: [String: String] {
        let counters = self.counters.withLock { $0 }
        var status = [
            "endpoint": endpoint.description,
            "timeout_ms": "\(timeout.wholeMilliseconds)",
            "scans": "\(counters.scans)",
            "failures": "\(counters.failures)",
        ]
        if let lastError = counters.lastError { status["last_error"] = lastError }
        return status
    }
}
