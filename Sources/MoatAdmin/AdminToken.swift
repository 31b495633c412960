import Foundation

/// The bearer token that guards the admin API, and its constant-time check.
public struct AdminToken: Sendable {
    public let value: String

    public init(value: String) {
        self.value = value
    }

    /// The configured token, or the one in `tokenFile`, or a new random one written there (mode 0600).
    public static func load(_ settings: AdminSettings) throws -> AdminToken {
        if let token = settings.token { return AdminToken(value: token) }
        if let data = FileManager.default.contents(atPath: settings.tokenFile),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), text.count >= 16 {
            return AdminToken(value: text)
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.map {
            String(repeating: "0", count: 16 - $0.count) + $0
        }.joined()
        let directory = (settings.tokenFile as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        guard FileManager.default.createFile(atPath: settings.tokenFile, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: settings.tokenFile])
        }
        return AdminToken(value: token)
    }

    /// The tenant tokens of `settings`, read from their files where given; a file that cannot be
    /// read, or holds fewer than 16 characters, is an error (a tenant must not be locked out silently).
    public static func loadTenantTokens(_ settings: AdminSettings) throws -> [(tenant: String, token: AdminToken)] {
        try settings.tenantTokens.map { scoped in
            if let token = scoped.token { return (scoped.tenant, AdminToken(value: token)) }
            let path = scoped.tokenFile ?? ""
            guard let data = FileManager.default.contents(atPath: path),
                  let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), text.count >= 16 else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path,
                    NSLocalizedDescriptionKey: "tenant \(scoped.tenant)'s token file \(path) is missing or holds fewer than 16 characters"])
            }
            return (scoped.tenant, AdminToken(value: text))
        }
    }

    /// Compares without an early exit, so response timing does not reveal how much of a guess was right.
    public func matches(_ candidate: String) -> Bool {
        let expected = Array(value.utf8)
        let given = Array(candidate.utf8)
        var difference = UInt8(truncatingIfNeeded: expected.count ^ given.count)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
