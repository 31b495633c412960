/// Rewrites of a rule's regular expression text that keep its bracketed classes intact: the
/// prefilter forms Hyperscan is given (`CompiledRuleSet.prefilterForm`,
/// `HyperscanPrefilter.Pattern.fallback`) walk the same escapes and classes.
enum RegexText {
    /// `expression` without its `^` and `$` anchors, but for a `^` that starts it and a `$` that
    /// ends it (Hyperscan takes those): each is zero-width, so what is left matches wherever the
    /// expression did, ending at the same byte. Escaped anchors and those inside character classes
    /// are literal and stay.
    static func withoutInnerAnchors(_ expression: String) -> String {
        // Most expressions have none: answered on the bytes, without a copy.
        let bytes = expression.utf8
        guard bytes.dropFirst().dropLast().contains(where: { $0 == 0x5E || $0 == 0x24 }) else { return expression }
        let scalars = Array(expression.unicodeScalars)
        var out = String.UnicodeScalarView()
        var inClass = false
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            if c == "\\", i + 1 < scalars.count {
                out.append(c)
                out.append(scalars[i + 1])
                i += 2
                continue
            }
            if inClass {
                i = copyClassMember(scalars, at: i, into: &out, inClass: &inClass)
                continue
            }
            // `(?^…)` resets options: that caret is no anchor.
            let optionReset = c == "^" && i >= 2 && scalars[i - 1] == "?" && scalars[i - 2] == "("
            if (c == "^" && i > 0 && !optionReset) || (c == "$" && i < scalars.count - 1) {
                i += 1
                continue
            }
            out.append(c)
            i += 1
            if c == "[" {
                inClass = true
                i = copyClassStart(scalars, at: i, into: &out)
            }
        }
        return String(out)
    }

    /// Inside a character class (`scalars[i]` not an escape): copies one member, a POSIX class
    /// such as `[:alpha:]` whole, and clears `inClass` at the closing `]`. Returns the next index.
    static func copyClassMember(_ scalars: [Unicode.Scalar], at start: Int, into out: inout String.UnicodeScalarView,
                                inClass: inout Bool) -> Int {
        var i = start
        if scalars[i] == "[", i + 1 < scalars.count, scalars[i + 1] == ":" {
            out.append(scalars[i])
            i += 1
            while i < scalars.count, !(scalars[i] == "]" && scalars[i - 1] == ":") {
                out.append(scalars[i])
                i += 1
            }
            if i < scalars.count { out.append(scalars[i]) }
            return i + 1
        }
        if scalars[i] == "]" { inClass = false }
        out.append(scalars[i])
        return i + 1
    }

    /// Right after a class's `[`: copies a leading `^` and a `]` that belong to the class.
    /// Returns the next index.
    static func copyClassStart(_ scalars: [Unicode.Scalar], at start: Int, into out: inout String.UnicodeScalarView) -> Int {
        var i = start
        if i < scalars.count, scalars[i] == "^" { out.append(scalars[i]); i += 1 }
        if i < scalars.count, scalars[i] == "]" { out.append(scalars[i]); i += 1 }
        return i
    }
}
