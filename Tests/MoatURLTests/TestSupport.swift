import Foundation
import MailTestSupport
import MoatCore
import MoatMessage
@testable import MoatURL

/// Shared fixtures: the repository's rules, message builders and external tools.
enum Support {
    /// The repository root (three levels up from this file).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let rulesDirectory = repoRoot.appendingPathComponent("rules").path
    static let corpus = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    static let publicSuffixes: PublicSuffixList = {
        (try? PublicSuffixList(contentsOfFile: rulesDirectory + "/url/public_suffix_list.dat")) ?? PublicSuffixList(text: "com\nnet\norg\nexample\nco.uk\nuk\n")
    }()
    static let normalizer = URLNormalizer(publicSuffixes: publicSuffixes)
    static let extractor = URLExtractor(normalizer: normalizer)
    static let blocking = BlockingWorkPool(threads: 2)

    static func engine(options: [String: ConfigValue] = [:]) async throws -> URLEngine {
        let manifest = EngineManifest(name: "url", adapter: "url", options: options)
        let context = EngineBuildContext(blocking: blocking, logger: .init(label: "test"), rulesDirectory: rulesDirectory, manifestPath: "engines/url.toml")
        return try await URLEngineFactory().makeEngine(manifest, context: context) as! URLEngine
    }

    static func scan(_ message: Message, options: [String: ConfigValue] = [:]) async throws -> EngineReport {
        let engine = try await engine(options: options)
        return try await engine.scan(ScanInput(message: message), context: ScanContext(blocking: blocking, logger: .init(label: "test")))
    }

    /// A message with one body part.
    static func message(type: String = "text/plain; charset=utf-8", body: String, headers: [String] = []) -> Message {
        Message(parsing: TestMessage.single(type: type, body: body, headers: TestMessage.defaultHeaders + headers))
    }

    /// A multipart/related message: HTML, then images (inline by Content-ID or attached).
    static func message(html: String, images: [(data: [UInt8], name: String, contentID: String?)]) -> Message {
        let parts = images.map { image in
            image.contentID.map { TestMessage.Part(contentType: "application/octet-stream", disposition: "inline", headers: ["Content-ID: <\($0)>"], bytes: image.data) }
                ?? TestMessage.Part(contentType: "application/octet-stream", disposition: "attachment; filename=\"\(image.name)\"", bytes: image.data)
        }
        return Message(parsing: TestMessage.multipart("related", parts: [.text(html, type: "text/html; charset=utf-8")] + parts))
    }

    /// Runs a tool; nil when it is missing or fails.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], input: Data? = nil) -> Data? {
        guard FileManager.default.isExecutableFile(atPath: tool) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let inputPipe = Pipe()
        if input != nil { process.standardInput = inputPipe }
        do { try process.run() } catch { return nil }
        if let input {
            inputPipe.fileHandleForWriting.write(input)
            try? inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }

    static func hasTools(_ tools: String...) -> Bool {
        tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func temporaryDirectory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-url-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// QR payloads `zbarimg` reads from a file (QR symbology only, like Moat), one per code.
    static func zbarimg(_ path: String) -> [String] {
        guard let data = run("/usr/bin/zbarimg", ["-q", "--raw", "-Sdisable", "-Sqrcode.enable", "-Sqrcode.binary=0", path]) else { return [] }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        return text.isEmpty ? [] : [text]
    }
}
