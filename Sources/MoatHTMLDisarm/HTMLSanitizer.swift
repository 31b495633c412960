import Foundation

/// Makes an HTML document inert: it reads the bytes as a browser's tokenizer would (tags,
/// attributes in any quoting, comments, raw-text elements) and writes them again, leaving out what
/// can run or send: scripts and the elements that load other documents or plugins, event handler
/// attributes, `javascript:`/`vbscript:`/`data:` URLs (entities and control characters decoded
/// first, as browsers do), forms, `<meta http-equiv=refresh>`, `<base>`, comments (which hide
/// conditional markup). Everything it keeps is re-serialised with normalised quoting, so a
/// malformed tag cannot mean one thing to this parser and another to the browser.
///
/// Linear in the input; never traps on any bytes.
public struct HTMLSanitizer: Sendable {
    /// What was removed, by kind, in order of first appearance.
    public struct Removals: Sendable, Hashable {
        public var counts: [String: Int] = [:]
        public var order: [String] = []

        mutating func add(_ kind: String) {
            if counts[kind] == nil { order.append(kind) }
            counts[kind, default: 0] += 1
        }

        public var isEmpty: Bool { counts.isEmpty }
    }

    /// Elements dropped with everything inside them.
    static let droppedWithContent: Set<String> = ["script", "iframe", "frame", "frameset", "object", "embed", "applet", "noembed", "template"]
    /// Elements whose content is raw text up to their end tag.
    static let rawText: Set<String> = ["script", "style", "xmp", "textarea", "title", "iframe", "noembed", "noframes", "plaintext"]
    /// Elements dropped alone (their content stays).
    /// (SVG animation elements can set an `href` to a script through value lists no scheme check sees.)
    static let droppedTag: Set<String> = ["form", "base", "noscript", "link", "isindex", "portal",
                                          "animate", "set", "animatetransform", "animatemotion", "handler", "listener"]
    /// Removals that are tidying, not findings: comments and tags with names no element has.
    public static let silentKinds: Set<String> = ["comment", "odd_tag"]
    static let dangerousSchemes = ["javascript:", "vbscript:", "livescript:", "data:", "mocha:"]

    public init() {}

    /// The inert document, and what was taken out.
    public func sanitize(_ input: [UInt8]) -> (html: [UInt8], removed: Removals) {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var removed = Removals()
        // Element names with no end tag left in the document: once a search failed, every later one
        // would too, and repeating it for each start tag would make the work quadratic.
        var unclosed: Set<String> = []
        func closing(_ name: String, from: Int) -> Int? {
            guard !unclosed.contains(name) else { return nil }
            let found = Self.findClosingTag(input, from: from, name: name)
            if found == nil { unclosed.insert(name) }
            return found
        }
        var i = 0
        let n = input.count
        while i < n {
            let byte = input[i]
            guard byte == UInt8(ascii: "<") else {
                out.append(byte)
                i += 1
                continue
            }
            // Comments, doctype, processing instructions, CDATA: comments and the rest are dropped,
            // the doctype kept as a plain `<!DOCTYPE html>`.
            if i + 1 < n, input[i + 1] == UInt8(ascii: "!") || input[i + 1] == UInt8(ascii: "?") {
                if Self.starts(input, i, "<!--") {
                    let end = Self.find(input, from: i + 4, "-->") ?? n
                    removed.add("comment")
                    i = min(n, end + 3)
                } else {
                    let end = Self.find(input, from: i + 2, ">") ?? n
                    if Self.lower(input[(i + 2)..<min(end, n)]).hasPrefix("doctype") { out += Array("<!DOCTYPE html>".utf8) }
                    i = min(n, end + 1)
                }
                continue
            }
            guard let tag = Self.parseTag(input, at: i) else {
                // A `<` that does not open a tag is text to a browser: written escaped.
                out += Array("&lt;".utf8)
                i += 1
                continue
            }
            i = tag.end
            let name = tag.name
            if name.isEmpty {
                removed.add("odd_tag")
                continue
            }
            if tag.closing {
                if Self.droppedTag.contains(name) || Self.droppedWithContent.contains(name) || name == "meta" { continue }
                out += Array("</\(name)>".utf8)
                continue
            }
            if Self.droppedWithContent.contains(name) {
                removed.add(name == "script" ? "script" : "embedded_object")
                // Skip to the matching end tag (raw text for script: nothing inside is a tag).
                if let close = closing(name, from: i) { i = close }
                else if Self.rawText.contains(name) { i = n }
                continue
            }
            if name == "meta", tag.attributes.contains(where: { $0.name == "http-equiv" && $0.value.lowercased().contains("refresh") }) {
                removed.add("meta_refresh")
                continue
            }
            if Self.droppedTag.contains(name) {
                removed.add(name == "form" ? "form" : name == "base" ? "base" : "tag_\(name)")
                continue
            }
            out += Array("<\(name)".utf8)
            for attribute in tag.attributes {
                if attribute.name.hasPrefix("on") { removed.add("event_handler"); continue }
                if ["srcdoc", "formaction", "action", "download", "ping", "http-equiv"].contains(attribute.name) {
                    removed.add(attribute.name == "formaction" || attribute.name == "action" ? "form" : "attribute_\(attribute.name)")
                    continue
                }
                let scheme = Self.scheme(of: attribute.value)
                if let scheme, Self.dangerousSchemes.contains(scheme) {
                    removed.add(scheme == "data:" ? "data_url" : "javascript_url")
                    continue
                }
                out += Array(" \(attribute.name)=\"".utf8) + Self.escapedAttribute(attribute.value) + [UInt8(ascii: "\"")]
            }
            out += Array((tag.selfClosing ? " />" : ">").utf8)
            if Self.rawText.contains(name), let close = closing(name, from: i) {
                // Raw text (style, textarea, title): copied up to the end tag, which follows.
                let endStart = Self.lastTagStart(input, before: close)
                let body = input[i..<endStart]
                out += name == "style" ? Self.inertCSS(body) : Self.escapedText(body)
                out += Array("</\(name)>".utf8)
                i = close
            }
        }
        return (out, removed)
    }

