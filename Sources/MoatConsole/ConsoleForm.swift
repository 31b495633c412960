import Foundation
import Hummingbird

/// What the console reads from a request: form fields, cookies and query values.
enum ConsoleForm {
    /// Largest form body accepted (every console form is a few fields).
    static let maxBytes = 64 << 10

    /// An `application/x-www-form-urlencoded` body as fields (the last value of a repeated name wins).
    static func fields(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBytes)
        return decode(String(buffer: buffer))
    }

    static func decode(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = pieces.first else { continue }
            let name = unescape(rawName)
            let value = pieces.count > 1 ? unescape(pieces[1]) : ""
            fields[name] = value
        }
        return fields
    }

    static func unescape(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The request's cookies by name (the first of a repeated name wins).
    static func cookies(_ request: Request) -> [String: String] {
        var cookies: [String: String] = [:]
        for header in request.headers[values: .cookie] {
            for item in header.split(separator: ";") {
                let pieces = item.split(separator: "=", maxSplits: 1)
                guard pieces.count == 2 else { continue }
                let name = pieces[0].trimmingCharacters(in: .whitespaces)
                if cookies[name] == nil { cookies[name] = pieces[1].trimmingCharacters(in: .whitespaces) }
            }
        }
        return cookies
    }

    /// A query parameter, nil when absent or blank.
    /// Read from the raw query, as a browser's GET form encodes it (`+` for a space).
    static func query(_ request: Request, _ name: String) -> String? {
        guard let value = decode(request.uri.query ?? "")[name] else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    /// `text` percent-encoded for a query value.
    static func escapeQuery(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
