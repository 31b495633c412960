/// A MAIL or RCPT argument list: the address as typed and its ESMTP parameters.
///
/// Bytes, because SMTPUTF8 addresses and odd clients send 8-bit data; the address keeps its
/// angle brackets (`<a@b>`, `<>`) exactly as the client typed it.
public struct MilterEnvelopeAddress: Hashable, Sendable {
    /// The address as typed, e.g. `<alice@example.org>`.
    public var address: [UInt8]
    /// ESMTP parameters such as `SIZE=1234`, one per element.
    public var parameters: [[UInt8]]

    public init(address: [UInt8], parameters: [[UInt8]] = []) {
        self.address = address
        self.parameters = parameters
    }

    /// Builds one from a MAIL/RCPT argument list (first = address); nil if the list is empty.
    public init?(arguments: [[UInt8]]) {
        guard let first = arguments.first else { return nil }
        self.init(address: first, parameters: Array(arguments.dropFirst()))
    }

    /// The address without angle brackets, decoded as UTF-8 (for logs and lookups).
    public var mailbox: String {
        var bytes = self.address[...]
        if bytes.first == UInt8(ascii: "<"), bytes.last == UInt8(ascii: ">"), bytes.count >= 2 {
            bytes = bytes.dropFirst().dropLast()
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
