//! Audit log speed: appends per second (SQLite with synchronous=FULL, and
//! PostgreSQL when SAFETWEET_TEST_POSTGRES_URL is set) and `verify` over a
//! 100,000-record chain. `cargo bench --bench audit`.

#[path = "../tests/audit_support/mod.rs"]
mod audit_support;

use audit_support::{record, TestDb};
use chrono::{DateTime, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use safetweet::audit::{self, chain, AuditRecord, RecordKind, Verification};
use sqlx::{Encode, Executor, IntoArguments, Type};
use std::time::{Duration, Instant};

const VERIFY_RECORDS: u64 = 100_000;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn bench_appends(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("audit_append");
    group.throughput(Throughput::Elements(1)).sample_size(10).measurement_time(Duration::from_secs(8));

    let mut dbs = vec![("sqlite_synchronous_full", TestDb::sqlite())];
    if let Some(pg) = rt.block_on(TestDb::postgres("bench_append")) {
        dbs.push(("postgres", pg));
    }
    let mut i = 0u64;
    for (name, db) in dbs {
        let store = rt.block_on(audit::open(db.url())).unwrap();
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        i += 1;
                        store.append(record(RecordKind::Approved, i, i)).await.unwrap();
                    }
                    start.elapsed()
                })
            })
        });
        rt.block_on(db.cleanup());
    }
    group.finish();
}

/// A valid chain of `n` records, built in memory.
fn chain_of(n: u64) -> Vec<AuditRecord> {
    let mut prev = chain::GENESIS_PREV_HASH.to_string();
    (1..=n)
        .map(|seq| {
            let r = record(RecordKind::ALL[(seq % 7) as usize], seq / 3, seq);
            let r = AuditRecord { seq: seq as i64, hash: String::new(), prev_hash: prev.clone(), record: r, mac: None };
            let mut r = r;
            r.record.time = chain::chain_time(r.record.time).unwrap();
            r.hash = chain::recompute(&r);
            prev = r.hash.clone();
            r
        })
        .collect()
}

/// Fills a store with a long chain in one transaction (appending 100,000
/// records one fsync at a time would take minutes, and is not what is timed).
async fn bulk_load(db: &TestDb, records: &[AuditRecord]) {
    use sqlx::Connection;
    match db {
        TestDb::Sqlite { path, .. } => {
            let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.unwrap();
            insert_all::<sqlx::Sqlite, _>(&mut conn, |_| "?".to_string(), chain::format_time, records).await;
        }
        TestDb::Postgres { url, .. } => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            insert_all::<sqlx::Postgres, _>(&mut conn, |n| format!("${n}"), |t| *t, records).await;
        }
    }
}

/// Inserts `records` in one transaction on `conn`; `placeholder` (the `n`th
/// bind, from 1) and `time` (how the `time` column is bound) are the database's.
async fn insert_all<DB, T>(
    conn: &mut DB::Connection,
    placeholder: impl Fn(usize) -> String,
    time: impl Fn(&DateTime<Utc>) -> T,
    records: &[AuditRecord],
) where
    DB: sqlx::Database,
    T: for<'q> Encode<'q, DB> + Type<DB> + Send + 'static,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    use sqlx::Connection;
    let sql = format!(
        "INSERT INTO audit_records (seq, time, kind, actor_id, actor_name, guild_id, channel_id, message_id, \
         author_id, content_sha256, rules_version, verdict, findings, text, reason, roles, prev_hash, hash) \
         VALUES ({})",
        (1..=18).map(placeholder).collect::<Vec<_>>().join(",")
    );
    let mut tx = conn.begin().await.unwrap();
    for r in records {
        let n = &r.record;
        let roles = n.roles.iter().map(u64::to_string).collect::<Vec<_>>();
        sqlx::query(&sql)
            .bind(r.seq)
            .bind(time(&n.time))
            .bind(n.kind.as_str().to_string())
            .bind(n.actor_id.to_string())
            .bind(n.actor_name.clone())
            .bind(n.guild_id.map(|g| g.to_string()))
            .bind(n.channel_id.to_string())
            .bind(n.message_id.to_string())
            .bind(n.author_id.to_string())
            .bind(n.content_sha256.clone())
            .bind(n.rules_version.clone())
            .bind(n.verdict.clone())
            .bind(serde_json::to_string(&n.findings).unwrap())
            .bind(n.text.clone())
            .bind(n.reason.clone())
            .bind(serde_json::to_string(&roles).unwrap())
            .bind(r.prev_hash.clone())
            .bind(r.hash.clone())
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn bench_verify(c: &mut Criterion) {
    let rt = runtime();
    let records = chain_of(VERIFY_RECORDS);
    let mut group = c.benchmark_group("audit_verify_100k");
    group.throughput(Throughput::Elements(VERIFY_RECORDS)).sample_size(10).measurement_time(Duration::from_secs(15));

    let mut dbs = vec![("sqlite", TestDb::sqlite())];
    if let Some(pg) = rt.block_on(TestDb::postgres("bench_verify")) {
        dbs.push(("postgres", pg));
    }
    for (name, db) in dbs {
        let store = rt.block_on(audit::open(db.url())).unwrap();
        rt.block_on(bulk_load(&db, &records));
        assert_eq!(rt.block_on(store.verify()).unwrap(), Verification::Intact { records: VERIFY_RECORDS });
        group.bench_function(name, |b| {
            b.iter(|| rt.block_on(store.verify()).unwrap());
        });
        rt.block_on(db.cleanup());
    }
    group.finish();
}

criterion_group!(benches, bench_appends, bench_verify);
criterion_main!(benches);
