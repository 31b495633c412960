/// What a lookup came to. SPF, DMARC and block lists each need to tell "no such name" and "no
/// record of that type" (final answers) from "could not find out" (a temporary error they report).
public enum DNSAnswer: Sendable, Hashable {
    /// The records of the asked type (CNAMEs already followed by the resolver).
    case records([DNSRecord])
    /// The name exists but has no record of the asked type (NOERROR, empty answer).
    case noData
    /// The name does not exist (NXDOMAIN).
    case nxdomain
    /// SERVFAIL, REFUSED, a network or resolver error: try again later.
    case failure(String)
    /// No answer within the per-query timeout.
    case timedOut
    /// The message's DNS budget was spent before this query.
    case budgetExhausted

    /// The records, or none for every other outcome.
    public var records: [DNSRecord] {
        if case .records(let records) = self { return records }
        return []
    }

    /// Whether the answer is final (records, no data, no such name) rather than a temporary error.
    public var isDefinite: Bool {
        switch self {
        case .records, .noData, .nxdomain: true
        case .failure, .timedOut, .budgetExhausted: false
        }
    }

    /// TXT strings of the answer.
    public var texts: [String] {
        records.compactMap { if case .txt(let text) = $0 { text } else { nil } }
    }
}
