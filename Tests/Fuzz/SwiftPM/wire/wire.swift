/// libFuzzer target `wire`: the frames `moatd` reads from its workers (and a worker's scan frame),
/// carried through the decision and the scan's record. Built by `Tests/Fuzz/fuzz.sh` with SwiftPM
/// (MoatCore needs NIO); the body is shared with the regression replay in `swift test`, copied into
/// `Shared/` at build time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzwire(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    WireFuzzEntries.frame(data)
    return 0
}
