/// Where a rule test looks: SpamAssassin's rule types.
public enum RuleKind: String, Sendable, Hashable, CaseIterable {
    case header, body, rawbody, uri, full, meta, mimeheader

    /// Matched against the message's texts of its kind (joined for one Hyperscan scan per kind,
    /// narrowed to ASCII when they are), not against a header selector.
    var isBodyLike: Bool { self == .body || self == .rawbody || self == .uri || self == .full }
}

/// The `tflags` of a rule that change how Moat runs or scores it.
struct TestFlags: Sendable, Hashable {
    /// Count every match, not just the first (`multiple`).
    var multiple = false
    /// Stop counting at this many matches (`maxhits=N`, implies multiple).
    var maxHits: Int?
    /// A ham sign: default score is negative (`nice`).
    var nice = false
    /// Needs the network: never run offline (`net`).
    var net = false
    /// Needs training to mean anything (`learn`).
    var learn = false
    /// Every flag word as written.
    var words: Set<String> = []

    /// How many matches of the rule count: 1, or up to `maxhits` (1,000 without one) when `multiple`.
    var matchLimit: Int { multiple ? (maxHits ?? 1_000) : 1 }

    mutating func apply(_ tokens: [Substring]) {
        for token in tokens {
            let word = String(token)
            words.insert(word)
            switch word {
            case "multiple": multiple = true
            case "nice": nice = true
            case "net": net = true
            case "learn": learn = true
            default:
                if word.hasPrefix("maxhits="), let n = Int(word.dropFirst(8)), n > 0 {
                    maxHits = n
                    multiple = true
                }
            }
        }
    }
}

/// Which header values a header rule reads (`From:addr`, `ALL:raw`, `exists:X-Mailer`).
struct HeaderSelector: Sendable, Hashable {
    /// Header name, or a pseudo-header (`ALL`, `MESSAGEID`, `ToCc`, `EnvelopeFrom`, `X-Spam-Relays-*`).
    var name: String
    var raw = false
    var address = false
    var displayName = false
    var first = false
    var last = false

    /// The pseudo-headers `RuleSubjects` builds besides the relay ones.
    static let pseudoHeaderNames: Set<String> = ["ALL", "MESSAGEID", "ToCc", "EnvelopeFrom"]

    /// `X-Spam-Relays-*`: built from the parsed Received trail. Stored: every header rule and
    /// eval asks, per message, and lowercasing the name each time showed in profiles.
    private(set) var namesRelays = false

    /// A message field read as it is: it has a text exactly when the message has the field (a
    /// field's text ends in a newline, so it is never empty). Pseudo-headers and `:addr`/`:name`
    /// have to be built to know.
    var isPlainField: Bool { !Self.pseudoHeaderNames.contains(name) && !namesRelays && !address && !displayName }

    /// Parsed without splitting into an array: evals build selectors per call (`From:addr`), and
    /// the split was 0.6 % of the whole pipeline's samples.
    init(parsing spec: Substring) {
        guard let colon = spec.firstIndex(of: ":") else {
            name = String(spec)
            namesRelays = Self.isRelayName(name)
            return
        }
        name = String(spec[..<colon])
        namesRelays = Self.isRelayName(name)
        var rest = spec[spec.index(after: colon)...]
        while true {
            let end = rest.firstIndex(of: ":") ?? rest.endIndex
            switch rest[..<end] {
            case "raw": raw = true
            case "addr": address = true
            case "name": displayName = true
            case "first": first = true
            case "last": last = true
            default: break
            }
            guard end < rest.endIndex else { break }
            rest = rest[rest.index(after: end)...]
        }
    }

    /// `name.lowercased().hasPrefix("x-spam-relays-")`, on the bytes for an ASCII name.
    private static func isRelayName(_ name: String) -> Bool {
        let prefix = "x-spam-relays-".utf8
        guard name.utf8.allSatisfy({ $0 < 0x80 }) else { return name.lowercased().hasPrefix("x-spam-relays-") }
        return name.utf8.count >= prefix.count && zip(name.utf8, prefix).allSatisfy { byte, wanted in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == wanted : byte == wanted
        }
    }
}

extension HeaderSelector {
    // Selectors the native evals read, parsed once at start-up rather than at every call.
    static let fromAddress = HeaderSelector(parsing: "From:addr")
    static let envelopeFromAddress = HeaderSelector(parsing: "EnvelopeFrom:addr")
    static let toAddress = HeaderSelector(parsing: "To:addr")
    static let subject = HeaderSelector(parsing: "Subject")
    static let date = HeaderSelector(parsing: "Date")
    static let messageIDs = HeaderSelector(parsing: "MESSAGEID")
    static let xMailer = HeaderSelector(parsing: "X-Mailer")
    static let xReceived = HeaderSelector(parsing: "X-Received")
    static let xGmMessageState = HeaderSelector(parsing: "X-Gm-Message-State")
    static let xGoogleSmtpSource = HeaderSelector(parsing: "X-Google-Smtp-Source")
    static let xOriginatingIP = HeaderSelector(parsing: "X-Originating-IP")
    static let xSenderIP = HeaderSelector(parsing: "X-Sender-Ip")
}

/// What a rule tests, before compilation.
enum RuleTest: Sendable, Hashable {
    /// A regular expression over text of the rule's kind; for header rules, the selector, whether
    /// it is `!~`, and the `[if-unset: ...]` value.
    case pattern(PerlRegexLiteral, header: HeaderSelector?, negated: Bool, ifUnset: String?)
    /// `header NAME exists:Header-Name`.
    case exists(String)
    /// `eval:function(args)`, implemented natively or skipped.
    case eval(function: String, arguments: [String])
    /// A `meta` expression over other rules.
    case meta(RuleExpression)
}

/// One rule as read from a `.cf` file, with the settings other lines gave it.
struct RuleDefinition: Sendable {
    var name: String
    var kind: RuleKind
    var test: RuleTest
    /// Where it was defined (`file:line`), for reports.
    var location: String
    var flags = TestFlags()
    var priority = 0
}

/// A rule the loader left out, and why.
public struct SkippedRule: Sendable, Hashable, CustomStringConvertible {
    /// Why a rule was not loaded; `net` rules are expected offline, the others are gaps.
    public enum Reason: String, Sendable, Hashable {
        case net, unsupportedEval = "unsupported-eval", compileError = "compile-error", syntax, zeroScore = "zero-score"
        case dependency
    }

    public var name: String
    public var location: String
    public var reason: Reason
    public var detail: String

    public var description: String { "\(location): \(name): \(reason.rawValue): \(detail)" }
}
