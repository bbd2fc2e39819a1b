//! Shared by the audit tests: real databases (a SQLite file in a temp dir, a
//! fresh database on the PostgreSQL named by SAFETWEET_TEST_POSTGRES_URL),
//! record builders, an "attacker" who bypasses the append-only triggers, and
//! a writer child process (the test binary re-executed).
#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use safetweet::audit::{FindingRef, NewRecord, RecordKind};
use sqlx::Connection;
use std::io::Write;
use std::process::{Child, Command, Stdio};

pub const PG_ENV: &str = "SAFETWEET_TEST_POSTGRES_URL";
/// Set in a re-executed test binary: the database the writer appends to.
pub const CHILD_URL_ENV: &str = "SAFETWEET_AUDIT_CHILD_URL";
/// Set in a re-executed test binary: how many records to append.
pub const CHILD_COUNT_ENV: &str = "SAFETWEET_AUDIT_CHILD_COUNT";
/// Set in a re-executed test binary: the actor id the writer uses.
pub const CHILD_ACTOR_ENV: &str = "SAFETWEET_AUDIT_CHILD_ACTOR";

/// The admin URL of the test PostgreSQL, or `None` after a loud SKIPPED
/// message. Under CI=true a missing server is a failure, not a skip.
pub fn postgres_admin_url(test: &str) -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
            if ci {
                panic!("CI=true but {PG_ENV} is not set: the PostgreSQL audit tests must run in CI (source .ci/postgres.sh)");
            }
            // Straight to the stderr handle: libtest's capture does not hide it.
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!!! SKIPPED {test}: no PostgreSQL ({PG_ENV} is not set; `source .ci/postgres.sh` starts one) !!!!!\n"
            );
            None
        }
    }
}

/// Replaces the database name in a postgres:// URL.
pub fn with_database(url: &str, db: &str) -> String {
    let scheme_end = url.find("://").map_or(0, |i| i + 3);
    let (base, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    match base[scheme_end..].find('/') {
        Some(slash) => format!("{}/{db}{query}", &base[..scheme_end + slash]),
        None => format!("{base}/{db}{query}"),
    }
}

/// A real database for one test.
pub enum TestDb {
    Sqlite { _dir: tempfile::TempDir, path: std::path::PathBuf, url: String },
    Postgres { admin_url: String, name: String, url: String },
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("audit.db");
        let url = format!("sqlite://{}", path.display());
        TestDb::Sqlite { _dir: dir, path, url }
    }

    /// A fresh, empty database on the test server (`None`: skipped).
    pub async fn postgres(test: &str) -> Option<TestDb> {
        let admin_url = postgres_admin_url(test)?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name = format!(
            "st_{}_{}_{}",
            test.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            std::process::id(),
            nanos % 1_000_000_000
        );
        let name: String = name.chars().take(60).collect::<String>().to_ascii_lowercase();
        let mut conn = sqlx::PgConnection::connect(&admin_url).await.expect("connect to the test PostgreSQL");
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut conn).await.expect("create test database");
        conn.close().await.ok();
        let url = with_database(&admin_url, &name);
        Some(TestDb::Postgres { admin_url, name, url })
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, TestDb::Postgres { .. })
    }

    /// Drops a PostgreSQL test database (the SQLite temp dir goes by itself).
    pub async fn cleanup(self) {
        if let TestDb::Postgres { admin_url, name, .. } = self {
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url).await {
                let _ =
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut conn).await;
            }
        }
    }

    /// Runs SQL as the database's owner would, triggers intact (expected to be refused).
    pub async fn exec_as_owner(&self, sql: &str) -> Result<u64, sqlx::Error> {
        match self {
            TestDb::Sqlite { path, .. } => {
                let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?;
                let r = sqlx::query(sql).execute(&mut conn).await.map(|r| r.rows_affected());
                conn.close().await.ok();
                r
            }
            TestDb::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await?;
                let r = sqlx::query(sql).execute(&mut conn).await.map(|r| r.rows_affected());
                conn.close().await.ok();
                r
            }
        }
    }

    /// What an attacker with the database file or a superuser login does:
    /// get rid of the append-only triggers, then change the table directly.
    pub async fn tamper(&self, sql: &str) -> u64 {
        match self {
            TestDb::Sqlite { path, .. } => {
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open file");
                sqlx::query("DROP TRIGGER IF EXISTS audit_records_no_update").execute(&mut conn).await.unwrap();
                sqlx::query("DROP TRIGGER IF EXISTS audit_records_no_delete").execute(&mut conn).await.unwrap();
                let n = sqlx::query(sql).execute(&mut conn).await.expect("tamper").rows_affected();
                conn.close().await.ok();
                n
            }
            TestDb::Postgres { url, .. } => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query("ALTER TABLE audit_records DISABLE TRIGGER USER").execute(&mut conn).await.unwrap();
                let n = sqlx::query(sql).execute(&mut conn).await.expect("tamper").rows_affected();
                conn.close().await.ok();
                n
            }
        }
    }
}

