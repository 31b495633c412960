/// Encodes spamc requests and decodes spamd answers (SpamAssassin's SPAMC/1.5 protocol); no I/O.
enum SpamdMessages {
    /// What spamd is asked for: rule names only, or the full report with a score per rule.
    enum Command: String, Sendable {
        case symbols = "SYMBOLS"
        case report = "REPORT"
    }

    /// spamd's parsed answer.
    struct Answer: Sendable, Equatable {
        var isSpam: Bool
        var score: Double
        var threshold: Double
        /// Rule names with their scores (0 when the command was SYMBOLS, which gives none).
        var rules: [(name: String, score: Double, description: String)]

        static func == (lhs: Answer, rhs: Answer) -> Bool {
            lhs.isSpam == rhs.isSpam && lhs.score == rhs.score && lhs.threshold == rhs.threshold
                && lhs.rules.elementsEqual(rhs.rules) { $0.name == $1.name && $0.score == $1.score && $0.description == $1.description }
        }
    }

    static func request(_ command: Command, message: [UInt8], user: String?) -> [UInt8] {
        var head = "\(command.rawValue) SPAMC/1.5\r\nContent-length: \(message.count)\r\n"
        if let user { head += "User: \(user)\r\n" }
        return Array((head + "\r\n").utf8) + message
    }

    /// Parses a whole answer (spamd closes the connection after it).
    static func parse(_ bytes: [UInt8], command: Command) -> Result<Answer, ParseError> {
        guard let split = firstBlankLine(in: bytes) else { return .failure(.garbage("no header end")) }
        guard let head = WireHead.parse(Array(bytes[..<split])), head.startLine.hasPrefix("SPAMD/") else {
            return .failure(.garbage("not a spamd answer: \(String(decoding: bytes.prefix(60), as: UTF8.self).debugDescription)"))
        }
        guard let code = head.statusCode else { return .failure(.garbage("bad status line \(head.startLine.debugDescription)")) }
        guard code == 0 else { return .failure(.daemon("spamd: \(head.startLine)")) }
        guard let spam = head["Spam"] else { return .failure(.garbage("no Spam header")) }
        // "True ; 7.2 / 5.0"
        let halves = spam.split(separator: ";", maxSplits: 1).map { String($0).trimmingSpaces }
        let numbers = halves.count == 2 ? halves[1].split(separator: "/").map { Double(String($0).trimmingSpaces) } : []
        // `Double` also reads "nan" and "inf": no daemon means those.
        guard halves.count == 2, numbers.count == 2, let score = numbers[0], let threshold = numbers[1],
              score.isFinite, threshold.isFinite else {
            return .failure(.garbage("bad Spam header \(spam.debugDescription)"))
        }
        let isSpam: Bool
        switch halves[0].lowercased() {
        case "true", "yes": isSpam = true
        case "false", "no": isSpam = false
        default: return .failure(.garbage("bad Spam header \(spam.debugDescription)"))
        }
        var body = Array(bytes[split...])
        if let length = head["Content-length"].flatMap({ Int($0) }), length <= body.count { body = Array(body.prefix(length)) }
        let text = String(decoding: body, as: UTF8.self)
        let rules = command == .symbols ? symbols(text) : report(text)
        return .success(Answer(isSpam: isSpam, score: score, threshold: threshold, rules: rules))
    }

    enum ParseError: Error, Equatable {
        case garbage(String)
        case daemon(String)
    }

    /// `RULE_A,RULE_B` (SYMBOLS).
    static func symbols(_ text: String) -> [(name: String, score: Double, description: String)] {
        text.split(whereSeparator: { $0 == "," || $0.isNewline }).map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
            .map { ($0, 0, "") }
    }

    /// The ` pts rule name  description` table of a REPORT, after its `---- ----` ruler.
    static func report(_ text: String) -> [(name: String, score: Double, description: String)] {
        var rules: [(name: String, score: Double, description: String)] = []
        var inTable = false
        for line in text.split(whereSeparator: \.isNewline).map(String.init) {
            if line.hasPrefix("----") { inTable = true; continue }
            guard inTable else { continue }
            let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            guard words.count >= 2, let score = Double(words[0]),
                  words[1].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }) else {
                if !rules.isEmpty, !line.trimmingSpaces.isEmpty {
                    rules[rules.count - 1].description += " " + line.trimmingSpaces
                }
                continue
            }
            rules.append((String(words[1]), score, words.count == 3 ? String(words[2]).trimmingSpaces : ""))
        }
        return rules
    }

    private static func firstBlankLine(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}
