/// libFuzzer target `uuencode`: uuencode block discovery and decoding.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzuuencode(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    MessageFuzzEntries.uuencode(data)
    return 0
}
