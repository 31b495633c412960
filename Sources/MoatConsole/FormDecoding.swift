import Foundation

/// The console's parsers of what a browser sends: `application/x-www-form-urlencoded` fields (form
/// bodies and query strings) and `Cookie` headers. Pure, so the fuzz target `consoleform` runs them
/// without a server.
public enum FormDecoding {
    /// Fields by name (the last value of a repeated name wins); `+` is a space, `%XX` a byte, and
    /// a malformed escape is kept as written.
    public static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = pieces.first else { continue }
            fields[unescape(rawName)] = pieces.count > 1 ? unescape(pieces[1]) : ""
        }
        return fields
    }

    static func unescape(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// `fields` encoded as a form body, names sorted.
    public static func encode(_ fields: [String: String]) -> String {
        fields.keys.sorted().map { "\(escape($0))=\(escape(fields[$0] ?? ""))" }.joined(separator: "&")
    }

    /// `text` percent-encoded for a query or form value (unreserved characters kept).
    public static func escape(_ text: String) -> String {
        var allowed = CharacterSet()
        allowed.insert(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// Cookies by name from `Cookie` header values (the first of a repeated name wins).
    public static func cookies(_ headers: [String]) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in headers {
            for item in header.split(separator: ";") {
                let pieces = item.split(separator: "=", maxSplits: 1)
                guard pieces.count == 2 else { continue }
                let name = pieces[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] == nil { cookies[name] = pieces[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }
}