/// A record of `kind` with every field the kind carries filled in.
pub fn record(kind: RecordKind, message_id: u64, i: u64) -> NewRecord {
    let base = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let text = format!("Flu shots at the Riverside clinic this week 💉 #{i}\nSecond line, \"quoted\", comma");
    NewRecord {
        time: base + Duration::minutes(i as i64) + Duration::nanoseconds(123_456_789),
        kind,
        actor_id: match kind {
            RecordKind::Submitted | RecordKind::ReReviewed => 1_000 + (i % 3),
            RecordKind::Revoked => 9,
            _ => 2_000 + (i % 2),
        },
        actor_name: format!("Zoë O'Neil {}", i % 3),
        guild_id: if i % 5 == 4 { None } else { Some(900_000_000_000_000_001) },
        channel_id: 300 + (i % 2),
        message_id,
        author_id: 1_000 + (i % 3),
        // The text's own hash where the record keeps the exact text (what `verify` checks), else a stand-in.
        content_sha256: if matches!(kind, RecordKind::Submitted | RecordKind::Approved | RecordKind::Override) {
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()))
        } else {
            format!("{:064x}", i + 1)
        },
        rules_version: "2026.11-test".into(),
        verdict: matches!(kind, RecordKind::Submitted | RecordKind::ReReviewed).then(|| "warn".to_string()),
        findings: if matches!(kind, RecordKind::Submitted | RecordKind::ReReviewed) {
            vec![
                FindingRef { rule: "claims.cure".into(), category: "claim".into() },
                FindingRef { rule: "phi.mrn".into(), category: "phi".into() },
            ]
        } else {
            vec![]
        },
        text: matches!(kind, RecordKind::Submitted | RecordKind::Approved | RecordKind::Override).then_some(text),
        sealed_text: None,
        reason: matches!(
            kind,
            RecordKind::ApprovalRefused | RecordKind::Rejected | RecordKind::Revoked | RecordKind::Override
        )
        .then(|| format!("reason, with a comma and \"quotes\" #{i}")),
        roles: if matches!(kind, RecordKind::Approved | RecordKind::Override) { vec![u64::MAX, 77] } else { vec![] },
    }
}

/// Re-executes this test binary to run only `test_name`, with `env` set.
/// Its stdout is piped (the writer acknowledges records there).
pub fn spawn_self(test_name: &str, env: &[(&str, String)]) -> Child {
    let exe = std::env::current_exe().expect("current exe");
    let mut cmd = Command::new(exe);
    cmd.args([test_name, "--exact", "--nocapture", "--test-threads", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn writer")
}

/// The child side: when CHILD_URL_ENV is set, append CHILD_COUNT_ENV records,
/// printing `ACK <seq> <message_id>` after each append returns.
pub async fn run_child_writer_if_asked() {
    let Ok(url) = std::env::var(CHILD_URL_ENV) else { return };
    let count: u64 = std::env::var(CHILD_COUNT_ENV).ok().and_then(|c| c.parse().ok()).unwrap_or(1000);
    let actor: u64 = std::env::var(CHILD_ACTOR_ENV).ok().and_then(|c| c.parse().ok()).unwrap_or(1);
    let store = safetweet::audit::open(&url).await.expect("child opens the store");
    let mut out = std::io::stdout().lock();
    for i in 0..count {
        let message_id = actor * 1_000_000 + i;
        let mut r = record(RecordKind::Submitted, message_id, i);
        r.actor_id = actor;
        let stored = store.append(r).await.expect("child append");
        writeln!(out, "ACK {} {}", stored.seq, message_id).expect("ack");
        out.flush().expect("flush ack");
    }
}

/// Parses the child's `ACK seq message_id` lines.
pub fn parse_acks(stdout: &str) -> Vec<(i64, u64)> {
    stdout
        .lines()
        .filter_map(|l| {
            // libtest may print "test audit_writer_child ... " just before the first ACK.
            let mut parts = l[l.find("ACK ")? + 4..].split(' ');
            Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
        })
        .collect()
}
