//! End-to-end tests of the Discord bot (issue 4): the real `safetweet serve`
//! binary against the loopback fake Discord in `tests/support/`, with a real
//! SQLite audit file per test. No internet: every address is 127.0.0.1.
//!
//! The first tests prove the fake itself with a plain serenity client, so a
//! failure further down points at the bot, not at the fake.

mod support;

use std::time::Duration;
use support::fake_discord::{self, FakeConfig, FakeDiscord, GatewayDrop, Person};
use support::{APPROVE, REVIEW_CHANNEL, TOKEN};

const SHORT: Duration = Duration::from_secs(15);

// ---- the fake, proven with a plain serenity client -------------------------

#[test]
fn fake_payloads_deserialize_as_serenity_models() {
    fake_discord::check_payloads_against_serenity();
}

mod plain_client {
    use super::*;
    use serenity::all::{Context, EventHandler, GatewayIntents, Message, Reaction, Ready};
    use serenity::async_trait;
    use tokio::sync::mpsc;

    pub enum Seen {
        Ready(u64),
        Message(u64, String, Vec<u64>),
        Reaction(u64, String),
    }

    struct Handler(mpsc::UnboundedSender<Seen>);

    #[async_trait]
    impl EventHandler for Handler {
        async fn ready(&self, _: Context, ready: Ready) {
            let _ = self.0.send(Seen::Ready(ready.user.id.get()));
        }
        async fn message(&self, ctx: Context, msg: Message) {
            let roles = msg.member.as_ref().map(|m| m.roles.iter().map(|r| r.get()).collect()).unwrap_or_default();
            let _ = self.0.send(Seen::Message(msg.id.get(), msg.content.clone(), roles));
            // The same calls a bot makes: a reply and a reaction through REST.
            let _ = msg.reply(&ctx.http, "seen").await;
            let _ = msg.react(&ctx, '✅').await;
        }
        async fn reaction_add(&self, _: Context, r: Reaction) {
            let _ = self.0.send(Seen::Reaction(r.message_id.get(), r.emoji.to_string()));
        }
    }

    pub async fn start(
        fake: &FakeDiscord,
        token: &str,
    ) -> (mpsc::UnboundedReceiver<Seen>, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let http = serenity::http::HttpBuilder::new(token).proxy(fake.base_url()).ratelimiter_disabled(true).build();
        let intents = GatewayIntents::GUILDS
            | GatewayIntents::GUILD_MESSAGES
            | GatewayIntents::MESSAGE_CONTENT
            | GatewayIntents::GUILD_MESSAGE_REACTIONS;
        let mut client = serenity::all::ClientBuilder::new_with_http(http, intents)
            .event_handler(Handler(tx))
            .await
            .expect("build serenity client");
        let task = tokio::spawn(async move {
            let _ = client.start().await;
        });
        (rx, task)
    }
}

/// serenity's warnings (a dispatch it could not parse is dropped with one),
/// captured for the whole test binary.
fn serenity_warnings() -> std::sync::Arc<std::sync::Mutex<Vec<u8>>> {
    static LOG: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&log);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer(move || CaptureWriter(std::sync::Arc::clone(&sink)))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        log
    })
    .clone()
}

struct CaptureWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn next_seen(rx: &mut tokio::sync::mpsc::UnboundedReceiver<plain_client::Seen>) -> plain_client::Seen {
    tokio::time::timeout(SHORT, rx.recv()).await.expect("serenity saw nothing in time").expect("handler gone")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_serves_a_plain_serenity_client_through_ready_dispatch_rest_and_resume() {
    let warnings = serenity_warnings();
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let (mut rx, task) = plain_client::start(&fake, TOKEN).await;
    fake.wait_ready(1, SHORT).await;
    assert!(matches!(next_seen(&mut rx).await, plain_client::Seen::Ready(id) if id == fake_discord::BOT_USER_ID));
    assert!(fake.identifies()[0].intents & fake_discord::MESSAGE_CONTENT != 0);

    let author = Person::new(77, "Ana", &[4000]);
    let id = fake.message_create(REVIEW_CHANNEL, &author, "hello there");
    match next_seen(&mut rx).await {
        plain_client::Seen::Message(got, content, roles) => {
            assert_eq!((got, content.as_str(), roles), (id, "hello there", vec![4000]));
        }
        _ => panic!("expected the message"),
    }
    let reply = fake.wait_reply(id, SHORT).await;
    assert_eq!(reply.body["content"], "seen");
    fake.wait_request(SHORT, "the ✅ reaction", |r| r.is_own_reaction(REVIEW_CHANNEL, id, APPROVE)).await;

    // Drop the socket abruptly, inject while it is down: RESUME replays it once.
    fake.drop_gateway(GatewayDrop::Abrupt);
    let during = fake.message_create(REVIEW_CHANNEL, &author, "while down");
    fake.wait_resumed(1, SHORT).await;
    match next_seen(&mut rx).await {
        plain_client::Seen::Message(got, ..) => assert_eq!(got, during),
        _ => panic!("expected the replayed message"),
    }
    // And with a close frame.
    fake.drop_gateway(GatewayDrop::Close(4000));
    fake.wait_resumed(2, SHORT).await;
    fake.reaction_add(REVIEW_CHANNEL, id, &author, APPROVE);
    match next_seen(&mut rx).await {
        plain_client::Seen::Reaction(m, emoji) => assert_eq!((m, emoji.as_str()), (id, APPROVE)),
        _ => panic!("expected the reaction"),
    }
    assert_eq!(fake.identifies().len(), 1, "serenity resumed instead of identifying again");
    assert_eq!(fake.requests().iter().filter(|r| r.is_reply_to(during)).count(), 1);
    task.abort();
    let warnings = String::from_utf8_lossy(&warnings.lock().expect("log lock")).into_owned();
    assert!(!warnings.contains("deserializ"), "serenity could not parse a dispatch:\n{warnings}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_rejects_a_bad_token_on_rest_and_gateway() {
    let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
    let http =
        serenity::http::HttpBuilder::new("not-the-token").proxy(fake.base_url()).ratelimiter_disabled(true).build();
    let err = http.get_current_user().await.expect_err("a bad token must be refused");
    assert!(err.to_string().contains("Unauthorized") || err.to_string().contains("401"), "{err}");
    let ok = serenity::http::HttpBuilder::new(TOKEN).proxy(fake.base_url()).ratelimiter_disabled(true).build();
    assert_eq!(ok.get_current_user().await.expect("good token").id.get(), fake_discord::BOT_USER_ID);
}
