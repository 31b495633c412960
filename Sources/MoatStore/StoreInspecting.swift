/// Row counts per table, for tests and benchmarks (not part of `ScanStore`: the daemon never needs them).
protocol StoreInspecting: Sendable {
    func rowCounts() async throws -> [String: Int]
    /// A quarantine entry's bytes as stored (compressed, sealed), to check what is at rest.
    func storedQuarantineBytes(scanID: String) async throws -> [UInt8]?
}
