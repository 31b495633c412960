import Glibc

/// Builds the MIME tree over one byte buffer (the raw message, or the decoded body of a
/// transfer-encoded container) and records findings in the shared `ParseContext`.
///
/// Delimiters are found line by line with `memchr`, so each level of the tree is one linear pass;
/// nesting is bounded by `max_depth`, so the whole parse is linear in practice.
struct PartParser {
    let buf: UnsafeBufferPointer<UInt8>
    let ctx: ParseContext

    /// How the path of an entity is chosen.
    enum PathRule {
        case fixed(String)
        /// The root of a message embedded in `message/rfc822` part `parent` (`parent.0` or `parent.1`).
        case embeddedRoot(parent: String)
    }

    private static let placeholderPath = "\u{1}embedded"

    /// Parses the entity (header section + body) in `range`; the caller has claimed the part.
    func parseEntity(_ range: Range<Int>, path rule: PathRule, depth: Int, defaultType: MediaType, isMessageStart: Bool) -> MessagePart {
        let mark = ctx.findings.count
        var path: String
        switch rule {
        case .fixed(let p): path = p
        case .embeddedRoot: path = Self.placeholderPath
        }
        var part = MessagePart(path: path, origin: .mime, range: range, depth: depth)
        let section = HeaderSectionParser(buf: buf, ctx: ctx).parse(range, path: path, allowMboxFrom: isMessageStart)
        part.headers = HeaderList(section.fields)
        part.headerRange = range.lowerBound..<section.bodyStart
        part.bodyRange = section.bodyStart..<range.upperBound
        applyHeaders(&part, defaultType: defaultType)

        var childBase = path
        if case .embeddedRoot(let parent) = rule {
            let isMultipart = part.contentType.type == "multipart"
            path = isMultipart ? (parent.isEmpty ? "0" : parent + ".0") : MessagePart.childPath(parent, 1)
            childBase = isMultipart ? parent : path
            part.path = path
            ctx.renamePath(Self.placeholderPath, to: path, since: mark)
        }

        switch (part.contentType.type, part.contentType.subtype) {
        case ("multipart", _):
            parseMultipart(&part, childBase: childBase)
        case ("message", "rfc822"), ("message", "global"):
            parseEmbedded(&part)
        case ("message", "partial"):
            ctx.note(ParseFinding.Code.messagePartial, "message/partial cannot be scanned until reassembled", path)
            makeLeaf(&part)
        case ("message", "external-body"):
            ctx.note(ParseFinding.Code.messageExternalBody, "message/external-body: content is stored elsewhere", path)
            makeLeaf(&part)
        default:
            makeLeaf(&part)
        }
        return part
    }

    /// Reads Content-Type, Content-Transfer-Encoding and Content-Disposition into `part`.
    private func applyHeaders(_ part: inout MessagePart, defaultType: MediaType) {
        let path = part.path
        var type = defaultType
        if let field = part.headers.first("content-type") {
            part.declaredContentType = ByteText.utf8OrLatin1(field.rawValue).text
            let parsed = MediaType.parse(bytes: field.rawValue)
            for issue in parsed.issues { ctx.note(issue.code, "Content-Type: \(issue.detail)", path) }
            if let mt = parsed.mediaType {
                type = mt
            } else {
                ctx.note(ParseFinding.Code.malformedContentType,
                         "Content-Type \"\(String((part.declaredContentType ?? "").prefix(100)))\" unparseable; using \(defaultType.essence)", path)
            }
        }
        part.contentType = type
        part.charset = type.parameters["charset"].map { $0.trimmingASCIIWhitespace().lowercased() }
        part.transferEncoding = TransferEncoding(label: part.headers.first("content-transfer-encoding")?.value)
        if case .other(let label) = part.transferEncoding {
            ctx.note(ParseFinding.Code.unknownTransferEncoding, "Content-Transfer-Encoding \"\(label.prefix(100))\" kept raw", path)
        }
        var candidates: [String] = []
        if let field = part.headers.first("content-disposition") {
            let value = ParameterizedValue(parsing: field.rawValue)
            for issue in value.issues { ctx.note(issue.code, "Content-Disposition: \(issue.detail)", path) }
            if !value.token.isEmpty { part.disposition = value.token }
            candidates += value.readings["filename"] ?? []
        }
        candidates += type.parameterReadings["name"] ?? []
        addFilenames(candidates, to: &part)
    }

