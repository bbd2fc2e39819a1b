-- The audit log: one row per record, chained by prev_hash -> hash.
-- Ids are decimal strings (Discord snowflakes are u64; SQLite integers are i64).
-- time is RFC 3339 UTC with microseconds ("2026-11-26T10:11:00.123456Z"):
-- fixed width, so text order is time order.
CREATE TABLE audit_records (
    seq            INTEGER PRIMARY KEY CHECK (seq >= 1),
    time           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    actor_id       TEXT    NOT NULL,
    actor_name     TEXT    NOT NULL,
    guild_id       TEXT,
    channel_id     TEXT    NOT NULL,
    message_id     TEXT    NOT NULL,
    author_id      TEXT    NOT NULL,
    content_sha256 TEXT    NOT NULL,
    rules_version  TEXT    NOT NULL,
    verdict        TEXT,
    findings       TEXT    NOT NULL, -- JSON array of {"rule","category"}
    text           TEXT,
    reason         TEXT,
    roles          TEXT    NOT NULL, -- JSON array of role ids as strings
    prev_hash      TEXT    NOT NULL UNIQUE,
    hash           TEXT    NOT NULL UNIQUE
) STRICT;

CREATE INDEX audit_records_message ON audit_records (message_id);
CREATE INDEX audit_records_actor ON audit_records (actor_id);
CREATE INDEX audit_records_author ON audit_records (author_id);
CREATE INDEX audit_records_channel ON audit_records (channel_id);
CREATE INDEX audit_records_time ON audit_records (time);

-- Append-only: the code has no update or delete path, and the database refuses both.
CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only: UPDATE is not allowed');
END;

CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN
    SELECT RAISE(ABORT, 'audit records are append-only: DELETE is not allowed');
END;
