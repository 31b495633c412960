/// A meta rule's expression with rule names resolved to rule indices and operators to cases, built
/// once when the rule set compiles: thousands of metas are evaluated per message, and looking up
/// every name in a dictionary and comparing operator strings each time cost more than the rules.
///
/// Same semantics as `RuleExpression.evaluate` (Perl truth, short-circuit `&&`/`||` returning the
/// deciding operand, division by zero is 0); `call(...)` leaves and unknown names are 0.
indirect enum ResolvedExpression: Sendable {
    enum Operator: Sendable {
        case add, subtract, multiply, divide, greater, less, greaterOrEqual, lessOrEqual, equal, notEqual, and, or, unknown

        init(_ symbol: String) {
            switch symbol {
            case "+": self = .add
            case "-": self = .subtract
            case "*": self = .multiply
            case "/": self = .divide
            case ">": self = .greater
            case "<": self = .less
            case ">=": self = .greaterOrEqual
            case "<=": self = .lessOrEqual
            case "==": self = .equal
            case "!=": self = .notEqual
            case "&&": self = .and
            case "||": self = .or
            default: self = .unknown
            }
        }
    }

    case number(Double)
    case rule(Int)
    case not(ResolvedExpression)
    case negate(ResolvedExpression)
    case binary(Operator, ResolvedExpression, ResolvedExpression)
    case conditional(ResolvedExpression, ResolvedExpression, ResolvedExpression)

    init(_ expression: RuleExpression, index: [String: Int]) {
        switch expression {
        case .number(let v): self = .number(v)
        case .name(let n): self = index[n].map { .rule($0) } ?? .number(0)
        case .call: self = .number(0)
        case .not(let e): self = .not(ResolvedExpression(e, index: index))
        case .negate(let e): self = .negate(ResolvedExpression(e, index: index))
        case .binary(let op, let a, let b):
            self = .binary(Operator(op), ResolvedExpression(a, index: index), ResolvedExpression(b, index: index))
        case .conditional(let c, let a, let b):
            self = .conditional(ResolvedExpression(c, index: index), ResolvedExpression(a, index: index), ResolvedExpression(b, index: index))
        }
    }

    /// The value with `counts[i]` as rule `i`'s hit count.
    func evaluate(_ counts: UnsafeBufferPointer<Int>) -> Double {
        switch self {
        case .number(let v): return v
        case .rule(let i): return Double(counts[i])
        case .not(let e): return e.evaluate(counts) == 0 ? 1 : 0
        case .negate(let e): return -e.evaluate(counts)
        case .conditional(let c, let a, let b): return c.evaluate(counts) != 0 ? a.evaluate(counts) : b.evaluate(counts)
        case .binary(let op, let a, let b):
            let x = a.evaluate(counts)
            if op == .and { return x == 0 ? x : b.evaluate(counts) }
            if op == .or { return x != 0 ? x : b.evaluate(counts) }
            let y = b.evaluate(counts)
            switch op {
            case .add: return x + y
            case .subtract: return x - y
            case .multiply: return x * y
            case .divide: return y == 0 ? 0 : x / y
            case .greater: return x > y ? 1 : 0
            case .less: return x < y ? 1 : 0
            case .greaterOrEqual: return x >= y ? 1 : 0
            case .lessOrEqual: return x <= y ? 1 : 0
            case .equal: return x == y ? 1 : 0
            case .notEqual: return x != y ? 1 : 0
            case .and, .or, .unknown: return 0
            }
        }
    }
}
