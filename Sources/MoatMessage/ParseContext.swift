/// Mutable state shared by every parser of one message: findings, counters and budgets.
///
/// Lives only for the duration of `Message.init(parsing:limits:)`, on one thread.
final class ParseContext {
    let limits: MessageLimits
    private(set) var findings: [ParseFinding] = []
    private(set) var partCount = 0
    private(set) var decodedTotal = 0
    private var reportedOnce: Set<String> = []

    init(limits: MessageLimits) {
        self.limits = limits
    }

    /// Records a finding.
    func note(_ code: String, _ detail: String, _ path: String) {
        findings.append(ParseFinding(code: code, detail: detail, partPath: path))
    }

    /// Applies `transform` to every finding recorded at or after `mark`.
    func replaceFindings(from mark: Int, _ transform: (ParseFinding) -> ParseFinding) {
        guard mark < findings.count else { return }
        for k in mark..<findings.count { findings[k] = transform(findings[k]) }
    }

    /// Records a finding only the first time `code` is noted for this message.
    func noteOnce(_ code: String, _ detail: String, _ path: String) {
        guard reportedOnce.insert(code).inserted else { return }
        note(code, detail, path)
    }

    /// Claims a new part; false (with a finding) once `max_parts` is reached.
    func claimPart(_ path: String) -> Bool {
        guard partCount < limits.maxParts else {
            noteOnce(ParseFinding.Code.limitParts, "more than max_parts=\(limits.maxParts) parts; the rest is not split", path)
            return false
        }
        partCount += 1
        return true
    }

    /// True if a child at `depth` is allowed; otherwise records the depth finding.
    func allowsDepth(_ depth: Int, _ path: String) -> Bool {
        guard depth > limits.maxDepth else { return true }
        note(ParseFinding.Code.limitDepth, "nesting deeper than max_depth=\(limits.maxDepth); kept as an opaque part", path)
        return false
    }

    /// Decoded bytes still allowed.
    var decodedBudget: Int { max(0, limits.maxDecodedBytes - decodedTotal) }

    /// Accounts for `count` decoded bytes; records the limit finding if output was cut.
    func consumeDecoded(_ count: Int, truncated: Bool, _ path: String) {
        decodedTotal += count
        if truncated {
            noteOnce(ParseFinding.Code.limitDecodedBytes, "decoded output exceeds max_decoded_bytes=\(limits.maxDecodedBytes); decoding stopped", path)
        }
    }
}

extension ParseContext {
    /// Rewrites the part path of findings recorded since `mark` (used once an embedded root's path is known).
    func renamePath(_ old: String, to new: String, since mark: Int) {
        replaceFindings(from: mark) { $0.partPath == old ? ParseFinding(code: $0.code, detail: $0.detail, partPath: new) : $0 }
    }
}
