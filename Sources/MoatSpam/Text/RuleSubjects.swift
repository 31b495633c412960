import Foundation
import MoatCore
import MoatMessage

/// The texts SpamAssassin rules match, built once per message the way SpamAssassin builds them,
/// so a rule means the same in both:
/// - `body`: the rendered text of `text/plain` and `text/html` parts (HTML tags stripped), Subject
///   first, whitespace runs collapsed, each paragraph one line (`get_rendered_body_text_array`);
/// - `rawbody`: decoded `text/*` parts in chunks of 2–4 KiB (`get_decoded_body_text_array`);
/// - `uri`: links from HTML attributes and URLs found in the text;
/// - `full`: the message as received.
struct RuleSubjects: Sendable {
    /// Max length of one body line, SpamAssassin's `MAX_BODY_LINE_LENGTH`.
    static let maxLineLength = 2048

    let message: Message
    let envelope: Envelope
    var bodyLines: [[UInt8]] = []
    var rawbodyChunks: [[UInt8]] = []
    var uris: [[UInt8]] = []
    let full: [UInt8]
    /// Rendered HTML of each HTML part, in order.
    var htmlParts: [HTMLRendering] = []
    /// Rendered text length per text part (`text/plain` and `text/html`), for evals.
    var renderedTextParts: [(type: String, text: String)] = []
    /// True when the body was cut at `max_body_bytes`.
    var truncated = false
    /// Relays and envelope sender, parsed on first use.
    let metadata: MessageMetadata

    init(message: Message, envelope: Envelope, maxBodyBytes: Int, relays: RelayPath? = nil) {
        self.message = message
        self.envelope = envelope
        metadata = MessageMetadata(message: message, envelope: envelope, relays: relays)
        full = message.raw.count > maxBodyBytes ? Array(message.raw.prefix(maxBodyBytes)) : message.raw
        truncated = message.raw.count > maxBodyBytes
        var text = ""
        var uriStrings: [String] = []
        var budget = maxBodyBytes
        for part in message.leaves where part.origin == .mime {
            if !text.isEmpty { text += "\n" }
            let essence = part.contentType.essence
            if part.contentType.type == "text" || part.contentType.type == "message", essence != "text/calendar" {
                var decoded = part.decoded
                if decoded.count > 500_000 { decoded = Array(decoded.prefix(500_000)) }
                rawbodyChunks.append(contentsOf: Self.paragraphs(decoded))
            }
            guard essence == "text/plain" || essence == "text/html", var rendered = part.text, budget > 0 else { continue }
            if essence == "text/html" {
                let html = metadata.htmlRendering(of: part)
                htmlParts.append(html)
                uriStrings.append(contentsOf: html.uris)
                rendered = html.text
            }
            if rendered.utf8.count > 50_000 { rendered = String(decoding: Array(rendered.utf8.prefix(50_000)), as: UTF8.self) }
            if rendered.utf8.count > budget {
                rendered = String(decoding: Array(rendered.utf8.prefix(budget)), as: UTF8.self)
                truncated = true
            }
            budget -= rendered.utf8.count
            renderedTextParts.append((essence, rendered))
            text += rendered
        }
        let collapsed = Self.collapseWhitespace(text)
        uriStrings.append(contentsOf: Self.findURLs(in: collapsed))
        let subject = message.headers.first("Subject").map { $0.value + "\n" } ?? "\n"
        bodyLines = Self.shortLines(Array((subject + collapsed).utf8))
        var seen = Set<String>()
        for u in uriStrings {
            let trimmed = u.trimmingWhitespaceAndNewlines()
            guard !trimmed.isEmpty else { continue }
            for variant in Self.uriVariants(trimmed) where seen.insert(variant).inserted {
                uris.append(Array(variant.utf8))
            }
        }
    }

