import Foundation
import MoatMessage
import Synchronization

/// One rule that fired on a message.
public struct RuleHit: Sendable, Hashable {
    public var name: String
    /// How many times it matched (1 unless `tflags multiple`).
    public var count: Int
    /// Contribution to the score (score per hit × count).
    public var score: Double
    public var description: String
    /// The first matched text, shortened, for explanations.
    public var excerpt: String
}

/// What loading a rule set produced, for `status` and reports.
public struct RuleSetSummary: Sendable, Hashable {
    /// Rules defined in the files (all kinds, including `__` sub-rules).
    public var defined = 0
    /// Rules that will run.
    public var loaded = 0
    /// Rules skipped because they need the network (`tflags net` or DNS evals).
    public var netSkipped = 0
    /// Every rule left out, with file:line and reason (net rules included).
    public var skipped: [SkippedRule] = []
    /// `eval:` rules that run natively, and those skipped for want of an implementation.
    public var evalSupported = 0
    public var evalUnsupported = 0
    /// Distinct unsupported eval functions, with how many rules use each.
    public var unsupportedEvals: [String: Int] = [:]
    /// Patterns handled by the Hyperscan prefilter, and those PCRE2 must always check.
    public var prefiltered = 0
    public var pcreOnly = 0
    /// `pcreOnly` on ASCII text, where the ASCII twins may hold the narrowed form of a pattern the
    /// full database refused.
    public var pcreOnlyOnASCII = 0
    /// Rules that run for nothing and are left out: a zero score in every score set and no
    /// reported meta rule depending on them (SpamAssassin's own way to disable a rule is `score 0`).
    public var inactive = 0
    /// Rule files read.
    public var files: [String] = []
}

/// A rule set ready to scan: regexes compiled with PCRE2 (JIT), one Hyperscan prefilter database
/// per text kind, evals bound to native functions, meta rules in dependency order.
///
/// Immutable and shared by concurrent scans; a reload builds a new one.
final class CompiledRuleSet: Sendable {
    enum Test: Sendable {
        case regex(Int, header: HeaderSelector?, negated: Bool, ifUnset: String?)
        case exists(String)
        case eval(String, EvalLibrary.Function, [String])
        case meta(RuleExpression)
    }

    struct Rule: Sendable {
        var name: String
        var kind: RuleKind
        var test: Test
        var flags: TestFlags
        var scores: [Double]
        var description: String
        var location: String
        /// Only sub-rules (`__`) and rules with a non-zero score are reported.
        var reportable: Bool { !name.hasPrefix("__") }
    }

    /// Net-only eval functions: DNS lists, network services, checks needing DNS answers.
    static let netEvalPrefixes = ["check_rbl", "check_uridnsbl", "check_dns", "check_razor", "check_pyzor", "check_dcc",
                                  "check_for_spf", "check_dmarc", "check_dkim_valid", "check_dkim_adsp", "check_dkim_dependable",
                                  "check_arc_valid", "check_hashbl", "check_uri_host_listed", "check_senders_reputation",
                                  "check_for_dkim", "check_for_def_dkim", "check_for_def_spf", "askdns", "check_asn",
                                  "check_dkim_testing", "check_dkim_valid_author_sig", "check_dkim_valid_envelopefrom",
                                  "check_dkim_signall", "check_dkim_signsome", "short_url_chained", "check_access_database"]

    let rules: [Rule]
    /// `check_rbl` sets with their zone (nil: DNS off, those rules skipped). A set named
    /// `*-lastexternal` asks only for the last external relay.
    let rblSets: [String: String]
    /// `check_uridnsbl` rules' lists (none: DNS off, those rules skipped).
    let uriBlockLists: URIDNSBL
    /// `askdns` rules (none: DNS off).
    let askDNS: AskDNS
    let patterns: [PCRE2Pattern]
    /// Per pattern, the same expression narrowed to ASCII text (`ASCIIPattern`), matched instead
    /// on texts that are ASCII; nil where nothing narrows. The look-alike spellings cost PCRE2 as
    /// they cost Hyperscan: at every position each of their UTF-8 alternatives is tried.
    let asciiPatterns: [PCRE2Pattern?]
    let requiredScore: Double
    let summary: RuleSetSummary
    /// Rule-file settings the native evals read (FreeMail lists).
    let evalSettings: EvalSettings
    /// Rule indices per kind for regex rules; prefilter by kind; rules PCRE2 always checks.
    private let regexRules: [RuleKind: [Int]]
    private let prefilters: [RuleKind: HyperscanPrefilter]
    /// Per kind, the same patterns narrowed to what can match ASCII text (`ASCIIPattern`), scanned
    /// over a message's ASCII texts instead of the full database: the same matches, fewer automata.
    private let asciiPrefilters: [RuleKind: HyperscanPrefilter]
    /// Scans in which Hyperscan failed and every rule of a kind was checked with PCRE2 instead
    /// (in the engine's status: a non-zero count means scratch or scan errors to look into).
    let prefilterFailures = Atomic<Int>(0)
    private let alwaysCheck: [RuleKind: [Int]]
    /// `alwaysCheck` for texts scanned with a kind's ASCII twin (`asciiPrefilters`): set for every
    /// kind that has one.
    private let asciiAlwaysCheck: [RuleKind: [Int]]
    /// Body-kind rules whose prefilter reports every match end: PCRE2 confirms them only in the
    /// texts where one ends, not in every text after the first.
    let confirmedWhereMatchesEnd: [Bool]
    /// Per rule, its regex pattern's index and how many matches it counts (pattern -1: not a
    /// regex rule), and whether it is reported: read per candidate and per hit, where copying the
    /// whole `Rule` (six references) out of the array cost more than the lookup.
    private let regexSlots: [(pattern: Int, limit: Int)]
    private let reportable: [Bool]
    /// Per rule, the fewest distinct match ends a text needs before PCRE2 confirms it there: n
    /// for a relaxed `(…){n}` that is the whole pattern (each of the n groups of an exact match
    /// ends a relaxed match, at n distinct offsets, since a group cannot match empty), else 1.
    let endsPerConfirmedText: [Int]
    /// Per rule confirmed where its matches end, for a whole pattern `(X){n}`: `(X){n-1}`
    /// anchored, else nil. An exact match's first X ends at a reported end e (an exact X match is
    /// a relaxed one), and the other n−1 follow from e: a text where `(X){n-1}` starts at none of
    /// its reported ends holds no match, and PCRE2 need not search it from every offset.
    /// `__FILL_THIS_FORM_SHORT2` (three form fields in a row) has ends in most messages (a
    /// "name:" or "phone" is enough), and searching its 2,700-character group from every offset
    /// was its 44 µs a message.
    let repeatTails: [PCRE2Pattern?]
    /// The header, mimeheader, `exists` and eval rules as a scan runs them, in rule order.
    private let steps: [Step]
    /// The distinct header selectors of header and `exists` rules: a scan keeps each selector's
    /// text in an array slot instead of hashing the selector (or parsing an `exists` name) once
    /// per rule.
    private let selectors: [HeaderSelector]
    /// Per selector, whether the field's presence alone answers an `exists` rule
    /// (`HeaderSelector.isPlainField`).
    private let plainFields: [Bool]
    /// The plain-field selectors by lower-cased ASCII name (several selectors can name one field):
    /// a scan marks the present ones from the message's field names once, instead of a lookup per
    /// header and `exists` rule. Plain selectors named outside ASCII (none in the stock rules) are
    /// listed apart and ask the message (`MessageMetadata.headerFields`) in the same pass.
    private let plainFieldSelectors: [String: [Int]]
    private let nonASCIIPlainFields: [Int]
    /// The distinct selectors of mimeheader rules (each matched against every part's headers).
    private let mimeSelectors: [HeaderSelector]
    /// `[if-unset]` texts of header rules, and the eval rules' functions with their arguments,
    /// which steps refer to by index.
    private let ifUnsetTexts: [[UInt8]]
    private let evalCalls: [(function: EvalLibrary.Function, arguments: [String])]
    /// A Hyperscan prefilter per selector that enough header rules share (nil: none). A header
    /// rule cost one PCRE2 call per message whether or not it could match: 611 stock rules on 59
    /// selectors, most of them on Subject, the relay pseudo-headers, X-Mailer, From and ALL.
    private let headerPrefilters: [HyperscanPrefilter?]
    /// Per selector with a prefilter, the rules it names on the empty text (nil: not known),
    /// found once at load: an absent header's scan always gives the same answer.
    private let emptyTextCandidates: [[UInt32]?]

