/// A Perl regular-expression literal from a rule file (`/re/flags`, `m{re}flags`, `m!re!flags`),
/// split into the PCRE2 pattern and its options.
///
/// SpamAssassin compiles the literal with `qr//` from a string, so there is no variable
/// interpolation; what differs from PCRE2 is only the quoting, which this undoes.
struct PerlRegexLiteral: Sendable, Hashable {
    var pattern: String
    var caseless = false
    var dotAll = false
    var multiline = false
    var extended = false

    /// Why a literal could not be read.
    struct SyntaxError: Error, CustomStringConvertible, Sendable {
        var reason: String
        var description: String { reason }
    }

    /// PCRE2 compile options for the modifiers.
    var pcreOptions: PCRE2Pattern.Options {
        var o: PCRE2Pattern.Options = []
        if caseless { o.insert(.caseless) }
        if dotAll { o.insert(.dotAll) }
        if multiline { o.insert(.multiline) }
        if extended { o.insert(.extended) }
        return o
    }

    /// Parses the literal at the start of `text`; returns it and the unparsed rest (trimmed).
    static func parse(_ text: Substring) throws -> (PerlRegexLiteral, Substring) {
        let chars = Array(text.unicodeScalars)
        var i = 0
        while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
        guard i < chars.count else { throw SyntaxError(reason: "missing regular expression") }
        var open = chars[i]
        if open == "m", i + 1 < chars.count, !chars[i + 1].properties.isAlphabetic, chars[i + 1] != " " {
            i += 1
            open = chars[i]
        } else if open != "/" {
            throw SyntaxError(reason: "a regular expression must start with / or m")
        }
        let close: Unicode.Scalar
        switch open {
        case "{": close = "}"
        case "(": close = ")"
        case "[": close = "]"
        case "<": close = ">"
        default: close = open
        }
        i += 1
        var body = String.UnicodeScalarView()
        var depth = 0
        var closed = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                // `\/` inside /.../ means a literal delimiter: keep the escape only where PCRE2 needs it.
                let next = chars[i + 1]
                if next == close || next == open, !"{}()[]<>".unicodeScalars.contains(next) {
                    body.append(next)
                } else {
                    body.append(c)
                    body.append(next)
                }
                i += 2
                continue
            }
            if open != close, c == open { depth += 1 }
            if c == close {
                if depth == 0 {
                    closed = true
                    i += 1
                    break
                }
                depth -= 1
            }
            body.append(c)
            i += 1
        }
        guard closed else { throw SyntaxError(reason: "unterminated regular expression") }
        var literal = PerlRegexLiteral(pattern: String(body))
        while i < chars.count, chars[i].properties.isAlphabetic {
            switch chars[i] {
            case "i": literal.caseless = true
            case "s": literal.dotAll = true
            case "m": literal.multiline = true
            case "x": literal.extended = true
            case "g", "o", "a", "u", "l", "d", "n", "p": break
            default: throw SyntaxError(reason: "unknown regular expression modifier '\(chars[i])'")
            }
            i += 1
        }
        var rest = String.UnicodeScalarView(chars[i...])
        while let f = rest.first, f == " " || f == "\t" { rest.removeFirst() }
        return (literal, Substring(String(rest)))
    }

    /// Rewrites Perl-only syntax PCRE2 would read differently. Currently: `\z`/`\Z` are shared,
    /// `$` is shared; a bare `\d`-style escape is shared. Kept as a hook so differences have one home.
    var pcrePattern: String { pattern }
}
