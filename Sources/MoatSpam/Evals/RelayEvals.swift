/// RelayEval checks over the relay trust path (`Plugin/RelayEval.pm`): whether every relay is
/// trusted (`ALL_TRUSTED`, a ham sign), whether there are none (`NO_RELAYS`), unreadable
/// Received headers, numeric HELOs, big-provider HELOs without rDNS and HELO/IP mismatches.
enum RelayEvals {
    static func register(into f: inout [String: EvalLibrary.Function]) {
        f["check_all_trusted"] = { ctx, _ in
            let path = ctx.metadata.relays
            return !path.trusted.isEmpty && path.untrusted.isEmpty && path.unparseable == 0
        }
        f["check_no_relays"] = { ctx, _ in
            let path = ctx.metadata.relays
            return path.trusted.isEmpty && path.untrusted.isEmpty && path.unparseable == 0
        }
        f["check_relays_unparseable"] = { ctx, _ in ctx.metadata.relays.unparseable > 0 }
        f["check_for_illegal_ip"] = { _, _ in false }  // Retired in SpamAssassin (bug 6295).
        f["check_for_numeric_helo"] = { ctx, _ in
            let untrusted = ctx.metadata.relays.pseudoHeader("X-Spam-Relays-Untrusted") ?? ""
            guard let m = numericHELO.match(untrusted) else { return false }
            return !ReceivedParser.privateIP.matches(m.text(1))
        }
        f["check_for_sender_no_reverse"] = { ctx, _ in
            guard let sender = ctx.metadata.relays.untrusted.last else { return false }
            return sender.rdns.contains(".") && !sender.ipPrivate
        }
        f["check_for_no_rdns_dotcom_helo"] = { ctx, _ in
            // SpamAssassin resets the flag for each public untrusted relay: the oldest one decides.
            var flagged = false
            for relay in ctx.metadata.relays.untrusted where !relay.ipPrivate {
                flagged = dotcomHELO.matches(relay.helo) && relay.noReverseDNS
            }
            return flagged
        }
        f["check_for_forged_received_trail"] = { ctx, _ in forgedTrail(ctx.metadata.relays).mismatchedFrom > 1 }
        f["check_for_forged_received_ip_helo"] = { ctx, _ in forgedTrail(ctx.metadata.relays).mismatchedIPHELO > 0 }
        f["helo_ip_mismatch"] = { ctx, _ in
            for relay in ctx.metadata.relays.untrusted {
                guard isPublicIPv4(relay.helo) else { continue }
                if isPublicIPv4(relay.ip), relay.helo != relay.ip, let m = slash24.match(relay.helo), !relay.ip.hasPrefix(m.text(1)) {
                    return true
                }
            }
            return false
        }
    }

    private static let ipv4 = #"(?:1\d\d|2[0-4]\d|25[0-5]|[1-9]\d|\d)\.(?:1\d\d|2[0-4]\d|25[0-5]|[1-9]\d|\d)\.(?:1\d\d|2[0-4]\d|25[0-5]|[1-9]\d|\d)\.(?:1\d\d|2[0-4]\d|25[0-5]|[1-9]\d|\d)"#
    private static let numericHELO = PerlPattern(#"\bhelo=(\b"# + ipv4 + #"\b)(?=[\000-\040,;\[()<>]|\z)"#, caseless: true)
    private static let exactIPv4 = PerlPattern("^\\b" + ipv4 + "\\b$")
    private static let dotcomHELO = PerlPattern(#"(?:\.|^)(lycos\.com|lycos\.co\.uk|hotmail\.com|localhost\.com|excite\.com|caramail\.com|cs\.com|aol\.com|msn\.com|yahoo\.com|drizzle\.com)$"#, caseless: true)
    private static let slash24 = PerlPattern(#"^(\d+\.\d+\.\d+\.)"#)

    /// `hostname_to_domain`: the registrable-looking tail of a host name (IP addresses as they are).
    static func hostnameToDomain(_ host: String) -> String {
        guard host.contains(where: { $0.isASCII && $0.isLetter }) else { return host }
        var parts = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        while parts.last == "" { parts.removeLast() }
        if parts.count > 1, let last = parts.last, last.count >= 3 || last.contains("ie") || last.contains("fr") || last.contains("de") {
            return parts.suffix(2).joined(separator: ".")
        }
        if parts.count > 2 { return parts.suffix(3).joined(separator: ".") }
        return host
    }

    private static let hostLike = PerlPattern(#"^\w+(?:[\w.-]+\.)+\w+$"#)
    private static let dottedQuad = PerlPattern(#"^(\d+\.\d+)\.\d+\.\d+$"#)

    /// `_check_for_forged_received`: each untrusted hop's `by` should be the previous hop's
    /// rDNS domain; an IP-address HELO should be near the connecting IP.
    static func forgedTrail(_ path: RelayPath) -> (mismatchedFrom: Int, mismatchedIPHELO: Int) {
        let relays = path.untrusted
        let by = relays.map { hostnameToDomain($0.by.lowercased()) }
        var from: [String?] = relays.map { hostnameToDomain($0.rdns.lowercased()) }
        let helo = relays.map { hostnameToDomain($0.helo.lowercased()) }
        var mismatchedFrom = 0, mismatchedIPHELO = 0
        for i in relays.indices {
            guard hostLike.matches(by[i]) else { continue }
            if let f = from[i], f == "localhost" || f == "localhost.localdomain", relays[i].ip == "127.0.0.1" { from[i] = nil }
            let ip = relays[i].ip
            if let h = dottedQuad.match(helo[i]), let f = dottedQuad.match(ip), ip != helo[i],
               h.text(1) != f.text(1), !ReceivedParser.privateIP.matches(helo[i]) {
                mismatchedIPHELO += 1
            }
            if i > 0, let previous = from[i - 1], hostLike.matches(previous), by[i] != previous,
               !(by[i] == "msn.com" && previous == "hotmail.com") {
                mismatchedFrom += 1
            }
        }
        return (mismatchedFrom, mismatchedIPHELO)
    }

    private static func isPublicIPv4(_ text: String) -> Bool {
        exactIPv4.matches(text) && !ReceivedParser.privateIP.matches(text)
    }
}
