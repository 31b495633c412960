/// libFuzzer target `mime`: MIME message parse (headers, multipart, CTEs, charsets, uuencode extraction).
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzmime(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    MessageFuzzEntries.mime(data)
    return 0
}
