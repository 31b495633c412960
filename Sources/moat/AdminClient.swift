import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to a running moatd's admin API, with the bearer token the daemon wrote or the user gave.
struct AdminClient {
    enum ClientError: Error, CustomStringConvertible {
        case unreachable(String, String)
        case http(Int, String)
        case noToken(String)

        var description: String {
            switch self {
            case .unreachable(let url, let reason): "moatd admin API at \(url) is not reachable: \(reason)"
            case .http(let status, let body): "moatd answered \(status): \(body.trimmingCharacters(in: .whitespacesAndNewlines))"
            case .noToken(let file): "no admin token: pass --token, set MOAT_ADMIN_TOKEN, or run where \(file) is readable"
            }
        }
    }

    let base: String
    let token: String

    init(_ options: AdminOptions) throws {
        base = options.admin.hasSuffix("/") ? String(options.admin.dropLast()) : options.admin
        if let token = options.token ?? ProcessInfo.processInfo.environment["MOAT_ADMIN_TOKEN"] {
            self.token = token
        } else if let data = FileManager.default.contents(atPath: options.tokenFile),
                  let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            token = text
        } else {
            throw ClientError.noToken(options.tokenFile)
        }
    }

    /// Sends a request and returns the body; non-2xx answers throw with the daemon's message.
    func send(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json") async throws -> Data {
        guard let url = URL(string: base + path) else { throw ClientError.unreachable(base + path, "bad URL") }
        var request = URLRequest(url: url, timeoutInterval: 60)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ClientError.unreachable(base, error.localizedDescription)
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw ClientError.http(status, String(decoding: data, as: UTF8.self)) }
        return data
    }

    func json(_ method: String, _ path: String, _ object: [String: String]) async throws -> Data {
        try await send(method, path, body: try JSONSerialization.data(withJSONObject: object))
    }
}
