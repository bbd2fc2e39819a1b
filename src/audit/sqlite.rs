//! The SQLite audit store, the embedded default: one file, WAL,
//! `synchronous=FULL` (a record acknowledged by `append` survives a crash or
//! power loss), schema from `migrations/sqlite` on first use.
//!
//! Appends are serialized twice over: a mutex inside the process, and
//! `BEGIN IMMEDIATE` (which takes SQLite's write lock before reading the tail)
//! across processes, with a busy timeout so a second process waits its turn.
//! This module only reads and inserts: it has no UPDATE or DELETE statement.

use super::chain::{self, ChainWalk, RawRecord, GENESIS_PREV_HASH};
use super::{check_storable, AuditError, AuditRecord, AuditStore, Filter, NewRecord, Verification};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// How many records `verify` reads per query.
const VERIFY_PAGE: i64 = 2_000;

pub struct SqliteStore {
    pool: SqlitePool,
    write_lock: tokio::sync::Mutex<()>,
}

impl SqliteStore {
    /// Opens (creating if `create`) the database at a `sqlite:` URL and brings
    /// its schema up to date.
    pub async fn open(url: &str, create: bool) -> Result<SqliteStore, AuditError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = SqlitePoolOptions::new()
            // An in-memory database exists once per connection: keep one.
            .max_connections(if in_memory { 1 } else { 4 })
            .min_connections(if in_memory { 1 } else { 0 })
            .idle_timeout(if in_memory { None } else { Some(Duration::from_secs(600)) })
            .max_lifetime(if in_memory { None } else { Some(Duration::from_secs(3600)) })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool, write_lock: tokio::sync::Mutex::new(()) })
    }

    /// The underlying pool (for tests and tools that inspect the file).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

const COLUMNS: &str = "seq, time, kind, actor_id, actor_name, guild_id, channel_id, message_id, author_id, \
     content_sha256, rules_version, verdict, findings, text, reason, roles, prev_hash, hash";

fn raw_from_row(row: &SqliteRow) -> Result<RawRecord, sqlx::Error> {
    Ok(RawRecord {
        seq: row.try_get("seq")?,
        time: row.try_get("time")?,
        kind: row.try_get("kind")?,
        actor_id: row.try_get("actor_id")?,
        actor_name: row.try_get("actor_name")?,
        guild_id: row.try_get("guild_id")?,
        channel_id: row.try_get("channel_id")?,
        message_id: row.try_get("message_id")?,
        author_id: row.try_get("author_id")?,
        content_sha256: row.try_get("content_sha256")?,
        rules_version: row.try_get("rules_version")?,
        verdict: row.try_get("verdict")?,
        findings: row.try_get("findings")?,
        text: row.try_get("text")?,
        reason: row.try_get("reason")?,
        roles: row.try_get("roles")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

fn parse_row(row: &SqliteRow) -> Result<AuditRecord, AuditError> {
    let raw = raw_from_row(row)?;
    let seq = raw.seq;
    raw.into_record().map_err(|problem| AuditError::Corrupt { seq, problem })
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append(&self, record: NewRecord) -> Result<AuditRecord, AuditError> {
        let record = check_storable(record)?;
        let _writer = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let tail = sqlx::query("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        let (seq, prev_hash) = match tail {
            Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
            None => (1, GENESIS_PREV_HASH.to_string()),
        };
        let hash = chain::record_hash(seq, &record, &prev_hash);
        let stored = AuditRecord { seq, record, prev_hash, hash };
        let raw = RawRecord::from_record(&stored);
        sqlx::query(
            "INSERT INTO audit_records (seq, time, kind, actor_id, actor_name, guild_id, channel_id, message_id, \
             author_id, content_sha256, rules_version, verdict, findings, text, reason, roles, prev_hash, hash) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(raw.seq)
        .bind(raw.time)
        .bind(raw.kind)
        .bind(raw.actor_id)
        .bind(raw.actor_name)
        .bind(raw.guild_id)
        .bind(raw.channel_id)
        .bind(raw.message_id)
        .bind(raw.author_id)
        .bind(raw.content_sha256)
        .bind(raw.rules_version)
        .bind(raw.verdict)
        .bind(raw.findings)
        .bind(raw.text)
        .bind(raw.reason)
        .bind(raw.roles)
        .bind(raw.prev_hash)
        .bind(raw.hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn query(&self, filter: &Filter) -> Result<Vec<AuditRecord>, AuditError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {COLUMNS} FROM audit_records WHERE 1=1"));
        if let Some(id) = filter.actor {
            q.push(" AND actor_id = ").push_bind(id.to_string());
        }
        if let Some(id) = filter.author {
            q.push(" AND author_id = ").push_bind(id.to_string());
        }
        if let Some(id) = filter.channel {
            q.push(" AND channel_id = ").push_bind(id.to_string());
        }
        if let Some(id) = filter.message {
            q.push(" AND message_id = ").push_bind(id.to_string());
        }
        if let Some(kind) = filter.kind {
            q.push(" AND kind = ").push_bind(kind.as_str());
        }
        // Stored times are fixed-width RFC 3339 UTC, so text order is time order.
        if let Some(since) = filter.since {
            q.push(" AND time >= ").push_bind(chain::format_time(&since));
        }
        if let Some(until) = filter.until {
            q.push(" AND time <= ").push_bind(chain::format_time(&until));
        }
        q.push(" ORDER BY seq");
        if let Some(limit) = filter.limit {
            q.push(" LIMIT ").push_bind(limit.max(0));
        }
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter().map(parse_row).collect()
    }

    async fn verify(&self) -> Result<Verification, AuditError> {
        let mut walk = ChainWalk::new();
        // Read in one snapshot so a concurrent append cannot show a half-chain.
        let mut tx = self.pool.begin().await?;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_records WHERE seq > ? ORDER BY seq LIMIT {VERIFY_PAGE}"
            ))
            .bind(after)
            .fetch_all(&mut *tx)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("seq")?;
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                let raw = match raw_from_row(row) {
                    Ok(raw) => raw,
                    Err(e) => {
                        return Ok(Verification::Broken { seq, problem: format!("unreadable record: {e}") });
                    }
                };
                if let Err((seq, problem)) = walk.step(raw) {
                    return Ok(Verification::Broken { seq, problem });
                }
            }
        }
        tx.commit().await?;
        Ok(walk.finish())
    }

    async fn head(&self) -> Result<Option<AuditRecord>, AuditError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_records ORDER BY seq DESC LIMIT 1"))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(parse_row).transpose()
    }
}
