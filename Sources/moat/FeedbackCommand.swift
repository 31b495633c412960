import ArgumentParser
import Foundation

struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Tell a running moatd what a message really was (ham, spam, malware, phishing).",
        discussion: """
            By scan id (the X-Moat-Id header of the delivered message): `moat feedback ID spam`.
            By the message itself: `moat feedback --file msg.eml spam` — matched by its X-Moat-Id header,
            else by the SHA-256 of its bytes (for a rejected message you still have as it was sent).
            Every engine that saw the message is scored; an engine whose removal policy is now met leaves
            the vote, and the answer says so.
            """
    )

    @OptionGroup var adminOptions: AdminOptions

    @Option(name: .long, help: "The message file instead of an id.")
    var file: String?

    @Option(name: .long, help: "Who says so (recorded with the feedback).")
    var source = "operator"

    @Argument(help: "ID CLASS, or CLASS with --file.")
    var arguments: [String]

    func validate() throws {
        let expected = file == nil ? 2 : 1
        guard arguments.count == expected else {
            throw ValidationError(file == nil ? "expected: moat feedback ID CLASS" : "expected: moat feedback --file FILE CLASS")
        }
        guard ["ham", "spam", "malware", "phishing"].contains(arguments.last!) else {
            throw ValidationError("CLASS must be ham, spam, malware or phishing")
        }
    }

    func run() async throws {
        let client = try AdminClient(adminOptions)
        let truth = arguments.last!
        let answer: Data
        do {
            if let file {
                let raw = try MessageSource.read(file)
                answer = try await client.send("POST", "/feedback?class=\(truth)&source=\(source)", body: Data(raw), contentType: "message/rfc822")
            } else {
                answer = try await client.json("POST", "/feedback", ["id": arguments[0], "class": truth, "source": source])
            }
        } catch {
            throw CLIError.exit(error)
        }
        print(String(decoding: answer, as: UTF8.self), terminator: "")
    }
}
