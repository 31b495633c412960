import Foundation
import Testing

/// Replays every input committed under `Tests/Fuzz/regressions/<target>/` (and the hand-made seeds
/// under `Tests/Fuzz/seeds/<target>/`) through the same entry the libFuzzer target calls. An input
/// that once crashed, hung or exhausted memory must now simply return; a trap fails the test run.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    /// Target name (the folder under `Tests/Fuzz/regressions`) → entry point.
    static let entries: [String: @Sendable ([UInt8]) -> Void] = [
        "mime": { MessageFuzzEntries.mime($0) },
        "rfc2047": { MessageFuzzEntries.rfc2047($0) },
        "charsets": { MessageFuzzEntries.charsets($0) },
        "uuencode": { MessageFuzzEntries.uuencode($0) },
        "qp": { MessageFuzzEntries.quotedPrintable($0) },
        "base64": { MessageFuzzEntries.base64($0) },
        "htmllinks": { URLFuzzEntries.htmlLinks($0) },
        "urlnormalize": { URLFuzzEntries.urlNormalize($0) },
        "pdflinks": { URLFuzzEntries.pdfLinks($0) },
        "textlinks": { URLFuzzEntries.textLinks($0) },
        "gif": { URLFuzzEntries.gif($0) },
        "image": { URLFuzzEntries.image($0) },
        "qr": { URLFuzzEntries.qr($0) },
        "cfb": { MacroFuzzEntries.cfb($0) },
        "zip": { MacroFuzzEntries.zip($0) },
        "rtf": { MacroFuzzEntries.rtf($0) },
        "biff": { MacroFuzzEntries.biff($0) },
        "powerpoint": { MacroFuzzEntries.powerpoint($0) },
        "vba": { MacroFuzzEntries.vba($0) },
        "macro": { MacroFuzzEntries.inspector($0) },
        "received": { SpamFuzzEntries.received($0) },
        "dkim": { AuthFuzzEntries.dkim($0) },
        "authrecords": { AuthFuzzEntries.authrecords($0) },
        "spamhtml": { SpamFuzzEntries.spamHTML($0) },
        "urihosts": { SpamFuzzEntries.uriHosts($0) },
        "asciipattern": { SpamFuzzEntries.asciiPattern($0) },
        "addresslist": { MessageFuzzEntries.addressList($0) },
        "pdf": { PDFFuzzEntries.inspect($0) },
        "htmldisarm": { HTMLDisarmFuzzEntries.sanitize($0) },
        "consoleform": { ConsoleFuzzEntries.form($0) },
        "milter": { MilterFuzzEntries.command($0) },
        "milterreply": { MilterFuzzEntries.reply($0) },
        "wire": { WireFuzzEntries.frame($0) },
        "external": { ExternalFuzzEntries.answer($0) },
    ]

    static let fuzzRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz")

    /// Regular files directly under `Tests/Fuzz/<kind>/<target>/`, sorted.
    static func inputs(_ kind: String, _ target: String) -> [URL] {
        let dir = fuzzRoot.appendingPathComponent(kind).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().filter { !$0.hasPrefix(".") }.map { dir.appendingPathComponent($0) }
    }

    @Test("every regression folder names a known target (a typo would skip its inputs)")
    func foldersAreTargets() throws {
        let dir = Self.fuzzRoot.appendingPathComponent("regressions")
        let folders = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { !$0.hasPrefix(".") }
        #expect(!folders.isEmpty)
        for folder in folders {
            #expect(Self.entries[folder] != nil, "Tests/Fuzz/regressions/\(folder) is not a fuzz target")
        }
    }

    @Test("the issue 15 GIF (LZW minimum code size 11, first code above 255) is committed")
    func issue15GIFPresent() {
        #expect(Self.inputs("regressions", "gif").contains { $0.lastPathComponent.hasPrefix("issue15") })
    }

    @Test("regression and seed inputs return", arguments: entries.keys.sorted())
    func replay(_ target: String) throws {
        let entry = try #require(Self.entries[target])
        for file in Self.inputs("regressions", target) + Self.inputs("seeds", target) {
            let data = try [UInt8](Data(contentsOf: file))
            let started = ContinuousClock.now
            entry(data)
            // libFuzzer's -timeout=10 flags a hang; a debug build is slower, so allow more here.
            #expect(ContinuousClock.now - started < .seconds(30), "\(target): \(file.lastPathComponent) took too long")
        }
    }
}
