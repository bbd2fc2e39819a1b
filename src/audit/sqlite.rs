//! The SQLite audit store, the embedded default: one file, WAL,
//! `synchronous=FULL` (a record acknowledged by `append` survives a crash or
//! power loss), schema from `migrations/sqlite` on first use, created
//! owner-only (0600, and so are its `-wal` and `-shm` files).
//!
//! Appends are serialized twice over: a mutex inside the process, and
//! `BEGIN IMMEDIATE` (which takes SQLite's write lock before reading the tail)
//! across processes, with a busy timeout so a second process waits its turn.
//! This module only reads and inserts: it has no UPDATE or DELETE statement.

use super::sql::Records;
use super::{
    check_storable, AuditError, AuditKey, AuditRecord, AuditStore, Filter, NewRecord, VerifyOptions, VerifyReport,
};
use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

/// The schema migrations this version of SafeTweet expects.
fn migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/sqlite")
}

pub struct SqliteStore {
    pool: SqlitePool,
    write_lock: tokio::sync::Mutex<()>,
    /// With a key, every appended record carries its MAC.
    key: Option<AuditKey>,
}

impl SqliteStore {
    /// Opens (creating if `create`) the database at a `sqlite:` URL and brings
    /// its schema up to date.
    pub async fn open(url: &str, create: bool) -> Result<SqliteStore, AuditError> {
        let options = SqliteConnectOptions::from_str(url)?;
        if create {
            create_owner_only(url, &options)?;
        }
        let options = options
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
        migrator().run(&pool).await?;
        Ok(SqliteStore { pool, write_lock: tokio::sync::Mutex::new(()), key: None })
    }

    /// Opens an existing database read-only, for the read-side commands: no
    /// journal-mode switch, no migrations, nothing written to the evidence
    /// file (a rollback-journal archive stays one). The schema must be the
    /// one this version writes ([`AuditError::Schema`] otherwise). Appending
    /// through this store fails.
    pub async fn open_read_only(url: &str) -> Result<SqliteStore, AuditError> {
        let options = SqliteConnectOptions::from_str(url)?
            .read_only(true)
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(30));
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 2 })
            .min_connections(if in_memory { 1 } else { 0 })
            .connect_with(options)
            .await?;
        super::sql::check_schema(&pool, &migrator()).await?;
        Ok(SqliteStore { pool, write_lock: tokio::sync::Mutex::new(()), key: None })
    }

    /// Appends with this key's MAC on every record from now on.
    pub fn with_key(mut self, key: Option<AuditKey>) -> SqliteStore {
        self.key = key;
        self
    }

    /// The underlying pool (for tests and tools that inspect the file).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// Creates the database file a `sqlite:` URL names, readable and writable
/// by its owner only (0600), if it does not exist yet; SQLite then opens it
/// as a new, empty database and gives its `-wal` and `-shm` files the same
/// permissions. (SQLite itself would create it 0644: every local user could
/// read the drafts.) An existing file keeps its permissions; one readable by
/// others is logged as a warning.
pub fn create_owner_only(url: &str, options: &SqliteConnectOptions) -> std::io::Result<()> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(());
    }
    let path = options.get_filename();
    let mut new = std::fs::OpenOptions::new();
    new.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut new, 0o600);
    match new.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            #[cfg(unix)]
            if let Ok(meta) = std::fs::metadata(path) {
                use std::os::unix::fs::PermissionsExt;
                if meta.permissions().mode() & 0o077 != 0 {
                    tracing::warn!(
                        mode = format!("{:o}", meta.permissions().mode() & 0o777),
                        "the database file is readable by other users: chmod 600 it (and its -wal and -shm files)"
                    );
                }
            }
            Ok(())
        }
        Err(e) => Err(std::io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))),
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append(&self, record: NewRecord) -> Result<AuditRecord, AuditError> {
        let record = check_storable(record)?;
        let _writer = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored = Records::<Sqlite>::append_in(&mut tx, record, self.key.as_ref()).await?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn query(&self, filter: &Filter) -> Result<Vec<AuditRecord>, AuditError> {
        Records::<Sqlite>::query(&self.pool, filter).await
    }

    async fn verify_with(&self, options: &VerifyOptions) -> Result<VerifyReport, AuditError> {
        // Read in one snapshot so a concurrent append cannot show a half-chain.
        let mut tx = self.pool.begin().await?;
        let verification = Records::<Sqlite>::verify_in(&mut tx, options).await?;
        tx.commit().await?;
        Ok(verification)
    }

    async fn head(&self) -> Result<Option<AuditRecord>, AuditError> {
        Records::<Sqlite>::head(&self.pool).await
    }
}
