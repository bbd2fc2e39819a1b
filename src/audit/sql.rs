//! What the two SQL stores share, written once and generic over the database:
//! reading a row into a [`RawRecord`], the filtered SELECT, `head`, the paged
//! `verify` walk, the read-the-tail-then-INSERT step of `append`, and the
//! schema check of a read-only open.
//!
//! What differs is small: the bind placeholders and how the `time` column is
//! stored are [`Dialect`]; connecting, how appends are serialized (a mutex and
//! `BEGIN IMMEDIATE`, or an advisory lock) and how the read snapshot of
//! `verify` is begun stay in `sqlite.rs` / `postgres.rs`. Like the stores,
//! this module only SELECTs and INSERTs, and it does not touch the canonical
//! encoding or the hash ([`super::chain`]).

use super::chain::{self, ChainWalk, RawRecord, GENESIS_PREV_HASH};
use super::{AuditError, AuditKey, AuditRecord, Filter, NewRecord, Verification, VerifyOptions, VerifyReport};
use chrono::{DateTime, Utc};
use sqlx::query::Query;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};
use std::marker::PhantomData;

/// How many records `verify` reads per query.
const VERIFY_PAGE: i64 = 2_000;

const COLUMNS: &str = "seq, time, kind, actor_id, actor_name, guild_id, channel_id, message_id, author_id, \
     content_sha256, rules_version, verdict, findings, text, reason, roles, prev_hash, hash, mac, sealed_text";

/// What differs in the SQL itself: the bind placeholders, and the one column
/// whose type differs (SQLite keeps `time` as RFC 3339 text, PostgreSQL as
/// `TIMESTAMPTZ`; every other column is text or a 64-bit integer in both).
pub(crate) trait Dialect: Database {
    /// The Rust type the `time` column is bound and read as.
    type Time: for<'q> Encode<'q, Self> + for<'r> Decode<'r, Self> + Type<Self> + Send + 'static;
    /// The placeholder of the `n`th bound value (from 1): `?` or `$n`.
    fn placeholder(n: usize) -> String;
    /// A time as bound in an INSERT or a filter.
    fn time_value(t: &DateTime<Utc>) -> Self::Time;
    /// A time as read, as the text a [`RawRecord`] carries.
    fn time_text(t: Self::Time) -> String;
}

impl Dialect for sqlx::Sqlite {
    type Time = String;
    fn placeholder(_n: usize) -> String {
        "?".to_string()
    }
    fn time_value(t: &DateTime<Utc>) -> String {
        chain::format_time(t)
    }
    /// Kept verbatim, so an edited time is caught by `verify`.
    fn time_text(t: String) -> String {
        t
    }
}

impl Dialect for sqlx::Postgres {
    type Time = DateTime<Utc>;
    fn placeholder(n: usize) -> String {
        format!("${n}")
    }
    fn time_value(t: &DateTime<Utc>) -> DateTime<Utc> {
        *t
    }
    fn time_text(t: DateTime<Utc>) -> String {
        chain::format_time(&t)
    }
}

/// A value bound in a filtered SELECT.
enum Value<Time> {
    Text(String),
    Time(Time),
    Int(i64),
}

/// The SELECT for `filter` with `DB`'s placeholders, and the values to bind
/// in order.
fn select_where<DB: Dialect>(filter: &Filter) -> (String, Vec<Value<DB::Time>>) {
    let mut sql = format!("SELECT {COLUMNS} FROM audit_records WHERE 1=1");
    let mut values = Vec::new();
    let mut condition = |sql: &mut String, column: &str, op: &str, value: Value<DB::Time>| {
        values.push(value);
        sql.push_str(&format!(" AND {column} {op} {}", DB::placeholder(values.len())));
    };
    // Ids are stored as decimal text.
    let ids = [
        ("actor_id", filter.actor),
        ("author_id", filter.author),
        ("channel_id", filter.channel),
        ("message_id", filter.message),
    ];
    for (column, id) in ids {
        if let Some(id) = id {
            condition(&mut sql, column, "=", Value::Text(id.to_string()));
        }
    }
    if let Some(kind) = filter.kind {
        condition(&mut sql, "kind", "=", Value::Text(kind.as_str().to_string()));
    }
    // SQLite's stored times are fixed-width RFC 3339 UTC, so text order is time order.
    if let Some(since) = filter.since {
        condition(&mut sql, "time", ">=", Value::Time(DB::time_value(&since)));
    }
    if let Some(until) = filter.until {
        condition(&mut sql, "time", "<=", Value::Time(DB::time_value(&until)));
    }
    sql.push_str(" ORDER BY seq");
    if let Some(limit) = filter.limit {
        values.push(Value::Int(limit.max(0)));
        sql.push_str(&format!(" LIMIT {}", DB::placeholder(values.len())));
    }
    (sql, values)
}

/// The placeholders of values 1 to `count`, comma-separated.
fn placeholders<DB: Dialect>(count: usize) -> String {
    (1..=count).map(DB::placeholder).collect::<Vec<_>>().join(", ")
}

