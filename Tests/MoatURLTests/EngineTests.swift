import MoatCore
import MoatMessage
import Testing
@testable import MoatURL

/// The engine: findings, weights, verdicts and factory options.
struct EngineTests {
    @Test func everyLinkIsListed() async throws {
        let report = try await Support.scan(Support.message(body: "a https://one.example/x and www.two-example.org"))
        let listed = report.findings.filter { $0.code == "url.extracted" }.map(\.detail)
        #expect(listed.contains("text https://one.example/x"))
        #expect(listed.contains("text http://www.two-example.org/"))
        #expect(report.findings.filter { $0.code == "url.extracted" }.allSatisfy { $0.score == 0 && $0.partPath == "" })
        #expect(report.category == nil)
    }

    @Test func anchorMismatchUserinfoAndIPReachPhishing() async throws {
        let html = #"<a href="https://evil.example/login">https://www.bank.example/login</a> <a href="http://paypal.com@0xC0A80101/">x</a>"#
        let report = try await Support.scan(Support.message(type: "text/html", body: html))
        let codes = Set(report.findings.filter { $0.score > 0 }.map(\.code))
        #expect(codes.isSuperset(of: ["url.anchor_mismatch", "url.userinfo", "url.obfuscated_ip"]))
        #expect(report.category == .phishing)
        #expect(report.score >= 8)
    }

    @Test("a newsletter's click tracker is not deception; the same link in one-off mail, or naming a brand, is")
    func clickTrackersInListMail() async throws {
        let html = #"<a href="http://ummail4.unitedmedia.example/Click?q=02-qit9IljN-Yow111_XDuuQ">www.dilbert.com</a>"#
        let list = ["List-Unsubscribe: <mailto:leave@unitedmedia.example>"]
        let newsletter = try await Support.scan(Support.message(type: "text/html", body: html, headers: list))
        #expect(newsletter.findings.contains { $0.code == "url.anchor_tracked" && $0.score == 0 })
        #expect(!newsletter.findings.contains { $0.code == "url.anchor_mismatch" })
        #expect(newsletter.category == nil)

        let oneOff = try await Support.scan(Support.message(type: "text/html", body: html))
        #expect(oneOff.findings.contains { $0.code == "url.anchor_mismatch" && $0.score == 4 })

        let fromSender = try await Support.scan(Message(parsing: Array(
            "From: News <news@unitedmedia.example>\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n\(html)\r\n".utf8)))
        #expect(fromSender.findings.contains { $0.code == "url.anchor_tracked" })

        let brand = #"<a href="http://mailer.example/Click?q=02-qit9IljN-Yow111_XDuuQ">www.paypal.com</a>"#
        let phish = try await Support.scan(Support.message(type: "text/html", body: brand, headers: list))
        #expect(phish.findings.contains { $0.code == "url.anchor_mismatch" })

        let plain = #"<a href="https://evil.example/login">www.bank-online.com</a>"#
        let plainList = try await Support.scan(Support.message(type: "text/html", body: plain, headers: list))
        #expect(plainList.findings.contains { $0.code == "url.anchor_mismatch" })
    }

    @Test("mailing services' tracking hosts from trackers.txt count as trackers without a click path")
    func trackerHosts() async throws {
        let html = #"<a href="https://r20.rs6.net/tn.jsp?f=001abcdef">www.example-shop.com</a>"#
        let report = try await Support.scan(Support.message(type: "text/html", body: html, headers: ["List-Id: <shop.example>"]))
        #expect(report.findings.contains { $0.code == "url.anchor_tracked" && $0.detail.contains("rs6.net") })
    }

    @Test("an IP-host link alone stays below suspicious")
    func ipHostAloneIsWeak() async throws {
        let report = try await Support.scan(Support.message(body: "see http://63.147.65.2/antiques"))
        #expect(report.findings.contains { $0.code == "url.ip_host" && $0.score == 2 })
        #expect(report.category == nil)
    }

