import Foundation
import MoatCore

/// What a fixture message must produce: `NAME.expect.toml` beside `NAME.eml`.
public struct FixtureExpectation: Sendable, Hashable, Codable {
    /// The decision's action (`accept`, `tag`, `quarantine`, `tempfail`, `reject`, `discard`).
    public var action: Action?
    /// The decision's category, or `none` for no category.
    public var category: String?
    /// Finding codes (`clamav.signature`) or `code:detail-substring` that must be present.
    public var mustHit: [String]
    /// Same syntax; none may be present.
    public var mustNotHit: [String]
    public var scoreMin: Double?
    public var scoreMax: Double?
    /// Engine names that must run (and answer); only these are built for the fixture. nil: every manifest.
    public var engines: [String]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case action, category
        case mustHit = "must_hit"
        case mustNotHit = "must_not_hit"
        case scoreMin = "score_min"
        case scoreMax = "score_max"
        case engines
    }

    public init(action: Action? = nil, category: String? = nil, mustHit: [String] = [], mustNotHit: [String] = [],
                scoreMin: Double? = nil, scoreMax: Double? = nil, engines: [String]? = nil) {
        self.action = action
        self.category = category
        self.mustHit = mustHit
        self.mustNotHit = mustNotHit
        self.scoreMin = scoreMin
        self.scoreMax = scoreMax
        self.engines = engines
    }

    public init(from decoder: any Decoder) throws {
        // A misspelt key (`must_hits`) would otherwise leave a fixture that checks nothing and passes.
        let all = try decoder.container(keyedBy: AnyKey.self)
        let known = CodingKeys.allCases.map(\.rawValue)
        if let unknown = all.allKeys.first(where: { !known.contains($0.stringValue) }) {
            throw DecodingError.dataCorruptedError(forKey: unknown, in: all, debugDescription: "unknown key; expected one of \(known.joined(separator: ", "))")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        action = try c.decodeIfPresent(Action.self, forKey: .action)
        category = try c.decodeIfPresent(String.self, forKey: .category)
        if let category, category != "none", VerdictCategory(rawValue: category) == nil {
            throw DecodingError.dataCorruptedError(forKey: .category, in: c, debugDescription: "expected none or one of \(VerdictCategory.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        mustHit = try c.decodeIfPresent([String].self, forKey: .mustHit) ?? []
        mustNotHit = try c.decodeIfPresent([String].self, forKey: .mustNotHit) ?? []
        scoreMin = try c.decodeIfPresent(Double.self, forKey: .scoreMin)
        scoreMax = try c.decodeIfPresent(Double.self, forKey: .scoreMax)
        engines = try c.decodeIfPresent([String].self, forKey: .engines)
    }

    /// Reads and validates an expectation file.
    public static func load(path: String) throws -> FixtureExpectation {
        try TOMLDocument.load(FixtureExpectation.self, path: path)
    }
}

/// Any key of a table, to find the ones a type does not know.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A fixture message and its expectation file.
public struct Fixture: Sendable, Hashable {
    public var messagePath: String
    public var expectationPath: String

    /// `NAME.eml` → `NAME.expect.toml`.
    public static func expectationPath(for message: String) -> String {
        String(message.dropLast(4)) + ".expect.toml"
    }

    /// Fixtures under `paths` (files or directories, searched recursively), sorted; `.eml` files
    /// without an expectation are returned separately.
    public static func discover(_ paths: [String]) -> (fixtures: [Fixture], withoutExpectation: [String]) {
        var messages: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue {
                if path.hasSuffix(".eml") { messages.append(path) }
                continue
            }
            let base = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            guard let enumerator = FileManager.default.enumerator(atPath: base) else { continue }
            while let relative = enumerator.nextObject() as? String {
                if relative.hasSuffix(".eml") { messages.append(base + "/" + relative) }
            }
        }
        var fixtures: [Fixture] = []
        var without: [String] = []
        for message in Set(messages).sorted() {
            let expectation = expectationPath(for: message)
            if FileManager.default.fileExists(atPath: expectation) {
                fixtures.append(Fixture(messagePath: message, expectationPath: expectation))
            } else {
                without.append(message)
            }
        }
        return (fixtures, without)
    }
}
