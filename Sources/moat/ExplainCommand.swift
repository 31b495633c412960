import ArgumentParser
import Foundation
import MoatAdapters
import MoatCore
import MoatMessage

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show a message's MIME tree, the parser's findings and every engine's findings with scores.",
        discussion: """
            For rule authors and operators asking "why did this message get that verdict?": prints each
            part with its path (the numbering used in findings), declared type, filename, charset,
            transfer encoding and sizes; then the parser's findings (malformed MIME, limits hit); then
            the decision as `moat scan` prints it, with each finding's score and part.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Argument(help: "A message file ('-' for standard input).")
    var file: String

    func run() async throws {
        let runtime: ScanRuntime
        let raw: [UInt8]
        do {
            runtime = try await runtimeOptions.startRuntime()
            raw = try MessageSource.read(file)
        } catch {
            throw CLIError.exit(error)
        }
        let message = Message(parsing: raw, limits: runtime.configuration.limits)
        print("MIME tree (\(raw.count) bytes):")
        for part in message.parts {
            print(Self.describe(part))
        }
        if message.findings.isEmpty {
            print("Parser findings: none")
        } else {
            print("Parser findings:")
            for finding in message.findings {
                print("  \(finding.code) [part \(finding.partPath.isEmpty ? "root" : finding.partPath)] \(finding.detail)")
            }
        }
        let decision = await runtime.pipeline.scan(ScanInput(message: message))
        print("Decision:")
        print(DecisionPrinter.text(decision, file: file == "-" ? "<stdin>" : file), terminator: "")
        print("Headers added:")
        for header in decision.headers {
            print("  \(header.name): \(header.value)")
        }
        await runtime.shutdown()
        let status = DecisionPrinter.exitStatus(decision)
        if status != 0 { throw ExitCode(status) }
    }

    static func describe(_ part: MessagePart) -> String {
        let indent = String(repeating: "  ", count: part.depth + 1)
        var line = "\(indent)\(part.path.isEmpty ? "root" : part.path) \(part.contentType.essence)"
        if part.origin == .uuencoded { line += " (uuencoded)" }
        if let filename = part.filename { line += " name=\"\(filename)\"" }
        if part.filenameCandidates.count > 1 { line += " other-names=\(part.filenameCandidates.dropFirst().map { "\"\($0)\"" }.joined(separator: ","))" }
        if let charset = part.charset { line += " charset=\(charset)" }
        line += " cte=\(label(part.transferEncoding))"
        if let disposition = part.disposition { line += " disposition=\(disposition)" }
        line += " raw=\(part.rawRange.count)B"
        if !part.isMultipart { line += " decoded=\(part.decoded.count)B" }
        return line
    }

    static func label(_ encoding: TransferEncoding) -> String {
        switch encoding {
        case .sevenBit: "7bit"
        case .eightBit: "8bit"
        case .binary: "binary"
        case .base64: "base64"
        case .quotedPrintable: "quoted-printable"
        case .uuencode: "uuencode"
        case .other(let name): name
        }
    }
}
