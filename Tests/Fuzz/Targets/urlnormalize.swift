/// libFuzzer target `urlnormalize`: URL normaliser (IDNA, IPv4 forms, escapes, defanging).
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzurlnormalize(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    URLFuzzEntries.urlNormalize(data)
    return 0
}
