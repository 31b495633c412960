/// Encodes ICAP requests and decodes ICAP answers (RFC 3507); no I/O here.
enum ICAPMessages {
    /// `OPTIONS icap://authority/service ICAP/1.0`.
    static func options(uri: String, host: String) -> [UInt8] {
        Array("OPTIONS \(uri) ICAP/1.0\r\nHost: \(host)\r\nUser-Agent: Moat\r\nEncapsulated: null-body=0\r\n\r\n".utf8)
    }

    /// The HTTP response that carries `subject` to the service: a `200 OK` with its type and length.
    static func httpResponseHead(contentType: String, length: Int, filename: String?) -> [UInt8] {
        var head = "HTTP/1.1 200 OK\r\nContent-Type: \(contentType)\r\nContent-Length: \(length)\r\n"
        if let filename = filename.map(sanitizedFilename), !filename.isEmpty {
            head += "Content-Disposition: attachment; filename=\"\(filename)\"\r\n"
        }
        return Array((head + "\r\n").utf8)
    }

    /// The ICAP head of a RESPMOD whose encapsulated HTTP response head is `httpHeadLength` bytes.
    static func respmodHead(uri: String, host: String, allow204: Bool, preview: Int?, httpHeadLength: Int) -> [UInt8] {
        var head = "RESPMOD \(uri) ICAP/1.0\r\nHost: \(host)\r\nUser-Agent: Moat\r\n"
        if allow204 { head += "Allow: 204\r\n" }
        if let preview { head += "Preview: \(preview)\r\n" }
        head += "Encapsulated: res-hdr=0, res-body=\(httpHeadLength)\r\n\r\n"
        return Array(head.utf8)
    }

    /// The parts of an `Encapsulated` header in order: (`res-hdr`, 0), (`res-body`, 180)...
    static func encapsulated(_ value: String) -> [(name: String, offset: Int)]? {
        var entities: [(name: String, offset: Int)] = []
        for item in value.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard pair.count == 2, let offset = Int(pair[1]), offset >= 0 else { return nil }
            guard entities.last.map({ $0.offset <= offset }) ?? true else { return nil }
            entities.append((pair[0].lowercased(), offset))
        }
        guard let last = entities.last, last.name.hasSuffix("-body") else { return nil }
        return entities
    }

    /// Keeps a filename header-safe: no quotes, control bytes or path separators.
    static func sanitizedFilename(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0.value >= 32 && $0.value < 127 && !"\"\\/".unicodeScalars.contains($0) }.prefix(200).map(Character.init))
    }
}

/// An ICAP server's final answer to one RESPMOD.
struct ICAPAnswer: Sendable {
    var head: WireHead
    /// The encapsulated HTTP response head, when the service sent one back.
    var httpHead: WireHead?
    /// The encapsulated body, when the service sent one back.
    var body: [UInt8]?
    var keepAlive: Bool
}
