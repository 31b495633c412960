import Foundation
import MoatCore
import Testing
@testable import MoatExternal

@Suite struct CircuitBreakerTests {
    @Test func opensAfterThresholdAndClosesAfterProbe() {
        var breaker = CircuitBreaker(threshold: 3, probeInterval: .seconds(10))
        let start = ContinuousClock.now
        for _ in 0..<2 {
            #expect(breaker.admit(now: start) == .proceed)
            breaker.recordFailure(now: start)
        }
        #expect(breaker.label == "closed")
        breaker.recordFailure(now: start)
        #expect(breaker.label == "open")
        #expect(breaker.admit(now: start + .seconds(5)) == .reject(retryIn: .seconds(5)))
        #expect(breaker.admit(now: start + .seconds(10)) == .probe)
        #expect(breaker.admit(now: start + .seconds(10)) == .reject(retryIn: .zero))
        breaker.recordFailure(now: start + .seconds(10))
        #expect(breaker.label == "open")
        #expect(breaker.admit(now: start + .seconds(20)) == .probe)
        breaker.recordSuccess()
        #expect(breaker.admit(now: start + .seconds(20)) == .proceed)
    }

    @Test func zeroThresholdNeverOpens() {
        var breaker = CircuitBreaker(threshold: 0, probeInterval: .seconds(1))
        for _ in 0..<100 { breaker.recordFailure(now: .now) }
        #expect(breaker.admit(now: .now) == .proceed)
    }

    @Test func abandonedProbeAllowsAnotherProbe() {
        var breaker = CircuitBreaker(threshold: 1, probeInterval: .seconds(1))
        let start = ContinuousClock.now
        breaker.recordFailure(now: start)
        #expect(breaker.admit(now: start + .seconds(1)) == .probe)
        breaker.abandonProbe(now: start + .seconds(1))
        #expect(breaker.admit(now: start + .seconds(1)) == .probe)
    }
}

@Suite struct ICAPCodecTests {
    @Test func encapsulatedHeader() {
        let entities = ICAPMessages.encapsulated("res-hdr=0, res-body=137")
        #expect(entities?.map(\.name) == ["res-hdr", "res-body"])
        #expect(entities?.map(\.offset) == [0, 137])
        #expect(ICAPMessages.encapsulated("null-body=0")?.first?.offset == 0)
        #expect(ICAPMessages.encapsulated("res-hdr=0") == nil)
        #expect(ICAPMessages.encapsulated("res-hdr=9, res-body=3") == nil)
        #expect(ICAPMessages.encapsulated("garbage") == nil)
    }