    struct Attribute {
        var name: String
        /// The value as written (entities not decoded).
        var value: String
    }

    struct Tag {
        var name: String
        var closing: Bool
        var selfClosing: Bool
        var attributes: [Attribute]
        /// Index after the tag's `>`.
        var end: Int
    }

    /// The tag that starts at `start` (`<` followed by a letter, or `</` and a letter), as the
    /// HTML tokenizer reads it; nil when the `<` is text.
    static func parseTag(_ b: [UInt8], at start: Int) -> Tag? {
        var i = start + 1
        let n = b.count
        var closing = false
        if i < n, b[i] == UInt8(ascii: "/") { closing = true; i += 1 }
        guard i < n, isLetter(b[i]) else { return nil }
        let nameStart = i
        while i < n, !isSpace(b[i]), b[i] != UInt8(ascii: "/"), b[i] != UInt8(ascii: ">") { i += 1 }
        // A name with anything but letters, digits and '-' is dropped with its tag, never cleaned
        // into another name (`</texta&#rea>` must not become `</textarea>`).
        let rawName = lower(b[nameStart..<i])
        let plainName = rawName.utf8.count <= 64 && rawName.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
        let name = plainName ? rawName : ""
        var attributes: [Attribute] = []
        var selfClosing = false
        while i < n {
            while i < n, isSpace(b[i]) || b[i] == UInt8(ascii: "/") {
                selfClosing = b[i] == UInt8(ascii: "/")
                i += 1
            }
            guard i < n else { break }
            if b[i] == UInt8(ascii: ">") { i += 1; return Tag(name: name, closing: closing, selfClosing: selfClosing, attributes: attributes, end: i) }
            selfClosing = false
            let attrStart = i
            // An attribute name may start with `=` (the tokenizer takes it as a name character).
            i += 1
            while i < n, !isSpace(b[i]), b[i] != UInt8(ascii: "/"), b[i] != UInt8(ascii: ">"), b[i] != UInt8(ascii: "=") { i += 1 }
            let rawName = lower(b[attrStart..<i])
            while i < n, isSpace(b[i]) { i += 1 }
            var value = ""
            if i < n, b[i] == UInt8(ascii: "=") {
                i += 1
                while i < n, isSpace(b[i]) { i += 1 }
                if i < n, b[i] == UInt8(ascii: "\"") || b[i] == UInt8(ascii: "'") {
                    let quote = b[i]
                    let valueStart = i + 1
                    var j = valueStart
                    while j < n, b[j] != quote { j += 1 }
                    value = String(decoding: b[valueStart..<j], as: UTF8.self)
                    i = min(n, j + 1)
                } else {
                    let valueStart = i
                    while i < n, !isSpace(b[i]), b[i] != UInt8(ascii: ">") { i += 1 }
                    value = String(decoding: b[valueStart..<i], as: UTF8.self)
                }
            }
            // Names are kept only in a plain form; anything else is dropped (no browser acts on it safely).
            let name = String(rawName.prefix(128))
            if !name.isEmpty, name.utf8.allSatisfy({ isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }),
               attributes.count < 256, !attributes.contains(where: { $0.name == name }) {
                attributes.append(Attribute(name: name, value: value))
            }
        }
        // No `>` before the end: the browser drops the unfinished tag.
        return Tag(name: name, closing: closing, selfClosing: selfClosing, attributes: [], end: n)
    }

