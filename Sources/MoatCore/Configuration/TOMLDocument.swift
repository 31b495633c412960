import Foundation
import TOMLKit

/// Decodes TOML files into typed configuration, with errors that name the file, key and reason.
///
/// TOMLKit parses (so syntax errors carry line and column); the table is then handed to Foundation's
/// `JSONDecoder` through its JSON form, whose `Codable` support handles optional keys and
/// heterogeneous option tables reliably.
public enum TOMLDocument {
    /// Decodes `text` (read from `file`, used in error messages) as `T`. Strict: a key that `T`
    /// does not read is an error naming its line (and the key it was probably meant to be), so a
    /// typo never silently keeps a default.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws -> T {
        try decode(from: text, file: file) { try T(from: $0) }
    }

    /// Decodes one document as two types that share it (each reads its own tables, as
    /// `moat.toml` is read by the scanning core and by the daemon); a key neither reads is an error.
    public static func decode<A: Decodable, B: Decodable>(_ first: A.Type, _ second: B.Type, from text: String, file: String) throws -> (A, B) {
        try decode(from: text, file: file) { decoder in (try A(from: decoder), try B(from: decoder)) }
    }

    private static func decode<Value>(from text: String, file: String, _ body: (any Decoder) throws -> Value) throws -> Value {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: file,
                reason: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)"
            )
        }
        let json = Data(table.convert(to: .json).utf8)
        let log = KeyLog()
        let value: Value
        do {
            value = try withoutActuallyEscaping(body) { body in
                try JSONDecoder().decode(Root<Value>.self, from: json, configuration: Root.Configuration(log: log, body: body)).value
            }
        } catch let error as DecodingError {
            throw configurationError(error, file: file, text: text)
        }
        let document = (try? JSONSerialization.jsonObject(with: json)) ?? [String: Any]()
        let locator = TOMLKeyLocator(text: text)
        func name(_ entry: (path: String, key: String, known: Set<String>)) -> String {
            entry.path.isEmpty ? entry.key : "\(entry.path).\(entry.key)"
        }
        // In the order an operator reads the file.
        let unknown = log.unknownKeys(in: document).sorted { (locator.line(of: name($0)) ?? .max) < (locator.line(of: name($1)) ?? .max) }
        guard let first = unknown.first else { return value }
        func described(_ entry: (path: String, key: String, known: Set<String>)) -> String {
            var text = locator.line(of: name(entry)).map { "line \($0): " } ?? ""
            text += "unknown key"
            if let suggestion = closest(entry.key, among: entry.known) { text += " (did you mean \(suggestion)?)" }
            return text
        }
        var reason = described(first)
        if unknown.count > 1 {
            reason += "; also unknown: " + unknown.dropFirst().prefix(10).map { entry in
                let line = locator.line(of: name(entry)).map { " (line \($0))" } ?? ""
                return name(entry) + line
            }.joined(separator: ", ")
        }
        throw ConfigurationError(file: file, key: name(first), reason: reason)
    }

    /// The top-level value, decoded through the key-recording decoder.
    private struct Root<Value>: DecodableWithConfiguration {
        struct Configuration {
            var log: KeyLog
            var body: (any Decoder) throws -> Value
        }

        var value: Value

        init(from decoder: any Decoder, configuration: Configuration) throws {
            value = try configuration.body(KeyTrackingDecoder(base: decoder, log: configuration.log))
        }
    }

    /// A known key within two edits of `key`, the likeliest meaning of a typo.
    static func closest(_ key: String, among known: Set<String>) -> String? {
        let scored = known.map { ($0, editDistance(Array(key.utf8), Array($0.utf8))) }
        guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }), best.1 <= max(1, min(3, key.count / 3)) else {
            return nil
        }
        return best.0
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }

    /// Reads and decodes the file at `path`.
    public static func load<T: Decodable>(_ type: T.Type, path: String) throws -> T {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try decode(type, from: text, file: path)
    }

    private static func configurationError(_ error: DecodingError, file: String, text: String) -> ConfigurationError {
        let locator = TOMLKeyLocator(text: text)
        func key(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        func at(_ path: [any CodingKey]) -> String {
            locator.line(of: KeyLog.path(path)).map { "line \($0): " } ?? ""
        }
        switch error {
        case .typeMismatch(let type, let context):
            return ConfigurationError(file: file, key: key(context.codingPath), reason: "\(at(context.codingPath))expected \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return ConfigurationError(file: file, key: key(context.codingPath), reason: "missing \(type) value")
        case .keyNotFound(let missing, let context):
            return ConfigurationError(file: file, key: key(context.codingPath + [missing]), reason: "required key is missing")
        case .dataCorrupted(let context):
            return ConfigurationError(file: file, key: key(context.codingPath), reason: "\(at(context.codingPath))\(context.debugDescription)")
        @unknown default:
            return ConfigurationError(file: file, reason: "\(error)")
        }
    }
}
