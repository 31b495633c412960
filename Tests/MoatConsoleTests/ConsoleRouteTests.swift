import AdminTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MoatAdmin
import MoatConsole
import MoatCore
import NIOCore
import Synchronization
import Testing

/// A browser's state for the router tests: its cookies, and the CSRF token of the last page.
final class Browser: Sendable {
    private let state = Mutex<(cookies: [String: String], csrf: String)>(([:], ""))

    var cookies: [String: String] { state.withLock { $0.cookies } }
    var csrf: String { state.withLock { $0.csrf } }

    var headers: HTTPFields {
        var headers = HTTPFields()
        let cookies = self.cookies
        if !cookies.isEmpty { headers[.cookie] = cookies.keys.sorted().map { "\($0)=\(cookies[$0] ?? "")" }.joined(separator: "; ") }
        return headers
    }

    func formHeaders() -> HTTPFields {
        var headers = self.headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return headers
    }

    /// Keeps the response's cookies (an empty value deletes) and the page's CSRF token.
    func absorb(_ response: TestResponse) -> String {
        let body = String(buffer: response.body)
        state.withLock { state in
            for value in response.headers[values: .setCookie] {
                let pair = value.split(separator: ";")[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(pair[0]), cookie = pair.count > 1 ? String(pair[1]) : ""
                if cookie.isEmpty { state.cookies.removeValue(forKey: name) } else { state.cookies[name] = cookie }
            }
            if let range = body.range(of: "name=\"csrf\" value=\"") {
                state.csrf = String(body[range.upperBound...].prefix { $0 != "\"" })
            }
        }
        return body
    }
}

@Suite("Web console routes", .serialized)
struct ConsoleRouteTests {
    static let manifests = [
        "blocklist.toml": "adapter = \"pattern\"\n[options]\npatterns = [\"QUARANTINE-ME\"]\nscope = \"parts\"\ncategory = \"phishing\"\nscore = 3\n",
        "spamwords.toml": "adapter = \"pattern\"\n[options]\npatterns = [\"BUY-NOW-PILLS\"]\nscope = \"parts\"\ncategory = \"spam\"\nscore = 2\n",
    ]

    static func settings(_ directory: String = NSTemporaryDirectory()) -> AdminSettings {
        var settings = AdminSettings(listen: "127.0.0.1:0", modelsDirectory: directory + "/models")
        settings.tenantTokens = [AdminSettings.TenantToken(tenant: "acme", token: "acme-token-0123456789")]
        return settings
    }

    static func form(_ fields: [String: String]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(string: fields.keys.sorted().map { "\($0)=\(fields[$0]?.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&"))
    }

    func withConsole(now: (@Sendable () -> Date)? = nil, settings: AdminSettings = Self.settings(),
                     _ body: @Sendable (DaemonUnderTest, ConsoleSessions, any TestClientProtocol) async throws -> Void) async throws {
        let daemon = try await DaemonUnderTest.start(manifests: Self.manifests, settings: settings)
        let sessions = ConsoleSessions(settings: daemon.api.settings.console, now: now ?? Date.init)
        let console = try Console(api: daemon.api, sessions: sessions, now: now ?? Date.init)
        do {
            try await daemon.api.application(extraRoutes: { console.addRoutes(to: $0) }).test(.router) { client in
                try await body(daemon, sessions, client)
            }
        } catch {
            await daemon.stop()
            throw error
        }
        await daemon.stop()
    }

    func signIn(_ client: any TestClientProtocol, _ browser: Browser, token: String, name: String = "alice") async throws {
        try await client.execute(uri: "/console/signin", method: .get, headers: browser.headers) { _ = browser.absorb($0) }
        try await client.execute(uri: "/console/signin", method: .post, headers: browser.formHeaders(),
                                 body: Self.form(["csrf": browser.csrf, "token": token, "name": name])) { response in
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/console")
            let cookie = response.headers[values: .setCookie].first { $0.hasPrefix("moat_session=") } ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/console"))
            _ = browser.absorb(response)
        }
        try await client.execute(uri: "/console", method: .get, headers: browser.headers) { _ = browser.absorb($0) }
    }

