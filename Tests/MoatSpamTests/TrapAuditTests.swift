import Foundation
import MoatMessage
import Testing
@testable import MoatSpam

/// Malformed markup that used to trap (kill the process) in the HTML rendering behind the body
/// rules; each must now render. See docs/trap-audit.md.
@Suite("Trap audit: malformed input returns")
struct TrapAuditTests {
    @Test("font sizes whose arithmetic overflows Int", arguments: [
        "<font size=+9223372036854775807>x</font>",
        "<basefont size=9223372036854775807><font size=+1>x</font>",
        "<font size=9223372036854775807><big>x</big></font>",
        "<font size=-9223372036854775808><small><small><small><small>x</small></small></small></small></font>",
    ])
    func fontSizeOverflow(html: String) {
        let rendering = HTMLRendering(html)
        #expect(rendering.text.contains("x"))
    }

    @Test("a huge font size still counts as huge")
    func hugeSizeSaturates() {
        #expect(HTMLRendering("<font size=+9223372036854775807>x</font>").maxSize == Int.max)
    }

    @Test("image sizes whose product or sum overflows Int")
    func imageAreaOverflow() {
        let one = HTMLRendering("<img width=9999999999 height=9999999999>")
        #expect(one.imageCount == 1 && one.imageArea == Int.max)
        let two = HTMLRendering("<img width=3037000499 height=3037000499><img width=3037000499 height=3037000499>")
        #expect(two.imageCount == 2 && two.imageArea == Int.max)
        #expect(HTMLRendering("<img width=20 height=10><img width=2 height=3>").imageArea == 206)
    }

    @Test("rgb() percentages that scale past Int")
    func rgbPercentOverflow() {
        #expect(HTMLColor.rgb("rgb(9223372036854775807%, 0%, 0%)").hasPrefix("#"))
        #expect(HTMLColor.rgb("rgb(100%, 50%, 0%)") == "#ff7f00")
        let rendering = HTMLRendering("<font color=\"rgb(9223372036854775807%,1%,1%)\">x</font>")
        #expect(rendering.text.contains("x"))
    }

    @Test("the same markup through a whole message and the rules")
    func throughRules() {
        let html = "<html><body><font size=+9223372036854775807 color=\"rgb(9223372036854775807%,0%,0%)\">x</font><img width=9999999999 height=9999999999></body></html>"
        let message = Message(parsing: Array("From: a@example.com\r\nSubject: t\r\nContent-Type: text/html\r\n\r\n\(html)\r\n".utf8))
        let rules = "body HTML_FONT_SIZE_HUGE eval:html_range('max_size', '6', 'inf')"
        #expect(Fixtures.hits(rules, message)["HTML_FONT_SIZE_HUGE"] != nil)
    }
}
