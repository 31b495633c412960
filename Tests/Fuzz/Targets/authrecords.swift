/// libFuzzer target `authrecords`: SPF records and macros, DMARC records, DNS RDATA decoding.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzauthrecords(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    AuthFuzzEntries.authrecords(data)
    return 0
}
