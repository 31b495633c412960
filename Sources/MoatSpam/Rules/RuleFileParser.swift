import Foundation

/// Everything read from a set of SpamAssassin `.cf` files, before regexes are compiled.
struct ParsedRuleSet: Sendable {
    /// Rules by name; a later definition replaces an earlier one, as in SpamAssassin.
    var rules: [String: RuleDefinition] = [:]
    /// Definition order, for stable reports.
    var order: [String] = []
    /// `score` lines: one value, or four (no Bayes/no net, net, Bayes, Bayes+net).
    var scores: [String: [Double]] = [:]
    var descriptions: [String: String] = [:]
    var requiredScore: Double?
    /// Lines that could not be read, and rules rejected while reading.
    var skipped: [SkippedRule] = []
    /// ReplaceTags plugin settings.
    var replaceStart = "<", replaceEnd = ">"
    var replaceTags: [String: String] = [:], replacePre: [String: String] = [:]
    var replaceInter: [String: String] = [:], replacePost: [String: String] = [:]
    var replaceRules: Set<String> = []
    /// Files read, in order.
    var files: [String] = []
    /// FreeMail plugin lists: plain domains, `*`/`?` patterns, welcomelisted addresses and domains.
    var freemailDomains: Set<String> = []
    var freemailWildcards: Set<String> = []
    var freemailWelcomelist: Set<String> = []
    /// URIDNSBL plugin: list lines by rule name, domains never asked about, the most domains
    /// asked per message (`uridnsbl_max_domains`, SpamAssassin's default 20), registry boundaries.
    var uriLists: [String: URIListRule] = [:]
    var uriSkipDomains: Set<String> = []
    var uriMaxDomains = 20
    var registry = RegistryBoundaries()
    /// AskDNS plugin lines by rule name (their rules are defined as `eval:askdns` header rules).
    var askDNS: [String: AskDNS.Rule] = [:]
    /// Every active directive line read (after conditionals, includes and comments), for lint.
    var lines: [RuleLine] = []
    /// AskDNS lines Moat cannot run, with the reason, by rule name.
    var askDNSUnsupported: [String: String] = [:]

    mutating func define(_ rule: RuleDefinition) {
        if rules[rule.name] == nil { order.append(rule.name) }
        var rule = rule
        if let old = rules[rule.name] {
            // tflags and priority may precede a redefinition; keep them.
            rule.flags = old.flags
            rule.priority = old.priority
        }
        rules[rule.name] = rule
    }
}

/// Reads SpamAssassin rule files: the directives Moat evaluates, conditionals, includes and the
/// ReplaceTags plugin. Unknown directives (reporting templates, network settings, lists Moat does
/// not use) are ignored as SpamAssassin ignores settings of plugins it has not loaded.
struct RuleFileParser {
    /// Plugins Debian's SpamAssassin 4.0 loads by default (`/etc/spamassassin/*.pre`): `ifplugin`
    /// blocks for these are read, so Moat loads the same rules; a rule whose eval Moat lacks is
    /// then reported as unsupported rather than silently missing.
    static let defaultPlugins: Set<String> = [
        "URIDNSBL", "SPF", "Rule2XSBody", "Pyzor", "Razor2", "SpamCop", "AutoLearnThreshold",
        "WelcomeListSubject", "WhiteListSubject", "MIMEHeader", "ReplaceTags", "DKIM", "Check", "HTTPSMismatch",
        "URIDetail", "Bayes", "BodyEval", "DNSEval", "HTMLEval", "HeaderEval", "MIMEEval", "RelayEval",
        "URIEval", "WLBLEval", "VBounce", "ImageInfo", "FreeMail", "AskDNS", "HashBL", "DMARC",
    ].reduce(into: Set<String>()) { $0.insert("Mail::SpamAssassin::Plugin::" + $1) }

    /// SpamAssassin version for `if (version >= ...)`: 4.000001 (Debian 12's 4.0.1).
    static let version = 4.000001

    var plugins: Set<String> = Self.defaultPlugins
    private(set) var result = ParsedRuleSet()
    private var conditions: [Bool] = []
    private var includeDepth = 0

    init(plugins: Set<String> = Self.defaultPlugins) {
        self.plugins = plugins
    }

