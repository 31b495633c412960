/// The PostgreSQL schema as numbered migrations; applied versions are rows of `schema_migrations`.
///
/// The same logical schema as `SQLiteSchema`, with native types: `timestamptz`, `text[]` recipients,
/// `bytea` message bytes. Each migration is a list of statements (the extended protocol runs one
/// statement per query), applied in one transaction together with its `schema_migrations` row.
enum PostgresSchema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var statements: [String]
    }

    /// Key of the advisory lock that serialises migrations of daemons starting together.
    static let migrationLockKey: Int64 = 0x4D6F_6174_5354_4F52 // "MoatSTOR"

    static let migrations: [Migration] = [
        Migration(version: 1, name: "initial", statements: [
            """
            CREATE TABLE scans (
                id text PRIMARY KEY,
                received_at timestamptz NOT NULL,
                content_hash text NOT NULL,
                message_id text,
                queue_id text,
                mail_from text,
                recipients text[] NOT NULL DEFAULT '{}',
                action text NOT NULL,
                score double precision NOT NULL,
                category text
            )
            """,
            "CREATE INDEX scans_content_hash ON scans (content_hash)",
            "CREATE INDEX scans_received_at ON scans (received_at)",
            """
            CREATE TABLE engine_verdicts (
                scan_id text NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
                position integer NOT NULL,
                engine text NOT NULL,
                label text NOT NULL,
                score double precision NOT NULL,
                state text NOT NULL,
                elapsed_ms double precision NOT NULL,
                PRIMARY KEY (scan_id, position)
            )
            """,
            "CREATE INDEX engine_verdicts_engine ON engine_verdicts (engine)",
            """
            CREATE TABLE feedback (
                scan_id text PRIMARY KEY,
                true_class text NOT NULL,
                source text NOT NULL,
                at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX feedback_at ON feedback (at)",
            """
            CREATE TABLE state_changes (
                id bigserial PRIMARY KEY,
                engine text NOT NULL,
                from_state text NOT NULL,
                to_state text NOT NULL,
                actor text NOT NULL,
                reason text NOT NULL,
                at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX state_changes_engine_at ON state_changes (engine, at)",
            "CREATE INDEX state_changes_at ON state_changes (at)",
            """
            CREATE TABLE quarantine (
                scan_id text PRIMARY KEY,
                at timestamptz NOT NULL,
                reason text NOT NULL,
                queue_id text,
                mail_from text,
                recipients text[] NOT NULL DEFAULT '{}',
                raw bytea,
                released_at timestamptz
            )
            """,
            "CREATE INDEX quarantine_at ON quarantine (at)",
        ]),
        Migration(version: 2, name: "scan isolation notes", statements: [
            "ALTER TABLE scans ADD COLUMN isolation text",
        ]),
        Migration(version: 3, name: "scan features for the learned combiner", statements: [
            "ALTER TABLE scans ADD COLUMN features text",
        ]),
        Migration(version: 4, name: "tenants", statements: [
            "ALTER TABLE scans ADD COLUMN tenants text[] NOT NULL DEFAULT '{}'",
            "ALTER TABLE quarantine ADD COLUMN tenants text[] NOT NULL DEFAULT '{}'",
            """
            CREATE TABLE tenants (
                id text PRIMARY KEY,
                name text NOT NULL,
                domains text[] NOT NULL DEFAULT '{}',
                addresses text[] NOT NULL DEFAULT '{}',
                policy text NOT NULL DEFAULT '{}',
                updated_at timestamptz,
                updated_by text
            )
            """,
            """
            CREATE TABLE tenant_changes (
                id bigserial PRIMARY KEY,
                tenant text NOT NULL,
                actor text NOT NULL,
                change text NOT NULL,
                at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX tenant_changes_tenant_at ON tenant_changes (tenant, at)",
        ]),
        Migration(version: 5, name: "outbound senders, alerts and held messages", statements: [
            "CREATE TABLE outbound_senders (sender text PRIMARY KEY, body text NOT NULL, updated_at timestamptz NOT NULL)",
            "CREATE TABLE outbound_alerts (id bigserial PRIMARY KEY, sender text NOT NULL, at timestamptz NOT NULL, body text NOT NULL)",
            "CREATE INDEX outbound_alerts_sender_at ON outbound_alerts (sender, at)",
            """
            CREATE TABLE held_messages (
                id text PRIMARY KEY,
                state text NOT NULL,
                release_at timestamptz NOT NULL,
                held_at timestamptz NOT NULL,
                body text NOT NULL
            )
            """,
            "CREATE INDEX held_messages_state_release ON held_messages (state, release_at)",
        ]),
        Migration(version: 6, name: "scan subject and detail, quarantine actions", statements: [
            "ALTER TABLE scans ADD COLUMN subject text",
            "ALTER TABLE scans ADD COLUMN detail text",
            """
            CREATE TABLE quarantine_actions (
                id bigserial PRIMARY KEY,
                scan_id text NOT NULL,
                kind text NOT NULL,
                actor text NOT NULL,
                detail text NOT NULL,
                at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX quarantine_actions_scan_at ON quarantine_actions (scan_id, at)",
            "CREATE INDEX quarantine_actions_at ON quarantine_actions (at)",
        ]),
        Migration(version: 7, name: "cluster nodes", statements: [
            """
            CREATE TABLE cluster_nodes (
                id text PRIMARY KEY,
                version text NOT NULL,
                address text NOT NULL,
                started_at timestamptz NOT NULL,
                heartbeat_at timestamptz NOT NULL,
                evaluator boolean NOT NULL DEFAULT false,
                listener_pid integer,
                engines text NOT NULL DEFAULT '{}'
            )
            """,
        ]),
        // Learned token counts (Bayes) shared by a cluster's nodes, per learning engine. `seq` is
        // the learning transaction that last changed a row: a node copies the rows newer than the
        // last one it applied. Learning transactions are serialised by the totals row's lock, so
        // sequence numbers commit in order.
        Migration(version: 8, name: "shared learning", statements: [
            "CREATE TABLE learned_totals (engine text PRIMARY KEY, nspam integer NOT NULL, nham integer NOT NULL, seq bigint NOT NULL)",
            """
            CREATE TABLE learned_tokens (
                engine text NOT NULL, token bigint NOT NULL, spam integer NOT NULL, ham integer NOT NULL, seq bigint NOT NULL,
                PRIMARY KEY (engine, token)
            )
            """,
            "CREATE INDEX learned_tokens_seq ON learned_tokens (engine, seq)",
            "CREATE TABLE learned_messages (engine text NOT NULL, msgid text NOT NULL, spam boolean NOT NULL, PRIMARY KEY (engine, msgid))",
        ]),
    ]
}
