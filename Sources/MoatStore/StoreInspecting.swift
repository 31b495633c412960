/// Row counts per table, for tests and benchmarks (not part of `ScanStore`: the daemon never needs them).
protocol StoreInspecting: Sendable {
    func rowCounts() async throws -> [String: Int]
}
