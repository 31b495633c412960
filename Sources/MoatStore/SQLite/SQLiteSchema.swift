import GRDB

/// The SQLite schema as GRDB migrations; `migrate()` applies those not yet recorded in `grdb_migrations`.
///
/// Dates are GRDB's default text form (`yyyy-MM-dd HH:mm:ss.SSS`, UTC), which sorts and compares as
/// text; recipient lists are JSON arrays.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1-initial") { db in
            try db.execute(sql: """
                CREATE TABLE scans (
                    id TEXT PRIMARY KEY NOT NULL,
                    received_at DATETIME NOT NULL,
                    content_hash TEXT NOT NULL,
                    message_id TEXT,
                    queue_id TEXT,
                    mail_from TEXT,
                    recipients TEXT NOT NULL DEFAULT '[]',
                    action TEXT NOT NULL,
                    score REAL NOT NULL,
                    category TEXT
                );
                CREATE INDEX scans_content_hash ON scans(content_hash);
                CREATE INDEX scans_received_at ON scans(received_at);

                CREATE TABLE engine_verdicts (
                    scan_id TEXT NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    engine TEXT NOT NULL,
                    label TEXT NOT NULL,
                    score REAL NOT NULL,
                    state TEXT NOT NULL,
                    elapsed_ms REAL NOT NULL,
                    PRIMARY KEY (scan_id, position)
                ) WITHOUT ROWID;
                CREATE INDEX engine_verdicts_engine ON engine_verdicts(engine);

                CREATE TABLE feedback (
                    scan_id TEXT PRIMARY KEY NOT NULL,
                    true_class TEXT NOT NULL,
                    source TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX feedback_at ON feedback(at);

                CREATE TABLE state_changes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    engine TEXT NOT NULL,
                    from_state TEXT NOT NULL,
                    to_state TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX state_changes_engine_at ON state_changes(engine, at);
                CREATE INDEX state_changes_at ON state_changes(at);

                CREATE TABLE quarantine (
                    scan_id TEXT PRIMARY KEY NOT NULL,
                    at DATETIME NOT NULL,
                    reason TEXT NOT NULL,
                    queue_id TEXT,
                    mail_from TEXT,
                    recipients TEXT NOT NULL DEFAULT '[]',
                    raw BLOB,
                    released_at DATETIME
                );
                CREATE INDEX quarantine_at ON quarantine(at);
                """)
        }
        migrator.registerMigration("2-scan-isolation") { db in
            try db.execute(sql: "ALTER TABLE scans ADD COLUMN isolation TEXT")
        }
        migrator.registerMigration("3-scan-features") { db in
            try db.execute(sql: "ALTER TABLE scans ADD COLUMN features TEXT")
        }
        migrator.registerMigration("4-tenants") { db in
            try db.execute(sql: """
                ALTER TABLE scans ADD COLUMN tenants TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE quarantine ADD COLUMN tenants TEXT NOT NULL DEFAULT '[]';
                CREATE TABLE tenants (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    domains TEXT NOT NULL DEFAULT '[]',
                    addresses TEXT NOT NULL DEFAULT '[]',
                    policy TEXT NOT NULL DEFAULT '{}',
                    updated_at DATETIME,
                    updated_by TEXT
                );
                CREATE TABLE tenant_changes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    tenant TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    change TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX tenant_changes_tenant_at ON tenant_changes(tenant, at);
                """)
        }
        migrator.registerMigration("5-outbound") { db in
            try db.execute(sql: """
                CREATE TABLE outbound_senders (
                    sender TEXT PRIMARY KEY NOT NULL,
                    body TEXT NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE TABLE outbound_alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sender TEXT NOT NULL,
                    at DATETIME NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX outbound_alerts_sender_at ON outbound_alerts(sender, at);
                CREATE TABLE held_messages (
                    id TEXT PRIMARY KEY NOT NULL,
                    state TEXT NOT NULL,
                    release_at DATETIME NOT NULL,
                    held_at DATETIME NOT NULL,
                    body TEXT NOT NULL
                );
                CREATE INDEX held_messages_state_release ON held_messages(state, release_at);
                """)
        }
        migrator.registerMigration("6-scan-detail") { db in
            try db.execute(sql: """
                ALTER TABLE scans ADD COLUMN subject TEXT;
                ALTER TABLE scans ADD COLUMN detail TEXT;
                CREATE TABLE quarantine_actions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    scan_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    at DATETIME NOT NULL
                );
                CREATE INDEX quarantine_actions_scan_at ON quarantine_actions(scan_id, at);
                CREATE INDEX quarantine_actions_at ON quarantine_actions(at);
                """)
        }
        return migrator
    }
}
