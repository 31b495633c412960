/// libFuzzer target `gif`: GIF decoder (LZW).
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzgif(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    URLFuzzEntries.gif(data)
    return 0
}
