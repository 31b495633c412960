import Foundation

/// Finds empty-or-not elements by name in XML text and reads their attributes.
enum XMLElements {
    struct Element {
        var range: Range<String.Index>
        var attributes: [String: String]
    }

    /// Every `<name .../>` or `<name ...>...</name>` element (the whole element's range).
    static func find(_ name: String, in xml: String) -> [Element] {
        var out: [Element] = []
        var cursor = xml.startIndex
        while let open = xml.range(of: "<" + name, range: cursor..<xml.endIndex) {
            guard open.upperBound < xml.endIndex, let tagEnd = xml[open.upperBound...].firstIndex(of: ">") else { break }
            let next = xml[open.upperBound]
            cursor = xml.index(after: tagEnd)
            guard next == " " || next == "/" || next == ">" || next == "\n" || next == "\t" || next == "\r" else { continue }
            let tag = xml[open.upperBound..<tagEnd]
            var end = cursor
            if !tag.hasSuffix("/"), let close = xml.range(of: "</" + name + ">", range: cursor..<xml.endIndex) {
                end = close.upperBound
                cursor = end
            }
            out.append(Element(range: open.lowerBound..<end, attributes: attributes(tag)))
        }
        return out
    }

    static func attributes(_ tag: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var rest = tag[...]
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).last.map(String.init) ?? ""
            let afterEq = rest[rest.index(after: eq)...].drop { $0 == " " }
            guard let quote = afterEq.first, quote == "\"" || quote == "'" else { break }
            let valueStart = afterEq.index(after: afterEq.startIndex)
            guard let valueEnd = afterEq[valueStart...].firstIndex(of: quote) else { break }
            out[key] = unescape(String(afterEq[valueStart..<valueEnd]))
            rest = afterEq[afterEq.index(after: valueEnd)...]
        }
        return out
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "<", with: "&lt;")
    }
}
