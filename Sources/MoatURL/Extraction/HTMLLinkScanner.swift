import Foundation

/// A tolerant HTML tokenizer that collects link-bearing attributes, not a DOM.
///
/// Reads `href`, `src`, `action`, `formaction`, `background`, `poster`, `data`, `srcset`, CSS
/// `url()` in `style` attributes and `<style>` blocks, `<meta http-equiv=refresh>` and
/// `<base href>`, and the visible text of each `<a>`. Every byte is visited a bounded number
/// of times, so hostile markup (unclosed quotes and comments, 100,000 links) stays linear.
struct HTMLLinkScanner {
    static let quotes = CharacterSet(charactersIn: "'\"")
    static let spaceOrQuotes = CharacterSet(charactersIn: " \t\r\n'\"")
    /// One link value (entity-decoded) with the attribute it came from.
    struct Link: Hashable {
        var value: String
        var attribute: String
        var anchorText: String?
    }

    struct Result {
        var links: [Link] = []
        var base: String?
        /// Links seen beyond the limit.
        var dropped = 0
        /// Text a reader sees outside links (block tags as line breaks, entities still encoded):
        /// a URL written there is copied into a browser even when it is not a link.
        var visibleText: [UInt8] = []
    }

    /// Most bytes of visible text kept per part.
    static let maxVisibleText = 1 << 20
    static let lineBreakTags: Set<String> = [
        "br", "p", "div", "li", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "blockquote", "pre",
    ]

    static let urlAttributes: Set<String> = [
        "href", "src", "action", "formaction", "background", "poster", "data", "cite", "longdesc",
        "lowsrc", "dynsrc", "xlink:href", "data-href", "data-url", "ping",
    ]
    static let rawTextElements: Set<String> = ["script", "style", "textarea", "title", "xmp", "noscript"]
    static let maxAnchorText = 512

    /// Words separated by single spaces (whitespace as `Character.isWhitespace` has it). ASCII
    /// text is split on its bytes: the Unicode property lookups per character showed in profiles.
    static func collapseWhitespace(_ text: String) -> String {
        var text = text
        let ascii = text.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var pendingSpace = false
            for byte in bytes {
                if byte == 0x20 || (0x09...0x0D).contains(byte) {
                    pendingSpace = !out.isEmpty
                } else {
                    if pendingSpace { out.append(0x20) }
                    pendingSpace = false
                    out.append(byte)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return ascii ?? text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func scan(_ html: String, limit: Int) -> Result {
        let bytes = Array(html.utf8)
        var result = Result()
        var anchor: (index: Int, text: [UInt8])?
        var i = 0
        let n = bytes.count

        func add(_ value: String, _ attribute: String) {
            let trimmed = value.trimmingASCIIWhitespace()
            guard !trimmed.isEmpty else { return }
            if result.links.count < limit {
                result.links.append(Link(value: trimmed, attribute: attribute, anchorText: nil))
            } else {
                result.dropped += 1
            }
        }
        func closeAnchor() {
            guard let open = anchor else { return }
            anchor = nil
            guard open.index >= 0, open.index < result.links.count else { return }
            let text = HTMLEntities.decode(String(decoding: open.text, as: UTF8.self))
            let collapsed = collapseWhitespace(text)
            if !collapsed.isEmpty { result.links[open.index].anchorText = collapsed }
        }

        while i < n {
            guard bytes[i] == UInt8(ascii: "<") else {
                if let open = anchor {
                    if open.text.count < maxAnchorText { anchor?.text.append(bytes[i]) }
                } else if result.visibleText.count < maxVisibleText {
                    result.visibleText.append(bytes[i])
                }
                i += 1
                continue
            }
            if starts(bytes, i, "<!--") {
                i = find(bytes, from: i + 4, "-->").map { $0 + 3 } ?? n
                continue
            }
            guard i + 1 < n else { break }
            let next = bytes[i + 1]
            if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                i = (bytes[(i + 2)...].firstIndex(of: UInt8(ascii: ">")) ?? n - 1) + 1
                continue
            }
            let closing = next == UInt8(ascii: "/")
            var j = closing ? i + 2 : i + 1
            guard j < n, isNameStart(bytes[j]) else {
                if let open = anchor, open.text.count < maxAnchorText { anchor?.text.append(bytes[i]) }
                i += 1
                continue
            }
            let nameStart = j
            while j < n, isNameByte(bytes[j]) { j += 1 }
            let name = lowercased(bytes[nameStart..<j])
            if lineBreakTags.contains(name), result.visibleText.count < maxVisibleText { result.visibleText.append(0x0A) }
            if closing {
                if name == "a" { closeAnchor() }
                i = (bytes[j...].firstIndex(of: UInt8(ascii: ">")) ?? n - 1) + 1
                continue
            }
            // Attributes.
            var attributes: [(String, String)] = []
            while j < n {
                while j < n, isSpace(bytes[j]) || bytes[j] == UInt8(ascii: "/") { j += 1 }
                guard j < n, bytes[j] != UInt8(ascii: ">") else { break }
                let attrStart = j
                while j < n, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: "="), bytes[j] != UInt8(ascii: ">") { j += 1 }
                if j == attrStart { j += 1; continue }
                let attrName = lowercased(bytes[attrStart..<j])
                while j < n, isSpace(bytes[j]) { j += 1 }
                var value = ""
                if j < n, bytes[j] == UInt8(ascii: "=") {
                    j += 1
                    while j < n, isSpace(bytes[j]) { j += 1 }
                    if j < n, bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "'") {
                        let quote = bytes[j]
                        let valueStart = j + 1
                        let valueEnd = bytes[valueStart...].firstIndex(of: quote) ?? n
                        value = String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
                        j = min(n, valueEnd + 1)
                    } else {
                        let valueStart = j
                        while j < n, !isSpace(bytes[j]), bytes[j] != UInt8(ascii: ">") { j += 1 }
                        value = String(decoding: bytes[valueStart..<j], as: UTF8.self)
                    }
                }
                if attributes.count < 64 { attributes.append((attrName, HTMLEntities.decode(value))) }
            }
            i = j + 1
            let handled = handle(tag: name, attributes: attributes, hasBase: result.base != nil)
            if let base = handled.base { result.base = base }
            for (value, attribute) in handled.links { add(value, attribute) }
            if name == "a" {
                closeAnchor()
                if attributes.contains(where: { $0.0 == "href" }), let index = result.links.lastIndex(where: { $0.attribute == "href" }) {
                    anchor = (index, [])
                }
            }
            if rawTextElements.contains(name) {
                let end = findClosingTag(bytes, from: i, name: name) ?? n
                if name == "style" {
                    for url in cssURLs(String(decoding: bytes[min(i, end)..<end], as: UTF8.self)) { add(url, "style") }
                }
                i = end
            }
        }
        closeAnchor()
        return result
    }

