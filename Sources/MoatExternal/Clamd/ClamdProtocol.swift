/// clamd's `INSTREAM` wire format, with no I/O: the request encoder and the reply decoder.
///
/// Request: `zINSTREAM\0`, then chunks each prefixed with a 4-byte big-endian length, then a
/// zero length. Reply (NUL-terminated with the `z` prefix): `stream: OK`,
/// `stream: NAME FOUND`, `stream: REASON ERROR`, or `INSTREAM size limit exceeded. ERROR`.
enum ClamdProtocol {
    /// The command that opens a stream scan, NUL-delimited.
    static let instreamCommand: [UInt8] = Array("zINSTREAM".utf8) + [0]

    /// `payload` framed as INSTREAM chunks of at most `chunkSize` bytes, with the zero terminator.
    static func frames(_ payload: [UInt8], chunkSize: Int) -> [UInt8] {
        precondition(chunkSize > 0)
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 4 * (payload.count / chunkSize + 2))
        var start = 0
        while start < payload.count {
            let end = min(start + chunkSize, payload.count)
            appendLength(end - start, to: &out)
            out.append(contentsOf: payload[start..<end])
            start = end
        }
        appendLength(0, to: &out)
        return out
    }

    private static func appendLength(_ length: Int, to out: inout [UInt8]) {
        let value = UInt32(length)
        out += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// clamd's answer to one stream scan.
    enum Reply: Equatable, Sendable {
        case clean
        case found(String)
        /// The stream exceeded clamd's `StreamMaxLength`.
        case sizeLimitExceeded
        case error(String)
    }

    /// Decodes one reply (with or without the trailing NUL or newline).
    static func parse(_ bytes: [UInt8]) -> Reply {
        var text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        if text.hasPrefix("INSTREAM size limit exceeded") { return .sizeLimitExceeded }
        guard let colon = text.range(of: ": ") else { return .error(text.isEmpty ? "empty reply" : text) }
        let verdict = text[colon.upperBound...]
        if verdict == "OK" { return .clean }
        if verdict.hasSuffix(" FOUND") { return .found(String(verdict.dropLast(" FOUND".count))) }
        if verdict.hasSuffix(" ERROR") { return .error(String(verdict.dropLast(" ERROR".count))) }
        return .error(text)
    }
}
