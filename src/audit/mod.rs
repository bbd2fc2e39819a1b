//! The audit log: append-only, hash-chained records of every submission,
//! approval, refusal, rejection, revocation and override.
//!
//! The store sits behind the small [`AuditStore`] trait; `sqlite` (the
//! embedded default) and `postgres` (several bot instances) implement it.
//! Nothing here knows about Discord or the review engine beyond the plain
//! values a record carries.
//!
//! # Layout
//! - [`chain`]: the canonical encoding, the record hash and the chain walk
//!   (pure; documented there, so anyone can re-check an export).
//! - [`sqlite`] / [`postgres`]: the two stores. They only SELECT and INSERT;
//!   the schemas (`migrations/sqlite`, `migrations/postgres`) add triggers
//!   that reject UPDATE and DELETE.
//! - `sql` (private): the SQL both stores share, generic over the database
//!   (row parsing, filtered query, head, the paged verify walk, the INSERT).
//! - [`export`]: JSONL and CSV formatting for compliance archives.

pub mod chain;
pub mod export;
pub mod postgres;
pub mod seal;
mod sql;
pub mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Submitted,
    ReReviewed,
    Approved,
    ApprovalRefused,
    Rejected,
    Revoked,
    Override,
}

impl RecordKind {
    pub const ALL: [RecordKind; 7] = [
        RecordKind::Submitted,
        RecordKind::ReReviewed,
        RecordKind::Approved,
        RecordKind::ApprovalRefused,
        RecordKind::Rejected,
        RecordKind::Revoked,
        RecordKind::Override,
    ];
    /// The spelling used in exports, the CLI and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Submitted => "submitted",
            RecordKind::ReReviewed => "re-reviewed",
            RecordKind::Approved => "approved",
            RecordKind::ApprovalRefused => "approval-refused",
            RecordKind::Rejected => "rejected",
            RecordKind::Revoked => "revoked",
            RecordKind::Override => "override",
        }
    }
    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A finding as the audit log keeps it: which rule, which category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRef {
    pub rule: String,
    pub category: String,
}

/// A record before it is appended (no sequence number or hashes yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub time: DateTime<Utc>,
    pub kind: RecordKind,
    /// Who did it: the author for `submitted`/`re-reviewed`, the approver or
    /// reactor otherwise, the bot itself for `revoked`.
    pub actor_id: u64,
    /// The actor's display name at the time.
    pub actor_name: String,
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub message_id: u64,
    pub author_id: u64,
    /// SHA-256 (hex) of the draft text the record is about.
    pub content_sha256: String,
    pub rules_version: String,
    /// `submitted`/`re-reviewed`: the verdict.
    pub verdict: Option<String>,
    /// `submitted`/`re-reviewed`: the findings (rule ids + categories).
    pub findings: Vec<FindingRef>,
    /// The draft text, with every identifier a finding names masked
    /// (whatever the verdict): the exact text only when no finding named an
    /// identifier. `approved`/`override` keep the same (masked) text as the
    /// review they approve.
    pub text: Option<String>,
    /// `approved`/`override` of a draft whose identifiers were masked: the
    /// exact text sealed to the compliance officer's key ([`seal`]), when the
    /// bot has `SAFETWEET_SEAL_KEY`; `None` otherwise (only the hash is kept).
    pub sealed_text: Option<String>,
    /// `approval-refused`, `rejected`, `revoked`, `override`: why.
    pub reason: Option<String>,
    /// `approved`/`override`: the approver's role ids.
    pub roles: Vec<u64>,
}

/// A record as stored: chained to the one before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub record: NewRecord,
    pub prev_hash: String,
    pub hash: String,
    /// HMAC-SHA256 of `hash` under `SAFETWEET_AUDIT_KEY`, when the record was
    /// written with the key (not part of the hash).
    pub mac: Option<String>,
}

/// Which records to list. Every field narrows; none means all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub actor: Option<u64>,
    pub author: Option<u64>,
    pub channel: Option<u64>,
    pub message: Option<u64>,
    pub kind: Option<RecordKind>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<i64>,
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { records: u64 },
    Broken { seq: i64, problem: String },
}