    @Test func optionsAnswer() throws {
        let head = try #require(WireHead.parse(Array("ICAP/1.0 200 OK\r\nMethods: RESPMOD, REQMOD\r\nISTag: \"abc\"\r\nMax-Connections: 7\r\nOptions-TTL: 60\r\nAllow: 204\r\nPreview: 1024\r\nService: C-ICAP/0.5.10\r\nEncapsulated: null-body=0\r\n\r\n".utf8)))
        let options = ICAPServiceOptions(head)
        #expect(options == ICAPServiceOptions(istag: "\"abc\"", methods: ["RESPMOD", "REQMOD"], preview: 1024, allows204: true,
                                              maxConnections: 7, ttl: 60, service: "C-ICAP/0.5.10"))
    }

    static func answer(_ head: String, http: String? = nil, body: [UInt8]? = nil) -> ICAPAnswer {
        ICAPAnswer(head: WireHead.parse(Array(head.utf8))!, httpHead: http.flatMap { WireHead.parse(Array($0.utf8)) }, body: body, keepAlive: true)
    }

    @Test(arguments: [
        ("ICAP/1.0 200 OK\r\nX-Infection-Found: Type=0; Resolution=2; Threat=Eicar-Test-Signature;\r\n\r\n", ["Eicar-Test-Signature"]),
        ("ICAP/1.0 200 OK\r\nX-Violations-Found: 1\r\n\tbad.exe\r\n\tW32.Worm\r\n\t0\r\n\t0\r\n\r\n", ["W32.Worm"]),
        ("ICAP/1.0 200 OK\r\nX-Virus-ID: Trojan.X\r\n\r\n", ["Trojan.X"]),
    ])
    func threatHeaders(head: String, threats: [String]) {
        #expect(ICAPVerdict.interpret(Self.answer(head), original: []) == .infected(threats))
    }

    @Test func statusMapping() {
        #expect(ICAPVerdict.interpret(Self.answer("ICAP/1.0 204 No Content\r\n\r\n"), original: [1]) == .clean)
        #expect(ICAPVerdict.interpret(Self.answer("ICAP/1.0 200 OK\r\n\r\n", http: "HTTP/1.1 403 Forbidden\r\n\r\n", body: [9]), original: [1])
            == .infected(["blocked (HTTP 403 from the ICAP service)"]))
        #expect(ICAPVerdict.interpret(Self.answer("ICAP/1.0 200 OK\r\n\r\n", http: "HTTP/1.1 200 OK\r\n\r\n", body: [2]), original: [1])
            == .infected(["modified by the ICAP service"]))
        #expect(ICAPVerdict.interpret(Self.answer("ICAP/1.0 200 OK\r\n\r\n", http: "HTTP/1.1 200 OK\r\n\r\n", body: [1]), original: [1]) == .clean)
        #expect(ICAPVerdict.interpret(Self.answer("ICAP/1.0 500 Server Error\r\n\r\n"), original: []) == nil)
    }

    @Test func chunkSizes() {
        #expect(ChunkedBody.size(ofLine: Array("1a3\r\n".utf8)) == 0x1a3)
        #expect(ChunkedBody.size(ofLine: Array("0; ieof\r\n".utf8)) == 0)
        #expect(ChunkedBody.size(ofLine: Array("zz\r\n".utf8)) == nil)
        // Int(_:radix:) takes a sign; a negative size made the next read's range run backwards (a trap).
        #expect(ChunkedBody.size(ofLine: Array("-5\r\n".utf8)) == nil)
        #expect(ChunkedBody.size(ofLine: Array("+5\r\n".utf8)) == nil)
        #expect(ChunkedBody.size(ofLine: Array("١\r\n".utf8)) == nil)
        #expect(ChunkedBody.chunk([1, 2, 3]) == Array("3\r\n".utf8) + [1, 2, 3, 13, 10])
    }
}

@Suite struct SpamdCodecTests {
    @Test func symbolsAnswer() throws {
        let reply = Array("SPAMD/1.1 0 EX_OK\r\nContent-length: 27\r\nSpam: True ; 11.5 / 5.0\r\n\r\nMOAT_TEST,MOAT_TEST_SUBJECT".utf8)
        let answer = try SpamdMessages.parse(reply, command: .symbols).get()
        #expect(answer.isSpam && answer.score == 11.5 && answer.threshold == 5)
        #expect(answer.rules.map(\.name) == ["MOAT_TEST", "MOAT_TEST_SUBJECT"])
    }

    @Test func reportAnswer() throws {
        let body = "Content analysis details:   (11.5 points, 5.0 required)\n\n pts rule name              description\n---- ---------------------- --------------------------------------------------\n10 MOAT_TEST              BODY: Moat's spam test string\n 1.5 MOAT_TEST_SUBJECT      Moat's spam test subject\n-0.1 NEG_RULE               a long description\n                            continued\n"
        let reply = Array("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.4 / 5.0\r\n\r\n\(body)".utf8)
        let answer = try SpamdMessages.parse(reply, command: .report).get()
        #expect(!answer.isSpam)
        #expect(answer.rules.map(\.name) == ["MOAT_TEST", "MOAT_TEST_SUBJECT", "NEG_RULE"])
        #expect(answer.rules.map(\.score) == [10, 1.5, -0.1])
        #expect(answer.rules[2].description == "a long description continued")
    }

    @Test func errorsAndGarbage() {
        #expect(SpamdMessages.parse(Array("SPAMD/1.0 76 Bad header line: x\r\n\r\n".utf8), command: .symbols) == .failure(.daemon("spamd: SPAMD/1.0 76 Bad header line: x")))
        guard case .failure(.garbage) = SpamdMessages.parse(Array("HTTP/1.1 200 OK\r\n\r\n".utf8), command: .symbols) else {
            Issue.record("HTTP answer accepted as spamd")
            return
        }
        guard case .failure(.garbage) = SpamdMessages.parse(Array("SPAMD/1.1 0 EX_OK\r\nSpam: maybe\r\n\r\n".utf8), command: .symbols) else {
            Issue.record("bad Spam header accepted")
            return
        }
        // Swift's Double reads these; a score that is no number is refused, not passed on.
        for numbers in ["nan / 5.0", "inf / 5.0", "1e999 / 5.0", "7.0 / -inf"] {
            let reply = Array("SPAMD/1.1 0 EX_OK\r\nSpam: True ; \(numbers)\r\n\r\n".utf8)
            guard case .failure(.garbage) = SpamdMessages.parse(reply, command: .symbols) else {
                Issue.record("Spam: True ; \(numbers) accepted")
                continue
            }
        }
    }
}

