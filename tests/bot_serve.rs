//! The bot's in-process entry point, `safetweet::bot::serve`, against the
//! loopback fake Discord in `tests/support/` with a real SQLite audit file:
//! graceful shutdown finishes what it started, and a rejected token is an
//! error value, not a hang; and the bot's bookkeeping tables work beside the
//! audit store on SQLite and PostgreSQL (skipped loudly without
//! SAFETWEET_TEST_POSTGRES_URL). The binary's behaviour is covered end to end
//! in `tests/bot_e2e.rs`.

mod audit_support;
mod support;

use safetweet::audit::{AuditStore, Filter, RecordKind, Verification};
use safetweet::bot::config::{BotConfig, Token};
use safetweet::bot::{self, ServeError, Settings, Stores};
use safetweet::engine::RuleSet;
use std::sync::Arc;
use std::time::Duration;
use support::fake_discord::{FakeConfig, FakeDiscord};
use support::{people, APPROVE, DEFAULT_BOT_TOML, REVIEW_CHANNEL, TOKEN};

const STEP: Duration = Duration::from_secs(20);

fn settings(fake: &FakeDiscord, token: &str) -> Settings {
    Settings {
        token: Token::new(token),
        api_url: Some(fake.base_url()),
        bot: BotConfig::from_toml(DEFAULT_BOT_TOML, "bot.toml").expect("bot.toml"),
        seal_key: None,
    }
}

/// `bot::serve` running in a task against the fake, with a fresh SQLite
/// audit file in its own temp dir; [`Running::stop`] shuts it down.
struct Running {
    _dir: tempfile::TempDir,
    audit: Arc<dyn AuditStore>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    bot: tokio::task::JoinHandle<Result<(), ServeError>>,
}

/// A fresh temp dir and the stores of its SQLite audit file.
async fn sqlite_stores() -> (tempfile::TempDir, Stores) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let stores = Stores::open(&url).await.expect("open stores");
    (dir, stores)
}

