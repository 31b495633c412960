/// libFuzzer target `pdflinks`: PDF link scanner (with zlib streams).
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzpdflinks(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    URLFuzzEntries.pdfLinks(data)
    return 0
}
