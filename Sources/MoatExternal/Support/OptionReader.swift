import MoatCore

/// Typed, validated access to a manifest's `[options]`, with errors that name the key.
struct OptionReader {
    let options: [String: ConfigValue]
    let context: EngineBuildContext

    /// Options every adapter here accepts: `timeout_ms`, `retries`, `retry_backoff_ms`,
    /// `breaker_failures`, `breaker_probe_ms`.
    static let resilienceKeys: Set<String> = ["timeout_ms", "retries", "retry_backoff_ms", "breaker_failures", "breaker_probe_ms"]
    /// How a TCP or Unix peer is named: `host` + `port`, or `socket`.
    static let endpointKeys: Set<String> = ["host", "port", "socket"]

    func rejectUnknown(_ known: Set<String>) throws {
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw context.invalid(unknown, "unknown option (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ key: String) throws -> String? {
        guard let value = options[key] else { return nil }
        guard let string = value.stringValue else { throw context.invalid(key, "expected a string") }
        return string
    }

    func choice(_ key: String, _ allowed: [String], default fallback: String) throws -> String {
        guard let value = try string(key) else { return fallback }
        guard allowed.contains(value) else {
            throw context.invalid(key, "expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(value)\"")
        }
        return value
    }

    func integer(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        guard let value = options[key] else { return nil }
        guard let integer = value.intValue else { throw context.invalid(key, "expected an integer") }
        guard range.contains(integer) else { throw context.invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return integer
    }

    func number(_ key: String, range: ClosedRange<Double> = 0...1000) throws -> Double? {
        guard let value = options[key] else { return nil }
        guard let number = value.doubleValue, number.isFinite else { throw context.invalid(key, "expected a number") }
        guard range.contains(number) else { throw context.invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)") }
        return number
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = options[key] else { return nil }
        guard let bool = value.boolValue else { throw context.invalid(key, "expected true or false") }
        return bool
    }

    func strings(_ key: String) throws -> [String]? {
        guard let value = options[key] else { return nil }
        guard case .array(let items) = value else { throw context.invalid(key, "expected an array of strings") }
        let strings = items.compactMap(\.stringValue)
        guard strings.count == items.count else { throw context.invalid(key, "expected an array of strings") }
        return strings
    }

    func integers(_ key: String, range: ClosedRange<Int>) throws -> [Int]? {
        guard let value = options[key] else { return nil }
        guard case .array(let items) = value else { throw context.invalid(key, "expected an array of integers") }
        let integers = items.compactMap(\.intValue)
        guard integers.count == items.count, integers.allSatisfy(range.contains) else {
            throw context.invalid(key, "expected an array of integers between \(range.lowerBound) and \(range.upperBound)")
        }
        return integers
    }

    func category(_ key: String, default fallback: VerdictCategory) throws -> VerdictCategory {
        guard let name = try string(key) else { return fallback }
        guard let category = VerdictCategory(rawValue: name) else {
            throw context.invalid(key, "expected one of \(VerdictCategory.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return category
    }

    /// The adapter's own I/O bound (`timeout_ms`), defaulting to the manifest's scan deadline.
    func timeout(manifest: EngineManifest) throws -> Duration {
        .milliseconds(try integer("timeout_ms", range: 1...3_600_000) ?? manifest.timeoutMilliseconds)
    }

    /// `retries` (1), `retry_backoff_ms` (100), `breaker_failures` (5, 0 = never open),
    /// `breaker_probe_ms` (30000).
    func resilience() throws -> ResilienceSettings {
        var settings = ResilienceSettings()
        if let retries = try integer("retries", range: 0...10) { settings.retries = retries }
        if let backoff = try integer("retry_backoff_ms", range: 0...60_000) { settings.backoff = .milliseconds(backoff) }
        if let failures = try integer("breaker_failures", range: 0...1000) { settings.breakerFailures = failures }
        if let probe = try integer("breaker_probe_ms", range: 1...3_600_000) { settings.breakerProbe = .milliseconds(probe) }
        return settings
    }

    /// `socket` (absolute Unix socket path) or `host` (default 127.0.0.1) and `port` (default `defaultPort`).
    func endpoint(defaultPort: Int) throws -> PeerEndpoint {
        if let socket = try string("socket") {
            guard options["host"] == nil, options["port"] == nil else {
                throw context.invalid("socket", "set either socket or host and port, not both")
            }
            guard socket.hasPrefix("/") else { throw context.invalid("socket", "expected an absolute path") }
            return .unix(path: socket)
        }
        let host = try string("host") ?? "127.0.0.1"
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw context.invalid("host", "expected a host name or address")
        }
        return .tcp(host: host, port: try integer("port", range: 1...65535) ?? defaultPort)
    }
}
