import Foundation
import MoatMessage

/// Everything an engine may look at for one message.
public struct ScanInput: Sendable {
    /// Moat's id for this scan; it is added to the message as `X-Moat-Id` so feedback can name it.
    public var id: String
    public var message: Message
    public var envelope: Envelope

    public init(id: String = ScanInput.makeID(), message: Message, envelope: Envelope = Envelope()) {
        self.id = id
        self.message = message
        self.envelope = envelope
    }

    /// A 128-bit id in lower-case hex: 48 bits of milliseconds since 1970, then 80 random bits.
    ///
    /// Unique without coordination between daemons (80 random bits per millisecond), and made in
    /// the order scans start, so the verdict log's keys (the `scans` primary key, `engine_verdicts`
    /// keyed by scan) grow at the end of their B-trees instead of landing on a random page each: with
    /// random ids an SQLite log of 800,000 scans took about 4,100 records/s
    /// (`bench/results/store-2026-12-05.md`).
    public static func makeID(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, min((now.timeIntervalSince1970 * 1000).rounded(), Double(UInt64(1) << 48 - 1))))
        let random = generator.next() as UInt64
        let high = milliseconds << 16 | random >> 48
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
