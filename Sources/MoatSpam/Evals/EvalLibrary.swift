import Foundation
import MoatMessage

/// What an eval function may look at for one message.
///
/// A class: the evals are stored as closures of the most general shape, so each call of a struct
/// this size copied it (a score of references retained and released) for each of the 150-odd
/// evals a message runs.
final class EvalContext {
    let subjects: RuleSubjects
    /// Bayes spam probability, or nil when Bayes is off or not trained enough.
    let bayesProbability: Double?
    /// Settings from the rule files (FreeMail lists).
    let settings: EvalSettings
    /// DNS block list answers per `check_rbl` set (A records of listed relays), when DNS is on.
    let netAnswers: [String: [String]]

    init(subjects: RuleSubjects, bayesProbability: Double?, settings: EvalSettings, netAnswers: [String: [String]] = [:]) {
        self.subjects = subjects
        self.bayesProbability = bayesProbability
        self.settings = settings
        self.netAnswers = netAnswers
    }

    var message: Message { subjects.message }
    var metadata: MessageMetadata { subjects.metadata }
}

/// SpamAssassin `eval:` functions implemented natively.
///
/// Each returns whether the rule hits. Network checks, DNS lists and external tools (Razor, Pyzor,
/// DCC) are not here: rules using them are reported as skipped. Header, relay and FreeMail checks
/// live in `HeaderEvals`, `RelayEvals` and `FreeMailEvals`.
/// Checks that depend on lists Moat keeps empty (welcome/block lists, `ok_locales all`) return
/// false, which is what SpamAssassin returns with its default configuration.
enum EvalLibrary {
    typealias Function = @Sendable (EvalContext, [String]) -> Bool

