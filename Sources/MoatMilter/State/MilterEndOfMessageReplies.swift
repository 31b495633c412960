import NIOCore

/// The replies that carry out a `MilterResponse` at end of message, in the order libmilter
/// requires: recipient removals, header changes and additions (only the actions the MTA granted;
/// names sanitised, values folded as the MTA expects and `%` escaped in reply texts), the new body
/// in REPLBODY packets, QUARANTINE, then exactly one final reply.
///
/// Pure: what the session state machine sends, tested without a connection.
enum MilterEndOfMessageReplies {
    static func replies(for response: MilterResponse, actions: MilterActions, leadingSpace: Bool) -> [MilterReply] {
        if !response.recipientsToDelete.isEmpty, !actions.contains(.deleteRecipient) {
            return replies(for: MilterResponse(disposition: response.dispositionWithoutRecipientDeletion), actions: actions, leadingSpace: leadingSpace)
        }
        var replies: [MilterReply] = []
        for recipient in response.recipientsToDelete where !recipient.isEmpty && !recipient.utf8.contains(0) {
            replies.append(.deleteRecipient(recipient))
        }
        if actions.contains(.changeHeaders) {
            for change in response.headersToChange {
                let name = sanitizedHeaderName(change.name)
                guard !name.isEmpty else { continue }
                let value = change.value.isEmpty ? "" : foldedHeaderValue(change.value, leadingSpace: leadingSpace)
                replies.append(.changeHeader(index: change.index, name: name, value: value))
            }
        }
        if actions.contains(.addHeaders) {
            for addition in response.headersToAdd {
                let name = sanitizedHeaderName(addition.name)
                guard !name.isEmpty else { continue }
                replies.append(
                    .addHeader(name: name, value: foldedHeaderValue(addition.value, leadingSpace: leadingSpace))
                )
            }
        }
        if actions.contains(.changeBody), let body = response.replacementBody {
            replies.append(contentsOf: MilterReply.replaceBodyPackets(ByteBuffer(bytes: body)))
        }
        if actions.contains(.quarantine), let reason = response.quarantineReason {
            let text = String(decoding: reason.utf8.filter { $0 != 0 && $0 != 13 && $0 != 10 }, as: UTF8.self)
            replies.append(.quarantine(reason: text.isEmpty ? "quarantined" : text))
        }
        switch response.disposition {
        case .accept:
            replies.append(.accept)
        case .continue:
            replies.append(.continue)
        case .discard:
            replies.append(.discard)
        case .reject(let code):
            replies.append(replyCode(code, class: UInt8(ascii: "5")).map(MilterReply.replyCode) ?? .reject)
        case .tempfail(let code):
            replies.append(replyCode(code, class: UInt8(ascii: "4")).map(MilterReply.replyCode) ?? .tempfail)
        }
        return replies
    }

    /// A REPLYCODE text if `text` starts with a 3-digit code of the right class, with `%`
    /// doubled (Sendmail formats it like printf; Postfix undoes it); nil to fall back to the
    /// plain REJECT/TEMPFAIL rather than send a reply the MTA would refuse.
    private static func replyCode(_ text: String?, class first: UInt8) -> String? {
        guard let text else { return nil }
        let bytes = Array(text.utf8).filter { $0 != 0 }
        guard bytes.count >= 3, bytes[0] == first,
            bytes[1] >= UInt8(ascii: "0"), bytes[1] <= UInt8(ascii: "9"),
            bytes[2] >= UInt8(ascii: "0"), bytes[2] <= UInt8(ascii: "9"),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else {
            return nil
        }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(bytes.count)
        for byte in bytes {
            escaped.append(byte)
            if byte == UInt8(ascii: "%") { escaped.append(byte) }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func sanitizedHeaderName(_ name: String) -> String {
        String(decoding: name.utf8.filter { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }, as: UTF8.self)
    }

    /// Shapes a header value for ADD/CHG: line breaks become LF followed by a tab (a CRLF
    /// would corrupt the MTA's queue file), NULs and trailing breaks are dropped, and with
    /// `SMFIP_HDR_LEADSPC` a leading space is added since the MTA then adds none.
    static func foldedHeaderValue(_ value: String, leadingSpace: Bool) -> String {
        let input = Array(value.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 8)
        var index = 0
        while index < input.count {
            let byte = input[index]
            index += 1
            switch byte {
            case 0:
                continue
            case 13, 10:
                if byte == 13, index < input.count, input[index] == 10 { index += 1 }
                // Drop breaks at the end, and collapse blank lines (a fold must carry text).
                let rest = input[index...].drop { $0 == 13 || $0 == 10 }
                index = rest.startIndex
                guard !rest.isEmpty, !output.isEmpty else { continue }
                output.append(10)
                if rest.first != UInt8(ascii: " "), rest.first != UInt8(ascii: "\t") {
                    output.append(UInt8(ascii: "\t"))
                }
            default:
                output.append(byte)
            }
        }
        if leadingSpace, let first = output.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") {
            output.insert(UInt8(ascii: " "), at: 0)
        }
        return String(decoding: output, as: UTF8.self)
    }
}
