import Foundation
import MoatCore

/// One message of a labelled corpus: where it is and what it really is.
public struct LabelledMessage: Sendable, Hashable, Codable {
    public var path: String
    public var label: TrueClass

    public init(path: String, label: TrueClass) {
        self.path = path
        self.label = label
    }
}

/// Problems reading a corpus.
public struct CorpusError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Reads labelled corpora: a folder per class, the SpamAssassin public corpus layout, or a TSV manifest.
///
/// - A directory whose subfolders are class names (`ham`, `spam`, `malware`, `phishing`, and
///   SpamAssassin's `easy_ham`, `easy_ham_2`, `hard_ham`, `hard_ham_2` → ham, `spam_2` → spam): every file below each.
/// - A directory that is itself named like a class: every file below it, with that label.
/// - A file: a manifest, one `path<TAB>label[<TAB>...]` per line; relative paths resolve against the
///   manifest's folder; a first line whose label is not a class (a header) and `#` lines are skipped.
public enum CorpusLoader {
    /// Folder names and the class they hold.
    public static let folderClasses: [String: TrueClass] = [
        "ham": .ham, "easy_ham": .ham, "easy_ham_2": .ham, "hard_ham": .ham, "hard_ham_2": .ham,
        "spam": .spam, "spam_2": .spam, "malware": .malware, "phishing": .phishing,
    ]

    /// Labelled messages from every corpus in `paths`, in a stable order.
    public static func load(_ paths: [String]) throws -> [LabelledMessage] {
        var result: [LabelledMessage] = []
        for path in paths {
            result += try load(path)
        }
        return result
    }

    public static func load(_ path: String) throws -> [LabelledMessage] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CorpusError(path: path, reason: "no such file or directory")
        }
        if !isDirectory.boolValue { return try manifest(path) }
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        let children = (try? FileManager.default.contentsOfDirectory(atPath: trimmed))?.sorted() ?? []
        var result: [LabelledMessage] = []
        for child in children {
            guard let label = folderClasses[child] else { continue }
            result += files(under: trimmed + "/" + child).map { LabelledMessage(path: $0, label: label) }
        }
        if result.isEmpty, let label = folderClasses[(trimmed as NSString).lastPathComponent] {
            result = files(under: trimmed).map { LabelledMessage(path: $0, label: label) }
        }
        if result.isEmpty {
            throw CorpusError(path: path, reason: "no class folders (\(folderClasses.keys.sorted().joined(separator: ", "))) with messages")
        }
        return result
    }

    /// Reads a TSV manifest (`path`, `label`, optional further columns).
    public static func manifest(_ path: String) throws -> [LabelledMessage] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CorpusError(path: path, reason: "cannot read the manifest")
        }
        let base = (path as NSString).deletingLastPathComponent
        var result: [LabelledMessage] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            guard columns.count >= 2 else {
                throw CorpusError(path: "\(path):\(index + 1)", reason: "expected path<TAB>label")
            }
            guard let label = TrueClass(rawValue: columns[1].lowercased()) ?? folderClasses[columns[1].lowercased()] else {
                if index == 0 { continue }  // header line
                throw CorpusError(path: "\(path):\(index + 1)", reason: "unknown label '\(columns[1])'")
            }
            let file = columns[0].hasPrefix("/") || base.isEmpty ? columns[0] : base + "/" + columns[0]
            result.append(LabelledMessage(path: file, label: label))
        }
        return result
    }

    /// Regular files below `directory`, sorted; skips dot files and corpus bookkeeping (`cmds`, READMEs, licences, manifests).
    static func files(under directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var result: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.hasPrefix(".") || name == "cmds" || name.hasPrefix("README") || name.hasPrefix("SOURCE")
                || name.hasPrefix("LICENSE") || name.hasPrefix("COPYING")
                || name.hasSuffix(".tsv") || name.hasSuffix(".md") {
                continue
            }
            let full = directory + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue {
                result.append(full)
            }
        }
        return result.sorted()
    }
}
