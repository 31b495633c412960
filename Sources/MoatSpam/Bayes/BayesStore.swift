import Foundation
import GRDB
import MoatCore
import MoatMessage
import Synchronization

/// Errors from the Bayes store that callers can act on.
public enum BayesError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case notADirectory(String)
    case badSeed(path: String, reason: String)

    public var description: String {
        switch self {
        case .badSeed(let path, let reason): "Bayes seed \(path): \(reason)"
        case .cannotOpen(let path, let reason): "cannot open Bayes database \(path): \(reason)"
        case .notADirectory(let path): "not a directory: \(path)"
        }
    }
}

/// Token counts for a naive-Bayes spam classifier, in SQLite (WAL, through a GRDB `DatabasePool`).
///
/// Safe under concurrent scans: reads run in parallel on the pool, writes are serialised by it.
/// Votes only after `minimumPerClass` spam and ham messages were learned (200, as SpamAssassin).
public final class BayesStore: TokenLearner, Sendable {
    /// How many messages and tokens the store holds.
    public struct Counts: Sendable, Hashable {
        public var spamMessages: Int
        public var hamMessages: Int
        public var tokens: Int
    }

    /// SpamAssassin's `bayes_min_spam_num` / `bayes_min_ham_num`.
    public let minimumPerClass: Int
    let pool: DatabasePool
    /// Token counts already read, valid for one `bayes_vars.generation` (every write bumps it in
    /// its transaction, so a scan never mixes counts of two generations). Most of a message's
    /// tokens were seen in earlier messages; reading them from SQLite each time cost 6–7 % of the
    /// whole pipeline. Unknown tokens are kept as (0, 0) so they are not looked up again.
    private let tokenCache = Mutex<TokenCache>(TokenCache())
    /// Entries kept before the cache starts over (about 10 MB).
    static let tokenCacheLimit = 200_000
    /// Seconds between two whole-table reads (see `TokenCache.complete`): a store trained all the
    /// time changes generation with every lesson, and reading every row each time would cost more
    /// than the lookups it saves. 0: whenever the generation changed; nil: never (lookups only).
    let snapshotInterval: Double?
    /// Seconds a complete cache answers without asking SQLite whether the store changed
    /// (`bayes_recheck_seconds`; 0: ask every message). The read transaction that asks cost more
    /// than the Bayes arithmetic on a cached store. Writes through this store are seen by the next
    /// scan whatever the interval; another process's training, within the interval.
    let recheckInterval: Double

    private struct TokenCache {
        var generation: Int64 = -1
        var counts = TokenCountTable()
        /// `counts` holds every row of `bayes_token` at `generation`, so a token it lacks has no
        /// counts and needs no lookup. A store no larger than the cache limit (SpamAssassin keeps
        /// its own at 150,000 tokens by default) is read whole once per generation: most of a new
        /// message's tokens are ones no message had before, and looking each of them up cost as
        /// much as tokenizing the message.
        var complete = false
        /// When a whole-table read last started (`ContinuousClock`), and whether one runs now.
        var lastSnapshot: ContinuousClock.Instant?
        var snapshotting = false
        /// The message counts of `generation`, and when they were last read (nil: to be read).
        var spamMessages = 0
        var hamMessages = 0
        var checkedAt: ContinuousClock.Instant?
    }

