@testable import MoatAuth

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
}
