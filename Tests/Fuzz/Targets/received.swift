/// libFuzzer target `received`: SpamAssassin-style Received header parser.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzreceived(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    SpamFuzzEntries.received(data)
    return 0
}
