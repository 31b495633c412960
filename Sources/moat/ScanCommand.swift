import ArgumentParser
import Foundation
import MoatAdapters
import MoatCore
import MoatMessage

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Scan messages and print each decision and every engine's verdict.",
        discussion: """
            Reads RFC 822 messages (.eml) from the files given, or from standard input when none is given
            or the file is '-'. With --json, writes one JSON document per message (one per line).
            Exit status: 0 all clean, 1 any message detected or refused, 2 any error.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Flag(name: .long, help: "Write JSON decisions (one object per line) instead of text.")
    var json = false

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
        }
        await runtime.shutdown()
        if worst != 0 { throw ExitCode(worst) }
    }
}
