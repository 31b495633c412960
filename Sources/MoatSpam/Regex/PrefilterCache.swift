import CHyperscan
import Foundation

/// Compiled Hyperscan databases kept in files (`hs_serialize_database`), so a restart or a reload
/// of unchanged rules skips the compile.
///
/// A file is named by a hash of its inputs but holds the inputs themselves (Hyperscan version, and
/// every pattern's id, flags and expression): it is used only when they are exactly equal, so a
/// hash collision or a stale file can never swap in the wrong database. Files are written to a
/// temporary name and renamed, so a concurrent reader sees a whole file or none.
struct PrefilterCache: Sendable {
    let directory: String
    /// Canonical description of the compile inputs.
    let key: [UInt8]

    private static let magic = Array("MOATHSDB1\n".utf8)

    init(directory: String, patterns: [HyperscanPrefilter.Pattern], flags: (HyperscanPrefilter.Pattern) -> UInt32) {
        self.directory = directory
        var key = Array("hyperscan \(String(cString: hs_version()))\n".utf8)
        for p in patterns {
            key.append(contentsOf: "\(p.id)\t\(flags(p))\t\(p.expression.utf8.count)\t".utf8)
            key.append(contentsOf: p.expression.utf8)
            if let fallback = p.fallback {
                key.append(contentsOf: "\tfallback\t".utf8)
                key.append(contentsOf: fallback.utf8)
            }
            key.append(0x0A)
        }
        self.key = key
    }

    /// FNV-1a, 64 bits: only names the file (contents are compared in full).
    private var path: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return directory + "/prefilter-" + String(hash, radix: 16) + ".hsdb"
    }

    /// The cached database and rejections, or nil (missing, different inputs, unreadable). The
    /// database is nil when Hyperscan refused every pattern (that answer is kept too: finding it
    /// again can take a second per pattern).
    func load() -> (OpaquePointer?, [UInt32: String])? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> (OpaquePointer?, [UInt32: String])? in
            var offset = 0
            func take(_ n: Int) -> UnsafeRawBufferPointer? {
                guard n >= 0, offset + n <= raw.count else { return nil }
                defer { offset += n }
                return UnsafeRawBufferPointer(rebasing: raw[offset..<offset + n])
            }
            func length() -> Int? {
                guard let b = take(8) else { return nil }
                return Int(exactly: b.loadUnaligned(as: UInt64.self).littleEndian)
            }
            guard let m = take(Self.magic.count), m.elementsEqual(Self.magic),
                  let keyLength = length(), keyLength == key.count, let k = take(keyLength), k.elementsEqual(key),
                  let rejectedLength = length(), let r = take(rejectedLength),
                  let object = try? JSONSerialization.jsonObject(with: Data(r)) as? [String: String],
                  let dbLength = length(), let bytes = take(dbLength) else { return nil }
            var rejected: [UInt32: String] = [:]
            for (id, reason) in object {
                guard let n = UInt32(id) else { return nil }
                rejected[n] = reason
            }
            if dbLength == 0 { return rejected.isEmpty ? nil : (nil, rejected) }
            guard let base = bytes.baseAddress else { return nil }
            var db: OpaquePointer?
            guard hs_deserialize_database(base.assumingMemoryBound(to: CChar.self), bytes.count, &db) == 0, let db else { return nil }
            return (db, rejected)
        }
    }

    /// Writes `database` (nil: every pattern refused) and `rejected`; failures are ignored (the
    /// cache is only a speed-up).
    func store(_ database: OpaquePointer?, rejected: [UInt32: String]) {
        var bytes: UnsafeMutablePointer<CChar>?
        var count = 0
        if let database {
            guard hs_serialize_database(database, &bytes, &count) == 0, bytes != nil else { return }
        } else if rejected.isEmpty {
            return
        }
        defer { free(bytes) }
        let object = Dictionary(uniqueKeysWithValues: rejected.map { (String($0.key), $0.value) })
        guard let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return }
        var out = Data(Self.magic)
        func appendLength(_ n: Int) { withUnsafeBytes(of: UInt64(n).littleEndian) { out.append(contentsOf: $0) } }
        appendLength(key.count)
        out.append(contentsOf: key)
        appendLength(json.count)
        out.append(json)
        appendLength(count)
        if let bytes { out.append(UnsafeBufferPointer(start: UnsafeRawPointer(bytes).assumingMemoryBound(to: UInt8.self), count: count)) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = path + ".\(getpid()).\(UInt64.random(in: 0...UInt64.max)).tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: out, attributes: [.posixPermissions: 0o600]) else { return }
            if rename(temporary, path) != 0 { unlink(temporary) }
        } catch {
            return
        }
    }
}
