/// What normalising learns from a host text alone, kept per host in a ``BoundedMemo``.
struct HostFacts: Sendable {
    var ascii: String
    var unicode: String
    var traits: Set<URLTrait>
    var registrableDomain: String?
    var knownTopLevelDomain: Bool
}
