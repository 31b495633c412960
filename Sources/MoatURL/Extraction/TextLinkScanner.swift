import MoatMessage

/// Finds link candidates in plain text: `scheme://` links (including defanged `hxxp`), `www.`
/// links and scheme-less `domain.tld/path` forms, and rejoins links wrapped across lines.
///
/// One pass over whitespace-separated tokens: linear in the text. Candidates are raw strings;
/// `URLNormalizer` decides whether each is a usable link (known TLD, valid host).
struct TextLinkScanner {
    /// A candidate as found, with whether it was joined from several lines.
    struct Candidate: Hashable {
        var raw: String
        var wrapped: Bool
        var schemeless: Bool
    }

    /// Top-level domains that are also common file extensions: a bare `name.zip` is a file,
    /// not a link, unless it has a path or `www.`.
    static let extensionLikeTLDs: Set<String> = ["zip", "mov", "py", "sh", "md", "rs", "pl", "pm", "so", "ps", "cs", "dll", "ini", "log", "txt"]
    static let leadingPunctuation: Set<Unicode.Scalar> = ["(", "[", "{", "<", "\"", "'", "«", "‹", "“", "‘", "`", "*", "|"]
    static let trailingPunctuation: Set<Unicode.Scalar> = [".", ",", ";", ":", "!", "?", "\"", "'", "»", "›", "”", "’", "`", "*", "|", ">", "<"]
    static let schemeMarkers = ["://", "[://]", "[:]//"]

    private struct Token {
        var start: Int
        var end: Int
        var line: Int
        var lastOnLine: Bool
        var lineLength: Int
        var startsLine: Bool
    }

    /// Link candidates in `text`, at most `limit`.
    static func candidates(in text: String, limit: Int) -> [Candidate] {
        let scalars = scalarArray(text)
        let tokens = tokenize(scalars)
        var out: [Candidate] = []
        var index = 0
        while index < tokens.count, out.count < limit {
            let token = tokens[index]
            index += 1
            var start = token.start
            var end = token.end
            var ledByAngle = false
            while start < end, isLeadingPunctuation(scalars[start]) {
                if scalars[start] == "<" { ledByAngle = true }
                start += 1
            }
            // Sentence punctuation after a word ("said.", "Note:") is no link scalar: most
            // tokens that hold a dot or colon at all hold it there.
            var core = end
            while core > start, isTrailingPunctuation(scalars[core - 1]) { core -= 1 }
            guard start < core, mayHoldLink(scalars[start..<core]) else { continue }
            let word = String(encoding: scalars[start..<end])
            let lower = word.lowercased()
            var linkStart = start
            var schemeless = false
            // The markers have no letters, so they are found in the token's own scalars: offsets in
            // `lower` are not offsets in `scalars` (`İ` lowercases to two scalars), and using them
            // walked past the token and built a range with lowerBound > upperBound, which traps.
            if let markerOffset = markerOffset(in: scalars[start..<end]) {
                // Walk back from the marker over scheme letters.
                var schemeStart = start + markerOffset
                while schemeStart > start, isSchemeScalar(scalars[schemeStart - 1]) { schemeStart -= 1 }
                guard schemeStart < start + markerOffset else { continue }
                linkStart = schemeStart
            } else if lower.hasPrefix("www.") || lower.hasPrefix("www[.]") || lower.hasPrefix("www(.)") {
                schemeless = true
            } else if looksLikeBareDomain(lower) {
                schemeless = true
            } else {
                continue
            }

            var wrapped = false
            var pieces: [String] = []
            if ledByAngle, !word.containsBytes(">") {
                // `<https://example.com/long\n  /path>`: RFC 3986 appendix C wrapping.
                var joined = String(encoding: scalars[linkStart..<end])
                var next = index
                while next < tokens.count, next - index < 8, joined.unicodeScalars.count < 4096 {
                    let piece = String(encoding: scalars[tokens[next].start..<tokens[next].end])
                    next += 1
                    if let close = piece.firstIndex(of: ">") {
                        joined += piece[..<close]
                        wrapped = true
                        index = next
                        break
                    }
                    joined += piece
                }
                if wrapped { pieces = [joined] }
            }
            if pieces.isEmpty {
                end = trimTrailing(scalars, start: linkStart, end: end)
                var joined = String(encoding: scalars[linkStart..<end])
                // A long link cut at the end of a long line continues at the start of the next.
                if end == token.end, token.lastOnLine, token.lineLength >= 60, joined.containsBytes("/"),
                   index < tokens.count, tokens[index].startsLine, tokens[index].line == token.line + 1 {
                    let nextToken = tokens[index]
                    let nextEnd = trimTrailing(scalars, start: nextToken.start, end: nextToken.end)
                    let piece = String(encoding: scalars[nextToken.start..<nextEnd])
                    if looksLikeContinuation(piece) {
                        joined += piece
                        wrapped = true
                        index += 1
                    }
                }
                pieces = [joined]
            }
            for piece in pieces where !piece.isEmpty {
                out.append(Candidate(raw: piece, wrapped: wrapped, schemeless: schemeless))
            }
        }
        return out
    }

