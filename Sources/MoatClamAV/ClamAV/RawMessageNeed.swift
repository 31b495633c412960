import Foundation

/// Which messages the raw-message pass (`raw_message = "signatures"`) can find anything in that
/// the decoded parts do not show, read from the signature files that were loaded.
///
/// The pass matches the message as received: headers, encoded bodies, the bytes between parts.
/// Only signatures that can match there and not in a decoded part need it: floating body
/// signatures (a header string, a base64 run), whole-file hashes of the message's size, mail
/// targets. Moat's own files hold none of those (EICAR at offset 0, hashes of attachments,
/// signatures limited to archive members), yet the pass cost 0.09 ms a message, a quarter of the
/// clamav engine's CPU (`bench/results/profile-2026-12-05-e.md`). So each loaded file is read:
/// - `.hdb`/`.hsb` (and their `u` forms): whole-file hashes; the pass runs for a message of a
///   listed size (a `*` size: always);
/// - `.mdb`/`.msb`/`.imp`: PE section and import hashes; the pass runs for a message starting `MZ`;
/// - `.ndb`: a signature at offset `0` whose hex starts with literal bytes runs the pass for a
///   message starting with them; any other offset or a wildcard start: always;
/// - `.ldb` with a `Container:` other than mail or any, `.cdb` for such containers: they match
///   members of archives, which the decoded parts hold too; otherwise: always;
/// - `.fp`, `.sfp`, `.ign`, `.ign2`, `.info`: they only allow or ignore, never detect;
/// - every other database file (`.cvd`, `.cld`, phishing lists, YARA, bytecode...): always.
/// Files libclamav does not load (no database extension) are not read.
struct RawMessageNeed: Sendable, Equatable {
    /// Why every message gets the pass, or nil when it is screened.
    var always: String?
    /// Sizes of whole-file hashes.
    var hashSizes: Set<Int> = []
    /// Literal starts of signatures anchored at offset 0.
    /// (`MZ` is always one: a message that starts like a PE file gets libclamav's PE heuristics.)
    var prefixes: Set<[UInt8]> = [Array("MZ".utf8)]

    /// Whether the pass can find anything in `raw`.
    func wants(_ raw: [UInt8]) -> Bool {
        always != nil || hashSizes.contains(raw.count) || prefixes.contains { raw.starts(with: $0) }
    }

    /// For `status` and the load log.
    var summary: String {
        if let always { return "every message (\(always))" }
        return "screened (\(hashSizes.count) hash sizes, \(prefixes.count) anchored starts)"
    }

    /// Database extensions libclamav loads from a directory (`CLI_DBEXT`).
    static let databaseExtensions: Set<String> = [
        "db", "hdb", "hdu", "hsb", "hsu", "mdb", "mdu", "msb", "msu", "ndb", "ndu", "ldb", "ldu", "sdb",
        "zmd", "rmd", "pdb", "gdb", "wdb", "cbc", "ftm", "cfg", "cvd", "cld", "cud", "cdb", "cat", "crb",
        "idb", "ioc", "yar", "yara", "pwdb", "ign", "ign2", "imp", "info", "fp", "sfp",
    ]

    /// Reads the database files of `paths` (files, or directories read one level deep as libclamav
    /// does). An unreadable file makes the pass run always.
    static func reading(_ paths: [String]) -> RawMessageNeed {
        var need = RawMessageNeed()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            let files: [String]
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files = names.sorted().map { path + "/" + $0 }
            } else {
                files = [path]
            }
            for file in files {
                let ext = (file as NSString).pathExtension.lowercased()
                guard databaseExtensions.contains(ext) else { continue }
                need.read(file, extension: ext)
                if need.always != nil { return need }
            }
        }
        return need
    }

    private mutating func read(_ file: String, extension ext: String) {
        let name = (file as NSString).lastPathComponent
        switch ext {
        case "fp", "sfp", "ign", "ign2", "info":
            return
        case "hdb", "hdu", "hsb", "hsu", "mdb", "mdu", "msb", "msu", "imp", "ndb", "ndu", "ldb", "ldu", "cdb":
            break
        default:
            always = "\(name) is not read by Moat"
            return
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            always = "\(name) is unreadable"
            return
        }
        for line in data.split(separator: 0x0A) {
            var line = Array(line)
            if line.last == 0x0D { line.removeLast() }
            guard !line.isEmpty, line.first != UInt8(ascii: "#") else { continue }
            let text = String(decoding: line, as: UTF8.self)
            if let reason = read(signature: text, extension: ext) {
                always = "\(name): \(reason)"
                return
            }
        }
    }

    /// Reads one signature line; returns why it needs the pass on every message, or nil.
    private mutating func read(signature line: String, extension ext: String) -> String? {
        switch ext {
        case "hdb", "hdu", "hsb", "hsu":
            // HASH:SIZE:NAME[:FLEVEL]
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 3, let size = Int(fields[1]), size >= 0 else { return "a hash of any size" }
            hashSizes.insert(size)
        case "mdb", "mdu", "msb", "msu", "imp":
            break  // PE only: covered by the `MZ` start every screen has
        case "ndb", "ndu":
            // NAME:TARGET:OFFSET:HEX[:MIN[:MAX]]
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, fields[2] == "0" else { return "a body signature not anchored at offset 0" }
            // HTML (3) and text (7) targets match normalised (lower-cased) text, not the bytes.
            guard fields[1] != "3", fields[1] != "7" else { return "a normalised-text signature" }
            let prefix = Self.literalPrefix(fields[3])
            guard !prefix.isEmpty else { return "a body signature starting with a wildcard" }
            prefixes.insert(prefix)
        case "ldb", "ldu":
            // NAME;TDB;EXPRESSION;SUBSIGS...
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            guard fields.count >= 2 else { return "an unreadable logical signature" }
            let container = fields[1].split(separator: ",").first { $0.hasPrefix("Container:") }?.dropFirst("Container:".count)
            guard let container, Self.isArchiveContainer(container) else { return "a logical signature outside archives" }
        case "cdb":
            // NAME:CONTAINERTYPE:...
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 2, Self.isArchiveContainer(fields[1]) else { return "container metadata outside archives" }
        default:
            return "an unknown signature type"
        }
        return nil
    }

    /// A container other than the message itself: its members are files the decoded parts hold.
    private static func isArchiveContainer(_ type: Substring) -> Bool {
        type.hasPrefix("CL_TYPE_") && type != "CL_TYPE_MAIL" && type != "CL_TYPE_ANY"
    }

    /// The bytes a hex signature starts with, up to its first wildcard, alternative or anchor.
    static func literalPrefix(_ hex: Substring) -> [UInt8] {
        var bytes: [UInt8] = []
        var digits = hex.utf8.makeIterator()
        while let high = digits.next(), let low = digits.next() {
            guard let h = hexValue(high), let l = hexValue(low) else { break }
            bytes.append(h << 4 | l)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
