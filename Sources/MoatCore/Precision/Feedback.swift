import Foundation

/// Ground truth about one scanned message: its scan id and what it really was.
public struct Feedback: Sendable, Hashable, Codable {
    public var scanID: String
    public var trueClass: TrueClass
    /// Who said so: `operator`, `user-report`, `corpus:NAME`, `consensus` (weak truth).
    public var source: String
    public var at: Date

    public init(scanID: String, trueClass: TrueClass, source: String, at: Date = Date()) {
        self.scanID = scanID
        self.trueClass = trueClass
        self.source = source
        self.at = at
    }

    /// Whether this is confirmed truth (everything but consensus).
    public var isConfirmed: Bool { source != "consensus" }
}
