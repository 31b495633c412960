import Foundation
import MoatMessage
import Testing
@testable import MoatURL

/// Malformed input that used to trap (kill the process) in the link scanners; each must now
/// return. See docs/trap-audit.md.
@Suite("Trap audit: malformed input returns")
struct TrapAuditTests {
    /// `Ⱥ` (2 UTF-8 bytes) lowercases to `ⱥ` (3 bytes): indices of the lowercased text ran past
    /// the end of the original.
    @Test("CSS url() after characters whose lowercase form is longer", arguments: [
        "ȺȺȺȺȺȺurl(x)",
        "İİİİİİİİ URL(http://a.example/)",
    ])
    func cssLengthChangingLowercase(css: String) {
        #expect(HTMLLinkScanner.cssURLs(css).count == 1)
    }

    @Test("a <style> block and a style attribute with such characters")
    func htmlStyle() {
        let scanned = HTMLLinkScanner.scan("<style>ȺȺȺȺȺȺurl(x)</style><p style=\"ȺȺȺȺ background: url(y)\">t</p>", limit: 10)
        #expect(scanned.links.map(\.value) == ["x", "y"])
        let urls = Support.extractor.extractWithoutImages(
            from: Support.message(type: "text/html; charset=utf-8", body: "<style>ȺȺȺȺȺȺurl(https://css.example/a)</style>")).urls
        #expect(urls.map(\.normalized) == ["https://css.example/a"])
    }

    /// `İ` lowercases to two scalars: the scheme marker's offset in the lowercased word pointed
    /// past the token, and the link range was built with lowerBound > upperBound.
    @Test("a scheme marker after dotted capital I", arguments: [
        "İİİİİİİİİİ:// abcdefghijklmnopqrstuvwxyz",
        "İİİİİİİİİİ://",
        "İhttps://x.example/ and more",
    ])
    func schemeMarkerAfterDottedI(text: String) {
        _ = TextLinkScanner.candidates(in: text, limit: 10)
        _ = Support.extractor.extractWithoutImages(from: Support.message(body: text))
    }

    @Test("the marker offset is still right after dotted capital I")
    func markerOffset() {
        let found = TextLinkScanner.candidates(in: "İ https://x.example/a İhttps://y.example/b", limit: 10).map(\.raw)
        #expect(found == ["https://x.example/a", "https://y.example/b"])
    }
}
