@testable import MoatExternal
import Testing

@Suite("clamd INSTREAM codec")
struct ClamdProtocolTests {
    @Test("Chunks carry 4-byte big-endian lengths and end with a zero length", arguments: [1, 2, 3, 7, 64])
    func framing(chunkSize: Int) {
        let payload = (0..<20).map { UInt8($0) }
        let framed = ClamdProtocol.frames(payload, chunkSize: chunkSize)
        var index = 0
        var decoded: [UInt8] = []
        while true {
            let length = framed[index..<index + 4].reduce(0) { ($0 << 8) | Int($1) }
            index += 4
            if length == 0 { break }
            #expect(length <= chunkSize)
            decoded += framed[index..<index + length]
            index += length
        }
        #expect(decoded == payload)
        #expect(index == framed.count)
    }

    @Test("Empty payload is just the terminator")
    func empty() {
        #expect(ClamdProtocol.frames([], chunkSize: 8) == [0, 0, 0, 0])
    }

    @Test("Replies", arguments: [
        ("stream: OK\0", ClamdProtocol.Reply.clean),
        ("stream: Eicar-Test-Signature FOUND\0", .found("Eicar-Test-Signature")),
        ("stream: Moat.Test.EICAR.Body.UNOFFICIAL FOUND\n", .found("Moat.Test.EICAR.Body.UNOFFICIAL")),
        ("INSTREAM size limit exceeded. ERROR\0", .sizeLimitExceeded),
        ("stream: Can't allocate memory ERROR\0", .error("Can't allocate memory")),
        ("garbage", .error("garbage")),
        ("", .error("empty reply")),
    ])
    func replies(text: String, expected: ClamdProtocol.Reply) {
        #expect(ClamdProtocol.parse(Array(text.utf8)) == expected)
    }
}
