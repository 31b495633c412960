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
    /// Opening minus closing count per tag (for `html_tag_balance`).
    var balance: [String: Int] = [:]
    var imageCount = 0
    /// Sum of width × height of images that declare both.
    var imageArea = 0
    /// Bytes of tag markup and of the whole source.
    var tagBytes = 0
    var sourceBytes = 0
    /// Text shown inside anchors.
    var anchorText = ""
    /// Characters of `text` that are not whitespace: a dozen HTML rules compare it with limits,
    /// so it is counted once, not once per rule.
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
        sourceBytes = html.utf8.count
        var i = 0
        var skipUntil: String?
        var inTitle = false
        var inAnchor = false
        var out = String.UnicodeScalarView()
        while i < s.count {
            let c = s[i]
            if c == "<" {
                // Comment.
                if i + 3 < s.count, s[i + 1] == "!", s[i + 2] == "-", s[i + 3] == "-" {
                    var j = i + 4
                    while j + 2 < s.count, !(s[j] == "-" && s[j + 1] == "-" && s[j + 2] == ">") { j += 1 }
                    let end = min(s.count, j + 3)
                    tagBytes += end - i
                    i = end
                    continue
                }
                guard let close = Self.tagEnd(s, from: i + 1) else {
                    out.append(c)
                    i += 1
                    continue
                }
                let inner = String(String.UnicodeScalarView(s[(i + 1)..<close]))
                tagBytes += close + 1 - i
                i = close + 1
                let (name, closing, attributes) = Self.parseTag(inner)
                guard !name.isEmpty, name.first!.isLetter || name.first == "!" || name.first == "?" else {
                    out.append(contentsOf: "<".unicodeScalars)
                    out.append(contentsOf: inner.unicodeScalars)
                    out.append(contentsOf: ">".unicodeScalars)
                    continue
                }
                if let skip = skipUntil {
                    if closing, name == skip { skipUntil = nil }
                    continue
                }
                if closing {
                    balance[name, default: 0] -= 1
                    if name == "title" { inTitle = false }
                    if name == "a" { inAnchor = false }
                } else {
                    tags[name, default: 0] += 1
                    balance[name, default: 0] += 1
                    if name == "script" || name == "style" { skipUntil = name }
                    if name == "title" { inTitle = true }
                    if name == "a" { inAnchor = true }
                    if let key = Self.uriAttributes[name], let target = attributes[key], !target.isEmpty {
                        uris.append(Self.decodeEntities(target))
                    }
                    if name == "img" {
                        imageCount += 1
                        if let w = attributes["width"].flatMap({ Int($0.filter(\.isNumber)) }),
                           let h = attributes["height"].flatMap({ Int($0.filter(\.isNumber)) }) {
                            imageArea += w * h
                        }
                        if let alt = attributes["alt"], !alt.isEmpty {
                            out.append(contentsOf: " \(Self.decodeEntities(alt)) ".unicodeScalars)
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
            let raw = String(String.UnicodeScalarView(s[i..<j]))
            let decoded = Self.decodeEntities(raw)
            if inTitle {
                title += decoded
            } else {
                out.append(contentsOf: decoded.unicodeScalars)
                if inAnchor { anchorText += decoded }
            }
            i = j
        }
        text = String(out)
        visibleLength = text.reduce(0) { $1.isWhitespace ? $0 : $0 + 1 }
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

    private static func parseTag(_ inner: String) -> (String, Bool, [String: String]) {
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
        guard text.contains("&") else { return text }
        let s = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            guard s[i] == "&" else {
                out.append(s[i])
                i += 1
                continue
            }
            var j = i + 1
            while j < s.count, j - i < 12, s[j].properties.isAlphabetic || ("0"..."9").contains(s[j]) || s[j] == "#" { j += 1 }
            let name = String(String.UnicodeScalarView(s[(i + 1)..<j]))
            let next = j < s.count && s[j] == ";" ? j + 1 : j
            if name.hasPrefix("#") {
                let digits = name.dropFirst()
                let value = digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                if let value, let scalar = Unicode.Scalar(value), value != 0 {
                    out.append(scalar)
                    i = next
                    continue
                }
            } else if let replacement = namedEntities[name.lowercased()] {
                out.append(contentsOf: replacement.unicodeScalars)
                i = next
                continue
            }
            out.append(s[i])
            i += 1
        }
        return String(out)
    }
}
