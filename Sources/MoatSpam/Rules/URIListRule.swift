/// One SpamAssassin URIDNSBL list line (`Plugin/URIDNSBL.pm`), the DNS side of a rule whose test is
/// `eval:check_uridnsbl('NAME')`.
struct URIListRule: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        /// `urirhsbl`/`urirhssub`: the URI's registrable domain (or reversed IP literal) in the zone.
        case domain
        /// `uridnsbl`/`uridnssub`: the reversed addresses of the domain's name servers (with tflags
        /// `a`: of the domain itself) in the zone.
        case address
    }

    var kind: Kind
    var zone: String
    /// The record type asked (`A` or `TXT`); only `A` lists are run.
    var type: String
    /// What an answer must be (`urirhssub`/`uridnssub`); nil: any answer lists.
    var subtest: String?

    /// Reads the fields after the rule name: `zone type [subtest]`; nil when malformed.
    init?(directive: String, fields: [Substring]) {
        guard fields.count >= 2 else { return nil }
        switch directive {
        case "urirhsbl", "urirhssub": kind = .domain
        case "uridnsbl", "uridnssub": kind = .address
        default: return nil
        }
        var zone = fields[0].lowercased()
        while zone.hasSuffix(".") { zone.removeLast() }
        guard !zone.isEmpty else { return nil }
        self.zone = zone
        type = fields[1].uppercased()
        if directive.hasSuffix("sub") {
            guard fields.count >= 3 else { return nil }
            subtest = String(fields[2])
        }
    }
}
