/// A parsed e-mail message: the raw bytes, the MIME tree, and every anomaly found.
///
/// Parsing never throws and never traps: hostile or broken input yields `findings`. Work is linear
/// in the input and bounded by `MessageLimits`. The value is immutable and `Sendable`, so engines
/// can scan it concurrently.
public struct Message: Sendable {
    /// The bytes as received.
    public let raw: [UInt8]
    /// The root part (its `rawRange` is the parsed prefix of `raw`, all of it unless `max_message_bytes` was hit).
    public let root: MessagePart
    /// Every deviation noticed, in the order found.
    public let findings: [ParseFinding]
    /// The limits used.
    public let limits: MessageLimits
    /// Every part, depth-first pre-order, root first. Listed once at parse: each engine walks
    /// the parts, several times a scan, and building the list on every ask (copying every part)
    /// was 1 % of the whole pipeline's CPU.
    public let parts: [MessagePart]
    /// Parts whose content is their `decoded` bytes (not containers), in pre-order.
    public let leaves: [MessagePart]

    /// Hard cap on nesting whatever the configuration says, to bound recursion on the stack.
    static let depthCeiling = 256

    /// Parses `raw`; never throws.
    public init(parsing raw: [UInt8], limits: MessageLimits = MessageLimits()) {
        self.raw = raw
        self.limits = limits
        var effective = limits
        effective.maxDepth = min(max(0, limits.maxDepth), Self.depthCeiling)
        let ctx = ParseContext(limits: effective)
        let end = min(raw.count, max(0, limits.maxMessageBytes))
        if end < raw.count {
            ctx.note(ParseFinding.Code.limitMessageBytes,
                     "message of \(raw.count) bytes exceeds max_message_bytes=\(limits.maxMessageBytes); only the prefix was parsed", "")
        }
        root = raw.withUnsafeBufferPointer { full in
            let buf = UnsafeBufferPointer(rebasing: full[0..<end])
            Self.scanLineEndingsAndNUL(buf, ctx)
            _ = ctx.claimPart("")
            return PartParser(buf: buf, ctx: ctx).parseEntity(
                0..<end, path: .fixed(""), depth: 0, defaultType: .textPlain, isMessageStart: true)
        }
        findings = ctx.findings
        parts = Self.preOrder(root)
        leaves = parts.filter(\.isLeaf)
    }

    /// Message-wide checks: CRLF/LF mixes and NUL bytes.
    private static func scanLineEndingsAndNUL(_ buf: UnsafeBufferPointer<UInt8>, _ ctx: ParseContext) {
        var crlf = 0, bareLF = 0
        var i = 0
        while let lf = ByteScan.first(ByteText.lf, in: buf, i..<buf.count) {
            if lf > 0, buf[lf - 1] == ByteText.cr { crlf += 1 } else { bareLF += 1 }
            i = lf + 1
        }
        if crlf > 0, bareLF > 0 {
            ctx.note(ParseFinding.Code.mixedLineEndings, "\(crlf) CRLF and \(bareLF) bare LF line endings", "")
        }
        if let first = ByteScan.first(0, in: buf, 0..<buf.count) {
            let count = ByteScan.count(0, in: buf, first..<buf.count)
            ctx.note(ParseFinding.Code.nulBytes, "\(count) NUL bytes, first at offset \(first)", "")
        }
    }

    /// The root's header fields.
    public var headers: HeaderList { root.headers }

    private static func preOrder(_ root: MessagePart) -> [MessagePart] {
        var out: [MessagePart] = []
        var stack: [MessagePart] = [root]
        while let p = stack.popLast() {
            out.append(p)
            stack.append(contentsOf: p.children.reversed())
        }
        return out
    }

    /// The part at `path` ("" is the root), if any.
    public func part(at path: String) -> MessagePart? {
        parts.first { $0.path == path }
    }

    /// A copy of `raw` with the raw bytes (headers + body) of named parts replaced.
    ///
    /// Used to deliver a disarmed attachment. Replacement bytes should not end with a line break:
    /// the one before the next delimiter is kept. When replacements nest or overlap, the outermost
    /// wins. A part that is not raw-addressable (it exists only inside a transfer-encoded container)
    /// is replaced through its nearest addressable ancestor, which then gets the given bytes whole,
    /// so the hostile content is never left behind. Unknown paths are ignored. Everything outside the
    /// replaced ranges stays byte-identical.
    public func replacingParts(_ replacements: [String: [UInt8]]) -> [UInt8] {
        var byPath: [String: MessagePart] = [:]
        var parent: [String: String] = [:]
        var stack: [MessagePart] = [root]
        while let p = stack.popLast() {
            byPath[p.path] = p
            for c in p.children {
                parent[c.path] = p.path
                stack.append(c)
            }
        }
        var edits: [(range: Range<Int>, path: String, bytes: [UInt8])] = []
        for (path, bytes) in replacements {
            guard var target = byPath[path] else { continue }
            while !target.isRawAddressable, let up = parent[target.path], let p = byPath[up] { target = p }
            edits.append((target.rawRange, path, bytes))
        }
        edits.sort {
            if $0.range.lowerBound != $1.range.lowerBound { return $0.range.lowerBound < $1.range.lowerBound }
            if $0.range.upperBound != $1.range.upperBound { return $0.range.upperBound > $1.range.upperBound }
            return $0.path < $1.path
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var cursor = 0
        for edit in edits where edit.range.lowerBound >= cursor && edit.range.upperBound <= raw.count {
            out.append(contentsOf: raw[cursor..<edit.range.lowerBound])
            out.append(contentsOf: edit.bytes)
            cursor = edit.range.upperBound
        }
        out.append(contentsOf: raw[cursor...])
        return out
    }
}