    /// Compiled once: evals run for every message.
    private static let replyPrefixes = PerlPattern(#"^(?:(?:Re|Fwd|Fw|Aw|Antwort|Sv):\s*)+"#, caseless: true)

    /// Whether a field name starts with `X-` in either case (`check_unresolved_template` skips
    /// those).
    static func isExtensionField(_ name: String) -> Bool {
        var bytes = name.utf8.makeIterator()
        guard let first = bytes.next(), first | 0x20 == 0x78, bytes.next() == 0x2D else { return false }
        return true
    }

    /// SpamAssassin's `/%[A-Z][A-Z_-]/` (a mail-merge placeholder left in a header), on the bytes:
    /// a regex per header field was 20 matches a message.
    static func hasUnresolvedTemplate(_ value: String) -> Bool {
        func isUpper(_ b: UInt8) -> Bool { (0x41...0x5A).contains(b) }
        var previous: (UInt8, UInt8) = (0, 0)
        for b in value.utf8 {
            if previous.0 == 0x25, isUpper(previous.1), isUpper(b) || b == 0x5F || b == 0x2D { return true }
            previous = (previous.1, b)
        }
        return false
    }

    /// Matches of `&#x?[0-9a-fA-F]{2,5};` in `bytes`, leftmost and not overlapping, counted on the
    /// bytes: an ICU regex over every message's body cost 1 % of a spam scan. (The `x` is no hex
    /// digit, so the pattern never backtracks into a second reading: a match is `&#`, an optional
    /// `x`, a run of 2 to 5 hex digits and `;`.)
    static func numericEntityCount(_ bytes: [UInt8]) -> Int {
        func isHex(_ b: UInt8) -> Bool { (0x30...0x39).contains(b) || (0x41...0x46).contains(b) || (0x61...0x66).contains(b) }
        var count = 0
        var i = 0
        while i + 1 < bytes.count {
            guard bytes[i] == 0x26, bytes[i + 1] == 0x23 else {
                i += 1
                continue
            }
            var j = i + 2
            if j < bytes.count, bytes[j] == 0x78 { j += 1 }
            let digits = j
            while j < bytes.count, j - digits < 6, isHex(bytes[j]) { j += 1 }
            let run = j - digits
            if (2...5).contains(run), j < bytes.count, bytes[j] == 0x3B {
                count += 1
                i = j + 1
            } else {
                i += 1
            }
        }
        return count
    }

    /// Supported functions by name.
    static let functions: [String: Function] = {
        var f: [String: Function] = [:]
        // Bayes.
        f["check_bayes"] = { ctx, args in
            guard let p = ctx.bayesProbability, args.count >= 1, let min = Double(args[0]) else { return false }
            let max = args.count > 1 ? Double(args[1]) ?? 1 : 1
            return p >= min && (max >= 1 ? p <= max : p < max)
        }
        // Header structure.
        f["check_for_missing_to_header"] = { ctx, _ in
            ctx.message.headers.first("To") == nil && ctx.message.headers.first("Apparently-To") == nil
        }
        f["check_header_count_range"] = { ctx, args in
            guard args.count >= 3, let lo = Int(args[1]) else { return false }
            let hi = Int(args[2]) ?? Int.max
            let n = ctx.message.headers.all(args[0]).count
            return n >= lo && n <= hi
        }
        f["check_illegal_chars"] = { ctx, args in
            guard args.count >= 3, let ratio = Double(args[1]), let count = Int(args[2]) else { return false }
            let text: [UInt8]
            if args[0] == "ALL" {
                text = ctx.message.headers.filter { !$0.name.lowercased().hasPrefix("x-") && $0.name.lowercased() != "received" }
                    .flatMap { $0.rawValue }
            } else {
                text = ctx.message.headers.all(args[0]).flatMap { $0.rawValue }
            }
            guard !text.isEmpty else { return false }
            let illegal = text.filter { $0 >= 0x80 }.count
            return illegal > count && Double(illegal) / Double(text.count) > ratio
        }
        f["check_for_to_in_subject"] = { ctx, args in
            guard let to = ctx.subjects.headerText(HeaderSelector.toAddress), !to.isEmpty else { return false }
            let subject = ctx.subjects.headerText(HeaderSelector.subject) ?? ""
            // Every form below needs the address (or its user part) literally in the subject; most
            // subjects have neither, and compiling the pattern per message cost 2.7 % of a scan.
            let literal = args.first == "user" ? String(to.split(separator: "@", omittingEmptySubsequences: false).first ?? "") : to
            guard literal.isEmpty || (subject.containsASCIICaseInsensitive(literal) ?? (subject.range(of: literal, options: .caseInsensitive) != nil)) else {
                return false
            }
            let pattern: String
            switch args.first ?? "" {
            case "address":
                pattern = "(?i)\\b" + NSRegularExpression.escapedPattern(for: to) + "\\b"
            case "user":
                let user = NSRegularExpression.escapedPattern(for: String(to.split(separator: "@", omittingEmptySubsequences: false).first ?? ""))
                pattern = "(?i)^(?:(?:re|fw):\\s*(?:\\w+\\s+)?\(user)$|(?-i:\(user))\\s*[,:;!?-](?:$|\\s)|\(user)$|,\\s*\(user)[,:;!?-]$)"
            default: return false
            }
            return subject.range(of: pattern, options: .regularExpression) != nil
        }
        f["subject_is_all_caps"] = { ctx, _ in
            guard var subject = ctx.message.headers.first("Subject")?.value else { return false }
            replyPrefixes.replace(in: &subject, with: "")
            let words = subject.split(whereSeparator: { !$0.isLetter })
            guard words.count >= 2, subject.contains(where: { $0.isLetter }) else { return false }
            return subject == subject.uppercased() && subject != subject.lowercased()
        }
        f["check_unresolved_template"] = { ctx, _ in
            ctx.message.headers.contains { !isExtensionField($0.name) && hasUnresolvedTemplate($0.value) }
        }
        f["check_ratware_name_id"] = { _, _ in false }
        f["check_ratware_envelope_from"] = { _, _ in false }
        // Lists Moat keeps empty, and checks that SpamAssassin's defaults make false (ok_locales all).
        for name in [
            "check_for_faraway_charset_in_headers", "check_for_faraway_charset", "html_charset_faraway",
            "check_from_in_whitelist", "check_from_in_welcomelist", "check_from_in_blacklist", "check_from_in_blocklist",
            "check_to_in_whitelist", "check_to_in_welcomelist", "check_to_in_blacklist", "check_to_in_blocklist",
            "check_to_in_more_spam", "check_to_in_all_spam", "check_from_in_default_whitelist",
            "check_from_in_default_welcomelist", "check_uri_host_in_whitelist", "check_uri_host_in_welcomelist",
            "check_uri_host_in_blacklist", "check_uri_host_in_blocklist", "check_subject_in_whitelist",
            "check_subject_in_welcomelist", "check_subject_in_blacklist", "check_subject_in_blocklist",
            "check_from_in_list", "check_replyto_in_list", "check_uri_host_listed", "check_whitelist_bounce_relays",
            "check_welcomelist_bounce_relays", "have_any_bounce_relays", "check_from_in_auto_whitelist",
            "check_from_in_auto_welcomelist", "check_body_8bits", "check_shortcircuit", "check_senders_reputation",
        ] {
            f[name] = { _, _ in false }
        }
        // MIME structure.
        f["check_for_mime"] = { ctx, args in mimeFacts(ctx).flag(args.first ?? "") }
        f["check_for_mime_html"] = { ctx, _ in mimeFacts(ctx).hasHTML }
        f["check_for_mime_html_only"] = { ctx, _ in
            let facts = mimeFacts(ctx)
            return facts.hasHTML && !facts.hasPlainText
        }
        f["check_msg_parse_flags"] = { ctx, args in
            switch args.first ?? "" {
            case "missing_head_body_separator":
                return !ctx.message.raw.isEmpty && ctx.message.root.headerRange.upperBound == ctx.message.raw.count
                    && !(ctx.message.raw.suffix(2) == [0x0A, 0x0A] || ctx.message.raw.suffix(4) == [0x0D, 0x0A, 0x0D, 0x0A])
            case "truncated_header":
                return ctx.message.findings.contains { $0.code == ParseFinding.Code.limitHeaderBytes }
            case "mime_epilogue_exists":
                // Text after a closing boundary other than whitespace and dots (Message.pm).
                return ctx.message.parts.contains { part in
                    part.isMultipart && part.epilogue.contains { byte in
                        !(byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || byte == 0x2E)
                    }
                }
            default: return false
            }
        }
        f["check_mime_multipart_ratio"] = { ctx, args in
            guard args.count == 2, let lo = Double(args[0]), let hi = Double(args[1]) else { return false }
            let parts = ctx.subjects.renderedTextParts
            guard let plain = parts.first(where: { $0.type == "text/plain" }), let html = parts.first(where: { $0.type == "text/html" }),
                  !html.text.isEmpty else { return false }
            let ratio = Double(plain.text.count) / Double(html.text.count)
            return ratio >= lo && ratio < hi
        }
        f["check_ma_non_text"] = { ctx, _ in
            ctx.message.parts.contains { p in
                p.contentType.essence == "multipart/alternative"
                    && p.children.contains { c in c.contentType.type != "text" && !c.isMultipart }
            }
        }
        f["check_base64_length"] = { ctx, args in
            guard let min = Int(args.first ?? "") else { return false }
            let max = args.count > 1 ? Int(args[1]) ?? Int.max : Int.max
            return base64LineLengths(ctx).contains { $0 > min && $0 <= max }
        }
        f["check_for_ascii_text_illegal"] = { ctx, _ in
            ctx.message.leaves.contains { p in
                p.contentType.essence == "text/plain" && (p.charset ?? "us-ascii") == "us-ascii" && p.decoded.contains { $0 >= 0x80 }
            }
        }
        f["check_abundant_unicode_ratio"] = { ctx, args in
            guard let min = Double(args.first ?? "") else { return false }
            // Counted once per scan for the rules' several thresholds; the characters only when
            // there are enough entities to matter.
            let (entities, characters) = ctx.metadata.numericEntities.value {
                let body = ctx.subjects.rawbodyChunks.flatMap { $0 }
                let n = numericEntityCount(body)
                return (n, n >= 20 ? String(decoding: body, as: UTF8.self).count : 0)
            }
            guard entities >= 20 else { return false }
            return Double(entities) / Double(characters) > min
        }
        f["image_count"] = { ctx, args in
            guard let type = args.first, let min = Int(args.count > 1 ? args[1] : "1") else { return false }
            let max = args.count > 2 ? Int(args[2]) ?? Int.max : Int.max
            let n = ctx.message.leaves.filter { $0.contentType.type == "image" && (type == "all" || $0.contentType.subtype == type) }.count
            return n >= min && n <= max
        }
        f["check_microsoft_executable"] = { ctx, _ in
            ctx.message.leaves.contains { $0.decoded.count > 64 && $0.decoded.prefix(2) == [0x4D, 0x5A] }
        }
        // Body.
        f["check_body_length"] = { ctx, args in
            guard let max = Int(args.first ?? "") else { return false }
            let length = ctx.subjects.bodyLines.dropFirst().reduce(0) { $0 + $1.count }
            return length < max
        }
        f["check_for_uppercase"] = { ctx, args in
            guard args.count == 2, let lo = Double(args[0]), let hi = Double(args[1]) else { return false }
            let counts = ctx.metadata.bodyLetters.value { BodyLetters(ctx.subjects.bodyLines.dropFirst()) }
            guard counts.length >= 200, counts.letters > 0 else { return false }
            let upper = Double(counts.capitals) * 100 / Double(counts.letters)
            return upper >= lo && upper < hi
        }
        f["multipart_alternative_difference"] = { ctx, args in
            guard args.count == 2, let min = Double(args[0]) else { return false }
            let difference = ctx.metadata.alternativeDifference.difference
            guard min == 0 || difference > min else { return false }
            return args[1] == "undef" || Double(args[1]).map { difference <= $0 } ?? false
        }
        f["multipart_alternative_difference_count"] = { ctx, args in
            guard args.count == 2, let ratio = Double(args[0]), let minHTML = Int(args[1]) else { return false }
            let difference = ctx.metadata.alternativeDifference
            guard difference.htmlWords > minHTML else { return false }
            return Double(difference.textWords) / Double(difference.htmlWords) > ratio
        }
        f["check_blank_line_ratio"] = { ctx, args in
            guard args.count >= 2, let lo = Double(args[0]), let hi = Double(args[1]) else { return false }
            let minLines = args.count > 2 ? Int(args[2]) ?? 1 : 1
            let body = ctx.message.raw[ctx.message.root.bodyRange]
            let lines = body.split(separator: 0x0A, omittingEmptySubsequences: false)
            guard lines.count >= minLines, !lines.isEmpty else { return false }
            let blank = lines.filter { $0.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }.count
            let ratio = Double(blank) * 100 / Double(lines.count)
            return ratio >= lo && ratio < hi
        }
        f["tvd_vertical_words"] = { _, _ in false }
        f["check_stock_info"] = { _, _ in false }
        // HTML.
        f["html_test"] = { ctx, args in
            let html = ctx.subjects.htmlParts
            switch args.first ?? "" {
            case "html": return !html.isEmpty
            case "embeds": return html.contains { ($0.tags["embed"] ?? 0) + ($0.tags["object"] ?? 0) > 0 }
            case "font_face_bad": return html.contains(where: \.fontFaceBad)
            case "font_low_contrast": return html.contains(where: \.fontLowContrast)
            case "font_invalid_color": return html.contains(where: \.fontInvalidColor)
            default: return false
            }
        }
        f["html_tag_exists"] = { ctx, args in
            guard let tag = args.first?.lowercased() else { return false }
            return ctx.subjects.htmlParts.contains { ($0.tags[tag] ?? 0) > 0 }
        }
        f["html_tag_balance"] = { ctx, args in
            guard args.count == 2, let tag = args.first?.lowercased() else { return false }
            let parts = args[1].split(separator: " ")
            guard parts.count == 2, let value = Int(parts[1]) else { return false }
            return ctx.subjects.htmlParts.contains { html in
                guard html.tags[tag] != nil || html.balance[tag] != nil else { return false }
                let b = html.balance[tag] ?? 0
                switch parts[0] {
                case "!=": return b != value
                case "==": return b == value
                case ">": return b > value
                case "<": return b < value
                default: return false
                }
            }
        }
        f["html_image_only"] = { ctx, args in
            guard args.count == 2, let lo = Int(args[0]), let hi = Int(args[1]) else { return false }
            return ctx.subjects.htmlParts.contains { html in
                html.imageCount > 0 && html.sourceLength > lo && html.sourceLength <= hi
            }
        }
        f["html_image_ratio"] = { ctx, args in
            guard args.count == 2, let lo = Double(args[0]), let hi = Double(args[1]) else { return false }
            return ctx.subjects.htmlParts.contains { html in
                guard html.imageArea > 0 else { return false }
                let length = html.visibleLength
                let ratio = Double(length) / Double(html.imageArea)
                return ratio > lo && ratio <= hi
            }
        }
        f["html_range"] = { ctx, args in
            guard args.count == 3, let lo = Double(args[1]) else { return false }
            let hi = Double(args[2]) ?? .infinity
            return ctx.subjects.htmlParts.contains { html in
                let value: Double
                switch args[0] {
                case "length": value = Double(html.sourceLength)
                case "closed_extra_ratio":
                    guard html.tagEvents > 0 else { return false }
                    value = Double(html.closedExtra) / Double(html.tagEvents)
                case "max_size": value = Double(html.maxSize)
                default: return false
                }
                return value > lo && value <= hi
            }
        }
        f["html_eval"] = { ctx, args in
            guard args.count == 2, args[0] == "length" else { return false }
            let parts = args[1].split(separator: " ")
            guard parts.count == 2, let limit = Double(parts[1]) else { return false }
            return ctx.subjects.htmlParts.contains { html in
                let value = Double(html.sourceLength)
                switch parts[0] {
                case "<": return value < limit
                case ">": return value > limit
                default: return false
                }
            }
        }
        f["html_text_match"] = { ctx, args in
            // Compiled once per distinct pattern (Perl semantics, as HTMLEval's `$text =~ /$regexp/`).
            guard args.count == 2, let regex = EvalPatterns.pattern(args[1]) else { return false }
            return ctx.subjects.htmlParts.contains { html in
                switch args[0] {
                case "title": regex.matches(html.title)
                case "anchor": regex.matches(html.anchorText)
                default: false
                }
            }
        }
        f["html_title_subject_ratio"] = { ctx, args in
            guard let ratio = Double(args.first ?? ""), let subject = ctx.message.headers.first("Subject")?.value, !subject.isEmpty else { return false }
            return ctx.subjects.htmlParts.contains { !$0.title.isEmpty && Double($0.title.count) / Double(subject.count) > ratio }
        }
        f["check_iframe_src"] = { ctx, _ in
            ctx.subjects.htmlParts.contains { ($0.tags["iframe"] ?? 0) > 0 }
        }
        // DKIM presence (validity needs DNS).
        f["check_dkim_signed"] = { ctx, _ in
            ctx.message.headers.first("DKIM-Signature") != nil || ctx.message.headers.first("DomainKey-Signature") != nil
        }
        HeaderEvals.register(into: &f)
        RelayEvals.register(into: &f)
        FreeMailEvals.register(into: &f)
        return f
    }()
}

extension EvalLibrary {
    /// The message's `MIMEFacts`, made once per scan.
    static func mimeFacts(_ ctx: EvalContext) -> MIMEFacts {
        ctx.metadata.mimeFacts.value { MIMEFacts(ctx.message) }
    }

