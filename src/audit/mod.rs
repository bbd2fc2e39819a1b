//! The audit log: append-only, hash-chained records of every submission,
//! approval, refusal, rejection, revocation and override.
//!
//! The store sits behind the small [`AuditStore`] trait; `sqlite` (the
//! embedded default) and `postgres` (several bot instances) implement it.
//! Nothing here knows about Discord or the review engine beyond the plain
//! values a record carries.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What happened to a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The draft text: exact for `approved`/`override`; for `submitted` with
    /// identifiers masked when the verdict is block.
    pub text: Option<String>,
    /// `approval-refused`, `rejected`, `revoked`, `override`: why.
    pub reason: Option<String>,
    /// `approved`/`override`: the approver's role ids.
    pub roles: Vec<u64>,
}

/// A record as stored: chained to the one before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    #[serde(flatten)]
    pub record: NewRecord,
    pub prev_hash: String,
    pub hash: String,
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
    /// Walks the whole chain and reports the first record that does not fit.
    async fn verify(&self) -> Result<Verification, AuditError>;
}

/// Opens the store a database URL names: `sqlite://PATH` (created with its
/// schema on first use) or `postgres://…`.
///
/// (The implementations are being written; until then this says so.)
pub async fn open(url: &str) -> Result<std::sync::Arc<dyn AuditStore>, AuditError> {
    Err(AuditError::UnsupportedUrl(url.to_string()))
}
