/// Reads one RFC 5322 header section: fields in order, unfolded, raw and decoded.
///
/// Lenient like Postfix and common clients: bare LF or CRLF, spaces before the colon, 8-bit bytes.
/// The section ends at an empty line, at the end of the range, or at the first line that is neither
/// a field nor a continuation (that line starts the body). Beyond `max_header_bytes` the rest of the
/// section is skipped. Linear: lines are found with `memchr`, each byte is copied once.
struct HeaderSectionParser {
    let buf: UnsafeBufferPointer<UInt8>
    let ctx: ParseContext

    /// Singleton fields whose repetition is flagged (RFC 5322 §3.6 and RFC 2045).
    static let singletons: Set<String> = [
        "date", "from", "sender", "reply-to", "to", "cc", "bcc", "message-id", "in-reply-to",
        "references", "subject", "mime-version", "content-type", "content-transfer-encoding",
        "content-disposition", "content-id", "return-path",
    ]

    /// Parses the section starting at `range.lowerBound`; returns the fields and where the body starts.
    func parse(_ range: Range<Int>, path: String, allowMboxFrom: Bool) -> (fields: [HeaderField], bodyStart: Int) {
        let end = range.upperBound
        var i = range.lowerBound
        if allowMboxFrom, end - i >= 5, buf[i] == 0x46, buf[i + 1] == 0x72, buf[i + 2] == 0x6F, buf[i + 3] == 0x6D, buf[i + 4] == 0x20 {
            ctx.note(ParseFinding.Code.mboxFromLine, "message starts with an mbox From_ line (skipped)", path)
            i = ByteScan.nextLine(buf, ByteScan.lineEnd(buf, from: i, to: end), end)
        }
        let sectionStart = i
        var fields: [HeaderField] = []
        var reportedLong = false, reported8Bit = false, limitHit = false
        var curStart = -1
        var curName = ""
        var curValue: [UInt8] = []
        var curEnd = i
        var bodyStart = end
        var stopped = false

        func finish() {
            guard curStart >= 0 else { return }
            let raw = ByteText.trimmed(curValue)
            if !reported8Bit, !ByteText.isASCII(raw) {
                reported8Bit = true
                ctx.note(ParseFinding.Code.header8Bit, "raw 8-bit bytes in \(curName)", path)
            }
            let decoded = EncodedWords.decodeReporting(raw)
            for cs in decoded.unknownCharsets {
                ctx.note(ParseFinding.Code.unknownCharset, "encoded-word charset \(cs) in \(curName)", path)
            }
            fields.append(HeaderField(name: curName, rawValue: raw, value: decoded.text, byteRange: curStart..<curEnd))
            curStart = -1
            curValue = []
        }

        while i < end {
            let le = ByteScan.lineEnd(buf, from: i, to: end)
            let next = ByteScan.nextLine(buf, le, end)
            var contentEnd = le
            if contentEnd > i, buf[contentEnd - 1] == ByteText.cr { contentEnd -= 1 }
            if contentEnd == i {
                bodyStart = next
                break
            }
            if !limitHit, next - sectionStart > ctx.limits.maxHeaderBytes {
                limitHit = true
                if ByteText.isWSP(buf[i]) {
                    curStart = -1  // the field being continued is incomplete: drop it
                    curValue = []
                } else {
                    finish()
                }
                ctx.note(ParseFinding.Code.limitHeaderBytes, "header section exceeds max_header_bytes=\(ctx.limits.maxHeaderBytes); rest skipped", path)
            }
            if !reportedLong, contentEnd - i > 998 {
                reportedLong = true
                ctx.note(ParseFinding.Code.longHeaderLine, "header line of \(contentEnd - i) bytes (limit 998)", path)
            }
            if limitHit {
                i = next
                continue
            }
            if ByteText.isWSP(buf[i]) {
                if curStart >= 0 {
                    curValue.append(contentsOf: UnsafeBufferPointer(rebasing: buf[i..<contentEnd]))
                    curEnd = next
                } else {
                    ctx.note(ParseFinding.Code.headerMalformed, "continuation line without a field at offset \(i)", path)
                }
                i = next
                continue
            }
            finish()
            guard let colon = ByteScan.first(0x3A, in: buf, i..<contentEnd), let name = Self.fieldName(buf, i..<colon) else {
                ctx.note(ParseFinding.Code.missingHeaderSeparator, "line at offset \(i) is not a header field; body starts there", path)
                bodyStart = i
                stopped = true
                break
            }
            curStart = i
            curName = name
            curValue = Array(UnsafeBufferPointer(rebasing: buf[(colon + 1)..<contentEnd]))
            curEnd = next
            i = next
        }
        finish()
        if !stopped, i >= end { bodyStart = end }
        reportDuplicates(fields, path)
        return (fields, bodyStart)
    }

    /// Field name before the colon (trailing whitespace tolerated), or nil if not printable ASCII.
    private static func fieldName(_ buf: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String? {
        var hi = r.upperBound
        while hi > r.lowerBound, ByteText.isWSP(buf[hi - 1]) { hi -= 1 }
        guard hi > r.lowerBound else { return nil }
        for k in r.lowerBound..<hi where buf[k] <= 0x20 || buf[k] >= 0x7F { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: buf[r.lowerBound..<hi]), as: UTF8.self)
    }

    private func reportDuplicates(_ fields: [HeaderField], _ path: String) {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for f in fields {
            let key = f.name.lowercased()
            guard Self.singletons.contains(key) else { continue }
            if counts[key] == nil { order.append(key) }
            counts[key, default: 0] += 1
        }
        for key in order where counts[key, default: 0] > 1 {
            ctx.note(ParseFinding.Code.duplicateHeader, "\(key) appears \(counts[key, default: 0]) times", path)
        }
    }
}
