import Foundation

/// Typed, validated access to a manifest's `[options]`, with errors that name the manifest and
/// the key, so every adapter refuses a typo or a wrong type the same way.
public struct EngineOptions {
    public let options: [String: ConfigValue]
    public let context: EngineBuildContext

    public init(_ options: [String: ConfigValue], context: EngineBuildContext) {
        self.options = options
        self.context = context
    }

    /// Refuses the first key not in `known`, so a typo is an error rather than a default kept.
    public func rejectUnknown(_ known: Set<String>) throws(ConfigurationError) {
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw context.invalid(unknown, "unknown option (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// One of an enumeration's raw values.
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(ConfigurationError) -> T? where T.RawValue == String {
        guard let value = options[key] else { return nil }
        guard let text = value.stringValue, let choice = T(rawValue: text) else {
            throw context.invalid(key, "expected one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        return choice
    }

    public func number(_ key: String, in range: ClosedRange<Double>) throws(ConfigurationError) -> Double? {
        guard let value = options[key] else { return nil }
        guard let number = value.doubleValue, number.isFinite, range.contains(number) else {
            throw context.invalid(key, "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let value = options[key] else { return nil }
        guard let integer = value.intValue, range.contains(integer) else {
            throw context.invalid(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return integer
    }

    /// One of a fixed set of words (for options whose values are not a Swift enumeration).
    public func choice(_ key: String, among allowed: [String]) throws(ConfigurationError) -> String? {
        guard let value = try string(key) else { return nil }
        guard allowed.contains(value) else {
            throw context.invalid(key, "expected one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(value)\"")
        }
        return value
    }

    public func string(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = options[key] else { return nil }
        guard let string = value.stringValue else { throw context.invalid(key, "expected a string") }
        return string
    }

    /// A non-empty string (a name, an identifier, a path used as given).
    public func nonEmptyString(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = options[key] else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw context.invalid(key, "expected a non-empty string") }
        return text
    }

    /// A file path, resolved against the rules directory when relative.
    public func path(_ key: String) throws(ConfigurationError) -> String? {
        guard let value = options[key] else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw context.invalid(key, "expected a file path") }
        return context.resolve(text)
    }

    public func strings(_ key: String) throws(ConfigurationError) -> [String]? {
        guard let value = options[key] else { return nil }
        guard case .array(let items) = value else { throw context.invalid(key, "expected an array of strings") }
        let strings = items.compactMap(\.stringValue)
        guard strings.count == items.count else { throw context.invalid(key, "expected an array of strings") }
        return strings
    }

    public func integers(_ key: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> [Int]? {
        guard let value = options[key] else { return nil }
        guard case .array(let items) = value else { throw context.invalid(key, "expected an array of integers") }
        let integers = items.compactMap(\.intValue)
        guard integers.count == items.count, integers.allSatisfy(range.contains) else {
            throw context.invalid(key, "expected an array of integers from \(range.lowerBound) to \(range.upperBound)")
        }
        return integers
    }

    /// A score: a finite number of 0 or more.
    public func score(_ key: String) throws(ConfigurationError) -> Double? {
        guard let value = options[key] else { return nil }
        guard let number = value.doubleValue, number >= 0, number.isFinite else {
            throw context.invalid(key, "expected a number, 0 or more")
        }
        return number
    }

    /// Bytes, as a number or a string with a `K`, `M` or `G` suffix (powers of 1024), so a limit
    /// reads as `"25M"` in a manifest.
    public func size(_ key: String) throws(ConfigurationError) -> Int? {
        guard let value = options[key] else { return nil }
        if let number = value.intValue, number > 0 { return number }
        if let text = value.stringValue, let bytes = Self.parseSize(text), bytes > 0 { return bytes }
        throw context.invalid(key, "expected a positive size in bytes, e.g. 26214400 or \"25M\"")
    }

    static func parseSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let last = trimmed.last, let multiplier = multipliers[last] {
            guard let number = Int(trimmed.dropLast()), number <= Int.max / multiplier else { return nil }
            return number * multiplier
        }
        return Int(trimmed)
    }

    public func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        guard let value = options[key] else { return nil }
        guard let flag = value.boolValue else { throw context.invalid(key, "expected true or false") }
        return flag
    }

    /// A table of numbers (weights, scores) whose keys must be among `known`, each within `range`.
    public func weights(_ key: String, known: Set<String>, in range: ClosedRange<Double> = 0...Double.greatestFiniteMagnitude)
        throws(ConfigurationError) -> [String: Double] {
        guard let value = options[key] else { return [:] }
        guard case .table(let table) = value else { throw context.invalid(key, "expected a table") }
        var weights: [String: Double] = [:]
        for (name, item) in table {
            guard known.contains(name) else {
                throw context.invalid("\(key).\(name)", "unknown kind (known: \(known.sorted().joined(separator: ", ")))")
            }
            guard let n = item.doubleValue, n.isFinite, range.contains(n) else {
                throw context.invalid("\(key).\(name)", range.lowerBound == 0 && range.upperBound == .greatestFiniteMagnitude
                                      ? "expected a non-negative number" : "expected a number from \(range.lowerBound) to \(range.upperBound)")
            }
            weights[name] = n
        }
        return weights
    }
}
