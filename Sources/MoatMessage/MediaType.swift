/// A MIME media type with its parameters (`text/plain; charset=utf-8`).
///
/// `type` and `subtype` are lowercased; parameter names are lowercased, values are RFC 2231
/// decoded (continuations, charset, percent escapes) and RFC 2047 decoded as clients do for
/// `name="=?UTF-8?B?…?="`. When a parameter has several readings (RFC 2231 and plain, or
/// duplicates), `parameters` holds the one clients prefer and `parameterReadings` all of them.
public struct MediaType: Sendable, Hashable {
    /// Top-level type, lowercased (`text`).
    public var type: String
    /// Subtype, lowercased (`plain`).
    public var subtype: String
    /// Preferred reading of each parameter, keyed by lowercased name.
    public var parameters: [String: String]
    /// Every distinct reading of each parameter, preferred first.
    public var parameterReadings: [String: [String]]

    /// Creates a media type; `type` and `subtype` are lowercased.
    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type.lowercased()
        self.subtype = subtype.lowercased()
        self.parameters = parameters
        self.parameterReadings = parameters.mapValues { [$0] }
    }

    /// `type/subtype`, without parameters.
    public var essence: String { "\(type)/\(subtype)" }

    /// Parses a Content-Type value; nil if it has no `type/subtype` token.
    public static func parse(_ s: String) -> MediaType? {
        parse(bytes: Array(s.utf8)).mediaType
    }

    /// Parses raw header bytes, also returning the findings the parameters raised.
    static func parse(bytes: [UInt8]) -> (mediaType: MediaType?, issues: [(code: String, detail: String)]) {
        let value = ParameterizedValue(parsing: bytes)
        let pieces = value.token.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty,
              pieces[0].utf8.allSatisfy(isTokenByte), pieces[1].utf8.allSatisfy(isTokenByte) else {
            return (nil, value.issues)
        }
        var type = MediaType(type: String(pieces[0]), subtype: String(pieces[1]), parameters: value.parameters)
        type.parameterReadings = value.readings
        return (type, value.issues)
    }

    /// RFC 2045 token characters.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        guard b > 0x20, b < 0x7F else { return false }
        return !"()<>@,;:\\\"/[]?=".utf8.contains(b)
    }

    /// `text/plain; charset=us-ascii`, the RFC 2045 default.
    public static let textPlain = MediaType(type: "text", subtype: "plain", parameters: ["charset": "us-ascii"])
    /// `message/rfc822`, the default inside `multipart/digest`.
    public static let messageRFC822 = MediaType(type: "message", subtype: "rfc822")
}
