import NIOCore

@testable import MoatMilter

/// Bytes of one raw frame, for malformed-input tests.
func rawFrame(_ code: Character, _ payload: [UInt8]) -> [UInt8] {
    let length = UInt32(payload.count + 1)
    return withUnsafeBytes(of: length.bigEndian, Array.init) + [code.asciiValue!] + payload
}

func encode(_ command: MilterCommand) throws -> ByteBuffer {
    var buffer = ByteBuffer()
    try MilterCommandEncoder().encode(data: command, out: &buffer)
    return buffer
}

func encode(_ reply: MilterReply) throws -> ByteBuffer {
    var buffer = ByteBuffer()
    try MilterReplyEncoder().encode(data: reply, out: &buffer)
    return buffer
}

/// Splits encoded bytes back into (code, payload length) frames without interpreting them.
func frameSummaries(_ buffer: ByteBuffer) -> [(code: UInt8, payloadLength: Int)] {
    var buffer = buffer
    var frames: [(UInt8, Int)] = []
    while let length = buffer.readInteger(as: UInt32.self) {
        let code = buffer.readInteger(as: UInt8.self)!
        buffer.moveReaderIndex(forwardBy: Int(length) - 1)
        frames.append((code, Int(length) - 1))
    }
    return frames
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Swift.Array(string.utf8) }
}

extension MilterSessionAction {
    var replies: [MilterReply]? {
        if case .reply(let replies) = self { return replies }
        return nil
    }

    var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    var collected: CollectedMessage? {
        if case .scan(let message) = self { return message }
        return nil
    }
}
