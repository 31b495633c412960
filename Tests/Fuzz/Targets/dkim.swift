/// libFuzzer target `dkim`: DKIM-Signature tag lists and RFC 6376 canonicalisation.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzdkim(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    AuthFuzzEntries.dkim(data)
    return 0
}
