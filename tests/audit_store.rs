//! The audit store against real databases: each check runs on a SQLite file in
//! a temp dir and on a fresh PostgreSQL database (skipped loudly without
//! SAFETWEET_TEST_POSTGRES_URL, failing under CI=true).

mod audit_support;

use audit_support::{record, TestDb};
use chrono::{TimeZone, Utc};
use safetweet::audit::{self, chain, AuditError, AuditStore, Filter, RecordKind, Verification};
use std::collections::HashSet;
use std::sync::Arc;

/// Runs `$check(&TestDb)` on SQLite and on PostgreSQL.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = TestDb::sqlite();
                super::$name(&db).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = TestDb::postgres(stringify!($name)).await else { return };
                super::$name(&db).await;
                db.cleanup().await;
            }
        }
    )*};
}

on_both!(
    round_trip_keeps_every_field,
    records_are_chained_from_sixty_four_zeros,
    filters_narrow,
    the_database_refuses_update_and_delete,
    an_edited_text_is_named_by_verify,
    a_rehashed_edit_is_caught_at_the_next_record,
    a_deleted_record_is_noticed,
    deleting_the_first_record_is_noticed,
    concurrent_tasks_keep_one_chain,
    two_stores_on_one_database_keep_one_chain,
    reopening_continues_the_chain,
    unstorable_records_are_refused_and_nothing_is_written,
    sealed_texts_and_macs_round_trip,
);

/// A sealed exact text is stored, read back and hashed; a record's MAC is
/// read back with it (what exports carry); plaintext in the sealed column is refused.
async fn sealed_texts_and_macs_round_trip(db: &TestDb) {
    let key = audit::AuditKey::from_secret(&"k".repeat(40)).unwrap();
    let store = audit::open_with_key(db.url(), Some(key.clone())).await.unwrap();
    let officer = audit::seal::UnsealKey::generate();
    let mut r = record(RecordKind::Approved, 777, 1);
    r.sealed_text = Some(officer.public().seal("the exact text, 555-201-8834"));
    let appended = store.append(r).await.unwrap();
    assert_eq!(appended.mac.as_deref(), Some(key.mac(&appended.hash).as_str()));
    let read = store.query(&Filter::default()).await.unwrap();
    assert_eq!(read, vec![appended.clone()]);
    assert_eq!(officer.unseal(read[0].record.sealed_text.as_deref().unwrap()).unwrap(), "the exact text, 555-201-8834");
    assert_eq!(chain::recompute(&read[0]), read[0].hash);
    let mut plain = record(RecordKind::Approved, 777, 2);
    plain.sealed_text = Some("the exact text, 555-201-8834".into());
    assert!(matches!(store.append(plain).await, Err(AuditError::InvalidRecord(_))));
    assert_eq!(store.query(&Filter::default()).await.unwrap().len(), 1);
}

async fn round_trip_keeps_every_field(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    let mut appended = Vec::new();
    for (i, kind) in RecordKind::ALL.into_iter().enumerate() {
        let mut r = record(kind, 555, i as u64);
        if i == 0 {
            // Ids at the edges of u64, text full of Unicode and control characters.
            r.actor_id = u64::MAX;
            r.author_id = 0;
            r.text = Some("\u{1b}[31m ℞ 👩🏽‍⚕️ \t\r\n\u{7f} \u{2028} العربية".into());
            r.actor_name = String::new();
        }
        appended.push(store.append(r).await.unwrap());
    }
    let read = store.query(&Filter::default()).await.unwrap();
    assert_eq!(read, appended);
    for (i, r) in read.iter().enumerate() {
        assert_eq!(r.seq, i as i64 + 1);
        assert_eq!(r.record.kind, RecordKind::ALL[i]);
        // Times are kept to the microsecond, as the chain hashes them.
        assert_eq!(r.record.time.timestamp_subsec_nanos() % 1000, 0);
        assert_eq!(r.record.time.timestamp_subsec_micros(), 123_456);
        assert_eq!(chain::recompute(r), r.hash);
    }
    assert_eq!(read[0].record.actor_id, u64::MAX);
    assert_eq!(read[1].record.roles, Vec::<u64>::new());
    assert_eq!(read[2].record.roles, vec![u64::MAX, 77]);
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 7 });
    assert_eq!(store.head().await.unwrap().as_ref(), read.last());
}

