/// libFuzzer target `rfc2047`: RFC 2047 encoded words and RFC 2231 parameters.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzrfc2047(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    MessageFuzzEntries.rfc2047(data)
    return 0
}
