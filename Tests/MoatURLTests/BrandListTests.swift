@testable import MoatURL
import Testing

@Suite("Brand imitation")
struct BrandListTests {
    let brands = BrandList(entries: ["paypal.com", "microsoft.com", "amazon.co.jp", "# comment", "rakuten.co.jp"], normalizer: Support.normalizer)

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

    @Test("the fold reads a domain as a reader would, in one pass")
    func fold() {
        #expect(BrandList.fold("rnicr0s0ft.com") == "mlcrosoft.com")
        #expect(BrandList.fold("vvells-fargo.com") == "wells-fargo.com")
        #expect(BrandList.fold("rrn.com") == "rm.com")
        #expect(BrandList.fold("p\u{0430}ypa1.com") == "paypal.com")
        #expect(BrandList.fold("amazon.co.jp") == "amazon.co.jp")
    }
}
