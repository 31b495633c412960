/// A storage or stream to be written into a compound file.
public struct CompoundFileNode: Sendable, Hashable {
    public var name: String
    public var isStorage: Bool
    public var data: [UInt8]
    public var children: [CompoundFileNode]
    public var clsid: [UInt8]
    public var stateBits: UInt32
    public var created: UInt64
    public var modified: UInt64

    /// A stream holding `data`.
    public static func stream(_ name: String, _ data: [UInt8]) -> CompoundFileNode {
        CompoundFileNode(name: name, isStorage: false, data: data, children: [], clsid: [UInt8](repeating: 0, count: 16),
                         stateBits: 0, created: 0, modified: 0)
    }

    /// A storage holding `children`.
    public static func storage(_ name: String, _ children: [CompoundFileNode], clsid: [UInt8] = [UInt8](repeating: 0, count: 16)) -> CompoundFileNode {
        CompoundFileNode(name: name, isStorage: true, data: [], children: children, clsid: clsid,
                         stateBits: 0, created: 0, modified: 0)
    }
}

extension CompoundFile {
    /// The tree below the root as nodes, leaving out the entries for which `keep` is false
    /// (and everything under them). Timestamps, CLSIDs and state bits are carried over.
    public func nodes(keeping keep: (_ path: [String], _ entry: DirectoryEntry) -> Bool) throws(CompoundFileError) -> CompoundFileNode {
        var budget = entries.count
        func build(_ id: Int, _ path: [String]) throws(CompoundFileError) -> CompoundFileNode {
            budget -= 1
            guard budget >= 0 else { throw .directoryCorrupt(entry: UInt32(id), reason: "entry shared between storages") }
            let e = entries[id]
            var node = CompoundFileNode(name: e.name, isStorage: e.isStorage, data: [], children: [], clsid: e.clsid,
                                        stateBits: e.stateBits, created: e.created, modified: e.modified)
            if e.isStorage {
                for c in try children(of: id) {
                    let childPath = path + [entries[c].name]
                    guard entries[c].kind == .storage || entries[c].kind == .stream, keep(childPath, entries[c]) else { continue }
                    node.children.append(try build(c, childPath))
                }
            } else {
                node.data = try stream(id)
            }
            return node
        }
        return try build(0, [])
    }
}
