//! `safetweet audit list|show|export|verify`, run as the real binary against
//! a real SQLite file (and PostgreSQL when SAFETWEET_TEST_POSTGRES_URL is set).

mod audit_support;

use audit_support::{record, TestDb};
use safetweet::audit::{self, chain, export, FindingRef, NewRecord, RecordKind};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_safetweet");

/// Runs `safetweet audit ARGS` in `cwd` with no DATABASE_URL inherited.
fn audit_cmd(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN).arg("audit").args(args).current_dir(cwd).env_remove("DATABASE_URL").output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Ten records about three drafts (messages 501, 502, 503).
async fn populate(url: &str) -> Vec<audit::AuditRecord> {
    let store = audit::open(url).await.unwrap();
    let plan = [
        (RecordKind::Submitted, 501),
        (RecordKind::ApprovalRefused, 501),
        (RecordKind::Approved, 501),
        (RecordKind::Submitted, 502),
        (RecordKind::ReReviewed, 502),
        (RecordKind::Rejected, 502),
        (RecordKind::Submitted, 503),
        (RecordKind::Override, 503),
        (RecordKind::ReReviewed, 503),
        (RecordKind::Revoked, 503),
    ];
    let mut out = Vec::new();
    for (i, (kind, message)) in plan.into_iter().enumerate() {
        out.push(store.append(record(kind, message, i as u64)).await.unwrap());
    }
    out
}

#[test]
fn without_a_database_url_it_says_what_to_set_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["list", "verify", "show", "export"] {
        let args: Vec<&str> = if sub == "show" { vec![sub, "1"] } else { vec![sub] };
        let o = audit_cmd(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{sub}: {}", stderr(&o));
        assert!(stderr(&o).contains("DATABASE_URL"), "{sub}: {}", stderr(&o));
        assert!(stderr(&o).contains("--database"), "{sub}: {}", stderr(&o));
    }
}

