/// Settings from the rule files that native evals read.
struct EvalSettings: Sendable {
    var freemail: FreeMail?

    init(_ parsed: ParsedRuleSet) {
        freemail = FreeMail(domains: parsed.freemailDomains, wildcards: parsed.freemailWildcards, welcomelist: parsed.freemailWelcomelist)
    }
}
