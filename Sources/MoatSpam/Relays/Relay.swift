/// One mail handover read from a Received header, as SpamAssassin's relay metadata describes it
/// (`Message/Metadata/Received.pm`): rules match its string form in the `X-Spam-Relays-*`
/// pseudo-headers, and the relay evals read its fields.
struct Relay: Sendable, Hashable {
    var ip = ""
    /// Reverse DNS name the receiving MTA recorded; empty when none.
    var rdns = ""
    var helo = ""
    var by = ""
    var ident = ""
    /// Envelope sender the MTA noted in the header, if any.
    var envfrom: String?
    var id = ""
    /// How the sender authenticated (`ESMTPA`, `Sendmail`, ...); empty when not.
    var auth = ""
    /// The MTA looked the IP up and found no name (as opposed to not recording one).
    var noReverseDNS = false
    /// The IP is private, loopback, link-local or CGN space.
    var ipPrivate = false
    /// Inside the internal networks (set by the trust path).
    var isInternal = false
    var msa = false

    /// `[ ip=... rdns=... helo=... by=... ident=... envfrom=... intl=0 id=... auth=... msa=0 ]`,
    /// field order fixed: stock rules rely on it.
    var asString: String {
        "[ ip=\(ip) rdns=\(rdns) helo=\(helo) by=\(by) ident=\(ident) envfrom=\(envfrom ?? "") intl=\(isInternal ? 1 : 0) id=\(id) auth=\(auth) msa=\(msa ? 1 : 0) ]"
    }
}
