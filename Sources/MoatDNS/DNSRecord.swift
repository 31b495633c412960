/// One record of an answer, decoded from its wire-format RDATA.
public enum DNSRecord: Sendable, Hashable {
    /// Dotted-quad IPv4 address.
    case a(String)
    /// IPv6 address in RFC 5952 text form.
    case aaaa(String)
    /// The character-strings of one TXT record, joined without separators (RFC 7208 3.3, RFC 6376 3.6.2.2).
    case txt(String)
    case mx(preference: Int, exchange: String)
    case ptr(String)
    case cname(String)
    case ns(String)

    /// Decodes `rdata` of `type`; nil when it is malformed (a broken answer is ignored, never trusted).
    public static func decode(_ type: DNSRecordType, _ rdata: [UInt8]) -> DNSRecord? {
        switch type {
        case .a:
            guard rdata.count == 4 else { return nil }
            return .a(rdata.map { String($0) }.joined(separator: "."))
        case .aaaa:
            guard rdata.count == 16 else { return nil }
            return .aaaa(IPAddress.v6Text(rdata))
        case .txt:
            var text: [UInt8] = []
            var i = 0
            while i < rdata.count {
                let length = Int(rdata[i])
                i += 1
                guard i + length <= rdata.count else { return nil }
                text.append(contentsOf: rdata[i..<(i + length)])
                i += length
            }
            return .txt(String(decoding: text, as: UTF8.self))
        case .mx:
            guard rdata.count >= 3, let name = wireName(rdata, from: 2) else { return nil }
            return .mx(preference: Int(rdata[0]) << 8 | Int(rdata[1]), exchange: name)
        case .ptr:
            return wireName(rdata, from: 0).map { .ptr($0) }
        case .cname:
            return wireName(rdata, from: 0).map { .cname($0) }
        case .ns:
            return wireName(rdata, from: 0).map { .ns($0) }
        }
    }

    /// An uncompressed wire-format name (libunbound hands RDATA out decompressed), lower-cased,
    /// without the trailing dot; "" for the root.
    static func wireName(_ bytes: [UInt8], from start: Int) -> String? {
        var labels: [String] = []
        var i = start
        var total = 0
        while i < bytes.count {
            let length = Int(bytes[i])
            i += 1
            if length == 0 { return labels.joined(separator: ".") }
            // 0xC0: a compression pointer, which decompressed RDATA never holds.
            guard length < 64, i + length <= bytes.count else { return nil }
            total += length + 1
            guard total <= 255 else { return nil }
            labels.append(String(decoding: bytes[i..<(i + length)], as: UTF8.self).lowercased())
            i += length
        }
        return nil
    }
}
