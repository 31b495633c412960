import Foundation

/// The FreeMail plugin's lists (`freemail_domains`, `freemail_welcomelist`) and its test whether
/// an address belongs to a free mail provider (`FreeMail.pm` `_is_freemail`), for the
/// `check_freemail_*` evals. Nil in `EvalSettings` when the rules list no domains: SpamAssassin
/// then disables the plugin and its evals never hit.
struct FreeMail: Sendable {
    let domains: Set<String>
    /// `*` and `?` patterns (`yahoo.*`, `*.free.hr`) as one regex on the address; nil when none.
    let wildcard: PerlPattern?
    let welcomelist: Set<String>

    /// Role and machine local parts that are never a person's free mailbox (`$email_welcomelist`).
    private static let defaultWelcomelist = PerlPattern(
        #"^(?:abuse|support|sales|info|helpdesk|contact|kontakt|(?:post|host|domain)master|undisclosed.*|request-[a-f0-9]{16}|bounced?-|[a-f0-9]{8}(?:\.[a-f0-9]{8}|-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})|.+=.+=.+)\@"#,
        caseless: true)

    /// Bulk envelope senders for which the Reply-To checks are skipped (`$skip_replyto_envfrom`).
    static let bulkEnvelopeFrom = PerlPattern(
        #"(?:^(?:post|host|domain)master|^double-bounce|^(?:sentto|owner|return|(?:gr)?bounced?)-.+|-(?:request|bounces?|admin|owner)|\b(?:do[._-t]?)?no[._-t]?repl(?:y|ies)|.+=.+)\@"#,
        caseless: true)

    /// Builds the lists; nil when there are no domains.
    init?(domains: Set<String>, wildcards: Set<String>, welcomelist: Set<String>) {
        guard !domains.isEmpty || !wildcards.isEmpty else { return nil }
        self.domains = domains
        self.welcomelist = welcomelist
        if wildcards.isEmpty {
            wildcard = nil
        } else {
            let alternatives = wildcards.sorted().map { value in
                value.replacingOccurrences(of: ".", with: "\\.").replacingOccurrences(of: "?", with: ".")
                    .replacingOccurrences(of: "*", with: "[^.]*")
            }
            wildcard = PerlPattern("\\@(?:\(alternatives.joined(separator: "|")))$")
        }
    }

    /// Whether `email` (lower case) is a free mail address and not welcomelisted.
    func isFreemail(_ email: String) -> Bool {
        guard !email.isEmpty, !welcomelist.contains(email) else { return false }
        let domain = email.lastIndex(of: "@").map { String(email[email.index(after: $0)...]) } ?? email
        if welcomelist.contains(domain) || Self.defaultWelcomelist.matches(email) { return false }
        if domains.contains(domain) { return true }
        return wildcard?.matches(email) ?? false
    }
}
