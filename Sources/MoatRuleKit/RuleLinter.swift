import Foundation
import MoatSpam

/// One problem the linter found.
public struct LintProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    public enum Kind: String, Sendable, Hashable {
        case syntax, badRegex = "bad-regex", slowRegex = "slow-regex", pcreDifference = "pcre-difference"
        case duplicateRule = "duplicate-rule", unknownMetaReference = "unknown-meta-reference"
        case scoreWithoutRule = "score-without-rule", noFixture = "no-fixture"
        /// The spam engine would not load the rule (an eval it does not know, a meta cycle).
        case engineRefuses = "engine-refuses"
    }

    public var file: String
    public var line: Int
    public var severity: Severity
    public var kind: Kind
    public var message: String

    public var description: String { "\(file):\(line): \(severity.rawValue): [\(kind.rawValue)] \(message)" }
}

/// Checks SpamAssassin-style `.cf` rule files.
public struct RuleLinter: Sendable {
    /// Time allowed for one regex on the 64 KiB probe text.
    public var budget: Duration
    /// Rule names defined elsewhere (stock rules) that metas and scores may name.
    public var knownRules: Set<String>
    /// Folders whose `*.expect.toml` files are searched for rule names (nil: the linted paths).
    public var fixtureRoots: [String]?

    public init(budget: Duration = .milliseconds(200), knownRules: Set<String> = [], fixtureRoots: [String]? = nil) {
        self.budget = budget
        self.knownRules = knownRules
        self.fixtureRoots = fixtureRoots
    }

    /// Directives that define a rule (the name follows).
    public static let ruleDirectives: Set<String> = ["header", "body", "rawbody", "uri", "full", "meta", "mimeheader", "uri_detail", "askdns"]
    /// Directives that name a rule without defining it.
    public static let ruleAttributes: Set<String> = ["score", "describe", "tflags", "priority", "reuse"]
    /// Other directives accepted as they are.
    public static let otherDirectives: Set<String> = [
        "if", "ifplugin", "else", "endif", "loadplugin", "tryplugin", "require_version", "version_tag", "lang",
        "required_score", "required_hits", "report", "clear_report_template", "add_header", "remove_header", "clear_headers",
        "report_safe", "use_bayes", "bayes_auto_learn", "include", "whitelist_from", "blacklist_from", "welcomelist_from",
        "blocklist_from", "whitelist_from_rcvd", "def_whitelist_from_rcvd", "trusted_networks", "internal_networks",
        "redirector_pattern", "util_rb_tld", "util_rb_2tld", "util_rb_3tld", "enlist_uri_host", "urirhssub", "urirhsbl",
        "uridnsbl", "uridnssub", "replace_tag", "replace_rules", "replace_start", "replace_end", "test", "ok_locales",
        "unsafe_report", "uri_detail", "header_ok", "dns_available", "skip_rbl_checks", "normalize_charset",
        "body_part_scan_size", "rawbody_part_scan_size", "freemail_domains", "freemail_whitelist", "util_rb_tld",
    ]

    /// Prefixes of directive families (plugins, list management) accepted as they are.
    public static let directivePrefixes = [
        "def_", "whitelist_", "welcomelist_", "blacklist_", "blocklist_", "unwhitelist_", "unblacklist_", "bayes_",
        "dns_", "uridnsbl_", "urirhs", "url_shortener", "adsp_", "enlist_", "delist_", "replace_", "util_rb_", "askdns",
        "shortcircuit", "autolearn", "txrep_", "dkim_", "spf_", "razor_", "pyzor_", "dcc_", "hashcash_", "rbl_", "report_",
        "envelope_sender_header", "trusted_", "internal_", "msa_", "clear_", "uri_block_", "parse_dkim_", "score_",
        "freemail_", "hashbl_", "fns_", "unsafe-report", "clear-", "originating_ip_headers", "ok_languages", "phishing_", "olemacro_", "extracttext_", "asn_", "geodb_", "uri_country",
    ]

    static func isKnownDirective(_ directive: String) -> Bool {
        otherDirectives.contains(directive) || directivePrefixes.contains { directive.hasPrefix($0) }
    }