/// Starts the bot and waits (bounded) until it has identified.
async fn start(fake: &FakeDiscord) -> Running {
    let (dir, stores) = sqlite_stores().await;
    let audit = stores.audit.clone();
    let rules = Arc::new(RuleSet::builtin().expect("rules"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bot = tokio::spawn(bot::serve(settings(fake, TOKEN), stores, rules, async {
        let _ = stopped.await;
    }));
    fake.wait_ready(1, Duration::from_secs(60)).await;
    Running { _dir: dir, audit, stop: Some(stop), bot }
}

impl Running {
    /// Sends the shutdown signal and returns what `serve` returned (bounded).
    /// The temp dir lives on with `self`, so the audit file can still be read.
    async fn stop(&mut self) -> Result<(), ServeError> {
        self.stop.take().expect("stopped once").send(()).expect("bot still running");
        tokio::time::timeout(Duration::from_secs(45), &mut self.bot).await.expect("serve returned").expect("join")
    }
}

/// A shutdown during the start-up (here while Discord is slow to answer the
/// token check) stops it there: `serve` returns `Ok` at once, without
/// connecting. It used to look at the shutdown only once connecting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shutdown_during_start_up_returns_ok_without_connecting() {
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    fake.delay_next("GET", "/users/@me", Duration::from_secs(30), 1);
    let (_dir, stores) = sqlite_stores().await;
    let rules = Arc::new(RuleSet::builtin().expect("rules"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bot = tokio::spawn(bot::serve(settings(&fake, TOKEN), stores, rules, async {
        let _ = stopped.await;
    }));
    fake.wait_request(STEP, "the token check", |r| r.is("GET", "/users/@me")).await;
    stop.send(()).expect("bot still running");
    let returned = tokio::time::timeout(Duration::from_secs(10), bot).await.expect("serve returned within 10 s");
    assert!(returned.expect("join").is_ok());
    assert!(fake.identifies().is_empty(), "connected after the shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_every_review_it_started_and_returns_ok() {
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let mut running = start(&fake).await;
    let audit = running.audit.clone();

    let first = fake.message_create(REVIEW_CHANNEL, &people::author(), "Free flu shots at every clinic this week.");
    fake.wait_reply(first, STEP).await;
    fake.wait_request(STEP, "the first ✅", |r| r.is_own_reaction(REVIEW_CHANNEL, first, APPROVE)).await;

    // A burst, and the shutdown signal right behind it.
    let ids: Vec<u64> = (0..40)
        .map(|i| {
            let text = format!("Shutdown test {i}: blood pressure checks at the Eastside center on Saturday.");
            fake.message_create(REVIEW_CHANNEL, &people::author(), &text)
        })
        .collect();
    let result = running.stop().await;
    assert!(result.is_ok(), "graceful shutdown is Ok: {result:?}");

    // Whatever the bot started, it finished: a draft is recorded exactly when
    // it was answered, never one without the other.
    let requests = fake.requests();
    let mut handled = 0;
    for id in ids.iter().chain([&first]) {
        let records = audit.query(&Filter { message: Some(*id), ..Filter::default() }).await.expect("query");
        let replies = requests.iter().filter(|r| r.is_reply_to(*id)).count();
        assert!(records.len() <= 1 && replies <= 1, "message {id}: {} records, {replies} replies", records.len());
        assert_eq!(records.len(), replies, "message {id}: recorded and answered go together");
        if let Some(r) = records.first() {
            assert_eq!(r.record.kind, RecordKind::Submitted);
            handled += 1;
        }
    }
    eprintln!("drafts handled before shutdown: {handled} of {}", ids.len() + 1);
    assert!(handled >= 1);
    match audit.verify().await.expect("verify") {
        Verification::Intact { records } => assert_eq!(records as usize, handled),
        broken => panic!("chain broken: {broken:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_is_an_error_before_the_gateway() {
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let (_dir, stores) = sqlite_stores().await;
    let rules = Arc::new(RuleSet::builtin().expect("rules"));
    let result = tokio::time::timeout(
        STEP,
        bot::serve(settings(&fake, "MTAwMQ.not-it.x"), stores, rules, std::future::pending::<()>()),
    )
    .await
    .expect("serve gave up by itself");
    match result {
        Err(e @ ServeError::TokenRejected(_)) => {
            assert_eq!(e.exit_code(), 2);
            assert!(!e.to_string().contains("not-it"), "{e}");
        }
        other => panic!("expected TokenRejected, got {other:?}"),
    }
    assert!(fake.identifies().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reaction_right_behind_its_draft_still_counts() {
    // Each gateway event runs in its own task, so a ✅ sent right after the
    // draft can reach the handler first; the approval must not be lost.
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let mut running = start(&fake).await;
    let audit = running.audit.clone();
    let ids: Vec<u64> = (0..20)
        .map(|i| {
            let text = format!("Instant approval {i}: flu shots at every clinic this week.");
            let id = fake.message_create(REVIEW_CHANNEL, &people::author(), &text);
            fake.reaction_add(REVIEW_CHANNEL, id, &people::manager(), APPROVE);
            id
        })
        .collect();
    for id in ids {
        let deadline = tokio::time::Instant::now() + STEP;
        loop {
            let records = audit.query(&Filter { message: Some(id), ..Filter::default() }).await.expect("query");
            let kinds: Vec<RecordKind> = records.iter().map(|r| r.record.kind).collect();
            if kinds == [RecordKind::Submitted, RecordKind::Approved] {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "message {id}: {kinds:?}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    let result = running.stop().await;
    assert!(result.is_ok(), "{result:?}");
}

async fn bookkeeping_beside_the_audit_store(url: &str) {
    use safetweet::bot::database::PendingReason;
    use safetweet::bot::workflow::Purpose;
    let stores = Stores::open(url).await.expect("open stores");
    stores.bot.set_reply(777, 3000, 888).await.expect("set reply");
    stores.bot.set_reply(777, 3000, 889).await.expect("replace reply");
    let pending = PendingReason {
        channel_id: 3000,
        actor_id: 5003,
        draft_message_id: 777,
        purpose: Purpose::Reject,
        prompt_message_id: 9,
        content_sha256: "cd".repeat(32),
        revision: 12,
        asked_at: chrono::DateTime::from_timestamp_micros(1_795_000_000_654_321).expect("time"),
        closed: false,
    };
    stores.bot.set_pending(&pending).await.expect("set pending");
    let override_question = PendingReason { actor_id: 5004, purpose: Purpose::Override, ..pending.clone() };
    stores.bot.set_pending(&override_question).await.expect("set pending");
    stores.bot.set_catch_up_floor(3000, 700).await.expect("set floor");
    stores.bot.set_catch_up_floor(3000, 900).await.expect("a second floor is ignored");
    let record = safetweet::audit::NewRecord {
        time: chrono::Utc::now(),
        kind: RecordKind::Submitted,
        actor_id: 5001,
        actor_name: "Riley".into(),
        guild_id: Some(2000),
        channel_id: 3000,
        message_id: 777,
        author_id: 5001,
        content_sha256: "ab".repeat(32),
        rules_version: "test".into(),
        verdict: Some("ok".into()),
        findings: vec![],
        text: Some("a draft".into()),
        sealed_text: None,
        reason: None,
        roles: vec![],
    };
    stores.audit.append(record).await.expect("audit append beside the bot tables");
    drop(stores);
    // A restarted bot finds both again.
    let again = Stores::open(url).await.expect("reopen stores");
    assert_eq!(again.bot.reply_for(777).await.expect("reply"), Some(889));
    assert_eq!(again.bot.pending(3000, 5003).await.expect("pending"), Some(pending));
    // A rejection closes the override questions on the draft, once.
    let closed = again.bot.close_questions(3000, 777, Some(Purpose::Override)).await.expect("close");
    assert_eq!(closed, vec![(5004, Purpose::Override)]);
    assert!(again.bot.close_questions(3000, 777, Some(Purpose::Override)).await.expect("close").is_empty());
    assert!(again.bot.pending(3000, 5004).await.expect("pending").is_some_and(|p| p.closed));
    assert_eq!(again.bot.catch_up_floor(3000).await.expect("floor"), Some(700));
    assert_eq!(again.bot.catch_up_floor(3001).await.expect("floor"), None);
    // Cleared only as the question about that draft, for that purpose.
    again.bot.clear_pending(3000, 5003, 778, Purpose::Reject).await.expect("clear");
    again.bot.clear_pending(3000, 5003, 777, Purpose::Override).await.expect("clear");
    assert!(again.bot.pending(3000, 5003).await.expect("pending").is_some());
    again.bot.clear_pending(3000, 5003, 777, Purpose::Reject).await.expect("clear");
    assert_eq!(again.bot.pending(3000, 5003).await.expect("pending"), None);
    assert!(matches!(again.audit.verify().await.expect("verify"), Verification::Intact { records: 1 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookkeeping_tables_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    bookkeeping_beside_the_audit_store(&format!("sqlite://{}", dir.path().join("audit.db").display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookkeeping_tables_on_postgres() {
    let Some(db) = audit_support::TestDb::postgres("bot_bookkeeping").await else { return };
    bookkeeping_beside_the_audit_store(db.url()).await;
    db.cleanup().await;
}
