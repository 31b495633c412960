import MoatCore
import MoatMessage

/// Flags messages that contain any of a list of literal byte strings.
///
/// The simplest real engine: operators use it for urgent campaign strings ("block anything with
/// this invoice number") before a proper signature exists, and tests use it as an engine whose
/// answers are known in advance. Matching is ASCII case-insensitive. With `disarm`, a matching
/// attachment is replaced by a short text note instead of refusing the whole message.
public struct PatternEngine: ScanEngine {
    /// Where the patterns are looked for.
    public enum Scope: String, Sendable, CaseIterable {
        /// The whole raw message, headers and encoded bodies.
        case raw
        /// The decoded (unfolded, RFC 2047) header values.
        case headers
        /// Each leaf part's transfer-decoded bytes.
        case parts
    }

    public var patterns: [[UInt8]]
    public var scope: Scope
    public var category: VerdictCategory
    public var score: Double
    public var disarm: Bool
    /// Artificial latency before answering, for exercising deadlines and PROGRESS in tests.
    public var delay: Duration

    public init(patterns: [String], scope: Scope = .raw, category: VerdictCategory = .suspicious,
                score: Double = 1, disarm: Bool = false, delay: Duration = .zero) {
        self.patterns = patterns.map { Array($0.utf8).map(Self.lower) }
        self.scope = scope
        self.category = category
        self.score = score
        self.disarm = disarm
        self.delay = delay
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        if delay > .zero { try await Task.sleep(for: delay) }
        var findings: [Finding] = []
        var replacements: [PartReplacement] = []
        switch scope {
        case .raw:
            findings += matches(in: input.message.raw[...], partPath: "")
        case .headers:
            for field in input.message.parts.flatMap({ $0.headers }) {
                findings += matches(in: Array((field.name + ": " + field.value).utf8)[...], partPath: "")
            }
        case .parts:
            for part in input.message.leaves {
                let hits = matches(in: part.decoded[...], partPath: part.path)
                findings += hits
                if disarm, !hits.isEmpty, !part.path.isEmpty {
                    replacements.append(Self.note(replacing: part, hits: hits))
                }
            }
        }
        guard !findings.isEmpty else { return .clean }
        return EngineReport(category: category, score: score, findings: findings, replacements: replacements)
    }

    private func matches(in haystack: ArraySlice<UInt8>, partPath: String) -> [Finding] {
        patterns.compactMap { pattern in
            Self.contains(haystack, pattern)
                ? Finding(code: "pattern.match", detail: String(decoding: pattern, as: UTF8.self), score: score, partPath: partPath)
                : nil
        }
    }

    private static func note(replacing part: MessagePart, hits: [Finding]) -> PartReplacement {
        let name = part.filename ?? "attachment"
        let text = "The attachment \"\(name)\" was removed by the mail gateway: it matched \(hits.map(\.detail).joined(separator: ", ")).\r\n"
        let raw = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nContent-Disposition: inline\r\n\r\n" + text
        return PartReplacement(partPath: part.path, rawPart: Array(raw.utf8), reason: "matched \(hits.count) pattern(s)")
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    /// ASCII case-insensitive substring search, linear in the haystack for short patterns.
    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return false }
        guard haystack.count >= needle.count else { return false }
        let upperFirst = (first >= 0x61 && first <= 0x7A) ? first & 0xDF : first
        var index = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while index <= last {
            let byte = haystack[index]
            if byte == first || byte == upperFirst {
                var offset = 1
                while offset < needle.count, lower(haystack[index + offset]) == needle[offset] {
                    offset += 1
                }
                if offset == needle.count { return true }
            }
            index += 1
        }
        return false
    }
}
