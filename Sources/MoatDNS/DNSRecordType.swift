/// The record types Moat's engines ask for (RFC 1035, RFC 3596).
public enum DNSRecordType: Int32, Sendable, Hashable, CustomStringConvertible {
    case a = 1
    case ns = 2
    case cname = 5
    case ptr = 12
    case mx = 15
    case txt = 16
    case aaaa = 28

    public var description: String {
        switch self {
        case .a: "A"
        case .ns: "NS"
        case .cname: "CNAME"
        case .ptr: "PTR"
        case .mx: "MX"
        case .txt: "TXT"
        case .aaaa: "AAAA"
        }
    }
}
