//! Security hardening of the bot (issue 9, Medium and Low items), end to
//! end: the real `safetweet` binary against the loopback fake Discord in
//! `tests/support/`, with a real SQLite audit file per test.

mod support;

use safetweet::audit::{AuditRecord, RecordKind};
use std::time::Duration;
use support::fake_discord::{FakeConfig, FakeDiscord, Person};
use support::{people, BotEnv, BotProcess, APPROVE, MANAGER_ROLE, REJECT, REVIEW_CHANNEL, TOKEN};

const STARTUP: Duration = Duration::from_secs(60);
const STEP: Duration = Duration::from_secs(20);

const CLEAN_DRAFT: &str =
    "Flu shots are now available at all of our community clinics. Walk-ins are welcome every weekday until 7pm.";

/// Waits for READY number `n`, failing fast (with the bot's output) if the bot exits.
async fn wait_connected(fake: &FakeDiscord, bot: &mut BotProcess, n: usize) {
    let ready = fake.wait_ready(n, STARTUP);
    tokio::pin!(ready);
    let deadline = tokio::time::Instant::now() + STARTUP;
    loop {
        tokio::select! {
            _ = &mut ready => return,
            _ = tokio::time::sleep(Duration::from_millis(100)) => {
                if let Some(status) = bot.try_exit() {
                    panic!("the bot exited ({status}) before connecting:\n{}", bot.output());
                }
                assert!(tokio::time::Instant::now() < deadline, "no READY #{n}:\n{}", bot.output());
            }
        }
    }
}

fn kinds(records: &[AuditRecord]) -> Vec<&'static str> {
    records.iter().map(|r| r.record.kind.as_str()).collect()
}

/// Issue 9, item 3: after a skipped gateway sequence number serenity warns
/// "Sequence off" inside its `handle_gateway_dispatch` span, whose fields
/// hold the whole dispatch. With the default filter (no RUST_LOG) the draft
/// text must not reach the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_sequence_gap_does_not_put_the_draft_in_the_log() {
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let env = BotEnv::new();
    let mut bot = env.spawn_with(&fake, &[("RUST_LOG", None)]);
    wait_connected(&fake, &mut bot, 1).await;
    let audit = env.audit().await;

    let secret = "Nurse Okafor's direct line is 555-201-4477";
    fake.skip_sequence(3);
    let id = fake.message_create(REVIEW_CHANNEL, &people::author(), &format!("{CLEAN_DRAFT} {secret}."));
    fake.wait_reply(id, STEP).await;
    audit.wait_for(id, RecordKind::Submitted, 1, STEP).await;
    // Another gap and a plain draft, so the first warning has surely been written.
    fake.skip_sequence(1);
    let second = fake.message_create(REVIEW_CHANNEL, &people::author(), CLEAN_DRAFT);
    fake.wait_reply(second, STEP).await;

    let log = bot.output();
    assert!(log.contains("token accepted"), "the default filter logs at info:\n{log}");
    assert!(log.contains("Sequence off"), "the gap was noticed (and its warning logged):\n{log}");
    bot.assert_output_free_of(&[secret, "Okafor", "555-201-4477", "Walk-ins are welcome"]);
    assert_eq!(kinds(&audit.for_message(id).await), vec!["submitted"]);
}

/// Issue 9, item 14: the token goes to the gateway in IDENTIFY, so a
/// discovered gateway must be `wss://`, or `ws://` on a loopback address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_gateway_on_another_host_is_refused_before_the_token_is_sent() {
    let mut config = FakeConfig::new(TOKEN);
    config.discovered_gateway = Some("ws://gateway.example.invalid/ws".into());
    let fake = FakeDiscord::start(config).await;
    let env = BotEnv::new();
    let mut bot = env.spawn(&fake);
    let status = bot.wait_exit(STARTUP).await;
    let out = bot.output();
    assert_eq!(status.code(), Some(2), "{out}");
    assert!(out.contains("ws://gateway.example.invalid"), "names the URL: {out}");
    assert!(out.contains("wss://"), "says what is accepted: {out}");
    assert!(fake.identifies().is_empty());
    bot.assert_output_free_of(&[]);
}

/// A fake and a bot connected to it, with the audit store open.
struct World {
    fake: FakeDiscord,
    _env: BotEnv,
    bot: BotProcess,
    audit: support::Audit,
}

impl World {
    async fn start() -> World {
        Self::start_in(BotEnv::new()).await
    }

