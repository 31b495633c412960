import MoatArchive
import MoatCore

/// One MIME part's inspection: its true type, its names, and every archive member inside it.
///
/// Runs on one blocking-pool thread with one libmagic cookie; archive members are checked exactly
/// like attachments and their findings carry the part's path, with the inner path in the detail
/// (`2/invoice.zip/docs/a.exe`). Counters for the archive limits cover the whole part.
final class PartInspection {
    /// What one inspected object (a part or a member) is, for the checks.
    struct Subject {
        /// `2/invoice.zip/docs/a.exe`: where it is, for details.
        var location: String
        /// Every name it goes by (a part may have several: `filename`, `name`, …).
        var names: [String]
        /// The declared Content-Type essence, when the part declared one.
        var declaredType: String?
        /// Archive nesting level: 0 for the part itself.
        var depth: Int
    }

    let policy: FileTypePolicy
    let limits: ArchiveLimits
    let cookie: MagicCookie
    let partPath: String
    /// The part's decoded size, the denominator of the expansion ratio.
    let partSize: Int

    private(set) var findings: [Finding] = []
    /// A blocked class was hit.
    private(set) var blocked = false
    /// The true type of the part itself.
    private(set) var partType: String?
    private var members = 0
    private var expanded = 0
    /// A bomb or the total limit stopped everything.
    private var stopped = false
    private var reported: Set<String> = []

    init(policy: FileTypePolicy, limits: ArchiveLimits, cookie: MagicCookie, partPath: String, partSize: Int) {
        self.policy = policy
        self.limits = limits
        self.cookie = cookie
        self.partPath = partPath
        self.partSize = partSize
    }

    /// Inspects a part's bytes and, for archives, everything inside.
    func inspectPart(_ subject: Subject, bytes: ArraySlice<UInt8>) throws {
        if subject.names.count > 1 { checkNameAgreement(subject) }
        try inspect(subject, bytes: bytes)
    }

    private func inspect(_ subject: Subject, bytes: ArraySlice<UInt8>) throws {
        let trueType = try cookie.mimeType(of: bytes)
        if subject.depth == 0 { partType = trueType }
        let trueClass = policy.typeClass(forMIME: trueType)
        let names = subject.names.map(FilenameAnalysis.init)
        for name in names { checkTricks(name, at: subject.location) }
        checkClasses(trueType: trueType, trueClass: trueClass, names: names, at: subject.location)
        checkMismatch(trueType: trueType, trueClass: trueClass, names: names, declared: subject.declaredType,
                      at: subject.location)
        if trueType == "image/svg+xml" || names.contains(where: { $0.finalExtension == "svg" }) {
            checkSVG(bytes, at: subject.location)
        }
        if let format = ArchiveFormat.detect(trueType: trueType, prefix: bytes.prefix(8)) {
            try walk(bytes, as: format, subject: subject, names: names)
        }
    }

    // MARK: - Names

    private func checkNameAgreement(_ subject: Subject) {
        let extensions = Set(subject.names.map { FilenameAnalysis($0).finalExtension ?? "" })
        let listed = subject.names.map { "\"\(FilenameAnalysis.printable($0))\"" }.joined(separator: ", ")
        let score = extensions.count > 1 ? policy.weights.nameMismatch : 0
        let detail = extensions.count > 1 ? "names with different extensions: \(listed)" : "names differ: \(listed)"
        add(FindingCode.nameMismatch, "\(subject.location): \(detail)", score)
    }

    private func checkTricks(_ name: FilenameAnalysis, at location: String) {
        let shown = "\"\(FilenameAnalysis.printable(name.original))\""
        let real = name.finalExtension.map { ".\($0)" } ?? "no extension"
        if !name.bidiControls.isEmpty {
            let codes = name.bidiControls.map { "U+" + String($0.value, radix: 16, uppercase: true) }
            add(FindingCode.bidiControl, "\(location): \(shown) contains \(codes.joined(separator: " ")); real extension \(real)",
                policy.weights.bidiControl)
        }
        if name.invisibleCount > 0 {
            add(FindingCode.invisibleCharacter, "\(location): \(shown) contains \(name.invisibleCount) invisible character(s)",
                policy.weights.invisibleCharacter)
        }
        if name.hasControlCharacters {
            add(FindingCode.controlCharacter, "\(location): \(shown) contains control characters", policy.weights.controlCharacter)
        }
        if name.hasPathParts {
            add(FindingCode.pathInName, "\(location): \(shown) contains directory or drive parts", policy.weights.pathInName)
        }
        if name.hadTrailingDotsOrBlanks {
            add(FindingCode.trailingDots, "\(location): \(shown) ends in dots or blanks; Windows saves it as \(real)",
                policy.weights.trailingDots)
        }
        if name.longestBlankRun >= policy.spaceRun {
            add(FindingCode.spacePadding, "\(location): \(shown) pads with \(name.longestBlankRun) blanks; real extension \(real)",
                policy.weights.spacePadding)
        }
        let exts = name.extensions
        if exts.count >= 2, let outer = policy.typeClass(forExtension: exts[exts.count - 1]), outer.action != .allow,
           let inner = policy.typeClass(forExtension: exts[exts.count - 2]), inner.action == .allow {
            add(FindingCode.doubleExtension,
                "\(location): \(shown) shows .\(exts[exts.count - 2]) (\(inner.name)) but is .\(exts[exts.count - 1]) (\(outer.name))",
                policy.weights.doubleExtension)
        }
    }

