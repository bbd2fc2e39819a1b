//! The PostgreSQL audit store, for teams running several bot instances or
//! shards against one database. Schema from `migrations/postgres`.
//!
//! Appends run in a transaction that first takes a transaction-scoped
//! advisory lock ([`APPEND_LOCK`]), so writers in any number of processes
//! queue up and the chain stays one line; the primary key on `seq` and the
//! unique `prev_hash` would turn any slip into an error, never a fork.
//! This module only reads and inserts: it has no UPDATE or DELETE statement.

use super::chain::{self, ChainWalk, RawRecord, GENESIS_PREV_HASH};
use super::{check_storable, AuditError, AuditRecord, AuditStore, Filter, NewRecord, Verification};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use std::str::FromStr;
use std::time::Duration;

/// The `pg_advisory_xact_lock` key every SafeTweet writer takes before
/// reading the chain's tail ("SAFE7EE7" + "A0D1" for audit).
pub const APPEND_LOCK: i64 = 0x5AFE_7EE7_A0D1_0001;

const VERIFY_PAGE: i64 = 2_000;

pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn open(url: &str) -> Result<PostgresStore, AuditError> {
        let options = PgConnectOptions::from_str(url)?.application_name("safetweet");
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool })
    }

    /// The underlying pool (for tests and tools).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

const COLUMNS: &str = "seq, time, kind, actor_id, actor_name, guild_id, channel_id, message_id, author_id, \
     content_sha256, rules_version, verdict, findings, text, reason, roles, prev_hash, hash";

fn raw_from_row(row: &PgRow) -> Result<RawRecord, sqlx::Error> {
    let time: DateTime<Utc> = row.try_get("time")?;
    Ok(RawRecord {
        seq: row.try_get("seq")?,
        time: chain::format_time(&time),
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

fn parse_row(row: &PgRow) -> Result<AuditRecord, AuditError> {
    let raw = raw_from_row(row)?;
    let seq = raw.seq;
    raw.into_record().map_err(|problem| AuditError::Corrupt { seq, problem })
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append(&self, record: NewRecord) -> Result<AuditRecord, AuditError> {
        let record = check_storable(record)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(APPEND_LOCK).execute(&mut *tx).await?;
        // Read committed: this statement's snapshot is taken after the lock, so
        // it sees the previous holder's committed record.
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
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(raw.seq)
        .bind(stored.record.time)
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
        let mut q: QueryBuilder<Postgres> =
            QueryBuilder::new(format!("SELECT {COLUMNS} FROM audit_records WHERE TRUE"));
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
        if let Some(since) = filter.since {
            q.push(" AND time >= ").push_bind(since);
        }
        if let Some(until) = filter.until {
            q.push(" AND time <= ").push_bind(until);
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
        // One snapshot for the whole walk, so concurrent appends cannot show a half-chain.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(&format!(
                "SELECT {COLUMNS} FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT {VERIFY_PAGE}"
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
