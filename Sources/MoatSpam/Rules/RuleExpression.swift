import Foundation

/// A parsed expression from a `meta` rule or an `if` line: rule names, numbers, calls such as
/// `plugin(Name)`, and Perl's boolean, comparison and arithmetic operators.
///
/// Both uses share one grammar (SpamAssassin evaluates both as Perl expressions); only the meaning
/// of a name differs, so evaluation takes a resolver.
indirect enum RuleExpression: Sendable, Hashable {
    case number(Double)
    case name(String)
    case call(String, String)
    case not(RuleExpression)
    case negate(RuleExpression)
    case binary(String, RuleExpression, RuleExpression)
    case conditional(RuleExpression, RuleExpression, RuleExpression)

    /// Why an expression could not be read.
    struct SyntaxError: Error, CustomStringConvertible, Sendable {
        var reason: String
        var description: String { reason }
    }

    /// Parses Perl-like expression text.
    static func parse(_ text: String) throws -> RuleExpression {
        var parser = Parser(tokens: try tokenize(text))
        let expression = try parser.parseConditional()
        guard parser.index == parser.tokens.count else {
            throw SyntaxError(reason: "unexpected '\(parser.tokens[parser.index])'")
        }
        return expression
    }

    /// Names the expression refers to (rule names for a meta rule).
    var names: Set<String> {
        switch self {
        case .number, .call: return []
        case .name(let n): return [n]
        case .not(let e), .negate(let e): return e.names
        case .binary(_, let a, let b): return a.names.union(b.names)
        case .conditional(let c, let a, let b): return c.names.union(a.names).union(b.names)
        }
    }

    /// Evaluates with Perl's truth rules (0 is false); `name` and `call` give the leaves' values.
    func evaluate(name: (String) -> Double, call: (String, String) -> Double) -> Double {
        switch self {
        case .number(let v): return v
        case .name(let n): return name(n)
        case .call(let f, let a): return call(f, a)
        case .not(let e): return e.evaluate(name: name, call: call) == 0 ? 1 : 0
        case .negate(let e): return -e.evaluate(name: name, call: call)
        case .conditional(let c, let a, let b):
            return c.evaluate(name: name, call: call) != 0 ? a.evaluate(name: name, call: call) : b.evaluate(name: name, call: call)
        case .binary(let op, let a, let b):
            let x = a.evaluate(name: name, call: call)
            // Short-circuit like Perl; `||` yields the first true operand's value.
            if op == "&&" { return x == 0 ? x : b.evaluate(name: name, call: call) }
            if op == "||" { return x != 0 ? x : b.evaluate(name: name, call: call) }
            let y = b.evaluate(name: name, call: call)
            switch op {
            case "+": return x + y
            case "-": return x - y
            case "*": return x * y
            case "/": return y == 0 ? 0 : x / y
            case ">": return x > y ? 1 : 0
            case "<": return x < y ? 1 : 0
            case ">=": return x >= y ? 1 : 0
            case "<=": return x <= y ? 1 : 0
            case "==": return x == y ? 1 : 0
            case "!=": return x != y ? 1 : 0
            default: return 0
            }
        }
    }

    private enum Token: Equatable, CustomStringConvertible {
        case number(Double)
        case word(String)
        case call(String, String)
        case op(String)

        var description: String {
            switch self {
            case .number(let v): "\(v)"
            case .word(let w): w
            case .call(let f, let a): "\(f)(\(a))"
            case .op(let o): o
            }
        }
    }

    private static func tokenize(_ text: String) throws -> [Token] {
        let s = Array(text.utf8)
        var tokens: [Token] = []
        var i = 0
        func isWord(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x3A
        }
        while i < s.count {
            let c = s[i]
            if c == 0x20 || c == 0x09 { i += 1; continue }
            if (c >= 0x30 && c <= 0x39) || (c == 0x2E && i + 1 < s.count && s[i + 1] >= 0x30 && s[i + 1] <= 0x39) {
                var j = i
                while j < s.count, (s[j] >= 0x30 && s[j] <= 0x39) || s[j] == 0x2E || s[j] == 0x5F { j += 1 }
                if j < s.count, isWord(s[j]) {
                    // A rule name starting with a digit.
                    while j < s.count, isWord(s[j]) { j += 1 }
                    tokens.append(.word(String(decoding: s[i..<j], as: UTF8.self)))
                } else {
                    let digits = String(decoding: s[i..<j], as: UTF8.self).replacingOccurrences(of: "_", with: "")
                    guard let value = Double(digits) ?? Double(Self.versionPrefix(digits)) else {
                        throw SyntaxError(reason: "bad number '\(digits)'")
                    }
                    tokens.append(.number(value))
                }
                i = j
                continue
            }
            if isWord(c) {
                var j = i
                while j < s.count, isWord(s[j]) { j += 1 }
                let word = String(decoding: s[i..<j], as: UTF8.self)
                var k = j
                while k < s.count, s[k] == 0x20 { k += 1 }
                if k < s.count, s[k] == 0x28 /* ( */, ["plugin", "can", "has", "rules_matching"].contains(word) {
                    guard let close = s[k...].firstIndex(of: 0x29) else { throw SyntaxError(reason: "unclosed \(word)(") }
                    let argument = String(decoding: s[(k + 1)..<close], as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    tokens.append(.call(word, argument))
                    i = close + 1
                } else {
                    tokens.append(.word(word))
                    i = j
                }
                continue
            }
            let two = i + 1 < s.count ? String(decoding: s[i...(i + 1)], as: UTF8.self) : ""
            if ["&&", "||", ">=", "<=", "==", "!="].contains(two) {
                tokens.append(.op(two))
                i += 2
                continue
            }
            let one = String(UnicodeScalar(c))
            guard "()!+-*/<>?:".contains(one) else { throw SyntaxError(reason: "unexpected character '\(one)'") }
            tokens.append(.op(one))
            i += 1
        }
        return tokens
    }

    /// `3.004002` style versions parse as numbers already; this catches stray forms like `1.2.3`.
    private static func versionPrefix(_ s: String) -> String {
        let parts = s.split(separator: ".")
        return parts.count > 2 ? parts[0] + "." + parts[1...].joined() : s
    }

    private struct Parser {
        let tokens: [Token]
        var index = 0

        mutating func accept(_ op: String) -> Bool {
            if index < tokens.count, tokens[index] == .op(op) {
                index += 1
                return true
            }
            return false
        }

        mutating func parseConditional() throws -> RuleExpression {
            let condition = try parseBinary(0)
            if accept("?") {
                let a = try parseConditional()
                guard accept(":") else { throw SyntaxError(reason: "missing ':' in conditional") }
                let b = try parseConditional()
                return .conditional(condition, a, b)
            }
            return condition
        }

        static let levels: [[String]] = [["||"], ["&&"], ["==", "!="], [">", "<", ">=", "<="], ["+", "-"], ["*", "/"]]

        mutating func parseBinary(_ level: Int) throws -> RuleExpression {
            guard level < Self.levels.count else { return try parseUnary() }
            var left = try parseBinary(level + 1)
            while index < tokens.count, case .op(let op) = tokens[index], Self.levels[level].contains(op) {
                index += 1
                let right = try parseBinary(level + 1)
                left = .binary(op, left, right)
            }
            return left
        }

        mutating func parseUnary() throws -> RuleExpression {
            if accept("!") { return .not(try parseUnary()) }
            if accept("-") { return .negate(try parseUnary()) }
            if accept("+") { return try parseUnary() }
            guard index < tokens.count else { throw SyntaxError(reason: "expression ends early") }
            let token = tokens[index]
            index += 1
            switch token {
            case .number(let v): return .number(v)
            case .word(let w): return .name(w)
            case .call(let f, let a): return .call(f, a)
            case .op("("):
                let inner = try parseConditional()
                guard accept(")") else { throw SyntaxError(reason: "missing ')'") }
                return inner
            case .op(let o): throw SyntaxError(reason: "unexpected '\(o)'")
            }
        }
    }
}
