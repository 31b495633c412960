import Foundation
import TOMLKit

/// Decodes TOML files into typed configuration, with errors that name the file, key and reason.
///
/// TOMLKit parses (so syntax errors carry line and column); the table is then handed to Foundation's
/// `JSONDecoder` through its JSON form, whose `Codable` support handles optional keys and
/// heterogeneous option tables reliably.
public enum TOMLDocument {
    /// Decodes `text` (read from `file`, used in error messages) as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from text: String, file: String) throws -> T {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: file,
                reason: "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)"
            )
        }
        let json = table.convert(to: .json)
        do {
            return try JSONDecoder().decode(T.self, from: Data(json.utf8))
        } catch let error as DecodingError {
            throw configurationError(error, file: file)
        }
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

    private static func configurationError(_ error: DecodingError, file: String) -> ConfigurationError {
        func key(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            return ConfigurationError(file: file, key: key(context.codingPath), reason: "expected \(type): \(context.debugDescription)")
        case .valueNotFound(let type, let context):
            return ConfigurationError(file: file, key: key(context.codingPath), reason: "missing \(type) value")
        case .keyNotFound(let missing, let context):
            return ConfigurationError(file: file, key: key(context.codingPath + [missing]), reason: "required key is missing")
        case .dataCorrupted(let context):
            return ConfigurationError(file: file, key: key(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return ConfigurationError(file: file, reason: "\(error)")
        }
    }
}
