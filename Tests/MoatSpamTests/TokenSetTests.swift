import MailTestSupport
import Testing
@testable import MoatSpam

/// The open-addressing token table keeps exactly the distinct tokens a `Set` keeps, in the order
/// first inserted, through its growth.
@Suite struct TokenSetTests {
    @Test func agreesWithSetThroughGrowth() {
        var random = TestRandom(seed: 0x70CE_5E70_0001)
        for round in 0..<200 {
            // Few distinct values for many inserts (duplicates), or many (growth past the start
            // capacity); 0 and the extremes included, and values that share their home slot.
            let distinct = round % 2 == 0 ? 1 + random.next(below: 40) : 1 + random.next(below: 5_000)
            var pool: [Int64] = [0, .min, .max, -1]
            while pool.count < distinct + 4 {
                let v = Int64(random.next(below: Int.max)) ^ (Int64(random.next(below: 2)) << 63)
                pool.append(round % 3 == 0 ? v & 0xFFFF_FFFF : v)
            }
            var table = TokenSet(minimumCapacity: round % 5 == 0 ? 0 : distinct / 3)
            var reference = Set<Int64>()
            var order: [Int64] = []
            for _ in 0..<(distinct * 3) {
                let v = pool[random.next(below: pool.count)]
                table.insert(v)
                if reference.insert(v).inserted { order.append(v) }
            }
            #expect(Array(table) == order, "round \(round)")
            #expect(table.count == reference.count)
            for v in pool { #expect(table.contains(v) == reference.contains(v)) }
        }
    }

    /// The Bayes cache's table answers what a dictionary answers, through replacements and growth.
    @Test func countTableAgreesWithDictionary() {
        var random = TestRandom(seed: 0x70CE_5E70_0002)
        var table = TokenCountTable()
        var reference: [Int64: (spam: Int, ham: Int)] = [:]
        var keys: [Int64] = [0, .min, .max, -1]
        while keys.count < 3_000 { keys.append(Int64(random.next(below: Int.max)) ^ (Int64(random.next(below: 2)) << 63)) }
        for step in 0..<12_000 {
            let key = keys[random.next(below: keys.count)]
            let value = (spam: random.next(below: 1_000), ham: step)
            table.set(key, value)
            reference[key] = value
        }
        #expect(table.count == reference.count)
        for key in keys {
            #expect(table[key]?.spam == reference[key]?.spam)
            #expect(table[key]?.ham == reference[key]?.ham)
        }
        // A token never set is absent.
        var absent: Int64 = 42_424_242
        while reference[absent] != nil { absent &+= 1 }
        #expect(table[absent] == nil)
    }

    @Test func equalityIgnoresInsertionOrder() {
        var a = TokenSet(), b = TokenSet()
        for v: Int64 in [5, 9, -3, 0] { a.insert(v) }
        for v: Int64 in [0, -3, 9, 5, 9] { b.insert(v) }
        #expect(a == b)
        b.insert(7)
        #expect(a != b)
    }
}
