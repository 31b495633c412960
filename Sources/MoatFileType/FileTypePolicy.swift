import MoatCore

/// The attachment policy: which true types and extensions are blocked, suspicious or allowed, and
/// what each check weighs. Loaded from `policy.toml` (see `rules/filetype/policy.toml`).
///
/// Types are grouped in named classes (`windows-executable`, `pdf`, `png`, …). A class is matched by
/// true type (`mime`) and by extension; its `family` says which mismatches are harmless (a PNG named
/// `.jpg` stays in `image`). Lookups are by lowercased MIME essence or extension, exact before
/// wildcard (`text/*`, `application/vnd.oasis.opendocument.*`).
public struct FileTypePolicy: Sendable {
    /// What a class's presence does to the verdict.
    public enum Action: String, Sendable, Codable {
        /// A `filetype.blocked_*` finding; the verdict is the blocked category (`policy` by default).
        case block
        /// A `filetype.suspicious_*` finding.
        case suspicious
        /// Nothing by itself; the class only serves to check names against content.
        case allow
    }

    /// One class of types.
    public struct TypeClass: Sendable, Codable, Equatable {
        public var name: String
        /// Classes of one family are interchangeable enough that a mismatch weighs `family_mismatch`.
        public var family: String
        public var action: Action
        /// Score of a `blocked_*`/`suspicious_*` finding for this class.
        public var weight: Double
        /// Score of a type mismatch whose true type is in this class (what was hidden); nil: `type_mismatch`.
        public var hiddenWeight: Double?
        /// True types (and declared aliases) that identify the class; unique across classes.
        public var mime: [String]
        /// Further true types acceptable for a name or declared type of this class (not identifying).
        public var compatible: [String]
        /// Extensions without the dot; unique across classes.
        public var extensions: [String]

        enum CodingKeys: String, CodingKey {
            case name, family, action, weight, mime, compatible, extensions
            case hiddenWeight = "hidden_weight"
        }

        public init(name: String, family: String? = nil, action: Action, weight: Double = 0, hiddenWeight: Double? = nil,
                    mime: [String] = [], compatible: [String] = [], extensions: [String] = []) {
            self.name = name
            self.family = family ?? name
            self.action = action
            self.weight = weight
            self.hiddenWeight = hiddenWeight
            self.mime = mime.map { $0.lowercased() }
            self.compatible = compatible.map { $0.lowercased() }
            self.extensions = extensions.map(Self.normalizedExtension)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let name = try c.decode(String.self, forKey: .name)
            self.init(
                name: name,
                family: try c.decodeIfPresent(String.self, forKey: .family),
                action: try c.decode(Action.self, forKey: .action),
                weight: try c.decodeIfPresent(Double.self, forKey: .weight) ?? 0,
                hiddenWeight: try c.decodeIfPresent(Double.self, forKey: .hiddenWeight),
                mime: try c.decodeIfPresent([String].self, forKey: .mime) ?? [],
                compatible: try c.decodeIfPresent([String].self, forKey: .compatible) ?? [],
                extensions: try c.decodeIfPresent([String].self, forKey: .extensions) ?? []
            )
        }

        static func normalizedExtension(_ text: String) -> String {
            String(text.drop { $0 == "." }).lowercased()
        }

        /// Whether content of `trueType` is what a name or declared type of this class promises.
        func accepts(_ trueType: String, trueClass: TypeClass?) -> Bool {
            if mime.contains(trueType) || compatible.contains(trueType) { return true }
            let wildcard = (mime + compatible).contains { FileTypePolicy.matches(pattern: $0, trueType) }
            return wildcard && (trueClass == nil || trueClass?.name == name)
        }

        /// Whether the class says anything about content (scripts, for instance, cannot be told from text).
        var hasExpectations: Bool { !mime.isEmpty || !compatible.isEmpty }
    }

