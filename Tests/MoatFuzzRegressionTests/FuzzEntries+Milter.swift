import NIOCore

@testable import MoatMilter

/// Entry points for the milter codecs: the libFuzzer target `milter` (built with SwiftPM, since the
/// codecs read NIO's ByteBuffer) and the replay of the inputs under `Tests/Fuzz/regressions/milter/`.
enum MilterFuzzEntries {
    /// MTA→filter bytes: decode frames until the buffer is drained, more data is needed or the
    /// decoder rejects the stream (a thrown `MilterProtocolError` closes one connection: fine).
    static func command(_ data: [UInt8]) {
        var buffer = ByteBuffer(bytes: data)
        let decoder = MilterCommandDecoder(maximumFrameLength: 1 << 16)
        while buffer.readableBytes > 0 {
            guard let command = try? decoder.decodeCommand(from: &buffer) else { return }
            blackHole(command)
        }
    }

    /// Filter→MTA bytes (the milter client used by `moat bench milter` and the tests).
    static func reply(_ data: [UInt8]) {
        var buffer = ByteBuffer(bytes: data)
        let decoder = MilterReplyDecoder(maximumFrameLength: 1 << 16)
        while buffer.readableBytes > 0 {
            guard let reply = try? decoder.decodeReply(from: &buffer) else { return }
            blackHole(reply)
        }
    }
}
