import Foundation
import MoatCore

/// Encodes rspamd `/checkv2` requests and decodes their JSON answers; no I/O.
enum RspamdMessages {
    /// One symbol rspamd inserted, with its score and options.
    struct Symbol: Sendable, Equatable {
        var name: String
        var score: Double
        var options: [String]
        var description: String?
    }

    struct Answer: Sendable, Equatable {
        var action: String
        var score: Double
        var requiredScore: Double?
        var isSkipped: Bool
        var symbols: [Symbol]
    }

    /// `POST /checkv2` with the envelope as rspamd's request headers.
    static func request(path: String, host: String, message: [UInt8], envelope: Envelope, password: String?, queueID: String?) -> [UInt8] {
        var head = "POST \(path) HTTP/1.1\r\nHost: \(host)\r\nUser-Agent: Moat\r\nContent-Length: \(message.count)\r\nConnection: keep-alive\r\n"
        func add(_ name: String, _ value: String?) {
            guard let value, !value.isEmpty, !value.contains(where: { $0 == "\r" || $0 == "\n" }) else { return }
            head += "\(name): \(value)\r\n"
        }
        add("From", envelope.mailFrom)
        for recipient in envelope.recipients { add("Rcpt", recipient) }
        add("IP", envelope.clientAddress)
        add("Helo", envelope.helo)
        add("Hostname", envelope.clientHostname)
        add("Queue-Id", queueID ?? envelope.queueID)
        add("Password", password)
        return Array((head + "\r\n").utf8) + message
    }

    /// Parses the JSON body of a 200 answer; nil when it is not rspamd's result object.
    static func parse(_ body: [UInt8]) -> Answer? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)), let root = object as? [String: Any] else { return nil }
        guard let action = root["action"] as? String, let score = (root["score"] as? NSNumber)?.doubleValue else {
            if (root["is_skipped"] as? Bool) == true { return Answer(action: "no action", score: 0, requiredScore: nil, isSkipped: true, symbols: []) }
            return nil
        }
        var symbols: [Symbol] = []
        if let table = root["symbols"] as? [String: Any] {
            for (key, value) in table {
                guard let entry = value as? [String: Any] else { continue }
                symbols.append(Symbol(
                    name: (entry["name"] as? String) ?? key,
                    score: (entry["score"] as? NSNumber)?.doubleValue ?? 0,
                    options: (entry["options"] as? [Any])?.map { "\($0)" } ?? [],
                    description: entry["description"] as? String
                ))
            }
        }
        symbols.sort { abs($0.score) != abs($1.score) ? abs($0.score) > abs($1.score) : $0.name < $1.name }
        return Answer(action: action, score: score, requiredScore: (root["required_score"] as? NSNumber)?.doubleValue,
                      isSkipped: (root["is_skipped"] as? Bool) ?? false, symbols: symbols)
    }
}

/// How an rspamd action becomes a verdict: reject, add header and rewrite subject are spam;
/// greylist and soft reject follow `greylist_as` and `soft_reject_as`.
struct RspamdActionMap: Sendable, Equatable {
    var spam: VerdictCategory = .spam
    var greylist: VerdictCategory? = .suspicious
    var softReject: VerdictCategory?

    func category(for action: String) -> VerdictCategory? {
        switch action.lowercased() {
        case "reject", "add header", "add_header", "rewrite subject", "rewrite_subject": spam
        case "greylist": greylist
        case "soft reject", "soft_reject": softReject
        default: nil
        }
    }
}
