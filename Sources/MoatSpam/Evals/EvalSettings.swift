/// Settings from the rule files that native evals read.
struct EvalSettings: Sendable {
    var freemail: FreeMail?

    init(freemail: FreeMail? = nil) {
        self.freemail = freemail
    }

    init(_ parsed: ParsedRuleSet) {
        freemail = FreeMail(domains: parsed.freemailDomains, wildcards: parsed.freemailWildcards, welcomelist: parsed.freemailWelcomelist)
    }
}