/// Whether every migration of `migrator` has been applied to the database
/// behind `pool` (read only: what the read-side stores check instead of migrating).
pub(crate) async fn check_schema<DB>(
    pool: &sqlx::Pool<DB>,
    migrator: &sqlx::migrate::Migrator,
) -> Result<(), AuditError>
where
    DB: sqlx::Database,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    i64: sqlx::Type<DB> + for<'r> sqlx::Decode<'r, DB>,
    for<'a> &'a str: sqlx::ColumnIndex<DB::Row>,
{
    use sqlx::Row;
    let rows = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await
        .map_err(|_| AuditError::Schema("no SafeTweet audit log in this database (no schema yet)".into()))?;
    let applied: Vec<i64> = rows.iter().filter_map(|r| r.try_get("version").ok()).collect();
    if migrator.iter().any(|m| !applied.contains(&m.version)) {
        return Err(AuditError::Schema(
            "the audit log's schema is older than this SafeTweet; start the bot (safetweet serve) once to upgrade it"
                .into(),
        ));
    }
    Ok(())
}

/// The `audit_records` table of a database of dialect `DB` (only associated
/// functions: the stores own their pools and transactions).
pub(crate) struct Records<DB>(PhantomData<DB>);

impl<DB: Dialect> Records<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Decode<'q, DB> + Type<DB>,
    for<'a> &'a str: ColumnIndex<DB::Row>,
{
    fn raw_from_row(row: &DB::Row) -> Result<RawRecord, sqlx::Error> {
        Ok(RawRecord {
            seq: row.try_get("seq")?,
            time: DB::time_text(row.try_get("time")?),
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
            sealed_text: row.try_get("sealed_text")?,
            reason: row.try_get("reason")?,
            roles: row.try_get("roles")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
            mac: row.try_get("mac")?,
        })
    }

    fn parse_row(row: &DB::Row) -> Result<AuditRecord, AuditError> {
        let raw = Self::raw_from_row(row)?;
        let seq = raw.seq;
        raw.into_record().map_err(|problem| AuditError::Corrupt { seq, problem })
    }

    /// Appends `record` (already [`check_storable`](super::check_storable))
    /// after the current tail, inside the caller's transaction, with its MAC
    /// when there is a key. The caller holds the append lock and commits.
    pub async fn append_in(
        conn: &mut DB::Connection,
        record: NewRecord,
        key: Option<&AuditKey>,
    ) -> Result<AuditRecord, AuditError> {
        let tail = sqlx::query("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
        let (seq, prev_hash) = match tail {
            Some(row) => (row.try_get::<i64, _>("seq")? + 1, row.try_get::<String, _>("hash")?),
            None => (1, GENESIS_PREV_HASH.to_string()),
        };
        let hash = chain::record_hash(seq, &record, &prev_hash);
        let mac = key.map(|k| k.mac(&hash));
        let stored = AuditRecord { seq, record, prev_hash, hash, mac };
        let raw = RawRecord::from_record(&stored);
        let insert = format!("INSERT INTO audit_records ({COLUMNS}) VALUES ({})", placeholders::<DB>(20));
        sqlx::query(&insert)
            .bind(raw.seq)
            .bind(DB::time_value(&stored.record.time))
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
            .bind(raw.mac)
            .bind(raw.sealed_text)
            .execute(&mut *conn)
            .await?;
        Ok(stored)
    }

    /// Records matching the filter, oldest first.
    pub async fn query(pool: &Pool<DB>, filter: &Filter) -> Result<Vec<AuditRecord>, AuditError> {
        let (sql, values) = select_where::<DB>(filter);
        let mut query: Query<'_, DB, _> = sqlx::query(&sql);
        for value in values {
            query = match value {
                Value::Text(text) => query.bind(text),
                Value::Time(time) => query.bind(time),
                Value::Int(n) => query.bind(n),
            };
        }
        let rows = query.fetch_all(pool).await?;
        rows.iter().map(Self::parse_row).collect()
    }

    /// The last record of the chain.
    pub async fn head(pool: &Pool<DB>) -> Result<Option<AuditRecord>, AuditError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM audit_records ORDER BY seq DESC LIMIT 1"))
            .fetch_optional(pool)
            .await?;
        row.as_ref().map(Self::parse_row).transpose()
    }

    /// Walks the whole chain on `conn`, [`VERIFY_PAGE`] records per query. The
    /// caller begins a transaction that reads one snapshot (so a concurrent
    /// append cannot show a half-chain, and the head reported is the one
    /// walked) and ends it.
    pub async fn verify_in(conn: &mut DB::Connection, options: &VerifyOptions) -> Result<VerifyReport, AuditError> {
        let broken = |seq, problem| VerifyReport {
            verification: Verification::Broken { seq, problem },
            head: None,
            authenticated_from: None,
        };
        let page = format!(
            "SELECT {COLUMNS} FROM audit_records WHERE seq > {} ORDER BY seq LIMIT {VERIFY_PAGE}",
            DB::placeholder(1)
        );
        let mut walk = ChainWalk::with(options.clone());
        let mut after = 0i64;
        loop {
            let rows = sqlx::query(&page).bind(after).fetch_all(&mut *conn).await?;
            let Some(last) = rows.last() else { break };
            after = last.try_get("seq")?;
            for row in &rows {
                let seq: i64 = row.try_get("seq")?;
                let raw = match Self::raw_from_row(row) {
                    Ok(raw) => raw,
                    Err(e) => return Ok(broken(seq, format!("unreadable record: {e}"))),
                };
                if let Err((seq, problem)) = walk.step(raw) {
                    return Ok(broken(seq, problem));
                }
            }
        }
        Ok(walk.finish())
    }
}
