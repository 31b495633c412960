import MoatCore
import MoatMessage
import MoatMilter
import Testing

@Suite("Delivered form of a message (moat scan --deliver)")
struct MilterDeliveryTests {
    static func message(_ text: String) -> Message {
        Message(parsing: Array(text.utf8), limits: MessageLimits())
    }

    @Test("the second instance of a name is deleted, another replaced, added headers follow the last header")
    func headerEdits() throws {
        let message = Self.message(
            "Received: one\r\nX-Moat-Verdict: forged 1\r\nSubject: hi\r\nX-Moat-Verdict: forged\r\n two\r\nTo: a@b\r\n\r\nbody\r\n"
        )
        var response = MilterResponse(disposition: .accept)
        response.headersToChange = [.init(name: "x-moat-verdict", index: 2, value: ""), .init(name: "Subject", index: 1, value: "new\nsubject")]
        response.headersToAdd = [.init(name: "X-Moat-Verdict", value: "accept"), .init(name: "X-Moat-Id", value: "abc")]
        let delivered = try #require(MilterDelivery.delivered(message, response: response))
        #expect(String(decoding: delivered, as: UTF8.self) == """
            Received: one\r\nX-Moat-Verdict: forged 1\r\nSubject: new\r\nsubject\r\nTo: a@b\r\n\
            X-Moat-Verdict: accept\r\nX-Moat-Id: abc\r\n\r\nbody\r\n
            """)
    }

    @Test("bare-LF messages keep bare LF; a replacement body replaces the body only")
    func lineEndsAndBody() throws {
        let message = Self.message("From: a@b\nSubject: x\n\nold body\n")
        var response = MilterResponse(disposition: .continue)
        response.headersToAdd = [.init(name: "X-Moat-Id", value: "abc")]
        response.replacementBody = Array("new body\n".utf8)
        let delivered = try #require(MilterDelivery.delivered(message, response: response))
        #expect(String(decoding: delivered, as: UTF8.self) == "From: a@b\nSubject: x\nX-Moat-Id: abc\n\nnew body\n")
    }

    @Test("a refused or dropped message is not delivered", arguments: [
        MilterResponse.Disposition.reject(replyCode: nil), .tempfail(replyCode: nil), .discard,
    ])
    func refused(_ disposition: MilterResponse.Disposition) {
        #expect(MilterDelivery.delivered(Self.message("From: a@b\r\n\r\nx\r\n"), response: MilterResponse(disposition: disposition)) == nil)
    }

    @Test("hostile shapes never trap: no header section, no body, a change for a missing instance")
    func odd() throws {
        var response = MilterResponse(disposition: .accept)
        response.headersToChange = [.init(name: "Subject", index: 9, value: "")]
        response.headersToAdd = [.init(name: "X-Moat-Id", value: "abc")]
        for text in ["", "\r\n", "no colon at all", "Subject: x", "Subject: x\r\n", "\r\n\r\nbody only"] {
            _ = MilterDelivery.delivered(Self.message(text), response: response)
        }
    }

    @Test("random messages and edits never trap, and an unedited message is delivered unchanged")
    func randomised() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["From: a@b", "Subject: x", "X-Moat-Verdict: y", " folded", "\tfolded", "no colon", "", "\r", ":", "body",
                      "Content-Type: multipart/mixed; boundary=b", "--b", "--b--", "\u{00e9}\u{0000}"]
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...12, using: &generator)
            let text = (0..<count).map { _ in pieces.randomElement(using: &generator) ?? "" }
                .joined(separator: Bool.random(using: &generator) ? "\r\n" : "\n")
            let message = Self.message(text)
            #expect(MilterDelivery.delivered(message, response: MilterResponse(disposition: .accept)) == message.raw, "\(text.debugDescription)")
            var response = MilterResponse(disposition: .accept)
            response.headersToChange = (0..<Int.random(in: 0...3, using: &generator)).map { _ in
                .init(name: ["Subject", "X-Moat-Verdict", "From"].randomElement(using: &generator) ?? "Subject",
                      index: UInt32.random(in: 0...3, using: &generator), value: Bool.random(using: &generator) ? "" : "v\nw")
            }
            response.headersToAdd = [.init(name: "X-Moat-Id", value: "abc")]
            if Bool.random(using: &generator) { response.replacementBody = Array("new\r\n".utf8) }
            _ = MilterDelivery.delivered(message, response: response)
        }
    }
}
