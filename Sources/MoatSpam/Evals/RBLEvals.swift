/// SpamAssassin's DNS block list evals (`Plugin/DNSEval.pm`) over answers fetched before the rules
/// run: `check_rbl(set, zone[, subtest])` and `check_rbl_sub(set, subtest)`. A subtest is an
/// address (`127.0.0.2`), a bit mask on the last octet (`2`) or a regular expression.
enum RBLEvals {
    static let functions: [String: EvalLibrary.Function] = [
        "check_rbl": { ctx, arguments in
            guard let set = arguments.first else { return false }
            let answers = ctx.netAnswers[set] ?? []
            guard arguments.count >= 3 else { return !answers.isEmpty }
            return answers.contains { matches($0, arguments[2]) }
        },
        "check_rbl_sub": { ctx, arguments in
            guard arguments.count >= 2 else { return false }
            return (ctx.netAnswers[arguments[0]] ?? []).contains { matches($0, arguments[1]) }
        },
    ]

    /// Whether an A-record answer satisfies a subtest.
    static func matches(_ answer: String, _ subtest: String) -> Bool {
        let parts = subtest.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) { return answer == subtest }
        if !subtest.isEmpty, subtest.allSatisfy(\.isNumber), let mask = Int(subtest) {
            guard let last = answer.split(separator: ".").last, let octet = Int(last) else { return false }
            return octet & mask != 0
        }
        return PerlPattern(compiling: subtest)?.matches(answer) ?? false
    }
}
