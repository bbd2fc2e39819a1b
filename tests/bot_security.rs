//! Security hardening of the bot (issue 9, Medium and Low items), end to
//! end: the real `safetweet` binary against the loopback fake Discord in
//! `tests/support/`, with a real SQLite audit file per test.

mod support;

use safetweet::audit::{AuditRecord, RecordKind};
use std::time::Duration;
use support::fake_discord::{FakeConfig, FakeDiscord, GatewayDrop, Person};
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

/// `manager` reacts ❌ on `draft`; returns the id of the bot's question.
async fn ask_rejection(fake: &FakeDiscord, draft: u64, manager: &Person) -> u64 {
    let before = fake.requests().len();
    fake.reaction_add(REVIEW_CHANNEL, draft, manager, REJECT);
    let mention = format!("<@{}>", manager.id);
    fake.wait_until(STEP, "the bot asking why", |v| {
        v.requests()[before..]
            .iter()
            .find(|r| {
                r.message_post_channel() == Some(REVIEW_CHANNEL)
                    && r.body["content"].as_str().is_some_and(|c| c.contains(&mention) && c.contains("why"))
            })
            .and_then(|r| r.created)
    })
    .await
}

/// Issue 9, item 19: a reply to one of the bot's own messages is never a
/// draft: a second answer to a question already answered is told it was not
/// recorded, and a remark under a review reply is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_to_the_bots_own_messages_are_not_reviewed_as_drafts() {
    let w = World::start().await;
    let manager = people::manager();
    let id = w.fake.message_create(REVIEW_CHANNEL, &people::author(), CLEAN_DRAFT);
    let review_reply = w.fake.wait_reply(id, STEP).await.created.expect("reply id");
    w.wait_approve_reaction(id).await;
    let prompt = ask_rejection(&w.fake, id, &manager).await;
    w.fake.message_create_reply(REVIEW_CHANNEL, &manager, "Needs legal sign-off first.", prompt);
    w.audit.wait_for(id, RecordKind::Rejected, 1, STEP).await;

    let before = w.fake.requests().len();
    let again = "Also: Mrs Alvarez in bed 4 asked us not to post anything this week.";
    let second = w.fake.message_create_reply(REVIEW_CHANNEL, &manager, again, prompt);
    let remark = w.fake.message_create_reply(REVIEW_CHANNEL, &people::author(), "Thanks, fixing it now!", review_reply);
    w.barrier().await;
    for message in [second, remark] {
        assert!(w.audit.for_message(message).await.is_empty(), "{message} was reviewed as a draft");
        assert!(
            !w.fake
                .requests()
                .iter()
                .any(|r| r.is_reply_to(message) && r.body["embeds"].as_array().is_some_and(|e| !e.is_empty())),
            "{message} got a review"
        );
    }
    let told = w.lines_to(before, &manager);
    assert!(told.iter().any(|l| l.contains("not recorded") && l.contains("no longer open")), "{told:?}");
    assert!(w.lines_to(before, &people::author()).is_empty());
    assert_eq!(kinds(&w.audit.for_message(id).await), vec!["submitted", "rejected"]);
    w.bot.assert_output_free_of(&["Alvarez", "bed 4"]);
}

/// Issue 9, item 19: reasons written while the bot was away are applied on
/// its return if their question is still open (history carries no roles:
/// the bot looks the manager up), and the manager is told when one is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_answered_while_the_bot_was_away_are_applied_or_said_to_be_dropped() {
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let env = BotEnv::new();
    let manager = people::manager();
    let mut first = env.spawn(&fake);
    wait_connected(&fake, &mut first, 1).await;
    let audit = env.audit().await;
    let mut drafts = Vec::new();
    for text in [CLEAN_DRAFT, "Our blood drive is this Saturday from 9am to 3pm at the main lobby."] {
        let id = fake.message_create(REVIEW_CHANNEL, &people::author(), text);
        fake.wait_request(STEP, "the ✅", |r| r.is_own_reaction(REVIEW_CHANNEL, id, APPROVE)).await;
        drafts.push(id);
    }
    let replaced = ask_rejection(&fake, drafts[0], &manager).await;
    // A newer question to the same manager replaces the first one.
    let open = ask_rejection(&fake, drafts[1], &manager).await;
    let status = first.terminate(STEP).await;
    assert!(status.success(), "{}", first.output());

    let applied = "Saturday hours are not confirmed yet.";
    let stale = "Wrong clinic name.";
    let stale_answer = fake.message_in_history_reply(REVIEW_CHANNEL, &manager, stale, replaced);
    let answer = fake.message_in_history_reply(REVIEW_CHANNEL, &manager, applied, open);

    let before = fake.requests().len();
    let mut second = env.spawn(&fake);
    wait_connected(&fake, &mut second, 2).await;
    let rejected = audit.wait_for(drafts[1], RecordKind::Rejected, 1, STEP).await;
    assert_eq!((rejected[0].record.actor_id, rejected[0].record.reason.as_deref()), (manager.id, Some(applied)));
    assert!(rejected[0].record.roles.contains(&MANAGER_ROLE), "{:?}", rejected[0].record.roles);
    let told = fake
        .wait_until(STEP, "the manager told about the answer that was dropped", |v| {
            v.requests()[before..]
                .iter()
                .filter_map(|r| r.body["content"].as_str())
                .find(|c| c.contains(&format!("<@{}>", manager.id)) && c.contains("while the bot was away"))
                .map(str::to_string)
        })
        .await;
    assert!(told.contains("not recorded"), "{told}");
    assert_eq!(kinds(&audit.for_message(drafts[0]).await), vec!["submitted"]);
    for message in [stale_answer, answer] {
        assert!(audit.for_message(message).await.is_empty(), "{message} was reviewed as a draft");
    }

    // Told once: a third start catches up on the same history without repeating it.
    second.terminate(STEP).await;
    let before = fake.requests().len();
    let mut third = env.spawn(&fake);
    wait_connected(&fake, &mut third, 3).await;
    let w = World { fake, _env: env, bot: third, audit };
    w.barrier().await;
    assert!(w.lines_to(before, &manager).is_empty(), "{:?}", w.lines_to(before, &manager));
    assert_eq!(kinds(&w.audit.for_message(drafts[1]).await), vec!["submitted", "rejected"]);
    w.bot.assert_output_free_of(&[applied, stale]);
}

