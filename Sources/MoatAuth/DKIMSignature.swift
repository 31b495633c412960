import Foundation

/// A parsed `DKIM-Signature` header field (RFC 6376, section 3.5).
///
/// Parsing never traps on hostile input: every tag is optional text until `validate` checks the
/// ones a verifier needs, and a field that cannot be used is a `permerror` with the reason.
public struct DKIMSignature: Sendable, Hashable {
    public var version: String
    public var algorithm: String
    public var signature: [UInt8]
    public var bodyHash: [UInt8]
    public var headerCanonicalization: DKIMCanonicalization
    public var bodyCanonicalization: DKIMCanonicalization
    public var domain: String
    public var selector: String
    /// Header field names signed, lower-cased, in `h=` order.
    public var signedHeaders: [String]
    public var identity: String?
    /// Body octets covered (`l=`); nil: all.
    public var bodyLength: Int?
    public var timestamp: Int64?
    public var expiration: Int64?

    /// The tags of a tag-list (`a=rsa-sha256; d=example.org; ...`) in order, names and values
    /// trimmed of folding whitespace.
    static func tags(_ value: String) -> [(name: String, value: String)] {
        value.split(separator: ";", omittingEmptySubsequences: true).compactMap { item in
            guard let equals = item.firstIndex(of: "=") else { return nil }
            let name = item[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
            let value = item[item.index(after: equals)...].trimmingCharacters(in: .whitespacesAndNewlines)
            return name.isEmpty ? nil : (name, value)
        }
    }

    /// Base64 with the folding whitespace DKIM allows inside it removed.
    static func base64(_ text: String) -> [UInt8]? {
        let compact = text.filter { !$0.isWhitespace }
        return Data(base64Encoded: compact).map { Array($0) }
    }

    /// Parses the field value; throws `DKIMError.permanent` naming what is missing or malformed.
    public init(value: String) throws(DKIMError) {
        var table: [String: String] = [:]
        for (name, tagValue) in Self.tags(value) {
            guard table[name] == nil else { throw .permanent("tag \(name)= appears twice") }
            table[name] = tagValue
        }
        func required(_ name: String) throws(DKIMError) -> String {
            guard let value = table[name], !value.isEmpty else { throw .permanent("missing \(name)=") }
            return value
        }
        version = try required("v")
        guard version == "1" else { throw .permanent("unsupported version v=\(version)") }
        algorithm = try required("a").lowercased()
        guard let signature = Self.base64(try required("b")) else { throw .permanent("b= is not base64") }
        self.signature = signature
        guard let bodyHash = Self.base64(try required("bh")) else { throw .permanent("bh= is not base64") }
        self.bodyHash = bodyHash
        domain = try required("d").lowercased()
        selector = try required("s").lowercased()
        signedHeaders = try required("h").split(separator: ":").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }
            .filter { !$0.isEmpty }
        guard signedHeaders.contains("from") else { throw .permanent("h= does not sign From") }
        let canonical = (table["c"] ?? "simple/simple").lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(canonical.count),
              let header = DKIMCanonicalization(rawValue: String(canonical[0])),
              let body = DKIMCanonicalization(rawValue: canonical.count == 2 ? String(canonical[1]) : "simple") else {
            throw .permanent("unknown canonicalization c=\(table["c"] ?? "")")
        }
        headerCanonicalization = header
        bodyCanonicalization = body
        identity = table["i"]
        if let length = table["l"] {
            guard let octets = Int(length), octets >= 0 else { throw .permanent("l= is not a length") }
            bodyLength = octets
        }
        timestamp = table["t"].flatMap { Int64($0) }
        expiration = table["x"].flatMap { Int64($0) }
        if let identity, !(identity.lowercased().hasSuffix("@" + domain) || identity.lowercased().hasSuffix("." + domain)) {
            throw .permanent("i=\(identity) is not in d=\(domain)")
        }
    }
}

/// How header fields or the body are normalised before hashing (RFC 6376, section 3.4).
public enum DKIMCanonicalization: String, Sendable, Hashable {
    case simple
    case relaxed
}

/// Why a signature could not be checked: `permanent` (the signature or key is unusable) or
/// `temporary` (the key could not be fetched now).
public enum DKIMError: Error, Sendable, Hashable, CustomStringConvertible {
    case permanent(String)
    case temporary(String)

    public var description: String {
        switch self {
        case .permanent(let reason): "permerror: \(reason)"
        case .temporary(let reason): "temperror: \(reason)"
        }
    }
}