    /// Lengths of the lines of every base64 leaf (a line's CR not counted), made once per scan.
    static func base64LineLengths(_ ctx: EvalContext) -> Set<Int> {
        ctx.metadata.base64LineLengths.value {
            var lengths = Set<Int>()
            for part in ctx.message.leaves where part.transferEncoding == .base64 {
                for line in ctx.message.raw[part.bodyRange].split(separator: 0x0A) {
                    lengths.insert(line.last == 0x0D ? line.count - 1 : line.count)
                }
            }
            return lengths
        }
    }

    /// Bytes, ASCII letters and capitals of the rendered body, for `check_for_uppercase`.
    struct BodyLetters: Sendable {
        var length = 0, letters = 0, capitals = 0

        /// Counted in place: joining and filtering the body into arrays per rule cost 1 % of a scan.
        init(_ lines: ArraySlice<[UInt8]>) {
            for line in lines {
                length += line.count
                for byte in line {
                    if byte >= 0x41 && byte <= 0x5A {
                        letters += 1
                        capitals += 1
                    } else if byte >= 0x61 && byte <= 0x7A {
                        letters += 1
                    }
                }
            }
        }
    }
}

/// MIME facts for `check_for_mime` and friends, as MIMEEval's `_check_attachments` counts them.
struct MIMEFacts: Sendable {
    var hasHTML = false
    var hasPlainText = false
    var base64Count = 0
    var qpCount = 0
    var attachment = false
    var base64EncodedText = false
    var qpLongLine = false
    var base64Blanks = false

