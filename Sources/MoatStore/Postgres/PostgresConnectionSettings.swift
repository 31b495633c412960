import Foundation
import PostgresNIO

/// A parsed `postgres_url`: where to connect and as whom (see `StoreConfiguration` for the syntax).
struct PostgresConnectionSettings: Sendable, Hashable {
    enum TLSMode: String, Sendable, Hashable {
        case disable
        case prefer
        case require
    }

    var host: String
    var port: Int
    /// Directory of the server's Unix socket (`?host=/run/postgresql`), used instead of TCP when set.
    var socketDirectory: String?
    var username: String
    var password: String?
    var database: String
    var tls: TLSMode

    init(url string: String) throws {
        func invalid(_ reason: String) -> StoreError {
            StoreError.invalidConfiguration(key: "postgres_url", reason: reason)
        }
        guard let components = URLComponents(string: string) else { throw invalid("not a URL") }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw invalid("scheme must be postgres:// or postgresql://")
        }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user name") }
        username = user.removingPercentEncoding ?? user
        password = components.password.map { $0.removingPercentEncoding ?? $0 }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw invalid("port \(port) out of range") }
        let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = name.isEmpty ? username : (name.removingPercentEncoding ?? name)
        tls = .disable
        socketDirectory = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw invalid("sslmode must be disable, prefer or require")
                }
                tls = mode
            case "host":
                guard let directory = item.value, directory.hasPrefix("/") else {
                    throw invalid("host= in the query must be an absolute socket directory")
                }
                socketDirectory = directory
            default:
                throw invalid("unknown query item '\(item.name)'")
            }
        }
    }

    /// Where the server is, for logs and errors (never the password).
    var location: String {
        if let socketDirectory { return "\(socketDirectory)/.s.PGSQL.\(port)/\(database)" }
        return "\(host):\(port)/\(database)"
    }

    func clientConfiguration(poolSize: Int) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if let socketDirectory {
            configuration = .init(unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: username,
                                  password: password, database: database)
        } else {
            let tls: PostgresClient.Configuration.TLS = switch self.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
            configuration = .init(host: host, port: port, username: username, password: password, database: database, tls: tls)
        }
        configuration.options.maximumConnections = max(1, poolSize)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
