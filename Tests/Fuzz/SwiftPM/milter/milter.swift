/// libFuzzer target `milter`: MTA→filter bytes through the milter command decoder, frame after
/// frame. Built by `Tests/Fuzz/fuzz.sh` with SwiftPM (the decoder reads NIO's ByteBuffer); the body
/// is shared with the regression replay in `swift test`, copied into `Shared/` at build time.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzmilter(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    MilterFuzzEntries.command(data)
    MilterFuzzEntries.reply(data)
    return 0
}