    func flush(_ daemon: DaemonUnderTest) async throws {
        try await Task.sleep(for: .milliseconds(50))
        await daemon.writer.flush()
    }

    @Test("no page without sign-in but the sign-in page and /health; a wrong token or a forged form is refused")
    func signInRequired() async throws {
        try await withConsole { daemon, _, client in
            for path in ["/console", "/console/engines", "/console/decisions", "/console/decisions/x", "/console/quarantine", "/console/quarantine/x",
                         "/console/engines/blocklist", "/console/metrics"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .seeOther, "\(path)")
                    #expect(response.headers[.location] == "/console/signin?ended=1")
                }
            }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            let browser = Browser()
            try await client.execute(uri: "/console/signin", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
                let body = browser.absorb(response)
                #expect(body.contains("<label for=\"token\">"))
            }
            // The token is right but the form did not come from the sign-in page.
            try await client.execute(uri: "/console/signin", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": "forged", "token": daemon.token.value])) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/console/signin", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": browser.csrf, "token": "not-the-token-0123456789"])) { response in
                #expect(response.status == .unauthorized)
                #expect(!response.headers[values: .setCookie].contains { $0.hasPrefix("moat_session=") })
            }
            try await signIn(client, browser, token: daemon.token.value)
            try await client.execute(uri: "/console", method: .get, headers: browser.headers) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("console:alice"))
            }
            // Signing out ends the session on the server, not only in the browser.
            let cookie = browser.headers
            try await client.execute(uri: "/console/signout", method: .post, headers: browser.formHeaders(), body: Self.form(["csrf": browser.csrf])) { response in
                #expect(response.status == .seeOther)
                _ = browser.absorb(response)
            }
            try await client.execute(uri: "/console", method: .get, headers: cookie) { #expect($0.status == .seeOther) }
        }
    }

    @Test("a session ends after its idle time and after its lifetime")
    func sessionExpiry() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
        try await withConsole(now: { clock.withLock { $0 } }) { daemon, sessions, client in
            let browser = Browser()
            try await signIn(client, browser, token: daemon.token.value)
            clock.withLock { $0 += Double(sessions.settings.sessionIdleSeconds - 10) }
            try await client.execute(uri: "/console/decisions", method: .get, headers: browser.headers) { #expect($0.status == .ok) }
            clock.withLock { $0 += Double(sessions.settings.sessionIdleSeconds + 1) }
            try await client.execute(uri: "/console/decisions", method: .get, headers: browser.headers) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console/signin?ended=1")
            }
            // Busy but old: used every half idle time, the session still ends at its lifetime.
            try await signIn(client, browser, token: daemon.token.value)
            let step = Double(sessions.settings.sessionIdleSeconds) / 2
            var age = 0.0
            while age + step < Double(sessions.settings.sessionLifetimeSeconds) {
                clock.withLock { $0 += step }
                age += step
                try await client.execute(uri: "/console", method: .get, headers: browser.headers) { #expect($0.status == .ok, "at \(age) s") }
            }
            clock.withLock { $0 += step }
            try await client.execute(uri: "/console", method: .get, headers: browser.headers) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console/signin?ended=1")
            }
        }
    }

    @Test("hostile subjects and sender names render inert on every page")
    func escaping() async throws {
        try await withConsole { daemon, _, client in
            let hostile = "From: \"<img src=x onerror=alert(1)>\" <evil@example.com>\r\nTo: me@moat.test\r\n"
                + "Subject: <script>alert('subject')</script> QUARANTINE-ME\r\nContent-Type: text/html\r\n\r\n"
                + "<html><body><script>alert('body')</script><p>QUARANTINE-ME</p></body></html>\r\n"
            // Quoted local parts let a sender put markup in the envelope addresses too.
            let envelope = Envelope(mailFrom: "\"<img src=x onerror=alert(2)>\"@evil.example",
                                    recipients: ["\"<script>alert(3)</script>\"@moat.test"], queueID: "<script>Q</script>")
            let decision = await daemon.scan(hostile, envelope: envelope)
            try await flush(daemon)
            let browser = Browser()
            try await signIn(client, browser, token: daemon.token.value)
            for path in ["/console/decisions", "/console/decisions/\(decision.scanID)", "/console/quarantine", "/console/quarantine/\(decision.scanID)",
                         "/console/decisions?subject=%3Cscript%3E"] {
                try await client.execute(uri: path, method: .get, headers: browser.headers) { response in
                    #expect(response.status == .ok, "\(path)")
                    let body = String(buffer: response.body)
                    #expect(!body.contains("<script"), "\(path)")
                    #expect(!body.contains("<img"), "\(path)")
                    #expect(body.contains("&lt;script&gt;"), "\(path)")
                }
            }
            try await client.execute(uri: "/console/quarantine/\(decision.scanID)", method: .get, headers: browser.headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("&lt;script&gt;alert(&#39;body&#39;)&lt;/script&gt;"), "the HTML part is shown as escaped source")
            }
        }
    }

    @Test("state changes need the form's CSRF token and are recorded with the operator's name")
    func stateChangeAndCSRF() async throws {
        try await withConsole { daemon, _, client in
            let browser = Browser()
            try await signIn(client, browser, token: daemon.token.value, name: "alice")
            try await client.execute(uri: "/console/engines/blocklist", method: .get, headers: browser.headers) { _ = browser.absorb($0) }
            for csrf in ["", "wrong"] {
                try await client.execute(uri: "/console/engines/blocklist/state", method: .post, headers: browser.formHeaders(),
                                         body: Self.form(["csrf": csrf, "state": "shadow", "reason": "test"])) { #expect($0.status == .forbidden) }
            }
            #expect(daemon.runtime.registry.snapshot.engines.first { $0.manifest.name == "blocklist" }?.manifest.state == .active)
            try await client.execute(uri: "/console/engines/blocklist/state", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": browser.csrf, "state": "shadow", "reason": "misfires on invoices"])) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console/engines/blocklist?done=stateChanged")
            }
            #expect(daemon.runtime.registry.snapshot.engines.first { $0.manifest.name == "blocklist" }?.manifest.state == .shadow)
            let change = try #require(try await daemon.store.stateChanges(engine: "blocklist", limit: 1).first)
            #expect(change.actor == "console:alice")
            #expect(change.reason == "misfires on invoices")
            try await client.execute(uri: "/console/engines/blocklist?done=stateChanged", method: .get, headers: browser.headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("id=\"engine-state\">shadow<"))
                #expect(body.contains("misfires on invoices"))
            }
            // A reason is required.
            try await client.execute(uri: "/console/engines/blocklist/state", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": browser.csrf, "state": "active", "reason": " "])) { #expect($0.status == .badRequest) }
        }
    }

    @Test("every form refuses a missing or wrong CSRF token; release runs the release command and is recorded")
    func formsNeedCSRF() async throws {
        var settings = Self.settings()
        settings.releaseCommand = ["/bin/echo", "released", "{queue_id}"]
        try await withConsole(settings: settings) { daemon, _, client in
            let held = await daemon.scan("From: x@example.com\r\nTo: me@moat.test\r\nSubject: held\r\n\r\nQUARANTINE-ME\r\n",
                                         envelope: Envelope(mailFrom: "x@example.com", recipients: ["me@moat.test"], queueID: "4XyZ1"))
            try await flush(daemon)
            #expect(held.action == .quarantine)
            let browser = Browser()
            try await signIn(client, browser, token: daemon.token.value)
            let id = held.scanID
            let forms: [(path: String, fields: [String: String])] = [
                ("/console/decisions/\(id)/feedback", ["class": "ham"]), ("/console/quarantine/\(id)/release", [:]),
                ("/console/quarantine/\(id)/delete", [:]), ("/console/engines/blocklist/state", ["state": "disabled", "reason": "x"]),
                ("/console/signout", [:]),
            ]
            for form in forms {
                for csrf: String? in [nil, "", "wrong", String(browser.csrf.dropLast())] {
                    var fields = form.fields
                    fields["csrf"] = csrf
                    try await client.execute(uri: form.path, method: .post, headers: browser.formHeaders(), body: Self.form(fields)) { response in
                        #expect(response.status == .forbidden, "\(form.path) with \(csrf ?? "no token")")
                    }
                }
            }
            // Nothing any of them would have done happened.
            #expect(daemon.tracker.statistics(engine: "blocklist").categories.values.allSatisfy { $0.counts.samples == 0 })
            #expect(try await daemon.store.quarantined(scanID: id)?.releasedAt == nil)
            #expect(try await daemon.store.quarantineActions(scanID: id, limit: 10).isEmpty)
            #expect(daemon.runtime.registry.snapshot.engines.first { $0.manifest.name == "blocklist" }?.manifest.state == .active)
            try await client.execute(uri: "/console", method: .get, headers: browser.headers) { #expect($0.status == .ok, "still signed in") }

            try await client.execute(uri: "/console/quarantine/\(id)/release", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": browser.csrf])) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console/quarantine/\(id)?done=released")
            }
            #expect(try await daemon.store.quarantined(scanID: id)?.releasedAt != nil)
            let actions = try await daemon.store.quarantineActions(scanID: id, limit: 10)
            #expect(actions.map(\.kind) == [.release])
            #expect(actions.map(\.actor) == ["console:alice"])
            #expect(actions.first?.detail.contains("released 4XyZ1") == true)
        }
    }

    @Test("feedback from the decision page changes the engine's figures; search filters the log")
    func feedbackAndSearch() async throws {
        try await withConsole { daemon, _, client in
            var spamID = ""
            for index in 0..<3 { _ = await daemon.scan(Mail.ham(index)) }
            spamID = await daemon.scan(Mail.spam(1)).scanID
            try await flush(daemon)
            let browser = Browser()
            try await signIn(client, browser, token: daemon.token.value)
            try await client.execute(uri: "/console/decisions?subject=offer", method: .get, headers: browser.headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("data-id=\"\(spamID)\""))
                #expect(!body.contains("the minutes"))
            }
            try await client.execute(uri: "/console/decisions?engine=spamwords", method: .get, headers: browser.headers) { response in
                #expect(String(buffer: response.body).components(separatedBy: "data-id=").count == 2)
            }
            try await client.execute(uri: "/console/decisions/\(spamID)", method: .get, headers: browser.headers) { response in
                let body = browser.absorb(response)
                #expect(body.contains("pattern.match") || body.contains("<code>"))
                #expect(body.contains("id=\"mime\""))
            }
            try await client.execute(uri: "/console/decisions/\(spamID)/feedback", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": browser.csrf, "class": "spam"])) { #expect($0.status == .seeOther) }
            #expect(daemon.tracker.statistics(engine: "spamwords").categories["spam"]?.counts.truePositives == 1)
            try await client.execute(uri: "/console/engines", method: .get, headers: browser.headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("data-category=\"spam\""))
                #expect(body.contains("n=1"))
            }
            try await client.execute(uri: "/console/engines/spamwords?days=30", method: .get, headers: browser.headers) { response in
                let body = String(buffer: response.body)
                for table in ["figures", "live"] {
                    let section = body.components(separatedBy: "id=\"\(table)\"").dropFirst().first ?? ""
                    #expect(section.prefix(1200).contains("data-category=\"spam\""), "\(table)")
                }
                #expect(body.contains("<svg class=\"chart\""))
                #expect(body.contains("value=\"30\" selected"))
                // Four scans in the verdict log, none failed; the recall and time charts are drawn.
                #expect(body.contains("id=\"window-activity\" data-scans=\"4\""))
                #expect(body.contains("Recall per day") && body.contains("Time per scan per day"))
                #expect(body.contains("0.00 %"))
            }
        }
    }

    @Test("a tenant operator sees only its own mail and not the engines")
    func tenantScope() async throws {
        try await withConsole { daemon, _, client in
            _ = try await daemon.api.tenants.create(Tenant(id: "acme", name: "Acme", domains: ["acme.example"]), actor: "test")
            let own = await daemon.scan("From: x@example.com\r\nTo: bob@acme.example\r\nSubject: for acme\r\n\r\nhi QUARANTINE-ME\r\n",
                                        envelope: Envelope(mailFrom: "x@example.com", recipients: ["bob@acme.example"], queueID: "Q1")).scanID
            let other = await daemon.scan("From: x@example.com\r\nTo: eve@other.example\r\nSubject: for others\r\n\r\nhi QUARANTINE-ME\r\n",
                                          envelope: Envelope(mailFrom: "x@example.com", recipients: ["eve@other.example"], queueID: "Q2")).scanID
            try await flush(daemon)
            let browser = Browser()
            try await signIn(client, browser, token: "acme-token-0123456789", name: "bob")
            try await client.execute(uri: "/console/engines", method: .get, headers: browser.headers) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/console/decisions", method: .get, headers: browser.headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains(own))
                #expect(!body.contains(other))
                #expect(!body.contains("href=\"/console/engines\""))
            }
            try await client.execute(uri: "/console/decisions/\(other)", method: .get, headers: browser.headers) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/console/quarantine/\(other)", method: .get, headers: browser.headers) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/console/quarantine/\(own)", method: .get, headers: browser.headers) { response in
                #expect(response.status == .ok)
                _ = browser.absorb(response)
            }
            try await client.execute(uri: "/console/quarantine/\(other)/delete", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": browser.csrf])) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/console/quarantine/\(own)/delete", method: .post, headers: browser.formHeaders(),
                                     body: Self.form(["csrf": browser.csrf])) { #expect($0.status == .seeOther) }
            #expect(try await daemon.store.quarantined(scanID: own) == nil)
            #expect(try await daemon.store.quarantined(scanID: other) != nil)
            let actions = try await daemon.store.quarantineActions(scanID: nil, limit: 10)
            #expect(actions.map(\.actor) == ["acme:console:bob"])
            #expect(actions.map(\.kind) == [.delete])
        }
    }

    @Test("a listen address beyond loopback is told apart (moatd warns about it)")
    func loopbackListen() {
        for listen in ["127.0.0.1:7358", "127.1.2.3:80", "[::1]:7358", "localhost:7358", ":7358"] {
            #expect(AdminSettings(listen: listen).listensOnLoopback, "\(listen)")
        }
        for listen in ["0.0.0.0:7358", "[::]:7358", "192.0.2.1:7358", "admin.example:7358", "nonsense"] {
            #expect(!AdminSettings(listen: listen).listensOnLoopback, "\(listen)")
        }
    }

    @Test("English or Japanese from Accept-Language, or the switch; the switch never redirects off the console")
    func languages() async throws {
        for language in ConsoleLanguage.allCases {
            for (key, text) in language.texts { #expect(!text.isEmpty, "\(language) \(key)") }
        }
        #expect(ConsoleLanguage.preferred("ja-JP,ja;q=0.9,en;q=0.8") == .ja)
        #expect(ConsoleLanguage.preferred("fr, en;q=0.5, ja;q=0.4") == .en)
        #expect(ConsoleLanguage.preferred("de") == .en)
        try await withConsole { _, _, client in
            var headers = HTTPFields()
            headers[.acceptLanguage] = "ja,en;q=0.5"
            try await client.execute(uri: "/console/signin", method: .get, headers: headers) { response in
                let body = String(buffer: response.body)
                #expect(body.contains("<html lang=\"ja\">"))
                #expect(body.contains("サインイン"))
            }
            try await client.execute(uri: "/console/language?to=en&back=%2Fconsole%2Fsignin", method: .get, headers: headers) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/console/signin")
                #expect(response.headers[values: .setCookie].contains { $0.hasPrefix("moat_lang=en") })
            }
            headers[.cookie] = "moat_lang=en"
            try await client.execute(uri: "/console/signin", method: .get, headers: headers) { response in
                #expect(String(buffer: response.body).contains("<html lang=\"en\">"))
            }
            try await client.execute(uri: "/console/language?to=ja&back=https%3A%2F%2Fevil.example%2F", method: .get) { response in
                #expect(response.headers[.location] == "/console")
            }
            try await client.execute(uri: "/console/language?to=ja&back=%2F%2Fevil.example", method: .get) { response in
                #expect(response.headers[.location] == "/console")
            }
        }
    }
}