/// `SAFETWEET_AUDIT_KEY`: the secret each record's MAC is computed with
/// (HMAC-SHA256 over the record's hash). Kept off the database host, it
/// lets `verify` tell records the bot wrote from rows someone inserted with
/// correctly computed hashes. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey(Vec<u8>);

impl AuditKey {
    /// At least this many bytes (e.g. `openssl rand -hex 32`).
    pub const MIN_LEN: usize = 32;

    /// The key from the variable's value (its bytes, surrounding whitespace
    /// trimmed); an error message when it is too short.
    pub fn from_secret(secret: &str) -> Result<AuditKey, String> {
        let secret = secret.trim();
        if secret.len() < Self::MIN_LEN {
            return Err(format!(
                "too short: at least {} characters (e.g. the output of `openssl rand -hex 32`)",
                Self::MIN_LEN
            ));
        }
        Ok(AuditKey(secret.as_bytes().to_vec()))
    }

    /// The MAC of a record with this `hash`: lowercase hex HMAC-SHA256 of
    /// the hash's 64 hex characters.
    pub fn mac(&self, hash: &str) -> String {
        use hmac::Mac;
        // HMAC takes a key of any length.
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(hash.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(<redacted>)")
    }
}

/// What `verify` checks besides the chain itself (the hashes, `prev_hash`
/// links, `seq` without gaps and canonical stored forms, always checked).
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Check each record's MAC: from the first record that has one, every
    /// record must have a valid one, and so must the last.
    pub key: Option<AuditKey>,
    /// Records noted down earlier (`seq`, `hash`): each must be there, with
    /// that hash, so a log cut after an anchor is noticed.
    pub anchors: Vec<(i64, String)>,
    /// Content checks: an `approved` or `override` record's text must hash
    /// to its `content_sha256` or be the (masked) text of the review of that
    /// content, and no record's time may be more than
    /// [`chain::TIME_SKEW_SECONDS`] before an earlier record's.
    pub content: bool,
    /// The compliance officer's key: every sealed text must open with it
    /// and hash to its record's `content_sha256`.
    pub unseal: Option<seal::UnsealKey>,
}

impl VerifyOptions {
    /// Everything `safetweet audit verify` checks, with this key and these anchors.
    pub fn full(key: Option<AuditKey>, anchors: Vec<(i64, String)>) -> VerifyOptions {
        VerifyOptions { key, anchors, content: true, unseal: None }
    }
}

/// A verification and what else the walk saw, from one read snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub verification: Verification,
    /// The last record walked: its `seq` and hash (the value to note down
    /// as an anchor).
    pub head: Option<(i64, String)>,
    /// With a key: the first record carrying a (valid) MAC; every record
    /// from it on is authenticated. Records before it predate the key.
    pub authenticated_from: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("audit database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: expected sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("corrupt audit record {seq}: {problem}")]
    Corrupt { seq: i64, problem: String },
    /// The record cannot be stored as given (nothing was written).
    #[error("audit record not stored: {0}")]
    InvalidRecord(String),
    /// A read-only open named a SQLite file that does not exist.
    #[error("no audit database at {0:?}")]
    NotFound(String),
    /// A read-only open found no (or an older) audit schema.
    #[error("{0}")]
    Schema(String),
    /// The database file could not be created (owner-only).
    #[error("audit database file: {0}")]
    File(#[from] std::io::Error),
}

/// The audit store: append-only. There is deliberately no update or delete.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a record at the end of the chain and returns it as stored.
    /// Appends are serialized so the chain stays one line even with several
    /// writers.
    async fn append(&self, record: NewRecord) -> Result<AuditRecord, AuditError>;
    /// Records matching the filter, oldest first.
    async fn query(&self, filter: &Filter) -> Result<Vec<AuditRecord>, AuditError>;
    /// Walks the whole chain and reports the first record that does not fit
    /// (the chain only: [`VerifyOptions::default`]).
    async fn verify(&self) -> Result<Verification, AuditError> {
        Ok(self.verify_with(&VerifyOptions::default()).await?.verification)
    }
    /// Walks the whole chain, in one read snapshot, with these checks.
    async fn verify_with(&self, options: &VerifyOptions) -> Result<VerifyReport, AuditError>;
    /// The last record of the chain (its hash is what to note down as an
    /// external anchor: a chain cannot by itself prove its tail was not cut).
    async fn head(&self) -> Result<Option<AuditRecord>, AuditError>;
}