    /// One header, mimeheader, `exists` or eval rule reduced to indices and flags. The scan loop
    /// over some 1,500 of them then copies nothing that is reference-counted: matching on each
    /// rule's `Test` copied its strings, selector and arguments, and the retains and releases
    /// that cost were 7 % of the spam engine's profile.
    struct Step: Sendable {
        enum Kind: UInt8, Sendable { case header, mimeheader, exists, eval }
        var kind: Kind
        var rule: Int
        /// header and mimeheader: the pattern (`patterns`).
        var pattern = 0
        /// header and exists: index in `selectors`; mimeheader: in `mimeSelectors`.
        var selector = 0
        var negated = false
        /// The pattern is in its selector's Hyperscan database.
        var prefiltered = false
        /// Most matches counted (1 unless `tflags multiple`).
        var limit = 1
        /// Index in `ifUnsetTexts`, -1 for none.
        var ifUnset = -1
        /// eval: index in `evalCalls`.
        var eval = 0
        /// header: the count when the message has no such header (the rule then matches its
        /// `[if-unset]` text or the empty text, the same in every message: worked out at load).
        var absentHits = 0
    }
    /// Header rules' excerpts when they hit on a missing header (`Step.absentHits`), by rule.
    private let absentExcerpts: [Int: String]
    /// Meta rules in dependency order, compiled to one program.
    private let metas: MetaProgram
    /// Hyperscan's reasons for patterns it would not prefilter, most common first.
    let prefilterRejections: [(String, Int)]