#[test]
fn a_missing_sqlite_file_is_an_error_not_a_new_empty_log() {
    let dir = tempfile::tempdir().unwrap();
    let o = audit_cmd(dir.path(), &["--database", "sqlite://nope.db", "verify"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.db"), "{}", stderr(&o));
    assert!(!dir.path().join("nope.db").exists());
}

#[tokio::test]
async fn the_url_comes_from_the_flag_then_the_environment_then_dot_env() {
    let dir = tempfile::tempdir().unwrap();
    populate(&format!("sqlite://{}", dir.path().join("env.db").display())).await;
    audit::open(&format!("sqlite://{}", dir.path().join("flag.db").display())).await.unwrap();
    std::fs::write(dir.path().join(".env"), "# audit\nDATABASE_URL=sqlite://env.db\n").unwrap();
    let o = audit_cmd(dir.path(), &["verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("intact: 10 records"), "{}", stdout(&o));
    // The environment beats .env, the flag beats both.
    let o = Command::new(BIN)
        .args(["audit", "verify"])
        .current_dir(dir.path())
        .env("DATABASE_URL", "sqlite://flag.db")
        .output()
        .unwrap();
    assert!(stdout(&o).contains("intact: 0 records"), "{}", stdout(&o));
    let o = Command::new(BIN)
        .args(["audit", "verify", "--database", "sqlite://env.db"])
        .current_dir(dir.path())
        .env("DATABASE_URL", "sqlite://flag.db")
        .output()
        .unwrap();
    assert!(stdout(&o).contains("intact: 10 records"), "{}", stdout(&o));
}

#[tokio::test]
async fn verify_exits_0_when_intact_and_1_naming_the_first_bad_record() {
    let db = TestDb::sqlite();
    let records = populate(db.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let o = audit_cmd(dir.path(), &["verify", "--database", db.url()]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.contains("intact: 10 records"), "{out}");
    assert!(out.contains(&records[9].hash), "the head hash is printed to note down: {out}");

    db.tamper("UPDATE audit_records SET text = 'We cure flu.' WHERE seq = 3").await;
    let o = audit_cmd(dir.path(), &["--database", db.url(), "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("seq 3"), "{}", stdout(&o));

    let db = TestDb::sqlite();
    populate(db.url()).await;
    db.tamper("DELETE FROM audit_records WHERE seq = 6").await;
    let o = audit_cmd(dir.path(), &["--database", db.url(), "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("seq 6"), "{}", stdout(&o));
    assert!(stdout(&o).contains("missing"), "{}", stdout(&o));
}

/// The SEQ column of a `list` table.
fn listed_seqs(out: &str) -> Vec<i64> {
    out.lines().skip(1).filter_map(|l| l.split_whitespace().next()?.parse().ok()).collect()
}

#[tokio::test]
async fn list_is_a_table_that_filters() {
    let db = TestDb::sqlite();
    let records = populate(db.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let list = |extra: &[&str]| {
        let mut args = vec!["list", "--database", db.url()];
        args.extend_from_slice(extra);
        let o = audit_cmd(dir.path(), &args);
        assert_eq!(o.status.code(), Some(0), "{extra:?}: {}", stderr(&o));
        stdout(&o)
    };
    let all = list(&[]);
    let header = all.lines().next().unwrap();
    for col in ["SEQ", "TIME (UTC)", "KIND", "ACTOR", "AUTHOR", "CHANNEL", "MESSAGE", "DETAIL"] {
        assert!(header.contains(col), "{header}");
    }
    assert_eq!(listed_seqs(&all), (1..=10).collect::<Vec<_>>());
    // Columns line up: every row's KIND starts where the header's does.
    let kind_col = header.find("KIND").unwrap();
    for (line, r) in all.lines().skip(1).zip(&records) {
        assert_eq!(line.get(kind_col..).map(|s| s.starts_with(r.record.kind.as_str())), Some(true), "{line}");
    }
    assert_eq!(listed_seqs(&list(&["--kind", "approved"])), vec![3]);
    assert_eq!(listed_seqs(&list(&["--kind", "re-reviewed"])), vec![5, 9]);
    // record(i): author 1000 + i % 3; approvers 2000 + i % 2 (even i → 2000).
    assert_eq!(listed_seqs(&list(&["--author", "1001"])), vec![2, 5, 8]);
    // --approver: the approver's own actions only (seq 2 refused, 6 rejected; 8 is 2001's override).
    assert_eq!(listed_seqs(&list(&["--approver", "2001"])), vec![2, 6, 8]);
    assert_eq!(listed_seqs(&list(&["--approver", "2000"])), vec![3]);
    assert_eq!(listed_seqs(&list(&["--channel", "301"])), vec![2, 4, 6, 8, 10]);
    // record(i) is at 2026-11-20 09:00 + i minutes.
    assert_eq!(listed_seqs(&list(&["--since", "2026-11-20T09:04:00Z", "--until", "2026-11-20T09:06:00Z"])), vec![5, 6]);
    assert_eq!(listed_seqs(&list(&["--since", "2026-11-20", "--until", "2026-11-20"])).len(), 10);
    assert!(listed_seqs(&list(&["--since", "2026-11-21"])).is_empty());

    let o = audit_cmd(dir.path(), &["list", "--database", db.url(), "--kind", "approve"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("approval-refused"), "{}", stderr(&o));
    let o = audit_cmd(dir.path(), &["list", "--database", db.url(), "--since", "last week"]);
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn show_tells_a_drafts_whole_history() {
    let db = TestDb::sqlite();
    let records = populate(db.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let o = audit_cmd(dir.path(), &["--database", db.url(), "show", "503"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("message 503: 4 records"), "{out}");
    let positions: Vec<usize> =
        ["submitted", "override", "re-reviewed", "revoked"].iter().map(|k| out.find(k).expect(k)).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "in chain order: {out}");
    assert!(out.contains("Flu shots at the Riverside clinic"), "the exact text: {out}");
    assert!(out.contains(&records[7].hash));
    assert!(!out.contains("message 501"));
    let o = audit_cmd(dir.path(), &["--database", db.url(), "show", "999"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no records for message 999"));
    let o = audit_cmd(dir.path(), &["--database", db.url(), "show", "not-a-number"]);
    assert_eq!(o.status.code(), Some(2));
}

#[tokio::test]
async fn sealed_exact_texts_open_only_with_the_officers_key_file() {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("officer.key");
    let o = audit_cmd(dir.path(), &["seal-keygen", "--out", key_file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let public = stdout(&o).trim().strip_prefix("SAFETWEET_SEAL_KEY=").expect("the public key line").to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let secret = std::fs::read_to_string(&key_file).unwrap();
    assert!(!stdout(&o).contains(secret.trim()) && !stderr(&o).contains(secret.trim()));
    // Never over an existing key (that would erase every text sealed to it).
    let again = audit_cmd(dir.path(), &["seal-keygen", "--out", key_file.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), secret);

    let db = TestDb::sqlite();
    let exact = "Thanks to our patient Ana Ruiz, DOB 03/14/1962";
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(exact.as_bytes()));
    let store = audit::open(db.url()).await.unwrap();
    let mut submitted = record(RecordKind::Submitted, 601, 1);
    submitted.content_sha256 = sha.clone();
    submitted.text = Some("Thanks to our patient *** ****, DOB **/**/****".into());
    let mut approved = record(RecordKind::Approved, 601, 2);
    approved.content_sha256 = sha;
    approved.text = submitted.text.clone();
    approved.sealed_text = Some(audit::seal::SealKey::parse(&public).unwrap().seal(exact));
    store.append(submitted).await.unwrap();
    store.append(approved).await.unwrap();
    drop(store);

    let o = audit_cmd(dir.path(), &["--database", db.url(), "show", "601"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stdout(&o).contains("Ana Ruiz") && stdout(&o).contains("sealed"), "{}", stdout(&o));
    let key = key_file.to_str().unwrap();
    let o = audit_cmd(dir.path(), &["--database", db.url(), "show", "601", "--unseal-key-file", key]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains(exact), "{}", stdout(&o));
    let o = audit_cmd(dir.path(), &["--database", db.url(), "verify", "--unseal-key-file", key]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    // Someone else's key: verify names the record it cannot open.
    let other = dir.path().join("other.key");
    assert_eq!(audit_cmd(dir.path(), &["seal-keygen", "--out", other.to_str().unwrap()]).status.code(), Some(0));
    let o = audit_cmd(dir.path(), &["--database", db.url(), "verify", "--unseal-key-file", other.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    assert!(format!("{}{}", stdout(&o), stderr(&o)).contains("does not open"));
    // The public key file is refused where the secret one is expected.
    let public_file = dir.path().join("public.key");
    std::fs::write(&public_file, &public).unwrap();
    let o = audit_cmd(
        dir.path(),
        &["--database", db.url(), "show", "601", "--unseal-key-file", public_file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2));
}

/// Rebuilds a record from an export line and recomputes its hash with the
/// documented canonical encoding: an archive can be re-verified on its own.
fn rehash_from_json(v: &Value) -> String {
    let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} is a string")).to_string();
    let id = |k: &str| s(k).parse::<u64>().unwrap();
    let opt = |k: &str| v[k].as_str().map(str::to_string);
    let record = NewRecord {
        time: chain::parse_time(&s("time")).unwrap(),
        kind: RecordKind::parse(&s("kind")).unwrap(),
        actor_id: id("actor_id"),
        actor_name: s("actor_name"),
        guild_id: v["guild_id"].as_str().map(|g| g.parse().unwrap()),
        channel_id: id("channel_id"),
        message_id: id("message_id"),
        author_id: id("author_id"),
        content_sha256: s("content_sha256"),
        rules_version: s("rules_version"),
        verdict: opt("verdict"),
        findings: v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| FindingRef {
                rule: f["rule"].as_str().unwrap().into(),
                category: f["category"].as_str().unwrap().into(),
            })
            .collect(),
        text: opt("text"),
        sealed_text: opt("sealed_text"),
        reason: opt("reason"),
        roles: v["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().parse().unwrap()).collect(),
    };
    chain::record_hash(v["seq"].as_i64().unwrap(), &record, &s("prev_hash"))
}

#[tokio::test]
async fn jsonl_export_has_every_field_with_ids_as_strings() {
    let db = TestDb::sqlite();
    let records = populate(db.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let o = audit_cmd(dir.path(), &["--database", db.url(), "export", "--format", "jsonl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 10);
    for (v, r) in lines.iter().zip(&records) {
        for key in export::COLUMNS {
            assert!(v.get(key).is_some(), "{key} missing in {v}");
        }
        assert_eq!(v["seq"], r.seq);
        for key in ["actor_id", "channel_id", "message_id", "author_id"] {
            assert!(v[key].is_string(), "{key} must be a string: {v}");
        }
        assert_eq!(v["message_id"], r.record.message_id.to_string());
        assert_eq!(v["kind"], r.record.kind.as_str());
        let time = v["time"].as_str().unwrap();
        assert!(time.ends_with('Z') && chain::parse_time(time) == Some(r.record.time), "{time}");
        assert_eq!(v["hash"], r.hash);
        assert_eq!(rehash_from_json(v), r.hash, "the export re-verifies from its own fields");
    }
    assert_eq!(lines[2]["roles"], serde_json::json!([u64::MAX.to_string(), "77"]));
    assert_eq!(lines[0]["findings"][0]["rule"], "claims.cure");
    assert_eq!(lines[1]["reason"], records[1].record.reason.clone().unwrap());
    assert!(lines[1]["text"].is_null());
    // The same filters as list.
    let o = audit_cmd(dir.path(), &["--database", db.url(), "export", "--kind", "submitted"]);
    assert_eq!(stdout(&o).lines().count(), 3);
}

/// A strict RFC 4180 reader (quoted fields, doubled quotes, CRLF records).
fn parse_csv(s: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                c => field.push(c),
            }
        } else {
            match c {
                '"' => {
                    assert!(field.is_empty(), "a quote inside an unquoted field");
                    quoted = true
                }
                ',' => row.push(std::mem::take(&mut field)),
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "records end in CRLF");
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                '\n' => panic!("a bare LF outside quotes"),
                c => field.push(c),
            }
        }
    }
    assert!(!quoted && field.is_empty() && row.is_empty(), "the file ends with a complete record");
    rows
}

#[tokio::test]
async fn csv_export_to_a_file_is_rfc_4180() {
    let db = TestDb::sqlite();
    let records = populate(db.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let o = audit_cmd(dir.path(), &["--database", db.url(), "export", "--format", "csv", "--out", "audit.csv"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("exported 10 records"), "{}", stderr(&o));
    let csv = std::fs::read_to_string(dir.path().join("audit.csv")).unwrap();
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], export::COLUMNS.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    assert_eq!(rows.len(), 11);
    let col = |name: &str| export::COLUMNS.iter().position(|c| *c == name).expect(name);
    for (row, r) in rows[1..].iter().zip(&records) {
        assert_eq!(row.len(), export::COLUMNS.len());
        assert_eq!(row[col("seq")], r.seq.to_string());
        assert_eq!(row[col("kind")], r.record.kind.as_str());
        assert_eq!(row[col("message_id")], r.record.message_id.to_string());
        // Text with a newline, quotes and a comma comes back exactly.
        assert_eq!(row[col("text")], r.record.text.clone().unwrap_or_default());
        assert_eq!(row[col("reason")], r.record.reason.clone().unwrap_or_default());
        assert_eq!(row[col("hash")], r.hash);
        assert_eq!(row[col("mac")], "", "written without a key");
    }
    assert_eq!(rows[1][col("findings")], "claims.cure (claim); phi.mrn (phi)");
    assert_eq!(rows[3][col("roles")], format!("{}; 77", u64::MAX));
    // No temp file is left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("audit.csv")]);
    // An export to a folder that does not exist fails clearly.
    let o = audit_cmd(dir.path(), &["--database", db.url(), "export", "--out", "no/such/dir/a.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("a.jsonl"), "{}", stderr(&o));
}

#[tokio::test]
async fn the_commands_work_on_postgres_too() {
    let Some(db) = TestDb::postgres("cli").await else { return };
    let records = populate(db.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let o = audit_cmd(dir.path(), &["--database", db.url(), "verify"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("intact: 10 records"));
    let o = audit_cmd(dir.path(), &["--database", db.url(), "list", "--kind", "submitted"]);
    assert_eq!(listed_seqs(&stdout(&o)), vec![1, 4, 7]);
    let o = audit_cmd(dir.path(), &["--database", db.url(), "export"]);
    let lines: Vec<Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 10);
    assert_eq!(rehash_from_json(&lines[9]), records[9].hash);
    db.tamper("UPDATE audit_records SET actor_name = 'someone else' WHERE seq = 4").await;
    let o = audit_cmd(dir.path(), &["--database", db.url(), "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("seq 4"), "{}", stdout(&o));
    db.cleanup().await;
}
