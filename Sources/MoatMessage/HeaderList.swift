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
        let wanted = name.lowercased()
        return fields.first { $0.name.lowercased() == wanted }
    }

    /// Every field named `name` (case-insensitive), in header order.
    public func all(_ name: String) -> [HeaderField] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }
    }
}
