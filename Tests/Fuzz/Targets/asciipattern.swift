/// libFuzzer target `asciipattern`: a rule pattern narrowed to ASCII text.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzasciipattern(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    SpamFuzzEntries.asciiPattern(data)
    return 0
}
