//! The PostgreSQL audit store, for teams running several bot instances or
//! shards against one database. Schema from `migrations/postgres`.
//!
//! Connections to a host other than this machine are encrypted
//! ([`connect_options`]).
//!
//! Appends run in a transaction that first takes a transaction-scoped
//! advisory lock ([`APPEND_LOCK`]), so writers in any number of processes
//! queue up and the chain stays one line; the primary key on `seq` and the
//! unique `prev_hash` would turn any slip into an error, never a fork.
//! This module only reads and inserts: it has no UPDATE or DELETE statement.

use super::sql::Records;
use super::{
    check_storable, AuditError, AuditKey, AuditRecord, AuditStore, Filter, NewRecord, VerifyOptions, VerifyReport,
};
use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{PgPool, Postgres};
use std::str::FromStr;
use std::time::Duration;

/// The `pg_advisory_xact_lock` key every SafeTweet writer takes before
/// reading the chain's tail ("SAFE7EE7" + "A0D1" for audit).
pub const APPEND_LOCK: i64 = 0x5AFE_7EE7_A0D1_0001;

/// Connection options for a `postgres://` URL, with SafeTweet's TLS policy:
/// to a host other than this machine, the connection must be encrypted.
/// libpq's default `sslmode=prefer` (and `allow`) silently fall back to
/// plain text, drafts and the password included, so for such a host they
/// become `require`; only an explicit `sslmode=disable` turns TLS off, and
/// `verify-ca` / `verify-full` (with `sslrootcert=`) also check the
/// server's certificate. A loopback address or a Unix socket keeps the
/// URL's mode.
pub fn connect_options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    let local = options.get_socket().is_some() || is_loopback(options.get_host());
    Ok(match options.get_ssl_mode() {
        PgSslMode::Allow | PgSslMode::Prefer if !local => options.ssl_mode(PgSslMode::Require),
        _ => options,
    })
}

/// `localhost`, 127.0.0.0/8 or ::1 (with or without brackets).
fn is_loopback(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

pub struct PostgresStore {
    pool: PgPool,
    /// With a key, every appended record carries its MAC.
    key: Option<AuditKey>,
}

impl PostgresStore {
    pub async fn open(url: &str) -> Result<PostgresStore, AuditError> {
        let options = connect_options(url)?.application_name("safetweet");
        let pool = PgPoolOptions::new()
            .max_connections(5)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore { pool, key: None })
    }

    /// Appends with this key's MAC on every record from now on.
    pub fn with_key(mut self, key: Option<AuditKey>) -> PostgresStore {
        self.key = key;
        self
    }

    /// For the read-side commands: no migrations, and every transaction of
    /// the session read-only (`default_transaction_read_only`). The schema
    /// must be the one this version writes.
    pub async fn open_read_only(url: &str) -> Result<PostgresStore, AuditError> {
        let options = connect_options(url)?
            .application_name("safetweet audit")
            .options([("default_transaction_read_only", "on")]);
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        super::sql::check_schema(&pool, &sqlx::migrate!("./migrations/postgres")).await?;
        Ok(PostgresStore { pool, key: None })
    }
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn append(&self, record: NewRecord) -> Result<AuditRecord, AuditError> {
        let record = check_storable(record)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(APPEND_LOCK).execute(&mut *tx).await?;
        // Read committed: the tail is read by a statement whose snapshot is
        // taken after the lock, so it sees the previous holder's committed record.
        let stored = Records::<Postgres>::append_in(&mut tx, record, self.key.as_ref()).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn query(&self, filter: &Filter) -> Result<Vec<AuditRecord>, AuditError> {
        Records::<Postgres>::query(&self.pool, filter).await
    }

    async fn verify_with(&self, options: &VerifyOptions) -> Result<VerifyReport, AuditError> {
        // One snapshot for the whole walk, so concurrent appends cannot show a half-chain.
        let mut tx = self.pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await?;
        let verification = Records::<Postgres>::verify_in(&mut tx, options).await?;
        tx.commit().await?;
        Ok(verification)
    }

    async fn head(&self) -> Result<Option<AuditRecord>, AuditError> {
        Records::<Postgres>::head(&self.pool).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> PgSslMode {
        connect_options(url).unwrap().get_ssl_mode()
    }

    #[test]
    fn tls_is_required_for_other_hosts_unless_the_url_says_sslmode_disable() {
        for url in [
            "postgres://u@db.example.com/x",
            "postgres://u@db.example.com/x?sslmode=prefer",
            "postgres://u@db.example.com/x?sslmode=allow",
            "postgres://u@10.0.0.7:5432/x",
            "postgres://u@localhost.example.com/x",
        ] {
            assert!(matches!(mode(url), PgSslMode::Require), "{url}: {:?}", mode(url));
        }
        assert!(matches!(mode("postgres://u@db.example.com/x?sslmode=disable"), PgSslMode::Disable));
        assert!(matches!(mode("postgres://u@db.example.com/x?sslmode=verify-full"), PgSslMode::VerifyFull));
        assert!(matches!(mode("postgres://u@db.example.com/x?sslmode=verify-ca"), PgSslMode::VerifyCa));
        // This machine: as the URL says (libpq's default, prefer).
        for url in [
            "postgres://u@127.0.0.1/x",
            "postgres://u@localhost:5432/x",
            "postgres://u@[::1]/x",
            "postgres:///x?host=/var/run/postgresql",
        ] {
            assert!(matches!(mode(url), PgSslMode::Prefer), "{url}: {:?}", mode(url));
        }
    }
}
