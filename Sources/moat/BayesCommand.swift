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
        subcommands: [Train.self, Forget.self, Counts.self]
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
}