    /// Scores of the checks that do not depend on a class.
    public struct Weights: Sendable, Codable, Equatable {
        public var typeMismatch = 2.0
        public var familyMismatch = 0.5
        public var doubleExtension = 4.0
        public var bidiControl = 6.0
        public var invisibleCharacter = 2.0
        public var spacePadding = 3.0
        public var trailingDots = 2.0
        public var controlCharacter = 3.0
        public var pathInName = 2.0
        public var nameMismatch = 2.0
        public var pathTraversal = 5.0
        public var encryptedArchive = 4.0
        public var zipBomb = 8.0
        public var archiveLimit = 2.0
        public var archiveError = 1.0
        public var svgScript = 5.0

        enum CodingKeys: String, CodingKey, CaseIterable {
            case typeMismatch = "type_mismatch", familyMismatch = "family_mismatch"
            case doubleExtension = "double_extension", bidiControl = "bidi_control"
            case invisibleCharacter = "invisible_char", spacePadding = "space_padding"
            case trailingDots = "trailing_dots", controlCharacter = "control_char"
            case pathInName = "path_in_name", nameMismatch = "name_mismatch"
            case pathTraversal = "path_traversal", encryptedArchive = "encrypted_archive"
            case zipBomb = "zip_bomb", archiveLimit = "archive_limit"
            case archiveError = "archive_error", svgScript = "svg_script"
        }

        public init() {}

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            func value(_ key: CodingKeys, _ fallback: Double) throws -> Double {
                try c.decodeIfPresent(Double.self, forKey: key) ?? fallback
            }
            typeMismatch = try value(.typeMismatch, typeMismatch)
            familyMismatch = try value(.familyMismatch, familyMismatch)
            doubleExtension = try value(.doubleExtension, doubleExtension)
            bidiControl = try value(.bidiControl, bidiControl)
            invisibleCharacter = try value(.invisibleCharacter, invisibleCharacter)
            spacePadding = try value(.spacePadding, spacePadding)
            trailingDots = try value(.trailingDots, trailingDots)
            controlCharacter = try value(.controlCharacter, controlCharacter)
            pathInName = try value(.pathInName, pathInName)
            nameMismatch = try value(.nameMismatch, nameMismatch)
            pathTraversal = try value(.pathTraversal, pathTraversal)
            encryptedArchive = try value(.encryptedArchive, encryptedArchive)
            zipBomb = try value(.zipBomb, zipBomb)
            archiveLimit = try value(.archiveLimit, archiveLimit)
            archiveError = try value(.archiveError, archiveError)
            svgScript = try value(.svgScript, svgScript)
        }

