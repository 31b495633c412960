import Foundation

/// A search of the verdict log, as an operator asks it in the console: every field narrows the
/// result; text fields match a part of the value in any case.
public struct ScanQuery: Sendable, Hashable {
    public var from: Date?
    public var to: Date?
    public var sender: String?
    public var recipient: String?
    public var subject: String?
    public var action: Action?
    public var category: VerdictCategory?
    /// Decisions in which this engine claimed a category (not clean, not a failure).
    public var engine: String?
    public var minimumScore: Double?
    public var maximumScore: Double?
    /// Matches the scan id, the Message-ID or the MTA queue id exactly.
    public var identifier: String?
    /// Only the mail of this tenant.
    public var tenant: String?
    public var limit: Int
    public var offset: Int

    public init(limit: Int = 50, offset: Int = 0) {
        self.limit = limit
        self.offset = offset
    }

    /// `text` as a LIKE pattern matching any value that contains it: `%`, `_` and the escape
    /// character itself are escaped with `\`.
    public static func containsPattern(_ text: String) -> String {
        var pattern = "%"
        for character in text {
            if character == "%" || character == "_" || character == "\\" { pattern.append("\\") }
            pattern.append(character)
        }
        return pattern + "%"
    }
}

/// How many decisions of one action fell in one hour.
public struct ActionCount: Sendable, Hashable, Codable {
    /// The hour's start (UTC).
    public var hour: Date
    public var action: Action
    public var count: Int

    public init(hour: Date, action: Action, count: Int) {
        self.hour = hour
        self.action = action
        self.count = count
    }
}

/// How many decisions carried one finding code.
public struct FindingCount: Sendable, Hashable, Codable {
    public var code: String
    public var count: Int

    public init(code: String, count: Int) {
        self.code = code
        self.count = count
    }
}

/// One engine's work on one day, from the verdict log: how often it failed and how long it took,
/// so an operator sees a slow or failing engine as a trend, not only as the tracker's live window.
public struct EngineDay: Sendable, Hashable, Codable {
    public var engine: String
    /// The day's start (UTC).
    public var day: Date
    /// Verdicts logged, engines still starting (`not_ready`) excluded.
    public var scans: Int
    public var errors: Int
    public var timeouts: Int
    public var meanMilliseconds: Double
    public var maxMilliseconds: Double

    public init(engine: String, day: Date, scans: Int, errors: Int, timeouts: Int, meanMilliseconds: Double, maxMilliseconds: Double) {
        self.engine = engine
        self.day = day
        self.scans = scans
        self.errors = errors
        self.timeouts = timeouts
        self.meanMilliseconds = meanMilliseconds
        self.maxMilliseconds = maxMilliseconds
    }
}
