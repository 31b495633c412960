import Foundation
import Hummingbird

/// What the console reads from a request: form fields, cookies and query values (parsed by
/// `FormDecoding`).
enum ConsoleForm {
    /// Largest form body accepted (every console form is a few fields).
    static let maxBytes = 64 << 10

    static func fields(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBytes)
        return FormDecoding.fields(String(buffer: buffer))
    }

    static func cookies(_ request: Request) -> [String: String] {
        FormDecoding.cookies(request.headers[values: .cookie])
    }

    /// A query parameter, nil when absent or blank. Read from the raw query, as a browser's GET
    /// form encodes it (`+` for a space).
    static func query(_ request: Request, _ name: String) -> String? {
        guard let value = FormDecoding.fields(request.uri.query ?? "")[name] else { return nil }
        let text = value.trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    static func escapeQuery(_ text: String) -> String {
        FormDecoding.escape(text)
    }
}
