extension Duration {
    /// The duration as fractional milliseconds: what reports, logs and benchmarks print. One
    /// definition so every figure Moat writes converts `Duration` the same way.
    public var inMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    /// The duration as fractional seconds.
    public var inSeconds: Double { inMilliseconds / 1000 }
}
