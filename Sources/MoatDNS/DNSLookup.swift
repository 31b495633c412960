/// Asks DNS one question. Engines take this instead of a resolver so the SPF and DMARC evaluators
/// can also run the published test suites, whose zone data is a table rather than a server.
public protocol DNSLookup: Sendable {
    func lookup(_ name: String, _ type: DNSRecordType) async -> DNSAnswer
}
