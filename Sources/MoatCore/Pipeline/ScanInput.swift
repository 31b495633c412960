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

    /// A random 128-bit id in lower-case hex: unique without coordination between daemons.
    public static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
