@testable import MoatURL
import Testing

@Suite("Brand imitation")
struct BrandListTests {
    let brands = BrandList(entries: ["paypal.com", "microsoft.com", "amazon.co.jp", "# comment", "rakuten.co.jp", "=visa.com"], normalizer: Support.normalizer)

    func imitation(_ link: String) -> BrandList.Imitation? {
        Support.normalizer.normalize(link, source: .text, partPath: "1", schemeless: false).flatMap(brands.imitation(in:))
    }

    @Test("lookalike domains: digits, rn for m, Cyrillic and Greek letters, punycode")
    func lookalikes() {
        #expect(imitation("https://paypa1.com/login") == .lookalike(brand: "paypal.com"))
        #expect(imitation("https://www.rnicrosoft.com/") == .lookalike(brand: "microsoft.com"))
        #expect(imitation("https://p\u{0430}ypal.com/") == .lookalike(brand: "paypal.com"))
        #expect(imitation("https://xn--pypal-4ve.com/") == .lookalike(brand: "paypal.com"))
        #expect(imitation("https://\u{0430}mazon.co.jp/") == .lookalike(brand: "amazon.co.jp"))
        #expect(imitation("https://rakuten.co.jp.secure-login.example/") == .embedded(brand: "rakuten.co.jp"))
    }

    @Test("the brand's own domains, unrelated domains and IP hosts do not match")
    func noFalseMatches() {
        #expect(imitation("https://www.paypal.com/signin") == nil)
        #expect(imitation("https://login.microsoft.com/") == nil)
        #expect(imitation("https://www.amazon.co.jp/dp/1") == nil)
        #expect(imitation("https://example.com/paypal.com") == nil)
        #expect(imitation("https://paypalette.example/") == nil)
        #expect(imitation("http://192.0.2.1/paypal") == nil)
    }

    @Test("the brand's name as a word of another domain")
    func embedded() {
        #expect(imitation("https://paypal.com.account-check.example/") == .embedded(brand: "paypal.com"))
        #expect(imitation("https://secure-paypal.example/") == .embedded(brand: "paypal.com"))
        #expect(imitation("https://rakuten-card-verify.example/") == .embedded(brand: "rakuten.co.jp"))
    }

    @Test("a misspelt brand name as a label or word of a subdomain; the exact name alone as a section is not")
    func lookalikeLabelsInSubdomains() {
        #expect(imitation("https://secure-micros0ft.example.org/") == .lookalike(brand: "microsoft.com"))
        #expect(imitation("https://login.rnicrosoft.example.org/") == .lookalike(brand: "microsoft.com"))
        #expect(imitation("https://paypa1-verify.accounts.example.net/") == .lookalike(brand: "paypal.com"))
        #expect(imitation("https://paypa1.net/") == .lookalike(brand: "paypal.com"))
        #expect(imitation("https://account-paypal.login.example.net/") == .embedded(brand: "paypal.com"))
        #expect(imitation("https://paypal.slashdot.org/") == nil)
        #expect(imitation("https://paypal.de/") == nil)
    }

    @Test("a brand marked = is matched only as a lookalike of its whole domain")
    func lookalikeOnlyBrands() {
        #expect(imitation("https://visa-application.example/") == nil)
        #expect(imitation("https://v1sa.com/") == .lookalike(brand: "visa.com"))
    }

    @Test("the shipped list parses, is well beyond the first 57 brands, and has no duplicates")
    func shippedList() throws {
        let entries = try DomainList.entries(inFile: Support.rulesDirectory + "/url/brands.txt")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let list = BrandList(entries: entries, normalizer: Support.normalizer)
        #expect(list.count >= 150)
        #expect(Set(entries).count == entries.count)
    }

    @Test("the fold reads a domain as a reader would, in one pass")
    func fold() {
        #expect(BrandList.fold("rnicr0s0ft.com") == "mlcrosoft.com")
        #expect(BrandList.fold("vvells-fargo.com") == "wells-fargo.com")
        #expect(BrandList.fold("rrn.com") == "rm.com")
        #expect(BrandList.fold("p\u{0430}ypa1.com") == "paypal.com")
        #expect(BrandList.fold("amazon.co.jp") == "amazon.co.jp")
    }
}
