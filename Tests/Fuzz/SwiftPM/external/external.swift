/// libFuzzer target `external`: what the external engines read from spamd, rspamd, clamd and ICAP
/// servers. Built by `Tests/Fuzz/fuzz.sh` with SwiftPM (MoatExternal needs NIO); the body is shared
/// with the regression replay in `swift test`, copied into `Shared/` at build time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzexternal(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    ExternalFuzzEntries.answer(data)
    return 0
}
