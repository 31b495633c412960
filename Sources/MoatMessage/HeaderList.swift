/// The header fields of one part, in order, duplicates kept.
///
/// Lookups are case-insensitive on the field name. Order matters to scanners because clients
/// disagree on which duplicate wins.
public struct HeaderList: Sendable, RandomAccessCollection {
    /// The fields in header order.
    public internal(set) var fields: [HeaderField]

    /// Creates a list from fields in header order.
    public init(_ fields: [HeaderField] = []) {
        self.fields = fields
    }

    public var startIndex: Int { fields.startIndex }
    public var endIndex: Int { fields.endIndex }
    public subscript(position: Int) -> HeaderField { fields[position] }

    /// The first field named `name` (case-insensitive), if any.
    public func first(_ name: String) -> HeaderField? {
        fields.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where Self.sameName(buffer[i].name, name) { return buffer[i] }
            return nil
        }
    }

    /// Every field named `name` (case-insensitive), in header order.
    ///
    /// The fields are read in place: `filter` copied each one (three references retained and
    /// released per field and lookup, dozens of lookups a message), only to compare its name.
    public func all(_ name: String) -> [HeaderField] {
        var found: [HeaderField] = []
        fields.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where Self.sameName(buffer[i].name, name) { found.append(buffer[i]) }
        }
        return found
    }

    /// Field names compared without allocating: ASCII case folded byte by byte (field names are
    /// ASCII by RFC 5322); anything else falls back to Unicode lower-casing.
    static func sameName(_ a: String, _ b: String) -> Bool {
        // Names of different lengths differ (a native string knows its UTF-8 length): most
        // fields are ruled out here. Field names are ASCII (the parser keeps no other); a rule's
        // non-ASCII name is lower-cased only against names of its own length, as SpamAssassin's
        // byte-wise `lc` would never equate a Kelvin sign with `k`.
        guard a.utf8.count == b.utf8.count else { return false }
        // Read in place (native strings are contiguous UTF-8): copying both strings to get at
        // their bytes cost a retain and a release per field compared.
        let ascii: Bool?? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool? in
                for i in 0..<x.count {
                    let (p, q) = (x[i], y[i])
                    if p >= 0x80 || q >= 0x80 { return nil }
                    if p != q, p | 0x20 != q | 0x20 || !((0x61...0x7A).contains(p | 0x20)) { return false }
                }
                return true
            } ?? nil
        }
        if let ascii, let answer = ascii { return answer }
        return a.lowercased() == b.lowercased()
    }
}