    init(_ message: Message) {
        for part in message.leaves where part.origin == .mime {
            let essence = part.contentType.essence
            if essence == "text/html" { hasHTML = true }
            if essence == "text/plain" { hasPlainText = true }
            if part.transferEncoding == .base64 {
                base64Count += 1
                if part.contentType.type == "text", part.disposition != "attachment", part.filename == nil {
                    base64EncodedText = true
                }
                let body = message.raw[part.bodyRange]
                if body.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().contains(where: { $0.allSatisfy { $0 == 0x0D || $0 == 0x20 } }) {
                    base64Blanks = true
                }
            }
            if part.transferEncoding == .quotedPrintable {
                qpCount += 1
                if message.raw[part.bodyRange].split(separator: 0x0A).contains(where: { $0.count > 77 }) { qpLongLine = true }
            }
            if part.disposition == "attachment" || (part.contentType.type != "text" && part.contentType.type != "multipart") {
                attachment = true
            }
        }
    }

    func flag(_ name: String) -> Bool {
        switch name {
        case "mime_base64_count": base64Count > 0
        case "mime_qp_count": qpCount > 0
        case "mime_attachment": attachment
        case "mime_base64_encoded_text": base64EncodedText
        case "mime_qp_long_line": qpLongLine
        case "mime_base64_blanks": base64Blanks
        default: false
        }
    }
}
