/// libFuzzer target `urihosts`: link hosts and registrable domains for the URI block list rules.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzurihosts(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    SpamFuzzEntries.uriHosts(data)
    return 0
}
