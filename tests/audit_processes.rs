//! Audit writers as separate OS processes (this test binary, re-executed):
//! - durability: a writer appending 1,000 records is SIGKILLed partway; every
//!   record it acknowledged is there and the chain verifies;
//! - concurrency: two writer processes append at once; nothing is lost and
//!   the chain stays one line.
//!
//! Each runs on a SQLite file and on PostgreSQL (skipped loudly without
//! SAFETWEET_TEST_POSTGRES_URL, failing under CI=true).

mod audit_support;

use audit_support::{
    parse_acks, run_child_writer_if_asked, spawn_self, TestDb, CHILD_ACTOR_ENV, CHILD_COUNT_ENV, CHILD_URL_ENV,
};
use safetweet::audit::{self, chain, Filter, RecordKind, Verification};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

/// Not a test of its own: the writer side, which only does something when the
/// parent test re-executes this binary with CHILD_URL_ENV set.
#[tokio::test]
async fn audit_writer_child() {
    run_child_writer_if_asked().await;
}

/// Kills the writer after `kill_after` acknowledgements.
async fn killed_writer_loses_nothing_acknowledged(db: &TestDb) {
    // The parent creates the schema, as the bot would have long before.
    audit::open(db.url()).await.unwrap();
    let mut child = spawn_self(
        "audit_writer_child",
        &[(CHILD_URL_ENV, db.url().to_string()), (CHILD_COUNT_ENV, "1000".into()), (CHILD_ACTOR_ENV, "7".into())],
    );
    let stdout = child.stdout.take().unwrap();
    let mut reader = BufReader::new(stdout);
    let mut seen = String::new();
    let mut acks = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while acks < 150 && Instant::now() < deadline {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        if line.contains("ACK ") {
            acks += 1;
        }
        seen.push_str(&line);
    }
    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    // Whatever it printed before dying was acknowledged too.
    reader.read_to_string(&mut seen).unwrap();
    let acked = parse_acks(&seen);
    assert!(acked.len() >= 150, "the writer acknowledged only {} records", acked.len());
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "the writer should have been killed partway, status {status:?}");
        assert!(acked.len() < 1000, "the writer finished before the kill; the test proved nothing");
    }

    let store = audit::open(db.url()).await.unwrap();
    let records = store.query(&Filter::default()).await.unwrap();
    eprintln!("killed writer: {} acknowledged, {} stored", acked.len(), records.len());
    let by_seq: HashMap<i64, &audit::AuditRecord> = records.iter().map(|r| (r.seq, r)).collect();
    for (seq, message_id) in &acked {
        let r = by_seq.get(seq).unwrap_or_else(|| panic!("acknowledged record {seq} is gone"));
        assert_eq!(r.record.message_id, *message_id);
        assert_eq!(r.record.kind, RecordKind::Submitted);
        assert_eq!(chain::recompute(r), r.hash);
    }
    // At most the one in flight at the kill may be there unacknowledged.
    assert!(records.len() <= acked.len() + 1, "{} stored, {} acknowledged", records.len(), acked.len());
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: records.len() as u64 });
    // And the chain goes on after the crash.
    let next = store.append(audit_support::record(RecordKind::Revoked, 1, 1)).await.unwrap();
    assert_eq!(next.seq, records.len() as i64 + 1);
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: records.len() as u64 + 1 });
}

async fn two_writer_processes_keep_one_chain(db: &TestDb) {
    audit::open(db.url()).await.unwrap();
    let per_writer = 150u64;
    let children: Vec<_> = [11u64, 12]
        .iter()
        .map(|actor| {
            spawn_self(
                "audit_writer_child",
                &[
                    (CHILD_URL_ENV, db.url().to_string()),
                    (CHILD_COUNT_ENV, per_writer.to_string()),
                    (CHILD_ACTOR_ENV, actor.to_string()),
                ],
            )
        })
        .collect();
    let mut all_acks = Vec::new();
    for mut child in children {
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
        assert!(child.wait().unwrap().success());
        let acks = parse_acks(&out);
        assert_eq!(acks.len() as u64, per_writer);
        all_acks.extend(acks);
    }
    let mut seqs: Vec<i64> = all_acks.iter().map(|(s, _)| *s).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=2 * per_writer as i64).collect::<Vec<_>>(), "every seq given out exactly once");
    let store = audit::open(db.url()).await.unwrap();
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 2 * per_writer });
    for actor in [11u64, 12] {
        let mine = store.query(&Filter { actor: Some(actor), ..Filter::default() }).await.unwrap();
        let ids: Vec<u64> = mine.iter().map(|r| r.record.message_id).collect();
        assert_eq!(ids, (0..per_writer).map(|i| actor * 1_000_000 + i).collect::<Vec<_>>());
    }
    // Both writers really interleaved (otherwise this proved little).
    let all = store.query(&Filter::default()).await.unwrap();
    let switches = all.windows(2).filter(|w| w[0].record.actor_id != w[1].record.actor_id).count();
    eprintln!("two writers: {switches} switches between writers along the chain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_killed_writer_loses_nothing_acknowledged() {
    if std::env::var_os(CHILD_URL_ENV).is_some() {
        return;
    }
    killed_writer_loses_nothing_acknowledged(&TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_killed_writer_loses_nothing_acknowledged() {
    if std::env::var_os(CHILD_URL_ENV).is_some() {
        return;
    }
    let Some(db) = TestDb::postgres("killed_writer").await else { return };
    killed_writer_loses_nothing_acknowledged(&db).await;
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_two_writer_processes_keep_one_chain() {
    if std::env::var_os(CHILD_URL_ENV).is_some() {
        return;
    }
    two_writer_processes_keep_one_chain(&TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_writer_processes_keep_one_chain() {
    if std::env::var_os(CHILD_URL_ENV).is_some() {
        return;
    }
    let Some(db) = TestDb::postgres("two_writers").await else { return };
    two_writer_processes_keep_one_chain(&db).await;
    db.cleanup().await;
}
