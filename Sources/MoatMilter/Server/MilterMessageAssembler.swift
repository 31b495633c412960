import MoatCore
import MoatMessage

/// Rebuilds the RFC 5322 message the MTA is transferring from the milter events.
///
/// Postfix sends header values with folded lines joined by a bare LF and the space after the colon
/// stripped; the assembler restores `Name: value` lines with CRLF folding, then the blank line and
/// the body exactly as sent, so the parser sees the message the recipient would get.
public enum MilterMessageAssembler {
    /// The raw message bytes, and the offset where the body starts.
    public static func raw(headers: [MilterHeader], keepsLeadingSpace: Bool, body: [UInt8]) -> (bytes: [UInt8], bodyOffset: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(body.count + headers.count * 64 + 2)
        for header in headers {
            bytes += Array(header.name.utf8)
            bytes.append(UInt8(ascii: ":"))
            if !keepsLeadingSpace { bytes.append(UInt8(ascii: " ")) }
            var previous: UInt8 = 0
            for byte in header.value {
                if byte == UInt8(ascii: "\n") && previous != UInt8(ascii: "\r") {
                    bytes.append(UInt8(ascii: "\r"))
                }
                bytes.append(byte)
                previous = byte
            }
            bytes += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        }
        bytes += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        let offset = bytes.count
        bytes += body
        return (bytes, offset)
    }

    /// The SMTP envelope of a collected message, for engines.
    public static func envelope(_ collected: CollectedMessage) -> Envelope {
        var envelope = Envelope(
            clientAddress: collected.clientAddress,
            clientHostname: collected.clientHostname,
            helo: collected.helo.map { String(decoding: $0, as: UTF8.self) },
            mailFrom: collected.sender?.mailbox,
            recipients: collected.recipients.map(\.mailbox),
            queueID: collected.queueID
        )
        if let login = collected.macro("auth_authen"), !login.isEmpty {
            envelope.authenticatedAs = String(decoding: login, as: UTF8.self)
        }
        return envelope
    }
}
