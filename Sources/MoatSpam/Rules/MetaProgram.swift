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
    /// Each meta's rule and where its code starts, in run order.
    private var segments: [(rule: Int, start: Int)] = []
    /// Each meta's count when every other rule's count is 0. Most rules match nothing in a
    /// message, so most metas read nothing but zeros and come to this value: only the metas that
    /// read a rule that hit (or a meta that came to another value) run.
    private var baseline: [Int] = []
    /// The plain (non-meta) rules some meta reads, and for each the run-order positions of its
    /// readers: `leafReaders[leafStart[k]..<leafStart[k + 1]]` read `leaves[k]`.
    private var leaves: [Int] = []
    private var leafStart: [Int] = [0]
    private var leafReaders: [Int] = []
    /// The same for each meta, by run-order position: the later metas that read it.
    private var metaStart: [Int] = [0]
    private var metaReaders: [Int] = []

    /// `metas` in the order they must run (dependencies first), each with its rule index.
    init(_ metas: [(rule: Int, expression: RuleExpression)], index: [String: Int]) {
        var depth = 0
        for (rule, expression) in metas {
            segments.append((rule, instructions.count))
            emit(expression, index: index, depth: &depth)
            instructions.append(.store(rule))
            depth -= 1
        }
        // Who reads whom.
        var position: [Int: Int] = [:]
        for (n, segment) in segments.enumerated() { position[segment.rule] = n }
        var readersOfLeaf: [Int: Set<Int>] = [:]
        var readersOfMeta = [Set<Int>](repeating: [], count: segments.count)
        for (n, segment) in segments.enumerated() {
            var pc = segment.start
            while pc < instructions.count {
                if case .store = instructions[pc] { break }
                if case .rule(let i) = instructions[pc] {
                    if let m = position[i] { readersOfMeta[m].insert(n) } else { readersOfLeaf[i, default: []].insert(n) }
                }
                pc += 1
            }
        }
        for (leaf, readers) in readersOfLeaf.sorted(by: { $0.key < $1.key }) {
            leaves.append(leaf)
            leafReaders.append(contentsOf: readers.sorted())
            leafStart.append(leafReaders.count)
        }
        for readers in readersOfMeta {
            metaReaders.append(contentsOf: readers.sorted())
            metaStart.append(metaReaders.count)
        }
        // The baseline: every meta run in order with every plain rule at 0.
        var zeros = [Int](repeating: 0, count: (segments.map(\.rule) + leaves).reduce(0, max) + 1)
        let program = self
        zeros.withUnsafeMutableBufferPointer { counts in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, program.maxDepth)) { stack in
                for segment in program.segments { counts[segment.rule] = program.execute(from: segment.start, counts, stack) }
            }
        }
        baseline = segments.map { zeros[$0.rule] }
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

    /// Runs every meta on `counts`, writing each meta's count in place. A meta none of whose
    /// rules differ from the baseline (a plain rule that hit, a meta that came to another value)
    /// takes its baseline count without running.
    func run(_ counts: UnsafeMutableBufferPointer<Int>) {
        guard !segments.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: segments.count) { dirty in
            dirty.initialize(repeating: false)
            for k in leaves.indices where leaves[k] < counts.count && counts[leaves[k]] != 0 {
                for j in leafStart[k]..<leafStart[k + 1] { dirty[leafReaders[j]] = true }
            }
            withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, maxDepth)) { stack in
                for n in segments.indices {
                    let rule = segments[n].rule
                    guard dirty[n] else {
                        counts[rule] = baseline[n]
                        continue
                    }
                    let value = execute(from: segments[n].start, counts, stack)
                    counts[rule] = value
                    if value != baseline[n] {
                        for j in metaStart[n]..<metaStart[n + 1] { dirty[metaReaders[j]] = true }
                    }
                }
            }
        }
    }

    /// Runs one meta's code from `start` to its `store`, and returns the count it stores.
    private func execute(from start: Int, _ counts: UnsafeMutableBufferPointer<Int>, _ stack: UnsafeMutableBufferPointer<Double>) -> Int {
        var top = -1
        var pc = start
        return instructions.withUnsafeBufferPointer { code in
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
                case .store:
                    return stack[top] != 0 ? 1 : 0
                }
                pc += 1
            }
            return 0
        }
    }
}
