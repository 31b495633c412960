import NIOCore

/// What the command and reply decoders share: length-prefixed framing with a maximum, one parsed
/// value per frame, and the NIO `ByteToMessageDecoder` plumbing around it.
public protocol MilterFrameDecoding: ByteToMessageDecoder {
    /// The largest accepted frame length (command or reply byte + payload).
    var maximumFrameLength: Int { get }

    /// Parses one complete frame; throws `MilterProtocolError` for a malformed payload.
    static func parse(_ frame: MilterFrame) throws -> InboundOut
}

extension MilterFrameDecoding {
    /// Decodes one value from `buffer` without a channel, or returns nil if the frame is incomplete.
    public func decodeFrame(from buffer: inout ByteBuffer) throws -> InboundOut? {
        guard let frame = try MilterFrame.read(from: &buffer, maximumLength: maximumFrameLength) else {
            return nil
        }
        return try Self.parse(frame)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try decodeFrame(from: &buffer) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at EOF stays in the buffer; NIO reports it as leftover data.
        try decode(context: context, buffer: &buffer)
    }
}
