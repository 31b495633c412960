import Foundation
import MoatMessage

/// What an operator needs to explain one decision later, kept beside its verdict-log row: the
/// decision as `moat explain` shows it (findings per engine, headers added, disarmed parts) and
/// the message's MIME tree. Bounded, so a hostile message cannot bloat the store.
public struct ScanDetail: Sendable, Hashable, Codable {
    /// One node of the MIME tree, without content.
    public struct Part: Sendable, Hashable, Codable {
        public var path: String
        public var contentType: String
        public var filename: String?
        public var disposition: String?
        public var bytes: Int
        public var depth: Int

        public init(path: String, contentType: String, filename: String?, disposition: String?, bytes: Int, depth: Int) {
            self.path = path
            self.contentType = contentType
            self.filename = filename
            self.disposition = disposition
            self.bytes = bytes
            self.depth = depth
        }

        enum CodingKeys: String, CodingKey {
            case path, filename, disposition, bytes, depth
            case contentType = "content_type"
        }
    }

    /// Limits that keep a record small whatever the message holds.
    public struct Limits: Sendable, Hashable {
        public var findingsPerEngine = 50
        public var detailCharacters = 300
        public var parts = 200

        public init() {}
    }

    public var decision: DecisionDocument
    public var parts: [Part]
    /// The distinct finding codes of every engine and of the parser, for "top findings" counts.
    public var codes: [String]
    /// True when findings or parts were left out to stay within `Limits`.
    public var truncated: Bool

    public init(decision: DecisionDocument, parts: [Part], codes: [String], truncated: Bool) {
        self.decision = decision
        self.parts = parts
        self.codes = codes
        self.truncated = truncated
    }

    /// The detail of `decision` for `message`, cut to `limits`.
    public init(decision: Decision, message: Message, limits: Limits = Limits()) {
        var document = DecisionDocument(decision)
        var truncated = false
        func bounded(_ findings: [Finding]) -> [Finding] {
            if findings.count > limits.findingsPerEngine { truncated = true }
            return findings.prefix(limits.findingsPerEngine).map { finding in
                var finding = finding
                if finding.detail.count > limits.detailCharacters {
                    finding.detail = String(finding.detail.prefix(limits.detailCharacters)) + "…"
                    truncated = true
                }
                return finding
            }
        }
        var codes = Set<String>()
        for index in document.engines.indices {
            for finding in document.engines[index].findings { codes.insert(finding.code) }
            document.engines[index].findings = bounded(document.engines[index].findings)
        }
        for finding in document.messageFindings { codes.insert(finding.code) }
        document.messageFindings = bounded(document.messageFindings)
        let all = message.parts
        if all.count > limits.parts { truncated = true }
        parts = all.prefix(limits.parts).map { part in
            Part(path: part.path.isEmpty ? "(root)" : part.path, contentType: part.contentType.essence, filename: part.filename,
                 disposition: part.disposition, bytes: part.isLeaf ? part.decoded.count : part.bodyRange.count, depth: part.depth)
        }
        self.decision = document
        self.codes = codes.sorted()
        self.truncated = truncated
    }

    /// Reads what `encoded()` wrote; a value that does not parse reads as absent.
    public static func decode(_ text: String?) -> ScanDetail? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(ScanDetail.self, from: Data(text.utf8))
    }
}
