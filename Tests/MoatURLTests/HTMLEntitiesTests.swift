import MailTestSupport
import Testing
@testable import MoatURL

/// Character references as browsers read them in links and their text.
@Suite struct HTMLEntitiesTests {
    @Test("references decode; what is no reference stays as written", arguments: [
        ("h&#116;tp", "http"),
        ("&#x68;&#X68;", "hh"),
        ("&#0;", "\u{FFFD}"),
        ("&#xD800;", "\u{FFFD}"),
        ("&#123456789;", "\u{FFFD}9;"),
        ("&#;", "&#;"),
        ("&colon;&COLON;", "::"),
        ("&amp x", "& x"),
        ("&colon x", "&colon x"),
        ("&ampé;", "&ampé;"),
        ("a&", "a&"),
        ("&Tab;&NewLine;", "\t\n"),
        ("&nbsp;", " "),
        ("x&#x1F600;y", "x😀y"),
        ("h&#116;tp&colon;//a&period;example/&amp x", "http://a.example/& x"),
    ])
    func decodes(_ input: String, _ expected: String) {
        #expect(HTMLEntities.decode(input) == expected)
    }

    @Test func textWithoutAmpersandIsReturnedAsItIs() {
        var random = TestRandom(seed: 0x0BAD_5EED_1234_5678)
        for text in random.texts(from: ["a", "é", "ж", "😀", "e\u{301}", "#", ";", " ", "x41", "\u{0}"], count: 1_000, maxPieces: 20) {
            #expect(HTMLEntities.decode(text) == text)
        }
    }
}
