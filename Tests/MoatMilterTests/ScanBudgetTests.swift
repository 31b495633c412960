import Testing

@testable import MoatMilter

@Suite("ScanBudget")
struct ScanBudgetTests {
    @Test("reservations beyond the capacity wait until bytes are released, in arrival order")
    func waits() async throws {
        let budget = ScanBudget(capacity: 100)
        #expect(await budget.reserve(60) == 60)
        let second = Task { await budget.reserve(60) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(await budget.bytesInUse == 60)
        await budget.release(60)
        #expect(await second.value == 60)
        #expect(await budget.bytesInUse == 60)
    }

    @Test("a message larger than the whole budget runs alone")
    func oversized() async {
        let budget = ScanBudget(capacity: 100)
        #expect(await budget.reserve(1_000) == 100)
        await budget.release(100)
        #expect(await budget.bytesInUse == 0)
    }
}
