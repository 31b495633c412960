/// Typed, validated access to a manifest's `[options]`, with errors that name the manifest and
/// the key. The shared reader new adapters use (the older ones each grew their own; issue 23
/// folds them into this one).
public struct EngineOptions {
    public let options: [String: ConfigValue]
    public let context: EngineBuildContext

    public init(_ options: [String: ConfigValue], context: EngineBuildContext) {
        self.options = options
        self.context = context
    }

    /// Refuses the first key not in `known`, so a typo is an error rather than a default kept.
    public func rejectUnknown(_ known: Set<String>) throws {
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw context.invalid(unknown, "unknown option (known: \(known.sorted().joined(separator: ", ")))")
        }
    }

    /// One of an enumeration's raw values.
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let value = options[key] else { return nil }
        guard let text = value.stringValue, let choice = T(rawValue: text) else {
            throw context.invalid(key, "expected one of \(T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        return choice
    }

    public func number(_ key: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = options[key] else { return nil }
        guard let number = value.doubleValue, number.isFinite, range.contains(number) else {
            throw context.invalid(key, "expected a number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    public func integer(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value = options[key] else { return nil }
        guard let integer = value.intValue, range.contains(integer) else {
            throw context.invalid(key, "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return integer
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = options[key] else { return nil }
        guard let flag = value.boolValue else { throw context.invalid(key, "expected true or false") }
        return flag
    }

    /// A table of non-negative weights whose keys must be among `known`.
    public func weights(_ key: String, known: Set<String>) throws -> [String: Double] {
        guard let value = options[key] else { return [:] }
        guard case .table(let table) = value else { throw context.invalid(key, "expected a table") }
        var weights: [String: Double] = [:]
        for (name, item) in table {
            guard known.contains(name) else { throw context.invalid("\(key).\(name)", "unknown kind (known: \(known.sorted().joined(separator: ", ")))") }
            guard let n = item.doubleValue, n >= 0, n.isFinite else { throw context.invalid("\(key).\(name)", "expected a non-negative number") }
            weights[name] = n
        }
        return weights
    }
}
