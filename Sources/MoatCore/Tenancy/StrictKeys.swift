/// Refuses keys a decoder does not know, so a typo in a tenant policy (`reject_scor`) is an error
/// naming the key instead of a silently kept default.
public struct StrictKeys: CodingKey {
    public var stringValue: String
    public var intValue: Int? { nil }
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) { nil }

    /// Throws for the first key of `decoder`'s object that is not in `known`, with its path.
    public static func check(_ decoder: any Decoder, known: Set<String>) throws {
        let container = try decoder.container(keyedBy: StrictKeys.self)
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !known.contains(key.stringValue) {
            let path = (decoder.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".")
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [key],
                debugDescription: "unknown key '\(path)' (expected one of \(known.sorted().joined(separator: ", ")))"))
        }
    }

    /// Throws for the first key that is not one of `keys`' cases.
    public static func check<Keys: CodingKey & CaseIterable>(_ decoder: any Decoder, allowed keys: Keys.Type) throws {
        try check(decoder, known: Set(keys.allCases.map(\.stringValue)))
    }
}