    // MARK: - Types

    private func checkClasses(trueType: String, trueClass: FileTypePolicy.TypeClass?, names: [FilenameAnalysis], at location: String) {
        var done: Set<String> = []
        if let trueClass, trueClass.action != .allow {
            done.insert(trueClass.name)
            let isBlock = trueClass.action == .block
            blocked = blocked || isBlock
            add(isBlock ? FindingCode.blockedType : FindingCode.suspiciousType,
                "\(location): true type \(trueType) is \(isBlock ? "blocked" : "suspicious") (\(trueClass.name))", trueClass.weight)
        }
        for name in names {
            guard let ext = name.finalExtension, let type = policy.typeClass(forExtension: ext), type.action != .allow,
                  done.insert(type.name).inserted else { continue }
            let isBlock = type.action == .block
            blocked = blocked || isBlock
            add(isBlock ? FindingCode.blockedExtension : FindingCode.suspiciousExtension,
                "\(location): extension .\(ext) is \(isBlock ? "blocked" : "suspicious") (\(type.name))", type.weight)
        }
    }

    private func checkMismatch(trueType: String, trueClass: FileTypePolicy.TypeClass?, names: [FilenameAnalysis],
                               declared: String?, at location: String) {
        guard !policy.genericTypes.contains(trueType) || trueType == "application/octet-stream" else { return }
        // Only names and declared types of allowed classes disguise anything; blocked and suspicious
        // ones were reported by `checkClasses` already.
        var claims: [(what: String, type: FileTypePolicy.TypeClass)] = []
        for name in names {
            if let ext = name.finalExtension, let type = policy.typeClass(forExtension: ext), type.action == .allow {
                claims.append(("named .\(ext)", type))
            }
        }
        if let declared = declared?.lowercased(), !policy.genericTypes.contains(declared),
           let type = policy.typeClass(forMIME: declared), type.action == .allow {
            claims.append(("declared \(declared)", type))
        }
        let broken = claims.filter { $0.type.hasExpectations && !$0.type.accepts(trueType, trueClass: trueClass) }
        guard !broken.isEmpty else { return }
        let sameFamily = trueClass.map { hidden in broken.allSatisfy { $0.type.family == hidden.family } } ?? false
        let score = sameFamily
            ? policy.weights.familyMismatch
            : trueClass?.hiddenWeight ?? policy.weights.typeMismatch
        let what = broken.map { "\($0.what) (\($0.type.name))" }.joined(separator: ", ")
        add(FindingCode.typeMismatch,
            "\(location): true type \(trueType)\(trueClass.map { " (\($0.name))" } ?? "") but \(what)", score)
    }

    private func checkSVG(_ bytes: ArraySlice<UInt8>, at location: String) {
        let text = String(decoding: bytes.prefix(1 << 20), as: UTF8.self).lowercased()
        let markers = ["<script", "javascript:", "onload=", "onerror=", "onclick=", "onmouseover=", "<foreignobject",
                       "<iframe", "<embed", "<object"]
        let found = markers.filter { text.contains($0) }
        guard !found.isEmpty else { return }
        add(FindingCode.svgScript, "\(location): SVG with \(found.joined(separator: ", "))", policy.weights.svgScript)
    }

    // MARK: - Archives