    /// Compiles a parsed rule set; never throws: what cannot compile is reported and skipped.
    /// `cacheDirectory` keeps compiled Hyperscan databases between loads (see `PrefilterCache`).
    /// - Parameter prefilter: false builds no Hyperscan database (every regex is checked with PCRE2
    ///   alone): what `moat rules lint` uses to learn which rules the engine would refuse, without
    ///   the minute-long compile of the stock rules.
    init(_ parsed: ParsedRuleSet, cacheDirectory: String? = nil, network: Bool = false, prefilter: Bool = true) {
        var rblSets: [String: String] = [:]
        var askDNS = AskDNS()
        var uriBlockLists = URIDNSBL(skipDomains: parsed.uriSkipDomains, maxDomains: parsed.uriMaxDomains, registry: parsed.registry)
        var summary = RuleSetSummary()
        summary.files = parsed.files
        summary.skipped = parsed.skipped
        summary.defined = parsed.order.count
        var rules: [Rule] = []
        var patterns: [PCRE2Pattern] = []
        var asciiPatterns: [PCRE2Pattern?] = []
        for name in parsed.order {
            guard let def = parsed.rules[name] else { continue }
            let scores = parsed.scores[name] ?? [Self.defaultScore(def)]
            let description = parsed.descriptions[name] ?? ""
            func skip(_ reason: SkippedRule.Reason, _ detail: String) {
                summary.skipped.append(SkippedRule(name: name, location: def.location, reason: reason, detail: detail))
                if reason == .net { summary.netSkipped += 1 }
            }
            // SpamAssassin skips only eval rules flagged `net` offline (Check.pm run_eval_tests);
            // net-flagged metas (they inherit the flag from any net dependency) still run, with
            // their network dependencies false.
            if def.flags.net, case .eval(let function, _) = def.test,
               !(network && (RBLEvals.names.contains(function) || function == URIDNSBL.evalName || function == "askdns")) {
                skip(.net, "tflags net")
                continue
            }
            let test: Test
            switch def.test {
            case .pattern(let literal, let header, let negated, let ifUnset):
                do {
                    let compiled = try PCRE2Pattern(literal.pcrePattern, options: literal.pcreOptions)
                    patterns.append(compiled)
                    // Only the body-like kinds are matched narrowed: header rules never are.
                    asciiPatterns.append(def.kind.isBodyLike ? Self.asciiPattern(literal.pcrePattern, options: literal.pcreOptions) : nil)
                    test = .regex(patterns.count - 1, header: header, negated: negated, ifUnset: ifUnset)
                } catch {
                    skip(.compileError, "\(error)")
                    continue
                }
            case .exists(let header):
                test = .exists(header)
            case .eval(let function, let arguments) where network && RBLEvals.names.contains(function):
                // DNS block lists through MoatDNS: answers are fetched before the rules run.
                guard let implementation = RBLEvals.function(function, arguments), let set = arguments.first else {
                    skip(.unsupportedEval, "eval:\(function) without a set name")
                    continue
                }
                if function == "check_rbl", arguments.count >= 2 {
                    var zone = arguments[1]
                    if zone.hasSuffix(".") { zone.removeLast() }
                    rblSets[set] = zone.lowercased()
                }
                summary.evalSupported += 1
                test = .eval(function, implementation, arguments)
            case .eval(let function, let arguments) where network && function == "askdns":
                guard let rule = parsed.askDNS[name] else {
                    skip(.unsupportedEval, "askdns: \(parsed.askDNSUnsupported[name] ?? "no askdns line")")
                    continue
                }
                askDNS.rules[name] = rule
                summary.evalSupported += 1
                test = .eval(function, AskDNS.function(name), arguments)
            case .eval(let function, let arguments) where network && function == URIDNSBL.evalName:
                // URI block lists: the rule's `urirhssub`/`uridnssub` line says what to ask.
                guard let rule = arguments.first.flatMap({ parsed.uriLists[$0] }) else {
                    skip(.unsupportedEval, "eval:\(function) without a urirhssub, urirhsbl, uridnssub or uridnsbl line")
                    continue
                }
                guard rule.type == "A" else {
                    skip(.unsupportedEval, "eval:\(function): \(rule.type) lists are not supported (only A)")
                    continue
                }
                let words = def.flags.words
                uriBlockLists.lists[name] = URIDNSBL.List(rule: rule, domains: !words.contains("ips_only"),
                                                          addresses: !words.contains("domains_only"), ownRecords: words.contains("a"))
                summary.evalSupported += 1
                test = .eval(function, URIDNSBL.function(name, subtest: rule.subtest), arguments)
            case .eval(let function, let arguments):
                if Self.netEvalPrefixes.contains(where: { function.hasPrefix($0) }) {
                    skip(.net, "eval:\(function) needs the network")
                    continue
                }
                guard let implementation = EvalLibrary.functions[function] else {
                    summary.evalUnsupported += 1
                    summary.unsupportedEvals[function, default: 0] += 1
                    skip(.unsupportedEval, "eval:\(function) is not implemented")
                    continue
                }
                summary.evalSupported += 1
                test = .eval(function, implementation, arguments)
            case .meta(let expression):
                test = .meta(expression)
            }
            rules.append(Rule(name: name, kind: def.kind, test: test, flags: def.flags, scores: scores,
                              description: description, location: def.location))
        }
        // Meta rules in dependency order; a cycle skips the rules in it.
        var index: [String: Int] = [:]
        for (i, r) in rules.enumerated() { index[r.name] = i }
        var order: [Int] = []
        var state: [Int: Int] = [:]  // 1 visiting, 2 done
        var cyclic = Set<Int>()
        // The rules being visited, outermost first: a rule met again while on it closes a cycle,
        // and every rule from there to the top of the path is in that cycle (not only the one met).
        var path: [Int] = []
        func visit(_ i: Int) {
            if state[i] == 2 { return }
            if state[i] == 1 {
                if let start = path.lastIndex(of: i) { cyclic.formUnion(path[start...]) }
                return
            }
            state[i] = 1
            path.append(i)
            if case .meta(let e) = rules[i].test {
                for dep in e.names { if let j = index[dep], case .meta = rules[j].test { visit(j) } }
            }
            path.removeLast()
            state[i] = 2
            order.append(i)
        }
        for (i, r) in rules.enumerated() { if case .meta = r.test { visit(i) } }
        for i in cyclic {
            summary.skipped.append(SkippedRule(name: rules[i].name, location: rules[i].location, reason: .dependency, detail: "meta rule in a dependency cycle"))
        }
        // A rule runs only if its hit can reach a report: a non-zero score in some score set, or
        // a place in the expression of a meta rule that can. Half of the stock rules are sub-rules
        // and zero-score rules; matching them on every message cost time and changed nothing.
        var live = [Bool](repeating: false, count: rules.count)
        var pending: [Int] = []
        for (i, r) in rules.enumerated() where r.reportable && r.scores.contains(where: { $0 != 0 }) && !cyclic.contains(i) {
            live[i] = true
            pending.append(i)
        }
        while let i = pending.popLast() {
            guard case .meta(let e) = rules[i].test else { continue }
            for dep in e.names {
                guard let j = index[dep], !live[j], !cyclic.contains(j) else { continue }
                live[j] = true
                pending.append(j)
            }
        }
        summary.inactive = live.indices.filter { !live[$0] && !cyclic.contains($0) }.count
        let metaOrder = order.filter { !cyclic.contains($0) && live[$0] }
        metas = MetaProgram(metaOrder.compactMap { i in
            guard case .meta(let expression) = rules[i].test else { return nil }
            return (i, expression)
        }, index: index)
        // Prefilters per text kind.
        var regexRules: [RuleKind: [Int]] = [:]
        var other: [Int] = []
        for (i, r) in rules.enumerated() where live[i] {
            switch r.test {
            case .regex:
                if r.kind.isBodyLike { regexRules[r.kind, default: []].append(i) } else { other.append(i) }
            case .meta: break
            default: other.append(i)
            }
        }
        var rejections: [String: Int] = [:]
        var prefilters: [RuleKind: HyperscanPrefilter] = [:]
        var always: [RuleKind: [Int]] = [:]
        // The prefilter form of rule `i`'s pattern, nil when Hyperscan cannot stand in for it, and
        // whether an exact count of a group was relaxed to `{1,}` in it.
        func prefilterPattern(_ i: Int, loosenGroupCounts: Bool = true) -> (pattern: HyperscanPrefilter.Pattern, loosened: Int, wholeGroupCount: Int?)? {
            guard case .pattern(let literal, _, _, _) = parsed.rules[rules[i].name]?.test, !literal.extended,
                  let form = Self.prefilterForm(literal.pattern, loosenGroupCounts: loosenGroupCounts) else { return nil }
            return (.init(id: UInt32(i), expression: form.expression, caseless: literal.caseless, dotAll: literal.dotAll),
                    form.loosened, form.wholeGroupCount)
        }
        var everyEnd = [Bool](repeating: false, count: rules.count)
        var endsPerText = [Int](repeating: 1, count: rules.count)
        var tails = [PCRE2Pattern?](repeating: nil, count: rules.count)
        var jobs: [(kind: RuleKind, patterns: [HyperscanPrefilter.Pattern])] = []
        for (kind, indices) in regexRules {
            var hsPatterns: [HyperscanPrefilter.Pattern] = []
            for i in indices {
                guard let form = prefilterPattern(i) else {
                    always[kind, default: []].append(i)
                    continue
                }
                var pattern = form.pattern
                // A group counted n times and relaxed to once (three form fields in a row, six
                // long words) is a candidate in most messages, and PCRE2 then matched every text
                // after the first relaxed match. Such a rule is reported at every match end
                // instead, and PCRE2 checks only the texts where one ends: best with the count
                // kept and Hyperscan matching exactly (no prefilter mode), where it can build
                // the pattern; else relaxed. Never for a pattern that can match empty: it would
                // be reported at every offset.
                if form.loosened > 0 {
                    if var exact = prefilterPattern(i, loosenGroupCounts: false)?.pattern {
                        exact.exact = true
                        exact.everyEnd = true
                        if HyperscanPrefilter.minimumWidth(exact) ?? 0 > 0, HyperscanPrefilter.compilesAlone(exact, cacheDirectory: cacheDirectory) {
                            pattern = exact
                        }
                    }
                    if !pattern.exact, HyperscanPrefilter.minimumWidth(pattern) ?? 0 > 0 {
                        pattern.everyEnd = true
                        endsPerText[i] = form.wholeGroupCount ?? 1
                        if endsPerText[i] >= 2, case .pattern(let literal, _, _, _)? = parsed.rules[rules[i].name]?.test {
                            tails[i] = Self.repeatTail(literal.pcrePattern, count: endsPerText[i], options: literal.pcreOptions)
                        }
                    }
                    everyEnd[i] = pattern.everyEnd
                }
                hsPatterns.append(pattern)
            }
            jobs.append((kind, hsPatterns))
        }
        // The scan's steps for header, mimeheader, `exists` and eval rules. Each distinct header
        // selector gets a slot, so a scan keeps each selector's text in an array instead of
        // hashing the selector (or parsing an `exists` name) per rule; mimeheader selectors get
        // theirs in a list of their own.
        var selectorIndex: [HeaderSelector: Int] = [:]
        var selectorList: [HeaderSelector] = []
        var headerRulesOfSelector: [[Int]] = []
        var mimeSelectorIndex: [HeaderSelector: Int] = [:]
        var mimeSelectors: [HeaderSelector] = []
        var ifUnsetTexts: [[UInt8]] = []
        var evalCalls: [(function: EvalLibrary.Function, arguments: [String])] = []
        var steps: [Step] = []
        func slot(_ selector: HeaderSelector, in index: inout [HeaderSelector: Int], _ list: inout [HeaderSelector]) -> Int {
            if let known = index[selector] { return known }
            index[selector] = list.count
            list.append(selector)
            return list.count - 1
        }
        for i in other {
            switch rules[i].test {
            case .regex(let p, let selector?, let negated, let ifUnset):
                let flags = rules[i].flags
                var step = Step(kind: .header, rule: i, pattern: p, negated: negated,
                                limit: flags.matchLimit)
                if let ifUnset {
                    step.ifUnset = ifUnsetTexts.count
                    ifUnsetTexts.append(Array(ifUnset.utf8))
                }
                if rules[i].kind == .mimeheader {
                    step.kind = .mimeheader
                    step.selector = slot(selector, in: &mimeSelectorIndex, &mimeSelectors)
                } else {
                    step.selector = slot(selector, in: &selectorIndex, &selectorList)
                    if step.selector == headerRulesOfSelector.count { headerRulesOfSelector.append([]) }
                    headerRulesOfSelector[step.selector].append(i)
                }
                steps.append(step)
            case .exists(let name):
                let selector = slot(HeaderSelector(parsing: Substring(name)), in: &selectorIndex, &selectorList)
                if selector == headerRulesOfSelector.count { headerRulesOfSelector.append([]) }
                steps.append(Step(kind: .exists, rule: i, selector: selector))
            case .eval(_, let function, let arguments):
                steps.append(Step(kind: .eval, rule: i, eval: evalCalls.count))
                evalCalls.append((function, arguments))
            default:
                continue
            }
        }
        // Header rules prefiltered per selector, where at least `minimumHeaderGroup` rules share
        // it: one Hyperscan scan of the selector's text replaces their PCRE2 calls, and only
        // the candidates are matched exactly.
        var headerJobs: [(selector: Int, patterns: [HyperscanPrefilter.Pattern])] = []
        if prefilter {
            for (selector, members) in headerRulesOfSelector.enumerated() where members.count >= Self.minimumHeaderGroup {
                let patterns = members.compactMap { prefilterPattern($0)?.pattern }
                if patterns.count >= Self.minimumHeaderGroup { headerJobs.append((selector, patterns)) }
            }
        }
        // Hyperscan compiles take most of the load time: one database per kind and per shared
        // header selector, compiled in parallel.
        let compiled = Mutex<[Int: HyperscanPrefilter]>([:])
        let jobList = prefilter ? jobs : []
        if !prefilter {
            for (kind, patterns) in jobs { always[kind, default: []].append(contentsOf: patterns.map { Int($0.id) }) }
        }
        let allJobs = jobList.map(\.patterns) + headerJobs.map(\.patterns)
        DispatchQueue.concurrentPerform(iterations: allJobs.count) { n in
            let db = HyperscanPrefilter(allJobs[n], cacheDirectory: cacheDirectory)
            compiled.withLock { $0[n] = db }
        }
        let databases = compiled.withLock { $0 }
        for (n, (kind, _)) in jobList.enumerated() {
            guard let db = databases[n] else { continue }
            for id in db.rejected.keys.sorted() { always[kind, default: []].append(Int(id)) }
            for reason in db.rejected.values { rejections[reason, default: 0] += 1 }
            prefilters[kind] = db
            summary.prefiltered += db.patternCount
        }
        // ASCII twins of the kind databases, built from the patterns the full database holds, and
        // from those it refused whose narrowed form it may take (`__YOUR_PASSWORD` spells its
        // look-alike letters past Hyperscan's length limit; on ASCII text a fraction is left).
        // Kept only when every pattern the full database holds compiles: a pattern missing from
        // the twin would be a rule never checked on ASCII text.
        var twinJobs: [(kind: RuleKind, patterns: [HyperscanPrefilter.Pattern], rescued: Set<UInt32>, impossible: Set<UInt32>)] = []
        for (kind, patterns) in jobList {
            guard let db = prefilters[kind] else { continue }
            var narrowedAny = false
            var twin: [HyperscanPrefilter.Pattern] = []
            // Refused by the full database: narrowed into the twin, or unable to match ASCII.
            var rescued = Set<UInt32>()
            var impossible = Set<UInt32>()
            for pattern in patterns {
                let refused = db.rejected[pattern.id] != nil
                switch ASCIIPattern.narrow(pattern.expression) {
                case .unchanged:
                    if !refused { twin.append(pattern) }
                case .narrowed(let expression):
                    var narrowed = pattern
                    narrowed.expression = expression
                    twin.append(narrowed)
                    narrowedAny = true
                    if refused { rescued.insert(pattern.id) }
                case .impossible:
                    narrowedAny = true
                    if refused { impossible.insert(pattern.id) }
                }
            }
            if narrowedAny { twinJobs.append((kind, twin, rescued, impossible)) }
        }
        let twins = Mutex<[RuleKind: HyperscanPrefilter]>([:])
        let twinList = twinJobs
        DispatchQueue.concurrentPerform(iterations: twinList.count) { n in
            let db = HyperscanPrefilter(twinList[n].patterns, cacheDirectory: cacheDirectory)
            guard db.rejected.keys.allSatisfy({ twinList[n].rescued.contains($0) }) else { return }
            twins.withLock { $0[twinList[n].kind] = db }
        }
        // The rules PCRE2 checks on every ASCII text where a twin is scanned: those of the full
        // database's list the twin holds now, or that cannot match ASCII, are left out.
        var asciiAlways: [RuleKind: [Int]] = [:]
        for job in twinList {
            guard let twin = twins.withLock({ $0[job.kind] }) else { continue }
            let covered = job.rescued.filter { twin.rejected[$0] == nil }.union(job.impossible)
            asciiAlways[job.kind] = (always[job.kind] ?? []).filter { !covered.contains(UInt32($0)) }
        }
        self.asciiAlwaysCheck = asciiAlways
        self.asciiPrefilters = twins.withLock { $0 }
        var headerPrefilters = [HyperscanPrefilter?](repeating: nil, count: selectorList.count)
        var headerPrefiltered = Set<Int>()
        for (n, (selector, patterns)) in headerJobs.enumerated() {
            guard let db = databases[jobList.count + n] else { continue }
            for reason in db.rejected.values { rejections[reason, default: 0] += 1 }
            for pattern in patterns where db.rejected[pattern.id] == nil { headerPrefiltered.insert(Int(pattern.id)) }
            headerPrefilters[selector] = db
            summary.prefiltered += db.patternCount
        }
        for k in steps.indices where headerPrefiltered.contains(steps[k].rule) { steps[k].prefiltered = true }
        let headerPCREOnly = steps.filter { ($0.kind == .header || $0.kind == .mimeheader) && !$0.prefiltered }.count
        summary.pcreOnly = always.values.reduce(0) { $0 + $1.count } + headerPCREOnly
        summary.pcreOnlyOnASCII = always.reduce(0) { total, entry in total + (asciiAlways[entry.key] ?? entry.value).count } + headerPCREOnly
        summary.loaded = rules.count - cyclic.count
        self.rules = rules
        self.regexSlots = rules.map { rule in
            guard case .regex(let pattern, _, _, _) = rule.test else { return (-1, 0) }
            return (pattern, rule.flags.matchLimit)
        }
        self.reportable = rules.map(\.reportable)
        self.rblSets = rblSets
        // Lists whose rule cannot reach a report are not asked.
        uriBlockLists.lists = uriBlockLists.lists.filter { name, _ in index[name].map { live[$0] } ?? false }
        self.uriBlockLists = uriBlockLists
        askDNS.rules = askDNS.rules.filter { name, _ in index[name].map { live[$0] } ?? false }
        self.askDNS = askDNS
        self.patterns = patterns
        self.asciiPatterns = asciiPatterns
        self.regexRules = regexRules
        self.prefilters = prefilters
        self.prefilterRejections = rejections.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
        self.alwaysCheck = always
        self.confirmedWhereMatchesEnd = everyEnd
        self.endsPerConfirmedText = endsPerText
        self.repeatTails = tails
        // What each header rule counts on a message without its header: most of the stock rules
        // name headers most mail lacks (X-Cron-Env, X-AskVersion, Thread-Index…), and each was
        // matched against the same empty or `[if-unset]` text in every message.
        var absentExcerpts: [Int: String] = [:]
        let loadScratch = PCRE2MatchScratch()
        for k in steps.indices where steps[k].kind == .header {
            let step = steps[k]
            let text = step.ifUnset >= 0 ? ifUnsetTexts[step.ifUnset] : []
            let found = Self.headerCount(patterns[step.pattern], in: text, step: step, remaining: step.limit, scratch: loadScratch)
            steps[k].absentHits = found.hits
            absentExcerpts[step.rule] = found.excerpt
        }
        self.absentExcerpts = absentExcerpts
        self.steps = steps
        self.selectors = selectorList
        self.plainFields = selectorList.map(\.isPlainField)
        var plainFieldSelectors: [String: [Int]] = [:]
        var nonASCIIPlainFields: [Int] = []
        for (id, selector) in selectorList.enumerated() where selector.isPlainField {
            if selector.name.utf8.allSatisfy({ $0 < 0x80 }) {
                plainFieldSelectors[selector.name.lowercased(), default: []].append(id)
            } else {
                nonASCIIPlainFields.append(id)
            }
        }
        self.plainFieldSelectors = plainFieldSelectors
        self.nonASCIIPlainFields = nonASCIIPlainFields
        self.mimeSelectors = mimeSelectors
        self.ifUnsetTexts = ifUnsetTexts
        self.evalCalls = evalCalls
        self.headerPrefilters = headerPrefilters
        self.emptyTextCandidates = headerPrefilters.map { db in
            db.flatMap { db in [UInt8]().withUnsafeBufferPointer { db.candidates(in: $0) }?.map(\.id) }
        }
        self.requiredScore = parsed.requiredScore ?? 5.0
        self.evalSettings = EvalSettings(parsed)
        self.summary = summary
    }