/// Opens the store a database URL names: `sqlite://PATH` (created with its
/// schema on first use) or `postgres://…` / `postgresql://…`. Records are
/// appended without a MAC ([`open_with_key`] adds one).
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn AuditStore>, AuditError> {
    open_with_key(url, None).await
}

/// Like [`open`]; with a key, every record appended carries its MAC.
pub async fn open_with_key(url: &str, key: Option<AuditKey>) -> Result<std::sync::Arc<dyn AuditStore>, AuditError> {
    match Backend::of(url) {
        Some(Backend::Sqlite) => Ok(std::sync::Arc::new(sqlite::SqliteStore::open(url, true).await?.with_key(key))),
        Some(Backend::Postgres) => Ok(std::sync::Arc::new(postgres::PostgresStore::open(url).await?.with_key(key))),
        None => Err(AuditError::UnsupportedUrl(redact_url(url))),
    }
}

/// Opens an existing audit log read-only, for the read-side command line
/// (`list`, `show`, `export`, `verify`): a SQLite file must already exist (a
/// mistyped path is an error, not a new empty log), and nothing is written
/// to the database: no journal-mode switch, no migrations (an older schema
/// is an error). Appends through the store fail.
pub async fn open_existing(url: &str) -> Result<std::sync::Arc<dyn AuditStore>, AuditError> {
    match Backend::of(url) {
        Some(Backend::Sqlite) => {
            if let Some(path) = sqlite_path(url) {
                if !std::path::Path::new(&path).exists() {
                    return Err(AuditError::NotFound(path));
                }
            }
            Ok(std::sync::Arc::new(sqlite::SqliteStore::open_read_only(url).await?))
        }
        Some(Backend::Postgres) => Ok(std::sync::Arc::new(postgres::PostgresStore::open_read_only(url).await?)),
        None => Err(AuditError::UnsupportedUrl(redact_url(url))),
    }
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(url: &str) -> Option<Backend> {
        let lower = url.trim_start().to_ascii_lowercase();
        if lower.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// The file a `sqlite:` URL names (`None` for in-memory databases).
fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.trim_start();
    let rest = rest.get("sqlite:".len()..)?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        None
    } else {
        Some(path.to_string())
    }
}

/// A URL fit for error messages and logs: every password replaced by `***`:
/// the one in the user info (`user:PASSWORD@host`, up to the last `@`, so
/// also with an unencoded `/`, `?` or `@` in it) and the value of every query
/// parameter whose name (percent-decoded, any case) contains `password`
/// (`?password=`, `sslpassword=`).
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let (head, rest) = url.split_at(scheme_end + 3);
    // A ':' before the first '@' is in the user info: the password runs
    // from it to the last '@' (a password may hold an unencoded '@', '/' or
    // '?'). When a query also holds an '@', more than the password is
    // hidden, never less.
    let rest = match (rest.find(':'), rest.find('@'), rest.rfind('@')) {
        (Some(colon), Some(first_at), Some(last_at)) if colon < first_at => {
            format!("{}:***{}", &rest[..colon], &rest[last_at..])
        }
        _ => rest.to_string(),
    };
    let Some(q) = rest.find('?') else { return format!("{head}{rest}") };
    let (before, query) = rest.split_at(q + 1);
    let (query, fragment) = match query.find('#') {
        Some(h) => query.split_at(h),
        None => (query, ""),
    };
    let params: Vec<String> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((key, _)) if percent_decoded(key).to_ascii_lowercase().contains("password") => format!("{key}=***"),
            _ => param.to_string(),
        })
        .collect();
    format!("{head}{before}{}{fragment}", params.join("&"))
}

