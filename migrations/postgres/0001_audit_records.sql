-- The audit log: one row per record, chained by prev_hash -> hash.
-- Ids are decimal strings (Discord snowflakes are u64; BIGINT is i64).
CREATE TABLE audit_records (
    seq            BIGINT      PRIMARY KEY CHECK (seq >= 1),
    time           TIMESTAMPTZ NOT NULL,
    kind           TEXT        NOT NULL,
    actor_id       TEXT        NOT NULL,
    actor_name     TEXT        NOT NULL,
    guild_id       TEXT,
    channel_id     TEXT        NOT NULL,
    message_id     TEXT        NOT NULL,
    author_id      TEXT        NOT NULL,
    content_sha256 TEXT        NOT NULL,
    rules_version  TEXT        NOT NULL,
    verdict        TEXT,
    findings       TEXT        NOT NULL, -- JSON array of {"rule","category"}
    text           TEXT,
    reason         TEXT,
    roles          TEXT        NOT NULL, -- JSON array of role ids as strings
    prev_hash      TEXT        NOT NULL UNIQUE,
    hash           TEXT        NOT NULL UNIQUE
);

CREATE INDEX audit_records_message ON audit_records (message_id);
CREATE INDEX audit_records_actor ON audit_records (actor_id);
CREATE INDEX audit_records_author ON audit_records (author_id);
CREATE INDEX audit_records_channel ON audit_records (channel_id);
CREATE INDEX audit_records_time ON audit_records (time);

-- Append-only: the code has no update or delete path, and the database refuses
-- UPDATE, DELETE and TRUNCATE.
CREATE FUNCTION audit_records_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % is not allowed', TG_OP;
END
$$;

CREATE TRIGGER audit_records_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_records
    FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();

CREATE TRIGGER audit_records_no_truncate
    BEFORE TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