    /// Reads files and directories in order (a directory: its `*.cf` files, sorted).
    mutating func load(paths: [String]) {
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                for name in names.filter({ $0.hasSuffix(".cf") }).sorted() {
                    loadFile(path + "/" + name)
                }
            } else {
                loadFile(path)
            }
        }
    }

    /// Finishes reading: applies ReplaceTags and returns the result.
    mutating func finish() -> ParsedRuleSet {
        applyReplaceTags()
        return result
    }

    mutating func loadFile(_ path: String) {
        guard let data = FileManager.default.contents(atPath: path) else {
            result.skipped.append(SkippedRule(name: "-", location: path, reason: .syntax, detail: "cannot read file"))
            return
        }
        result.files.append(path)
        // Rule files are UTF-8 or Latin-1; regexes match bytes, so keep every byte.
        let text = String(data: data, encoding: .utf8) ?? String(decoding: data.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)
        let depthAtStart = conditions.count
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            parseLine(line, location: "\(path):\(lineNumber)", directory: (path as NSString).deletingLastPathComponent)
        }
        // An unbalanced file must not leak its conditionals into the next.
        if conditions.count > depthAtStart { conditions.removeLast(conditions.count - depthAtStart) }
    }

    private var active: Bool { conditions.allSatisfy { $0 } }

    /// Reads one line (also used by tests).
    mutating func parseLine(_ rawLine: Substring, location: String, directory: String = ".") {
        var line = Self.stripComment(rawLine)
        line = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !line.isEmpty else { return }
        let split = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
        let key = split[0].lowercased()
        let value = split.count > 1 ? split[1].trimmingCharacters(in: .whitespaces) : ""
        switch key {
        case "ifplugin":
            conditions.append(plugins.contains(value))
            return
        case "if":
            conditions.append(evaluateCondition(value))
            return
        case "else":
            if let last = conditions.popLast() { conditions.append(!last) }
            return
        case "endif":
            _ = conditions.popLast()
            return
        default: break
        }
        guard active else { return }
        if let colon = location.lastIndex(of: ":"), let number = Int(location[location.index(after: colon)...]) {
            var directive = key, rest = value
            // `lang xx DIRECTIVE ...`: a translation; lint checks the directive inside it.
            if key == "lang" {
                let parts = value.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
                let inner = parts.count == 2 ? parts[1].split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" }) : []
                directive = inner.first.map { $0.lowercased() } ?? "lang"
                rest = inner.count == 2 ? inner[1].trimmingCharacters(in: .whitespaces) : ""
                if parts.count < 2 || inner.isEmpty { directive = "lang"; rest = value }
            }
            result.lines.append(RuleLine(directive: directive, value: rest, file: String(location[..<colon]), line: number))
        }
        let fields = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        switch key {
        case "include":
            guard includeDepth < 10 else { return }
            includeDepth += 1
            loadFile(value.hasPrefix("/") ? value : directory + "/" + value)
            includeDepth -= 1
        case "header", "body", "rawbody", "uri", "full", "meta", "mimeheader":
            defineRule(kind: RuleKind(rawValue: key)!, value: Substring(value), location: location)
        case "score":
            guard let name = fields.first else { return }
            let values = fields.dropFirst().prefix(4).compactMap { Double($0) }
            if values.count == 1 || values.count == 4 { result.scores[String(name)] = values }
        case "describe":
            guard let name = fields.first else { return }
            let text = value.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            result.descriptions[String(name)] = text
        case "tflags":
            guard let name = fields.first else { return }
            var flags = result.rules[String(name)]?.flags ?? TestFlags()
            flags.apply(Array(fields.dropFirst()))
            pendingFlags(String(name), flags)
        case "priority":
            guard fields.count >= 2, let p = Int(fields[1]) else { return }
            if result.rules[String(fields[0])] != nil { result.rules[String(fields[0])]!.priority = p }
        case "required_score", "required_hits":
            if let v = Double(value) { result.requiredScore = v }
        case "replace_start": result.replaceStart = value
        case "replace_end": result.replaceEnd = value
        case "replace_tag", "replace_pre", "replace_inter", "replace_post":
            guard let name = fields.first else { return }
            let body = value.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
            switch key {
            case "replace_tag": result.replaceTags[String(name)] = body
            case "replace_pre": result.replacePre[String(name)] = body
            case "replace_inter": result.replaceInter[String(name)] = body
            default: result.replacePost[String(name)] = body
            }
        case "freemail_domains":
            // FreeMail.pm accepts letters, digits, '.', '-' and the wildcards '*' and '?'.
            for field in fields {
                let value = field.lowercased()
                guard value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".*?-".contains($0)) }) else { continue }
                if value.contains("*") || value.contains("?") {
                    result.freemailWildcards.insert(value)
                } else {
                    result.freemailDomains.insert(value)
                }
            }
        case "freemail_welcomelist", "freemail_whitelist":
            for field in fields {
                let value = field.lowercased()
                if value.range(of: #"\w[.@]\w"#, options: .regularExpression) != nil { result.freemailWelcomelist.insert(value) }
            }
        case "replace_rules":
            for f in fields { result.replaceRules.insert(String(f)) }
        case "urirhsbl", "urirhssub", "uridnsbl", "uridnssub":
            guard let name = fields.first else { return }
            guard let list = URIListRule(directive: key, fields: Array(fields.dropFirst())) else {
                result.skipped.append(SkippedRule(name: String(name), location: location, reason: .syntax, detail: "\(key) needs a zone, a type\(key.hasSuffix("sub") ? " and a subtest" : "")"))
                return
            }
            result.uriLists[String(name)] = list
        case "askdns":
            guard let name = fields.first else { return }
            let rule = String(name)
            switch AskDNS.Rule.parse(Array(fields.dropFirst())) {
            case .success(let parsed): result.askDNS[rule] = parsed
            case .failure(let error): result.askDNSUnsupported[rule] = error.reason
            }
            var definition = RuleDefinition(name: rule, kind: .header, test: .eval(function: "askdns", arguments: [rule]), location: location)
            definition.flags.net = true
            result.define(definition)
            if let early = earlyFlags.removeValue(forKey: rule) { result.rules[rule]?.flags = early }
            result.rules[rule]?.flags.net = true
        case "uridnsbl_skip_domain":
            for f in fields { result.uriSkipDomains.insert(f.lowercased()) }
        case "uridnsbl_max_domains":
            if let n = Int(value), n >= 0 { result.uriMaxDomains = n }
        case "util_rb_tld":
            for f in fields { result.registry.topLevel.insert(f.lowercased()) }
        case "util_rb_2tld":
            for f in fields { result.registry.twoLevel.insert(f.lowercased()) }
        case "util_rb_3tld":
            for f in fields { result.registry.threeLevel.insert(f.lowercased()) }
        default:
            break
        }
    }

    /// tflags may come before or after the rule: keep them until the rule exists.
    private var earlyFlags: [String: TestFlags] = [:]

    private mutating func pendingFlags(_ name: String, _ flags: TestFlags) {
        if result.rules[name] != nil {
            result.rules[name]!.flags = flags
        } else {
            earlyFlags[name] = flags
        }
    }

    /// SpamAssassin strips `#` comments unless escaped as `\#`.
    static func stripComment(_ line: Substring) -> String {
        var out = ""
        var previous: Character = " "
        for c in line {
            if c == "#", previous != "\\" { break }
            out.append(c)
            previous = c
        }
        return out.replacingOccurrences(of: "\\#", with: "#")
    }

    private mutating func defineRule(kind: RuleKind, value: Substring, location: String) {
        let split = value.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
        guard split.count == 2 else {
            result.skipped.append(SkippedRule(name: String(split.first ?? "-"), location: location, reason: .syntax, detail: "\(kind.rawValue) without a test"))
            return
        }
        let name = String(split[0])
        var rest = split[1].drop(while: { $0 == " " || $0 == "\t" })
        do {
            let test: RuleTest
            if kind == .meta {
                test = .meta(try RuleExpression.parse(String(rest)))
            } else if rest.hasPrefix("eval:") {
                test = try Self.parseEval(rest.dropFirst(5))
            } else if (kind == .header || kind == .mimeheader), rest.hasPrefix("exists:") {
                test = .exists(String(rest.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            } else if kind == .header || kind == .mimeheader {
                let headerSplit = rest.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" || $0 == "!" })
                guard let spec = headerSplit.first else { throw PerlRegexLiteral.SyntaxError(reason: "missing header name") }
                rest = rest.dropFirst(spec.count).drop(while: { $0 == " " || $0 == "\t" })
                let negated: Bool
                if rest.hasPrefix("=~") { negated = false } else if rest.hasPrefix("!~") { negated = true } else {
                    throw PerlRegexLiteral.SyntaxError(reason: "expected =~ or !~ after \(spec)")
                }
                let (literal, tail) = try PerlRegexLiteral.parse(rest.dropFirst(2))
                var ifUnset: String?
                if tail.hasPrefix("[if-unset:"), let close = tail.lastIndex(of: "]") {
                    ifUnset = tail[tail.index(tail.startIndex, offsetBy: 10)..<close].trimmingCharacters(in: .whitespaces)
                }
                test = .pattern(literal, header: HeaderSelector(parsing: spec), negated: negated, ifUnset: ifUnset)
            } else {
                let (literal, _) = try PerlRegexLiteral.parse(rest)
                test = .pattern(literal, header: nil, negated: false, ifUnset: nil)
            }
            var rule = RuleDefinition(name: name, kind: kind, test: test, location: location)
            if let flags = earlyFlags.removeValue(forKey: name) { rule.flags = flags }
            result.define(rule)
        } catch {
            result.skipped.append(SkippedRule(name: name, location: location, reason: .syntax, detail: "\(error)"))
        }
    }

    /// `check_foo('a', "b", 3)` → ("check_foo", ["a", "b", "3"]).
    static func parseEval(_ text: Substring) throws -> RuleTest {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
            throw PerlRegexLiteral.SyntaxError(reason: "malformed eval")
        }
        let function = text[..<open].trimmingCharacters(in: .whitespaces)
        var arguments: [String] = []
        var current = ""
        var quote: Character?
        var hasValue = false
        for c in text[text.index(after: open)..<close] {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "'" || c == "\"" {
                quote = c
                hasValue = true
            } else if c == "," {
                arguments.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
                hasValue = false
            } else {
                current.append(c)
                if c != " " { hasValue = true }
            }
        }
        if hasValue || !current.trimmingCharacters(in: .whitespaces).isEmpty { arguments.append(current.trimmingCharacters(in: .whitespaces)) }
        return .eval(function: function, arguments: arguments)
    }

    /// `if` lines: `plugin(X)`, `can(X)`, `version`, `perl_version`, `local_tests_only` and operators.
    /// Anything unreadable is false, so an unknown block is skipped rather than misread.
    func evaluateCondition(_ text: String) -> Bool {
        guard let expression = try? RuleExpression.parse(text) else { return false }
        let value = expression.evaluate(
            name: { name in
                switch name {
                case "version": Self.version
                case "perl_version": 5.036
                case "local_tests_only": 1
                default: 0
                }
            },
            call: { function, argument in
                switch function {
                case "plugin": return plugins.contains(argument) ? 1 : 0
                case "can", "has":
                    return canCall(argument) ? 1 : 0
                default: return 0
                }
            })
        return value != 0
    }

    /// `can(Mail::SpamAssassin::Conf::feature_x)` and `can(Mail::SpamAssassin::Plugin::P::has_x)`.
    private func canCall(_ argument: String) -> Bool {
        if argument.hasPrefix("Mail::SpamAssassin::Conf::") {
            let feature = String(argument.dropFirst("Mail::SpamAssassin::Conf::".count))
            return Self.confFeatures.contains(feature)
        }
        // A plugin method: the plugin must be loaded, and Moat must support the feature.
        guard let range = argument.range(of: "::", options: .backwards) else { return false }
        let plugin = String(argument[..<range.lowerBound])
        return plugins.contains(plugin)
    }

    /// Conf features of SpamAssassin 4.0.1 whose rule syntax Moat understands (`feature_capture_rules`
    /// is left out: Moat does not implement `%{tag}` captures).
    static let confFeatures: Set<String> = [
        "feature_originating_ip_headers", "feature_dns_local_ports_permit_avoid", "feature_bayes_auto_learn_on_error",
        "feature_uri_host_listed", "feature_yesno_takes_args", "feature_bug6558_free", "feature_edns",
        "feature_dns_query_restriction", "feature_registryboundaries", "feature_geodb", "feature_dns_block_rule",
        "feature_compile_regexp", "feature_meta_rules_matching", "feature_subjprefix", "feature_bayes_stopwords",
        "feature_get_host", "feature_blocklist_welcomelist", "feature_welcomelist_blocklist",
        "feature_header_address_parser", "feature_local_tests_only", "feature_header_first_last",
        "feature_header_match_many", "perl_min_version_5010000",
    ]

    /// The ReplaceTags plugin: substitutes `<TAG>`s in the regexes of `replace_rules` rules.
    private mutating func applyReplaceTags() {
        guard !result.replaceRules.isEmpty else { return }
        let start = NSRegularExpression.escapedPattern(for: result.replaceStart)
        let end = NSRegularExpression.escapedPattern(for: result.replaceEnd)
        for name in result.replaceRules {
            guard var rule = result.rules[name], case .pattern(var literal, let header, let negated, let ifUnset) = rule.test else { continue }
            var re = literal.pattern
            var passes = 0
            var again = false
            repeat {
                again = false
                let pre = Self.removeFirst(&re, "\(start)pre (.+?)\(end)")
                let post = Self.removeFirst(&re, "\(start)post (.+?)\(end)")
                let inter = Self.removeFirst(&re, "\(start)inter (.+?)\(end)")
                var pieces = Self.perlSplitKeepingTags(re)
                if let pre, let value = result.replacePre[pre] {
                    pieces = pieces.map { $0.hasPrefix(result.replaceStart) && $0.hasSuffix(result.replaceEnd) && $0.count > 2 ? value + $0 : $0 }
                }
                if let post, let value = result.replacePost[post] {
                    pieces = pieces.map { $0.hasPrefix(result.replaceStart) && $0.hasSuffix(result.replaceEnd) && $0.count > 2 ? $0 + value : $0 }
                }
                if let inter, let value = result.replaceInter[inter] {
                    pieces = pieces.map { $0.isEmpty ? value : $0 }
                }
                for i in pieces.indices {
                    guard let tag = Self.firstTag(pieces[i], start: result.replaceStart, end: result.replaceEnd),
                          let replacement = result.replaceTags[tag] else { continue }
                    pieces[i] = pieces[i].replacingOccurrences(of: result.replaceStart + tag + result.replaceEnd, with: replacement)
                    if replacement.range(of: "<[^>]+>", options: .regularExpression) != nil { again = true }
                }
                re = pieces.joined()
                passes += 1
            } while again && passes <= 5
            literal.pattern = re
            rule.test = .pattern(literal, header: header, negated: negated, ifUnset: ifUnset)
            result.rules[name] = rule
        }
    }

    private static func removeFirst(_ s: inout String, _ pattern: String) -> String? {
        guard let regex = try? NSRegularExpression(pattern: pattern),
              let m = regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)),
              let whole = Range(m.range, in: s), let group = Range(m.range(at: 1), in: s) else { return nil }
        let name = String(s[group])
        s.removeSubrange(whole)
        return name
    }

    /// Perl's `split(/(<[^<>]+>)/, $re)`: text and tags alternate, leading empty field kept,
    /// trailing empty fields dropped.
    static func perlSplitKeepingTags(_ s: String) -> [String] {
        var out: [String] = []
        var current = ""
        var i = s.startIndex
        while i < s.endIndex {
            if s[i] == "<", let close = s[s.index(after: i)...].firstIndex(where: { $0 == ">" || $0 == "<" }), s[close] == ">",
               close > s.index(after: i) {
                out.append(current)
                current = ""
                out.append(String(s[i...close]))
                i = s.index(after: close)
            } else {
                current.append(s[i])
                i = s.index(after: i)
            }
        }
        out.append(current)
        while let last = out.last, last.isEmpty { out.removeLast() }
        return out
    }

    private static func firstTag(_ piece: String, start: String, end: String) -> String? {
        guard let a = piece.range(of: start), let b = piece.range(of: end, range: a.upperBound..<piece.endIndex),
              a.upperBound < b.lowerBound else { return nil }
        return String(piece[a.upperBound..<b.lowerBound])
    }
}
