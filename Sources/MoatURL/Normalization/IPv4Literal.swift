/// Reads IPv4 host literals the way browsers do (WHATWG URL "IPv4 parser").
///
/// Browsers accept `3232235777`, `0xC0A80101`, `0300.0250.1.1` and `192.168.257` for
/// `192.168.1.1`; phishers use those forms to hide an address from readers and filters.
enum IPv4Literal {
    /// The dotted-quad form of `host` when a browser would read it as an IPv4 address.
    static func parse(_ host: String) -> String? {
        // Only digits, hex letters, `x`, signs and dots can make a literal: nearly every host
        // name fails this at once, before it is split and each label read as a number.
        guard host.utf8.allSatisfy({ byte in
            (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte) || (0x41...0x46).contains(byte)
                || byte == 0x78 || byte == 0x58 || byte == 0x2E || byte == 0x2B || byte == 0x2D
        }) else { return nil }
        var parts = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.last == "" { parts.removeLast() }
        guard !parts.isEmpty, parts.count <= 4 else { return nil }
        var numbers: [UInt64] = []
        for part in parts {
            guard let value = number(part) else { return nil }
            numbers.append(value)
        }
        for value in numbers.dropLast() where value > 255 { return nil }
        let last = numbers[numbers.count - 1]
        guard last < (UInt64(1) << (8 * (5 - UInt64(numbers.count)))) else { return nil }
        var address = last
        for (index, value) in numbers.dropLast().enumerated() {
            address += value << (8 * (3 - UInt64(index)))
        }
        return "\(address >> 24 & 255).\(address >> 16 & 255).\(address >> 8 & 255).\(address & 255)"
    }

    /// Whether `host` is already the canonical dotted-decimal form.
    static func isCanonical(_ host: String) -> Bool {
        parse(host) == host
    }

    private static func number(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 40 else { return nil }
        var digits = Substring(text)
        var radix = 10
        if digits.count >= 2, digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            digits = digits.dropFirst(2)
            radix = 16
            if digits.isEmpty { return 0 }
        } else if digits.count >= 2, digits.hasPrefix("0") {
            digits = digits.dropFirst()
            radix = 8
        }
        guard let value = UInt64(digits, radix: radix), value <= UInt64(UInt32.max) else { return nil }
        return value
    }
}