        var all: [Double] {
            [typeMismatch, familyMismatch, doubleExtension, bidiControl, invisibleCharacter, spacePadding, trailingDots,
             controlCharacter, pathInName, nameMismatch, pathTraversal, encryptedArchive, zipBomb, archiveLimit,
             archiveError, svgScript]
        }
    }

    /// The file as written; `FileTypePolicy(document:file:)` validates it.
    public struct Document: Sendable, Codable {
        public var weights: Weights
        /// Declared types that claim nothing (`application/octet-stream`), and true types that say nothing (`application/x-empty`).
        public var genericTypes: [String]
        /// A run of at least this many blank characters in a name is padding (`x.pdf<spaces>.exe`).
        public var spaceRun: Int
        public var types: [TypeClass]

        enum CodingKeys: String, CodingKey {
            case weights
            case genericTypes = "generic_types"
            case spaceRun = "space_run"
            case types = "type"
        }

        public init(weights: Weights = Weights(), genericTypes: [String] = Document.defaultGenericTypes,
                    spaceRun: Int = 4, types: [TypeClass]) {
            self.weights = weights
            self.genericTypes = genericTypes
            self.spaceRun = spaceRun
            self.types = types
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            weights = try c.decodeIfPresent(Weights.self, forKey: .weights) ?? Weights()
            genericTypes = try c.decodeIfPresent([String].self, forKey: .genericTypes) ?? Self.defaultGenericTypes
            spaceRun = try c.decodeIfPresent(Int.self, forKey: .spaceRun) ?? 4
            types = try c.decodeIfPresent([TypeClass].self, forKey: .types) ?? []
        }

        public static let defaultGenericTypes = [
            "application/octet-stream", "application/x-empty", "inode/x-empty", "binary/octet-stream",
            "application/unknown", "application/x-unknown", "application/download", "application/x-download",
            "application/force-download",
        ]
    }

    public let weights: Weights
    public let spaceRun: Int
    public let types: [TypeClass]
    let genericTypes: Set<String>
    private let byMime: [String: Int]
    private let byWildcard: [(prefix: String, index: Int)]
    private let byExtension: [String: Int]

    /// Validates `document` (read from `file`, named in errors).
    public init(document: Document, file: String) throws(ConfigurationError) {
        var byMime: [String: Int] = [:]
        var byWildcard: [(String, Int)] = []
        var byExtension: [String: Int] = [:]
        var names: Set<String> = []
        for (index, type) in document.types.enumerated() {
            let key = "type[\(index)]"
            guard !type.name.isEmpty, names.insert(type.name).inserted else {
                throw ConfigurationError(file: file, key: "\(key).name", reason: "missing or duplicate class name \"\(type.name)\"")
            }
            guard type.weight >= 0, (type.hiddenWeight ?? 0) >= 0 else {
                throw ConfigurationError(file: file, key: key, reason: "weights must not be negative")
            }
            for mime in type.mime {
                guard mime.contains("/") else {
                    throw ConfigurationError(file: file, key: "\(key).mime", reason: "\"\(mime)\" is not a type/subtype")
                }
                if mime.hasSuffix("*") {
                    byWildcard.append((String(mime.dropLast()), index))
                } else if let other = byMime.updateValue(index, forKey: mime) {
                    throw ConfigurationError(file: file, key: "\(key).mime",
                                             reason: "\"\(mime)\" is already in class \"\(document.types[other].name)\"")
                }
            }
            for ext in type.extensions {
                guard !ext.isEmpty, !ext.contains(".") else {
                    throw ConfigurationError(file: file, key: "\(key).extensions", reason: "\"\(ext)\" is not an extension")
                }
                if let other = byExtension.updateValue(index, forKey: ext) {
                    throw ConfigurationError(file: file, key: "\(key).extensions",
                                             reason: ".\(ext) is already in class \"\(document.types[other].name)\"")
                }
            }
        }
        guard document.weights.all.allSatisfy({ $0 >= 0 }) else {
            throw ConfigurationError(file: file, key: "weights", reason: "weights must not be negative")
        }
        guard document.spaceRun >= 2 else {
            throw ConfigurationError(file: file, key: "space_run", reason: "must be at least 2")
        }
        self.weights = document.weights
        self.spaceRun = document.spaceRun
        self.types = document.types
        self.genericTypes = Set(document.genericTypes.map { $0.lowercased() })
        self.byMime = byMime
        self.byWildcard = byWildcard.sorted { $0.0.count > $1.0.count }
        self.byExtension = byExtension
    }

    /// Reads and validates the policy file at `path`.
    public static func load(path: String) throws -> FileTypePolicy {
        try FileTypePolicy(document: TOMLDocument.load(Document.self, path: path), file: path)
    }

    /// The class a true or declared MIME type belongs to.
    public func typeClass(forMIME mime: String) -> TypeClass? {
        let mime = mime.lowercased()
        if let index = byMime[mime] { return types[index] }
        return byWildcard.first { mime.hasPrefix($0.prefix) }.map { types[$0.index] }
    }

    /// The class an extension (without the dot, any case) belongs to.
    public func typeClass(forExtension ext: String) -> TypeClass? {
        byExtension[ext.lowercased()].map { types[$0] }
    }

    /// Counts for `status`: classes, and MIME types and extensions per action.
    var counts: [String: String] {
        var out = ["policy.classes": "\(types.count)"]
        for action in [Action.block, .suspicious, .allow] {
            let classes = types.filter { $0.action == action }
            out["policy.\(action.rawValue).types"] = "\(classes.reduce(0) { $0 + $1.mime.count })"
            out["policy.\(action.rawValue).extensions"] = "\(classes.reduce(0) { $0 + $1.extensions.count })"
        }
        return out
    }

    static func matches(pattern: String, _ mime: String) -> Bool {
        pattern.hasSuffix("*") ? mime.hasPrefix(pattern.dropLast()) : pattern == mime
    }
}
