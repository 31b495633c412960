import MoatMessage

/// The message a recipient gets once the MTA has carried out Moat's response: the header edits
/// (CHGHEADER counts instances of one name, an empty value deletes), the added headers after the
/// last header (as Postfix's cleanup appends them) and the replacement body.
///
/// `moat scan --deliver` writes this, so a rule author or operator can open what would be
/// delivered without running an MTA; the Postfix end-to-end test checks that it is what Postfix
/// delivers.
public enum MilterDelivery {
    /// `message` as delivered after `response`; nil when the response refuses or drops it.
    public static func delivered(_ message: Message, response: MilterResponse) -> [UInt8]? {
        switch response.disposition {
        case .accept, .continue: break
        case .reject, .tempfail, .discard: return nil
        }
        let raw = message.raw
        let fields = message.headers.fields
        let bodyStart = min(max(0, message.root.bodyRange.lowerBound), raw.count)
        let headerStart = min(fields.first?.byteRange.lowerBound ?? bodyStart, bodyStart)
        let headerEnd = min(max(headerStart, fields.last?.byteRange.upperBound ?? headerStart), bodyStart)
        // Added and changed lines end as the message's own lines do (CRLF unless it uses bare LF).
        var lineEnd: [UInt8] = [0x0D, 0x0A]
        if let newline = raw[headerStart..<headerEnd].firstIndex(of: 0x0A), newline == headerStart || raw[newline - 1] != 0x0D {
            lineEnd = [0x0A]
        }

        // Which instance of its name each field is, and what becomes of it.
        var edits: [Int: String] = [:]
        var seen: [String: UInt32] = [:]
        var instance: [Int: UInt32] = [:]
        for (position, field) in fields.enumerated() {
            let name = field.name.lowercased()
            seen[name, default: 0] += 1
            instance[position] = seen[name]
        }
        for change in response.headersToChange {
            if let position = fields.indices.first(where: { fields[$0].name.lowercased() == change.name.lowercased() && instance[$0] == change.index }) {
                edits[position] = change.value
            }
        }

        var out: [UInt8] = Array(raw[0..<headerStart])
        out.reserveCapacity(raw.count + response.headersToAdd.count * 80)
        for (position, field) in fields.enumerated() {
            let range = field.byteRange.clamped(to: headerStart..<headerEnd)
            if let value = edits[position] {
                if !value.isEmpty { out += line(name: field.name, value: value, lineEnd: lineEnd) }
            } else {
                out += raw[range]
            }
        }
        for header in response.headersToAdd {
            out += line(name: header.name, value: header.value, lineEnd: lineEnd)
        }
        out += raw[headerEnd..<bodyStart]
        if let body = response.replacementBody {
            out += body
        } else {
            out += raw[bodyStart...]
        }
        return out
    }

    /// `Name: value` with its folded lines ending as the message's lines do.
    private static func line(name: String, value: String, lineEnd: [UInt8]) -> [UInt8] {
        var out = Array(name.utf8) + Array(": ".utf8)
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if byte == 0x0A {
                if previous == 0x0D { out.removeLast() }
                out += lineEnd
            } else {
                out.append(byte)
            }
            previous = byte
        }
        return out + lineEnd
    }
}