@Suite struct RspamdCodecTests {
    @Test func checkv2Answer() throws {
        let json = #"{"is_skipped":false,"score":16.2,"required_score":15.0,"action":"reject","symbols":{"GTUBE":{"name":"GTUBE","score":0.0},"R_BAD":{"name":"R_BAD","score":16.2,"options":["a","b"]}}}"#
        let answer = try #require(RspamdMessages.parse(Array(json.utf8)))
        #expect(answer.action == "reject" && answer.score == 16.2)
        #expect(answer.symbols.map(\.name) == ["R_BAD", "GTUBE"])
        #expect(answer.symbols[0].options == ["a", "b"])
        #expect(RspamdMessages.parse(Array("<html>".utf8)) == nil)
        #expect(RspamdMessages.parse(Array("{\"foo\":1}".utf8)) == nil)
    }

    @Test func actions() {
        let map = RspamdActionMap()
        #expect(map.category(for: "reject") == .spam)
        #expect(map.category(for: "add header") == .spam)
        #expect(map.category(for: "rewrite subject") == .spam)
        #expect(map.category(for: "greylist") == .suspicious)
        #expect(map.category(for: "soft reject") == nil)
        #expect(map.category(for: "no action") == nil)
    }

    @Test func envelopeHeaders() {
        let envelope = Envelope(clientAddress: "192.0.2.1", helo: "mx.example.org", mailFrom: "a@example.org", recipients: ["b@example.org", "c@example.org"])
        let text = String(decoding: RspamdMessages.request(path: "/checkv2", host: "h", message: [65], envelope: envelope, password: nil, queueID: nil), as: UTF8.self)
        #expect(text.contains("From: a@example.org\r\n") && text.contains("Rcpt: b@example.org\r\nRcpt: c@example.org\r\n"))
        #expect(text.contains("IP: 192.0.2.1\r\n") && text.contains("Helo: mx.example.org\r\n") && text.hasSuffix("\r\n\r\nA"))
    }
}

@Suite struct FactoryValidationTests {
    @Test(arguments: [
        ("icap", ["mode": ConfigValue.string("everything")], "options.mode"),
        ("icap", ["port": .integer(70000)], "options.port"),
        ("icap", ["bogus": .bool(true)], "options.bogus"),
        ("icap", ["socket": .string("relative.sock")], "options.socket"),
        ("spamd", ["command": .string("CHECK")], "options.command"),
        ("spamd", ["retries": .integer(-1)], "options.retries"),
        ("rspamd", ["greylist_as": .string("maybe")], "options.greylist_as"),
        ("rspamd", ["path": .string("checkv2")], "options.path"),
        ("command", [:], "options.command"),
        ("command", ["command": .array([.string("clamscan")])], "options.command"),
        ("command", ["command": .array([.string("x"), .string("{file}")]), "name_pattern": .string("(")], "options.name_pattern"),
        ("command", ["command": .array([.string("x"), .string("{file}")]), "name_pattern": .string("FOUND")], "options.name_pattern"),
        ("command", ["command": .array([.string("x"), .string("{file}")]), "clean_codes": .array([.integer(1)])], "options.detected_codes"),
        ("command", ["command": .array([.string("x")]), "input": .string("stdin"), "breaker_failures": .string("5")], "options.breaker_failures"),
    ] as [(String, [String: ConfigValue], String)])
    func badOptionNamesTheKey(adapter: String, options: [String: ConfigValue], key: String) async {
        let factory = ExternalAdapters.factories.first { $0.adapter == adapter }!
        do {
            _ = try await makeEngine(factory, options)
            Issue.record("\(adapter) accepted \(options)")
        } catch let error as ConfigurationError {
            #expect(error.key == key, "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func defaultsBuildWithoutNetwork() async throws {
        let start = ContinuousClock.now
        for factory in ExternalAdapters.factories where factory.adapter != "command" {
            _ = try await makeEngine(factory, ["port": .integer(deadPort())])
        }
        _ = try await makeEngine(CommandEngineFactory(), ["command": .array([.string("true"), .string("{file}")])])
        #expect(ContinuousClock.now - start < .seconds(2))
    }
}
