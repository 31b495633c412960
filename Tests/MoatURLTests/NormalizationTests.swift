import Testing
@testable import MoatURL

/// Every obfuscation form of the evasion checklist, normalised.
struct NormalizationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var raw: String
        var normalized: String
        var traits: Set<URLTrait>
        var schemeless = false
        var testDescription: String { raw.debugDescription }
    }

    static let cases: [Case] = [
        Case(raw: "HTTP://WWW.Example.COM/Path", normalized: "http://www.example.com/Path", traits: []),
        Case(raw: "https://example.com:443/", normalized: "https://example.com/", traits: []),
        Case(raw: "http://example.com:80", normalized: "http://example.com/", traits: []),
        Case(raw: "http://example.com:8080/x", normalized: "http://example.com:8080/x", traits: [.port]),
        Case(raw: "https://example.com./login", normalized: "https://example.com/login", traits: []),
        Case(raw: "hxxp://evil[.]example/x", normalized: "http://evil.example/x", traits: [.defanged]),
        Case(raw: "hxxps://evil(dot)example", normalized: "https://evil.example/", traits: [.defanged]),
        Case(raw: "https[:]//evil{.}example/a", normalized: "https://evil.example/a", traits: [.defanged]),
        Case(raw: "https://ex\u{200B}ample.com/", normalized: "https://example.com/", traits: [.zeroWidth]),
        Case(raw: "https://pay\u{00AD}pal.com/", normalized: "https://paypal.com/", traits: [.zeroWidth]),
        Case(raw: "https://example\u{3002}com/", normalized: "https://example.com/", traits: [.dotLookalike]),
        Case(raw: "https://example\u{FF0E}com/", normalized: "https://example.com/", traits: [.dotLookalike]),
        Case(raw: "https://example\u{FF61}com/", normalized: "https://example.com/", traits: [.dotLookalike]),
        Case(raw: "https://ｅｘａｍｐｌｅ.com/", normalized: "https://example.com/", traits: [.compatibilityCharacters]),
        Case(raw: "https:\\\\evil.example\\login", normalized: "https://evil.example/login", traits: [.backslashes]),
        Case(raw: "https://bank.example@evil.example/", normalized: "https://evil.example/", traits: [.userinfo]),
        Case(raw: "https://user:pw@evil.example:443/", normalized: "https://evil.example/", traits: [.userinfo]),
        Case(raw: "http://%65vil.example/", normalized: "http://evil.example/", traits: [.percentEncodedHost]),
        Case(raw: "http://example.com/%7Euser/%41%2Fb", normalized: "http://example.com/~user/A%2Fb", traits: []),
        Case(raw: "http://3232235777/", normalized: "http://192.168.1.1/", traits: [.ipHost, .obfuscatedIP]),
        Case(raw: "http://0xC0A80101/", normalized: "http://192.168.1.1/", traits: [.ipHost, .obfuscatedIP]),
        Case(raw: "http://0300.0250.1.1/", normalized: "http://192.168.1.1/", traits: [.ipHost, .obfuscatedIP]),
        Case(raw: "http://192.168.257/", normalized: "http://192.168.1.1/", traits: [.ipHost, .obfuscatedIP]),
        Case(raw: "http://192.168.1.1/", normalized: "http://192.168.1.1/", traits: [.ipHost]),
        Case(raw: "http://[2001:DB8::1]:8443/", normalized: "http://[2001:db8::1]:8443/", traits: [.ipHost, .port]),
        Case(raw: "https://bücher.example/", normalized: "https://xn--bcher-kva.example/", traits: [.internationalized]),
        Case(raw: "https://xn--bcher-kva.example/", normalized: "https://xn--bcher-kva.example/", traits: [.internationalized]),
        Case(raw: "https://p\u{0430}ypal.com/", normalized: "https://xn--pypal-4ve.com/", traits: [.internationalized, .mixedScript]),
        Case(raw: "https://xn--pypal-4ve.com/", normalized: "https://xn--pypal-4ve.com/", traits: [.internationalized, .mixedScript]),
        Case(raw: "https://\u{043F}\u{0440}\u{0438}\u{043C}\u{0435}\u{0440}.xn--p1ai/", normalized: "https://xn--e1afmkfd.xn--p1ai/", traits: [.internationalized]),
        Case(raw: "//evil.example/x", normalized: "http://evil.example/x", traits: []),
        Case(raw: "www.example.com/login", normalized: "http://www.example.com/login", traits: [.schemeless], schemeless: true),
        Case(raw: "example.co.uk", normalized: "http://example.co.uk/", traits: [.schemeless], schemeless: true),
        Case(raw: "http://example.com/a b", normalized: "http://example.com/a%20b", traits: []),
    ]

    @Test(arguments: cases)
    func normalizes(_ testCase: Case) throws {
        let url = try #require(Support.normalizer.normalize(testCase.raw, source: .text, partPath: "1", schemeless: testCase.schemeless))
        #expect(url.normalized == testCase.normalized)
        #expect(url.traits == testCase.traits)
    }

    @Test(arguments: ["mailto:a@example.com", "javascript:alert(1)", "cid:image001", "tel:+1555", "not a url", "http://", "http://exa mple.com/", "example.invalidtld"])
    func rejects(_ raw: String) {
        #expect(Support.normalizer.normalize(raw, source: .text, partPath: "1", schemeless: true) == nil)
    }

    @Test func registrableDomains() throws {
        let psl = Support.publicSuffixes
        #expect(psl.registrableDomain("a.b.example.co.uk") == "example.co.uk")
        #expect(psl.registrableDomain("co.uk") == nil)
        #expect(psl.registrableDomain("www.example.com") == "example.com")
        #expect(psl.registrableDomain("foo.bar.blogspot.com") == "bar.blogspot.com")
        #expect(psl.registrableDomain("192.168.1.1") == nil)
        #expect(psl.hasKnownTopLevelDomain("example.xn--p1ai"))
    }

    @Test func punycode() {
        #expect(Punycode.encode("bücher") == "bcher-kva")
        #expect(Punycode.decode("bcher-kva") == "bücher")
        #expect(Punycode.encode("пример") == "e1afmkfd")
        #expect(Punycode.decode("e1afmkfd") == "пример")
        #expect(Punycode.decode("99999999999999999999999a") == nil)
        // RFC 3492 sample (L) in Japanese.
        #expect(Punycode.decode("3B-ww4c5e180e575a65lsy2b") == "3年B組金八先生")
    }

    @Test(arguments: [
        ("https://www.google.com/url?q=https%3A%2F%2Fevil.example%2Fx&sa=D", "https://evil.example/x"),
        ("https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Flogin&data=05", "https://evil.example/login"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil.example%2F&h=AT0", "https://evil.example/"),
        ("https://tracker.example/click?redirect=https%253A%252F%252Fevil.example%252Fa", "https://evil.example/a"),
    ])
    func unwrapsRedirectors(_ raw: String, _ destination: String) throws {
        let outer = try #require(Support.normalizer.normalize(raw, source: .html, partPath: "1", schemeless: false))
        let inner = try #require(RedirectUnwrapper.destination(of: outer))
        #expect(Support.normalizer.normalize(inner, source: .html, partPath: "1", schemeless: false)?.normalized == destination)
    }

    @Test func searchQueriesAreNotRedirects() throws {
        let url = try #require(Support.normalizer.normalize("https://www.google.com/search?q=https://x.example", source: .html, partPath: "", schemeless: false))
        #expect(RedirectUnwrapper.destination(of: url) == nil)
    }
}