    private func addFilenames(_ names: [String], to part: inout MessagePart) {
        for name in names where !name.isEmpty && !part.filenameCandidates.contains(name) {
            part.filenameCandidates.append(name)
        }
        part.filename = part.filenameCandidates.first
        if part.filenameCandidates.count > 1, names.count > 0 {
            ctx.note(ParseFinding.Code.filenameMismatch,
                     "filename sources disagree: " + part.filenameCandidates.map { "\"\($0.prefix(200))\"" }.joined(separator: " vs "), part.path)
        }
    }

    // MARK: - Leaves

    /// Decodes the body into `part.decoded` and extracts uuencoded files from text.
    private func makeLeaf(_ part: inout MessagePart) {
        let body = decodeBody(part.bodyRange, part.transferEncoding, part.path)
        part.decoded = body.bytes
        if let name = body.uuName, part.filename == nil { addFilenames([name], to: &part) }
        finishLeaf(&part)
    }

    /// Charset check and uuencode extraction for a leaf whose `decoded` is set.
    private func finishLeaf(_ part: inout MessagePart) {
        part.isLeaf = true
        guard part.contentType.type == "text" else { return }
        if let cs = part.charset, !Charsets.isKnown(cs) {
            ctx.note(ParseFinding.Code.unknownCharset, "charset \"\(cs.prefix(60))\" unknown; read as Latin-1", part.path)
        }
        guard !part.decoded.isEmpty else { return }
        let blocks = part.decoded.withUnsafeBufferPointer { UUDecoder.blocks(in: $0, limit: ctx.decodedBudget) }
        let addressable = part.transferEncoding.isIdentity && part.isRawAddressable
        for (k, block) in blocks.enumerated() {
            let path = part.path.isEmpty ? "u\(k + 1)" : "\(part.path).u\(k + 1)"
            guard ctx.allowsDepth(part.depth + 1, path), ctx.claimPart(path) else { break }
            let range = addressable
                ? (part.bodyRange.lowerBound + block.range.lowerBound)..<(part.bodyRange.lowerBound + block.range.upperBound)
                : part.bodyRange
            var child = MessagePart(path: path, origin: .uuencoded, range: range, depth: part.depth + 1)
            child.isRawAddressable = addressable
            child.contentType = MediaType(type: "application", subtype: "octet-stream")
            child.transferEncoding = .uuencode
            child.filename = block.filename
            child.filenameCandidates = [block.filename]
            child.decoded = block.bytes
            ctx.consumeDecoded(block.bytes.count, truncated: block.truncated, path)
            ctx.note(ParseFinding.Code.uuencoded, "uuencoded file \"\(block.filename.prefix(200))\" (\(block.bytes.count) bytes) in text body", path)
            if block.malformed {
                ctx.note(ParseFinding.Code.uuencodeMalformed, "uuencoded block without a proper end line", path)
            }
            part.children.append(child)
        }
    }

    /// Transfer-decodes `range`, within the decoded-bytes budget.
    private func decodeBody(_ range: Range<Int>, _ encoding: TransferEncoding, _ path: String) -> (bytes: [UInt8], uuName: String?) {
        let budget = ctx.decodedBudget
        let input = UnsafeBufferPointer(rebasing: buf[range])
        switch encoding {
        case .base64:
            let r = Base64Decoder.decode(input, limit: budget)
            if r.garbage > 0 {
                ctx.note(ParseFinding.Code.base64Garbage, "\(r.garbage) characters outside the base64 alphabet ignored", path)
            }
            if r.concatenated {
                ctx.note(ParseFinding.Code.base64Concatenated, "base64 data continues after padding; decoded as well", path)
            }
            if r.incomplete {
                ctx.note(ParseFinding.Code.base64Incomplete, "base64 data ends mid-quantum", path)
            }
            ctx.consumeDecoded(r.bytes.count, truncated: r.truncated, path)
            return (r.bytes, nil)
        case .quotedPrintable:
            let r = QuotedPrintableDecoder.decode(input, limit: budget)
            if r.malformed > 0 {
                ctx.note(ParseFinding.Code.qpMalformed, "\(r.malformed) malformed '=' sequences kept literally", path)
            }
            ctx.consumeDecoded(r.bytes.count, truncated: r.truncated, path)
            return (r.bytes, nil)
        case .uuencode:
            let blocks = UUDecoder.blocks(in: input, limit: budget)
            if let block = blocks.first {
                if block.malformed {
                    ctx.note(ParseFinding.Code.uuencodeMalformed, "uuencoded body without a proper end line", path)
                }
                ctx.consumeDecoded(block.bytes.count, truncated: block.truncated, path)
                return (block.bytes, block.filename)
            }
            ctx.note(ParseFinding.Code.uuencodeMalformed, "uuencode transfer encoding without a begin line; kept raw", path)
            return identity(input, path, budget)
        case .sevenBit, .eightBit, .binary, .other:
            return identity(input, path, budget)
        }
    }

