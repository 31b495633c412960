/// A start line and header fields, as ICAP, HTTP and spamd all frame them (lines ending in CRLF,
/// a blank line at the end).
struct WireHead: Sendable, Equatable {
    var startLine: String
    var fields: [(name: String, value: String)]

    static func == (lhs: WireHead, rhs: WireHead) -> Bool {
        lhs.startLine == rhs.startLine && lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    /// Parses a head up to and including its blank line; nil when it is not one (no start line,
    /// a field line without a colon, or control bytes).
    static func parse(_ bytes: [UInt8]) -> WireHead? {
        var lines: [String] = []
        var current: [UInt8] = []
        for byte in bytes {
            if byte == 10 {
                if current.last == 13 { current.removeLast() }
                lines.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else if byte < 32 && byte != 9 && byte != 13 {
                return nil
            } else {
                current.append(byte)
            }
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let startLine = lines.first, !startLine.isEmpty else { return nil }
        var fields: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            if line.first == " " || line.first == "\t", !fields.isEmpty {
                // Obsolete folding (c-icap folds X-Violations-Found this way on some versions).
                fields[fields.count - 1].value += "\n" + line.trimmingSpaces
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[..<colon]).trimmingSpaces
            guard !name.isEmpty, !name.contains(" ") else { return nil }
            fields.append((name, String(line[line.index(after: colon)...]).trimmingSpaces))
        }
        return WireHead(startLine: startLine, fields: fields)
    }

    /// The first field named `name` (ASCII case-insensitive).
    subscript(_ name: String) -> String? {
        let lowered = name.lowercased()
        return fields.first { $0.name.lowercased() == lowered }?.value
    }

    /// Every field named `name`, in order.
    func values(_ name: String) -> [String] {
        let lowered = name.lowercased()
        return fields.filter { $0.name.lowercased() == lowered }.map(\.value)
    }

    /// `CODE` of a start line `PROTOCOL/x.y CODE TEXT`.
    var statusCode: Int? {
        let words = startLine.split(separator: " ", maxSplits: 2)
        guard words.count >= 2 else { return nil }
        return Int(words[1])
    }

    /// The start line's text after the code.
    var reason: String {
        let words = startLine.split(separator: " ", maxSplits: 2)
        return words.count == 3 ? String(words[2]) : ""
    }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}

/// HTTP/1.1 chunked transfer coding, which ICAP uses for every encapsulated body.
enum ChunkedBody {
    /// `bytes` as one chunk (none when empty); the caller appends the terminator.
    static func chunk(_ bytes: some Collection<UInt8>) -> [UInt8] {
        guard !bytes.isEmpty else { return [] }
        return Array(String(bytes.count, radix: 16).utf8) + [13, 10] + Array(bytes) + [13, 10]
    }

    /// The last-chunk marker; `ieof` marks an ICAP preview that holds the whole body.
    static func terminator(ieof: Bool = false) -> [UInt8] {
        Array((ieof ? "0; ieof\r\n\r\n" : "0\r\n\r\n").utf8)
    }

    /// Parses one chunk-size line (`1a3; ext`) into its size.
    static func size(ofLine line: [UInt8]) -> Int? {
        var digits = line
        while let last = digits.last, last == 10 || last == 13 { digits.removeLast() }
        if let semicolon = digits.firstIndex(of: UInt8(ascii: ";")) { digits = Array(digits[..<semicolon]) }
        let text = String(decoding: digits, as: UTF8.self).trimmingSpaces
        // Hex digits only: `Int(_:radix:)` also takes a sign, and a size of -5 would read backwards.
        guard !text.isEmpty, text.count <= 8, text.utf8.allSatisfy({ $0 < 0x80 && Character(Unicode.Scalar($0)).isHexDigit }) else {
            return nil
        }
        return Int(text, radix: 16)
    }

    /// Reads a chunked body to its end (including trailers); at most `limit` bytes of content.
    static func read(from socket: PeerSocket, limit: Int) async throws(ExternalError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try await socket.read(through: [13, 10], limit: 1024)
            guard let size = size(ofLine: line) else {
                throw .protocolViolation(peer: socket.endpoint.description, reason: "bad chunk size line")
            }
            if size == 0 {
                // Trailer fields, then the blank line.
                while try await socket.read(through: [13, 10], limit: 8192).count > 2 {}
                return body
            }
            guard body.count + size <= limit else {
                throw .protocolViolation(peer: socket.endpoint.description, reason: "body longer than \(limit) bytes")
            }
            body += try await socket.read(exactly: size)
            guard try await socket.read(exactly: 2) == [13, 10] else {
                throw .protocolViolation(peer: socket.endpoint.description, reason: "chunk not followed by CRLF")
            }
        }
    }
}
