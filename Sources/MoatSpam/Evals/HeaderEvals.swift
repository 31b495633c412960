import Foundation
import MoatMessage

/// HeaderEval checks that compare header fields with each other or with the Received trail:
/// sender domains (`check_equal_from_domains`), Outlook Express Message-IDs whose embedded time
/// does not match the message (`check_outlook_message_id`), and a Date header far from the
/// Received times (`check_for_shifted_date`). Ported from `Plugin/HeaderEval.pm`.
enum HeaderEvals {
    static func register(into f: inout [String: EvalLibrary.Function]) {
        f["check_equal_from_domains"] = { ctx, _ in
            guard let from = secondLevelDomain(ctx.subjects.headerText(HeaderSelector.fromAddress)),
                  let envelopeFrom = secondLevelDomain(ctx.subjects.headerText(HeaderSelector.envelopeFromAddress))
            else { return false }
            return from.lowercased() != envelopeFrom.lowercased()
        }
        f["check_outlook_message_id"] = { ctx, _ in outlookMessageIDInvalid(ctx) }
        f["check_messageid_not_usable"] = { ctx, _ in
            let unsubscribe = ctx.message.headers.all("List-Unsubscribe").last?.value ?? ""
            if listUnsubscribeRemailer.matches(unsubscribe) || gatedThroughReceivedRemover(ctx) { return true }
            let received = receivedText(ctx)
            return received.contains("/CWT/DCE)") || received.contains("iPlanet Messaging Server")
        }
        f["gated_through_received_hdr_remover"] = { ctx, _ in gatedThroughReceivedRemover(ctx) }
        f["check_for_forged_hotmail_received_headers"] = { ctx, _ in hotmailReceived(ctx) == .forged }
        f["check_for_no_hotmail_received_headers"] = { ctx, _ in hotmailReceived(ctx) == .missing }
        f["check_for_forged_yahoo_received_headers"] = { ctx, _ in forgedYahooReceived(ctx) }
        f["check_for_fake_aol_relay_in_rcvd"] = { ctx, _ in
            let received = collapsedReceivedText(ctx)
            guard aolRelay.matches(received) else { return false }
            return !aolGenuine.contains { $0.matches(received) }
        }
        f["check_for_forged_eudoramail_received_headers"] = { ctx, _ in
            guard eudoramailFrom.matches(ctx.subjects.headerText(HeaderSelector.fromAddress) ?? "") else { return false }
            let received = collapsedReceivedText(ctx)
            let ip = ctx.subjects.headerText(HeaderSelector.xSenderIP).map { anyIP.matches($0) } ?? false
            if gatedThroughReceivedRemover(ctx) { return false }
            return !(whowhere.matches(received) && ip)
        }
        f["check_for_forged_juno_received_headers"] = { ctx, _ in forgedJunoReceived(ctx) }
        f["check_for_forged_gmail_received_headers"] = { ctx, _ in
            guard gmailFrom.matches(ctx.subjects.headerText(HeaderSelector.fromAddress) ?? "") else { return false }
            let xReceived = ctx.subjects.headerText(HeaderSelector.xReceived) ?? ""
            if gmailXReceived.contains(where: { $0.matches(xReceived) }) { return false }
            if gmailESMTPSA.matches(receivedText(ctx)) { return false }
            let state = ctx.subjects.headerText(HeaderSelector.xGmMessageState) ?? ""
            let source = ctx.subjects.headerText(HeaderSelector.xGoogleSmtpSource) ?? ""
            return !(state.utf8.count >= 60 && source.utf8.count >= 60)
        }
        f["check_for_matching_env_and_hdr_from"] = { ctx, _ in
            // Two missing addresses match, as in SpamAssassin.
            let envelope = ctx.subjects.headerText(HeaderSelector.envelopeFromAddress) ?? ""
            let from = ctx.subjects.headerText(HeaderSelector.fromAddress) ?? ""
            return envelope.lowercased() == from.lowercased()
        }
        f["sorted_recipients"] = { ctx, _ in RecipientList(ctx).sorted }
        f["similar_recipients"] = { ctx, args in
            guard args.count == 2 else { return false }
            let similarity = RecipientList(ctx).similarity
            if args[0] != "undef" {
                guard let min = Double(args[0]), similarity >= min else { return false }
            }
            if args[1] != "undef" {
                guard let max = Double(args[1]), similarity < max else { return false }
            }
            return true
        }
        f["check_for_shifted_date"] = { ctx, args in
            guard args.count == 2 else { return false }
            let diff = ctx.subjects.metadata.dateShift
            if args[0] != "undef" {
                guard let min = Double(args[0]), diff >= 3600 * min else { return false }
            }
            if args[1] != "undef" {
                guard let max = Double(args[1]), diff < 3600 * max else { return false }
            }
            return true
        }
    }