    private func walk(_ bytes: ArraySlice<UInt8>, as format: ArchiveFormat, subject: Subject, names: [FilenameAnalysis]) throws {
        guard !stopped else { return }
        guard subject.depth < limits.maxDepth else {
            add(FindingCode.archiveLimit,
                "\(subject.location): archive nested deeper than max_depth=\(limits.maxDepth); not opened",
                policy.weights.archiveLimit)
            return
        }
        guard let reader = ArchiveReader(bytes: bytes, format: format) else {
            add(FindingCode.archiveError, "\(subject.location): cannot open as \(format.rawValue)", policy.weights.archiveError)
            return
        }
        var encryptedNames: [String] = []
        var encrypted = false
        entries: while !stopped {
            let entry: ArchiveReader.Entry
            switch reader.nextEntry() {
            case .end:
                break entries
            case .failed(let message, let isEncryption):
                if isEncryption {
                    encrypted = true
                } else {
                    add(FindingCode.archiveError, "\(subject.location): \(reader.formatName): \(message)",
                        policy.weights.archiveError)
                }
                break entries
            case .entry(let next):
                entry = next
            }
            members += 1
            guard members <= limits.maxMembers else {
                add(FindingCode.archiveLimit,
                    "\(subject.location): more than max_members=\(limits.maxMembers) archive members; the rest is unchecked",
                    policy.weights.archiveLimit)
                stopped = true
                break entries
            }
            var memberName = entry.path
            if reader.isRawStream {
                memberName = Self.decompressedName(names.first?.effectiveName ?? "")
            }
            let location = subject.location + "/" + FilenameAnalysis.printable(memberName)
            if Self.escapes(entry.path) {
                add(FindingCode.pathTraversal, "\(location): member path is absolute or climbs with ..",
                    policy.weights.pathTraversal)
            }
            guard entry.isRegularFile, !entry.isDirectory else { continue }
            let baseName = Self.lastComponent(memberName)
            let member = Subject(location: location, names: baseName.isEmpty ? [] : [baseName], declaredType: nil,
                                 depth: subject.depth + 1)
            if entry.isEncrypted {
                encrypted = true
                encryptedNames.append(memberName)
                checkNamesOnly(member)
                continue
            }
            var data: [UInt8] = []
            var truncated = false
            reading: while true {
                switch reader.read({ chunk in
                    let room = limits.maxMemberBytes - data.count
                    if room > 0 { data.append(contentsOf: chunk.prefix(room)) }
                    if chunk.count > room { truncated = true }
                }) {
                case .end:
                    break reading
                case .failed(let message, let isEncryption):
                    if isEncryption {
                        encrypted = true
                        encryptedNames.append(memberName)
                    } else {
                        add(FindingCode.archiveError, "\(location): \(message)", policy.weights.archiveError)
                    }
                    break reading
                case .data(let count):
                    expanded += count
                    if expandedTooFar(at: location) { break entries }
                    if truncated {
                        add(FindingCode.archiveLimit,
                            "\(location): member larger than max_member_bytes=\(limits.maxMemberBytes); only its start was checked",
                            policy.weights.archiveLimit)
                        break reading
                    }
                }
            }
            if encryptedNames.last == memberName, data.isEmpty {
                checkNamesOnly(member)
                continue
            }
            try inspect(member, bytes: data[...])
        }
        if encrypted || reader.hasEncryptedEntries {
            let listed = encryptedNames.isEmpty
                ? "no member names readable"
                : "members " + encryptedNames.prefix(20).map { "\"\(FilenameAnalysis.printable($0))\"" }.joined(separator: ", ")
                    + (encryptedNames.count > 20 ? " and \(encryptedNames.count - 20) more" : "")
            add(FindingCode.encryptedArchive, "\(subject.location): encrypted \(reader.formatName); \(listed)",
                policy.weights.encryptedArchive)
        }
    }

    /// Checks a member whose content cannot be read: its name is all there is.
    private func checkNamesOnly(_ subject: Subject) {
        let names = subject.names.map(FilenameAnalysis.init)
        for name in names { checkTricks(name, at: subject.location) }
        for name in names {
            guard let ext = name.finalExtension, let type = policy.typeClass(forExtension: ext), type.action != .allow else { continue }
            let isBlock = type.action == .block
            blocked = blocked || isBlock
            add(isBlock ? FindingCode.blockedExtension : FindingCode.suspiciousExtension,
                "\(subject.location): extension .\(ext) is \(isBlock ? "blocked" : "suspicious") (\(type.name)); content encrypted",
                type.weight)
        }
    }

    /// Checks the expansion limits after more bytes were decompressed; true when the part must stop.
    private func expandedTooFar(at location: String) -> Bool {
        if expanded >= limits.ratioMinBytes, Double(expanded) > limits.maxRatio * Double(max(partSize, 1)) {
            add(FindingCode.zipBomb,
                "\(location): \(expanded) bytes expanded from a \(partSize)-byte part (ratio above max_ratio=\(Int(limits.maxRatio)))",
                policy.weights.zipBomb)
            stopped = true
        } else if expanded > limits.maxExpandedBytes {
            add(FindingCode.archiveLimit,
                "\(location): more than max_expanded_bytes=\(limits.maxExpandedBytes) expanded; the rest is unchecked",
                policy.weights.archiveLimit)
            stopped = true
        }
        return stopped
    }

    private func add(_ code: String, _ detail: String, _ score: Double) {
        guard reported.insert(code + "\u{0}" + detail).inserted else { return }
        findings.append(Finding(code: code, detail: detail, score: score, partPath: partPath))
    }

    /// An absolute path, a drive, or a `..` component.
    static func escapes(_ path: String) -> Bool {
        if path.hasPrefix("/") || path.hasPrefix("\\") { return true }
        let scalars = Array(path.unicodeScalars.prefix(2))
        if scalars.count == 2, scalars[1] == ":", scalars[0].isASCII, scalars[0].properties.isAlphabetic { return true }
        return path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).contains { $0 == ".." }
    }

    static func lastComponent(_ path: String) -> String {
        String(path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? "")
    }

    /// `report.pdf.gz` → `report.pdf`: the name a bare compressed stream decompresses to.
    static func decompressedName(_ outer: String) -> String {
        let suffixes = [".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".xz", ".txz", ".lzma", ".z"]
        let lower = outer.lowercased()
        for suffix in suffixes where lower.hasSuffix(suffix) {
            let base = String(outer.dropLast(suffix.count))
            return suffix.hasPrefix(".t") ? base + ".tar" : base
        }
        return "data"
    }
}