/// Issue 9, item 19: a newer question to a manager replaces the older one
/// even when Discord answers the older one's post last. Each reaction is
/// handled in its own task; the older task used to store its question's id
/// after the newer task had stored its own, bringing the replaced question
/// back: the answer to the newer question was then dropped and an answer
/// to the replaced one rejected the other draft.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_whose_post_is_answered_late_does_not_replace_the_newer_one() {
    let mut w = World::start().await;
    let manager = people::manager();
    let first = w.draft(&people::author(), CLEAN_DRAFT).await;
    w.wait_approve_reaction(first).await;
    let second =
        w.draft(&people::author(), "Our blood drive is this Saturday from 9am to 3pm at the main lobby.").await;
    w.wait_approve_reaction(second).await;
    // The first question is posted at once, but its answer reaches the bot
    // after the second question has been asked and kept.
    w.fake.delay_next("POST", &format!("/channels/{REVIEW_CHANNEL}/messages"), Duration::from_secs(2), 1);
    let replaced = ask_rejection(&w.fake, first, &manager).await;
    let open = ask_rejection(&w.fake, second, &manager).await;
    // A graceful stop waits for both questions to be kept; the answers come
    // while the bot is away, so only the catch-up hands them over.
    let status = w.bot.terminate(STEP).await;
    assert!(status.success(), "{}", w.bot.output());
    let stale = "Wrong clinic name.";
    let applied = "Saturday hours are not confirmed yet.";
    w.fake.message_in_history_reply(REVIEW_CHANNEL, &manager, stale, replaced);
    w.fake.message_in_history_reply(REVIEW_CHANNEL, &manager, applied, open);

    let before = w.fake.requests().len();
    w.bot = w._env.spawn(&w.fake);
    wait_connected(&w.fake, &mut w.bot, 2).await;
    let rejected = w.audit.wait_for(second, RecordKind::Rejected, 1, STEP).await;
    assert_eq!((rejected[0].record.actor_id, rejected[0].record.reason.as_deref()), (manager.id, Some(applied)));
    w.barrier().await;
    assert_eq!(kinds(&w.audit.for_message(first).await), vec!["submitted"], "the replaced question was answered");
    let told = w.lines_to(before, &manager);
    assert!(told.iter().any(|l| l.contains("not recorded") && l.contains("no longer open")), "{told:?}");
    w.bot.assert_output_free_of(&[stale, applied]);
}

