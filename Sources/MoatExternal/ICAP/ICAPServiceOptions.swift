/// What an ICAP service said about itself in its OPTIONS answer (RFC 3507 section 4.10).
struct ICAPServiceOptions: Sendable, Equatable {
    /// Opaque service state tag; a change means the server's rules or signatures changed.
    var istag: String?
    var methods: [String]
    /// Bytes of preview the service wants first; nil when it takes no preview.
    var preview: Int?
    var allows204: Bool
    var maxConnections: Int?
    /// Seconds the answer stays valid; nil: forever (Moat then uses `options_ttl` or one hour).
    var ttl: Int?
    /// The server's `Service` description (product and version).
    var service: String?

    init(istag: String? = nil, methods: [String] = ["RESPMOD"], preview: Int? = nil, allows204: Bool = false,
         maxConnections: Int? = nil, ttl: Int? = nil, service: String? = nil) {
        self.istag = istag
        self.methods = methods
        self.preview = preview
        self.allows204 = allows204
        self.maxConnections = maxConnections
        self.ttl = ttl
        self.service = service
    }

    /// Reads the fields of a `200` OPTIONS answer.
    init(_ head: WireHead) {
        istag = head["ISTag"]
        methods = (head["Methods"] ?? "").split(separator: ",").map { String($0).trimmingSpaces.uppercased() }.filter { !$0.isEmpty }
        preview = head["Preview"].flatMap { Int($0.trimmingSpaces) }.flatMap { $0 >= 0 ? $0 : nil }
        allows204 = (head["Allow"] ?? "").split(separator: ",").contains { String($0).trimmingSpaces == "204" }
        maxConnections = head["Max-Connections"].flatMap { Int($0.trimmingSpaces) }.flatMap { $0 > 0 ? $0 : nil }
        ttl = head["Options-TTL"].flatMap { Int($0.trimmingSpaces) }.flatMap { $0 > 0 ? $0 : nil }
        service = head["Service"]
    }
}
