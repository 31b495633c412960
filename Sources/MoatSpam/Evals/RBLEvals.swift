import MoatDNS

/// SpamAssassin's DNS block list evals (`Plugin/DNSEval.pm`) over answers fetched before the rules
/// run: `check_rbl(set, zone[, subtest])` and `check_rbl_sub(set, subtest)`. A subtest is an
/// address (`127.0.0.2`), a bit mask on the last octet (`2`) or a regular expression.
enum RBLEvals {
    /// A block list's answer codes to one question: only `127.0.0.0/8` addresses mean a listing;
    /// errors and timeouts read as not listed.
    static func listingCodes(_ name: String, dns: any DNSLookup) async -> [String] {
        await dns.lookup(name, .a).records.compactMap { record -> String? in
            if case .a(let code) = record, code.hasPrefix("127.") { code } else { nil }
        }
    }

    static let names: Set<String> = ["check_rbl", "check_rbl_sub"]

    /// The eval for one rule, its subtest parsed (and a regular expression compiled) once when the
    /// rules load rather than for every message; nil without a set name.
    static func function(_ name: String, _ arguments: [String]) -> EvalLibrary.Function? {
        guard names.contains(name), let set = arguments.first else { return nil }
        let position = name == "check_rbl" ? 2 : 1
        guard arguments.count > position else {
            // check_rbl without a subtest: any answer lists; check_rbl_sub without one: never.
            if name == "check_rbl" { return { ctx, _ in !(ctx.netAnswers[set] ?? []).isEmpty } }
            return { _, _ in false }
        }
        let subtest = Subtest(arguments[position])
        return { ctx, _ in (ctx.netAnswers[set] ?? []).contains { subtest.matches($0) } }
    }

    /// What an A-record answer must be.
    enum Subtest: Sendable {
        case address(String)
        case mask(Int)
        case pattern(PerlPattern?)

        init(_ text: String) {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 4, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
                self = .address(text)
            } else if !text.isEmpty, text.allSatisfy(\.isNumber), let mask = Int(text) {
                self = .mask(mask)
            } else {
                self = .pattern(PerlPattern(compiling: text))
            }
        }

        func matches(_ answer: String) -> Bool {
            switch self {
            case .address(let address): return answer == address
            case .mask(let mask):
                guard let last = answer.split(separator: ".").last, let octet = Int(last) else { return false }
                return octet & mask != 0
            case .pattern(let pattern): return pattern?.matches(answer) ?? false
            }
        }
    }
}