    async fn start_in(env: BotEnv) -> World {
        let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
        let mut bot = env.spawn(&fake);
        wait_connected(&fake, &mut bot, 1).await;
        let audit = env.audit().await;
        World { fake, _env: env, bot, audit }
    }

    /// Posts a draft and waits for its review reply and submitted record.
    async fn draft(&self, author: &Person, text: &str) -> u64 {
        let id = self.fake.message_create(REVIEW_CHANNEL, author, text);
        self.fake.wait_reply(id, STEP).await;
        self.audit.wait_for(id, RecordKind::Submitted, 1, STEP).await;
        id
    }

    async fn wait_approve_reaction(&self, message: u64) {
        self.fake
            .wait_request(STEP, &format!("the bot's ✅ on {message}"), |r| {
                r.is_own_reaction(REVIEW_CHANNEL, message, APPROVE)
            })
            .await;
    }

    /// A clean draft whose ✅ has arrived: everything the bot started before it has had its turn.
    async fn barrier(&self) {
        let id = self
            .draft(&people::other_staff(), "Our pharmacy hours change next week: open until 9pm on weekdays.")
            .await;
        self.wait_approve_reaction(id).await;
    }

    /// Messages the bot posted in the review channel after request `since` that mention `who`.
    fn lines_to(&self, since: usize, who: &Person) -> Vec<String> {
        let mention = format!("<@{}>", who.id);
        self.fake.requests()[since..]
            .iter()
            .filter(|r| r.message_post_channel() == Some(REVIEW_CHANNEL))
            .filter_map(|r| r.body["content"].as_str().map(str::to_string))
            .filter(|c| c.contains(&mention))
            .collect()
    }
}

/// Issue 9, item 10: another bot's account, even one holding a manager
/// role, can neither approve nor reject.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_from_bot_accounts_are_ignored() {
    let w = World::start().await;
    let mut robot = Person::bot(6001, "Scheduler");
    robot.roles = vec![MANAGER_ROLE];
    let approve_me = w.draft(&people::author(), CLEAN_DRAFT).await;
    w.wait_approve_reaction(approve_me).await;
    let reject_me =
        w.draft(&people::author(), "Our blood drive is this Saturday from 9am to 3pm at the main lobby.").await;
    w.wait_approve_reaction(reject_me).await;
    let before = w.fake.requests().len();
    w.fake.reaction_add(REVIEW_CHANNEL, approve_me, &robot, APPROVE);
    w.fake.reaction_add(REVIEW_CHANNEL, reject_me, &robot, REJECT);
    w.barrier().await;
    assert_eq!(kinds(&w.audit.for_message(approve_me).await), vec!["submitted"], "no approval by a bot");
    assert_eq!(kinds(&w.audit.for_message(reject_me).await), vec!["submitted"]);
    assert!(w.lines_to(before, &robot).is_empty(), "a bot is not asked for a reason: {:?}", w.lines_to(before, &robot));
    // The same reactions from a person with the role count.
    w.fake.reaction_add(REVIEW_CHANNEL, approve_me, &people::manager(), APPROVE);
    w.audit.wait_for(approve_me, RecordKind::Approved, 1, STEP).await;
    w.bot.assert_output_free_of(&[CLEAN_DRAFT]);
}

/// Issue 9, item 19: a ✅ clicked again and again by someone who may not
/// approve is taken off each time, but recorded and answered once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_refused_approvals_are_recorded_and_answered_once() {
    let w = World::start().await;
    let staff = people::other_staff();
    let id = w.draft(&people::author(), CLEAN_DRAFT).await;
    w.wait_approve_reaction(id).await;
    let before = w.fake.requests().len();
    for n in 1..=3 {
        w.fake.reaction_add(REVIEW_CHANNEL, id, &staff, APPROVE);
        w.fake
            .wait_requests(n, STEP, &format!("removal #{n} of Sam's ✅"), |r| {
                r.is_reaction_removal(REVIEW_CHANNEL, id, APPROVE, staff.id)
            })
            .await;
    }
    w.barrier().await;
    assert_eq!(kinds(&w.audit.for_message(id).await), vec!["submitted", "approval-refused"]);
    let lines = w.lines_to(before, &staff);
    assert_eq!(lines.len(), 1, "one line: {lines:?}");
    assert!(lines[0].contains("not recorded"), "{lines:?}");
    w.bot.assert_output_free_of(&[CLEAN_DRAFT]);
}
