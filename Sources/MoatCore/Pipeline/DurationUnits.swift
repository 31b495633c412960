extension Duration {
    /// The duration as fractional milliseconds: what reports, logs and benchmarks print. One
    /// definition so every figure Moat writes converts `Duration` the same way.
    public var inMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// The duration as fractional seconds.
    public var inSeconds: Double { inMilliseconds / 1000 }

    /// Fractional microseconds, for per-operation benchmark figures.
    public var inMicroseconds: Double { inMilliseconds * 1000 }

    /// Whole milliseconds, rounded down, saturating: timeouts handed to C and `_ms` log fields.
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return Int(clamping: scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000).partialValue)
    }

    /// Whole nanoseconds, rounded down, saturating: metrics timers and the worker wire.
    public var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, carry) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        return carry ? (seconds < 0 ? .min : .max) : sum
    }
}