    /// The scheme a browser sees in a URL attribute: entities decoded, ASCII whitespace and control
    /// characters removed, lower-cased; nil without a scheme.
    static func scheme(of value: String) -> String? {
        let decoded = decodeEntities(value)
        var scheme = ""
        for scalar in decoded.unicodeScalars {
            if scalar.value <= 0x20 || scalar.value == 0x7F { continue }
            if scalar == ":" { return scheme.isEmpty ? nil : scheme.lowercased() + ":" }
            guard scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "+" || scalar == "-" || scalar == "." else { return nil }
            scheme.unicodeScalars.append(scalar)
            if scheme.count > 32 { return nil }
        }
        return nil
    }

    /// Numeric character references and the named ones that can spell a scheme.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        let named: [String: String] = ["colon": ":", "tab": "\t", "newline": "\n", "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "sol": "/", "period": ".", "lpar": "(", "rpar": ")"]
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            rest = rest[rest.index(after: amp)...]
            let body = rest.prefix { $0.isLetter || $0.isNumber || $0 == "#" }.prefix(12)
            var consumed = body.count
            var replacement: String?
            if body.hasPrefix("#x") || body.hasPrefix("#X"), let value = UInt32(body.dropFirst(2), radix: 16) {
                replacement = Unicode.Scalar(value).map { String(Character($0)) } ?? "\u{FFFD}"
            } else if body.hasPrefix("#"), let value = UInt32(body.dropFirst()) {
                replacement = Unicode.Scalar(value).map { String(Character($0)) } ?? "\u{FFFD}"
            } else if let text = named[body.lowercased()] {
                replacement = text
            }
            guard let replacement else { out += "&"; continue }
            let afterBody = rest.index(rest.startIndex, offsetBy: consumed)
            if afterBody < rest.endIndex, rest[afterBody] == ";" { consumed += 1 }
            out += replacement
            rest = rest[rest.index(rest.startIndex, offsetBy: consumed)...]
        }
        return out + rest
    }

    static func escapedAttribute(_ value: String) -> [UInt8] {
        var out: [UInt8] = []
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array("&quot;".utf8)
            case UInt8(ascii: "<"): out += Array("&lt;".utf8)
            case UInt8(ascii: ">"): out += Array("&gt;".utf8)
            default: out.append(byte)
            }
        }
        return out
    }

    static func escapedText(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        for byte in body {
            if byte == UInt8(ascii: "<") { out += Array("&lt;".utf8) } else { out.append(byte) }
        }
        return out
    }

    /// Style sheets keep their rules; `expression(`, `javascript:`, `behavior:` and `-moz-binding`
    /// (old script hooks in CSS) and any `<` are defused.
    static func inertCSS(_ body: ArraySlice<UInt8>) -> [UInt8] {
        var text = String(decoding: body, as: UTF8.self)
        for hook in ["expression(", "javascript:", "behavior:", "-moz-binding", "@import"] {
            text = text.replacingOccurrences(of: hook, with: "x-removed-", options: .caseInsensitive)
        }
        return Array(text.replacingOccurrences(of: "<", with: "\\3C ").utf8)
    }

    // MARK: Bytes

    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0C || b == 0x0D }
    static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    static func lower(_ slice: ArraySlice<UInt8>) -> String { String(decoding: slice.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self) }

    static func starts(_ b: [UInt8], _ at: Int, _ text: String) -> Bool {
        starts(b, at, Array(text.utf8))
    }

    /// Whether `b` holds `t` (lower-case ASCII) at `at`, ignoring ASCII case.
    static func starts(_ b: [UInt8], _ at: Int, _ t: [UInt8]) -> Bool {
        guard at >= 0, at + t.count <= b.count else { return false }
        for k in 0..<t.count {
            let c = b[at + k]
            if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) != t[k] { return false }
        }
        return true
    }

    static func find(_ b: [UInt8], from: Int, _ text: String) -> Int? {
        let t = Array(text.utf8)
        guard let first = t.first, from >= 0 else { return nil }
        var i = from
        while i + t.count <= b.count {
            if (b[i] >= 0x41 && b[i] <= 0x5A ? b[i] | 0x20 : b[i]) == first, starts(b, i, t) { return i }
            i += 1
        }
        return nil
    }

    /// Index after the `>` of the first `</name` end tag at or after `from`.
    static func findClosingTag(_ b: [UInt8], from: Int, name: String) -> Int? {
        var i = from
        while let at = find(b, from: i, "</" + name) {
            let after = at + 2 + name.utf8.count
            if after >= b.count || isSpace(b[after]) || b[after] == UInt8(ascii: ">") || b[after] == UInt8(ascii: "/") {
                return (find(b, from: after, ">") ?? (b.count - 1)) + 1
            }
            i = at + 1
        }
        return nil
    }

    /// Start of the end tag whose `>` ends just before `end`.
    static func lastTagStart(_ b: [UInt8], before end: Int) -> Int {
        var i = end - 1
        while i > 0, !(b[i] == UInt8(ascii: "<") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "/")) { i -= 1 }
        return max(0, i)
    }
}
