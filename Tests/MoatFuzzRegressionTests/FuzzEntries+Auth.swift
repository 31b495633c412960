@testable import MoatAuth
#if canImport(MoatDNS)
import MoatDNS
#endif

/// Entry points of the MoatAuth fuzz targets (see `MessageFuzzEntries` for why they live here).
enum AuthFuzzEntries {
    /// A DKIM-Signature field: the tag-list parser, both canonicalisations, and `b=` removal.
    static func dkim(_ data: [UInt8]) {
        blackHole(try? DKIMSignature(value: String(decoding: data, as: UTF8.self)))
        let field = Array("DKIM-Signature:".utf8) + data
        blackHole(DKIMCanonicalizer.withoutSignatureValue(field[...]))
        blackHole(DKIMCanonicalizer.header(data[...], .relaxed))
        blackHole(DKIMCanonicalizer.header(data[...], .simple))
        blackHole(DKIMCanonicalizer.body(data[...], .relaxed))
        blackHole(DKIMCanonicalizer.body(data[...], .simple))
    }

    /// TXT and other records from DNS: SPF terms and macros, DMARC tags, RDATA of every type.
    static func authrecords(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        blackHole(try? SPFRecord(parsing: text))
        let context = SPFMacro.Context(sender: "user@example.com", domain: "example.com", ip: [192, 0, 2, 1], helo: "mx.example.com")
        blackHole(try? SPFMacro.expand(text, context: context, forExplanation: true))
        blackHole(try? SPFRecord.validateDomainSpec(text))
        blackHole(try? DMARCRecord(parsing: text))
        for type in [DNSRecordType.a, .aaaa, .txt, .mx, .ptr, .cname, .ns] { blackHole(DNSRecord.decode(type, data)) }
        blackHole(IPAddress.bytes(text))
    }
}
