/// libFuzzer target `consoleform`: the web console's form, query and cookie parsers and its
/// Accept-Language choice. Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzconsoleform(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    ConsoleFuzzEntries.form(data)
    return 0
}
