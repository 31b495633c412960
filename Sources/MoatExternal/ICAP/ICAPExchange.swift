/// One ICAP request and its answer on a `PeerSocket` (OPTIONS, or RESPMOD with preview).
enum ICAPExchange {
    /// Longest ICAP or HTTP head accepted from a server.
    static let maxHeadBytes = 64 * 1024

    static func options(on socket: PeerSocket, uri: String) async throws(ExternalError) -> (ICAPServiceOptions, keepAlive: Bool) {
        try await socket.write(ICAPMessages.options(uri: uri, host: socket.endpoint.hostName))
        let answer = try await readAnswer(from: socket, bodyLimit: maxHeadBytes)
        guard answer.head.statusCode == 200 else {
            throw .peerFailure(peer: socket.endpoint.description, reason: "OPTIONS \(uri): \(answer.head.startLine)")
        }
        return (ICAPServiceOptions(answer.head), answer.keepAlive)
    }

    /// Sends `subject` as an encapsulated HTTP response; uses the service's preview when it has one.
    static func respmod(on socket: PeerSocket, uri: String, subject: ScanSubject, options: ICAPServiceOptions,
                        usePreview: Bool) async throws(ExternalError) -> ICAPAnswer {
        let body = subject.bytes
        let httpHead = ICAPMessages.httpResponseHead(contentType: subject.contentType, length: body.count, filename: subject.filename)
        let preview = usePreview ? options.preview : nil
        let head = ICAPMessages.respmodHead(uri: uri, host: socket.endpoint.hostName, allow204: options.allows204,
                                            preview: preview.map { min($0, body.count) }, httpHeadLength: httpHead.count)
        // Replies may carry the whole body back; allow for a generous 403 page around it.
        let limit = body.count + 1 << 20
        guard let preview, preview < body.count else {
            let terminator = ChunkedBody.terminator(ieof: preview != nil)
            try await socket.write(head + httpHead + ChunkedBody.chunk(body) + terminator)
            return try await finalAnswer(from: socket, limit: limit)
        }
        try await socket.write(head + httpHead + ChunkedBody.chunk(body[0..<preview]) + ChunkedBody.terminator())
        let early = try await readAnswer(from: socket, bodyLimit: limit)
        guard early.head.statusCode == 100 else { return early }
        try await socket.write(ChunkedBody.chunk(body[preview...]) + ChunkedBody.terminator())
        return try await finalAnswer(from: socket, limit: limit)
    }

    private static func finalAnswer(from socket: PeerSocket, limit: Int) async throws(ExternalError) -> ICAPAnswer {
        let answer = try await readAnswer(from: socket, bodyLimit: limit)
        guard answer.head.statusCode != 100 else {
            throw .protocolViolation(peer: socket.endpoint.description, reason: "100 Continue after the whole body was sent")
        }
        return answer
    }

    /// Reads an ICAP head and whatever its `Encapsulated` header announces.
    static func readAnswer(from socket: PeerSocket, bodyLimit: Int) async throws(ExternalError) -> ICAPAnswer {
        let peer = socket.endpoint.description
        let raw = try await socket.read(through: [13, 10, 13, 10], limit: maxHeadBytes)
        guard let head = WireHead.parse(raw), head.startLine.hasPrefix("ICAP/"), let status = head.statusCode else {
            throw .protocolViolation(peer: peer, reason: "not an ICAP answer: \(String(decoding: raw.prefix(60), as: UTF8.self).debugDescription)")
        }
        let keepAlive = head["Connection"]?.lowercased() != "close"
        if status == 100 { return ICAPAnswer(head: head, httpHead: nil, body: nil, keepAlive: keepAlive) }
        guard let encapsulatedValue = head["Encapsulated"] else {
            // Error answers (and some 204s) carry nothing.
            return ICAPAnswer(head: head, httpHead: nil, body: nil, keepAlive: keepAlive && status < 400)
        }
        guard let entities = ICAPMessages.encapsulated(encapsulatedValue), let last = entities.last else {
            throw .protocolViolation(peer: peer, reason: "bad Encapsulated header \(encapsulatedValue.debugDescription)")
        }
        guard last.offset <= maxHeadBytes else { throw .protocolViolation(peer: peer, reason: "encapsulated heads too long") }
        let heads = try await socket.read(exactly: last.offset)
        var httpHead: WireHead?
        if let response = entities.first(where: { $0.name == "res-hdr" }) {
            let end = entities.first(where: { $0.offset > response.offset })?.offset ?? last.offset
            httpHead = WireHead.parse(Array(heads[response.offset..<end]))
        }
        var body: [UInt8]?
        if last.name != "null-body" {
            body = try await ChunkedBody.read(from: socket, limit: bodyLimit)
        }
        return ICAPAnswer(head: head, httpHead: httpHead, body: body, keepAlive: keepAlive)
    }
}
