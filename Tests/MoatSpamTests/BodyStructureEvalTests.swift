import Foundation
import MoatMessage
import Testing
@testable import MoatSpam

/// MIME structure flags and HTML font facts that SpamAssassin's body evals read.
@Suite("MIME and HTML evals")
struct BodyStructureEvalTests {
    @Test func mimeEpilogueFlag() {
        let rule = "body EPI eval:check_msg_parse_flags('mime_epilogue_exists')"
        func message(_ epilogue: String) -> Message {
            Fixtures.message("""
                From: a@example.com
                MIME-Version: 1.0
                Content-Type: multipart/mixed; boundary="b1"

                --b1
                Content-Type: text/plain

                hello
                --b1--
                \(epilogue)
                """)
        }
        #expect(Fixtures.hits(rule, message("buy now at http://spam.example/"))["EPI"] == 1)
        #expect(Fixtures.hits(rule, message(" .\n")).isEmpty)
        #expect(Fixtures.hits(rule, Fixtures.plain).isEmpty)
    }

    @Test func htmlFontSizeAndFace() {
        let small = HTMLRendering("<p>plain <font face=\"Arial, Helvetica\" size=\"2\">text</font></p>")
        #expect(small.maxSize == 3 && !small.fontFaceBad)
        let huge = HTMLRendering("<font size=+4 face=\"!!spam&&\">BUY</font>")
        #expect(huge.maxSize == 7 && huge.fontFaceBad)
        let nested = HTMLRendering("<big><big><big><big><font color=red>x</font></big></big></big></big><font size=1>y</font>")
        #expect(nested.maxSize == 7)
        let rules = """
            body HTML_FONT_SIZE_HUGE eval:html_range('max_size', '6', 'inf')
            body HTML_FONT_FACE_BAD eval:html_test('font_face_bad')
            """
        #expect(Set(Fixtures.hits(rules, Fixtures.html).keys).isEmpty)
    }

    @Test func lowContrastText() {
        #expect(HTMLRendering("<font color=\"#fffffe\">hidden words</font>").fontLowContrast)
        #expect(HTMLRendering("<div style=\"color: white; background-color: #fefefe\">x</div>").fontLowContrast)
        #expect(HTMLRendering("<p style=\"color:rgb(250,250,250)\">faint</p>").fontLowContrast)
        #expect(!HTMLRendering("<font color=red>visible</font> <font color=\"#ffffff\"> </font>").fontLowContrast)
        #expect(!HTMLRendering("<td bgcolor=black><font color=navy>shown</font></td>").fontLowContrast)
        #expect(HTMLColor.rgb("FFF") == "invalid" && HTMLColor.rgb("#FfF") == "#ffffff" && HTMLColor.rgb("Navy") == "#000080")
        #expect(HTMLColor.rgb("#12345") == "#112233" && HTMLColor.rgb("rgb(100%, 0%, 0%)") == "#ff0000")
    }

    @Test func htmlLengthIsTheSourceLengthAndTagBookkeeping() {
        let source = "<html><body><a href=\"http://x.example/\"><img src=\"http://x.example/a.gif\"></a></body></html>"
        let html = HTMLRendering(source)
        #expect(html.sourceLength == source.count && html.imageCount == 1)
        #expect(html.anchorText.contains("<img>"))
        let extra = HTMLRendering("<p>a</p></div></span><b>b</b>")
        #expect(extra.closedExtra == 2 && extra.tagEvents == 6 && extra.balance["div"] == 0)
        #expect(HTMLRendering("<font color=\"bogus\">x</font>").fontInvalidColor)
        let rules = """
            body IMG_ONLY eval:html_image_only('0000','0400')
            body LINK_IMAGE eval:html_text_match('anchor', '<img>')
            body EXTRA_CLOSE eval:html_range('closed_extra_ratio', '0.09', 'inf')
            """
        let message = Fixtures.message("""
            From: a@example.com
            Content-Type: text/html

            \(source)</div>
            """)
        #expect(Set(Fixtures.hits(rules, message).keys) == ["IMG_ONLY", "LINK_IMAGE", "EXTRA_CLOSE"])
    }

    @Test func alternativePartsThatSayDifferentThings() {
        func message(_ plain: String, _ html: String) -> Message {
            Fixtures.message("""
                From: a@example.com
                MIME-Version: 1.0
                Content-Type: multipart/alternative; boundary="alt"

                --alt
                Content-Type: text/plain

                \(plain)
                --alt
                Content-Type: text/html

                \(html)
                --alt--
                """)
        }
        let same = AlternativeDifference(message("Hello Bob, the meeting is at noon.", "<p>Hello Bob, the meeting is at <b>noon.</b></p>"))
        #expect(same.difference == 0 && same.htmlWords == 7 && same.textWords == 7)
        let different = AlternativeDifference(message("Hello Bob.", "<p>Cheap pills online now</p>"))
        #expect(different.difference == 100)
        let rules = """
            body MPART_ALT_DIFF eval:multipart_alternative_difference('99', '100')
            body MPART_ALT_DIFF_COUNT eval:multipart_alternative_difference_count('3', '1')
            """
        #expect(Set(Fixtures.hits(rules, message("Hello Bob.", "<p>Cheap pills online now</p>")).keys) == ["MPART_ALT_DIFF"])
        #expect(Set(Fixtures.hits(rules, message("a b c d e f g h i j k l m n o p", "<p>a b</p>")).keys) == ["MPART_ALT_DIFF_COUNT"])
        #expect(AlternativeDifference(Fixtures.plain).difference == 0)
    }
}
