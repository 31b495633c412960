import MoatMessage

/// Text and facts from one HTML part, close to SpamAssassin's `Mail::SpamAssassin::HTML` rendering:
/// tags removed, entities decoded, block tags turned into line breaks, script and style dropped,
/// image `alt` text kept; plus the tag statistics the HTML eval rules ask about.
struct HTMLRendering: Sendable {
    var text = ""
    /// Text inside `<title>`.
    var title = ""
    /// Link targets (`a href`, `img src`, `form action`, ...).
    var uris: [String] = []
    /// Count of each tag name seen (opening tags).
    var tags: [String: Int] = [:]
    /// Opening minus closing count per tag, never below 0 (SpamAssassin's `inside`, for
    /// `html_tag_balance`).
    var balance: [String: Int] = [:]
    /// Closing tags with no open one, and all tag events (opening and closing): their ratio is
    /// `closed_extra_ratio`.
    var closedExtra = 0
    var tagEvents = 0
    var imageCount = 0
    /// Sum of width × height of images that declare both.
    var imageArea = 0
    /// Characters of HTML source: SpamAssassin's HTML `length`, which `html_image_only` and
    /// `html_range('length', ...)` test (not the rendered text's length).
    var sourceLength = 0
    /// Text shown inside anchors.
    var anchorText = ""
    /// Largest font size in effect on a styled tag (SpamAssassin's `max_size`; 3 is the default).
    var maxSize = 3
    /// A `<font face>` that is no list of font names (`font_face_bad`).
    var fontFaceBad = false
    /// Some text is drawn in (nearly) its background colour (`font_low_contrast`).
    var fontLowContrast = false
    /// Some text is drawn in a colour that is no colour (`font_invalid_color`).
    var fontInvalidColor = false

    /// One entry of SpamAssassin's text_style stack: the tag that opened it and what it set.
    private struct TextStyle {
        var tag: String
        var size: Int
        var fg: String
        var bg: String
    }