async fn records_are_chained_from_sixty_four_zeros(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 0 });
    assert_eq!(store.head().await.unwrap(), None);
    for i in 0..5 {
        store.append(record(RecordKind::Submitted, 10 + i, i)).await.unwrap();
    }
    let all = store.query(&Filter::default()).await.unwrap();
    assert_eq!(all[0].prev_hash, "0".repeat(64));
    assert_eq!(all[0].prev_hash, chain::GENESIS_PREV_HASH);
    for pair in all.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
        assert_eq!(pair[1].seq, pair[0].seq + 1);
    }
    let hashes: HashSet<_> = all.iter().map(|r| r.hash.clone()).collect();
    assert_eq!(hashes.len(), 5);
    assert!(all.iter().all(|r| r.hash.len() == 64 && r.hash.bytes().all(|b| b.is_ascii_hexdigit())));
}

async fn filters_narrow(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    // 12 records: messages 1..=4, each submitted, then approved or rejected, then revoked for some.
    let mut i = 0u64;
    for message in 1..=4u64 {
        for kind in [RecordKind::Submitted, RecordKind::Approved, RecordKind::Rejected] {
            store.append(record(kind, message, i)).await.unwrap();
            i += 1;
        }
    }
    let q = |f: Filter| {
        let store = store.clone();
        async move { store.query(&f).await.unwrap() }
    };
    assert_eq!(q(Filter::default()).await.len(), 12);
    let msg2 = q(Filter { message: Some(2), ..Filter::default() }).await;
    assert_eq!(msg2.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![4, 5, 6]);
    let approved = q(Filter { kind: Some(RecordKind::Approved), ..Filter::default() }).await;
    assert_eq!(approved.len(), 4);
    assert!(approved.iter().all(|r| r.record.kind == RecordKind::Approved));
    let by_actor = q(Filter { actor: Some(2_000), ..Filter::default() }).await;
    assert!(!by_actor.is_empty() && by_actor.iter().all(|r| r.record.actor_id == 2_000));
    let by_author = q(Filter { author: Some(1_001), ..Filter::default() }).await;
    assert_eq!(by_author.len(), 4);
    assert!(by_author.iter().all(|r| r.record.author_id == 1_001));
    let by_channel = q(Filter { channel: Some(301), ..Filter::default() }).await;
    assert_eq!(by_channel.len(), 6);
    // Record i is at 09:00 + i minutes (+ 0.123456 s).
    let since = Utc.with_ymd_and_hms(2026, 11, 20, 9, 5, 0).unwrap();
    let until = Utc.with_ymd_and_hms(2026, 11, 20, 9, 7, 59).unwrap();
    let window = q(Filter { since: Some(since), until: Some(until), ..Filter::default() }).await;
    assert_eq!(window.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![6, 7, 8]);
    // Bounds are inclusive, to the microsecond.
    let exact = window[0].record.time;
    assert_eq!(q(Filter { since: Some(exact), until: Some(exact), ..Filter::default() }).await.len(), 1);
    let combined = q(Filter { kind: Some(RecordKind::Rejected), channel: Some(300), ..Filter::default() }).await;
    assert!(combined.iter().all(|r| r.record.kind == RecordKind::Rejected && r.record.channel_id == 300));
    assert_eq!(q(Filter { limit: Some(2), ..Filter::default() }).await.len(), 2);
    assert!(q(Filter { message: Some(99), ..Filter::default() }).await.is_empty());
}

async fn the_database_refuses_update_and_delete(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    store.append(record(RecordKind::Approved, 1, 0)).await.unwrap();
    store.append(record(RecordKind::Approved, 2, 1)).await.unwrap();
    for sql in [
        "UPDATE audit_records SET text = 'changed' WHERE seq = 1",
        "DELETE FROM audit_records WHERE seq = 2",
        "DELETE FROM audit_records",
    ] {
        let err = db.exec_as_owner(sql).await.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    if db.is_postgres() {
        let err = db.exec_as_owner("TRUNCATE audit_records").await.expect_err("truncate").to_string();
        assert!(err.contains("append-only"), "{err}");
    }
    assert_eq!(store.query(&Filter::default()).await.unwrap().len(), 2);
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 2 });
}

