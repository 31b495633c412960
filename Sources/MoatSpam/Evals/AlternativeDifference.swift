import MoatMessage

/// How much the HTML half of a `multipart/alternative` says that its text half does not
/// (`BodyEval.pm` `_multipart_alternative_difference`): the share of distinct HTML words (tokens
/// with a word character) that the text part lacks or has fewer of. Spam often sends unrelated
/// text and HTML halves. The largest share over all alternative parts counts; the word counts
/// are those of the last alternative part that had HTML words.
struct AlternativeDifference {
    /// Percent of HTML words missing from the text part (0 when no alternative part has any).
    var difference = 0.0
    var htmlWords = 0
    var textWords = 0

    init(_ message: Message, rendering: (MessagePart) -> HTMLRendering = { HTMLRendering($0.text ?? "") }) {
        let alternatives = message.parts.filter { $0.contentType.essence == "multipart/alternative" }
        guard !alternatives.isEmpty else { return }
        // Exchange meeting requests (text/html beside text/calendar) would mostly be false alarms.
        let types = message.parts.map(\.contentType.essence)
        if types == ["multipart/alternative", "text/html", "text/calendar"] { return }
        for alternative in alternatives {
            var html: [String: Int] = [:]
            var text: [String: Int] = [:]
            for part in Self.textDescendants(of: alternative) {
                let source = part.text ?? ""
                if part.contentType.essence == "text/html" {
                    let rendering = rendering(part)
                    for word in Self.words(rendering.text) { html[word, default: 0] += 1 }
                    // No words but an image: one mark word, which no text part can contain.
                    if html.isEmpty, rendering.tags["img"] != nil { html["\n"] = 1 }
                } else {
                    for word in Self.words(source) { text[word, default: 0] += 1 }
                }
            }
            let original = html.count
            guard original > 0 else { continue }
            htmlWords = original
            textWords = text.count
            for (word, count) in text where (html[word].map { $0 - count < 1 }) ?? false {
                html[word] = nil
            }
            difference = max(difference, Double(html.count) / Double(original) * 100)
        }
    }

    private static func textDescendants(of part: MessagePart) -> [MessagePart] {
        part.children.flatMap { child -> [MessagePart] in
            if child.isMultipart { return textDescendants(of: child) }
            return child.contentType.type == "text" ? [child] : []
        }
    }

    /// Whitespace-separated tokens with at least one word character.
    static func words(_ text: String) -> [String] {
        // ASCII (most parts) is split on its bytes: there every character but CR LF is one byte,
        // and CR LF is whitespace either way.
        var text = text
        if let words = text.withUTF8({ bytes -> [String]? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            var words: [String] = []
            var start = 0
            var wordy = false
            for i in 0...bytes.count {
                if i == bytes.count || isASCIISpace(UInt32(bytes[i])) {
                    if wordy { words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)) }
                    start = i + 1
                    wordy = false
                } else if !wordy {
                    wordy = isASCIIWord(UInt32(bytes[i]))
                }
            }
            return words
        }) {
            return words
        }
        return characterWords(text)
    }

    /// `words` on characters, for any text.
    static func characterWords(_ text: String) -> [String] {
        latinWords(text) ?? graphemeWords(text)
    }

    /// `words` on grapheme clusters: the reference the faster splits agree with.
    static func graphemeWords(_ text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace }).map(String.init)
            .filter { $0.unicodeScalars.contains(where: isWordScalar) }
    }

    /// Unicode's white space among ASCII: space, tab, LF, VT, FF, CR.
    private static func isASCIISpace(_ value: UInt32) -> Bool { value == 0x20 || (0x09...0x0D).contains(value) }

    /// A word character among ASCII: a digit, a letter or `_`.
    private static func isASCIIWord(_ value: UInt32) -> Bool {
        (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value) || value == 0x5F
    }

    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || scalar.properties.numericType != nil || scalar == "_"
    }

    /// `characterWords` for text whose scalars all come before the combining marks (U+0300), nil
    /// for any other. There each character is one scalar (CR LF aside, whitespace either way), so
    /// the text splits on scalars without grapheme breaking, and only the few non-ASCII scalars
    /// (a no-break space from `&nbsp;`, accented Latin letters) ask for Unicode properties: a
    /// rendered HTML part with one `&nbsp;` spent most of its word split there.
    static func latinWords(_ text: String) -> [String]? {
        let scalars = text.unicodeScalars
        var words: [String] = []
        var start = scalars.startIndex
        var wordy = false
        var i = scalars.startIndex
        while i < scalars.endIndex {
            let scalar = scalars[i]
            let value = scalar.value
            guard value < 0x300 else { return nil }
            let space = value < 0x80 ? isASCIISpace(value) : scalar.properties.isWhitespace
            if space {
                if wordy { words.append(String(scalars[start..<i])) }
                start = scalars.index(after: i)
                wordy = false
            } else if !wordy {
                wordy = value < 0x80 ? isASCIIWord(value) : isWordScalar(scalar)
            }
            i = scalars.index(after: i)
        }
        if wordy { words.append(String(scalars[start..<scalars.endIndex])) }
        return words
    }
}
