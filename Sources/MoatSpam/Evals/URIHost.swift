/// The host part of a link, as the URI block list rules ask about it.
enum URIHost {
    /// The host of a `scheme://` link, lower-cased, without user, port or trailing dot; nil for
    /// links without one (`mailto:`, relative) and hosts with characters no DNS name has.
    static func of(_ uri: [UInt8]) -> String? {
        guard let start = uri.firstRange(of: Array("://".utf8))?.upperBound else { return nil }
        var end = start
        while end < uri.count, !"/?#\\".utf8.contains(uri[end]) { end += 1 }
        var authority = uri[start..<end]
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        if let colon = authority.firstIndex(of: UInt8(ascii: ":")) { authority = authority[..<colon] }
        while authority.last == UInt8(ascii: ".") { authority = authority.dropLast() }
        guard !authority.isEmpty, authority.count <= 253,
              authority.allSatisfy({ $0 == 0x2D || $0 == 0x2E || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        return String(decoding: authority, as: UTF8.self).lowercased()
    }
}
