import MoatMessage

/// A Hyperscan expression narrowed to what can match ASCII text.
///
/// The stock body rules spell look-alike letters as classes and alternations of Latin-1 and UTF-8
/// byte sequences (`FUZZY_*`, the drug names): 151 of 522 body patterns hold such bytes, and
/// Hyperscan builds them into automata that cost every scanned byte. Most bodies are ASCII (89 % of
/// the corpus' rendered bodies), where none of those branches can match: a database built from the
/// narrowed expressions reports exactly the same matches on ASCII text, and scanned 143 → 92 ms a
/// thousand ASCII bodies (`bench/results/profile-2026-12-05-b.md`).
///
/// Read on the expression's bytes, as Hyperscan reads it without `HS_FLAG_UTF8`: a literal byte
/// or `\xHH` of 0x80 and above cannot match, a class keeps its ASCII members, and a negated class
/// is kept whole (it matches ASCII as before). What cannot match removes its alternative; an
/// alternation without alternatives cannot match; a quantified atom that cannot match is dropped
/// when the quantifier allows none; `(?!…)` that cannot match always holds and is dropped.
/// Anything this reader does not know (POSIX classes, `\Q`, back references, named groups,
/// inline flags) leaves the expression as it is.
enum ASCIIPattern {
    enum Narrowed: Equatable {
        /// Nothing to narrow, or not understood: use the expression as it is.
        case unchanged
        /// Matches on ASCII text exactly where the expression does.
        case narrowed(String)
        /// Cannot match ASCII text at all.
        case impossible
    }

    static func narrow(_ expression: String) -> Narrowed {
        var reader = Reader(bytes: Array(expression.utf8))
        let alternatives: [UInt8]?
        do {
            alternatives = try reader.alternation()
        } catch {
            return .unchanged
        }
        guard reader.position == reader.bytes.count else { return .unchanged }
        guard let text = alternatives else { return .impossible }
        let narrowed = String(decoding: text, as: UTF8.self)
        return narrowed == expression ? .unchanged : .narrowed(narrowed)
    }

    private struct Unsupported: Error {}

    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        func peek(_ offset: Int = 0) -> UInt8? {
            let index = position + offset
            return index < bytes.count ? bytes[index] : nil
        }

        func startsWith(_ text: String) -> Bool {
            let wanted = Array(text.utf8)
            return bytes.count - position >= wanted.count && bytes[position..<(position + wanted.count)].elementsEqual(wanted)
        }

        /// Alternatives up to `)` or the end; nil when none can match.
        mutating func alternation() throws(Unsupported) -> [UInt8]? {
            var kept: [[UInt8]] = []
            while true {
                if let sequence = try sequence() { kept.append(sequence) }
                guard peek() == UInt8(ascii: "|") else { break }
                position += 1
            }
            guard !kept.isEmpty else { return nil }
            return Array(kept.joined(separator: [UInt8(ascii: "|")]))
        }

        /// One alternative; nil when it cannot match.
        mutating func sequence() throws(Unsupported) -> [UInt8]? {
            var out: [UInt8] = []
            var possible = true
            while let byte = peek(), byte != UInt8(ascii: "|"), byte != UInt8(ascii: ")") {
                let (atom, kind) = try atom()
                let (quantifier, allowsNone) = try quantifier()
                switch atom {
                case nil where kind == .negativeLookaround:
                    continue
                case nil where allowsNone:
                    continue
                case nil:
                    possible = false
                case let text?:
                    out += text + quantifier
                }
            }
            return possible ? out : nil
        }

        enum AtomKind { case plain, negativeLookaround }

