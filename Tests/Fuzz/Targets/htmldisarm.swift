/// libFuzzer target `htmldisarm`: HTML attachments made inert (with an idempotence oracle).
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzhtmldisarm(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    HTMLDisarmFuzzEntries.sanitize(data)
    return 0
}
