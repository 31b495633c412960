/// SpamAssassin's registry boundaries (`RegistryBoundaries.pm`): the domain a URI block list is
/// asked about is the host cut to one label below its registry (`www.shop.example.co.uk` →
/// `example.co.uk`), with the registries taken from the rule files' `util_rb_tld`, `util_rb_2tld`
/// and `util_rb_3tld` lines so the spam engine asks exactly what SpamAssassin would.
struct RegistryBoundaries: Sendable {
    var topLevel: Set<String> = []
    var twoLevel: Set<String> = []
    var threeLevel: Set<String> = []

    /// The registrable domain of `host` (lower-cased, without a trailing dot), nil when its top
    /// label is not a known registry (SpamAssassin's `is_domain_valid`) or it has one label.
    func trim(_ host: String) -> String? {
        var host = host.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, !labels.contains(where: \.isEmpty), let last = labels.last, topLevel.contains(String(last)) else {
            return nil
        }
        func suffix(_ n: Int) -> String { labels.suffix(n).joined(separator: ".") }
        let keep: Int
        if labels.count >= 4, threeLevel.contains(suffix(3)) {
            keep = 4
        } else if labels.count >= 3, twoLevel.contains(suffix(2)) {
            keep = 3
        } else {
            keep = 2
        }
        return suffix(min(keep, labels.count))
    }
}