async fn fill(store: &Arc<dyn AuditStore>, n: u64) {
    for i in 0..n {
        let kind = RecordKind::ALL[(i % 7) as usize];
        store.append(record(kind, 100 + i / 3, i)).await.unwrap();
    }
}

async fn an_edited_text_is_named_by_verify(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    fill(&store, 10).await;
    // seq 3 is an approved record (kind index 2): the exact text approved.
    assert_eq!(db.tamper("UPDATE audit_records SET text = 'Our clinic cures flu' WHERE seq = 3").await, 1);
    match store.verify().await.unwrap() {
        Verification::Broken { seq, problem } => {
            assert_eq!(seq, 3);
            assert!(problem.contains("hash"), "{problem}");
        }
        other => panic!("tampering not noticed: {other:?}"),
    }
}

async fn a_rehashed_edit_is_caught_at_the_next_record(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    fill(&store, 6).await;
    // A smarter attacker edits the reason and recomputes that record's hash.
    let mut r = store.query(&Filter::default()).await.unwrap().remove(3);
    r.record.reason = Some("approved by the CMO".into());
    let new_hash = chain::recompute(&r);
    db.tamper(&format!("UPDATE audit_records SET reason = 'approved by the CMO', hash = '{new_hash}' WHERE seq = 4"))
        .await;
    match store.verify().await.unwrap() {
        Verification::Broken { seq, problem } => {
            assert_eq!(seq, 5);
            assert!(problem.contains("prev_hash"), "{problem}");
        }
        other => panic!("tampering not noticed: {other:?}"),
    }
}

async fn a_deleted_record_is_noticed(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    fill(&store, 8).await;
    assert_eq!(db.tamper("DELETE FROM audit_records WHERE seq = 5").await, 1);
    match store.verify().await.unwrap() {
        Verification::Broken { seq, problem } => {
            assert_eq!(seq, 5);
            assert!(problem.contains("missing"), "{problem}");
        }
        other => panic!("deletion not noticed: {other:?}"),
    }
}

async fn deleting_the_first_record_is_noticed(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    fill(&store, 3).await;
    db.tamper("DELETE FROM audit_records WHERE seq = 1").await;
    assert!(matches!(store.verify().await.unwrap(), Verification::Broken { seq: 1, .. }));
}

async fn concurrent_tasks_keep_one_chain(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    let tasks: Vec<_> = (0..8u64)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..40u64 {
                    let mut r = record(RecordKind::Submitted, t * 1_000 + i, i);
                    r.actor_id = t;
                    seqs.push(store.append(r).await.unwrap().seq);
                }
                seqs
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.extend(t.await.unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=320).collect::<Vec<i64>>());
    let all = store.query(&Filter::default()).await.unwrap();
    assert_eq!(all.len(), 320);
    for t in 0..8u64 {
        let mine: Vec<u64> =
            all.iter().filter(|r| r.record.actor_id == t).map(|r| r.record.message_id - t * 1_000).collect();
        assert_eq!(mine, (0..40).collect::<Vec<u64>>(), "task {t}'s records, in its order");
    }
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 320 });
}

async fn two_stores_on_one_database_keep_one_chain(db: &TestDb) {
    // Two pools, as two bot instances would have (their own locks, one database).
    let a = audit::open(db.url()).await.unwrap();
    let b = audit::open(db.url()).await.unwrap();
    let write = |store: Arc<dyn AuditStore>, actor: u64| {
        tokio::spawn(async move {
            for i in 0..60u64 {
                let mut r = record(RecordKind::Approved, actor * 1_000 + i, i);
                r.actor_id = actor;
                store.append(r).await.unwrap();
            }
        })
    };
    let (ra, rb) = tokio::join!(write(a.clone(), 1), write(b.clone(), 2));
    ra.unwrap();
    rb.unwrap();
    assert_eq!(a.verify().await.unwrap(), Verification::Intact { records: 120 });
    assert_eq!(b.query(&Filter { actor: Some(1), ..Filter::default() }).await.unwrap().len(), 60);
    assert_eq!(b.query(&Filter { actor: Some(2), ..Filter::default() }).await.unwrap().len(), 60);
}

