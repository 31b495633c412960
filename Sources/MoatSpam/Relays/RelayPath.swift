import MoatMessage

/// The message's relays split at the trust boundary, as SpamAssassin does with no
/// `trusted_networks` / `internal_networks` configured (Moat has no such settings, and the stock
/// configuration sets none): from the newest Received header down, a relay is trusted while its IP
/// is private or it authenticated; the first other relay and every older one are untrusted.
/// Internal equals trusted in that mode. A POP/IMAP fetcher's header restarts the trusted list.
struct RelayPath: Sendable, Equatable {
    var trusted: [Relay] = []
    var untrusted: [Relay] = []
    var internalRelays: [Relay] = []
    var externalRelays: [Relay] = []
    /// Received headers that could not be read at all.
    var unparseable = 0

    /// Single-line headers whose IP SpamAssassin treats as the oldest handover
    /// (`originating_ip_headers` in the stock `10_default_prefs.cf`).
    static let originatingIPHeaders = [
        "X-Yahoo-Post-IP", "X-Originating-IP", "X-Apparently-From", "X-SenderIP", "X-AOL-IP",
        "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp",
    ]

    private static let anyIP = PerlPattern("(\(ReceivedParser.ipAddress))")

    /// Reads every Received header of `headers`, newest first.
    init(headers: HeaderList) {
        var lines = headers.all("Received").map { String(decoding: $0.rawValue, as: UTF8.self) }
        for name in Self.originatingIPHeaders {
            guard let field = headers.all(name).last, let m = Self.anyIP.match(bytes: field.rawValue) else { continue }
            lines.append("from X-Originating-IP: \(m.text(1))")
        }
        self.init(receivedLines: lines)
    }

    /// The trust path for unfolded Received values, newest first (also used by tests).
    init(receivedLines lines: [String]) {
        var inTrusted = true
        var inInternal = true
        var allowFetcherMarkers = true
        var scannerEnvfrom: String?
        for line in lines {
            let pending = scannerEnvfrom
            scannerEnvfrom = nil
            switch ReceivedParser.parse(line) {
            case .unparseable:
                unparseable += 1
            case .skipped:
                break
            case .fetcherMarker:
                // Relays before the fetcher describe another mailbox's delivery: start over.
                if allowFetcherMarkers {
                    trusted = []
                    internalRelays = []
                    externalRelays = []
                }
            case .qmailScanner(let envfrom):
                scannerEnvfrom = envfrom
            case .relay(var relay):
                if let pending, !pending.isEmpty { relay.envfrom = pending }
                if inTrusted, !relay.ipPrivate, relay.auth.isEmpty {
                    inTrusted = false
                    inInternal = false
                }
                relay.isInternal = inInternal
                if inTrusted {
                    trusted.append(relay)
                    allowFetcherMarkers = true
                } else {
                    untrusted.append(relay)
                    allowFetcherMarkers = false
                }
                if inInternal { internalRelays.append(relay) } else { externalRelays.append(relay) }
            }
        }
    }

    /// The `X-Spam-Relays-*` pseudo-header value for `name` (case-insensitive), or nil for
    /// another name.
    func pseudoHeader(_ name: String) -> String? {
        let list: [Relay]
        switch name.lowercased() {
        case "x-spam-relays-trusted": list = trusted
        case "x-spam-relays-untrusted": list = untrusted
        case "x-spam-relays-internal": list = internalRelays
        case "x-spam-relays-external": list = externalRelays
        default: return nil
        }
        return list.map(\.asString).joined(separator: " ")
    }
}
