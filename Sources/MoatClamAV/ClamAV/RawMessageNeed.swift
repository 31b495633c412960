import Foundation
import MoatMessage

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

    /// Whether the pass can find anything in `raw` as a whole: the message's size is that of a
    /// hash, or it starts like an anchored signature (or a PE file).
    func wants(_ raw: [UInt8]) -> Bool {
        always != nil || hashSizes.contains(raw.count) || prefixes.contains { raw.starts(with: $0) }
    }

    /// Whether the pass can find anything in `message` that the part scans do not.
    ///
    /// Besides the whole message (`wants(_:)`), what the pass sees and the part scans do not are
    /// the bytes outside the scanned bodies: headers, boundaries, preamble and epilogue, and
    /// base64 bodies as written. libclamav opens what it recognises there even with its mail
    /// parser off, so the pass runs when those bytes hold anything it could open or a signature
    /// could match: a byte outside printable ASCII (archives, executables, any binary or 8-bit
    /// data), the start of a PDF, XDP, Office XML, RTF, BinHex or uuencoded file, HTML markup,
    /// a `data:` URI or a character reference, or the start of an anchored signature anywhere.
    /// A message over `sizeLimit` (the smaller of `max_file_size` and `max_scan_size`) gets the
    /// pass too, so its limit finding is reported as before.
    func wants(_ message: Message, sizeLimit: Int) -> Bool {
        let raw = message.raw
        if wants(raw) || raw.count > sizeLimit { return true }
        // Bodies the part scans read as they are written (identity encodings; quoted-printable
        // bodies decode to what was scanned).
        var covered: [Range<Int>] = []
        for part in message.leaves where part.origin == .mime && part.isRawAddressable && !part.decoded.isEmpty {
            let body = part.bodyRange
            guard body.lowerBound >= 0, body.upperBound <= raw.count else { continue }
            if part.transferEncoding.isIdentity {
                covered.append(body.lowerBound..<(body.lowerBound + min(part.decoded.count, body.count)))
            } else if part.transferEncoding == .quotedPrintable {
                covered.append(body)
            }
        }
        covered.sort { $0.lowerBound < $1.lowerBound }
        let anchored = prefixes.filter { $0 != Array("MZ".utf8) }
        var start = 0
        return raw.withUnsafeBufferPointer { bytes in
            for range in covered + [raw.count..<raw.count] {
                if range.lowerBound > start {
                    let gap = UnsafeBufferPointer(rebasing: bytes[start..<range.lowerBound])
                    if Self.mayHoldAFile(gap) || anchored.contains(where: { ByteSearch.occurs($0, in: gap) }) { return true }
                }
                start = max(start, range.upperBound)
            }
            return false
        }
    }

    /// Markers of files libclamav recognises inside other bytes, lower case, indexed by their
    /// first byte (a table, not a dictionary: every header byte is looked up).
    private static let markers: [[[UInt8]]] = {
        let texts = ["%pdf-", "<xdp", "<?xml", "mso-application", "{\\rtf", "binhex", "begin ", "data:", "&#",
                     "<html", "<body", "<head", "<script", "<iframe", "<object", "<embed", "<form", "<meta", "<frame",
                     "<applet", "<svg", "<img", "<a ", "<div", "<table", "<p>", "<style", "<link"]
        var byFirst = [[[UInt8]]](repeating: [], count: 256)
        for text in texts { byFirst[Int(text.utf8.first ?? 0)].append(Array(text.utf8)) }
        return byFirst
    }()

    /// Whether `bytes` hold a byte outside printable ASCII, tab, CR and LF, or a marker.
    static func mayHoldAFile(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        func lower(_ b: UInt8) -> UInt8 { (0x41...0x5A).contains(b) ? b | 0x20 : b }
        for i in bytes.indices {
            let b = bytes[i]
            guard (0x20...0x7E).contains(b) || b == 0x09 || b == 0x0A || b == 0x0D else { return true }
            let candidates = markers[Int(lower(b))]
            if candidates.isEmpty { continue }
            for marker in candidates where bytes.count - i >= marker.count {
                var k = 1
                while k < marker.count, lower(bytes[i + k]) == marker[k] { k += 1 }
                if k == marker.count { return true }
            }
        }
        return false
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
    /// does). An unreadable or unknown file makes the pass run always.
    static func reading(_ paths: [String]) -> RawMessageNeed {
        var need = RawMessageNeed()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                need.always = "\(path) was loaded but cannot be read"
                return need
            }
            guard isDirectory.boolValue else {
                // A file named in the configuration is loaded whatever its name (an unknown
                // extension as the old `.db` format, whose signatures float): read it as such.
                need.read(path, extension: (path as NSString).pathExtension.lowercased())
                if need.always != nil { return need }
                continue
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            for name in names.sorted() {
                // libclamav loads a directory's files by their suffix (`x.ndb`, and `.ndb` itself).
                let ext = (name.hasPrefix(".") && !name.dropFirst().contains(".") ? String(name.dropFirst()) : (name as NSString).pathExtension).lowercased()
                guard databaseExtensions.contains(ext) else { continue }
                need.read(path + "/" + name, extension: ext)
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

    /// A container type other than the message itself (an archive, a PDF, a document): what it
    /// holds is found in a decoded part, or in bytes outside the parts that `wants(_:sizeLimit:)`
    /// sends to the pass.
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
