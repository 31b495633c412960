import Foundation
import Logging
import Metrics
import MoatAdmin
import MoatCore
import PostgresNIO
import Synchronization

/// The learned token counts (Bayes) of a cluster, kept once in PostgreSQL and copied to every node.
///
/// Feedback to any node is learned in one database transaction (`learned_totals`' row lock puts
/// learning transactions in sequence order); each node then copies the rows changed since the last
/// sequence it applied into its local store, the file its spam engine scans with. Scans never read
/// the database, so they cost what they cost on a node of its own; a node is behind by at most one
/// notification, or one reconciliation when a notification is missed.
///
/// The first node to find the shared store empty uploads its local counts (the shipped seed), so a
/// new cluster's Bayes votes from the first message, as a single node's does; a node joining later
/// replaces its local counts with the shared ones.
final class SharedLearning: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// Engine name → the last learning sequence copied into the local store (absent: never copied).
    private let applied = Mutex<[String: Int64]>([:])
    /// One copy at a time: two concurrent copies could apply an older snapshot after a newer one.
    private let requests: AsyncStream<Void>.Continuation
    private let stream: AsyncStream<Void>
    /// Rows per statement when a node uploads its counts to an empty shared store.
    static let uploadChunk = 10_000

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        (stream, requests) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a copy of what changed (coalesced with any copy already asked for).
    func requestSync() {
        requests.yield()
    }

    /// Copies changes whenever asked, one copy at a time, until cancelled.
    func run(learners: @escaping @Sendable () -> EngineSupervisor.Learners) async {
        for await _ in stream {
            if Task.isCancelled { return }
            await sync(learners())
        }
    }

    /// Brings every local store up to date with the shared one.
    func sync(_ learners: EngineSupervisor.Learners) async {
        for (engine, store) in learners.stores.sorted(by: { $0.key < $1.key }) {
            do {
                try await sync(engine: engine, store: store, learners: learners)
            } catch {
                Counter(label: "moat_cluster_learning_syncs_total", dimensions: [("result", "failed")]).increment()
                logger.warning("cannot copy the shared learned counts", metadata: ["engine.name": "\(engine)", "error.message": "\(String(reflecting: error))"])
            }
        }
    }

    func sync(engine: String, store: any TokenLearner, learners: EngineSupervisor.Learners) async throws {
        let last = applied.withLock { $0[engine] }
        if last == nil { try await uploadIfEmpty(engine: engine, store: store, learners: learners) }
        let since = last ?? -1
        // One snapshot for the totals and the rows, so they belong together.
        let copy: (TokenCounts, Int64)? = try await client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger)
            do {
                var totals: (Int, Int, Int64)?
                for try await row in try await connection.query(
                    "SELECT nspam, nham, seq FROM learned_totals WHERE engine = \(engine)", logger: self.logger
                ).decode((Int32, Int32, Int64).self) {
                    totals = (Int(row.0), Int(row.1), row.2)
                }
                guard let totals, totals.2 > since else {
                    try await connection.query("COMMIT", logger: self.logger)
                    return nil
                }
                var counts = TokenCounts(spamMessages: totals.0, hamMessages: totals.1)
                for try await (token, spam, ham) in try await connection.query(
                    "SELECT token, spam, ham FROM learned_tokens WHERE engine = \(engine) AND seq > \(since)", logger: self.logger
                ).decode((Int64, Int32, Int32).self) {
                    counts.tokens.append(token)
                    counts.spam.append(Int(spam))
                    counts.ham.append(Int(ham))
                }
                try await connection.query("COMMIT", logger: self.logger)
                return (counts, totals.2)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
        guard let (counts, sequence) = copy else {
            if last == nil { applied.withLock { $0[engine] = since } }
            return
        }
        let complete = last == nil
        let write: @Sendable () throws -> Void = { try store.replicate(counts, complete: complete) }
        try await learners.run(write)
        applied.withLock { $0[engine] = sequence }
        Counter(label: "moat_cluster_learning_syncs_total", dimensions: [("result", "ok")]).increment()
        Counter(label: "moat_cluster_applied_total", dimensions: [("kind", "tokens")]).increment(by: counts.tokens.count)
        logger.debug("shared learned counts copied", metadata: [
            "engine.name": "\(engine)", "learning.sequence": "\(sequence)", "learning.tokens": "\(counts.tokens.count)", "learning.complete": "\(complete)",
        ])
    }

    /// Seeds an empty shared store from this node's local counts.
    private func uploadIfEmpty(engine: String, store: any TokenLearner, learners: EngineSupervisor.Learners) async throws {
        let read: @Sendable () throws -> TokenCounts = { try store.snapshot() }
        let local = try await learners.run(read)
        guard local.spamMessages + local.hamMessages > 0 else { return }
        let uploaded = try await client.withTransaction(logger: logger) { connection -> Bool in
            let sequence = try await Self.lockTotals(connection, engine: engine, logger: self.logger)
            var learned = 0
            for try await (spam, ham) in try await connection.query(
                "SELECT nspam, nham FROM learned_totals WHERE engine = \(engine)", logger: self.logger
            ).decode((Int32, Int32).self) {
                learned = Int(spam) + Int(ham)
            }
            guard learned == 0 else { return false }
            for start in stride(from: 0, to: local.tokens.count, by: Self.uploadChunk) {
                let end = min(local.tokens.count, start + Self.uploadChunk)
                let tokens = Array(local.tokens[start..<end])
                let spam = local.spam[start..<end].map { Int32(clamping: $0) }
                let ham = local.ham[start..<end].map { Int32(clamping: $0) }
                try await connection.query("""
                    INSERT INTO learned_tokens (engine, token, spam, ham, seq)
                    SELECT \(engine), t.token, t.spam, t.ham, \(sequence) FROM unnest(\(tokens)::bigint[], \(spam)::integer[], \(ham)::integer[]) AS t(token, spam, ham)
                    ON CONFLICT (engine, token) DO UPDATE SET spam = EXCLUDED.spam, ham = EXCLUDED.ham, seq = EXCLUDED.seq
                    """, logger: self.logger)
            }
            try await connection.query("""
                UPDATE learned_totals SET nspam = \(Int32(clamping: local.spamMessages)), nham = \(Int32(clamping: local.hamMessages)) WHERE engine = \(engine)
                """, logger: self.logger)
            return true
        }
        if uploaded {
            logger.notice("shared learned store was empty: seeded from this node's counts", metadata: [
                "engine.name": "\(engine)", "learning.tokens": "\(local.tokens.count)",
                "learning.spam": "\(local.spamMessages)", "learning.ham": "\(local.hamMessages)",
            ])
        }
    }

    /// Learns one message for the cluster. False when it was already learned as that class.
    func learn(_ lesson: TokenLesson, engine: String) async throws -> Bool {
        let tokens = Array(Set(lesson.tokens)).sorted()
        return try await client.withTransaction(logger: logger) { connection -> Bool in
            let sequence = try await Self.lockTotals(connection, engine: engine, logger: self.logger)
            var previous: Bool?
            for try await spam in try await connection.query(
                "SELECT spam FROM learned_messages WHERE engine = \(engine) AND msgid = \(lesson.messageID)", logger: self.logger
            ).decode(Bool.self) {
                previous = spam
            }
            if previous == lesson.isSpam { return false }
            if let previous {
                // Learned before as the other class: take it back out of that class first.
                let (spam, ham): (Int32, Int32) = previous ? (1, 0) : (0, 1)
                try await connection.query("""
                    UPDATE learned_tokens SET spam = GREATEST(0, spam - \(spam)), ham = GREATEST(0, ham - \(ham)), seq = \(sequence)
                    WHERE engine = \(engine) AND token = ANY(\(tokens)::bigint[])
                    """, logger: self.logger)
                try await connection.query("""
                    UPDATE learned_totals SET nspam = GREATEST(0, nspam - \(spam)), nham = GREATEST(0, nham - \(ham)) WHERE engine = \(engine)
                    """, logger: self.logger)
            }
            let (spam, ham): (Int32, Int32) = lesson.isSpam ? (1, 0) : (0, 1)
            try await connection.query("""
                INSERT INTO learned_tokens (engine, token, spam, ham, seq)
                SELECT \(engine), t, \(spam), \(ham), \(sequence) FROM unnest(\(tokens)::bigint[]) AS t
                ON CONFLICT (engine, token) DO UPDATE
                SET spam = learned_tokens.spam + EXCLUDED.spam, ham = learned_tokens.ham + EXCLUDED.ham, seq = EXCLUDED.seq
                """, logger: self.logger)
            try await connection.query("""
                UPDATE learned_totals SET nspam = nspam + \(spam), nham = nham + \(ham) WHERE engine = \(engine)
                """, logger: self.logger)
            try await connection.query("""
                INSERT INTO learned_messages (engine, msgid, spam) VALUES (\(engine), \(lesson.messageID), \(lesson.isSpam))
                ON CONFLICT (engine, msgid) DO UPDATE SET spam = EXCLUDED.spam
                """, logger: self.logger)
            return true
        }
    }

    /// Takes the engine's totals row (created if needed) for this transaction and returns the
    /// transaction's sequence number.
    private static func lockTotals(_ connection: PostgresConnection, engine: String, logger: Logger) async throws -> Int64 {
        try await connection.query("""
            INSERT INTO learned_totals (engine, nspam, nham, seq) VALUES (\(engine), 0, 0, 0) ON CONFLICT (engine) DO NOTHING
            """, logger: logger)
        var sequence: Int64 = 0
        for try await value in try await connection.query(
            "UPDATE learned_totals SET seq = seq + 1 WHERE engine = \(engine) RETURNING seq", logger: logger
        ).decode(Int64.self) {
            sequence = value
        }
        return sequence
    }
}