        /// A quantifier after an atom (with its lazy or possessive mark), and whether it allows
        /// no repetition at all.
        mutating func quantifier() throws(Unsupported) -> ([UInt8], Bool) {
            guard let byte = peek() else { return ([], false) }
            let start = position
            var allowsNone: Bool
            switch byte {
            case UInt8(ascii: "?"), UInt8(ascii: "*"):
                position += 1
                allowsNone = true
            case UInt8(ascii: "+"):
                position += 1
                allowsNone = false
            case UInt8(ascii: "{"):
                // `{n}`, `{n,}`, `{n,m}`; any other `{` is a literal, read as an atom.
                var index = position + 1
                var digits = 0
                var minimum = 0
                while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                    if digits < 9 { minimum = minimum * 10 + Int(bytes[index] - 0x30) }
                    digits += 1
                    index += 1
                }
                if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    while index < bytes.count, (0x30...0x39).contains(bytes[index]) { index += 1 }
                }
                guard digits > 0, index < bytes.count, bytes[index] == UInt8(ascii: "}") else { return ([], false) }
                position = index + 1
                allowsNone = minimum == 0
            default:
                return ([], false)
            }
            if let mark = peek(), mark == UInt8(ascii: "?") || mark == UInt8(ascii: "+") { position += 1 }
            return (Array(bytes[start..<position]), allowsNone)
        }

        /// One atom's narrowed text (nil: cannot match ASCII).
        mutating func atom() throws(Unsupported) -> ([UInt8]?, AtomKind) {
            guard let byte = peek() else { throw Unsupported() }
            switch byte {
            case UInt8(ascii: "("):
                return try group()
            case UInt8(ascii: "["):
                return (try characterClass(), .plain)
            case UInt8(ascii: "\\"):
                return (try escape(), .plain)
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                throw Unsupported()
            default:
                position += 1
                return (byte < 0x80 ? [byte] : nil, .plain)
            }
        }

        mutating func group() throws(Unsupported) -> ([UInt8]?, AtomKind) {
            let prefixes: [(String, AtomKind, positive: Bool)] = [
                ("(?<=", .plain, true), ("(?<!", .negativeLookaround, false), ("(?=", .plain, true),
                ("(?!", .negativeLookaround, false), ("(?:", .plain, true),
            ]
            var opening: [UInt8]
            var kind = AtomKind.plain
            if let found = prefixes.first(where: { startsWith($0.0) }) {
                opening = Array(found.0.utf8)
                kind = found.1
            } else if startsWith("(?") {
                // `(?i:`, `(?-i:`, `(?s-i:`…: flags that do not change how the text is read.
                var index = position + 2
                while index < bytes.count, [UInt8(ascii: "i"), UInt8(ascii: "s"), UInt8(ascii: "m"), UInt8(ascii: "-")].contains(bytes[index]) {
                    index += 1
                }
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":"), index > position + 2 else { throw Unsupported() }
                opening = Array(bytes[position...index])
            } else {
                opening = [UInt8(ascii: "(")]
            }
            position += opening.count
            let inner = try alternation()
            guard peek() == UInt8(ascii: ")") else { throw Unsupported() }
            position += 1
            guard let inner else { return (nil, kind) }
            return (opening + inner + [UInt8(ascii: ")")], kind)
        }

        /// `[…]`: the ASCII members kept (nil when none), a negated class whole.
        mutating func characterClass() throws(Unsupported) -> [UInt8]? {
            let start = position
            position += 1
            let negated = peek() == UInt8(ascii: "^")
            if negated { position += 1 }
            var kept: [UInt8] = []
            var first = true
            while true {
                guard let byte = peek() else { throw Unsupported() }
                if byte == UInt8(ascii: "]"), !first {
                    position += 1
                    break
                }
                if byte == UInt8(ascii: "["), peek(1) == UInt8(ascii: ":") { throw Unsupported() }
                first = false
                let memberStart = position
                let low = try classMember()
                if peek() == UInt8(ascii: "-"), let next = peek(1), next != UInt8(ascii: "]") {
                    position += 1
                    let high = try classMember()
                    guard case .byte(let from) = low, case .byte(let to) = high, from <= to else { throw Unsupported() }
                    if from < 0x80 { kept += Self.escaped(from) + [UInt8(ascii: "-")] + Self.escaped(min(to, 0x7F)) }
                    continue
                }
                switch low {
                case .set: kept += bytes[memberStart..<position]
                case .byte(let value) where value < 0x80: kept += bytes[memberStart..<position]
                case .byte: break
                }
            }
            if negated { return Array(bytes[start..<position]) }
            return kept.isEmpty ? nil : [UInt8(ascii: "[")] + kept + [UInt8(ascii: "]")]
        }

        enum Member { case byte(UInt8), set }

        mutating func classMember() throws(Unsupported) -> Member {
            guard let byte = peek() else { throw Unsupported() }
            guard byte == UInt8(ascii: "\\") else {
                position += 1
                return .byte(byte)
            }
            guard let next = peek(1) else { throw Unsupported() }
            position += 2
            switch next {
            case UInt8(ascii: "x"): return .byte(try hexByte())
            case UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "w"), UInt8(ascii: "W"), UInt8(ascii: "s"), UInt8(ascii: "S"):
                return .set
            case UInt8(ascii: "n"): return .byte(0x0A)
            case UInt8(ascii: "r"): return .byte(0x0D)
            case UInt8(ascii: "t"): return .byte(0x09)
            case UInt8(ascii: "f"): return .byte(0x0C)
            case UInt8(ascii: "v"): return .byte(0x0B)
            case UInt8(ascii: "e"): return .byte(0x1B)
            default:
                // Escaped punctuation is itself; a letter or digit means something this reader
                // does not know (`\b` in a class is a backspace, `\p`, octal…).
                guard next < 0x80, !Self.isAlphanumeric(next) else { throw Unsupported() }
                return .byte(next)
            }
        }

        /// `\xHH` after `\x` was read.
        mutating func hexByte() throws(Unsupported) -> UInt8 {
            guard let high = peek().flatMap(ByteText.hexValue), let low = peek(1).flatMap(ByteText.hexValue) else { throw Unsupported() }
            position += 2
            return high << 4 | low
        }

        /// An escape outside a class.
        mutating func escape() throws(Unsupported) -> [UInt8]? {
            guard let next = peek(1) else { throw Unsupported() }
            if next == UInt8(ascii: "x") {
                let start = position
                position += 2
                let value = try hexByte()
                return value < 0x80 ? Array(bytes[start..<position]) : nil
            }
            // Sets, assertions, control escapes, escaped punctuation: kept as written.
            let known = "dDwWsSbBAzZntrfve"
            guard next < 0x80, !Self.isAlphanumeric(next) || known.utf8.contains(next) else { throw Unsupported() }
            position += 2
            return [UInt8(ascii: "\\"), next]
        }

        static func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }

        /// A class member written as `\xHH`, whatever it was.
        static func escaped(_ byte: UInt8) -> [UInt8] {
            let hex = Array("0123456789abcdef".utf8)
            return [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
        }
    }
}