    /// `pattern` relaxed for the Hyperscan prefilter of joined texts; every place the exact pattern
    /// matches in a text alone, with the same end, the relaxed one matches too:
    /// - the anchors to a text's start and end (`\A`, `\z`, `\Z`) become line anchors (`^`, `$`;
    ///   the database is multi-line, and every joined text is followed by a newline of its own);
    /// - a counted range (`{m,n}`, n ≥ `openRepeatBound`) loses its upper bound (`{m,}`).
    ///   Hyperscan's own prefilter relaxation of bounded repeats inside large rules often degrades
    ///   the whole rule to something that matches every message: SpamAssassin's
    ///   `__FILL_THIS_FORM_FRAUD_PHISH1` (`(?:…){1,100}` blanks) was a candidate in 325 of 325
    ///   corpus messages as written and in 2 with open repeats, and each false candidate costs a
    ///   PCRE2 match of every body line. Open repeats are also cheaper for Hyperscan to run
    ///   (`bench/results/profile-2026-12-04-evening.md`);
    /// - an exact count of a group (`(…){n}`, n ≥ 2) becomes `{1,}`, for the same reason:
    ///   `__FILL_THIS_FORM_SHORT1`, three form fields in a row, was a candidate in 321 of 325
    ///   sample messages, and in 21 relaxed this way. Exact counts of single atoms (`\d{4}`) stay.
    ///
    /// Nil when that cannot be said (`\G`, an anchor inside a character class or a `\Q…\E` quote):
    /// the rule is then always checked with PCRE2.
    static func prefilterForm(_ pattern: String) -> String? {
        prefilterForm(pattern, loosenGroupCounts: true)?.expression
    }