    @Test func matchingAnchorTextIsFine() async throws {
        let report = try await Support.scan(Support.message(type: "text/html", body: #"<a href="https://www.bank.example/x">bank.example</a>"#))
        #expect(!report.findings.contains { $0.code == "url.anchor_mismatch" })
    }

    @Test("a dotted product name in capitals in link words is not a site the link hides")
    func productNamesInCapitals() async throws {
        // Book and tool names from a publisher's newsletter: ASP.NET and VB.NET read as hosts.
        let html = #"<a href="http://www.wrox.com/books?isbn=1861007418">ASP.NET Namespace Reference with C#</a> "#
            + #"<a href="http://www.wrox.com/books?isbn=1861007612">Professional VB.NET, 2nd Edition</a>"#
        let report = try await Support.scan(Support.message(type: "text/html", body: html))
        #expect(!report.findings.contains { $0.code.hasPrefix("url.anchor_") })
        // Capitals do not excuse link text that is the address, or a site written as one.
        let shown = #"<a href="https://evil.example/a">PAYPAL.COM</a> <a href="https://evil.example/b">Sign in to Paypal.com now</a>"#
        let phish = try await Support.scan(Support.message(type: "text/html", body: shown))
        #expect(phish.findings.contains { $0.code == "url.anchor_mismatch" && $0.detail.contains("paypal.com") })
        #expect(phish.findings.contains { $0.code == "url.anchor_mention" && $0.detail.contains("paypal.com") })
    }

    @Test("a domain named in link words weighs less than link text that is an address")
    func anchorMentionVersusAddress() async throws {
        let html = #"<a href="http://www.lindows.com/walmart">Lindows for Walmart.com</a> <a href="https://evil.example/a">www.bank-online.com</a>"#
        let report = try await Support.scan(Support.message(type: "text/html", body: html))
        let scored = report.findings.filter { $0.score > 0 }
        #expect(scored.contains { $0.code == "url.anchor_mention" && $0.detail.contains("walmart.com") && $0.score == 1 })
        #expect(scored.contains { $0.code == "url.anchor_mismatch" && $0.detail.contains("bank-online.com") && $0.score == 4 })
        let mentionOnly = try await Support.scan(Support.message(type: "text/html", body: #"<a href="http://clickthru.online.example/Click?q=1">CNET News.com today</a>"#))
        #expect(mentionOnly.category == nil)
    }

    @Test("server extensions answering a query and paths named like sites are not downloads")
    func serverExtensionsAreNotDownloads() async throws {
        let body = "http://cgi.ebay.example/ws/eBayISAPI.dll?ViewItem&item=1 http://boingboing.example/redhotjazz.com https://files.example/update.dll"
        let report = try await Support.scan(Support.message(body: body), options: ["phishing_score": .integer(100)])
        let executables = report.findings.filter { $0.code == "url.executable_link" }.map(\.detail)
        #expect(executables.count == 1)
        #expect(executables.first?.contains("update.dll") == true)
    }

    @Test func listsAndExecutables() async throws {
        let body = "https://blocked.moat-test.invalid.example/x https://bit.ly/abc https://files.example/invoice.exe https://files.example/a.zip"
        let report = try await Support.scan(Support.message(body: body), options: ["phishing_score": .integer(100)])
        let codes = report.findings.filter { $0.score > 0 }.map(\.code)
        #expect(codes.contains("url.shortener"))
        #expect(codes.contains("url.executable_link"))
        #expect(codes.contains("url.archive_link"))
        #expect(report.category == .suspicious)
    }

    @Test func blockListMatchesSubdomains() throws {
        let list = DomainList(entries: ["evil.example", "cdn.example/phish/"], normalizer: Support.normalizer)
        func url(_ s: String) -> ExtractedURL { Support.normalizer.normalize(s, source: .text, partPath: "", schemeless: false)! }
        #expect(list.match(url("https://a.b.evil.example/x")) == "evil.example")
        #expect(list.match(url("https://notevil.example/")) == nil)
        #expect(list.match(url("http://cdn.example/phish/kit.html")) == "cdn.example/phish/")
        #expect(list.match(url("http://cdn.example/ok")) == nil)
    }

    @Test func eachCheckScoresOnce() async throws {
        let body = (0..<50).map { "https://bit.ly/x\($0)" }.joined(separator: " ")
        let report = try await Support.scan(Support.message(body: body))
        #expect(report.findings.filter { $0.code == "url.shortener" }.count == 50)
        #expect(report.score == URLRiskWeights.defaults["shortener"])
    }

    @Test func weightsAreConfigurable() async throws {
        let report = try await Support.scan(Support.message(body: "http://10.0.0.1/x"),
                                            options: ["weights": .table(["ip_host": .double(9)])])
        #expect(report.score == 9)
        #expect(report.category == .phishing)
    }

    @Test(arguments: [
        ["weights": ConfigValue.table(["nope": .integer(1)])],
        ["max_urls": .string("many")],
        ["bogus": .bool(true)],
        ["block_list": .string("url/missing.txt")],
        ["suspicious_score": .integer(9), "phishing_score": .integer(5)],
    ])
    func badOptionsAreRejected(_ options: [String: ConfigValue]) async {
        await #expect(throws: ConfigurationError.self) { _ = try await Support.engine(options: options) }
    }

    @Test func manifestInRepositoryBuilds() async throws {
        let engine = try await Support.engine()
        #expect(engine.status["public_suffix_tlds"].flatMap(Int.init) ?? 0 > 1000)
        #expect(URLEngineFactory().adapter == "url")
    }
}