    /// A parsed rule definition.
    struct Rule {
        var name: String
        var directive: String
        var file: String
        var line: Int
        var argument: String
    }

    /// Lints every `.cf` under `paths`.
    public func lint(_ paths: [String]) -> [LintProblem] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue { files.append(path); continue }
            let enumerator = FileManager.default.enumerator(atPath: path)
            while let relative = enumerator?.nextObject() as? String {
                if relative.hasSuffix(".cf") { files.append(path + "/" + relative) }
            }
        }
        let fixtureText = Self.fixtureText(fixtureRoots ?? paths)
        var problems = lint(files: files.sorted(), fixtureText: fixtureText)
        problems += Self.engineRefusals(files.sorted(), alreadyReported: problems)
        return problems
    }

    /// Every rule the spam engine would refuse, as the engine loads it (its parser, PCRE2): an
    /// error, so a rule that lints clean is one the engine runs. A rule the line checks already
    /// reported at the same place and kind is not reported twice.
    static func engineRefusals(_ files: [String], alreadyReported: [LintProblem]) -> [LintProblem] {
        guard !files.isEmpty else { return [] }
        let seen = Set(alreadyReported.map { "\($0.file):\($0.line):\($0.kind.rawValue)" })
        var out: [LintProblem] = []
        for refusal in RuleAcceptance.refusals(paths: files) {
            let colon = refusal.location.lastIndex(of: ":")
            let file = colon.map { String(refusal.location[..<$0]) } ?? refusal.location
            let line = colon.flatMap { Int(refusal.location[refusal.location.index(after: $0)...]) } ?? 0
            let kind: LintProblem.Kind = switch refusal.reason {
            case "compile-error": .badRegex
            case "syntax": .syntax
            default: .engineRefuses
            }
            guard !seen.contains("\(file):\(line):\(kind.rawValue)") else { continue }
            out.append(LintProblem(file: file, line: line, severity: .error, kind: kind,
                                   message: "\(refusal.name): the spam engine does not load it (\(refusal.reason)): \(refusal.detail)"))
        }
        return out
    }

    /// Names of every rule defined in the `.cf` files under `paths` (for `knownRules`: stock rule
    /// sets), read as the engine reads them.
    public static func ruleNames(in paths: [String]) -> Set<String> {
        var names = Set<String>()
        for line in RuleFileOutline.read(paths).lines where ruleDirectives.contains(line.directive) {
            if let name = line.value.split(whereSeparator: { $0 == " " || $0 == "\t" }).first { names.insert(String(name)) }
        }
        return names
    }

    public static func report(_ problems: [LintProblem]) -> String {
        let errors = problems.filter { $0.severity == .error }.count
        return problems.map { $0.description + "\n" }.joined() + "\(errors) errors, \(problems.count - errors) warnings\n"
    }

    /// Concatenated expectation files (and fixture names) under `roots`.
    static func fixtureText(_ roots: [String]) -> String {
        var text = ""
        for root in roots {
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let relative = enumerator?.nextObject() as? String {
                if relative.hasSuffix(".expect.toml"), let content = try? String(contentsOfFile: root + "/" + relative, encoding: .utf8) {
                    text += content + "\n"
                }
            }
        }
        return text
    }

    /// Lints the given files; `fixtureText` is searched for every rule name.
    func lint(files: [String], fixtureText: String) -> [LintProblem] {
        var problems: [LintProblem] = []
        var rules: [Rule] = []
        var attributes: [(name: String, directive: String, file: String, line: Int)] = []
        // The lines exactly as the spam engine reads them (conditionals, includes, comments).
        let outline = RuleFileOutline.read(files)
        for file in outline.unreadable {
            problems.append(LintProblem(file: file, line: 0, severity: .error, kind: .syntax, message: "cannot read"))
        }
        for entry in outline.lines {
            let (file, number, directive, rest) = (entry.file, entry.line, entry.directive, entry.value)
            if directive == "lang" {
                problems.append(.init(file: file, line: number, severity: .error, kind: .syntax, message: "lang needs a language and a directive"))
                continue
            }
            if Self.ruleDirectives.contains(directive) || Self.ruleAttributes.contains(directive) {
                let parts = rest.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
                guard let name = parts.first else {
                    problems.append(.init(file: file, line: number, severity: .error, kind: .syntax, message: "\(directive) needs a rule name"))
                    continue
                }
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), name.first?.isNumber == false else {
                    problems.append(.init(file: file, line: number, severity: .error, kind: .syntax, message: "'\(name)' is not a valid rule name"))
                    continue
                }
                let argument = rest.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
                if argument.isEmpty && directive != "tflags" && directive != "reuse" {
                    problems.append(.init(file: file, line: number, severity: .error, kind: .syntax, message: "\(directive) \(name) has no argument"))
                    continue
                }
                if Self.ruleDirectives.contains(directive) {
                    rules.append(Rule(name: name, directive: directive, file: file, line: number, argument: argument))
                } else {
                    if directive == "score" {
                        let numbers = argument.split(separator: " ").map { Double($0) }
                        if numbers.isEmpty || numbers.contains(where: { $0 == nil }) || !(numbers.count == 1 || numbers.count == 4) {
                            problems.append(.init(file: file, line: number, severity: .error, kind: .syntax, message: "score \(name) needs 1 or 4 numbers, got '\(argument)'"))
                        }
                    }
                    attributes.append((name, directive, file, number))
                }
            } else if !Self.isKnownDirective(directive) {
                problems.append(.init(file: file, line: number, severity: .error, kind: .syntax, message: "unknown directive '\(directive)'"))
            }
        }

        var defined: [String: Rule] = [:]
        for rule in rules {
            if let first = defined[rule.name] {
                problems.append(.init(file: rule.file, line: rule.line, severity: .error, kind: .duplicateRule,
                                      message: "rule \(rule.name) is already defined at \(first.file):\(first.line)"))
            } else {
                defined[rule.name] = rule
            }
            problems += checkPattern(rule)
        }
        let known = knownRules.union(defined.keys)
        for rule in rules where rule.directive == "meta" {
            for reference in Self.metaReferences(rule.argument) where !known.contains(reference) {
                problems.append(.init(file: rule.file, line: rule.line, severity: .error, kind: .unknownMetaReference,
                                      message: "meta \(rule.name) references unknown rule \(reference)"))
            }
        }
        for attribute in attributes where attribute.directive == "score" && !known.contains(attribute.name) {
            problems.append(.init(file: attribute.file, line: attribute.line, severity: .error, kind: .scoreWithoutRule,
                                  message: "score for \(attribute.name), which no rule defines"))
        }
        for rule in defined.values.sorted(by: { ($0.file, $0.line) < ($1.file, $1.line) }) where !rule.name.hasPrefix("__") {
            if fixtureText.range(of: rule.name) == nil {
                problems.append(.init(file: rule.file, line: rule.line, severity: .warning, kind: .noFixture,
                                      message: "no fixture mentions \(rule.name) (add one to must_hit or must_not_hit)"))
            }
        }
        return problems.sorted { ($0.file, $0.line, $0.kind.rawValue) < ($1.file, $1.line, $1.kind.rawValue) }
    }

    /// Identifiers in a meta expression (numbers and operators skipped).
    static func metaReferences(_ expression: String) -> [String] {
        var names: [String] = []
        var current = ""
        for character in expression + " " {
            if character.isLetter || character.isNumber || character == "_" {
                current.append(character)
            } else {
                if !current.isEmpty, current.first?.isNumber == false { names.append(current) }
                current = ""
            }
        }
        return names
    }

    /// The regex of a rule definition and its flags; nil for eval:, exists: and metas.
    static func pattern(of rule: Rule) -> (pattern: String, flags: String)? {
        var text = rule.argument
        if rule.directive == "meta" || rule.directive == "askdns" || rule.directive == "uri_detail" || text.hasPrefix("eval:") || text.hasPrefix("exists:") { return nil }
        if rule.directive == "header" || rule.directive == "mimeheader" {
            guard let operatorRange = text.range(of: "=~") ?? text.range(of: "!~") else { return nil }
            text = text[operatorRange.upperBound...].trimmingCharacters(in: .whitespaces)
            if let ifUnset = text.range(of: " [if-unset:") { text = String(text[..<ifUnset.lowerBound]) }
        }
        guard !text.isEmpty else { return nil }
        var open: Character
        var body = Substring(text)
        if body.first == "m", body.count > 1 {
            body = body.dropFirst()
            open = body.first!
        } else {
            open = body.first!
            guard open == "/" else { return ("", "<unparsable:\(text)>") }
        }
        let closers: [Character: Character] = ["{": "}", "(": ")", "[": "]", "<": ">"]
        let close = closers[open] ?? open
        body = body.dropFirst()
        guard let end = body.lastIndex(of: close) else { return ("", "<unterminated>") }
        return (String(body[..<end]), String(body[body.index(after: end)...]).trimmingCharacters(in: .whitespaces))
    }

    /// Constructs PCRE has and ICU (NSRegularExpression) does not, or treats differently.
    static let pcreOnly: [(String, String)] = [
        ("(?{", "embedded Perl code"), ("(??{", "embedded Perl code"), ("\\K", "\\K (keep out)"), ("(?R)", "recursion"),
        ("(?&", "named recursion"), ("(?P", "Python-style named group"), ("(?|", "branch reset"), ("\\G", "\\G anchor"), ("%{", "a SpamAssassin capture template %{NAME}"),
    ]

    /// A 64 KiB probe text that exercises backtracking: long runs of one letter, words, digits, mixed text.
    static let probe: String = {
        var text = String(repeating: "a", count: 16_384)
        text += String(repeating: "word ", count: 3_277).prefix(16_384)
        text += String(repeating: "0123456789 ", count: 1_490).prefix(16_384)
        var state: UInt32 = 12_345
        var mixed = ""
        mixed.reserveCapacity(16_384)
        for _ in 0..<16_384 {
            state = state &* 1_103_515_245 &+ 12_345
            mixed.append(Character(Unicode.Scalar(UInt8(32 + (state >> 16) % 95))))
        }
        return text + mixed
    }()

    func checkPattern(_ rule: Rule) -> [LintProblem] {
        guard let (pattern, flags) = Self.pattern(of: rule) else { return [] }
        var problems: [LintProblem] = []
        if flags.hasPrefix("<") {
            return [LintProblem(file: rule.file, line: rule.line, severity: .error, kind: .syntax,
                                message: "\(rule.name): cannot find a /regex/ (\(flags.dropFirst().dropLast()))")]
        }
        var options: NSRegularExpression.Options = []
        for flag in flags {
            switch flag {
            case "i": options.insert(.caseInsensitive)
            case "s": options.insert(.dotMatchesLineSeparators)
            case "m": options.insert(.anchorsMatchLines)
            case "x": options.insert(.allowCommentsAndWhitespace)
            default:
                problems.append(.init(file: rule.file, line: rule.line, severity: .warning, kind: .pcreDifference,
                                      message: "\(rule.name): flag '\(flag)' is not checked"))
            }
        }
        // Whether the regex compiles is PCRE2's verdict, as the engine loads it (`engineRefusals`).
        // The backtracking probe below runs ICU: a construct ICU lacks only skips that probe.
        let perlOnly = Self.pcreOnly.filter { pattern.contains($0.0) }
        for (_, what) in perlOnly {
            problems.append(.init(file: rule.file, line: rule.line, severity: .warning, kind: .pcreDifference,
                                  message: "\(rule.name): uses \(what); its speed is not probed (the probe runs ICU)"))
        }
        guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else { return problems }
        if let elapsed = Self.time(regex, budget: budget), elapsed > budget {
            problems.append(.init(file: rule.file, line: rule.line, severity: .error, kind: .slowRegex,
                                  message: "\(rule.name): took over \(budget) on a 64 KiB probe (catastrophic backtracking?)"))
        }
        return problems
    }

    /// Runs `regex` over the probe, stopping once `budget` has passed; returns the time taken.
    static func time(_ regex: NSRegularExpression, budget: Duration) -> Duration? {
        let clock = ContinuousClock()
        let start = clock.now
        let text = probe
        let range = NSRange(location: 0, length: (text as NSString).length)
        regex.enumerateMatches(in: text, options: [.reportProgress], range: range) { _, _, stop in
            if clock.now - start > budget { stop.pointee = true }
        }
        return clock.now - start
    }
}
