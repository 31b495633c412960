/// libFuzzer target `powerpoint`: PowerPoint 97-2003 records and ExOleObjStg storages.
/// Built by `Tests/Fuzz/fuzz.sh`; the body is shared with the regression replay in `swift test`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzpowerpoint(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    MacroFuzzEntries.powerpoint(data)
    return 0
}
