import NIOCore

/// One milter packet: the command/reply byte and its payload, framed by a 4-byte length.
///
/// Shared by the four codecs so framing rules (length counts the command byte, 0 is invalid,
/// a maximum bounds buffering) live in one place.
public struct MilterFrame: Sendable {
    /// The default largest accepted `len` (command byte + payload): 1 MiB. Postfix does not
    /// cap HEADER packets (up to `header_size_limit`, 100 KiB by default).
    static let defaultMaximumLength = 1 << 20

    public var code: UInt8
    public var payload: ByteBuffer

    /// Reads one complete frame from `buffer`, or returns nil (consuming nothing) if more bytes
    /// are needed. Throws as soon as the length prefix is known to be invalid, so a hostile
    /// peer cannot make us buffer past `maximumLength`.
    static func read(from buffer: inout ByteBuffer, maximumLength: Int) throws -> MilterFrame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else {
            return nil
        }
        guard length >= 1, Int(length) <= maximumLength else {
            throw MilterProtocolError.badFrameLength(length: length, maximum: maximumLength)
        }
        guard buffer.readableBytes >= 4 + Int(length) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: 4)
        // Cannot fail after the length check; checked anyway, so a mistake here closes one
        // connection with a protocol error instead of killing the process.
        guard let code = buffer.readInteger(as: UInt8.self), let payload = buffer.readSlice(length: Int(length) - 1) else {
            throw MilterProtocolError.badFrameLength(length: length, maximum: maximumLength)
        }
        return MilterFrame(code: code, payload: payload)
    }

    /// Writes a frame whose payload is produced by `body`, back-filling the length.
    static func write(code: UInt8, into out: inout ByteBuffer, _ body: (inout ByteBuffer) throws -> Void) rethrows {
        let lengthIndex = out.writerIndex
        out.writeInteger(UInt32(0))
        out.writeInteger(code)
        try body(&out)
        let length = out.writerIndex - lengthIndex - 4
        out.setInteger(UInt32(length), at: lengthIndex)
    }
}

extension ByteBuffer {
    /// Reads a NUL-terminated string's bytes (without the NUL).
    mutating func readMilterBytes(command: UInt8, field: String) throws -> [UInt8] {
        guard let nul = self.readableBytesView.firstIndex(of: 0) else {
            throw MilterProtocolError.truncatedString(command: command, field: field)
        }
        guard let bytes = self.readBytes(length: nul - self.readerIndex) else {
            throw MilterProtocolError.truncatedString(command: command, field: field)
        }
        self.moveReaderIndex(forwardBy: 1)
        return bytes
    }

    /// Reads a NUL-terminated string, decoding it as UTF-8 (invalid bytes are replaced).
    mutating func readMilterString(command: UInt8, field: String) throws -> String {
        String(decoding: try readMilterBytes(command: command, field: field), as: UTF8.self)
    }

    /// Reads NUL-terminated strings until the payload is used up ("argv").
    mutating func readMilterArguments(command: UInt8, field: String) throws -> [[UInt8]] {
        var arguments: [[UInt8]] = []
        repeat {
            arguments.append(try readMilterBytes(command: command, field: field))
        } while self.readableBytes > 0
        return arguments
    }

    /// Reads a big-endian integer or throws `truncatedInteger`.
    mutating func readMilterInteger<T: FixedWidthInteger>(
        as: T.Type = T.self,
        command: UInt8,
        field: String
    ) throws -> T {
        guard let value = self.readInteger(as: T.self) else {
            throw MilterProtocolError.truncatedInteger(command: command, field: field)
        }
        return value
    }

    /// Writes bytes and a terminating NUL, refusing bytes that contain a NUL themselves.
    mutating func writeMilterBytes<Bytes: Collection<UInt8>>(_ bytes: Bytes, command: UInt8, field: String) throws {
        guard !bytes.contains(0) else {
            throw MilterProtocolError.embeddedNUL(command: command, field: field)
        }
        self.writeBytes(bytes)
        self.writeInteger(UInt8(0))
    }

    /// Writes a string and a terminating NUL.
    mutating func writeMilterString(_ string: String, command: UInt8, field: String) throws {
        try writeMilterBytes(string.utf8, command: command, field: field)
    }
}
