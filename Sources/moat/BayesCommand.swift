import ArgumentParser
import Foundation
import MoatSpam

struct BayesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bayes",
        abstract: "Train or untrain the spam engine's Bayes classifier (SQLite token store).",
        discussion: """
            The store is the `bayes_path` of engines/spam.toml (default var/bayes.sqlite). The classifier
            votes (BAYES_* rules) only after at least 200 spam and 200 ham messages were learned, as
            SpamAssassin requires. A running moatd reads the same file; no restart is needed.
            """,
        subcommands: [Train.self, Forget.self, Counts.self, Export.self, Import.self]
    )

    struct StoreOption: ParsableArguments {
        @Option(name: .long, help: "The Bayes SQLite file.")
        var path = "var/bayes.sqlite"
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Learn every message in the given directories.")
        @OptionGroup var store: StoreOption
        @Option(name: .long, help: "A directory of spam (repeatable).")
        var spam: [String] = []
        @Option(name: .long, help: "A directory of ham (repeatable).")
        var ham: [String] = []
        @Option(name: .long, help: "At most this many messages per class.")
        var limit: Int?

        func run() throws {
            guard !spam.isEmpty || !ham.isEmpty else { throw ValidationError("give --spam DIR and/or --ham DIR") }
            let bayes = try BayesStore(path: store.path)
            let learned = try bayes.train(spamDirectories: spam, hamDirectories: ham, limitPerClass: limit)
            let counts = try bayes.counts()
            print("learned \(learned.spam) spam and \(learned.ham) ham; store now holds \(counts.spamMessages) spam, \(counts.hamMessages) ham, \(counts.tokens) tokens")
        }
    }

    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlearn every message in the given directories.")
        @OptionGroup var store: StoreOption
        @Argument(help: "Directories of messages learned before.")
        var directories: [String]

        func run() throws {
            let bayes = try BayesStore(path: store.path)
            let forgotten = try bayes.forget(directories: directories)
            print("forgot \(forgotten) messages")
        }
    }

    struct Counts: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What the store has learned.")
        @OptionGroup var store: StoreOption

        func run() throws {
            let counts = try BayesStore(path: store.path).counts()
            print("spam \(counts.spamMessages), ham \(counts.hamMessages), tokens \(counts.tokens)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the store as a seed file (token counts as text; see bayes_seed in engines/spam.toml).")
        @OptionGroup var store: StoreOption
        @Option(name: .long, help: "The seed file to write.")
        var out: String
        @Option(name: .long, help: "A provenance line for the file's header (repeatable).")
        var comment: [String] = []

        func run() throws {
            let bayes = try BayesStore(path: store.path)
            let tokens = try bayes.export(to: out, comment: comment)
            print("wrote \(tokens) tokens to \(out)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a seed file into a store that has learned nothing yet.")
        @OptionGroup var store: StoreOption
        @Argument(help: "The seed file.")
        var seed: String

        func run() throws {
            let bayes = try BayesStore(path: store.path)
            guard try bayes.seed(from: seed) else {
                throw ValidationError("\(store.path) has learned messages already; a seed only starts an empty store")
            }
            let counts = try bayes.counts()
            print("seeded: spam \(counts.spamMessages), ham \(counts.hamMessages), tokens \(counts.tokens)")
        }
    }
}