    /// Tags that change the text style, and the attributes SpamAssassin reads on each (HTML.pm).
    private static let styleAttributes: [String: Set<String>] = [
        "body": ["text", "bgcolor", "link", "alink", "vlink", "background"], "font": ["color", "face", "size"],
        "basefont": ["color", "face", "size"], "marquee": ["bgcolor", "background"], "table": ["bgcolor", "style"],
        "td": ["bgcolor", "style"], "tr": ["bgcolor", "style"], "span": ["style"], "p": ["style"],
        "div": ["style"], "a": ["style"], "big": [], "small": [],
    ]
    private static let fontFace = PerlPattern(
        #"^\s*["'.]?[a-z ][a-z -]*[a-z]\d?["']?(?:,\s*["']?[a-z][a-z -]*[a-z]\d?["']?)*;?$"#, caseless: true)
    private static let relativeSize = PerlPattern(#"^\s*([+-]\d+)"#)
    private static let absoluteSize = PerlPattern(#"^\s*(\d+)"#)
    /// Characters of `text` that are not whitespace: the `html_image_ratio` rules compare it with
    /// limits, so it is counted once, not once per rule.
    private(set) var visibleLength = 0

    private static let blockTags: Set<String> = [
        "br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote",
        "hr", "ul", "ol", "dl", "dt", "dd", "pre", "address", "center", "form", "title", "body", "html", "head",
    ]
    private static let uriAttributes: [String: String] = [
        "a": "href", "area": "href", "link": "href", "base": "href", "img": "src", "frame": "src",
        "iframe": "src", "embed": "src", "form": "action", "script": "src", "input": "src",
    ]

    init(_ html: String) {
        let s = Array(html.unicodeScalars)
        sourceLength = s.count
        var i = 0
        var skipUntil: String?
        var inTitle = false
        var inAnchor = false
        // A String, not a UnicodeScalarView: appending a decoded run to a String copies its UTF-8
        // at once, where the scalar view appended scalar by scalar (37 % of this renderer).
        var out = ""
        // The open styled tags, as SpamAssassin's text_style stack keeps them.
        let defaultStyle = TextStyle(tag: "default", size: 3, fg: "#000000", bg: "#ffffff")
        var styles = [defaultStyle]
        var basefont = 3
        // No tag can close past the last `>`: without this, every `<` of `<a href=` × 10,000 (no
        // `>`) rescanned to the end of the text, quadratic (80 KB: 11 s under ASan).
        let lastTagClose = s.lastIndex(of: ">") ?? -1
        while i < s.count {
            let c = s[i]
            if c == "<" {
                // Comment.
                if i + 3 < s.count, s[i + 1] == "!", s[i + 2] == "-", s[i + 3] == "-" {
                    var j = i + 4
                    while j + 2 < s.count, !(s[j] == "-" && s[j + 1] == "-" && s[j + 2] == ">") { j += 1 }
                    let end = min(s.count, j + 3)
                    i = end
                    continue
                }
                guard i + 1 <= lastTagClose, let close = Self.tagEnd(s, from: i + 1) else {
                    out.unicodeScalars.append(c)
                    i += 1
                    continue
                }
                let inner = String(encoding: s[(i + 1)..<close])
                i = close + 1
                let (name, closing, attributes) = Self.parseTag(inner)
                guard let initial = name.first, initial.isLetter || initial == "!" || initial == "?" else {
                    out += "<"
                    out += inner
                    out += ">"
                    continue
                }
                if let skip = skipUntil {
                    if closing, name == skip { skipUntil = nil }
                    continue
                }
                let styleTag = name == "th" ? "td" : name
                if let allowed = Self.styleAttributes[styleTag] {
                    if closing {
                        if styleTag != "body", styles.contains(where: { $0.tag == styleTag }) {
                            while let last = styles.popLast(), last.tag != styleTag {}
                            if styles.isEmpty { styles = [defaultStyle] }
                        }
                    } else if styleTag == "basefont", let m = attributes["size"].flatMap(Self.absoluteSize.match) {
                        basefont = Int(m.text(1)) ?? basefont
                    } else {
                        if styleTag == "td" || styleTag == "tr", styles.contains(where: { $0.tag == styleTag }) {
                            // Cells and rows close the open font and cell (and row) styles.
                            let closes: Set<String> = styleTag == "td" ? ["font", "td"] : ["font", "td", "tr"]
                            while styles.count > 1, let top = styles.last, closes.contains(top.tag) { styles.removeLast() }
                        }
                        var style = styles.last ?? defaultStyle
                        style.tag = styleTag
                        var size = style.size
                        if styleTag == "big" || styleTag == "small" {
                            size = Self.saturatingSum(size, styleTag == "big" ? 1 : -1)
                        } else {
                            Self.applyColors(attributes, allowed: allowed, parent: styles.last ?? defaultStyle, to: &style)
                            if styleTag == "font", let face = attributes["face"], !Self.fontFace.matches(Self.decodeEntities(face)) {
                                fontFaceBad = true
                            }
                            // SpamAssassin compares the size after each allowed attribute, in
                            // hash order: the inherited size counts when another attribute is there.
                            var anyPresent = false
                            var otherThanSize = false
                            for name in allowed where attributes[name] != nil {
                                anyPresent = true
                                if name != "size" { otherThanSize = true }
                            }
                            if otherThanSize { maxSize = max(maxSize, size) }
                            if let value = attributes["size"], allowed.contains("size") {
                                if let m = Self.relativeSize.match(value) {
                                    size = Self.saturatingSum(basefont, Int(m.text(1)) ?? 0)
                                } else if let m = Self.absoluteSize.match(value) {
                                    size = Int(m.text(1)) ?? size
                                }
                            }
                            if anyPresent { maxSize = max(maxSize, size) }
                        }
                        style.size = size
                        styles.append(style)
                    }
                }
                if closing {
                    if !name.hasPrefix("!"), !name.hasPrefix("?") { tagEvents += 1 }
                    if let open = balance[name], open > 0 {
                        balance[name] = open - 1
                    } else {
                        balance[name] = 0
                        closedExtra += 1
                    }
                    if name == "title" { inTitle = false }
                    if name == "a" { inAnchor = false }
                } else {
                    tags[name, default: 0] += 1
                    if !name.hasPrefix("!"), !name.hasPrefix("?") { tagEvents += 1 }
                    balance[name, default: 0] += 1
                    if name == "script" || name == "style" { skipUntil = name }
                    if name == "title" { inTitle = true }
                    if name == "a" { inAnchor = true }
                    if let key = Self.uriAttributes[name], let target = attributes[key], !target.isEmpty {
                        uris.append(Self.decodeEntities(target))
                    }
                    if name == "img" {
                        imageCount += 1
                        if inAnchor { anchorText += "<img>\n" }
                        if let w = attributes["width"].flatMap({ Int($0.filter(\.isNumber)) }),
                           let h = attributes["height"].flatMap({ Int($0.filter(\.isNumber)) }) {
                            let (area, overflow) = w.multipliedReportingOverflow(by: h)
                            imageArea = Self.saturatingSum(imageArea, overflow ? Int.max : area)
                        }
                        if let alt = attributes["alt"], !alt.isEmpty {
                            out += " \(Self.decodeEntities(alt)) "
                        }
                    }
                }
                if Self.blockTags.contains(name), !inTitle { out.append("\n") }
                continue
            }
            if skipUntil != nil {
                i += 1
                continue
            }
            // Text run up to the next tag.
            var j = i
            while j < s.count, s[j] != "<" { j += 1 }
            let raw = String(encoding: s[i..<j])
            let decoded = Self.decodeEntities(raw)
            if Self.hasVisibleScalar(decoded), let style = styles.last {
                if HTMLColor.lowContrast(style.fg, style.bg) {
                    fontLowContrast = true
                } else if style.fg == "invalid" || style.bg == "invalid" {
                    fontInvalidColor = true
                }
            }
            if inTitle {
                title += decoded
            } else {
                out += decoded
                if inAnchor { anchorText += decoded }
            }
            i = j
        }
        text = out
        visibleLength = Self.visibleCharacters(out)
    }

    /// Whether `text` holds a scalar that is neither whitespace nor U+00A0. ASCII is read on the
    /// bytes (its whitespace is TAB to CR and space, as the Unicode property says); the property
    /// is looked up only for other scalars.
    static func hasVisibleScalar(_ text: String) -> Bool {
        var nonASCII = false
        for byte in text.utf8 {
            if byte >= 0x80 {
                nonASCII = true
            } else if byte != 0x20, !(0x09...0x0D).contains(byte) {
                return true
            }
        }
        return nonASCII && text.unicodeScalars.contains { $0.value >= 0x80 && !$0.properties.isWhitespace && $0 != "\u{A0}" }
    }

    /// Characters that are not whitespace (a `Character` is whitespace when its first scalar is).
    ///
    /// Text below U+0300 is counted on its UTF-8 bytes: no scalar there joins another into one
    /// character except CR LF, which is whitespace either way, so characters and scalars count
    /// the same (`&nbsp;` makes most HTML text non-ASCII). Other text is counted by `Character`.
    static func visibleCharacters(_ text: String) -> Int {
        var count = 0
        let bytes = text.utf8
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let byte = bytes[i]
            if byte < 0x80 {
                if byte != 0x20, !(0x09...0x0D).contains(byte) { count += 1 }
                i = bytes.index(after: i)
            } else if (0xC2...0xCB).contains(byte) {
                // U+0080–U+02FF; of these only U+0085 and U+00A0 are whitespace.
                let next = bytes.index(after: i)
                guard next != bytes.endIndex else { break }
                let second = bytes[next]
                if !(byte == 0xC2 && (second == 0x85 || second == 0xA0)) { count += 1 }
                i = bytes.index(after: next)
            } else {
                return text.reduce(0) { $1.isWhitespace ? $0 : $0 + 1 }
            }
        }
        return count
    }

    private static let cssColor = PerlPattern(#"^\s*(background-)?color:\s*(.+?)\s*$"#, caseless: true)
    private static let cssBackground = PerlPattern(#"^\s*background:\s*(.+?)\s*$"#)
    private static let important = PerlPattern(#"\s*!\s*important$"#)

    /// Text and background colours from `color`/`text` attributes and `style` (`text_style` in
    /// HTML.pm; its `bgcolor` attribute sets nothing there, so neither does it here).
    private static func applyColors(_ attributes: [String: String], allowed: Set<String>, parent: TextStyle, to style: inout TextStyle) {
        for key in ["text", "color"] where allowed.contains(key) {
            if let value = attributes[key] { style.fg = HTMLColor.rgb(decodeEntities(value)) }
        }
        guard allowed.contains("style"), let css = attributes["style"].map(decodeEntities) else { return }
        for part in css.split(separator: ";", omittingEmptySubsequences: false).map(String.init) {
            if let m = cssColor.match(part) {
                var value = m.text(2).lowercased()
                important.replace(in: &value, with: "")
                let color: String
                if value.contains("rgb") {
                    color = HTMLColor.cssRGB(value)
                } else if value == "inherit" {
                    continue
                } else if value == "transparent" {
                    color = value
                } else {
                    color = HTMLColor.rgb(value)
                }
                if m[1] != nil { style.bg = color } else { style.fg = color }
            } else if let m = cssBackground.match(part) {
                // The colour among the background's values (SpamAssassin reads the bottom layer).
                let layers = m.text(1).lowercased().split(separator: ",")
                for value in (layers.last ?? "").split(separator: " ") {
                    let color = HTMLColor.rgb(String(value))
                    if color != "invalid" {
                        style.bg = color
                        break
                    }
                }
            }
        }
        if style.bg == "transparent" { style.bg = parent.bg }
        if style.fg == "transparent" { style.fg = style.bg }
    }

    /// `a + b`, held at Int's bounds instead of trapping: font sizes and image sizes are numbers
    /// from the markup (`size=+9223372036854775807`, `width=99999999999`).
    private static func saturatingSum(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? Int.max : Int.min) : sum
    }

    private static func tagEnd(_ s: [Unicode.Scalar], from start: Int) -> Int? {
        var quote: Unicode.Scalar?
        var j = start
        while j < s.count {
            let c = s[j]
            if let q = quote {
                if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                // Only attribute values are quoted; a quote right after `<` is text.
                if j > start, s[j - 1] == "=" || s[j - 1] == " " { quote = c }
            } else if c == ">" {
                return j
            } else if c == "<", j == start {
                return nil
            }
            j += 1
        }
        return nil
    }

    /// A tag's name (lower case), whether it closes, and its attributes (first of each wins).
    static func parseTag(_ inner: String) -> (String, Bool, [String: String]) {
        // ASCII without CR LF (nearly every tag) is read on its bytes: there every character is
        // one byte, so the answer is the one `parseTagCharacters` gives.
        var inner = inner
        if let parsed = inner.withUTF8({ bytes in
            bytes.allSatisfy { $0 < 0x80 } && !bytes.indices.contains { bytes[$0] == 0x0D && $0 + 1 < bytes.count && bytes[$0 + 1] == 0x0A }
                ? parseASCIITag(bytes) : nil
        }) {
            return parsed
        }
        return parseTagCharacters(inner)
    }

    private static func parseASCIITag(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, Bool, [String: String]) {
        @inline(__always) func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func lowered(_ range: Range<Int>) -> String {
            String(decoding: bytes[range].map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
        var i = 0
        let n = bytes.count
        var closing = false
        if n > 0, bytes[0] == UInt8(ascii: "/") {
            closing = true
            i = 1
        }
        var nameEnd = i
        while nameEnd < n, !isSpace(bytes[nameEnd]), bytes[nameEnd] != UInt8(ascii: "/") { nameEnd += 1 }
        let name = lowered(i..<nameEnd)
        var attributes: [String: String] = [:]
        i = nameEnd
        while true {
            while i < n, isSpace(bytes[i]) || bytes[i] == UInt8(ascii: "/") { i += 1 }
            guard i < n else { break }
            var keyEnd = i
            while keyEnd < n, bytes[keyEnd] != UInt8(ascii: "="), !isSpace(bytes[keyEnd]) { keyEnd += 1 }
            let key = lowered(i..<keyEnd)
            i = keyEnd
            while i < n, isSpace(bytes[i]) { i += 1 }
            var value = ""
            if i < n, bytes[i] == UInt8(ascii: "=") {
                i += 1
                while i < n, isSpace(bytes[i]) { i += 1 }
                if i < n, bytes[i] == UInt8(ascii: "\"") || bytes[i] == UInt8(ascii: "'") {
                    let quote = bytes[i]
                    var end = i + 1
                    while end < n, bytes[end] != quote { end += 1 }
                    value = String(decoding: bytes[(i + 1)..<end], as: UTF8.self)
                    i = end < n ? end + 1 : end
                } else {
                    var end = i
                    while end < n, !isSpace(bytes[end]) { end += 1 }
                    value = String(decoding: bytes[i..<end], as: UTF8.self)
                    i = end
                }
            }
            if !key.isEmpty, attributes[key] == nil { attributes[key] = value }
        }
        return (name, closing, attributes)
    }

    /// `parseTag` on characters: a CR LF pair is one character and no separator.
    static func parseTagCharacters(_ inner: String) -> (String, Bool, [String: String]) {
        var body = Substring(inner)
        var closing = false
        if body.hasPrefix("/") {
            closing = true
            body = body.dropFirst()
        }
        let nameEnd = body.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "/" }) ?? body.endIndex
        let name = body[..<nameEnd].lowercased()
        var attributes: [String: String] = [:]
        var rest = body[nameEnd...]
        while true {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "/" })
            guard !rest.isEmpty else { break }
            let keyEnd = rest.firstIndex(where: { $0 == "=" || $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) ?? rest.endIndex
            let key = rest[..<keyEnd].lowercased()
            rest = rest[keyEnd...].drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            var value = ""
            if rest.hasPrefix("=") {
                rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
                if let q = rest.first, q == "\"" || q == "'" {
                    let after = rest.dropFirst()
                    let end = after.firstIndex(of: q) ?? after.endIndex
                    value = String(after[..<end])
                    rest = end < after.endIndex ? after[after.index(after: end)...] : after[end...]
                } else {
                    let end = rest.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }) ?? rest.endIndex
                    value = String(rest[..<end])
                    rest = rest[end...]
                }
            }
            if !key.isEmpty, attributes[key] == nil { attributes[key] = value }
        }
        return (name, closing, attributes)
    }

    private static let namedEntities: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "copy": "©", "reg": "®",
        "trade": "™", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "mdash": "—", "ndash": "–",
        "hellip": "…", "laquo": "«", "raquo": "»", "middot": "·", "bull": "•", "rsquo": "’", "lsquo": "‘",
        "rdquo": "”", "ldquo": "“", "shy": "\u{AD}", "zwnj": "\u{200C}", "zwj": "\u{200D}",
    ]

    /// Decodes `&name;`, `&#NNN;` and `&#xHH;` (a missing `;` is tolerated as browsers do).
    static func decodeEntities(_ text: String) -> String {
        guard text.unicodeScalars.contains("&") else { return text }
        let s = Array(text.unicodeScalars)
        var out = ""
        var i = 0
        while i < s.count {
            guard s[i] == "&" else {
                var k = i + 1
                while k < s.count, s[k] != "&" { k += 1 }
                out += String(encoding: s[i..<k])
                i = k
                continue
            }
            var j = i + 1
            while j < s.count, j - i < 12, s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) || s[j] == "#" { j += 1 }
            let name = String(encoding: s[(i + 1)..<j])
            let next = j < s.count && s[j] == ";" ? j + 1 : j
            if name.hasPrefix("#") {
                let digits = name.dropFirst()
                let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                if let value, let scalar = Unicode.Scalar(value), value != 0 {
                    out.unicodeScalars.append(scalar)
                    i = next
                    continue
                }
            } else if let replacement = namedEntities[name.lowercased()] {
                out += replacement
                i = next
                continue
            }
            out.unicodeScalars.append(s[i])
            i += 1
        }
        return out
    }
}
