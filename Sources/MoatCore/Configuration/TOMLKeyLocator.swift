import Foundation

/// Finds the line of a key in TOML text, so a configuration error can send the operator to it.
///
/// TOMLKit reports positions for syntax errors only; this reads the text line by line, following
/// `[table]` and `[[array]]` headers and dotted keys. It skips multi-line strings and does not look
/// inside inline tables (a key there is reported without a line).
struct TOMLKeyLocator {
    private struct Entry {
        var path: [String]
        var line: Int
    }

    private var entries: [Entry] = []

    init(text: String) {
        var table: [String] = []
        var inMultiline: String?
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if let delimiter = inMultiline {
                if line.components(separatedBy: delimiter).count % 2 == 0 { inMultiline = nil }
                continue
            }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let inner = line.dropFirst(isArray ? 2 : 1).prefix { $0 != "]" }
                table = Self.keyParts(String(inner))
                entries.append(Entry(path: table, line: index + 1))
                continue
            }
            guard let equals = Self.assignment(line) else { continue }
            let key = Self.keyParts(String(line[..<equals]))
            guard !key.isEmpty else { continue }
            entries.append(Entry(path: table + key, line: index + 1))
            let value = line[line.index(after: equals)...]
            for delimiter in ["\"\"\"", "'''"] where value.components(separatedBy: delimiter).count == 2 {
                inMultiline = delimiter
            }
        }
    }

    /// The line (1-based) where `path` (dotted, array indices such as `[0]` ignored) is set.
    func line(of path: String) -> Int? {
        let wanted = Self.keyParts(path.replacingOccurrences(of: #"\[[0-9]+\]"#, with: "", options: .regularExpression))
        return entries.first { $0.path == wanted }?.line
    }

    /// The `=` of a `key = value` line, outside quotes; nil for anything else.
    private static func assignment(_ line: String) -> String.Index? {
        guard let first = line.first, first != "#" else { return nil }
        var quote: Character?
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            } else if character == "#" {
                return nil
            }
            index = line.index(after: index)
        }
        return nil
    }

    /// `a.b."c.d"` → ["a", "b", "c.d"].
    static func keyParts(_ key: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in key {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        let last = current.trimmingCharacters(in: .whitespaces)
        if !last.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts
    }
}
