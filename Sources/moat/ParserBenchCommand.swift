import ArgumentParser
import Foundation
import MoatMessage

struct ParserBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parser",
        abstract: "MIME parser throughput on a corpus, and parse time against message size (1 KB to 50 MB)."
    )

    @Argument(help: "Directories of messages (searched recursively).")
    var directories: [String] = []

    @Option(help: "Passes over the corpus.")
    var rounds = 3

    @Option(help: "Largest synthetic message size for the scaling table, in MB.")
    var maxSizeMB = 50

    func run() throws {
        let clock = ContinuousClock()
        if !directories.isEmpty {
            let files = directories.flatMap(Self.files(under:))
            let messages = files.compactMap { FileManager.default.contents(atPath: $0) }.map { Array($0) }
            let bytes = messages.reduce(0) { $0 + $1.count }
            var parts = 0
            let elapsed = clock.measure {
                for _ in 0..<rounds {
                    for raw in messages {
                        parts += Message(parsing: raw).parts.count
                    }
                }
            }
            let seconds = Self.seconds(elapsed)
            print("## Corpus throughput\n")
            print("| messages | bytes | rounds | parts/round | seconds | messages/s | MB/s |")
            print("|---:|---:|---:|---:|---:|---:|---:|")
            print("| \(messages.count) | \(bytes) | \(rounds) | \(parts / max(rounds, 1)) | \(String(format: "%.3f", seconds)) | \(String(format: "%.0f", Double(messages.count * rounds) / seconds)) | \(String(format: "%.1f", Double(bytes * rounds) / seconds / 1e6)) |")
            print("")
        }
        print("## Parse time by message size (multipart: text, HTML, base64 attachment)\n")
        print("| size | runs | ms per parse | MB/s | µs per KB |")
        print("|---:|---:|---:|---:|---:|")
        let sizes = [1 << 10, 10 << 10, 100 << 10, 1 << 20, 10 << 20, 50 << 20].filter { $0 <= maxSizeMB << 20 }
        for size in sizes {
            let raw = Self.synthetic(size: size)
            let runs = max(3, min(2000, (20 << 20) / size))
            let elapsed = clock.measure {
                for _ in 0..<runs { _ = Message(parsing: raw).parts.count }
            }
            let perParse = Self.seconds(elapsed) / Double(runs)
            print("| \(Self.label(size)) | \(runs) | \(String(format: "%.3f", perParse * 1000)) | \(String(format: "%.1f", Double(raw.count) / perParse / 1e6)) | \(String(format: "%.2f", perParse * 1e6 / (Double(raw.count) / 1024))) |")
        }
    }

    static func files(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var result: [String] = []
        while let name = enumerator.nextObject() as? String {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
               let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil, size < 64 << 20 {
                result.append(path)
            }
        }
        return result.sorted()
    }

    /// A realistic message of about `size` bytes: a text part, an HTML part and a base64 attachment.
    static func synthetic(size: Int) -> [UInt8] {
        var text = "From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: =?UTF-8?B?5Lya6K2w44Gu6LOH5paZ?=\r\n"
        text += "Date: Sun, 29 Nov 2026 10:00:00 +0900\r\nMessage-ID: <bench@example.com>\r\nMIME-Version: 1.0\r\n"
        text += "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\n"
        text += "Content-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        text += String(repeating: "Please find the quarterly report attached. ", count: 8) + "\r\n--b2\r\n"
        text += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Please find the report =\r\nattached.</p>\r\n--b2--\r\n--b1\r\n"
        text += "Content-Type: application/pdf; name=\"report.pdf\"\r\nContent-Disposition: attachment; filename=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        let remaining = max(0, size - text.utf8.count - 12)
        let lineCount = remaining / 78
        let line = "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVyIC9GbGF0ZURlY29kZT4+\r\n"
        var raw = Array(text.utf8)
        raw.reserveCapacity(size + 100)
        let lineBytes = Array(line.utf8.prefix(78))
        for _ in 0..<lineCount { raw += lineBytes }
        raw += Array("--b1--\r\n".utf8)
        return raw
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }

    static func label(_ size: Int) -> String {
        size >= 1 << 20 ? "\(size >> 20) MB" : "\(size >> 10) KB"
    }
}