    /// Opens (creating if needed) the database at `path`.
    /// - Parameters:
    ///   - snapshotInterval: see the property; tests set 0 or nil to force either path.
    ///   - recheckInterval: see the property.
    public init(path: String, minimumPerClass: Int = 200, snapshotInterval: Double? = 60, recheckInterval: Double = 1) throws {
        self.minimumPerClass = minimumPerClass
        self.snapshotInterval = snapshotInterval
        self.recheckInterval = max(0, recheckInterval)
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            var config = Configuration()
            config.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: config)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS bayes_token (token INTEGER PRIMARY KEY, spam INTEGER NOT NULL, ham INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS bayes_seen (msgid TEXT PRIMARY KEY, spam INTEGER NOT NULL);
                    CREATE TABLE IF NOT EXISTS bayes_vars (id INTEGER PRIMARY KEY CHECK (id = 1), nspam INTEGER NOT NULL, nham INTEGER NOT NULL);
                    INSERT OR IGNORE INTO bayes_vars (id, nspam, nham) VALUES (1, 0, 0);
                    """)
            }
            // Stores made before the token cache existed lack the generation counter. Outside a
            // transaction, so the check reads the latest schema: several worker processes open
            // the store at once, and the one that loses the race finds the column there.
            try pool.writeWithoutTransaction { db in
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(bayes_vars)").map { $0["name"] as String? }
                guard !columns.contains("generation") else { return }
                do {
                    try db.execute(sql: "ALTER TABLE bayes_vars ADD COLUMN generation INTEGER NOT NULL DEFAULT 0")
                } catch let error as DatabaseError where error.message?.contains("duplicate column") == true {
                    // Added by another process in between.
                }
            }
        } catch {
            throw BayesError.cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Learns `message` as spam or ham. Relearning it as the other class moves it; learning it again
    /// as the same class does nothing. Returns whether the counts changed.
    @discardableResult
    public func train(message: Message, isSpam: Bool) throws -> Bool {
        try learn(TokenLesson(messageID: BayesTokenizer.messageID(message), tokens: Array(BayesTokenizer.tokens(message)), isSpam: isSpam))
    }

    /// Unlearns `message` if it was learned. Returns whether it was.
    @discardableResult
    public func forget(message: Message) throws -> Bool {
        let id = BayesTokenizer.messageID(message)
        let tokens = BayesTokenizer.tokens(message)
        defer { recheck() }
        return try pool.write { db in
            guard let previous = try Bool.fetchOne(db, sql: "SELECT spam FROM bayes_seen WHERE msgid = ?", arguments: [id]) else { return false }
            try Self.apply(db, tokens: Array(tokens), spam: previous, delta: -1)
            try db.execute(sql: "DELETE FROM bayes_seen WHERE msgid = ?", arguments: [id])
            return true
        }
    }

    /// The next scan reads the store's counts again: this store wrote to it.
    private func recheck() {
        tokenCache.withLock { $0.checkedAt = nil }
    }

    private static func apply(_ db: Database, tokens: [Int64], spam: Bool, delta: Int) throws {
        let column = spam ? "spam" : "ham"
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO bayes_token (token, spam, ham) VALUES (?, ?, ?)
            ON CONFLICT(token) DO UPDATE SET \(column) = MAX(0, \(column) + ?)
            """)
        for token in tokens {
            if delta > 0 {
                try upsert.execute(arguments: [token, spam ? 1 : 0, spam ? 0 : 1, delta])
            } else {
                try db.execute(sql: "UPDATE bayes_token SET \(column) = MAX(0, \(column) - 1) WHERE token = ?", arguments: [token])
            }
        }
        if delta < 0 { try db.execute(sql: "DELETE FROM bayes_token WHERE spam = 0 AND ham = 0 AND token IN (SELECT token FROM bayes_token WHERE spam = 0 AND ham = 0 LIMIT 10000)") }
        try db.execute(sql: "UPDATE bayes_vars SET \(spam ? "nspam" : "nham") = MAX(0, \(spam ? "nspam" : "nham") + ?), generation = generation + 1 WHERE id = 1", arguments: [delta])
    }

    // MARK: TokenLearner

    public func lesson(from raw: [UInt8], isSpam: Bool) -> TokenLesson {
        let message = Message(parsing: raw)
        return TokenLesson(messageID: BayesTokenizer.messageID(message), tokens: Array(BayesTokenizer.tokens(message)).sorted(), isSpam: isSpam)
    }

    public func learn(_ lesson: TokenLesson) throws -> Bool {
        let tokens = Array(Set(lesson.tokens))
        defer { recheck() }
        return try pool.write { db in
            if let previous = try Bool.fetchOne(db, sql: "SELECT spam FROM bayes_seen WHERE msgid = ?", arguments: [lesson.messageID]) {
                if previous == lesson.isSpam { return false }
                try Self.apply(db, tokens: tokens, spam: previous, delta: -1)
            }
            try Self.apply(db, tokens: tokens, spam: lesson.isSpam, delta: 1)
            try db.execute(sql: "INSERT OR REPLACE INTO bayes_seen (msgid, spam) VALUES (?, ?)", arguments: [lesson.messageID, lesson.isSpam])
            return true
        }
    }

    public func snapshot() throws -> TokenCounts {
        try pool.read { db in
            let vars = try Row.fetchOne(db, sql: "SELECT nspam, nham FROM bayes_vars WHERE id = 1")
            var counts = TokenCounts(spamMessages: vars?["nspam"] ?? 0, hamMessages: vars?["nham"] ?? 0)
            let rows = try Row.fetchCursor(db, sql: "SELECT token, spam, ham FROM bayes_token WHERE spam + ham > 0 ORDER BY token")
            while let row = try rows.next() {
                counts.tokens.append(row["token"])
                counts.spam.append(row["spam"])
                counts.ham.append(row["ham"])
            }
            return counts
        }
    }

    public func replicate(_ counts: TokenCounts, complete: Bool) throws {
        defer { recheck() }
        try pool.write { db in
            if complete {
                // A replica learns nothing itself: what it had learned is in the shared store or gone.
                try db.execute(sql: "DELETE FROM bayes_token; DELETE FROM bayes_seen")
            }
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO bayes_token (token, spam, ham) VALUES (?, ?, ?)
                ON CONFLICT(token) DO UPDATE SET spam = excluded.spam, ham = excluded.ham
                """)
            let delete = try db.cachedStatement(sql: "DELETE FROM bayes_token WHERE token = ?")
            for index in counts.tokens.indices where index < counts.spam.count && index < counts.ham.count {
                let (token, spam, ham) = (counts.tokens[index], max(0, counts.spam[index]), max(0, counts.ham[index]))
                if spam == 0, ham == 0 {
                    try delete.execute(arguments: [token])
                } else {
                    try upsert.execute(arguments: [token, spam, ham])
                }
            }
            // The generation moves, so every process scanning with this file drops its cached counts.
            try db.execute(sql: "UPDATE bayes_vars SET nspam = ?, nham = ?, generation = generation + 1 WHERE id = 1",
                           arguments: [max(0, counts.spamMessages), max(0, counts.hamMessages)])
        }
    }

    /// Messages and tokens learned.
    public func counts() throws -> Counts {
        try pool.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT nspam, nham FROM bayes_vars WHERE id = 1")
            let tokens = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM bayes_token") ?? 0
            return Counts(spamMessages: row?["nspam"] ?? 0, hamMessages: row?["nham"] ?? 0, tokens: tokens)
        }
    }

    /// The probability that `message` is spam (0…1), or nil until enough of each class was learned.
    public func spamProbability(_ message: Message) throws -> Double? {
        try spamProbability(tokens: BayesTokenizer.tokens(message))
    }

    /// The same, from the texts a scan already built.
    func spamProbability(_ subjects: RuleSubjects) throws -> Double? {
        try spamProbability(tokens: BayesTokenizer.tokens(subjects))
    }

    private func spamProbability(tokens set: TokenSet) throws -> Double? {
        if let cached = cachedProbability(tokens: set) { return cached }
        return try pool.read { db in
            // One read transaction: the generation and the token rows come from one snapshot.
            // A cached statement: preparing the SQL again for every message cost as much as reading it.
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT nspam, nham, generation FROM bayes_vars WHERE id = 1"))
            let nspam: Int = row?["nspam"] ?? 0, nham: Int = row?["nham"] ?? 0
            let generation: Int64 = row?["generation"] ?? 0
            guard nspam >= minimumPerClass, nham >= minimumPerClass else { return nil }
            var counts: [(Int, Int)] = []
            var missing: [Int64] = []
            var snapshot = false
            tokenCache.withLock { cache in
                if cache.generation != generation {
                    cache = TokenCache(generation: generation, lastSnapshot: cache.lastSnapshot, snapshotting: cache.snapshotting)
                }
                // Read in this transaction, so they belong to `generation`.
                cache.spamMessages = nspam
                cache.hamMessages = nham
                cache.checkedAt = ContinuousClock.now
                if !cache.complete, !cache.snapshotting, let interval = snapshotInterval,
                   cache.lastSnapshot.map({ ContinuousClock.now - $0 >= .seconds(interval) }) ?? true {
                    // One scan reads the table; the others go on with lookups meanwhile.
                    cache.snapshotting = true
                    cache.lastSnapshot = ContinuousClock.now
                    snapshot = true
                }
            }
            if snapshot {
                let table: TokenCountTable?
                do {
                    table = try Self.readTable(db)
                } catch {
                    tokenCache.withLock { $0.snapshotting = false }
                    throw error
                }
                tokenCache.withLock { cache in
                    cache.snapshotting = false
                    // The read ran in this scan's transaction, so it is of `generation`.
                    guard cache.generation == generation, let table else { return }
                    cache.counts = table
                    cache.complete = true
                }
            }
            tokenCache.withLock { cache in
                guard cache.generation == generation else {
                    missing = Array(set)
                    return
                }
                for token in set {
                    if let known = cache.counts[token] { counts.append(known) } else if !cache.complete { missing.append(token) }
                }
            }
            var fetched: [Int64: (spam: Int, ham: Int)] = [:]
            for start in stride(from: 0, to: missing.count, by: 500) {
                let chunk = Array(missing[start..<min(missing.count, start + 500)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(db, sql: "SELECT token, spam, ham FROM bayes_token WHERE token IN (\(marks))", arguments: StatementArguments(chunk))
                for row in rows { fetched[row["token"]] = (row["spam"], row["ham"]) }
            }
            counts.append(contentsOf: fetched.values.map { ($0.spam, $0.ham) })
            tokenCache.withLock { cache in
                guard cache.generation == generation, !cache.complete else { return }
                if cache.counts.count + missing.count > Self.tokenCacheLimit { cache.counts = TokenCountTable() }
                for token in missing { cache.counts.set(token, fetched[token] ?? (0, 0)) }
            }
            return BayesClassifier.combine(counts, spamMessages: nspam, hamMessages: nham)
        }
    }

    /// The probability from a complete cache checked against the store less than
    /// `recheckInterval` ago, without a read transaction; nil: ask the store.
    private func cachedProbability(tokens set: TokenSet) -> Double?? {
        guard recheckInterval > 0 else { return nil }
        let now = ContinuousClock.now
        // The table is taken out of the lock and read outside it: a complete cache is never
        // changed in place (a new generation replaces it), so the copy shares its storage, and
        // the other lane's lookups do not wait for this message's.
        let snapshot: (table: TokenCountTable, spam: Int, ham: Int)? = tokenCache.withLock { cache in
            guard cache.complete, let checked = cache.checkedAt, now - checked < .seconds(recheckInterval) else { return nil }
            return (cache.counts, cache.spamMessages, cache.hamMessages)
        }
        guard let snapshot else { return nil }
        var counts: [(Int, Int)] = []
        counts.reserveCapacity(set.count)
        for token in set { if let found = snapshot.table[token] { counts.append(found) } }
        let known = (counts: counts, spam: snapshot.spam, ham: snapshot.ham)
        guard known.spam >= minimumPerClass, known.ham >= minimumPerClass else { return .some(nil) }
        return BayesClassifier.combine(known.counts, spamMessages: known.spam, hamMessages: known.ham)
    }

    /// Every row of `bayes_token`, or nil when there are more than the cache holds.
    private static func readTable(_ db: Database) throws -> TokenCountTable? {
        guard let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM bayes_token"), rows <= tokenCacheLimit else { return nil }
        var table = TokenCountTable(minimumCapacity: rows)
        let cursor = try Row.fetchCursor(db, sql: "SELECT token, spam, ham FROM bayes_token")
        while let row = try cursor.next() { table.set(row[0], (row[1], row[2])) }
        return table
    }

    /// Learns every file in the given directories (one message per file). The entry point for
    /// `moat bayes train --spam DIR --ham DIR`.
    public func train(spamDirectories: [String], hamDirectories: [String], limitPerClass: Int? = nil) throws -> (spam: Int, ham: Int) {
        var learned = (spam: 0, ham: 0)
        for (directories, isSpam) in [(spamDirectories, true), (hamDirectories, false)] {
            var n = 0
            for file in try Self.files(in: directories) {
                if let limitPerClass, n >= limitPerClass { break }
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                if try train(message: Message(parsing: Array(data)), isSpam: isSpam) { n += 1 }
            }
            if isSpam { learned.spam = n } else { learned.ham = n }
        }
        return learned
    }

    /// Forgets every file in the given directories. The entry point for `moat bayes forget DIR...`.
    public func forget(directories: [String]) throws -> Int {
        var n = 0
        for file in try Self.files(in: directories) {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            if try forget(message: Message(parsing: Array(data))) { n += 1 }
        }
        return n
    }

    private static func files(in directories: [String]) throws -> [String] {
        var out: [String] = []
        for directory in directories {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw BayesError.notADirectory(directory)
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { !$0.hasPrefix(".") }.sorted()
            out.append(contentsOf: names.map { directory + "/" + $0 })
        }
        return out
    }
}

/// SpamAssassin's Bayes arithmetic: Robinson's per-token probability and chi-square combining.
enum BayesClassifier {
    static let s = 0.030, x = 0.538, minStrength = 0.346, significantTokens = 150

    /// Combines (spam count, ham count) of the message's known tokens into a spam probability.
    static func combine(_ counts: [(Int, Int)], spamMessages: Int, hamMessages: Int) -> Double {
        var probabilities: [Double] = []
        for (spam, ham) in counts where spam + ham > 0 {
            let sr = Double(spam) / Double(spamMessages)
            let hr = Double(ham) / Double(hamMessages)
            let raw = sr / (sr + hr)
            let n = Double(spam + ham)
            let p = (s * x + n * raw) / (s + n)
            if abs(p - 0.5) >= minStrength { probabilities.append(p) }
        }
        guard !probabilities.isEmpty else { return 0.5 }
        probabilities.sort { abs($0 - 0.5) > abs($1 - 0.5) }
        let used = probabilities.prefix(significantTokens)
        var lnSpam = 0.0, lnHam = 0.0
        for p in used {
            let q = min(max(p, 1e-10), 1 - 1e-10)
            lnSpam += log(1 - q)
            lnHam += log(q)
        }
        let n = used.count
        let sValue = 1 - chi2Q(-2 * lnSpam, 2 * n)
        let hValue = 1 - chi2Q(-2 * lnHam, 2 * n)
        return (1 + sValue - hValue) / 2
    }

    static func chi2Q(_ x2: Double, _ v: Int) -> Double {
        let m = x2 / 2
        var term = exp(-m)
        var sum = term
        if v / 2 > 1 {
            for i in 1..<(v / 2) {
                term *= m / Double(i)
                sum += term
            }
        }
        return min(sum, 1)
    }
}
