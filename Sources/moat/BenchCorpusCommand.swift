import ArgumentParser
import MoatBench

struct BenchCorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "List the labelled messages of corpora as `moat bench accuracy` reads them (path<TAB>label).",
        discussion: """
            The same folders, manifests, skip rules and order as `bench accuracy`, so the peer scripts in
            bench/peers/ scan exactly the messages Moat scans and their verdict files line up.
            """
    )

    @Option(name: .long, help: "Which part of the fixed split: all, dev or holdout (as bench accuracy --split).")
    var split = "all"

    @Option(name: .long, help: "Share of the corpus in the holdout, in percent.")
    var holdoutPercent = 20

    @Argument(help: "Corpus folders or manifests.")
    var corpora: [String]

    func run() throws {
        let messages: [LabelledMessage]
        do {
            guard let part = CorpusSplit.Part(rawValue: split) else { throw ValidationError("--split is all, dev or holdout, not \(split)") }
            messages = CorpusSplit(percent: holdoutPercent).select(try CorpusLoader.load(corpora), part)
        } catch {
            throw CLIError.exit(error)
        }
        for message in messages { print("\(message.path)\t\(message.label.rawValue)") }
    }
}