    /// `s/\n+\s*\n+/\x00/g; s/\s+/ /g; tr/\x00/\n/` with Unicode whitespace.
    ///
    /// Works on the UTF-8 bytes: a run of whitespace becomes one space, or one line break when
    /// it held two of them. Unicode's non-ASCII whitespace (U+0085, U+00A0, U+1680, U+2000–200A,
    /// U+2028/2029, U+202F, U+205F, U+3000) is recognised by its encoding, so the text is never
    /// split into scalars (which cost 3 % of a spam scan).
    static func collapseWhitespace(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes -> String in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count)
            var pendingSpace = false
            var newlines = 0
            var i = 0
            while i < bytes.count {
                let byte = bytes[i]
                let width = whitespaceWidth(bytes, at: i)
                if width > 0 {
                    pendingSpace = true
                    if byte == 0x0A { newlines += 1 }
                    i += width
                    continue
                }
                if pendingSpace {
                    out.append(newlines >= 2 ? 0x0A : 0x20)
                    pendingSpace = false
                    newlines = 0
                }
                out.append(byte)
                i += 1
            }
            if pendingSpace { out.append(newlines >= 2 ? 0x0A : 0x20) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Bytes of the whitespace scalar starting at `i` (0: none there).
    @inline(__always)
    private static func whitespaceWidth(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        let byte = bytes[i]
        if byte < 0x80 { return byte == 0x20 || (0x09...0x0D).contains(byte) ? 1 : 0 }
        let remaining = bytes.count - i
        switch byte {
        case 0xC2 where remaining >= 2:
            return bytes[i + 1] == 0x85 || bytes[i + 1] == 0xA0 ? 2 : 0
        case 0xE1 where remaining >= 3:
            return bytes[i + 1] == 0x9A && bytes[i + 2] == 0x80 ? 3 : 0
        case 0xE2 where remaining >= 3:
            let (b1, b2) = (bytes[i + 1], bytes[i + 2])
            if b1 == 0x80, (0x80...0x8A).contains(b2) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF { return 3 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : 0
        case 0xE3 where remaining >= 3:
            return bytes[i + 1] == 0x80 && bytes[i + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// `split_into_array_of_short_lines`: split after each "\n"; lines over 2048 bytes are cut at
    /// the last space before the limit.
    static func shortLines(_ bytes: [UInt8]) -> [[UInt8]] {
        var result: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            if end < bytes.count { end += 1 }
            var line = Array(bytes[start..<end])
            while line.count > maxLineLength {
                var cut = 0
                if let space = line[0..<maxLineLength].lastIndex(of: 0x20) { cut = space + 1 }
                if cut == 0 { cut = maxLineLength }
                result.append(Array(line[0..<cut]))
                line.removeFirst(cut)
            }
            result.append(line)
            start = end
        }
        return result
    }

    /// `split_into_array_of_short_paragraphs`: chunks of 2048–4096 bytes cut at "\n", ">" or " ".
    static func paragraphs(_ bytes: [UInt8]) -> [[UInt8]] {
        let n = maxLineLength
        guard bytes.count > n else { return [bytes] }
        var result: [[UInt8]] = []
        var offset = 0
        func index(of byte: UInt8, from: Int) -> Int? {
            guard from < bytes.count else { return nil }
            return bytes[from...].firstIndex(of: byte)
        }
        while bytes.count - offset > 2 * n {
            var j = index(of: 0x0A, from: offset + n) ?? -1
            if j < 0 || j - offset + 1 > 2 * n {
                j = index(of: 0x3E, from: offset + n) ?? -1
                if j < 0 || j - offset + 1 > 2 * n {
                    j = index(of: 0x20, from: offset + n) ?? -1
                    if j < 0 || j - offset + 1 > 2 * n { j = offset + n }
                }
            }
            result.append(Array(bytes[offset...j]))
            offset = j + 1
        }
        if offset < bytes.count { result.append(Array(bytes[offset...])) }
        return result
    }

    /// PCRE2, JIT-compiled once; byte semantics like SpamAssassin's own (non-ASCII bytes are no
    /// whitespace, so a URL runs to the next ASCII space or delimiter).
    static let urlPattern = PerlPattern(
        #"\b(?:(?:https?|ftp)://|www\d{0,3}\.|mailto:)[^\s<>"'\)\]]+|\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+"#, caseless: true)
    /// `urlPattern` without its address branch, which cannot match where no `@` follows: that
    /// branch tried a word run at every word of the text (4 µs a call, 20 µs a message).
    private static let linkPattern = PerlPattern(#"\b(?:(?:https?|ftp)://|www\d{0,3}\.|mailto:)[^\s<>"'\)\]]+"#, caseless: true)

    /// URLs, `www.` hosts and e-mail addresses in rendered text.
    static func findURLs(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        let lastAt = bytes.lastIndex(of: 0x40)
        var found: [String] = []
        var start = 0
        while start < bytes.count,
              let m = (lastAt.map { start <= $0 } ?? false ? urlPattern : linkPattern).match(bytes: bytes, from: start) {
            let range = m.range
            found.append(String(decoding: bytes[range], as: UTF8.self))
            start = range.isEmpty ? range.upperBound + 1 : range.upperBound
        }
        return found
    }

    /// SpamAssassin lists a URI as written plus its canonical forms (scheme added, escapes decoded).
    static func uriVariants(_ uri: String) -> [String] {
        var out = [uri]
        // The marks are ASCII, so they are looked for on the bytes, as SpamAssassin's Perl looks
        // for them on code points: Foundation's substring search, four per link, cost 0.5 % of a
        // spam scan.
        let bytes = uri.utf8
        if bytes.count >= 3, bytes.prefix(3).allSatisfy({ $0 | 0x20 == 0x77 }) { out.append("http://" + uri) }
        if !bytes.contains(0x3A), bytes.contains(0x40), !bytes.contains(0x2F) { out.append("mailto:" + uri) }
        if bytes.contains(0x25), let decoded = uri.removingPercentEncoding, decoded != uri { out.append(decoded) }
        return out
    }

    // MARK: Headers

    /// The value a header rule matches (`$pms->get(...)` joined), or nil when the header is absent.
    func headerText(_ selector: HeaderSelector, in headers: HeaderList? = nil) -> String? {
        // The message's own headers: hundreds of rules and evals ask for the same few selectors
        // (Subject, From:addr, ALL...), so each is built once per message.
        guard let headers else { return metadata.headerText(selector) { buildHeaderText(selector, in: message.headers, own: true) } }
        return buildHeaderText(selector, in: headers, own: false)
    }

    /// `own`: `headers` are the message's own, which `metadata` has indexed by name.
    private func buildHeaderText(_ selector: HeaderSelector, in headers: HeaderList, own: Bool) -> String? {
        var values: [String]
        switch selector.name {
        case "ALL":
            if selector.raw {
                return String(decoding: Array(message.raw[message.root.headerRange]), as: UTF8.self)
            }
            // Appended as bytes: an interpolated string per field cost 25 µs a message.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 3 })
            for field in headers {
                bytes.append(contentsOf: field.name.utf8)
                bytes.append(contentsOf: ": ".utf8)
                bytes.append(contentsOf: field.value.utf8)
                bytes.append(0x0A)
            }
            return String(decoding: bytes, as: UTF8.self)
        case "MESSAGEID":
            values = ["X-Message-Id", "Resent-Message-Id", "X-Original-Message-ID", "Message-Id"].flatMap { headerValues(of: $0, raw: selector.raw, in: headers, own: own) }
        case "ToCc":
            values = headerValues(of: "To", raw: selector.raw, in: headers, own: own) + headerValues(of: "Cc", raw: selector.raw, in: headers, own: own)
        case "EnvelopeFrom":
            values = metadata.envelopeFrom.map { [$0 + "\n"] } ?? []
        default:
            if selector.namesRelays, let relays = metadata.relays.pseudoHeader(selector.name) {
                values = [relays]
            } else {
                values = headerValues(of: selector.name, raw: selector.raw || selector.address || selector.displayName, in: headers, own: own)
            }
        }
        values = values.filter { !$0.isEmpty }
        guard !values.isEmpty else { return nil }
        if selector.first { values = [values[0]] } else if selector.last { values = [values[values.count - 1]] }
        if selector.address || selector.displayName {
            var results: [String] = []
            for v in values {
                for (name, address) in metadata.addresses(in: v) {
                    if selector.address { results.append(address) } else if let name { results.append(name) }
                }
            }
            guard !results.isEmpty else { return selector.address ? "" : nil }
            return results.joined(separator: "\n")
        }
        return values.joined(separator: values[0].hasSuffix("\n") ? "" : "\n")
    }

    private func headerValues(of name: String, raw: Bool, in headers: HeaderList, own: Bool) -> [String] {
        // The message's own fields come from a per-message index (a hundred names are asked for).
        (own ? metadata.headerFields(named: name) : headers.all(name)).map { field in
            if raw {
                var s = String(decoding: field.rawValue, as: UTF8.self)
                while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
                return s.hasSuffix("\n") ? s : s + "\n"
            }
            return field.value + "\n"
        }
    }

    /// Addresses in a header value: (display name, address) pairs, roughly as Email::Address::XS.
    static func parseAddresses(_ value: String) -> [(String?, String)] {
        var out: [(String?, String)] = []
        var depth = 0
        var quoted = false
        var pieces: [Substring] = []
        // The delimiters are ASCII, so the split runs on the UTF-8 bytes and cuts the value into
        // substrings (walking `Character`s cost 1 % of a pipeline scan).
        let utf8 = value.utf8
        var pieceStart = utf8.startIndex
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let byte = utf8[i]
            if byte == 0x22 { quoted.toggle() }
            if !quoted {
                if byte == 0x3C || byte == 0x28 { depth += 1 }
                if byte == 0x3E || byte == 0x29 { depth = max(0, depth - 1) }
            }
            if byte == 0x2C, !quoted, depth == 0 {
                pieces.append(value[pieceStart..<i])
                pieceStart = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        pieces.append(value[pieceStart...])
        for piece in pieces {
            let p = piece.trimmingWhitespaceAndNewlines()
            guard !p.isEmpty else { continue }
            if let open = p.lastIndex(of: "<"), let close = p[open...].firstIndex(of: ">") {
                let address = p[p.index(after: open)..<close].trimming(.whitespaces)
                var name = p[..<open].trimming(.whitespaces)
                if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
                out.append((name.isEmpty ? nil : name, address))
            } else {
                var address = p
                var name: String?
                if let open = p.firstIndex(of: "("), let close = p.lastIndex(of: ")"), open < close {
                    name = String(p[p.index(after: open)..<close])
                    address = p[..<open].trimming(.whitespaces)
                }
                out.append((name, address))
            }
        }
        return out
    }
}
