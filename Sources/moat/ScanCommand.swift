import ArgumentParser
import Foundation
import MoatAdapters
import MoatCore
import MoatMessage
import MoatMilter

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan messages and print each decision and every engine's verdict.",
        discussion: """
            Reads RFC 822 messages (.eml) from the files given, or from standard input when none is given
            or the file is '-'. With --json, writes one JSON document per message (one per line).
            With --deliver DIR, also writes each message as an MTA would deliver it (Moat's headers added,
            forged ones removed, disarmed parts replaced) to DIR under its file name; a refused message is
            not written.
            Exit status: 0 all clean, 1 any message detected or refused, 2 any error.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Flag(name: .long, help: "Write JSON decisions (one object per line) instead of text.")
    var json = false

    @Option(name: .long, help: "Write each message as it would be delivered into this directory.")
    var deliver: String?

    @Argument(help: "Message files ('-' for standard input).")
    var files: [String] = []

    func run() async throws {
        let runtime: ScanRuntime
        do {
            runtime = try await runtimeOptions.startRuntime()
        } catch {
            throw CLIError.exit(error)
        }
        var worst: Int32 = 0
        for path in files.isEmpty ? ["-"] : files {
            let raw: [UInt8]
            do {
                raw = try MessageSource.read(path)
            } catch {
                FileHandle.standardError.write(Data("moat: \(error)\n".utf8))
                worst = 2
                continue
            }
            let message = Message(parsing: raw, limits: runtime.configuration.limits)
            let decision = await runtime.pipeline.scan(ScanInput(message: message))
            let name = path == "-" ? "<stdin>" : path
            if json {
                print(try DecisionPrinter.json(decision, file: name))
            } else {
                print(DecisionPrinter.text(decision, file: name), terminator: "")
            }
            worst = max(worst, DecisionPrinter.exitStatus(decision))
            if let deliver {
                do {
                    try write(decision, message: message, name: name, into: deliver, headerPrefix: runtime.registry.snapshot.policy.headerPrefix)
                } catch {
                    FileHandle.standardError.write(Data("moat: \(error)\n".utf8))
                    worst = 2
                }
            }
        }
        await runtime.shutdown()
        if worst != 0 { throw ExitCode(worst) }
    }

    /// Writes the delivered form of `message` to `directory`, named after its file; says so on
    /// standard error (standard output keeps the decisions, which may be JSON).
    private func write(_ decision: Decision, message: Message, name: String, into directory: String, headerPrefix: String) throws {
        let translator = MilterDecisionTranslator(headerPrefix: headerPrefix)
        let response = translator.response(for: decision, message: message, bodyOffset: message.root.bodyRange.lowerBound,
                                           incomingHeaders: message.headers.map { MilterHeader(name: $0.name, value: $0.rawValue) })
        guard let delivered = MilterDelivery.delivered(message, response: response) else {
            FileHandle.standardError.write(Data("moat: \(name): not delivered (\(decision.action.rawValue))\n".utf8))
            return
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let base = name == "<stdin>" ? "stdin.eml" : URL(fileURLWithPath: name).lastPathComponent
        let target = URL(fileURLWithPath: directory).appendingPathComponent(base).path
        guard FileManager.default.createFile(atPath: target, contents: Data(delivered)) else {
            throw CLIError.unreadable(target, "cannot write")
        }
        let held = response.quarantineReason.map { "; the MTA holds it: \($0)" } ?? ""
        FileHandle.standardError.write(Data("moat: \(name): delivered as \(target)\(held)\n".utf8))
    }
}
