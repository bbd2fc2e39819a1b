//! Security hardening of the bot (issue 9, Medium and Low items), end to
//! end: the real `safetweet` binary against the loopback fake Discord in
//! `tests/support/`, with a real SQLite audit file per test.

mod support;

use safetweet::audit::{AuditRecord, RecordKind};
use std::time::Duration;
use support::fake_discord::{FakeConfig, FakeDiscord};
use support::{people, BotEnv, BotProcess, REVIEW_CHANNEL, TOKEN};

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