/// `%XX` escapes decoded (bytes that are not UTF-8 become U+FFFD).
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Makes a record storable the same way in both databases: time truncated
/// to microseconds (what PostgreSQL keeps, and what the hash covers), and a
/// clear refusal for what one of them cannot hold.
pub(crate) fn check_storable(mut record: NewRecord) -> Result<NewRecord, AuditError> {
    record.time = chain::chain_time(record.time)
        .ok_or_else(|| AuditError::InvalidRecord("time must be between the years 1 and 9999".into()))?;
    let texts = [
        Some(&record.actor_name),
        Some(&record.content_sha256),
        Some(&record.rules_version),
        record.verdict.as_ref(),
        record.text.as_ref(),
        record.reason.as_ref(),
        record.sealed_text.as_ref(),
    ];
    let nul_in_findings = record.findings.iter().any(|f| f.rule.contains('\0') || f.category.contains('\0'));
    if nul_in_findings || texts.into_iter().flatten().any(|t| t.contains('\0')) {
        // PostgreSQL text cannot hold U+0000; refuse it everywhere so both stores agree.
        return Err(AuditError::InvalidRecord("text fields may not contain the NUL character (U+0000)".into()));
    }
    if record.sealed_text.as_deref().is_some_and(|s| !s.starts_with(seal::SEALED_PREFIX)) {
        // Never a plaintext in the sealed column.
        return Err(AuditError::InvalidRecord("sealed_text is not a sealed text".into()));
    }
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_are_chosen_by_scheme() {
        assert_eq!(Backend::of("sqlite://audit.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of("sqlite::memory:"), Some(Backend::Sqlite));
        assert_eq!(Backend::of("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of("mysql://u@h/db"), None);
        assert_eq!(Backend::of("audit.db"), None);
    }

    #[test]
    fn passwords_never_reach_error_messages() {
        assert_eq!(redact_url("postgres://bob:s3cret@db:5432/x"), "postgres://bob:***@db:5432/x");
        assert_eq!(redact_url("postgres://bob@db/x"), "postgres://bob@db/x");
        assert_eq!(redact_url("mysql://a:b@c"), "mysql://a:***@c");
        assert_eq!(redact_url("nonsense"), "nonsense");
    }

    #[test]
    fn every_form_of_a_password_is_redacted() {
        for (url, shown) in [
            ("postgres://bob@db/x?password=s3cret", "postgres://bob@db/x?password=***"),
            (
                "postgres://db/x?sslmode=require&password=s3cret&user=bob",
                "postgres://db/x?sslmode=require&password=***&user=bob",
            ),
            ("postgres://db/x?PASSWORD=s3cret", "postgres://db/x?PASSWORD=***"),
            ("postgres://db/x?pass%77ord=s3cret", "postgres://db/x?pass%77ord=***"),
            ("postgres://db/x?sslpassword=s3cret", "postgres://db/x?sslpassword=***"),
            ("postgres://bob:s3cret@db/x?password=two", "postgres://bob:***@db/x?password=***"),
            ("postgres://:s3cret@db/x", "postgres://:***@db/x"),
            ("postgres://bob:s3/cr?et@db/x", "postgres://bob:***@db/x"),
            ("postgres://bob:s3@cret@db:5432/x", "postgres://bob:***@db:5432/x"),
            ("postgres://db/x?password=s3cret#frag", "postgres://db/x?password=***#frag"),
            ("postgres://db/x?user=bob", "postgres://db/x?user=bob"),
            ("sqlite://audit.db?mode=rwc", "sqlite://audit.db?mode=rwc"),
        ] {
            assert_eq!(redact_url(url), shown, "{url}");
        }
    }

    #[test]
    fn audit_keys_are_long_enough_and_never_shown() {
        assert!(AuditKey::from_secret("short").is_err());
        let key = AuditKey::from_secret(&"k".repeat(32)).unwrap();
        assert!(!format!("{key:?}").contains("kkkk"));
        assert_ne!(key.mac(&"0".repeat(64)), AuditKey::from_secret(&"j".repeat(32)).unwrap().mac(&"0".repeat(64)));
        // RFC 4231, test case 6: HMAC-SHA256 as anyone re-checking a MAC computes it.
        let rfc = AuditKey(vec![0xaa; 131]);
        assert_eq!(
            rfc.mac("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(sqlite_path("sqlite://audit.db").as_deref(), Some("audit.db"));
        assert_eq!(sqlite_path("sqlite:///tmp/a.db?mode=rwc").as_deref(), Some("/tmp/a.db"));
        assert_eq!(sqlite_path("sqlite:a.db").as_deref(), Some("a.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