    private func identity(_ input: UnsafeBufferPointer<UInt8>, _ path: String, _ budget: Int) -> (bytes: [UInt8], uuName: String?) {
        let n = min(input.count, budget)
        ctx.consumeDecoded(n, truncated: n < input.count, path)
        return (Array(UnsafeBufferPointer(rebasing: input[0..<n])), nil)
    }

    // MARK: - Multipart

    /// The result of splitting a multipart body at its delimiters.
    struct MultipartSplit {
        var children: [MessagePart]
        var preamble: [UInt8]
        var epilogue: [UInt8]
    }

    private func parseMultipart(_ part: inout MessagePart, childBase: String) {
        let path = part.path
        guard let boundary = part.contentType.parameters["boundary"], !boundary.isEmpty else {
            ctx.note(ParseFinding.Code.missingBoundaryParameter, "\(part.contentType.essence) without a boundary parameter; kept as one part", path)
            makeLeaf(&part)
            return
        }
        guard ctx.allowsDepth(part.depth + 1, path) else {
            makeLeaf(&part)
            return
        }
        let delimiter = Array("--".utf8) + Array(boundary.utf8)
        let isDigest = part.contentType.subtype == "digest"
        if part.transferEncoding.isEncoding {
            ctx.note(ParseFinding.Code.illegalTransferEncoding, "multipart with Content-Transfer-Encoding other than 7bit/8bit/binary", path)
        }
        if let split = splitMultipart(part.bodyRange, delimiter: delimiter, path: path, childBase: childBase, depth: part.depth, isDigest: isDigest) {
            apply(split, to: &part)
            return
        }
        guard part.transferEncoding.isEncoding else {
            ctx.note(ParseFinding.Code.boundaryNotFound, "boundary \"\(boundary.prefix(80))\" never occurs; body kept as one part", path)
            makeLeaf(&part)
            return
        }
        // Encoded multipart: decode, then split the decoded bytes.
        let body = decodeBody(part.bodyRange, part.transferEncoding, path)
        let ctx = self.ctx
        let split = body.bytes.withUnsafeBufferPointer { decoded in
            PartParser(buf: decoded, ctx: ctx).splitMultipart(
                0..<decoded.count, delimiter: delimiter, path: path, childBase: childBase, depth: part.depth, isDigest: isDigest)
        }
        if var split {
            for k in split.children.indices { split.children[k].relocate(to: part.bodyRange) }
            apply(split, to: &part)
            return
        }
        ctx.note(ParseFinding.Code.boundaryNotFound, "boundary \"\(boundary.prefix(80))\" never occurs; body kept as one part", path)
        part.decoded = body.bytes
        finishLeaf(&part)
    }

    private func apply(_ split: MultipartSplit, to part: inout MessagePart) {
        part.children = split.children
        part.preamble = split.preamble
        part.epilogue = split.epilogue
        part.isMultipart = true
        part.isLeaf = false
    }

