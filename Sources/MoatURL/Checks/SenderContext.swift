import Foundation
import MoatMessage

/// What a message's headers say about who sent it, for judging its links.
///
/// Newsletters name a site in link text and send the click through their own or their mailing
/// service's tracker (`dilbert.com` → `ummail4.unitedmedia.com/Click?q=…`); phishing names a site
/// and sends the click to the attacker. The sender's own domains and a list header tell them apart
/// where the link's shape alone cannot.
public struct SenderContext: Sendable, Hashable {
    /// Registrable domains of the `From` and `Sender` addresses.
    public var domains: Set<String>
    /// The message declares itself list or bulk mail (`List-Unsubscribe`, `List-Id`,
    /// `Precedence: bulk|list`).
    public var isBulk: Bool

    public init(domains: Set<String> = [], isBulk: Bool = false) {
        self.domains = domains
        self.isBulk = isBulk
    }

    /// Reads the context from `headers`; `registrable` maps a host to its registrable domain.
    public init(headers: HeaderList, registrable: (String) -> String?) {
        var domains: Set<String> = []
        for name in ["From", "Sender"] {
            for field in headers.all(name) {
                guard let host = Self.addressDomain(field.value), let domain = registrable(host) else { continue }
                domains.insert(domain)
            }
        }
        let precedence = headers.first("Precedence")?.value.trimming(.whitespaces).lowercased() ?? ""
        let isBulk = headers.first("List-Unsubscribe") != nil || headers.first("List-Id") != nil
            || precedence == "bulk" || precedence == "list"
        self.init(domains: domains, isBulk: isBulk)
    }

    /// The domain of the last address in a header value (`"Name" <a@b.example>` → `b.example`).
    static func addressDomain(_ value: String) -> String? {
        guard let at = value.lastIndex(of: "@") else { return nil }
        let rest = value[value.index(after: at)...]
        var host = rest.prefix { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        while host.first == "." { host.removeFirst() }
        while host.last == "." { host.removeLast() }
        let trimmed = host.lowercased()
        return trimmed.containsBytes(".") && trimmed.count <= 253 ? trimmed : nil
    }
}