/// Waits (bounded) until the bot's output has `line` at least `n` times.
async fn wait_logged(bot: &mut BotProcess, line: &str, n: usize, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    while bot.output().matches(line).count() < n {
        if let Some(status) = bot.try_exit() {
            panic!("the bot exited ({status}):\n{}", bot.output());
        }
        assert!(tokio::time::Instant::now() < deadline, "no {n} {line:?} within {within:?}:\n{}", bot.output());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The same answer handed over twice at once is acted on once: live, and
/// by the catch-up after a fresh IDENTIFY (the session timed out), which
/// reads it from history while the live task is still carrying out the
/// rejection and has not noted the answer handled. The check and the note
/// were separate steps: the catch-up, finding the question cleared by the
/// live task, told the manager their answer was not recorded (and a catch-up
/// that found it still open rejected the draft a second time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_handed_over_live_and_by_the_catch_up_at_once_is_acted_on_once() {
    let mut w = World::start().await;
    let manager = people::manager();
    let draft = w.draft(&people::author(), CLEAN_DRAFT).await;
    w.wait_approve_reaction(draft).await;
    let question = ask_rejection(&w.fake, draft, &manager).await;
    // The live task appends the rejection, clears the question, then takes
    // the bot's ✅ off: Discord acts at once but answers late, so the task
    // is still busy (the answer not noted) while the bot reconnects.
    let reactions = format!("/channels/{REVIEW_CHANNEL}/messages/{draft}/reactions");
    w.fake.delay_next("DELETE", &reactions, Duration::from_secs(8), 1);
    let before = w.fake.requests().len();
    let reason = "Saturday hours are not confirmed yet.";
    w.fake.message_create_reply(REVIEW_CHANNEL, &manager, reason, question);
    w.audit.wait_for(draft, RecordKind::Rejected, 1, STEP).await;
    w.fake
        .wait_request(STEP, "the bot's ✅ taken off", |r| r.method == "DELETE" && r.path.starts_with(&reactions))
        .await;
    w.fake.drop_gateway(GatewayDrop::Close(4009));
    wait_connected(&w.fake, &mut w.bot, 2).await;
    wait_logged(&mut w.bot, "catch-up done", 2, STEP).await;
    // The live task is done once its line is said (and its answer noted).
    w.fake
        .wait_until(STEP, "the rejection said", |v| {
            v.requests()[before..]
                .iter()
                .any(|r| r.body["content"].as_str().is_some_and(|c| c.contains("Rejected by")))
                .then_some(())
        })
        .await;
    w.barrier().await;
    let lines = w.lines_to(before, &manager);
    assert_eq!(lines.iter().filter(|l| l.contains("Rejected by")).count(), 1, "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("not recorded")), "{lines:?}");
    assert_eq!(kinds(&w.audit.for_message(draft).await), vec!["submitted", "rejected"]);
    w.bot.assert_output_free_of(&[reason, CLEAN_DRAFT]);
}

/// `/reject draft:` on one draft clears only the manager's question about
/// that draft: their open question about another draft (asked by a ❌)
/// stays open, and their answer to it is applied. The question used to be
/// cleared by channel and manager alone, so the answer was told "no longer
/// open" and the other draft stayed pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reject_command_on_one_draft_leaves_the_question_about_another_open() {
    let w = World::start().await;
    let manager = people::manager();
    let asked = w.draft(&people::author(), CLEAN_DRAFT).await;
    w.wait_approve_reaction(asked).await;
    let other = w.draft(&people::author(), "Our blood drive is this Saturday from 9am to 3pm at the main lobby.").await;
    w.wait_approve_reaction(other).await;
    let question = ask_rejection(&w.fake, asked, &manager).await;
    let by_command = "Saturday hours are not confirmed yet.";
    let draft_ref = other.to_string();
    let cmd =
        w.fake.interaction_create(REVIEW_CHANNEL, &manager, "reject", &[("draft", &draft_ref), ("reason", by_command)]);
    w.fake.wait_request(STEP, "the /reject answer", |r| r.is_interaction_callback(cmd)).await;
    w.audit.wait_for(other, RecordKind::Rejected, 1, STEP).await;
    let before = w.fake.requests().len();
    let reason = "Wrong clinic name.";
    w.fake.message_create_reply(REVIEW_CHANNEL, &manager, reason, question);
    let rejected = w.audit.wait_for(asked, RecordKind::Rejected, 1, STEP).await;
    assert_eq!(rejected[0].record.reason.as_deref(), Some(reason));
    w.barrier().await;
    let lines = w.lines_to(before, &manager);
    assert!(!lines.iter().any(|l| l.contains("not recorded")), "{lines:?}");
    assert_eq!(kinds(&w.audit.for_message(other).await), vec!["submitted", "rejected"]);
    w.bot.assert_output_free_of(&[reason, by_command, CLEAN_DRAFT]);
}

/// Issue 9, item 17: with SAFETWEET_AUDIT_KEY the bot's records carry MACs
/// that `audit verify` checks with the same key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_audit_key_the_bots_records_verify_as_authenticated() {
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let env = BotEnv::new();
    let secret = "0f1e2d3c4b5a69788796a5b4c3d2e1f0-key";
    let mut bot = env.spawn_with(&fake, &[("SAFETWEET_AUDIT_KEY", Some(secret))]);
    wait_connected(&fake, &mut bot, 1).await;
    let audit = env.audit().await;
    let id = fake.message_create(REVIEW_CHANNEL, &people::author(), CLEAN_DRAFT);
    fake.wait_request(STEP, "the ✅", |r| r.is_own_reaction(REVIEW_CHANNEL, id, APPROVE)).await;
    fake.reaction_add(REVIEW_CHANNEL, id, &people::manager(), APPROVE);
    audit.wait_for(id, RecordKind::Approved, 1, STEP).await;
    let verify = ["audit", "verify", "--database", env.db_url.as_str()];
    let (code, out, err) = env.run(&[("SAFETWEET_AUDIT_KEY", Some(secret))], &verify, STEP).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("every record carries a valid SAFETWEET_AUDIT_KEY MAC"), "{out}");
    let (code, out, _) =
        env.run(&[("SAFETWEET_AUDIT_KEY", Some("another-key-another-key-another-key"))], &verify, STEP).await;
    assert_eq!(code, Some(1), "{out}");
    bot.assert_output_free_of(&[secret, CLEAN_DRAFT]);
}
