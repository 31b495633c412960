import Foundation

/// Which way a message goes through the gateway: into the organisations behind it, or out of
/// them (a client that authenticated, or one inside the configured internal networks). Each way
/// has its own policy section, so a hijacked account's outbound spam is judged differently from
/// spam arriving from outside.
public enum MessageDirection: String, Sendable, Hashable, Codable {
    case inbound, outbound
}

/// A list of address blocks (`10.0.0.0/8`, `2001:db8::/32`, or single addresses).
public struct NetworkList: Sendable, Hashable {
    struct Block: Sendable, Hashable {
        var bytes: [UInt8]
        var prefix: Int
    }

    let blocks: [Block]
    public let text: [String]

    /// No networks.
    public static let empty = NetworkList(blocks: [], text: [])

    private init(blocks: [Block], text: [String]) {
        self.blocks = blocks
        self.text = text
    }

    /// Parses every entry; throws naming the first that is not an address or a block.
    public init(_ entries: [String]) throws {
        var blocks: [Block] = []
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let address = parts.first, let bytes = Self.bytes(address) else { throw Invalid(entry: entry) }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, prefix >= 0, prefix <= bytes.count * 8 else { throw Invalid(entry: entry) }
            blocks.append(Block(bytes: bytes, prefix: prefix))
        }
        self.blocks = blocks
        text = entries
    }

    public struct Invalid: Error, CustomStringConvertible {
        public var entry: String
        public var description: String { "'\(entry)' is not an address or CIDR block" }
    }

    /// Whether `address` (text, v4 or v6, brackets allowed) is in one of the blocks.
    public func contains(_ address: String) -> Bool {
        var text = address
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        if text.lowercased().hasPrefix("ipv6:") { text = String(text.dropFirst(5)) }
        guard let bytes = Self.bytes(text) else { return false }
        return blocks.contains { block in
            guard block.bytes.count == bytes.count else { return false }
            var left = block.prefix
            for (a, b) in zip(block.bytes, bytes) {
                guard left > 0 else { return true }
                let bits = min(8, left)
                let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                left -= bits
            }
            return true
        }
    }

    /// The 4 or 16 bytes of an address (inet_pton), nil for anything else.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
