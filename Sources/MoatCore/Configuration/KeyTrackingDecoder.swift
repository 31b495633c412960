import Foundation

/// Records every key a configuration type asks for while it decodes, so the keys nobody asked for
/// can be reported: without this, a typo such as `reject_scor` silently keeps the default.
///
/// It wraps the decoder `JSONDecoder` hands out, forwards every call, and notes the coding path
/// of each key asked for (`decode`, `decodeIfPresent`, `contains`, nested containers). A value
/// decoded as a whole (a single-value container: `ConfigValue`, enums, primitives) counts with
/// everything under it, so option tables whose keys only an adapter knows are never reported here.
final class KeyLog {
    /// Keys asked for, by the dotted path of the table that holds them ("" for the root).
    private(set) var asked: [String: Set<String>] = [:]
    /// Paths whose whole value was taken as one.
    private(set) var whole: Set<String> = []

    static func path(_ codingPath: [any CodingKey]) -> String {
        var result = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue.hasPrefix("Index ") || key.stringValue == "\(index)" {
                result += "[\(index)]"
            } else {
                result += result.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return result
    }

    func ask(_ key: String, in codingPath: [any CodingKey]) {
        asked[Self.path(codingPath), default: []].insert(key)
    }

    func takeWhole(_ codingPath: [any CodingKey]) {
        whole.insert(Self.path(codingPath))
    }

    /// Keys of `value` (the document as JSON objects) that were never asked for, with their table's
    /// known keys; `path` is the value's own dotted path.
    func unknownKeys(in value: Any, path: String = "") -> [(path: String, key: String, known: Set<String>)] {
        if whole.contains(path) { return [] }
        var found: [(path: String, key: String, known: Set<String>)] = []
        if let table = value as? [String: Any] {
            let known = asked[path] ?? []
            for key in table.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                guard known.contains(key) else {
                    found.append((path, key, known))
                    continue
                }
                if let inner = table[key] { found += unknownKeys(in: inner, path: child) }
            }
        } else if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                found += unknownKeys(in: element, path: "\(path)[\(index)]")
            }
        }
        return found
    }
}

struct KeyTrackingDecoder: Decoder {
    let base: any Decoder
    let log: KeyLog

    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(TrackingKeyedContainer(base: try base.container(keyedBy: type), log: log))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        TrackingUnkeyedContainer(base: try base.unkeyedContainer(), log: log)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        log.takeWhole(codingPath)
        return try base.singleValueContainer()
    }

    /// Types `JSONDecoder` decodes by itself (not through their `init(from:)`).
    static func decodedNatively(_ type: Any.Type) -> Bool {
        type == Date.self || type == Data.self || type == URL.self || type == Decimal.self
    }
}

struct TrackingKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let base: KeyedDecodingContainer<Key>
    let log: KeyLog

    var codingPath: [any CodingKey] { base.codingPath }
    var allKeys: [Key] { base.allKeys }

    private func ask(_ key: Key) { log.ask(key.stringValue, in: codingPath) }

    func contains(_ key: Key) -> Bool {
        ask(key)
        return base.contains(key)
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        ask(key)
        return try base.decodeNil(forKey: key)
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { ask(key); return try base.decode(type, forKey: key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { ask(key); return try base.decode(type, forKey: key) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        ask(key)
        // A missing key keeps the base decoder's own error (keyNotFound).
        guard base.contains(key), !KeyTrackingDecoder.decodedNatively(type) else {
            if base.contains(key) { log.takeWhole(codingPath + [key]) }
            return try base.decode(type, forKey: key)
        }
        return try T(from: KeyTrackingDecoder(base: try base.superDecoder(forKey: key), log: log))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        ask(key)
        guard base.contains(key), try !base.decodeNil(forKey: key) else { return nil }
        guard !KeyTrackingDecoder.decodedNatively(type) else {
            log.takeWhole(codingPath + [key])
            return try base.decodeIfPresent(type, forKey: key)
        }
        return try T(from: KeyTrackingDecoder(base: try base.superDecoder(forKey: key), log: log))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        ask(key)
        return KeyedDecodingContainer(TrackingKeyedContainer<NestedKey>(base: try base.nestedContainer(keyedBy: type, forKey: key), log: log))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        ask(key)
        return TrackingUnkeyedContainer(base: try base.nestedUnkeyedContainer(forKey: key), log: log)
    }

    func superDecoder() throws -> any Decoder {
        KeyTrackingDecoder(base: try base.superDecoder(), log: log)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ask(key)
        return KeyTrackingDecoder(base: try base.superDecoder(forKey: key), log: log)
    }
}

struct TrackingUnkeyedContainer: UnkeyedDecodingContainer {
    var base: any UnkeyedDecodingContainer
    let log: KeyLog

    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int? { base.count }
    var isAtEnd: Bool { base.isAtEnd }
    var currentIndex: Int { base.currentIndex }

    mutating func decodeNil() throws -> Bool { try base.decodeNil() }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try base.decode(type) }
    mutating func decode(_ type: String.Type) throws -> String { try base.decode(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try base.decode(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try base.decode(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try base.decode(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try base.decode(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try base.decode(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try base.decode(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try base.decode(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try base.decode(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try base.decode(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try base.decode(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try base.decode(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try base.decode(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !KeyTrackingDecoder.decodedNatively(type) else {
            log.takeWhole(codingPath + [IndexKey(currentIndex)])
            return try base.decode(type)
        }
        return try T(from: KeyTrackingDecoder(base: try base.superDecoder(), log: log))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(TrackingKeyedContainer<NestedKey>(base: try base.nestedContainer(keyedBy: type), log: log))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        TrackingUnkeyedContainer(base: try base.nestedUnkeyedContainer(), log: log)
    }

    mutating func superDecoder() throws -> any Decoder {
        KeyTrackingDecoder(base: try base.superDecoder(), log: log)
    }

    struct IndexKey: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(_ index: Int) {
            stringValue = "Index \(index)"
            intValue = index
        }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.init(intValue) }
    }
}
