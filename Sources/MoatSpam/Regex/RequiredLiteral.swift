import Foundation

/// The longest run of bytes that every match of a Perl pattern contains, read off the pattern's
/// top level: text that is neither in a group nor in a class, not made optional or repeated by a
/// quantifier. The evals try hundreds of such patterns a message (the Received parser's formats:
/// `") by "`, `"(qpsmtpd/"`), and most fail; a byte search that finds no such run answers without
/// a PCRE2 match.
///
/// Conservative by construction: anything it does not read with certainty (an alternation at the
/// top level, option settings, `\Q…\E`, non-ASCII text, a pattern it cannot balance) gives nil,
/// which only means PCRE2 is always asked.
enum RequiredLiteral {
    /// What a pattern's top level was read as.
    struct Reading: Equatable {
        /// The longest fixed run (possibly empty).
        var longest: [UInt8]
        /// The pattern is nothing but that run: it matches exactly where the bytes occur.
        var isWholePattern: Bool

        /// The bytes the pattern stands for when it is a plain literal (ASCII characters that
        /// stand for themselves and escaped ASCII punctuation, nothing else).
        var plainLiteral: [UInt8]? { isWholePattern && !longest.isEmpty ? longest : nil }

        /// The run, when it is at least `minimumLength` long (shorter ones rule out too little).
        func run(atLeast minimumLength: Int) -> [UInt8]? { longest.count >= minimumLength ? longest : nil }
    }

    /// The run, nil when it is shorter than `minimumLength` or cannot be said.
    static func longest(in pattern: String, minimumLength: Int = 3) -> [UInt8]? {
        read(pattern)?.run(atLeast: minimumLength)
    }

    /// The pattern's top level, nil when it cannot be read with certainty.
    static func read(_ pattern: String) -> Reading? {
        let p = Array(pattern.utf8)
        guard p.allSatisfy({ $0 < 0x80 }), !contains(p, [0x5C, 0x51]), !hasTopLevelAlternation(p) else { return nil }
        var best: [UInt8] = []
        var run: [UInt8] = []
        // Every atom so far a literal byte, none quantified.
        var whole = true
        func close() {
            if run.count > best.count { best = run }
            run = []
        }
        var i = 0
        while i < p.count {
            let c = p[i]
            // The atom at `i`: a literal byte (appended to the run) or anything else (the run ends).
            var literal = false
            switch c {
            case UInt8(ascii: "\\"):
                guard i + 1 < p.count else { return nil }
                let next = p[i + 1]
                if isPunctuation(next) {
                    run.append(next)
                    literal = true
                } else {
                    close()
                    whole = false
                }
                i += 2
            case UInt8(ascii: "("):
                close()
                whole = false
                guard knownGroupOpening(p, at: i), let end = closingParenthesis(p, from: i) else { return nil }
                i = end + 1
            case UInt8(ascii: "["):
                close()
                whole = false
                guard let end = classEnd(p, from: i) else { return nil }
                i = end + 1
            case UInt8(ascii: ")"):
                return nil
            case UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "$"), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "#"):
                // `#` is text here, but starts a comment under the `x` flag: left out, so the
                // reading never depends on flags.
                close()
                whole = false
                i += 1
            case UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{"):
                // A quantifier with no atom before it, or a brace that is no quantifier: PCRE2 reads
                // some of these as literal text, which is simply left out.
                close()
                whole = false
                i += 1
                continue
            default:
                guard c >= 0x20 else { return nil }
                run.append(c)
                literal = true
                i += 1
            }
            // A quantifier after the atom: a quantified byte is no longer part of a fixed run.
            if let end = quantifierEnd(p, at: i) {
                if literal { run.removeLast() }
                close()
                whole = false
                i = end
            }
        }
        close()
        return Reading(longest: best, isWholePattern: whole)
    }

    private static func isPunctuation(_ b: UInt8) -> Bool {
        let alphanumeric = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
        return b >= 0x20 && b < 0x7F && !alphanumeric
    }

    private static func contains(_ p: [UInt8], _ pair: [UInt8]) -> Bool {
        p.indices.dropLast().contains { p[$0] == pair[0] && p[$0 + 1] == pair[1] }
    }

    /// A plain group, or one of `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!`: anything else after `(?`
    /// (option settings such as `(?i)`, which change how the rest of the pattern reads, named
    /// groups, conditionals) is not read.
    private static func knownGroupOpening(_ p: [UInt8], at i: Int) -> Bool {
        guard i + 1 < p.count, p[i + 1] == UInt8(ascii: "?") else { return true }
        guard i + 2 < p.count else { return false }
        switch p[i + 2] {
        case UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "!"): return true
        case UInt8(ascii: "<"): return i + 3 < p.count && (p[i + 3] == UInt8(ascii: "=") || p[i + 3] == UInt8(ascii: "!"))
        default: return false
        }
    }

    /// The index of the `)` closing the group opened at `start`, nil when there is none.
    private static func closingParenthesis(_ p: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var i = start
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "\\"): i += 2; continue
            case UInt8(ascii: "["):
                guard let end = classEnd(p, from: i) else { return nil }
                i = end + 1
                continue
            case UInt8(ascii: "("): depth += 1
            case UInt8(ascii: ")"):
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// The index of the `]` closing the class opened at `start` (a `^` and a `]` right after the
    /// bracket belong to the class; `[:alpha:]` is read whole), nil when there is none.
    private static func classEnd(_ p: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        if i < p.count, p[i] == UInt8(ascii: "^") { i += 1 }
        if i < p.count, p[i] == UInt8(ascii: "]") { i += 1 }
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "]"): return i
            case UInt8(ascii: "[") where i + 1 < p.count && p[i + 1] == UInt8(ascii: ":"):
                i += 2
                while i + 1 < p.count, !(p[i] == UInt8(ascii: ":") && p[i + 1] == UInt8(ascii: "]")) { i += 1 }
                i += 2
            default: i += 1
            }
        }
        return nil
    }

    /// Whether a `|` stands outside every group (then no run is required).
    private static func hasTopLevelAlternation(_ p: [UInt8]) -> Bool {
        var i = 0
        while i < p.count {
            switch p[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "["):
                guard let end = classEnd(p, from: i) else { return true }
                i = end + 1
            case UInt8(ascii: "("):
                guard let end = closingParenthesis(p, from: i) else { return true }
                i = end + 1
            case UInt8(ascii: "|"): return true
            default: i += 1
            }
        }
        return false
    }

    /// The index after a quantifier starting at `i` (`?`, `*`, `+`, `{n}`, `{n,}`, `{n,m}`, with a
    /// lazy `?` or possessive `+` after it), nil when none starts there.
    private static func quantifierEnd(_ p: [UInt8], at start: Int) -> Int? {
        guard start < p.count else { return nil }
        var i = start
        switch p[i] {
        case UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"):
            i += 1
        case UInt8(ascii: "{"):
            i += 1
            let digitsStart = i
            while i < p.count, (0x30...0x39).contains(p[i]) { i += 1 }
            guard i > digitsStart, i < p.count else { return nil }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                while i < p.count, (0x30...0x39).contains(p[i]) { i += 1 }
            }
            guard i < p.count, p[i] == UInt8(ascii: "}") else { return nil }
            i += 1
        default:
            return nil
        }
        if i < p.count, p[i] == UInt8(ascii: "?") || p[i] == UInt8(ascii: "+") { i += 1 }
        return i
    }
}