    /// `prefilterForm`, with exact counts of groups kept (`loosenGroupCounts` false) or relaxed,
    /// and how many were relaxed (that relaxation widens a pattern most). `wholeGroupCount` is n
    /// when the one count relaxed was that of a group spanning the whole pattern, `(…){n}`.
    static func prefilterForm(_ pattern: String, loosenGroupCounts: Bool) -> (expression: String, loosened: Int, wholeGroupCount: Int?)? {
        var loosened = 0
        var wholeGroupCount: Int?
        // Where each open group started, and where the group closed last started.
        var openGroups: [Int] = []
        var lastGroupStart = -1
        let scalars = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var inClass = false
        // The last scalar written closed a group: an exact count on a group is relaxed too.
        var afterGroup = false
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            // A possessive repeat (`{m,n}+`) is left alone: it can refuse what an open one takes.
            if !inClass, c == "{", let (lower, upper, end) = countedRepeat(scalars, at: i), end >= scalars.count || scalars[end] != "+" {
                if let upper, upper >= openRepeatBound {
                    out.append(contentsOf: "{\(lower),}".unicodeScalars)
                    i = end
                    afterGroup = false
                    continue
                }
                if upper == nil, afterGroup, lower >= 2, loosenGroupCounts {
                    loosened += 1
                    wholeGroupCount = lastGroupStart == 0 && end == scalars.count ? lower : nil
                    out.append(contentsOf: "{1,}".unicodeScalars)
                    i = end
                    afterGroup = false
                    continue
                }
            }
            afterGroup = !inClass && c == ")"
            if c == "\\", i + 1 < scalars.count {
                let next = scalars[i + 1]
                switch next {
                case "A", "z", "Z":
                    guard !inClass else { return nil }
                    out.append(next == "A" ? "^" : "$")
                case "G", "Q":
                    return nil
                default:
                    out.append(c)
                    out.append(next)
                }
                i += 2
                continue
            }
            if inClass {
                i = RegexText.copyClassMember(scalars, at: i, into: &out, inClass: &inClass)
                continue
            }
            if c == "(" { openGroups.append(i) }
            if c == ")" { lastGroupStart = openGroups.popLast() ?? -1 }
            out.append(c)
            i += 1
            if c == "[" {
                inClass = true
                i = RegexText.copyClassStart(scalars, at: i, into: &out)
            }
        }
        return (String(out), loosened, loosened == 1 ? wholeGroupCount : nil)
    }

    /// Upper bound from which `prefilterForm` opens a counted range: every range but `{0,1}` and
    /// `{1,1}`. Measured on two disjoint tenths of the corpus against bounds of 10 and none (the
    /// profile above): the prefilter scans and the PCRE2 confirmations both cost least with all
    /// ranges open.
    static let openRepeatBound = 2

    /// The counted repeat `{m,n}` or `{n}` starting at `start`: its bounds (no upper one for an
    /// exact count) and the index after its `}`. Nil for an open `{m,}` and for braces that are
    /// no repeat.
    private static func countedRepeat(_ scalars: [Unicode.Scalar], at start: Int) -> (Int, Int?, Int)? {
        var i = start + 1
        func number() -> Int? {
            var value = 0
            var digits = 0
            while i < scalars.count, (48...57).contains(scalars[i].value), digits < 6 {
                value = value * 10 + Int(scalars[i].value - 48)
                digits += 1
                i += 1
            }
            return digits > 0 ? value : nil
        }
        guard let lower = number(), i < scalars.count else { return nil }
        if scalars[i] == "}" { return (lower, nil, i + 1) }
        guard scalars[i] == "," else { return nil }
        i += 1
        guard let upper = number(), i < scalars.count, scalars[i] == "}", lower <= upper else { return nil }
        return (lower, upper, i + 1)
    }

    /// Fewest header rules on one selector that get a Hyperscan database of their own. Not tuned:
    /// a scan measured 5–15 µs on the larger stock selectors, against a fraction of a microsecond
    /// per PCRE2 call on a short header, so small groups gain little either way
    /// (`bench/results/profile-2026-12-04-evening.md`).
    static let minimumHeaderGroup = 3

    /// SpamAssassin's default score: 1, 0.01 for `T_` test rules, negative for `nice`, 0 for `__`.
    private static func defaultScore(_ def: RuleDefinition) -> Double {
        if def.name.hasPrefix("__") { return 0 }
        let base = def.name.hasPrefix("T_") ? 0.01 : 1.0
        return def.flags.nice ? -base : base
    }

    /// A header or mimeheader rule's count on one text, at most `remaining` (`multiple` rules),
    /// and the excerpt of a single match: a negated rule counts 1 where the pattern finds nothing.
    private static func headerCount(_ pattern: PCRE2Pattern, in text: [UInt8], step: Step, remaining: Int,
                                    scratch: PCRE2MatchScratch) -> (hits: Int, excerpt: String?) {
        text.withUnsafeBufferPointer { buffer in
            if step.negated { return (pattern.firstMatch(in: buffer, scratch: scratch) == nil ? 1 : 0, nil) }
            if step.limit > 1 { return (pattern.countMatches(in: buffer, limit: remaining, scratch: scratch), nil) }
            guard let r = pattern.firstMatch(in: buffer, scratch: scratch) else { return (0, nil) }
            return (1, excerpt(buffer, r))
        }
    }

    /// Score of `rule` in score set `set` (0: no Bayes, no net; 2: Bayes, no net).
    func score(_ rule: Rule, set: Int) -> Double {
        rule.scores.count == 4 ? rule.scores[set] : rule.scores[0]
    }

    /// Runs every rule on the message. `prefilter` false checks every regex with PCRE2 alone
    /// (used to prove the prefilter changes nothing).
    func evaluate(_ subjects: RuleSubjects, bayesProbability: Double?, scoreSet: Int, prefilter: Bool = true,
                  netAnswers: [String: [String]] = [:]) -> [RuleHit] {
        let scratch = PCRE2MatchScratch()
        var counts = [Int](repeating: 0, count: rules.count)
        var excerpts: [Int: String] = [:]
        let context = EvalContext(subjects: subjects, bayesProbability: bayesProbability, settings: evalSettings, netAnswers: netAnswers)
        // Body-like kinds.
        for (kind, indices) in regexRules {
            let texts: [[UInt8]]
            switch kind {
            case .body: texts = subjects.bodyLines
            case .rawbody: texts = subjects.rawbodyChunks
            case .uri: texts = subjects.uris
            default: texts = [subjects.full]
            }
            // No text (a message without links has no `uri` texts): no rule of the kind can
            // match, and its database is not scanned (an empty scan still brings it into the cache).
            guard !texts.isEmpty else { continue }
            // ASCII texts are matched with the narrowed databases and patterns: the same matches.
            // Only with the prefilter: without it, the scan is the plain reference the corpus
            // check compares against, narrowing included.
            let asciiTexts = prefilter ? texts.map(Self.isASCII) : []
            // Each candidate rule with the first text it can match in: texts before the one where
            // Hyperscan's first match for the rule ends cannot hold an exact match (see
            // `HyperscanPrefilter.candidates(in:)`), so PCRE2 starts there.
            var candidates: [(rule: Int, firstText: Int)]
            // Rules reported at every match end: the text and offset of each end, in order.
            var endTexts: [Int: [(text: Int, end: Int)]] = [:]
            if prefilter, let db = prefilters[kind],
               let found = prefilterCandidates(kind, texts: texts, ascii: asciiTexts, database: db) {
                candidates = found.candidates
                endTexts = found.endTexts
            } else {
                // No prefilter, or a Hyperscan scan failed: every rule of the kind in every text.
                candidates = indices.map { ($0, 0) }
            }
            for (i, firstText) in candidates {
                let (p, limit) = regexSlots[i]
                guard p >= 0 else { continue }
                var hits = 0
                let narrowed = asciiPatterns[p]
                func confirm(_ t: Int) {
                    var pattern = patterns[p]
                    if let narrowed, !asciiTexts.isEmpty, asciiTexts[t] { pattern = narrowed }
                    texts[t].withUnsafeBufferPointer { buffer in
                        if limit == 1 {
                            if let r = pattern.firstMatch(in: buffer, scratch: scratch) {
                                hits = 1
                                if excerpts[i] == nil { excerpts[i] = Self.excerpt(buffer, r) }
                            }
                        } else {
                            hits += pattern.countMatches(in: buffer, limit: limit - hits, scratch: scratch)
                        }
                    }
                }
                if let ending = endTexts[i] {
                    // Several ends can fall in one text: each text once, in order, and only one
                    // with as many distinct ends as an exact match needs. (Counted per text, not
                    // by adjacent reports: Hyperscan does not promise its reports in end order.)
                    var distinctEnds: [Int: Set<Int>] = [:]
                    for (text, end) in ending { distinctEnds[text, default: []].insert(end) }
                    let needed = endsPerConfirmedText[i]
                    for t in distinctEnds.keys.sorted() where hits < limit && distinctEnds[t, default: []].count >= needed {
                        if let tail = repeatTails[i], let ends = distinctEnds[t] {
                            let follows = texts[t].withUnsafeBufferPointer { buffer in
                                ends.contains { tail.mayMatch(in: buffer, at: $0, scratch: scratch) }
                            }
                            guard follows else { continue }
                        }
                        confirm(t)
                    }
                } else {
                    for t in firstText..<texts.count where hits < limit { confirm(t) }
                }
                counts[i] = hits
            }
        }
        // Header, mimeheader, exists and eval rules. RuleSubjects builds each selector's text once per
        // message (evals share it); here its bytes are kept too, since hundreds of rules match them.
        var headerTexts = [[UInt8]??](repeating: nil, count: selectors.count)
        func messageHeader(_ id: Int) -> [UInt8]? {
            if let cached = headerTexts[id] { return cached }
            let text = subjects.headerText(selectors[id]).map { Array($0.utf8) }
            headerTexts[id] = .some(text)
            return text
        }
        var mimeTexts = [[[UInt8]]?](repeating: nil, count: mimeSelectors.count)
        // Per selector with a prefilter: 0 not scanned yet, 1 scanned, 2 Hyperscan failed (every
        // rule of it is then matched with PCRE2). `candidate` marks the rules Hyperscan named.
        var headerScan = [UInt8](repeating: 0, count: prefilter ? selectors.count : 0)
        var candidate = [Bool](repeating: false, count: prefilter ? rules.count : 0)
        // Whether the message lacks header selector `id`'s text: for a plain field, read off the
        // header index without building the text.
        var plainPresent: [Bool] = []
        // Whether the message has plain field selector `id`'s field.
        func hasPlainField(_ id: Int) -> Bool {
            if plainPresent.isEmpty {
                plainPresent = [Bool](repeating: false, count: selectors.count)
                for name in subjects.metadata.lowercasedFieldNames {
                    for selector in plainFieldSelectors[name] ?? [] { plainPresent[selector] = true }
                }
                for selector in nonASCIIPlainFields {
                    plainPresent[selector] = !subjects.metadata.headerFields(named: selectors[selector].name).isEmpty
                }
            }
            return plainPresent[id]
        }
        func headerAbsent(_ id: Int) -> Bool {
            if let cached = headerTexts[id] { return cached == nil }
            if plainFields[id], !hasPlainField(id) {
                headerTexts[id] = .some(nil)
                return true
            }
            return messageHeader(id) == nil
        }
        for step in steps {
            let i = step.rule
            switch step.kind {
            // Not on the reference path (no prefilter), which matches as before: the corpus check
            // then proves the counts worked out at load are the ones matching gives.
            case .header where prefilter && headerAbsent(step.selector):
                counts[i] = step.absentHits
                if step.absentHits > 0, let excerpt = absentExcerpts[i] { excerpts[i] = excerpt }
            case .header, .mimeheader:
                if step.kind == .header, prefilter, step.prefiltered, step.ifUnset < 0 || messageHeader(step.selector) != nil {
                    // The selector's text (or, for an absent header, the empty text every rule
                    // without `[if-unset]` then matches) is scanned once; a rule Hyperscan did not
                    // name cannot match it.
                    let id = step.selector
                    if headerScan[id] == 0, let db = headerPrefilters[id] {
                        let text = messageHeader(id) ?? []
                        let found = text.isEmpty && emptyTextCandidates[id] != nil
                            ? emptyTextCandidates[id]
                            : text.withUnsafeBufferPointer { db.candidates(in: $0) }?.map(\.id)
                        if let found {
                            for c in found { candidate[Int(c)] = true }
                            headerScan[id] = 1
                        } else {
                            headerScan[id] = 2
                            prefilterFailures.add(1, ordering: .relaxed)
                        }
                    }
                    if headerScan[id] == 1, !candidate[i] {
                        counts[i] = step.negated ? 1 : 0
                        continue
                    }
                }
                let pattern = patterns[step.pattern]
                var hits = 0
                func match(_ value: [UInt8]?) {
                    let text = value ?? (step.ifUnset >= 0 ? ifUnsetTexts[step.ifUnset] : [])
                    let found = Self.headerCount(pattern, in: text, step: step, remaining: step.limit - hits, scratch: scratch)
                    hits = step.negated ? max(hits, found.hits) : hits + found.hits
                    if let excerpt = found.excerpt { excerpts[i] = excerpt }
                }
                if step.kind == .mimeheader {
                    // Every part's text for the selector, built once per message: dozens of
                    // mimeheader rules share a handful of selectors.
                    let values: [[UInt8]]
                    if let cached = mimeTexts[step.selector] {
                        values = cached
                    } else {
                        let selector = mimeSelectors[step.selector]
                        values = subjects.message.parts.compactMap { subjects.headerText(selector, in: $0.headers) }.map { Array($0.utf8) }
                        mimeTexts[step.selector] = values
                    }
                    if values.isEmpty {
                        match(nil)
                    } else {
                        for value in values where hits < step.limit { match(value) }
                    }
                } else {
                    match(messageHeader(step.selector))
                }
                counts[i] = hits
            case .exists:
                // A plain field exists when the message has one: no text is built for the 65
                // stock `exists` rules.
                if headerTexts[step.selector] == nil, plainFields[step.selector] {
                    counts[i] = hasPlainField(step.selector) ? 1 : 0
                } else {
                    counts[i] = messageHeader(step.selector) != nil ? 1 : 0
                }
            case .eval:
                let call = evalCalls[step.eval]
                counts[i] = call.function(context, call.arguments) ? 1 : 0
            }
        }
        // Meta rules, dependencies first.
        counts.withUnsafeMutableBufferPointer { metas.run($0) }
        var hits: [RuleHit] = []
        // Indices first: copying each of thousands of rules per message only to skip it costs.
        for i in counts.indices where counts[i] > 0 && reportable[i] {
            let perHit = score(rules[i], set: scoreSet)
            guard perHit != 0 else { continue }
            hits.append(RuleHit(name: rules[i].name, count: counts[i], score: perHit * Double(counts[i]),
                                description: rules[i].description, excerpt: excerpts[i] ?? ""))
        }
        return hits
    }

    /// The rules of a body-like kind Hyperscan names as candidates in `texts`, each with the first
    /// text PCRE2 must check, and the match ends of the rules confirmed only where one ends; nil
    /// when a scan failed (every rule of the kind is then checked in every text). `texts` is not
    /// empty, so neither scanned group is.
    ///
    /// With an ASCII twin, the ASCII texts are joined and scanned with the twin and only the
    /// others with the full database: one curly quote or accented name no longer sends a whole
    /// message through the full database (three times the size, six times the cost a byte). A
    /// rule's exact match lies in one text, which one of the two scans covers, so the earlier
    /// of the two first ends still bounds where PCRE2 starts.
    private func prefilterCandidates(_ kind: RuleKind, texts: [[UInt8]], ascii: [Bool], database: HyperscanPrefilter)
        -> (candidates: [(rule: Int, firstText: Int)], endTexts: [Int: [(text: Int, end: Int)]])? {
        var matchEnds: [Int: [(text: Int, end: Int)]] = [:]
        var groups: [(database: HyperscanPrefilter, always: [Int], members: [Int])] = []
        if let twin = asciiPrefilters[kind] {
            let asciiMembers = texts.indices.filter { ascii[$0] }
            let others = texts.indices.filter { !ascii[$0] }
            if !asciiMembers.isEmpty { groups.append((twin, asciiAlwaysCheck[kind] ?? [], asciiMembers)) }
            if !others.isEmpty { groups.append((database, alwaysCheck[kind] ?? [], others)) }
        } else {
            groups.append((database, alwaysCheck[kind] ?? [], Array(texts.indices)))
        }
        var firstText: [Int: Int] = [:]
        var order: [Int] = []
        for group in groups {
            var joined: [UInt8] = []
            joined.reserveCapacity(group.members.reduce(0) { $0 + texts[$1].count + 1 })
            // Where each text ends in the joined bytes, its own newline included.
            var ends: [Int] = []
            ends.reserveCapacity(group.members.count)
            // Every text is followed by a newline of its own, even one that ends in a newline:
            // where a rule's `\s` eats a line's last newline, the rule's `$` (the end of the line
            // as PCRE2 matches it) must still find a newline after it in the joined text. With a
            // single newline it found the next line's text instead, and the rule was never a
            // candidate.
            for t in group.members {
                joined.append(contentsOf: texts[t])
                joined.append(0x0A)
                ends.append(joined.count)
            }
            guard let found = joined.withUnsafeBufferPointer({ group.database.candidates(in: $0) }) else {
                prefilterFailures.add(1, ordering: .relaxed)
                return nil
            }
            for report in found {
                let rule = Int(report.id)
                let member = Self.text(holding: report.firstEnd - 1, ends: ends)
                let text = group.members[member]
                // The end as an offset in its own text (where `repeatTails` start).
                let local = report.firstEnd - (member == 0 ? 0 : ends[member - 1])
                if confirmedWhereMatchesEnd[rule] { matchEnds[rule, default: []].append((text, local)) }
                if let known = firstText[rule] {
                    firstText[rule] = min(known, text)
                } else {
                    firstText[rule] = text
                    order.append(rule)
                }
            }
        }
        // Rules a scanned database could not hold are checked in every text: a rule only the
        // twin holds (its full pattern too long for Hyperscan) is on the full database's list.
        for group in groups {
            for rule in group.always {
                matchEnds[rule] = nil
                if firstText[rule] == nil { order.append(rule) }
                firstText[rule] = 0
            }
        }
        return (order.map { ($0, firstText[$0] ?? 0) }, matchEnds)
    }

    /// `expression` narrowed to ASCII text and compiled, or nil when nothing narrows (or the
    /// narrowed text does not compile, or `x` mode makes comments and spaces part of its reading).
    private static func asciiPattern(_ expression: String, options: PCRE2Pattern.Options) -> PCRE2Pattern? {
        guard !options.contains(.extended) else { return nil }
        switch ASCIIPattern.narrow(expression) {
        case .unchanged: return nil
        case .narrowed(let narrowed): return try? PCRE2Pattern(narrowed, options: options)
        // Matches no ASCII text: a pattern that fails at once.
        case .impossible: return try? PCRE2Pattern("(?!)", options: options)
        }
    }

    /// Whether every byte is below 0x80, eight at a time.
    static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var index = 0
            while index + 8 <= raw.count {
                if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
                index += 8
            }
            while index < raw.count {
                if raw[index] >= 0x80 { return false }
                index += 1
            }
            return true
        }
    }

    /// `(X){count-1}` anchored, from a PCRE2 pattern `(X){count}` whose group is the whole
    /// pattern; nil when it is not that shape, or X may read its own groups: a back-reference, a
    /// recursion, a condition on a group (`(?(1)…)`) or a verb (`(*…)`) would see what the first X
    /// captured, and the tail starts with every group unset.
    static func repeatTail(_ pattern: String, count: Int, options: PCRE2Pattern.Options) -> PCRE2Pattern? {
        let suffix = "{\(count)}"
        guard count >= 2, pattern.hasSuffix(suffix),
              prefilterForm(pattern, loosenGroupCounts: true)?.wholeGroupCount == count else { return nil }
        let scalars = Array(pattern.unicodeScalars)
        for k in scalars.indices.dropLast() {
            let next = scalars[k + 1]
            if scalars[k] == "\\", ("1"..."9").contains(next) || next == "g" || next == "k" { return nil }
            if scalars[k] == "(", next == "*" { return nil }
            // `(?R)`, `(?&name)`, `(?P>name)`, `(?P=name)`, `(?1)`, `(?-1)`, `(?+1)`, `(?(1)…)`;
            // not `(?-i:`.
            if scalars[k] == "(", next == "?", k + 2 < scalars.count {
                let kind = scalars[k + 2]
                let digitAfter = k + 3 < scalars.count && ("0"..."9").contains(scalars[k + 3])
                if "PR&(0123456789".unicodeScalars.contains(kind) || ((kind == "+" || kind == "-") && digitAfter) { return nil }
            }
        }
        let group = pattern.dropLast(suffix.count)
        return try? PCRE2Pattern(group + "{\(count - 1)}", options: options.union(.anchored))
    }

    /// The index of the text whose bytes (its newline included) hold joined offset `offset`, given
    /// each text's end; 0 for an offset before the first byte (an empty match at the start).
    static func text(holding offset: Int, ends: [Int]) -> Int {
        guard offset > 0 else { return 0 }
        var low = 0
        var high = ends.count - 1
        // The first text that ends after `offset`.
        while low < high {
            let middle = (low + high) / 2
            if ends[middle] > offset { high = middle } else { low = middle + 1 }
        }
        return max(0, min(low, ends.count - 1))
    }

    private static func excerpt(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        let end = min(range.upperBound, range.lowerBound + 60)
        // Line breaks become spaces on the bytes: a Foundation replace per hit cost 3 % of a scan.
        let bytes = buffer[range.lowerBound..<end].map { $0 == 0x0A ? 0x20 : $0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
