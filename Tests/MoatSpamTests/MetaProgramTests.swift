import MailTestSupport
import Testing
@testable import MoatSpam

/// The flat meta program answers as `RuleExpression.evaluate`, each meta's truth stored before
/// the metas after it read it.
@Suite struct MetaProgramTests {
    private static let operators = ["+", "-", "*", "/", ">", "<", ">=", "<=", "==", "!=", "&&", "||", "%"]

    private func expression(_ random: inout TestRandom, names: [String], depth: Int) -> RuleExpression {
        if depth == 0 || random.next(below: 4) == 0 {
            switch random.next(below: 6) {
            case 0: return .number(Double(random.next(below: 5)) - 1)
            case 1: return .call("check_something", "x")
            case 2: return .name("UNKNOWN_RULE")
            default: return .name(names[random.next(below: names.count)])
            }
        }
        switch random.next(below: 5) {
        case 0: return .not(expression(&random, names: names, depth: depth - 1))
        case 1: return .negate(expression(&random, names: names, depth: depth - 1))
        case 2:
            return .conditional(expression(&random, names: names, depth: depth - 1), expression(&random, names: names, depth: depth - 1),
                                expression(&random, names: names, depth: depth - 1))
        default:
            return .binary(Self.operators[random.next(below: Self.operators.count)], expression(&random, names: names, depth: depth - 1),
                           expression(&random, names: names, depth: depth - 1))
        }
    }

    @Test func equalsTheExpressionTreeOnRandomMetas() {
        var random = TestRandom(seed: 0x3E7A_0000_1234_0005)
        let base = (0..<8).map { "R\($0)" }
        for round in 0..<600 {
            // Twelve metas after eight plain rules, each meta free to read any rule or earlier meta.
            var names = base
            var metas: [(rule: Int, expression: RuleExpression)] = []
            for m in 0..<12 {
                metas.append((base.count + m, expression(&random, names: names, depth: 5)))
                names.append("M\(m)")
            }
            let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) })
            // Half the rounds with most plain rules at 0, as in a message: most metas then keep
            // the value they have when nothing hits, and only those reading a hit run.
            let hitOneIn = round % 2 == 0 ? 1 : 6
            var counts = (0..<names.count).map { $0 < base.count && random.next(below: hitOneIn) == 0 ? random.next(below: 4) : 0 }
            var expected = counts
            for (rule, expression) in metas {
                let value = expression.evaluate(name: { index[$0].map { Double(expected[$0]) } ?? 0 }, call: { _, _ in 0 })
                expected[rule] = value != 0 ? 1 : 0
            }
            let program = MetaProgram(metas, index: index)
            counts.withUnsafeMutableBufferPointer { program.run($0) }
            #expect(counts == expected, "\(metas.map { "\($0.expression)" })")
        }
    }

    @Test func shortCircuitYieldsTheDecidingOperand() throws {
        // (R0 && 3) + (R1 || 5): with R0 = 2 and R1 = 0 the value is 3 + 5; a `> 7` meta reads it.
        let sum = try RuleExpression.parse("(R0 && 3) + (R1 || 5) > 7")
        let program = MetaProgram([(rule: 2, expression: sum)], index: ["R0": 0, "R1": 1, "M": 2])
        var counts = [2, 0, 0]
        counts.withUnsafeMutableBufferPointer { program.run($0) }
        #expect(counts == [2, 0, 1])
        var none = [0, 0, 0]
        none.withUnsafeMutableBufferPointer { program.run($0) }
        #expect(none == [0, 0, 0])
    }
}