    /// Splits `body` at `delimiter` lines; nil if no delimiter line occurs.
    func splitMultipart(_ body: Range<Int>, delimiter: [UInt8], path: String, childBase: String, depth: Int, isDigest: Bool) -> MultipartSplit? {
        var delims: [(lineStart: Int, next: Int, isClose: Bool)] = []
        let end = body.upperBound
        var i = body.lowerBound
        var closed = false
        let first = delimiter[0]
        delimiter.withUnsafeBufferPointer { d in
            guard let dBase = d.baseAddress, let base = buf.baseAddress else { return }
            while i < end {
                let le = ByteScan.lineEnd(buf, from: i, to: end)
                let next = ByteScan.nextLine(buf, le, end)
                var contentEnd = le
                if contentEnd > i, buf[contentEnd - 1] == ByteText.cr { contentEnd -= 1 }
                if buf[i] == first, contentEnd - i >= d.count, memcmp(base + i, dBase, d.count) == 0 {
                    let rest = i + d.count
                    if contentEnd - rest >= 2, buf[rest] == 0x2D, buf[rest + 1] == 0x2D {
                        delims.append((i, next, true))
                        closed = true
                        return
                    }
                    var k = rest
                    while k < contentEnd, ByteText.isWSP(buf[k]) { k += 1 }
                    if k == contentEnd { delims.append((i, next, false)) }
                }
                i = next
            }
        }
        guard !delims.isEmpty else { return nil }

        /// Content ends before the line break that precedes a delimiter line.
        func contentEnd(before lineStart: Int, floor: Int) -> Int {
            var e = lineStart
            if e > floor, buf[e - 1] == ByteText.lf {
                e -= 1
                if e > floor, buf[e - 1] == ByteText.cr { e -= 1 }
            }
            return e
        }

        var children: [MessagePart] = []
        for k in delims.indices where !delims[k].isClose {
            let start = delims[k].next
            let stop = k + 1 < delims.count ? contentEnd(before: delims[k + 1].lineStart, floor: start) : end
            let childPath = MessagePart.childPath(childBase, children.count + 1)
            guard ctx.claimPart(childPath) else { break }
            children.append(parseEntity(start..<stop, path: .fixed(childPath), depth: depth + 1,
                                        defaultType: isDigest ? .messageRFC822 : .textPlain, isMessageStart: false))
        }
        if !closed {
            ctx.note(ParseFinding.Code.missingCloseBoundary, "no close delimiter; the last part runs to the end of its parent", path)
        }
        let preambleEnd = contentEnd(before: delims[0].lineStart, floor: body.lowerBound)
        let last = delims[delims.count - 1]
        return MultipartSplit(
            children: children,
            preamble: Array(UnsafeBufferPointer(rebasing: buf[body.lowerBound..<preambleEnd])),
            epilogue: closed ? Array(UnsafeBufferPointer(rebasing: buf[last.next..<end])) : [])
    }

    // MARK: - message/rfc822

    private func parseEmbedded(_ part: inout MessagePart) {
        let path = part.path
        guard ctx.allowsDepth(part.depth + 1, path) else {
            makeLeaf(&part)
            return
        }
        var embedded: MessagePart
        switch part.transferEncoding {
        case .base64, .quotedPrintable, .uuencode:
            ctx.note(ParseFinding.Code.illegalTransferEncoding, "\(part.contentType.essence) with a transfer encoding other than 7bit/8bit/binary; decoded", path)
            let body = decodeBody(part.bodyRange, part.transferEncoding, path)
            guard ctx.claimPart(path) else {
                part.decoded = body.bytes
                finishLeaf(&part)
                return
            }
            let ctx = self.ctx
            let depth = part.depth + 1
            embedded = body.bytes.withUnsafeBufferPointer { decoded in
                PartParser(buf: decoded, ctx: ctx).parseEntity(
                    0..<decoded.count, path: .embeddedRoot(parent: path), depth: depth, defaultType: .textPlain, isMessageStart: true)
            }
            embedded.relocate(to: part.bodyRange)
        default:
            guard ctx.claimPart(path) else {
                makeLeaf(&part)
                return
            }
            embedded = parseEntity(part.bodyRange, path: .embeddedRoot(parent: path), depth: part.depth + 1,
                                   defaultType: .textPlain, isMessageStart: true)
        }
        part.children = [embedded]
        part.isLeaf = false
    }
}
