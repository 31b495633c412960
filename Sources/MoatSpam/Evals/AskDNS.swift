import MoatDNS

/// SpamAssassin's `askdns` rules (`Plugin/AskDNS.pm`): a DNS question built from the message
/// (`_AUTHORDOMAIN_`: each From address's domain; `_SENDERDOMAIN_`: the envelope sender's) whose
/// answer, matched against the rule's subtest, makes the rule hit. Asked before the rules run,
/// each distinct question once, within the message's DNS budget. `_DKIMDOMAIN_` rules need a
/// DKIM verdict the spam engine does not have and are not loaded.
struct AskDNS: Sendable {
    /// One `askdns NAME QUERY TYPE [SUBTEST]` line.
    struct Rule: Sendable {
        var query: String
        var type: DNSRecordType
        /// `/regex/flags`, a literal answer, or nil (any answer).
        var subtest: Subtest?

        enum Subtest: Sendable {
            case pattern(PerlPattern)
            case literal(String)

            func matches(_ answer: String) -> Bool {
                switch self {
                case .pattern(let pattern): pattern.matches(answer)
                case .literal(let text): answer == text
                }
            }
        }

        static let tags = ["_AUTHORDOMAIN_", "_SENDERDOMAIN_"]

        /// Reads the fields after the rule name; nil with the reason when the line cannot run here.
        static func parse(_ fields: [Substring]) -> Result<Rule, ParseError> {
            guard fields.count >= 1 else { return .failure(ParseError(reason: "askdns needs a query")) }
            let query = String(fields[0]).lowercased().replacingOccurrences(of: "_authordomain_", with: "_AUTHORDOMAIN_")
                .replacingOccurrences(of: "_senderdomain_", with: "_SENDERDOMAIN_")
            if query.contains("_dkimdomain_") || query.range(of: "_[a-z]+_", options: .regularExpression) != nil {
                return .failure(ParseError(reason: "query \(fields[0]) needs a tag Moat does not fill (only _AUTHORDOMAIN_ and _SENDERDOMAIN_)"))
            }
            let typeName = fields.count >= 2 ? fields[1].uppercased() : "A"
            let type: DNSRecordType
            switch typeName {
            case "A": type = .a
            case "TXT": type = .txt
            default: return .failure(ParseError(reason: "record type \(typeName) is not supported (A, TXT)"))
            }
            var subtest: Subtest?
            if fields.count >= 3 {
                let text = fields[2...].joined(separator: " ")
                // `/re/` or `m{re}` is a pattern; anything else (`mail.example` included) a literal answer.
                let delimiter = text.hasPrefix("m") ? text.dropFirst().first : nil
                if text.hasPrefix("/") || delimiter.map({ !$0.isLetter && !$0.isNumber && !$0.isWhitespace }) == true {
                    guard let (literal, _) = try? PerlRegexLiteral.parse(Substring(text)),
                          let pattern = PerlPattern(compiling: literal.pattern, caseless: literal.caseless, extended: literal.extended,
                                                    multiline: literal.multiline) else {
                        return .failure(ParseError(reason: "subtest \(text) does not compile"))
                    }
                    subtest = .pattern(pattern)
                } else {
                    subtest = .literal(text)
                }
            }
            return .success(Rule(query: query, type: type, subtest: subtest))
        }
    }

    struct ParseError: Error, Sendable {
        var reason: String
    }

    /// Rules by name.
    var rules: [String: Rule] = [:]

    static func answerKey(_ rule: String) -> String { "askdns:" + rule }

    static func function(_ name: String) -> EvalLibrary.Function {
        let key = answerKey(name)
        return { ctx, _ in !(ctx.netAnswers[key] ?? []).isEmpty }
    }

    /// Each rule's matching answers, keyed by ``answerKey(_:)``.
    func answers(authorDomains: [String], senderDomain: String?, dns: any DNSLookup) async -> [String: [String]] {
        var questions: [String: [(name: String, type: DNSRecordType)]] = [:]
        for (name, rule) in rules {
            var names = [rule.query]
            if rule.query.contains("_AUTHORDOMAIN_") {
                names = names.flatMap { query in authorDomains.map { query.replacingOccurrences(of: "_AUTHORDOMAIN_", with: $0) } }
            }
            if rule.query.contains("_SENDERDOMAIN_") {
                names = senderDomain.map { domain in names.map { $0.replacingOccurrences(of: "_SENDERDOMAIN_", with: domain) } } ?? []
            }
            questions[name] = names.map { (String($0.drop(while: { $0 == "." })), rule.type) }
        }
        var distinct: [String: DNSRecordType] = [:]
        for list in questions.values { for question in list { distinct[question.name + "/" + question.type.description] = question.type } }
        let replies = await withTaskGroup(of: (String, [String]).self) { group in
            for (key, type) in distinct {
                let name = String(key.prefix { $0 != "/" })
                group.addTask {
                    let answer = await dns.lookup(name, type)
                    return (key, type == .txt ? answer.texts : answer.records.compactMap { if case .a(let a) = $0 { a } else { nil } })
                }
            }
            var replies: [String: [String]] = [:]
            for await (key, values) in group { replies[key] = values }
            return replies
        }
        var answers: [String: [String]] = [:]
        for (name, list) in questions {
            guard let rule = rules[name] else { continue }
            let matching = list.flatMap { replies[$0.name + "/" + $0.type.description] ?? [] }.filter { rule.subtest?.matches($0) ?? true }
            if !matching.isEmpty { answers[Self.answerKey(name)] = matching }
        }
        return answers
    }

    /// The domain part of each address (lower-case, deduplicated, in order).
    static func domains(_ addresses: [String]) -> [String] {
        var seen = Set<String>()
        return addresses.compactMap { address -> String? in
            guard let at = address.lastIndex(of: "@") else { return nil }
            var domain = address[address.index(after: at)...].lowercased()
            while domain.hasSuffix(".") || domain.hasSuffix(">") { domain.removeLast() }
            guard !domain.isEmpty, Self.isDomain(domain) else { return nil }
            return seen.insert(domain).inserted ? domain : nil
        }
    }

    static func isDomain(_ text: String) -> Bool {
        text.utf8.count <= 253 && text.contains(".") && text.utf8.allSatisfy { $0 == 0x2D || $0 == 0x2E || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }
    }
}