async fn reopening_continues_the_chain(db: &TestDb) {
    let first = {
        let store = audit::open(db.url()).await.unwrap();
        fill(&store, 3).await;
        store.head().await.unwrap().unwrap()
    };
    let store = audit::open(db.url()).await.unwrap();
    let next = store.append(record(RecordKind::Revoked, 1, 9)).await.unwrap();
    assert_eq!(next.seq, 4);
    assert_eq!(next.prev_hash, first.hash);
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 4 });
    let existing = audit::open_existing(db.url()).await.unwrap();
    assert_eq!(existing.query(&Filter::default()).await.unwrap().len(), 4);
}

async fn unstorable_records_are_refused_and_nothing_is_written(db: &TestDb) {
    let store = audit::open(db.url()).await.unwrap();
    store.append(record(RecordKind::Submitted, 1, 0)).await.unwrap();
    let mut nul = record(RecordKind::Approved, 1, 1);
    nul.text = Some("before\0after".into());
    assert!(matches!(store.append(nul).await, Err(AuditError::InvalidRecord(_))));
    let mut far = record(RecordKind::Approved, 1, 1);
    far.time = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(store.append(far).await, Err(AuditError::InvalidRecord(_))));
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 1 });
    // The chain goes on normally after a refusal.
    assert_eq!(store.append(record(RecordKind::Approved, 1, 2)).await.unwrap().seq, 2);
}

#[tokio::test]
async fn a_missing_file_is_not_created_by_open_existing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("typo.db");
    let err = audit::open_existing(&format!("sqlite://{}", path.display())).await.err().expect("must fail");
    assert!(matches!(err, AuditError::NotFound(_)), "{err}");
    assert!(!path.exists());
    // open() creates it, schema included.
    let store = audit::open(&format!("sqlite://{}", path.display())).await.unwrap();
    assert_eq!(store.verify().await.unwrap(), Verification::Intact { records: 0 });
    assert!(path.exists());
}

#[tokio::test]
async fn the_sqlite_file_is_wal_with_full_sync() {
    let db = TestDb::sqlite();
    let store = audit::sqlite::SqliteStore::open(db.url(), true).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(store.pool()).await.unwrap();
    assert_eq!(sync, 2, "synchronous=FULL");
}

#[tokio::test]
async fn unsupported_urls_are_refused_without_their_password() {
    let err = audit::open("mysql://root:hunter2@localhost/audit").await.err().expect("must fail");
    let shown = err.to_string();
    assert!(matches!(err, AuditError::UnsupportedUrl(_)));
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// Arbitrary Unicode in every free-text field is stored and read back exactly,
/// and the chain verifies; NUL is refused with an error, never a panic.
fn arbitrary_text_round_trips(db: &TestDb) {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = rt.block_on(audit::open(db.url())).unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 64, ..ProptestConfig::default() });
    let strategy =
        (any::<String>(), any::<String>(), any::<String>(), any::<u64>(), proptest::option::of(any::<u64>()));
    let appended = std::cell::Cell::new(0u64);
    runner
        .run(&strategy, |(text, name, reason, id, guild)| {
            let mut r = record(RecordKind::Override, id, 1);
            r.text = Some(text.clone());
            r.actor_name = name.clone();
            r.reason = Some(reason.clone());
            r.guild_id = guild;
            r.author_id = id;
            let has_nul = [&text, &name, &reason].iter().any(|s| s.contains('\0'));
            match rt.block_on(store.append(r.clone())) {
                Ok(stored) => {
                    prop_assert!(!has_nul);
                    appended.set(appended.get() + 1);
                    let back = rt.block_on(store.query(&Filter { message: Some(id), ..Filter::default() })).unwrap();
                    let back = back.into_iter().find(|b| b.seq == stored.seq).unwrap();
                    prop_assert_eq!(&back, &stored);
                    prop_assert_eq!(back.record.text, Some(text));
                    prop_assert_eq!(back.record.actor_name, name);
                }
                Err(AuditError::InvalidRecord(_)) => prop_assert!(has_nul),
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(rt.block_on(store.verify()).unwrap(), Verification::Intact { records: appended.get() });
}

#[test]
fn sqlite_arbitrary_text_round_trips() {
    arbitrary_text_round_trips(&TestDb::sqlite());
}

#[test]
fn postgres_arbitrary_text_round_trips() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres("arbitrary_text")) else { return };
    arbitrary_text_round_trips(&db);
    rt.block_on(db.cleanup());
}