    /// `Array(text.unicodeScalars)`; ASCII text (most of it) is widened byte by byte, without
    /// counting the scalars first and decoding each (2 % of the url engine's samples).
    static func scalarArray(_ text: String) -> [Unicode.Scalar] {
        var text = text
        let ascii = text.withUTF8 { bytes -> [Unicode.Scalar]? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return bytes.map { Unicode.Scalar($0) }
        }
        return ascii ?? Array(text.unicodeScalars)
    }

    private static let markerScalars: [[Unicode.Scalar]] = schemeMarkers.map { Array($0.unicodeScalars) }

    /// Where the first kind of scheme marker found in `token` starts (`://` before the bracketed
    /// forms), counted in scalars from the token's start; searched on the scalars, without
    /// building a string and asking Foundation three times per word.
    private static func markerOffset(in token: ArraySlice<Unicode.Scalar>) -> Int? {
        guard token.contains(":") else { return nil }
        for marker in markerScalars where token.count >= marker.count {
            var i = token.startIndex
            while i + marker.count <= token.endIndex {
                if token[i] == marker[0], token[i..<(i + marker.count)].elementsEqual(marker) { return i - token.startIndex }
                i += 1
            }
        }
        return nil
    }

    /// Whether a token can hold a link at all: most tokens are words, and rejecting them here
    /// saves building strings and searching them (measured: two thirds of the url engine's time).
    /// A marker needs a `:`, a `www.` form a `.`, and a bare domain two labels: a `.`, an IDNA dot
    /// (the only non-ASCII ones, so ASCII is tested without hashing) or a spelled-out defanged dot
    /// (`[dot]`, `(dot)`, `{dot}`). A bracket alone (`(see`, `[1]`), common in prose, is not enough:
    /// such tokens went through the slow bare-domain reading for nothing.
    private static func mayHoldLink(_ token: ArraySlice<Unicode.Scalar>) -> Bool {
        var bracket = false
        for scalar in token {
            let value = scalar.value
            if value < 0x80 {
                if value == 0x2E || value == 0x3A { return true }
                if value == 0x5B || value == 0x28 || value == 0x7B { bracket = true }
            } else if URLNormalizer.dotLookalikes.contains(value) {
                return true
            }
        }
        return bracket && spellsDot(token)
    }

    /// Whether `token` holds `dot` in any case (the word inside a defanged `[dot]`).
    private static func spellsDot(_ token: ArraySlice<Unicode.Scalar>) -> Bool {
        var i = token.startIndex
        while i + 2 < token.endIndex {
            if token[i].value | 0x20 == 0x64, token[i + 1].value | 0x20 == 0x6F, token[i + 2].value | 0x20 == 0x74 { return true }
            i += 1
        }
        return false
    }

