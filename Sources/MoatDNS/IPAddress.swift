import Foundation

/// Parsing and formatting of IP addresses as bytes: SPF's `ip4`/`ip6` mechanisms and CIDR lengths,
/// and reverse names for PTR and block-list queries, work on the bytes, not on text.
public enum IPAddress {
    /// The 4 or 16 bytes of an IPv4 or IPv6 address in text form (IPv4-mapped IPv6 allowed), or nil.
    public static func bytes(_ text: String) -> [UInt8]? {
        var text = Substring(text)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if text.lowercased().hasPrefix("ipv6:") { text = text.dropFirst(5) }
        if !text.contains(":") { return v4(text) }
        return v6(text)
    }

    /// The 4 bytes of a dotted-quad IPv4 address exactly (no brackets, no leading zeros beyond 3 digits).
    public static func v4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [UInt8] = []
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int(part), value <= 255 else { return nil }
            out.append(UInt8(value))
        }
        return out
    }

    /// The 16 bytes of an IPv6 address in text form (IPv4-embedded tail allowed), without brackets or prefix.
    public static func v6(_ text: Substring) -> [UInt8]? {
        var head: [UInt16] = []
        var tail: [UInt16] = []
        var sawGap = false
        var embedded: [UInt8] = []
        let pieces = text.components(separatedBy: "::")
        guard pieces.count <= 2 else { return nil }
        func groups(_ s: String, _ into: inout [UInt16], allowV4: Bool) -> Bool {
            guard !s.isEmpty else { return true }
            let parts = s.split(separator: ":", omittingEmptySubsequences: false)
            for (n, part) in parts.enumerated() {
                if allowV4, n == parts.count - 1, part.contains(".") {
                    guard let v4 = v4(part) else { return false }
                    embedded = v4
                    continue
                }
                guard !part.isEmpty, part.count <= 4, let value = UInt16(part, radix: 16) else { return false }
                into.append(value)
            }
            return true
        }
        if pieces.count == 2 {
            sawGap = true
            guard groups(pieces[0], &head, allowV4: false), groups(pieces[1], &tail, allowV4: true) else { return nil }
        } else {
            guard groups(pieces[0], &head, allowV4: true) else { return nil }
        }
        let used = head.count + tail.count + embedded.count / 2
        guard sawGap ? used <= 7 : used == 8 else { return nil }
        var all = head + [UInt16](repeating: 0, count: 8 - used) + tail
        if !embedded.isEmpty {
            all.append(UInt16(embedded[0]) << 8 | UInt16(embedded[1]))
            all.append(UInt16(embedded[2]) << 8 | UInt16(embedded[3]))
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    /// RFC 5952 text of 16 bytes (longest run of zero groups as `::`, lower-case hex).
    public static func v6Text(_ bytes: [UInt8]) -> String {
        guard bytes.count == 16 else { return "" }
        let groups = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
        var bestStart = -1, bestLength = 0, start = -1
        for i in 0...8 {
            if i < 8, groups[i] == 0 {
                if start < 0 { start = i }
            } else if start >= 0 {
                if i - start > bestLength, i - start >= 2 { bestStart = start; bestLength = i - start }
                start = -1
            }
        }
        var parts: [String] = []
        var i = 0
        while i < 8 {
            if i == bestStart {
                parts.append(i == 0 ? ":" : "")
                i += bestLength
                if i == 8 { parts.append("") }
                continue
            }
            parts.append(String(groups[i], radix: 16))
            i += 1
        }
        return parts.joined(separator: ":")
    }

    /// Whether the first `prefix` bits of `a` and `b` (same family) agree.
    public static func matches(_ a: [UInt8], _ b: [UInt8], prefix: Int) -> Bool {
        guard a.count == b.count, prefix >= 0, prefix <= a.count * 8 else { return false }
        var bits = prefix
        var i = 0
        while bits > 0 {
            let mask: UInt8 = bits >= 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if a[i] & mask != b[i] & mask { return false }
            bits -= 8
            i += 1
        }
        return true
    }

    /// The reverse-lookup labels: `4.3.2.1` for 1.2.3.4, nibbles for IPv6 (without the zone).
    public static func reversed(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.reversed().map { String($0) }.joined(separator: ".") }
        return bytes.reversed().flatMap { [String($0 & 0x0F, radix: 16), String($0 >> 4, radix: 16)] }.joined(separator: ".")
    }

    /// The PTR name: `….in-addr.arpa` or `….ip6.arpa`.
    public static func reverseName(_ bytes: [UInt8]) -> String {
        reversed(bytes) + (bytes.count == 4 ? ".in-addr.arpa" : ".ip6.arpa")
    }
}
