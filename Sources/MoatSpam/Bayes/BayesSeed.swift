import Foundation
import GRDB

/// A Bayes store as text: what a repository can ship so a fresh gateway classifies from its first
/// message, and what a reviewer can read (counts per hashed token, no message text).
///
/// Format (`moat bayes export` writes it, `bayes_seed` and `moat bayes import` read it):
/// ```
/// # moat-bayes-seed/1
/// # any comment lines (provenance)
/// nspam<TAB>949
/// nham<TAB>2204
/// <token><TAB><spam count><TAB><ham count>     one per line, tokens as signed 64-bit integers
/// ```
/// Messages' ids are not exported: relearning a seeded message counts it again.
public enum BayesSeed {
    public static let magic = "# moat-bayes-seed/1"

    /// Parsed seed content.
    public struct Content: Sendable {
        public var spamMessages: Int
        public var hamMessages: Int
        public var tokens: [(token: Int64, spam: Int, ham: Int)]
    }

    /// Checks only that `path` is readable and starts as a seed does: what a store that has
    /// learned already needs of its configured seed (parsing every line cost a start 0.1 s).
    public static func checkHeader(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw BayesError.badSeed(path: path, reason: "cannot read") }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: magic.utf8.count)) ?? Data()
        guard head.elementsEqual(magic.utf8) else { throw BayesError.badSeed(path: path, reason: "first line is not '\(magic)'") }
    }

    public static func parse(path: String) throws -> Content {
        guard let data = FileManager.default.contents(atPath: path) else { throw BayesError.badSeed(path: path, reason: "cannot read") }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == magic else { throw BayesError.badSeed(path: path, reason: "first line is not '\(magic)'") }
        var spam: Int?, ham: Int?
        var tokens: [(Int64, Int, Int)] = []
        for (number, line) in lines.enumerated().dropFirst() where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 2, fields[0] == "nspam" || fields[0] == "nham", let count = Int(fields[1]), count >= 0 {
                if fields[0] == "nspam" { spam = count } else { ham = count }
                continue
            }
            guard fields.count == 3, let token = Int64(fields[0]), let s = Int(fields[1]), let h = Int(fields[2]), s >= 0, h >= 0, s + h > 0 else {
                throw BayesError.badSeed(path: path, reason: "line \(number + 1): expected token<TAB>spam<TAB>ham")
            }
            tokens.append((token, s, h))
        }
        guard let spam, let ham else { throw BayesError.badSeed(path: path, reason: "no nspam and nham lines") }
        return Content(spamMessages: spam, hamMessages: ham, tokens: tokens)
    }
}

extension BayesStore {
    /// Writes the store's counts as a seed file; `comment` lines (provenance) go at the top.
    public func export(to path: String, comment: [String] = []) throws -> Int {
        let (spam, ham, rows) = try pool.read { db -> (Int, Int, [Row]) in
            let vars = try Row.fetchOne(db, sql: "SELECT nspam, nham FROM bayes_vars WHERE id = 1")
            return (vars?["nspam"] ?? 0, vars?["nham"] ?? 0,
                    try Row.fetchAll(db, sql: "SELECT token, spam, ham FROM bayes_token WHERE spam + ham > 0 ORDER BY token"))
        }
        var text = BayesSeed.magic + "\n"
        for line in comment { text += "# " + line + "\n" }
        text += "nspam\t\(spam)\nnham\t\(ham)\n"
        for row in rows {
            let token: Int64 = row["token"], s: Int = row["spam"], h: Int = row["ham"]
            text += "\(token)\t\(s)\t\(h)\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return rows.count
    }

    /// Loads a seed into an empty store (nothing learned yet) and returns true; a store that has
    /// learned anything is left alone (false), so a restart never adds the seed twice.
    @discardableResult
    public func seed(from path: String) throws -> Bool {
        let empty = try pool.read { db in
            let vars = try Row.fetchOne(db, sql: "SELECT nspam, nham FROM bayes_vars WHERE id = 1")
            let learned: Int = (vars?["nspam"] ?? 0) + (vars?["nham"] ?? 0)
            return try learned == 0 && Int.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM bayes_token)") == 0
        }
        guard empty else {
            try BayesSeed.checkHeader(path: path)
            return false
        }
        let content = try BayesSeed.parse(path: path)
        return try pool.write { db in
            let vars = try Row.fetchOne(db, sql: "SELECT nspam, nham FROM bayes_vars WHERE id = 1")
            let learned: Int = (vars?["nspam"] ?? 0) + (vars?["nham"] ?? 0)
            let tokens = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bayes_token") ?? 0
            guard learned == 0, tokens == 0 else { return false }
            let insert = try db.cachedStatement(sql: "INSERT INTO bayes_token (token, spam, ham) VALUES (?, ?, ?)")
            for (token, spam, ham) in content.tokens {
                try insert.execute(arguments: [token, spam, ham])
            }
            try db.execute(sql: "UPDATE bayes_vars SET nspam = ?, nham = ?, generation = generation + 1 WHERE id = 1",
                           arguments: [content.spamMessages, content.hamMessages])
            return true
        }
    }
}