    /// Membership in `leadingPunctuation`, ASCII answered without hashing (every token asks).
    static func isLeadingPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return leadingPunctuation.contains(scalar) }
        switch scalar {
        case "(", "[", "{", "<", "\"", "'", "`", "*", "|": return true
        default: return false
        }
    }

    /// Membership in `trailingPunctuation`, ASCII answered without hashing.
    static func isTrailingPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return trailingPunctuation.contains(scalar) }
        switch scalar {
        case ".", ",", ";", ":", "!", "?", "\"", "'", "`", "*", "|", ">", "<": return true
        default: return false
        }
    }

    private static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar == " " || (0x09...0x0D).contains(scalar.value) : scalar.properties.isWhitespace
    }

    private static func tokenize(_ scalars: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var line = 0
        var lineStart = 0
        var lineTokenStart = 0
        var i = 0
        func closeLine(at end: Int) {
            let length = end - lineStart
            if tokens.count > lineTokenStart {
                tokens[tokens.count - 1].lastOnLine = true
                for k in lineTokenStart..<tokens.count { tokens[k].lineLength = length }
            }
        }
        while i < scalars.count {
            let scalar = scalars[i]
            if scalar == "\n" {
                closeLine(at: i)
                line += 1
                lineStart = i + 1
                lineTokenStart = tokens.count
                i += 1
            } else if isWhitespace(scalar) {
                i += 1
            } else {
                let start = i
                while i < scalars.count, !isWhitespace(scalars[i]) { i += 1 }
                tokens.append(Token(start: start, end: i, line: line, lastOnLine: false, lineLength: 0, startsLine: start == lineStart))
            }
        }
        closeLine(at: scalars.count)
        return tokens
    }

    private static func isSchemeScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
            || (0xFF21...0xFF3A).contains(scalar.value) || (0xFF41...0xFF5A).contains(scalar.value)
    }

    /// Drops sentence punctuation after a link, keeping balanced closing brackets.
    ///
    /// Bracket balance is counted once and updated as closers are dropped: recounting the token
    /// for every trailing `)` made `http://a/` followed by 40,000 `)` take a minute (quadratic).
    private static func trimTrailing(_ scalars: [Unicode.Scalar], start: Int, end: Int) -> Int {
        let closers: [Unicode.Scalar] = [")", "]", "}"], openers: [Unicode.Scalar] = ["(", "[", "{"]
        // Closers minus openers in the token, per kind.
        var excess = [0, 0, 0]
        for scalar in scalars[start..<end] {
            if let kind = closers.firstIndex(of: scalar) { excess[kind] += 1 }
            if let kind = openers.firstIndex(of: scalar) { excess[kind] -= 1 }
        }
        var end = end
        while end > start {
            let last = scalars[end - 1]
            if isTrailingPunctuation(last) {
                end -= 1
            } else if let kind = closers.firstIndex(of: last) {
                guard excess[kind] > 0 else { break }
                excess[kind] -= 1
                end -= 1
            } else {
                break
            }
        }
        return end
    }

    /// `example.com`, `login.example.co.uk/path`, `example[.]com`: a host with a TLD-like last label.
    /// Sentence punctuation and closing brackets after the host are not part of it: prose closes a
    /// bracket after a domain (`(mail.example.org)`), and `trimTrailing` drops that closer from the link.
    static func looksLikeBareDomain(_ lower: String) -> Bool {
        // ASCII without a defanging bracket (nearly every token) is read on its bytes.
        if lower.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x5B && $0 != 0x28 && $0 != 0x7B }) {
            if let answer = lower.utf8.withContiguousStorageIfAvailable(looksLikeBareASCIIDomain) { return answer }
            return Array(lower.utf8).withUnsafeBufferPointer(looksLikeBareASCIIDomain)
        }
        return looksLikeBareDomainScalars(lower)
    }

    /// `looksLikeBareDomain` for any text: defanged dots, IDNA dots, invisible characters.
    static func looksLikeBareDomainScalars(_ lower: String) -> Bool {
        if lower.containsBytes("@") { return false }
        var host = Substring(lower)
        if let slash = host.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { host = host[..<slash] }
        var hostText = String(host)
        if hostText.contains(where: { $0 == "[" || $0 == "(" || $0 == "{" }) {
            for (form, _) in URLNormalizer.defangings where form != "[:]" && form != "[://]" {
                hostText = hostText.replacingOccurrences(of: form, with: ".")
            }
        }
        if hostText.unicodeScalars.contains(where: { URLNormalizer.dotLookalikes.contains($0.value) }) {
            hostText = String(hostText.unicodeScalars.map { URLNormalizer.dotLookalikes.contains($0.value) ? "." : Character($0) })
        }
        while let last = hostText.last?.unicodeScalars.first, endsHost(last) { hostText.removeLast() }
        if let colon = hostText.lastIndex(of: ":") { hostText = String(hostText[..<colon]) }
        let labels = hostText.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return false }
        guard let tld = labels.last, tld.count >= 2, tld.allSatisfy({ $0.isLetter }) || tld.hasPrefix("xn--") else { return false }
        guard labels.allSatisfy({ $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0.unicodeScalars.first.map { URLNormalizer.invisible.contains($0.value) } == true } }) else {
            return false
        }
        let hasPath = host.endIndex < lower.endIndex
        if extensionLikeTLDs.contains(String(tld)), !hasPath { return false }
        return true
    }

    /// Sentence punctuation or a closing bracket: what may follow a bare host in prose.
    private static func endsHost(_ scalar: Unicode.Scalar) -> Bool {
        isTrailingPunctuation(scalar) || scalar == ")" || scalar == "]" || scalar == "}"
    }

    /// `looksLikeBareDomain` for ASCII with no `[`, `(` or `{`: the same answer.
    static func looksLikeBareASCIIDomain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.contains(UInt8(ascii: "@")) { return false }
        let hostEnd = bytes.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.count
        var end = hostEnd
        while end > 0, endsHost(Unicode.Scalar(bytes[end - 1])) { end -= 1 }
        if let colon = bytes[..<end].lastIndex(of: UInt8(ascii: ":")) { end = colon }
        let labels = bytes[..<end].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return false }
        let isLetter = { (b: UInt8) in (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) }
        guard let tld = labels.last, tld.count >= 2, tld.allSatisfy(isLetter) || tld.starts(with: "xn--".utf8) else { return false }
        guard labels.allSatisfy({ $0.allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-") } }) else {
            return false
        }
        if hostEnd == bytes.count, extensionLikeTLDs.contains(String(decoding: tld, as: UTF8.self)) { return false }
        return true
    }

    /// Whether a line-initial token reads as the rest of a cut link rather than prose.
    private static func looksLikeContinuation(_ piece: String) -> Bool {
        guard !piece.isEmpty, piece.unicodeScalars.count <= 2048 else { return false }
        guard !piece.lowercased().containsBytes("://"), !piece.lowercased().hasPrefix("www.") else { return false }
        guard piece.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "<" && $0 != ">" && $0 != "\"" }) else { return false }
        return piece.contains(where: { "/=&%?#_".contains($0) }) || (piece.count >= 16 && piece.contains(where: \.isNumber))
    }
}
