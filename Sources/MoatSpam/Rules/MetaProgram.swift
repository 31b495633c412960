/// Every meta rule of a rule set as one flat program, built once when the rule set compiles:
/// names resolved to rule indices, operators to cases, `&&`, `||` and `?:` to jumps. Thousands of
/// metas run per message; walking a tree of boxed nodes per meta (and before that, looking names
/// up and comparing operator strings) cost more than the arithmetic.
///
/// Same semantics as `RuleExpression.evaluate`: Perl truth, `&&`/`||` short-circuit and yield the
/// deciding operand, division by zero is 0; `call(...)` leaves and unknown names are 0. Each meta
/// stores 1 when its value is non-zero, else 0, before the metas after it read it.
struct MetaProgram: Sendable {
    enum Operator: Sendable {
        case add, subtract, multiply, divide, greater, less, greaterOrEqual, lessOrEqual, equal, notEqual, unknown

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
            default: self = .unknown
            }
        }

        func apply(_ x: Double, _ y: Double) -> Double {
            switch self {
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
            case .unknown: return 0
            }
        }
    }

    enum Instruction: Sendable {
        case number(Double)
        /// Push rule `i`'s hit count.
        case rule(Int)
        case not
        case negate
        case binary(Operator)
        /// `&&`: with a zero on top, jump (keeping it as the value); else drop it and go on.
        case andJump(Int)
        /// `||`: with a non-zero on top, jump (keeping it); else drop it and go on.
        case orJump(Int)
        /// `?:`: pop the condition, jump when it is zero.
        case jumpIfZero(Int)
        case jump(Int)
        /// Pop the meta's value and store its truth as rule `i`'s count.
        case store(Int)
    }

    private(set) var instructions: [Instruction] = []
    /// The deepest the value stack gets.
    private(set) var maxDepth = 0

    /// `metas` in the order they must run (dependencies first), each with its rule index.
    init(_ metas: [(rule: Int, expression: RuleExpression)], index: [String: Int]) {
        var depth = 0
        for (rule, expression) in metas {
            emit(expression, index: index, depth: &depth)
            instructions.append(.store(rule))
            depth -= 1
        }
    }

    private mutating func push(_ instruction: Instruction, _ depth: inout Int) {
        instructions.append(instruction)
        depth += 1
        maxDepth = max(maxDepth, depth)
    }

    private mutating func emit(_ expression: RuleExpression, index: [String: Int], depth: inout Int) {
        switch expression {
        case .number(let v): push(.number(v), &depth)
        case .name(let n): push(index[n].map { .rule($0) } ?? .number(0), &depth)
        case .call: push(.number(0), &depth)
        case .not(let e):
            emit(e, index: index, depth: &depth)
            instructions.append(.not)
        case .negate(let e):
            emit(e, index: index, depth: &depth)
            instructions.append(.negate)
        case .binary(let op, let a, let b) where op == "&&" || op == "||":
            emit(a, index: index, depth: &depth)
            let jump = instructions.count
            instructions.append(.jump(0))
            depth -= 1
            emit(b, index: index, depth: &depth)
            instructions[jump] = op == "&&" ? .andJump(instructions.count) : .orJump(instructions.count)
        case .binary(let op, let a, let b):
            emit(a, index: index, depth: &depth)
            emit(b, index: index, depth: &depth)
            instructions.append(.binary(Operator(op)))
            depth -= 1
        case .conditional(let c, let a, let b):
            emit(c, index: index, depth: &depth)
            let toElse = instructions.count
            instructions.append(.jump(0))
            depth -= 1
            emit(a, index: index, depth: &depth)
            let toEnd = instructions.count
            instructions.append(.jump(0))
            depth -= 1
            instructions[toElse] = .jumpIfZero(instructions.count)
            emit(b, index: index, depth: &depth)
            instructions[toEnd] = .jump(instructions.count)
        }
    }

    /// Runs every meta on `counts`, writing each meta's count in place.
    func run(_ counts: UnsafeMutableBufferPointer<Int>) {
        guard !instructions.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, maxDepth)) { stack in
            var top = -1
            var pc = 0
            instructions.withUnsafeBufferPointer { code in
                while pc < code.count {
                    switch code[pc] {
                    case .number(let v):
                        top += 1
                        stack[top] = v
                    case .rule(let i):
                        top += 1
                        stack[top] = Double(counts[i])
                    case .not:
                        stack[top] = stack[top] == 0 ? 1 : 0
                    case .negate:
                        stack[top] = -stack[top]
                    case .binary(let op):
                        stack[top - 1] = op.apply(stack[top - 1], stack[top])
                        top -= 1
                    case .andJump(let target):
                        if stack[top] == 0 {
                            pc = target
                            continue
                        }
                        top -= 1
                    case .orJump(let target):
                        if stack[top] != 0 {
                            pc = target
                            continue
                        }
                        top -= 1
                    case .jumpIfZero(let target):
                        top -= 1
                        if stack[top + 1] == 0 {
                            pc = target
                            continue
                        }
                    case .jump(let target):
                        pc = target
                        continue
                    case .store(let i):
                        counts[i] = stack[top] != 0 ? 1 : 0
                        top -= 1
                    }
                    pc += 1
                }
            }
        }
    }
}
