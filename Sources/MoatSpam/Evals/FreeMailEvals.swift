import Foundation
import MoatMessage

/// The FreeMail plugin's evals (`FreeMail.pm`): free mail senders, free mail Reply-To addresses
/// that differ from the sender, and free mail addresses in the body. They never hit when the rule
/// files list no `freemail_domains`.
enum FreeMailEvals {
    private static let dotRuns = PerlPattern(#"\.{2,}"#)

    static func register(into f: inout [String: EvalLibrary.Function]) {
        f["check_freemail_from"] = { ctx, args in
            guard let freemail = ctx.settings.freemail else { return false }
            var pattern: PerlPattern?
            if let regex = args.first {
                guard let compiled = EvalPatterns.pattern(regex) else { return false }
                pattern = compiled
            }
            for email in allFromAddresses(ctx) where freemail.isFreemail(email) {
                if let pattern, !pattern.matches(email) { continue }
                return true
            }
            return false
        }
        f["check_freemail_header"] = { ctx, args in
            guard let freemail = ctx.settings.freemail, let header = args.first else { return false }
            var pattern: PerlPattern?
            if args.count > 1 {
                guard let compiled = EvalPatterns.pattern(args[1]) else { return false }
                pattern = compiled
            }
            for email in addresses(ctx, header) where freemail.isFreemail(email) {
                if let pattern, !pattern.matches(email) { continue }
                return true
            }
            return false
        }
        f["check_freemail_body"] = { ctx, args in
            guard let freemail = ctx.settings.freemail, let emails = bodyFreemails(ctx, freemail) else { return false }
            if let regex = args.first {
                guard let pattern = EvalPatterns.pattern(regex) else { return false }
                return emails.contains { pattern.matches($0) }
            }
            return !emails.isEmpty
        }
        f["check_freemail_replyto"] = { ctx, args in
            guard let freemail = ctx.settings.freemail else { return false }
            let what = args.first ?? "replyto"
            guard what == "replyto" || what == "reply" else { return false }
            if let envelopeFrom = ctx.metadata.envelopeFrom, FreeMail.bulkEnvelopeFrom.matches(envelopeFrom) { return false }
            let from = addresses(ctx, "From")
            let replyTo = addresses(ctx, "Reply-To")
            let fromIsFree = from.contains { freemail.isFreemail($0) }
            let replyToIsFree = replyTo.contains { freemail.isFreemail($0) }
            let fromNotInReplyTo = !from.contains { replyTo.contains($0) }
            if fromIsFree, replyToIsFree, fromNotInReplyTo { return true }
            if what == "replyto" {
                if !replyToIsFree { return false }
            } else if !replyTo.isEmpty, !replyToIsFree {
                return false
            } else if !fromIsFree {
                return false
            }
            guard let body = bodyFreemails(ctx, freemail), !body.isEmpty else { return false }
            let reply = what == "replyto" ? replyTo : (replyToIsFree ? replyTo : from)
            return body.contains { email in reply.contains { $0 != email } }
        }
    }

    /// `get("NAME:addr")`, lower case; read once per message and name (a dozen evals a message
    /// ask for the same few headers).
    static func addresses(_ ctx: EvalContext, _ name: String) -> [String] {
        ctx.metadata.freemailAddresses.value(for: name) {
            guard let text = ctx.subjects.headerText(selector(name)) else { return [] }
            return text.split(separator: "\n").map { $0.lowercased() }
        }
    }

    /// `NAME:addr` selectors by header name, parsed once per process: the names are the rule
    /// files' and the evals' own, a few dozen at most.
    private static let selectors = SharedTable<String, HeaderSelector>()

    private static func selector(_ name: String) -> HeaderSelector {
        selectors.value(for: name) { HeaderSelector(parsing: Substring(name + ":addr")) }
    }

    /// `PerMsgStatus::all_from_addrs`, lower case, without duplicates or empties; worked out once
    /// per message.
    static func allFromAddresses(_ ctx: EvalContext) -> [String] {
        ctx.metadata.allFromAddresses.value { readAllFromAddresses(ctx) }
    }

    private static func readAllFromAddresses(_ ctx: EvalContext) -> [String] {
        var list: [String]
        let resent = addresses(ctx, "Resent-From")
        if let first = resent.first {
            list = [first]
        } else {
            list = ["From", "Envelope-Sender", "Resent-Sender", "X-Envelope-From", "EnvelopeFrom"].flatMap { addresses(ctx, $0) }
            list = list.filter { !$0.isEmpty }.map { address in
                var address = address
                dotRuns.replace(in: &address, global: true, with: ".")
                return address
            }
        }
        var seen = Set<String>()
        return list.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    // MARK: Body addresses

    private static let email = #"(?=.{0,64}\@)(?<![a-z0-9!#\$%&'*+\/=?^_`{|}~-])([a-z0-9!#\$%&'*+\/=?^_`{|}~-]+(?:\.[a-z0-9!#\$%&'*+\/=?^_`{|}~-]+)*\@(?:[a-z0-9](?:[a-z0-9-]{0,59}[a-z0-9])?\.){1,4}[a-z]{2,63})"#
    private static let emailPattern = PerlPattern(email, caseless: true)
    private static let mailtoPattern = PerlPattern("^mailto:" + email, caseless: true)
    private static let urlWithAt = PerlPattern(#"<?https?://\S{0,255}(?:\@|%40)\S{0,255}"#, caseless: true)
    private static let quotedEmail = PerlPattern(#"<?(?<!mailto:)"# + email + #"(?:>|\s{1,10}(?!(?:fa(?:x|csi)|tel|phone|e?-?mail))[a-z]{2,11}:)"#, caseless: true)

    /// `_parse_body`: free mail addresses in mailto links and the body text; nil when there are too
    /// many addresses (5 in all or 3 free ones: a newsletter or list, not a person). Searched once
    /// per message (the free mail list is the rule set's, the same for every eval of a scan).
    static func bodyFreemails(_ ctx: EvalContext, _ freemail: FreeMail) -> [String]? {
        ctx.metadata.bodyFreemails.value { searchBody(ctx, freemail) }
    }

    private static func searchBody(_ ctx: EvalContext, _ freemail: FreeMail) -> [String]? {
        var found: [String] = []
        var seen = Set<String>()
        for html in ctx.subjects.htmlParts {
            for uri in html.uris where found.count < 20 {
                if let m = mailtoPattern.match(uri) {
                    let address = m.text(1).lowercased()
                    if seen.insert(address).inserted { found.append(address) }
                }
            }
        }
        // All three patterns need an `@` for an address to come out (the URL one may also take a
        // `%40`, but then only blanks a link, and a line without `@` still yields nothing): lines
        // without one, most of them, are skipped without a match.
        lines: for line in ctx.subjects.bodyLines.dropFirst() where line.contains(0x40) {
            var text = String(decoding: line, as: UTF8.self)
            urlWithAt.replace(in: &text, global: true, with: " ")
            quotedEmail.replace(in: &text, global: true, with: " ")
            let bytes = Array(text.utf8)
            var start = 0
            while let m = emailPattern.match(bytes: bytes, from: start) {
                let address = m.text(1).lowercased()
                if seen.insert(address).inserted { found.append(address) }
                if found.count >= 40 { break lines }
                start = m.range.upperBound
            }
        }
        var result: [String] = []
        var all = 0, free = 0
        for address in found {
            all += 1
            if all == 5 { return nil }
            guard freemail.isFreemail(address) else { continue }
            free += 1
            if free == 3 { return nil }
            result.append(address)
        }
        return result
    }
}
