/// libFuzzer target `image`: PNG/JPEG/WebP/GIF front end (ImageDecoder.decode, 4 Mpx ceiling).
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzimage(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    URLFuzzEntries.image(data)
    return 0
}
