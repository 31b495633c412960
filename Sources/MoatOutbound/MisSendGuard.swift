import MoatCore
import MoatMessage

/// Decides which mis-send guards an outbound message trips. Pure: the envelope, the message's
/// headers and the engines' verdicts in, the hits out.
public struct MisSendGuard: Sendable {
    /// One guard that fired: its name, what it asks for, and the reason the sender is shown.
    public struct Hit: Sendable, Hashable, Codable {
        public var guardName: String
        public var action: MisSendGuardSettings.GuardAction
        public var reason: String
    }

    public let settings: MisSendGuardSettings

    public init(settings: MisSendGuardSettings) {
        self.settings = settings
    }

    public func evaluate(envelope: Envelope, headers: HeaderList, verdicts: [EngineVerdict]) -> [Hit] {
        var hits: [Hit] = []
        if settings.maxVisibleExternalRecipients > 0, settings.visibleRecipientsAction != .off {
            let visible = (headers.all("To") + headers.all("Cc")).flatMap { AddressList.addresses($0.value) }
            var seen = Set<String>()
            let external = visible.filter { isExternal($0) && seen.insert($0.lowercased()).inserted }
            if external.count > settings.maxVisibleExternalRecipients {
                hits.append(Hit(guardName: "visible_recipients", action: settings.visibleRecipientsAction, reason:
                    "\(external.count) external recipients are visible to each other in To/Cc (more than \(settings.maxVisibleExternalRecipients)); use Bcc"))
            }
        }
        if settings.maxExternalDomains > 0, settings.externalDomainsAction != .off {
            var organisations: [String] = []
            for recipient in envelope.recipients where isExternal(recipient) {
                guard let domain = Self.domain(of: recipient) else { continue }
                let organisation = Self.organisationDomain(domain)
                if !organisations.contains(organisation) { organisations.append(organisation) }
            }
            if organisations.count > settings.maxExternalDomains {
                hits.append(Hit(guardName: "external_domains", action: settings.externalDomainsAction, reason:
                    "recipients in \(organisations.count) unrelated external domains (more than \(settings.maxExternalDomains))"))
            }
        }
        if settings.encryptedArchiveAction != .off {
            let encrypted = verdicts.flatMap(\.findings).filter { $0.code == Self.encryptedArchiveFinding }
            if let first = encrypted.first {
                hits.append(Hit(guardName: "encrypted_archive", action: settings.encryptedArchiveAction, reason:
                    "an encrypted archive is attached (\(first.partPath.map { "part \($0)" } ?? "attachment")); send the file through a file-sharing link instead of a password in another mail"))
            }
        }
        return hits
    }

    /// The filetype engine's finding for an archive whose members are encrypted (libarchive).
    public static let encryptedArchiveFinding = "filetype.encrypted_archive"

    /// Whether an address is outside every internal domain (and its subdomains).
    func isExternal(_ address: String) -> Bool {
        guard let domain = Self.domain(of: address) else { return false }
        return !settings.internalDomains.contains { own in
            let own = own.lowercased()
            return domain == own || domain.hasSuffix("." + own)
        }
    }

    static func domain(of address: String) -> String? {
        var text = address.lowercased()
        if text.hasPrefix("<") && text.hasSuffix(">") { text = String(text.dropFirst().dropLast()) }
        guard let at = text.lastIndex(of: "@") else { return nil }
        let domain = String(text[text.index(after: at)...]).trimmingCharacters(in: ["."])
        return domain.isEmpty ? nil : domain
    }

    /// Second-level labels under which registrations are one level deeper (`example.co.jp`,
    /// `example.com.au`): a short list, not the public suffix list, so two mailboxes at
    /// `a.example.co.jp` and `b.example.co.jp` count as one organisation.
    static let secondLevels: Set<String> = ["co", "ac", "or", "ne", "go", "gr", "ed", "lg", "com", "net", "org", "gov", "edu", "ltd", "plc"]

    /// The organisation a domain belongs to, approximately: its last two labels, or three under a
    /// country's second-level label.
    static func organisationDomain(_ domain: String) -> String {
        let labels = domain.split(separator: ".")
        guard labels.count > 2 else { return domain }
        let count = labels[labels.count - 1].count == 2 && secondLevels.contains(String(labels[labels.count - 2])) ? 3 : 2
        return labels.suffix(count).joined(separator: ".")
    }
}
