@testable import MoatFileType
import Testing

@Suite("FilenameAnalysis")
struct FilenameAnalysisTests {
    @Test("bidi controls are removed before the extension is taken")
    func bidi() {
        let name = FilenameAnalysis("invoice\u{202E}fdp.exe")
        #expect(name.finalExtension == "exe")
        #expect(name.bidiControls == ["\u{202E}"])
        #expect(FilenameAnalysis("a\u{2066}b\u{2069}.pdf\u{200F}").bidiControls.count == 3)
    }

    @Test("double extensions, blank padding and trailing dots")
    func extensions() {
        #expect(FilenameAnalysis("invoice.pdf.exe").extensions == ["pdf", "exe"])
        let padded = FilenameAnalysis("invoice.pdf" + String(repeating: " ", count: 30) + ".exe")
        #expect(padded.extensions == ["pdf", "exe"])
        #expect(padded.longestBlankRun == 30)
        let trailing = FilenameAnalysis("setup.exe. . ")
        #expect(trailing.finalExtension == "exe")
        #expect(trailing.hadTrailingDotsOrBlanks)
        #expect(FilenameAnalysis("Report.PDF").finalExtension == "pdf")
        #expect(FilenameAnalysis("README").extensions.isEmpty)
    }

    @Test("path parts, drives, control and invisible characters")
    func pathsAndControls() {
        let path = FilenameAnalysis("..\\..\\Windows\\evil.dll")
        #expect(path.hasPathParts)
        #expect(path.effectiveName == "evil.dll")
        #expect(FilenameAnalysis("C:evil.exe").hasPathParts)
        #expect(FilenameAnalysis("a\u{0}b.txt").hasControlCharacters)
        let invisible = FilenameAnalysis("pay\u{200B}ment.ex\u{FEFF}e")
        #expect(invisible.invisibleCount == 2)
        #expect(invisible.finalExtension == "exe")
        #expect(FilenameAnalysis.printable("a\u{202E}b") == "a<U+202E>b")
    }
}
