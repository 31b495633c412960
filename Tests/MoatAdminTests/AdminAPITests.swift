import AdminTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryLogging
import Logging
import MoatAdmin
import MoatCore
import NIOCore
import Testing

@Suite("Admin API", .serialized)
struct AdminAPITests {
    static let manifests = [
        "blocklist.toml": "adapter = \"pattern\"\n[options]\npatterns = [\"QUARANTINE-ME\"]\nscope = \"parts\"\ncategory = \"phishing\"\nscore = 3\n",
    ]

    func authorized(_ token: AdminToken, json: Bool = false) -> HTTPFields {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token.value)"
        if json { headers[.contentType] = "application/json" }
        return headers
    }

    @Test("health is open; everything else needs the right token; the token is never logged")
    func authentication() async throws {
        let logs = InMemoryLogHandler()
        let logger = Logger(label: "test") { _ in logs }
        let daemon = try await DaemonUnderTest.start(manifests: Self.manifests, logger: logger)
        try await daemon.api.application().test(.router) { client in
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/engines", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer realm=\"moat\"")
            }
            var wrong = HTTPFields()
            wrong[.authorization] = "Bearer test-token-0123456789abcdeX"
            try await client.execute(uri: "/engines", method: .get, headers: wrong) { #expect($0.status == .unauthorized) }
            wrong[.authorization] = "Basic dGVzdDp0ZXN0"
            try await client.execute(uri: "/metrics", method: .get, headers: wrong) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/engines", method: .get, headers: authorized(daemon.token)) { response in
                #expect(response.status == .ok)
                let engines = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]]
                #expect(engines?.first?["name"] as? String == "blocklist")
            }
        }
        let everything = logs.entries.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        #expect(!everything.contains(daemon.token.value))
        await daemon.stop()
    }

    @Test("scan, quarantine list/show/delete, feedback by id and by message, reload")
    func endpoints() async throws {
        let daemon = try await DaemonUnderTest.start(manifests: Self.manifests)
        let message = "From: a@example.com\r\nSubject: verify your account\r\n\r\nClick here QUARANTINE-ME now.\r\n"
        try await daemon.api.application().test(.router) { client in
            let headers = authorized(daemon.token)
            let id = try await client.execute(uri: "/scan", method: .post, headers: headers, body: ByteBuffer(string: message)) { response in
                #expect(response.status == .ok)
                let decision = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(decision?["action"] as? String == "quarantine")
                return decision?["id"] as? String ?? ""
            }
            #expect(!id.isEmpty)
            // The quarantine entry is written by the supervisor in the background.
            var listed = false
            for _ in 0..<200 where !listed {
                listed = try await client.execute(uri: "/quarantine", method: .get, headers: headers) { response in
                    String(buffer: response.body).contains(id)
                }
                if !listed { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(listed)
            try await client.execute(uri: "/quarantine/\(id)", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("QUARANTINE-ME"))
            }
            try await client.execute(uri: "/feedback", method: .post, headers: authorized(daemon.token, json: true),
                                     body: ByteBuffer(string: "{\"id\": \"\(id)\", \"class\": \"phishing\"}")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("\"engines\""))
            }
            // Feedback with the message itself, matched by content hash.
            try await client.execute(uri: "/feedback?class=phishing", method: .post, headers: headers, body: ByteBuffer(string: message)) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/feedback", method: .post, headers: authorized(daemon.token, json: true),
                                     body: ByteBuffer(string: "{\"id\": \"nope\", \"class\": \"ham\"}")) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/quarantine/\(id)", method: .delete, headers: headers) { #expect($0.status == .ok) }
            try await client.execute(uri: "/quarantine/\(id)", method: .get, headers: headers) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/reload", method: .post, headers: headers) { #expect($0.status == .ok) }
            try await client.execute(uri: "/engines/nope/state", method: .post, headers: authorized(daemon.token, json: true),
                                     body: ByteBuffer(string: #"{"state": "shadow", "reason": "x"}"#)) { #expect($0.status == .notFound) }
        }
        let statistics = daemon.tracker.statistics(engine: "blocklist")
        #expect(statistics.samples == 2)
        #expect(statistics.categories["phishing"]?.counts.truePositives == 2)
        await daemon.stop()
    }

    @Test("POST /model/train retrains the combiner from feedback, writes it, and does not put it in force")
    func retrainFromFeedback() async throws {
        let daemon = try await DaemonUnderTest.start(manifests: Self.manifests)
        var scanned: [(String, TrueClass)] = []
        for index in 0..<24 {
            let phishing = index % 3 == 0
            let raw = phishing ? "From: x@example.net\r\nSubject: account \(index)\r\n\r\nverify QUARANTINE-ME \(index)\r\n" : Mail.ham(index)
            scanned.append((await daemon.scan(raw).scanID, phishing ? .phishing : .ham))
        }
        let ids = scanned
        try await daemon.api.application().test(.router) { client in
            // Not enough labelled mail yet: refused with the reason, nothing written.
            try await client.execute(uri: "/model/train?folds=3", method: .post, headers: authorized(daemon.token)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("too few labelled messages"))
            }
            for (id, truth) in ids {
                var recorded = false
                for _ in 0..<200 where !recorded {
                    recorded = try await daemon.store.scan(id: id) != nil
                    if !recorded { try await Task.sleep(for: .milliseconds(20)) }
                }
                try await client.execute(uri: "/feedback", method: .post, headers: authorized(daemon.token, json: true),
                                         body: ByteBuffer(string: "{\"id\": \"\(id)\", \"class\": \"\(truth.rawValue)\"}")) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/model/train?folds=3&target_ham_rate=0.05", method: .post, headers: authorized(daemon.token)) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                let result = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let path = try #require(result?["path"] as? String)
                #expect(path.hasPrefix(daemon.directory + "/models/"))
                let model = try VerdictModel.load(path: path)
                #expect(model.engines == ["blocklist"])
                #expect(model.provenance.messages == ["store:ham": 16, "store:phishing": 8])
                #expect((model.weights["engine:blocklist=phishing"] ?? 0) > 0)
            }
            try await client.execute(uri: "/model/train?folds=1", method: .post, headers: authorized(daemon.token)) { #expect($0.status == .badRequest) }
            // Not in force: GET /model names the hand-set policy, and each engine's measured precision.
            try await client.execute(uri: "/model", method: .get, headers: authorized(daemon.token)) { response in
                #expect(response.status == .ok)
                let view = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect((view?["rule"] as? String)?.hasPrefix("hand-set policy") == true)
                let engines = view?["engines"] as? [[String: Any]]
                #expect(engines?.first?["engine"] as? String == "blocklist")
                #expect((engines?.first?["statistics"] as? [String: Any])?["samples"] as? Int == 24)
            }
        }
        #expect(daemon.runtime.registry.snapshot.policy.model == nil)
        await daemon.stop()
    }

    @Test("metrics scrape parses as Prometheus text format and counts decisions")
    func metrics() async throws {
        let daemon = try await DaemonUnderTest.start(manifests: Self.manifests)
        _ = await daemon.scan("Subject: hello\r\n\r\nplain\r\n")
        try await Task.sleep(for: .milliseconds(100))
        try await daemon.api.application().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get, headers: authorized(daemon.token)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                // Every line: a comment (# TYPE / # HELP) or `name{labels} value`.
                let sample = try Regex(#"^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? [-+0-9.eE]+(Inf)?$"#)
                for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                    #expect(line.wholeMatch(of: sample) != nil, "not Prometheus text: \(line)")
                }
                #expect(text.contains("# TYPE moat_scans_total counter"))
                #expect(text.contains("moat_decisions_total{action=\"accept\"}"))
                #expect(text.contains("moat_engine_verdicts_total{engine=\"blocklist\",verdict=\"clean\"}"))
            }
        }
        await daemon.stop()
    }
}