    /// The links of one start tag, and its `<base href>`.
    private static func handle(tag: String, attributes: [(String, String)], hasBase: Bool) -> (links: [(String, String)], base: String?) {
        var links: [(String, String)] = []
        func add(_ value: String, _ attribute: String) { links.append((value, attribute)) }
        if tag == "base", let href = attributes.first(where: { $0.0 == "href" })?.1 {
            return ([], hasBase ? nil : href.trimmingASCIIWhitespace())
        }
        if tag == "meta",
           attributes.contains(where: { $0.0 == "http-equiv" && $0.1.lowercased().trimmingASCIIWhitespace() == "refresh" }),
           let content = attributes.first(where: { $0.0 == "content" })?.1 {
            // `5; url=https://...` (quotes optional).
            if let range = content.range(of: "url", options: .caseInsensitive) {
                var rest = content[range.upperBound...].drop { $0 == " " }
                if rest.first == "=" { rest = rest.dropFirst() }
                let value = rest.trimming(.whitespaces).trimming(Self.quotes)
                add(value, "refresh")
            }
        }
        for (name, value) in attributes {
            if urlAttributes.contains(name) {
                add(value, name)
            } else if name == "srcset" || name == "imagesrcset" {
                for candidate in value.split(separator: ",") {
                    if let url = candidate.split(whereSeparator: { $0.isWhitespace }).first { add(String(url), "srcset") }
                }
            } else if name == "style" {
                for url in cssURLs(value) { add(url, "style") }
            }
        }
        return (links, nil)
    }

    /// The targets of `url(...)` in CSS text.
    ///
    /// Searched in the UTF-8 bytes with ASCII case folding, so every offset found is an offset of
    /// `css` itself: `lowercased()` can change the length (`Ⱥ` is 2 bytes, `ⱥ` 3; `İ` becomes two
    /// scalars), and its indices used on `css` ran past the end and trapped.
    static func cssURLs(_ css: String) -> [String] {
        var out: [String] = []
        let bytes = Array(css.utf8)
        let lower = bytes.map(lowerByte)
        var searchStart = 0
        while out.count < 1000, let open = find(lower, from: searchStart, "url(") {
            let valueStart = open + 4
            guard let close = lower[valueStart...].firstIndex(of: UInt8(ascii: ")")) else { break }
            let value = String(decoding: bytes[valueStart..<close], as: UTF8.self)
                .trimming(Self.spaceOrQuotes)
            out.append(value)
            searchStart = close
        }
        return out
    }

    private static func findClosingTag(_ bytes: [UInt8], from: Int, name: String) -> Int? {
        let needle = Array(("</" + name).utf8)
        var i = from
        while let lt = bytes[min(i, bytes.count)...].firstIndex(of: UInt8(ascii: "<")) {
            if lt + needle.count <= bytes.count,
               zip(bytes[lt..<(lt + needle.count)], needle).allSatisfy({ lowerByte($0) == $1 }) {
                return lt
            }
            i = lt + 1
        }
        return nil
    }

    private static func starts(_ bytes: [UInt8], _ at: Int, _ text: String) -> Bool {
        let needle = Array(text.utf8)
        return at + needle.count <= bytes.count && bytes[at..<(at + needle.count)].elementsEqual(needle)
    }

    private static func find(_ bytes: [UInt8], from: Int, _ text: String) -> Int? {
        let needle = Array(text.utf8)
        var i = from
        while i + needle.count <= bytes.count {
            guard let first = bytes[i...].firstIndex(of: needle[0]) else { return nil }
            if first + needle.count <= bytes.count, bytes[first..<(first + needle.count)].elementsEqual(needle) { return first }
            i = first + 1
        }
        return nil
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C }
    private static func isNameStart(_ b: UInt8) -> Bool { (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") }
    private static func isNameByte(_ b: UInt8) -> Bool { isNameStart(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: ":") }
    private static func lowerByte(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
    private static func lowercased(_ slice: ArraySlice<UInt8>) -> String { String(decoding: slice.map(lowerByte), as: UTF8.self) }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}") }),
              let last = scalars.lastIndex(where: { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{0C}") }) else { return "" }
        return String(scalars[first...last])
    }
}
