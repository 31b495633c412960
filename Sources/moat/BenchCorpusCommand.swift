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

    @Argument(help: "Corpus folders or manifests.")
    var corpora: [String]

    func run() throws {
        let messages: [LabelledMessage]
        do {
            messages = try CorpusLoader.load(corpora)
        } catch {
            throw CLIError.exit(error)
        }
        for message in messages { print("\(message.path)\t\(message.label.rawValue)") }
    }
}