    private static let domainOfLastAddress = PerlPattern(#"\@([^@]*)\z"#)
    private static let lastTwoLabels = PerlPattern(#"^.+\.([^\.]+\.[^\.]+)$"#)

    /// The domain of the last address, cut to its last two labels (`a.b.example.com` →
    /// `example.com`); nil when empty, which makes the check not hit.
    static func secondLevelDomain(_ addresses: String?) -> String? {
        guard let addresses, let m = domainOfLastAddress.match(addresses) else { return nil }
        var domain = m.text(1)
        if let two = lastTwoLabels.match(domain) { domain = two.text(1) }
        return domain.isEmpty ? nil : domain
    }

    // MARK: Received trail of big free mail providers

    /// `get('Received')`: every Received value, one a line.
    static func receivedText(_ ctx: EvalContext) -> String {
        ctx.metadata.receivedText.value { ctx.message.headers.all("Received").map { $0.value + "\n" }.joined() }
    }

    /// `receivedText` with runs of spaces collapsed, as the forged-trail checks read it.
    static func collapsedReceivedText(_ ctx: EvalContext) -> String {
        ctx.metadata.collapsedReceivedText.value { ReceivedParser.collapseSpaces(receivedText(ctx)) }
    }

    private static let listUnsubscribeRemailer = PerlPattern(#"<mailto:(?:leave-\S+|\S+-unsubscribe)\@\S+>$"#, caseless: true)
    private static let ezmlmContact = PerlPattern(#"^contact \S+\@\S+\; run by ezmlm$"#, multiline: true)
    private static let ezmlmDeliveredTo = PerlPattern(#"^mailing list \S+\@\S+"#, multiline: true)
    private static let qmailInvoked = PerlPattern(#"qmail \d+ invoked (?:from network|by .{3,20})\); \d+ ... \d+"#)
    private static let msnGroupsReceived = PerlPattern(#"from groups\.msn\.com \(\S+\.msn\.com "#)

    /// Mail through a list manager or service that drops the Received trail (ezmlm, MSN groups),
    /// or with none at all: the forged-trail checks cannot judge it.
    static func gatedThroughReceivedRemover(_ ctx: EvalContext) -> Bool {
        ctx.metadata.gatedThroughReceivedRemover.value { computeGatedThroughReceivedRemover(ctx) }
    }

    private static func computeGatedThroughReceivedRemover(_ ctx: EvalContext) -> Bool {
        let headers = ctx.message.headers
        if let list = headers.all("Mailing-List").last?.value, ezmlmContact.matches(list + "\n") {
            let deliveredTo = headers.all("Delivered-To").map { $0.value + "\n" }.joined()
            if ezmlmDeliveredTo.matches(deliveredTo), qmailInvoked.matches(receivedText(ctx)) { return true }
        }
        guard headers.first("Received") != nil else { return true }
        return msnGroupsReceived.matches(receivedText(ctx))
    }

    enum HotmailTrail { case plausible, forged, missing }

    private static let hotmailPatterns: (pickup: PerlPattern, checks: [(PerlPattern, Bool)], claims: PerlPattern) = {
        let ip = ReceivedParser.ipAddress
        return (
            PerlPattern(#"from mail pickup service by hotmail\.com with Microsoft SMTPSVC;"#),
            [
                (PerlPattern(#"from (?:\S*\.)?hotmail.com \(\S+\.hotmail(?:\.msn)?\.com[ \)]"#), true),
                (PerlPattern(#"from \S*\.outbound\.protection\.outlook\.com \(\S+\.outbound\.protection\.outlook\.com[ \)]"#), false),
                (PerlPattern(#"from \S*\.(?:eur|nam)prd\d+\.prod\.outlook\.com \("# + ip + #"\)"#), false),
                (PerlPattern(#"from \S*\.hotmail.com \(\["# + ip + #"\][ \):]"#), true),
                (PerlPattern(#"from \S+ by \S+\.hotmail(?:\.msn)?\.com with HTTP\;"#), true),
                (PerlPattern(#"from \[66\.218.\S+\] by \S+\.yahoo\.com"#), true),
            ],
            PerlPattern(#"(?:from |HELO |helo=)\S*hotmail\.com\b"#)
        )
    }()
    private static let anyIP = PerlPattern(ReceivedParser.ipAddress)
    private static let hotmailOriginator = PerlPattern(#"hotmail\.com|msonline\-outlook"#)
    private static let hotmailFrom = PerlPattern(#"\bhotmail\.com$"#, caseless: true)
    private static let msnGroupsTo = PerlPattern(#"<(\S+)\@groups\.msn\.com>"#, caseless: true)
    private static let msnGroupsPickup = PerlPattern(#"from mail pickup service by ((?:p\d\d\.)groups\.msn\.com)\b"#)

    /// `_check_for_forged_hotmail_received_headers`: a Received trail claiming Hotmail that
    /// Hotmail did not write (`forged`), or a Hotmail From with no Hotmail trail (`missing`).
    static func hotmailReceived(_ ctx: EvalContext) -> HotmailTrail {
        ctx.metadata.hotmailTrail.value { computeHotmailReceived(ctx) }
    }

    private static func computeHotmailReceived(_ ctx: EvalContext) -> HotmailTrail {
        let received = collapsedReceivedText(ctx)
        let from = ctx.subjects.headerText(HeaderSelector.fromAddress) ?? ""
        // Only a trail naming hotmail.com can be `forged` and only a From naming it `missing`;
        // every other answer is `plausible`. Nearly all mail names it nowhere, and the eight
        // searches of the whole trail below were one of the costliest evals.
        // Searched on the bytes (Foundation's search was half of this eval's cost); a byte search
        // finds every place a character search does, so nothing that can be forged is skipped.
        guard hasHotmail(received, caseless: false) || hasHotmail(from, caseless: true) else { return .plausible }
        let p = hotmailPatterns
        if p.pickup.matches(received) { return .plausible }
        let to = ctx.message.headers.all("To").map { $0.value + "\n" }.joined()
        if msnGroupsTo.matches(to), msnGroupsPickup.matches(receivedText(ctx)) { return .plausible }
        let ip = ctx.message.headers.all("X-Originating-Ip").last.map { anyIP.matches($0.value) } ?? false
        let originator = ctx.message.headers.all("X-OriginatorOrg").last.map { hotmailOriginator.matches($0.value) } ?? false
        if gatedThroughReceivedRemover(ctx) { return .plausible }
        for (pattern, needsIP) in p.checks where pattern.matches(received) && (needsIP ? ip : originator) {
            return .plausible
        }
        if p.claims.matches(received) { return .forged }
        return hotmailFrom.matches(from) ? .missing : .plausible
    }

    /// A plain literal: `PerlPattern` searches it on the bytes, without PCRE2.
    private static let hotmailName = PerlPattern(#"hotmail\.com"#)

    /// Whether `text` holds `hotmail.com` (in any case when `caseless`).
    static func hasHotmail(_ text: String, caseless: Bool) -> Bool {
        hotmailName.matches(caseless ? text.lowercased() : text)
    }

    private static let yahooFrom = PerlPattern(#"\byahoo\.com$"#, caseless: true)
    private static let yahooTrustedRDNS = PerlPattern(#" rdns=\S+\.yahoo\.com "#)
    private static let yahooUntrustedRDNS = PerlPattern(#"^[^\]]+ rdns=\S+\.yahoo\.com "#)
    private static let yahooGenuine: [PerlPattern] = [
        PerlPattern(#"by web\S+\.mail\S*\.yahoo\.com via HTTP"#),
        PerlPattern(#"by sonic\S+\.consmr\.mail\S*\.yahoo\.com with HTTP"#),
        PerlPattern(#"by smtp\S+\.yahoo\.com with SMTP"#),
        PerlPattern(#"from \["# + ReceivedParser.ipAddress + #"\] by \S+\.(?:groups|scd|dcn)\.yahoo\.com with NNFMP"#),
        PerlPattern(#"by \w+\.\w+\.yahoo\.com \(\d+\.\d+\.\d+\/\d+\.\d+\.\d+\)(?: with ESMTP)? id \w+"#),
    ]
    private static let yahooBulk = PerlPattern(#"\bmailer\d+\.bulk\.scd\.yahoo\.com\b"#)
    private static let yahooReplyFrom = PerlPattern(#"\@reply\.yahoo\.com$"#, caseless: true)

    /// A Yahoo! From whose Received trail Yahoo! did not write.
    static func forgedYahooReceived(_ ctx: EvalContext) -> Bool {
        let from = ctx.subjects.headerText(HeaderSelector.fromAddress) ?? ""
        guard yahooFrom.matches(from) else { return false }
        var received = receivedText(ctx)
        let headers = ctx.message.headers
        if headers.first("Resent-From") != nil, headers.first("Resent-To") != nil {
            let x = headers.all("X-Received").map { $0.value + "\n" }.joined()
            if !x.isEmpty { received = x }
        }
        received = ReceivedParser.collapseSpaces(received)
        if gatedThroughReceivedRemover(ctx) { return false }
        let path = ctx.metadata.relays
        if yahooTrustedRDNS.matches(path.pseudoHeader("X-Spam-Relays-Trusted") ?? "")
            || yahooUntrustedRDNS.matches(path.pseudoHeader("X-Spam-Relays-Untrusted") ?? "") { return false }
        if yahooGenuine.prefix(4).contains(where: { $0.matches(received) }) { return false }
        if yahooBulk.matches(received), yahooReplyFrom.matches(from) { return false }
        return !yahooGenuine[4].matches(received)
    }

    private static let aolRelay = PerlPattern(#" rly-[a-z][a-z]\d\d\."#, caseless: true)
    private static let aolGenuine = [PerlPattern(#"\/AOL-\d+\.\d+\.\d+\)"#), PerlPattern(#"ESMTP id (?:RELAY|MAILRELAY|MAILIN)"#)]
    private static let eudoramailFrom = PerlPattern(#"\beudoramail\.com$"#, caseless: true)
    private static let whowhere = PerlPattern(#"by \S*whowhere.com\;"#)
    private static let gmailFrom = PerlPattern(#"\bgmail\.com$"#, caseless: true)
    private static let gmailXReceived = [PerlPattern(#"by 10\.\S+ with SMTP id \S+"#), PerlPattern(#"by 2002\:a\d\d\:\w+\:\S+ with SMTP id \S+"#)]
    private static let gmailESMTPSA = PerlPattern(#"by smtp\.googlemail\.com with ESMTPSA id \S+"#)
    private static let junoFrom = PerlPattern(#"\bjuno\.com$"#, caseless: true)
    private static let junoPatterns: [PerlPattern] = {
        let ip = ReceivedParser.ipAddress
        return [
            PerlPattern(#"from.*\b(?:juno|untd)\.com.*[\[\(]"# + ip + #"[\]\)].*by"#),
            PerlPattern(#" cookie\.(?:juno|untd)\.com "#),
            PerlPattern(#"from.*\bmail\.com.*\["# + ip + #"\].*by"#),
            PerlPattern(#"from (webmail\S+\.untd\.com) \(\1 \["# + ip + #"\]\) by"#),
        ]
    }()
    private static let mailComMailer = PerlPattern(#"\bmail\.com"#)
    private static let webmailMailer = PerlPattern(#"^Webmail Version \d"#)

    /// A Juno From whose headers Juno's servers did not write.
    static func forgedJunoReceived(_ ctx: EvalContext) -> Bool {
        guard junoFrom.matches(ctx.subjects.headerText(HeaderSelector.fromAddress) ?? "") else { return false }
        if gatedThroughReceivedRemover(ctx) { return false }
        let originating = ctx.subjects.headerText(HeaderSelector.xOriginatingIP) ?? ""
        let mailer = ctx.subjects.headerText(HeaderSelector.xMailer) ?? ""
        let received = receivedText(ctx)
        let p = junoPatterns
        if !originating.isEmpty {
            if !p[0].matches(received), !p[1].matches(received) { return true }
            if !mailer.contains("Juno ") { return true }
        } else {
            if p[2].matches(received) {
                if !mailComMailer.matches(mailer) { return true }
            } else if p[3].matches(received) {
                if !webmailMailer.matches(mailer) { return true }
            } else {
                return true
            }
            if !anyIP.matches(originating) { return true }
        }
        return false
    }

    // MARK: Outlook Message-ID

    private static let outlookID = PerlPattern(#"^<[0-9a-f]{4}([0-9a-f]{8})\$[0-9a-f]{8}\$[0-9a-f]{8}\@"#)

    /// Outlook Express put a timestamp in its Message-IDs; a forger's copy rarely matches the Date
    /// or the Received time (within 250 units, a few minutes).
    static func outlookMessageIDInvalid(_ ctx: EvalContext) -> Bool {
        guard let id = ctx.subjects.headerText(HeaderSelector.messageIDs),
              let m = outlookID.match(id), let token = Int(m.text(1), radix: 16) else { return false }
        let x = 0.0023283064365387
        let y = 27111902.8329849
        let fudge = 250
        let date = ctx.subjects.headerText(HeaderSelector.date).flatMap(RFC822Date.parse) ?? 0
        if abs(token - Int(date * x + y)) < fudge { return false }
        let time = RFC822Date.parse(receivedText(ctx)) ?? 0
        return abs(token - Int(time * x + y)) >= fudge
    }

    // MARK: Date versus Received

    private static let localFirst = PerlPattern(#"\bfrom (?:localhost\s|(?:\S+ ){1,2}\S*\b127\.0\.0\.1\b)"#)
    private static let qmailLocal = PerlPattern(#"qmail \d+ invoked by uid \d+"#)
    private static let fetchmail = PerlPattern(#"\bby localhost with \w+ \(fetchmail-[\d.]+"#)
    private static let receivedDate = PerlPattern(#"(\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+)"#)

    /// Seconds the Date header is ahead of the nearest Received time (negative: behind); 0 when
    /// either is missing (`_check_date_diff`).
    static func dateDifference(_ message: Message) -> Double {
        var dateTime: Double?
        dates: for name in ["Resent-Date", "Date"] {
            for field in message.headers.all(name) where !field.value.isEmpty {
                dateTime = RFC822Date.parse(field.value)
                if dateTime != nil { break dates }
            }
        }
        guard let dateTime else { return 0 }
        var received = message.headers.all("Received").map(\.value).filter { $0.contains { !$0.isWhitespace } }
        guard !received.isEmpty else { return 0 }
        // A local delivery and a fetchmail hop at the top are the reader's, not the sender's.
        var local: [String] = []
        if localFirst.matches(received[0]) || qmailLocal.matches(received[0]) { local.append(received.removeFirst()) }
        if let first = received.first, fetchmail.matches(first) {
            local.append(received.removeFirst())
        } else if !local.isEmpty {
            received.insert(local.removeFirst(), at: 0)
        }
        let times = received.compactMap { line in receivedDate.match(line).flatMap { RFC822Date.parse($0.text(1)) } }
        guard !times.isEmpty else { return 0 }
        var diffs = times.map { dateTime - $0 }
        if diffs.count > 1, diffs.last == 0 { diffs.removeLast() }
        return diffs.min { abs($0) < abs($1) } ?? 0
    }
}
