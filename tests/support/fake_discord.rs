//! A fake Discord on 127.0.0.1 for end-to-end tests: just enough of the REST
//! API (v10) and the gateway for the real serenity client inside
//! `safetweet serve` to connect, receive dispatches and answer them.
//!
//! - REST: every request is recorded (method, percent-decoded path, JSON body,
//!   arrival time) and answered with a valid Discord object; unknown routes get
//!   a 404 JSON error and an `eprintln!` so gaps are visible.
//! - Gateway: HELLO → IDENTIFY (token and intents checked) → READY (+ an
//!   optional GUILD_CREATE whose roles grant the bot what it needs), heartbeats,
//!   RESUME with replay of missed dispatches, and a way to drop the socket.
//! - Injection: tests create messages, edits and reactions as other users; the
//!   fake remembers messages and members so `GET` routes can answer later.
//! - Attachments: a message's attachment URLs point at the fake itself
//!   (`GET /attachments/{id}/{filename}`, the CDN's path shape), which serves
//!   the bytes a test gave (404 for attachments given by name only) and
//!   counts the downloads.
//!
//! Waiting is always bounded: the `wait_*` helpers take a timeout and panic
//! with a summary of what the fake has seen when it runs out.
//!
//! This file is used by `tests/bot_e2e.rs` (through `tests/support/mod.rs`)
//! and by `benches/bot_latency.rs` (by path); it may not touch the crate's own
//! code, only talk to it over loopback.
#![allow(dead_code)]

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// The guild every injected message lives in.
pub const GUILD_ID: u64 = 2000;
/// The bot's own user id (and its application id).
pub const BOT_USER_ID: u64 = 1_000;
pub const APPLICATION_ID: u64 = 1_000;
/// A user id the fake treats as the guild owner (never used by tests as a reviewer).
const OWNER_ID: u64 = 1;
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// What kind of fake to start.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// The token the fake accepts (REST `Authorization: Bot …` and gateway IDENTIFY).
    pub token: String,
    /// Send a GUILD_CREATE after READY (roles grant the bot the permissions
    /// it needs, so serenity's local permission checks pass).
    pub guild_create: bool,
    /// The channels the GUILD_CREATE lists.
    pub channels: Vec<u64>,
    pub heartbeat_interval_ms: u64,
    /// Parse every injected dispatch as serenity's model before sending it
    /// (and panic if it does not parse). Off in the latency bench.
    pub validate_dispatches: bool,
    /// Echo the bot's own messages, edits and reactions back as dispatches,
    /// as Discord does.
    pub echo_own_events: bool,
    /// What gateway discovery (`GET /gateway`) answers instead of the
    /// fake's own `ws://127.0.0.1:PORT/ws` (e.g. a plain-text gateway on
    /// another host).
    pub discovered_gateway: Option<String>,
}

impl FakeConfig {
    pub fn new(token: &str) -> Self {
        FakeConfig {
            token: token.to_string(),
            guild_create: true,
            channels: vec![3000],
            heartbeat_interval_ms: 5_000,
            validate_dispatches: true,
            echo_own_events: true,
            discovered_gateway: None,
        }
    }
}

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct RestRequest {
    pub method: String,
    /// Percent-decoded path below `/api/v10` (e.g. `/channels/3000/messages/12/reactions/✅/@me`).
    pub path: String,
    pub query: Option<String>,
    /// The JSON body (`payload_json` for multipart), `Null` when there was none.
    pub body: Value,
    pub at: Instant,
    /// The Authorization header carried the accepted token.
    pub authorized: bool,
    /// The id of the message this request created (`POST …/messages`).
    pub created: Option<u64>,
    /// The files of a multipart body: (file name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

impl RestRequest {
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path == path
    }
    /// `POST /channels/{c}/messages`: the channel.
    pub fn message_post_channel(&self) -> Option<u64> {
        let rest = self.path.strip_prefix("/channels/")?;
        let (channel, tail) = rest.split_once('/')?;
        (self.method == "POST" && tail == "messages").then(|| channel.parse().ok()).flatten()
    }
    /// The message a posted message replies to (its `message_reference`).
    pub fn reply_to(&self) -> Option<u64> {
        snowflake(self.body.get("message_reference")?.get("message_id")?)
    }
    /// A message posted in reply to `message`.
    pub fn is_reply_to(&self, message: u64) -> bool {
        self.message_post_channel().is_some() && self.reply_to() == Some(message)
    }
    /// Every human-readable string in the body (content, embed title,
    /// description, field names and values, footer), joined by newlines.
    pub fn text(&self) -> String {
        let mut out = Vec::new();
        collect_strings(&self.body, &mut out);
        out.join("\n")
    }
    /// `PUT …/messages/{m}/reactions/{emoji}/@me`.
    pub fn is_own_reaction(&self, channel: u64, message: u64, emoji: &str) -> bool {
        self.is("PUT", &format!("/channels/{channel}/messages/{message}/reactions/{emoji}/@me"))
    }
    /// `POST /interactions/{id}/{token}/callback` for an interaction the fake created.
    pub fn is_interaction_callback(&self, interaction: u64) -> bool {
        self.is("POST", &format!("/interactions/{interaction}/tok-{interaction}/callback"))
    }
    /// The interaction callback's type: 4 a message, 6 a deferred update
    /// (an acknowledged click), 7 an update of the clicked message, 9 a modal.
    pub fn callback_type(&self) -> Option<u64> {
        self.body["type"].as_u64()
    }
    /// The callback's message is ephemeral (flag 64).
    pub fn is_ephemeral(&self) -> bool {
        self.body["data"]["flags"].as_u64().is_some_and(|f| f & 64 != 0)
    }
    /// `DELETE …/messages/{m}/reactions/{emoji}/{user}`.
    pub fn is_reaction_removal(&self, channel: u64, message: u64, emoji: &str, user: u64) -> bool {
        self.is("DELETE", &format!("/channels/{channel}/messages/{message}/reactions/{emoji}/{user}"))
    }
}

fn collect_strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                // ids, urls and colours are not text a person reads
                if !matches!(k.as_str(), "url" | "icon_url" | "proxy_url" | "message_id" | "channel_id" | "guild_id") {
                    collect_strings(x, out);
                }
            }
        }
        _ => {}
    }
}

/// Reads a snowflake sent as a string or a number.
pub fn snowflake(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// A Discord user as the fake injects them.
#[derive(Debug, Clone)]
pub struct Person {
    pub id: u64,
    pub name: String,
    pub bot: bool,
    /// Role ids the member holds in the guild.
    pub roles: Vec<u64>,
}

impl Person {
    pub fn new(id: u64, name: &str, roles: &[u64]) -> Self {
        Person { id, name: name.to_string(), bot: false, roles: roles.to_vec() }
    }
    pub fn bot(id: u64, name: &str) -> Self {
        Person { id, name: name.to_string(), bot: true, roles: Vec::new() }
    }
}

/// What the gateway saw a client send in IDENTIFY.
#[derive(Debug, Clone)]
pub struct IdentifyRecord {
    pub token_ok: bool,
    pub intents: u64,
    pub at: Instant,
}

/// How to drop the gateway connection.
#[derive(Debug, Clone, Copy)]
pub enum GatewayDrop {
    /// A close frame with this code (e.g. 4000 "unknown error": resumable).
    Close(u16),
    /// The TCP connection just goes away, no close frame.
    Abrupt,
    /// Op 7 RECONNECT: Discord asks the client to reconnect and resume.
    Reconnect,
}

enum Control {
    Text(String),
    Close(u16),
    Abrupt,
}

struct Conn {
    id: u64,
    tx: mpsc::UnboundedSender<Control>,
}

struct Session {
    id: String,
    /// Every dispatch of the session, in order, with its `s`.
    events: Vec<(u64, String)>,
    /// The `s` of the next dispatch (above the last one's after a gap).
    next_seq: u64,
}

impl Session {
    fn new(id: String) -> Session {
        Session { id, events: Vec::new(), next_seq: 1 }
    }
    /// Takes the next sequence number.
    fn seq(&mut self) -> u64 {
        let s = self.next_seq;
        self.next_seq += 1;
        s
    }
}

#[derive(Default)]
struct Inner {
    /// Injected REST failures: (method, path prefix, status, how many more times).
    faults: Vec<(String, String, u16, usize)>,
    /// Injected slow answers: (method, path prefix, delay, how many more times).
    delays: Vec<(String, String, Duration, usize)>,
    session: Option<Session>,
    conn: Option<Conn>,
    next_conn: u64,
    identifies: Vec<IdentifyRecord>,
    readies: usize,
    resumes: usize,
    /// Gateway connections that ended.
    disconnects: usize,
    requests: Vec<RestRequest>,
    messages: HashMap<u64, Value>,
    members: HashMap<u64, Person>,
    /// When a message was injected (MESSAGE_CREATE handed to the socket task).
    injected_at: HashMap<u64, Instant>,
    commands: HashMap<String, Vec<Value>>,
    /// Attachment bytes by attachment id.
    files: HashMap<u64, Vec<u8>>,
    /// Paths of attachment downloads, in order.
    downloads: Vec<String>,
}

struct Shared {
    config: FakeConfig,
    addr: SocketAddr,
    inner: Mutex<Inner>,
    changes: watch::Sender<u64>,
    next_id: AtomicU64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
    fn changed(&self) {
        self.changes.send_modify(|v| *v += 1);
    }
    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
    fn token_ok(&self, presented: &str) -> bool {
        let presented = presented.trim();
        let presented = presented.strip_prefix("Bot ").unwrap_or(presented);
        presented == self.config.token
    }
    fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// Queues a dispatch on the current session: sent now when a client is
    /// attached, replayed on RESUME otherwise.
    fn dispatch(&self, inner: &mut Inner, t: &str, d: Value) -> Result<(), String> {
        let Some(session) = inner.session.as_mut() else {
            return Err(format!("fake discord: no gateway session yet; wait_ready() before injecting {t}"));
        };
        let seq = session.seq();
        let frame = json!({"op": 0, "t": t, "s": seq, "d": d});
        if self.config.validate_dispatches {
            // serenity drops a dispatch it cannot parse with only a warn!: say so loudly here.
            match serde_json::from_value::<serenity::model::event::GatewayEvent>(frame.clone()) {
                Ok(serenity::model::event::GatewayEvent::Dispatch(_, serenity::model::event::Event::Unknown(_)))
                | Err(_) => return Err(format!("fake discord: serenity cannot parse this {t} dispatch: {frame}")),
                Ok(_) => {}
            }
        }
        let frame = frame.to_string();
        session.events.push((seq, frame.clone()));
        if let Some(conn) = &inner.conn {
            let _ = conn.tx.send(Control::Text(frame));
        }
        Ok(())
    }

    /// Discord tells every client about the bot's own actions too: its
    /// messages, edits and reactions come back as dispatches. A bot has to
    /// ignore its own events; the fake sends them so the tests see that it does.
    fn echo(&self, t: &str, d: Value) {
        if !self.config.echo_own_events {
            return;
        }
        let mut inner = self.lock();
        if inner.session.is_none() {
            return;
        }
        if let Err(e) = self.dispatch(&mut inner, t, d) {
            eprintln!("{e}");
        }
    }
}

/// The running fake. Dropping it stops the server.
pub struct FakeDiscord {
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
        let mut inner = self.shared.lock();
        if let Some(conn) = inner.conn.take() {
            let _ = conn.tx.send(Control::Abrupt);
        }
    }
}

fn now_timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, false)
}

fn user_json(p: &Person) -> Value {
    json!({
        "id": p.id.to_string(),
        "username": p.name,
        "discriminator": "0",
        "global_name": p.name,
        "avatar": null,
        "bot": p.bot,
        "public_flags": 0,
    })
}

fn bot_person() -> Person {
    Person::bot(BOT_USER_ID, "SafeTweet")
}

/// The bot as a guild member (with its role).
fn bot_member() -> Person {
    let mut bot = bot_person();
    bot.roles = vec![BOT_ROLE_ID];
    bot
}

/// A reaction emoji from a REST path: `✅` or a custom `name:id`.
fn emoji_json(path_emoji: &str) -> Value {
    match path_emoji.rsplit_once(':') {
        Some((name, id)) if id.parse::<u64>().is_ok() => json!({"id": id, "name": name}),
        _ => json!({"id": null, "name": path_emoji}),
    }
}

fn roles_json(roles: &[u64]) -> Value {
    Value::Array(roles.iter().map(|r| Value::String(r.to_string())).collect())
}

/// The member object without `user` (as in MESSAGE_CREATE).
fn partial_member_json(p: &Person) -> Value {
    json!({
        "roles": roles_json(&p.roles),
        "joined_at": "2025-01-01T00:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "nick": null,
        "avatar": null,
    })
}

fn member_json(p: &Person) -> Value {
    let mut m = partial_member_json(p);
    m["user"] = user_json(p);
    m
}

/// The permissions the bot's role grants in the GUILD_CREATE.
fn bot_permissions() -> u64 {
    use serenity::model::Permissions as P;
    (P::VIEW_CHANNEL
        | P::SEND_MESSAGES
        | P::SEND_MESSAGES_IN_THREADS
        | P::READ_MESSAGE_HISTORY
        | P::ADD_REACTIONS
        | P::EMBED_LINKS
        | P::ATTACH_FILES
        | P::MANAGE_MESSAGES
        | P::USE_EXTERNAL_EMOJIS)
        .bits()
}

const BOT_ROLE_ID: u64 = 2001;

fn role_json(id: u64, name: &str, permissions: u64, position: u16) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

fn channel_json(id: u64) -> Value {
    json!({
        "id": id.to_string(),
        "type": 0,
        "guild_id": GUILD_ID.to_string(),
        "name": format!("review-{id}"),
        "position": 0,
        "permission_overwrites": [],
        "nsfw": false,
        "topic": null,
        "last_message_id": null,
        "parent_id": null,
        "rate_limit_per_user": 0,
        "flags": 0,
    })
}

fn guild_json(config: &FakeConfig) -> Value {
    let mut bot = bot_person();
    bot.roles = vec![BOT_ROLE_ID];
    let mut guild = json!({
        "id": GUILD_ID.to_string(),
        "name": "Fake Health System",
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": OWNER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        // @everyone may only read; the bot's own role grants what it needs.
        "roles": [
            role_json(GUILD_ID, "@everyone", serenity::model::Permissions::VIEW_CHANNEL.bits(), 0),
            role_json(BOT_ROLE_ID, "SafeTweet", bot_permissions(), 1),
        ],
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 1000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
    });
    // Two literals: one would pass serde_json's macro recursion limit.
    let state = json!({
        "joined_at": "2025-01-01T00:00:00.000000+00:00",
        "large": false,
        "unavailable": false,
        "member_count": 1,
        "voice_states": [],
        "members": [member_json(&bot)],
        "channels": config.channels.iter().map(|c| channel_json(*c)).collect::<Vec<_>>(),
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "incidents_data": null,
    });
    if let (Some(g), Value::Object(state)) = (guild.as_object_mut(), state) {
        g.extend(state);
    }
    guild
}

fn ready_json(shared: &Shared, session_id: &str) -> Value {
    ready_json_for(&shared.ws_url(), session_id)
}

fn ready_json_for(ws_url: &str, session_id: &str) -> Value {
    let mut user = user_json(&bot_person());
    user["verified"] = json!(true);
    user["mfa_enabled"] = json!(false);
    user["flags"] = json!(0);
    json!({
        "v": 10,
        "user": user,
        "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
        "session_id": session_id,
        "resume_gateway_url": ws_url,
        "shard": [0, 1],
        "application": {"id": APPLICATION_ID.to_string(), "flags": 0},
    })
}

/// An attachment served by the fake at `base` (`http://127.0.0.1:PORT`).
fn attachment_json(base: &str, id: u64, filename: &str, content_type: &str, size: usize) -> Value {
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": format!("{base}/attachments/{REVIEW_CDN_CHANNEL}/{id}/{filename}"),
        "proxy_url": format!("{base}/attachments/{REVIEW_CDN_CHANNEL}/{id}/{filename}?proxy=1"),
        "content_type": content_type,
    })
}

/// The channel segment of attachment URLs (the CDN puts one there).
const REVIEW_CDN_CHANNEL: u64 = 3000;

/// An INTERACTION_CREATE for a slash command with string options.
fn interaction_json(id: u64, command_id: u64, channel: u64, user: &Person, name: &str, options: Vec<Value>) -> Value {
    let data = json!({"id": command_id.to_string(), "name": name, "type": 1, "options": options});
    interaction_base(id, 2, channel, user, data)
}

/// The fields every INTERACTION_CREATE carries in a guild channel.
fn interaction_base(id: u64, kind: u64, channel: u64, user: &Person, data: Value) -> Value {
    let perms = if user.roles.is_empty() { 0 } else { bot_permissions() };
    json!({
        "id": id.to_string(),
        "application_id": APPLICATION_ID.to_string(),
        "type": kind,
        "data": data,
        "guild_id": GUILD_ID.to_string(),
        "channel_id": channel.to_string(),
        "channel": channel_json(channel),
        "member": {
            "user": user_json(user),
            "roles": roles_json(&user.roles),
            "joined_at": "2025-01-01T00:00:00.000000+00:00",
            "deaf": false,
            "mute": false,
            "flags": 0,
            "permissions": perms.to_string(),
        },
        "token": format!("tok-{id}"),
        "version": 1,
        "app_permissions": bot_permissions().to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": {"0": GUILD_ID.to_string()},
        "context": 0,
        "attachment_size_limit": 8_388_608,
    })
}

/// A MESSAGE_COMPONENT interaction (type 3): `user` clicked the button
/// `custom_id` (component_type 2) on `message` (the full message object,
/// as Discord sends it).
fn component_interaction_json(id: u64, channel: u64, user: &Person, custom_id: &str, message: Value) -> Value {
    let mut v = interaction_base(id, 3, channel, user, json!({"custom_id": custom_id, "component_type": 2}));
    v["message"] = message;
    v
}

/// A MODAL_SUBMIT interaction (type 5): `user` submitted the modal
/// `custom_id` with one text input (`input_id`, type 4) holding `value`.
/// `message`: the message whose component opened the modal.
fn modal_submit_json(
    id: u64,
    channel: u64,
    user: &Person,
    custom_id: &str,
    input_id: &str,
    value: &str,
    message: Option<Value>,
) -> Value {
    let data = json!({
        "custom_id": custom_id,
        "components": [{"type": 1, "components": [{"type": 4, "custom_id": input_id, "value": value}]}],
    });
    let mut v = interaction_base(id, 5, channel, user, data);
    if let Some(m) = message {
        v["message"] = m;
    }
    v
}

/// A full message object (what REST returns and MESSAGE_CREATE carries).
/// An inline reply (type 19) to `reply_to`, carrying the message it refers to.
fn reply_json(inner: &Inner, id: u64, channel: u64, author: &Person, content: &str, reply_to: u64) -> Value {
    let mut message = message_json(id, channel, author, content, vec![]);
    message["type"] = json!(19);
    message["message_reference"] = json!({
        "type": 0,
        "message_id": reply_to.to_string(),
        "channel_id": channel.to_string(),
        "guild_id": GUILD_ID.to_string(),
    });
    message["referenced_message"] = inner.messages.get(&reply_to).cloned().unwrap_or(Value::Null);
    message
}

fn message_json(id: u64, channel: u64, author: &Person, content: &str, attachments: Vec<Value>) -> Value {
    json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "guild_id": GUILD_ID.to_string(),
        "author": user_json(author),
        "content": content,
        "timestamp": now_timestamp(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments,
        "embeds": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
        "components": [],
    })
}

impl FakeDiscord {
    /// Binds 127.0.0.1:0 and serves until dropped.
    pub async fn start(config: FakeConfig) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(DISCORD_EPOCH_MS + 1);
        let shared = Arc::new(Shared {
            config,
            addr,
            inner: Mutex::new(Inner::default()),
            changes: watch::channel(0).0,
            next_id: AtomicU64::new((now_ms - DISCORD_EPOCH_MS) << 22),
        });
        let app = Router::new().route("/ws", get(ws_upgrade)).fallback(rest).with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("fake discord: server stopped: {e}");
            }
        });
        FakeDiscord { shared, server }
    }

    /// `http://127.0.0.1:PORT`: what `DISCORD_API_URL` is set to.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn token(&self) -> &str {
        &self.shared.config.token
    }

    // ---- injection ----------------------------------------------------

    fn dispatch(&self, inner: &mut Inner, t: &str, d: Value) {
        if let Err(e) = self.shared.dispatch(inner, t, d) {
            panic!("{e}");
        }
    }

    /// A new message by `author` in `channel`; returns its id.
    pub fn message_create(&self, channel: u64, author: &Person, content: &str) -> u64 {
        self.message_create_with(channel, author, content, &[])
    }

    /// A new message with attachments (`(filename, content_type)`) whose bytes
    /// the fake does not have (their download gets a 404); returns its id.
    pub fn message_create_with(
        &self,
        channel: u64,
        author: &Person,
        content: &str,
        attachments: &[(&str, &str)],
    ) -> u64 {
        let files: Vec<(&str, &str, Option<&[u8]>)> = attachments.iter().map(|(n, k)| (*n, *k, None)).collect();
        self.message_create_files(channel, author, content, &files)
    }

    /// A new message with attachments `(filename, content_type, bytes)` that
    /// the fake serves; returns its id.
    pub fn message_create_with_files(
        &self,
        channel: u64,
        author: &Person,
        content: &str,
        files: &[(&str, &str, &[u8])],
    ) -> u64 {
        let files: Vec<(&str, &str, Option<&[u8]>)> = files.iter().map(|(n, k, b)| (*n, *k, Some(*b))).collect();
        self.message_create_files(channel, author, content, &files)
    }

    fn message_create_files(
        &self,
        channel: u64,
        author: &Person,
        content: &str,
        files: &[(&str, &str, Option<&[u8]>)],
    ) -> u64 {
        let id = self.shared.new_id();
        let base = self.base_url();
        let mut attachments = Vec::new();
        for (name, kind, bytes) in files {
            let file_id = self.shared.new_id();
            attachments.push(attachment_json(&base, file_id, name, kind, bytes.map_or(1024, <[u8]>::len)));
            if let Some(b) = bytes {
                self.shared.lock().files.insert(file_id, b.to_vec());
            }
        }
        let message = message_json(id, channel, author, content, attachments);
        let mut d = message.clone();
        d["member"] = partial_member_json(author);
        let mut inner = self.shared.lock();
        if inner.identifies.last().is_some_and(|i| i.intents & MESSAGE_CONTENT == 0) {
            // Without the privileged intent Discord sends messages without content.
            d["content"] = json!("");
            d["attachments"] = json!([]);
        }
        inner.members.insert(author.id, author.clone());
        inner.messages.insert(id, message);
        inner.injected_at.insert(id, Instant::now());
        self.dispatch(&mut inner, "MESSAGE_CREATE", d);
        id
    }

    /// A message posted while no bot was connected, not even with a session
    /// to resume: it is only in the channel's history (GET …/messages).
    /// Returns its id.
    pub fn message_in_history(&self, channel: u64, author: &Person, content: &str) -> u64 {
        let id = self.shared.new_id();
        let message = message_json(id, channel, author, content, vec![]);
        let mut inner = self.shared.lock();
        inner.members.insert(author.id, author.clone());
        inner.messages.insert(id, message);
        drop(inner);
        self.shared.changed();
        id
    }

    /// A message by `author` that replies to `reply_to` (Discord's inline reply, type 19).
    pub fn message_create_reply(&self, channel: u64, author: &Person, content: &str, reply_to: u64) -> u64 {
        let id = self.shared.new_id();
        let mut inner = self.shared.lock();
        let message = reply_json(&inner, id, channel, author, content, reply_to);
        let mut d = message.clone();
        d["member"] = partial_member_json(author);
        inner.members.insert(author.id, author.clone());
        inner.messages.insert(id, message);
        inner.injected_at.insert(id, Instant::now());
        self.dispatch(&mut inner, "MESSAGE_CREATE", d);
        id
    }

    /// A reply posted while no bot was connected (see [`Self::message_in_history`]).
    pub fn message_in_history_reply(&self, channel: u64, author: &Person, content: &str, reply_to: u64) -> u64 {
        let id = self.shared.new_id();
        let mut inner = self.shared.lock();
        let message = reply_json(&inner, id, channel, author, content, reply_to);
        inner.members.insert(author.id, author.clone());
        inner.messages.insert(id, message);
        drop(inner);
        self.shared.changed();
        id
    }

    /// The author edits a message the fake knows (MESSAGE_UPDATE with the full message).
    pub fn message_update(&self, message: u64, new_content: &str) {
        let mut inner = self.shared.lock();
        let Some(stored) = inner.messages.get_mut(&message) else {
            panic!("fake discord: message_update of unknown message {message}");
        };
        stored["content"] = json!(new_content);
        stored["edited_timestamp"] = json!(now_timestamp());
        let mut d = stored.clone();
        let author_id = snowflake(&d["author"]["id"]).unwrap_or(0);
        let author = inner.members.get(&author_id).cloned();
        if let Some(author) = author {
            d["member"] = partial_member_json(&author);
        }
        self.dispatch(&mut inner, "MESSAGE_UPDATE", d);
    }

    /// The author edits a message while no bot is connected (a deploy, a
    /// crash, a session that cannot be resumed): Discord's copy changes, so
    /// `GET …/messages` and the history show the new text, but no
    /// MESSAGE_UPDATE reaches any bot.
    pub fn message_edit_offline(&self, message: u64, new_content: &str) {
        let mut inner = self.shared.lock();
        let Some(stored) = inner.messages.get_mut(&message) else {
            panic!("fake discord: message_edit_offline of unknown message {message}");
        };
        stored["content"] = json!(new_content);
        stored["edited_timestamp"] = json!(now_timestamp());
        drop(inner);
        self.shared.changed();
    }

    /// Discord unfurls a link in a message: MESSAGE_UPDATE with the same
    /// content, a new link embed and no `edited_timestamp` (not an edit).
    pub fn message_unfurl(&self, message: u64, url: &str) {
        let mut inner = self.shared.lock();
        let Some(stored) = inner.messages.get_mut(&message) else {
            panic!("fake discord: message_unfurl of unknown message {message}");
        };
        stored["embeds"] = json!([{"type": "link", "url": url, "title": "Link preview", "description": "A page"}]);
        let mut d = stored.clone();
        let author_id = snowflake(&d["author"]["id"]).unwrap_or(0);
        if let Some(author) = inner.members.get(&author_id).cloned() {
            d["member"] = partial_member_json(&author);
        }
        self.dispatch(&mut inner, "MESSAGE_UPDATE", d);
    }

    /// `user` adds `emoji` (a unicode emoji) to a message.
    pub fn reaction_add(&self, channel: u64, message: u64, user: &Person, emoji: &str) {
        let mut inner = self.shared.lock();
        inner.members.insert(user.id, user.clone());
        let author = inner.messages.get(&message).and_then(|m| snowflake(&m["author"]["id"]));
        let d = json!({
            "user_id": user.id.to_string(),
            "channel_id": channel.to_string(),
            "message_id": message.to_string(),
            "guild_id": GUILD_ID.to_string(),
            "member": member_json(user),
            "emoji": {"id": null, "name": emoji},
            "message_author_id": author.map(|a| a.to_string()),
            "burst": false,
            "burst_colors": [],
            "type": 0,
        });
        self.dispatch(&mut inner, "MESSAGE_REACTION_ADD", d);
    }

    /// A slash command (`/name option:value …`, string options) by `user` in
    /// `channel`; returns the interaction id. The token is `tok-{id}`.
    pub fn interaction_create(&self, channel: u64, user: &Person, name: &str, options: &[(&str, &str)]) -> u64 {
        let id = self.shared.new_id();
        let command_id = self.shared.new_id();
        let options = options.iter().map(|(k, v)| json!({"name": k, "type": 3, "value": v})).collect();
        self.interaction_create_with(id, command_id, channel, user, name, options)
    }

    /// A slash command whose options are given as Discord's JSON (e.g. a user
    /// option: `{"name": "user", "type": 6, "value": "5001"}`).
    pub fn interaction_create_options(&self, channel: u64, user: &Person, name: &str, options: Vec<Value>) -> u64 {
        let id = self.shared.new_id();
        let command_id = self.shared.new_id();
        self.interaction_create_with(id, command_id, channel, user, name, options)
    }

    fn interaction_create_with(
        &self,
        id: u64,
        command_id: u64,
        channel: u64,
        user: &Person,
        name: &str,
        options: Vec<Value>,
    ) -> u64 {
        let d = interaction_json(id, command_id, channel, user, name, options);
        let mut inner = self.shared.lock();
        inner.members.insert(user.id, user.clone());
        self.dispatch(&mut inner, "INTERACTION_CREATE", d);
        id
    }

    /// `user` clicks the button `custom_id` on the bot's message `message`
    /// (a MESSAGE_COMPONENT interaction carrying the message as the fake
    /// holds it); returns the interaction id. The token is `tok-{id}`.
    pub fn click(&self, channel: u64, user: &Person, message: u64, custom_id: &str) -> u64 {
        let id = self.shared.new_id();
        let mut inner = self.shared.lock();
        let msg = inner.messages.get(&message).cloned().unwrap_or_else(|| panic!("no message {message} to click on"));
        inner.members.insert(user.id, user.clone());
        let d = component_interaction_json(id, channel, user, custom_id, msg);
        self.dispatch(&mut inner, "INTERACTION_CREATE", d);
        id
    }

    /// `user` submits the modal `custom_id` (opened from a button on
    /// `message`) with `value` in its text input `input_id` (a MODAL_SUBMIT
    /// interaction); returns the interaction id.
    pub fn submit_modal(
        &self,
        channel: u64,
        user: &Person,
        message: u64,
        custom_id: &str,
        input_id: &str,
        value: &str,
    ) -> u64 {
        let id = self.shared.new_id();
        let mut inner = self.shared.lock();
        let msg = inner.messages.get(&message).cloned();
        inner.members.insert(user.id, user.clone());
        let d = modal_submit_json(id, channel, user, custom_id, input_id, value, msg);
        self.dispatch(&mut inner, "INTERACTION_CREATE", d);
        id
    }

    /// The next `times` requests with this method whose path starts with
    /// `path_prefix` (below `/api/v10`) fail with `status` (e.g. 500 or 503).
    pub fn fail_next(&self, method: &str, path_prefix: &str, status: u16, times: usize) {
        self.shared.lock().faults.push((method.to_string(), path_prefix.to_string(), status, times));
    }

    /// The next `times` requests with this method whose path starts with
    /// `path_prefix` are carried out and recorded at once (a posted message
    /// exists, is echoed and is in the history), but their answer reaches
    /// the bot only `delay` later: Discord acted, the response is slow.
    pub fn delay_next(&self, method: &str, path_prefix: &str, delay: Duration, times: usize) {
        self.shared.lock().delays.push((method.to_string(), path_prefix.to_string(), delay, times));
    }

    /// Skips `n` sequence numbers: the next dispatch's `s` is `n` above the
    /// one the client expects, as when Discord loses dispatches (serenity
    /// then logs "Sequence off").
    pub fn skip_sequence(&self, n: u64) {
        let mut inner = self.shared.lock();
        match inner.session.as_mut() {
            Some(session) => session.next_seq += n,
            None => panic!("fake discord: no gateway session yet; wait_ready() before skip_sequence"),
        }
    }

    /// Drops the attached gateway connection (no-op when none is attached).
    pub fn drop_gateway(&self, how: GatewayDrop) {
        let mut inner = self.shared.lock();
        if let Some(conn) = inner.conn.take() {
            let _ = conn.tx.send(match how {
                GatewayDrop::Close(code) => Control::Close(code),
                GatewayDrop::Abrupt => Control::Abrupt,
                GatewayDrop::Reconnect => Control::Text(json!({"op": 7, "s": null, "t": null, "d": null}).to_string()),
            });
        }
    }

    // ---- observation --------------------------------------------------

    /// Attachment downloads so far (paths), in order.
    pub fn downloads(&self) -> Vec<String> {
        self.shared.lock().downloads.clone()
    }

    pub fn requests(&self) -> Vec<RestRequest> {
        self.shared.lock().requests.clone()
    }

    pub fn identifies(&self) -> Vec<IdentifyRecord> {
        self.shared.lock().identifies.clone()
    }

    pub fn resumes(&self) -> usize {
        self.shared.lock().resumes
    }

    /// When `message` was handed to the gateway.
    pub fn injected_at(&self, message: u64) -> Option<Instant> {
        self.shared.lock().injected_at.get(&message).copied()
    }

    /// A message the fake knows (injected or posted by the bot).
    pub fn message(&self, id: u64) -> Option<Value> {
        self.shared.lock().messages.get(&id).cloned()
    }

    /// A one-screen summary of what the fake has seen, for failure messages.
    pub fn describe(&self) -> String {
        let inner = self.shared.lock();
        let mut out = format!(
            "identifies: {}, readies: {}, resumes: {}, disconnects: {}, attached: {}, requests: {}\n",
            inner.identifies.len(),
            inner.readies,
            inner.resumes,
            inner.disconnects,
            inner.conn.is_some(),
            inner.requests.len()
        );
        let skip = inner.requests.len().saturating_sub(20);
        for r in inner.requests.iter().skip(skip) {
            let body = r.body.to_string();
            let body: String = body.chars().take(200).collect();
            out.push_str(&format!("  {} {} {}\n", r.method, r.path, body));
        }
        out
    }

    /// Waits until `check` returns `Some`, re-checking whenever the fake's
    /// state changes; panics after `within`.
    pub async fn wait_until<T>(
        &self,
        within: Duration,
        what: &str,
        mut check: impl FnMut(&FakeView<'_>) -> Option<T>,
    ) -> T {
        let mut rx = self.shared.changes.subscribe();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            {
                let inner = self.shared.lock();
                if let Some(v) = check(&FakeView { inner: &inner }) {
                    return v;
                }
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => panic!("fake discord: timed out after {within:?} waiting for {what}\n{}", self.describe()),
            }
        }
    }

    /// Waits until READY has been sent `n` times in total (n = 1: the bot is connected).
    pub async fn wait_ready(&self, n: usize, within: Duration) {
        self.wait_until(within, &format!("READY #{n}"), |v| {
            (v.inner.readies >= n && v.inner.conn.is_some()).then_some(())
        })
        .await
    }

    /// Waits until a client is attached again after `resumes` RESUMEs in total.
    pub async fn wait_resumed(&self, n: usize, within: Duration) {
        self.wait_until(within, &format!("RESUMED #{n}"), |v| {
            (v.inner.resumes >= n && v.inner.conn.is_some()).then_some(())
        })
        .await
    }

    /// Waits until at least `n` requests match and returns the first `n`.
    pub async fn wait_requests(
        &self,
        n: usize,
        within: Duration,
        what: &str,
        pred: impl Fn(&RestRequest) -> bool,
    ) -> Vec<RestRequest> {
        self.wait_until(within, what, |v| {
            let hits: Vec<RestRequest> = v.inner.requests.iter().filter(|r| pred(r)).take(n).cloned().collect();
            (hits.len() >= n).then_some(hits)
        })
        .await
    }

    /// Waits for the first request matching `pred`.
    pub async fn wait_request(&self, within: Duration, what: &str, pred: impl Fn(&RestRequest) -> bool) -> RestRequest {
        self.wait_requests(1, within, what, pred).await.remove(0)
    }

    /// Waits for the bot's reply to `message` (a POST with that message reference).
    pub async fn wait_reply(&self, message: u64, within: Duration) -> RestRequest {
        self.wait_request(within, &format!("a reply to message {message}"), |r| r.is_reply_to(message)).await
    }
}

/// What `wait_until` checks see.
pub struct FakeView<'a> {
    inner: &'a Inner,
}

impl FakeView<'_> {
    pub fn requests(&self) -> &[RestRequest] {
        &self.inner.requests
    }
    pub fn readies(&self) -> usize {
        self.inner.readies
    }
    pub fn resumes(&self) -> usize {
        self.inner.resumes
    }
    pub fn attached(&self) -> bool {
        self.inner.conn.is_some()
    }
    pub fn identifies(&self) -> &[IdentifyRecord] {
        &self.inner.identifies
    }
}

/// The MESSAGE_CONTENT intent bit.
pub const MESSAGE_CONTENT: u64 = 1 << 15;

// ---- gateway ------------------------------------------------------------

async fn ws_upgrade(State(shared): State<Arc<Shared>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| gateway_connection(shared, socket))
}

async fn gateway_connection(shared: Arc<Shared>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Control>();
    let conn_id = {
        let mut inner = shared.lock();
        inner.next_conn += 1;
        inner.next_conn
    };
    let hello =
        json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": shared.config.heartbeat_interval_ms}});
    if socket.send(WsMessage::Text(hello.to_string())).await.is_err() {
        return;
    }
    let mut abrupt = false;
    let mut peer_closed = false;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(t))) => t,
                    Some(Ok(WsMessage::Close(_))) => {
                        peer_closed = true;
                        break;
                    }
                    None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else {
                    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code: 4002, reason: "decode error".into() }))).await;
                    break;
                };
                match frame["op"].as_u64() {
                    Some(1) => {
                        let ack = json!({"op": 11, "s": null, "t": null, "d": null}).to_string();
                        if socket.send(WsMessage::Text(ack)).await.is_err() { break; }
                    }
                    Some(2) => identify(&shared, &frame["d"], conn_id, &tx),
                    Some(6) => resume(&shared, &frame["d"], conn_id, &tx),
                    _ => {}
                }
            }
            control = rx.recv() => {
                match control {
                    Some(Control::Text(t)) => {
                        if socket.send(WsMessage::Text(t)).await.is_err() { break; }
                    }
                    Some(Control::Close(code)) => {
                        let reason = if code == 4004 { "Authentication failed." } else { "fake discord closed" };
                        let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                        break;
                    }
                    Some(Control::Abrupt) => { abrupt = true; break; }
                    None => break,
                }
            }
        }
    }
    {
        let mut inner = shared.lock();
        if inner.conn.as_ref().is_some_and(|c| c.id == conn_id) {
            inner.conn = None;
        }
        inner.disconnects += 1;
    }
    shared.changed();
    if peer_closed {
        // Answer the client's close frame, as Discord does: tungstenite queued
        // the reply and writes it on the next read, which then sees the end.
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.recv()).await;
    } else if abrupt {
        // Dropping the socket without a close frame closes the TCP stream.
        drop(socket);
    }
}

/// IDENTIFY: a bad token closes with 4004; otherwise a new session starts
/// with READY (seq 1) and, if configured, GUILD_CREATE.
fn identify(shared: &Shared, d: &Value, conn_id: u64, tx: &mpsc::UnboundedSender<Control>) {
    let token_ok = d["token"].as_str().is_some_and(|t| shared.token_ok(t));
    let intents = d["intents"].as_u64().unwrap_or(0);
    {
        let mut inner = shared.lock();
        inner.identifies.push(IdentifyRecord { token_ok, intents, at: Instant::now() });
        if !token_ok {
            let _ = tx.send(Control::Close(4004));
        } else {
            let session_id = format!("session-{}", shared.new_id());
            let mut session = Session::new(session_id.clone());
            let seq = session.seq();
            let ready = json!({"op": 0, "t": "READY", "s": seq, "d": ready_json(shared, &session_id)}).to_string();
            session.events.push((seq, ready.clone()));
            let _ = tx.send(Control::Text(ready));
            if shared.config.guild_create {
                let seq = session.seq();
                let gc = json!({"op": 0, "t": "GUILD_CREATE", "s": seq, "d": guild_json(&shared.config)}).to_string();
                session.events.push((seq, gc.clone()));
                let _ = tx.send(Control::Text(gc));
            }
            inner.session = Some(session);
            if let Some(old) = inner.conn.replace(Conn { id: conn_id, tx: tx.clone() }) {
                let _ = old.tx.send(Control::Close(4000));
            }
            inner.readies += 1;
        }
    }
    shared.changed();
}

/// RESUME: replays the session's dispatches after the client's `seq`, then
/// RESUMED; an unknown session gets op 9 (not resumable).
fn resume(shared: &Shared, d: &Value, conn_id: u64, tx: &mpsc::UnboundedSender<Control>) {
    let token_ok = d["token"].as_str().is_some_and(|t| shared.token_ok(t));
    let after = d["seq"].as_u64().unwrap_or(0);
    {
        let mut inner = shared.lock();
        let session = inner.session.as_mut().filter(|s| Some(s.id.as_str()) == d["session_id"].as_str());
        let Some(session) = session.filter(|_| token_ok) else {
            let _ = tx.send(Control::Text(json!({"op": 9, "s": null, "t": null, "d": false}).to_string()));
            return;
        };
        for (_, frame) in session.events.iter().filter(|(s, _)| *s > after) {
            let _ = tx.send(Control::Text(frame.clone()));
        }
        let seq = session.seq();
        let resumed = json!({"op": 0, "t": "RESUMED", "s": seq, "d": {}}).to_string();
        session.events.push((seq, resumed.clone()));
        let _ = tx.send(Control::Text(resumed));
        if let Some(old) = inner.conn.replace(Conn { id: conn_id, tx: tx.clone() }) {
            let _ = old.tx.send(Control::Close(4000));
        }
        inner.resumes += 1;
    }
    shared.changed();
}

// ---- REST ---------------------------------------------------------------

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The JSON body of a request: plain JSON, or the `payload_json` part of a multipart form.
fn body_json(headers: &HeaderMap, body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if let Some(boundary) = ctype.split("boundary=").nth(1) {
        let boundary = boundary.trim_matches('"');
        let text = String::from_utf8_lossy(body);
        for part in text.split(&format!("--{boundary}")) {
            if let Some((head, content)) = part.split_once("\r\n\r\n") {
                if head.contains("name=\"payload_json\"") {
                    return serde_json::from_str(content.trim_end_matches("\r\n")).unwrap_or(Value::Null);
                }
            }
        }
        return Value::Null;
    }
    serde_json::from_slice(body).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The file parts of a multipart body (`Content-Disposition: form-data;
/// name="files[0]"; filename="…"`), byte for byte.
fn multipart_files(headers: &HeaderMap, body: &[u8]) -> Vec<(String, Vec<u8>)> {
    let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let Some(boundary) = ctype.split("boundary=").nth(1) else { return Vec::new() };
    let delimiter = format!("--{}", boundary.trim_matches('"')).into_bytes();
    let mut files = Vec::new();
    let mut rest = body;
    while let Some(at) = find(rest, &delimiter) {
        rest = &rest[at + delimiter.len()..];
        let part = &rest[..find(rest, &delimiter).unwrap_or(rest.len())];
        if let Some(end) = find(part, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&part[..end]);
            let content = &part[end + 4..];
            let content = content.strip_suffix(b"\r\n").unwrap_or(content);
            if let Some(name) = head.split("filename=\"").nth(1).and_then(|r| r.split('"').next()) {
                files.push((name.to_string(), content.to_vec()));
            }
        }
    }
    files
}

fn error(status: StatusCode, code: u64, message: &str) -> Response {
    (status, Json(json!({"message": message, "code": code}))).into_response()
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

async fn rest(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let raw_path = uri.path();
    if let Some(rest) = raw_path.strip_prefix("/attachments/") {
        // The CDN: /attachments/{channel}/{attachment id}/{filename}.
        let id = rest.split('/').nth(1).and_then(|i| i.parse::<u64>().ok());
        let bytes = {
            let mut inner = shared.lock();
            inner.downloads.push(raw_path.to_string());
            id.and_then(|i| inner.files.get(&i).cloned())
        };
        shared.changed();
        return match bytes {
            Some(b) if method == Method::GET => (StatusCode::OK, b).into_response(),
            _ => error(StatusCode::NOT_FOUND, 0, "404: Not Found"),
        };
    }
    let Some(path) = raw_path.strip_prefix("/api/v10") else {
        eprintln!("fake discord: request outside /api/v10: {method} {raw_path}");
        return error(StatusCode::NOT_FOUND, 0, "404: Not Found");
    };
    let path = percent_decode(path);
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok()).is_some_and(|t| shared.token_ok(t));
    let files = multipart_files(&headers, &body);
    let body = body_json(&headers, &body);
    let request = RestRequest {
        method: method.to_string(),
        path: path.clone(),
        query: uri.query().map(str::to_string),
        body: body.clone(),
        at: Instant::now(),
        authorized,
        created: None,
        files,
    };
    let mut request = request;
    let query = request.query.clone();
    let fault = {
        let mut inner = shared.lock();
        let hit = inner.faults.iter_mut().find(|f| f.3 > 0 && f.0 == method.as_str() && path.starts_with(&f.1));
        hit.map(|f| {
            f.3 -= 1;
            f.2
        })
    };
    let response = match fault {
        Some(status) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            error(status, 0, "fake discord: injected failure")
        }
        None => answer(&shared, &method, &path, query.as_deref(), &body, authorized, &mut request.created),
    };
    let delay = {
        let mut inner = shared.lock();
        inner.requests.push(request);
        let hit = inner.delays.iter_mut().find(|d| d.3 > 0 && d.0 == method.as_str() && path.starts_with(&d.1));
        hit.map(|d| {
            d.3 -= 1;
            d.2
        })
    };
    shared.changed();
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    response
}

fn answer(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: &Value,
    authorized: bool,
    created: &mut Option<u64>,
) -> Response {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    // Gateway discovery needs no token in real Discord either.
    if method == Method::GET && segs == ["gateway"] {
        let url = shared.config.discovered_gateway.clone().unwrap_or_else(|| shared.ws_url());
        return Json(json!({"url": url})).into_response();
    }
    if !authorized {
        return error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized");
    }
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["gateway", "bot"]) => Json(json!({
            "url": shared.ws_url(),
            "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
        }))
        .into_response(),
        ("GET", ["users", "@me"]) => {
            let mut user = user_json(&bot_person());
            user["verified"] = json!(true);
            user["mfa_enabled"] = json!(false);
            user["flags"] = json!(0);
            Json(user).into_response()
        }
        ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => Json(json!({
            "id": APPLICATION_ID.to_string(),
            "name": "SafeTweet",
            "icon": null,
            "description": "",
            "bot_public": false,
            "bot_require_code_grant": false,
            "owner": user_json(&Person::new(OWNER_ID, "owner", &[])),
            "verify_key": "00",
            "team": null,
            "flags": 0,
        }))
        .into_response(),
        ("GET", ["channels", c]) => match c.parse::<u64>() {
            Ok(c) => Json(channel_json(c)).into_response(),
            Err(_) => error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
        },
        ("POST", ["channels", c, "messages"]) => {
            let Ok(channel) = c.parse::<u64>() else { return error(StatusCode::NOT_FOUND, 10003, "Unknown Channel") };
            let id = shared.new_id();
            let mut message = message_json(id, channel, &bot_person(), body["content"].as_str().unwrap_or(""), vec![]);
            if let Some(embeds) = body.get("embeds").filter(|e| e.is_array()) {
                message["embeds"] = embeds.clone();
            }
            if let Some(components) = body.get("components").filter(|e| e.is_array()) {
                message["components"] = components.clone();
            }
            if let Some(reference) = body.get("message_reference").filter(|r| r.is_object()) {
                let mut reference = reference.clone();
                reference["channel_id"] = json!(channel.to_string());
                reference["guild_id"] = json!(GUILD_ID.to_string());
                message["message_reference"] = reference;
                message["type"] = json!(19);
            }
            shared.lock().messages.insert(id, message.clone());
            *created = Some(id);
            let mut d = message.clone();
            d["member"] = partial_member_json(&bot_member());
            shared.echo("MESSAGE_CREATE", d);
            Json(message).into_response()
        }
        ("GET", ["channels", c, "messages"]) => {
            // Channel history, newest first, with Discord's `after` / `before` / `limit`.
            let param = |name: &str| {
                query?.split('&').find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse::<u64>().ok())
            };
            let (after, before, limit) = (param("after"), param("before"), param("limit").unwrap_or(50).min(100));
            let channel = c.to_string();
            let inner = shared.lock();
            let mut found: Vec<(u64, Value)> = inner
                .messages
                .iter()
                .filter(|(id, m)| {
                    m["channel_id"].as_str() == Some(channel.as_str())
                        && after.is_none_or(|a| **id > a)
                        && before.is_none_or(|b| **id < b)
                })
                .map(|(id, m)| (*id, m.clone()))
                .collect();
            found.sort_by_key(|(id, _)| std::cmp::Reverse(*id));
            if after.is_some() && before.is_none() {
                // Discord returns the messages right after `after`.
                found.reverse();
                found.truncate(limit as usize);
                found.reverse();
            } else {
                found.truncate(limit as usize);
            }
            // Like Discord, history carries no guild id (a dispatch does).
            let page = found
                .into_iter()
                .map(|(_, mut m)| {
                    if let Some(o) = m.as_object_mut() {
                        o.remove("guild_id");
                    }
                    m
                })
                .collect();
            Json(Value::Array(page)).into_response()
        }
        ("GET", ["channels", _, "messages", m]) => {
            match m.parse::<u64>().ok().and_then(|m| shared.lock().messages.get(&m).cloned()) {
                Some(msg) => Json(msg).into_response(),
                None => error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
            }
        }
        ("PATCH", ["channels", _, "messages", m]) => {
            let mut inner = shared.lock();
            let Some(msg) = m.parse::<u64>().ok().and_then(|m| inner.messages.get_mut(&m)) else {
                return error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
            };
            for key in ["content", "embeds", "components"] {
                if let Some(v) = body.get(key) {
                    msg[key] = v.clone();
                }
            }
            msg["edited_timestamp"] = json!(now_timestamp());
            let msg = msg.clone();
            drop(inner);
            let mut d = msg.clone();
            d["member"] = partial_member_json(&bot_member());
            shared.echo("MESSAGE_UPDATE", d);
            Json(msg).into_response()
        }
        ("DELETE", ["channels", _, "messages", _]) => no_content(),
        ("PUT", ["channels", c, "messages", m, "reactions", emoji, "@me"]) => {
            let author =
                m.parse::<u64>().ok().and_then(|m| shared.lock().messages.get(&m).map(|x| x["author"]["id"].clone()));
            shared.echo(
                "MESSAGE_REACTION_ADD",
                json!({
                    "user_id": BOT_USER_ID.to_string(),
                    "channel_id": c,
                    "message_id": m,
                    "guild_id": GUILD_ID.to_string(),
                    "member": member_json(&bot_member()),
                    "emoji": emoji_json(emoji),
                    "message_author_id": author,
                    "burst": false,
                    "burst_colors": [],
                    "type": 0,
                }),
            );
            no_content()
        }
        ("DELETE", ["channels", c, "messages", m, "reactions", emoji, user]) => {
            let user = if *user == "@me" { BOT_USER_ID.to_string() } else { user.to_string() };
            shared.echo(
                "MESSAGE_REACTION_REMOVE",
                json!({
                    "user_id": user,
                    "channel_id": c,
                    "message_id": m,
                    "guild_id": GUILD_ID.to_string(),
                    "emoji": emoji_json(emoji),
                    "burst": false,
                    "type": 0,
                }),
            );
            no_content()
        }
        ("PUT", ["channels", _, "messages", _, "reactions", _, _])
        | ("DELETE", ["channels", _, "messages", _, "reactions", _])
        | ("DELETE", ["channels", _, "messages", _, "reactions"]) => no_content(),
        ("POST", ["channels", _, "typing"]) => no_content(),
        ("GET", ["guilds", _, "members", u]) => {
            let member = u.parse::<u64>().ok().and_then(|u| shared.lock().members.get(&u).cloned());
            match member {
                Some(p) => Json(member_json(&p)).into_response(),
                None if *u == BOT_USER_ID.to_string() || *u == "@me" => {
                    let mut bot = bot_person();
                    bot.roles = vec![BOT_ROLE_ID];
                    Json(member_json(&bot)).into_response()
                }
                None => error(StatusCode::NOT_FOUND, 10007, "Unknown Member"),
            }
        }
        ("GET", ["guilds", _, "roles"]) => Json(guild_json(&shared.config)["roles"].clone()).into_response(),
        ("GET", ["guilds", _, "channels"]) => Json(guild_json(&shared.config)["channels"].clone()).into_response(),
        ("GET", ["applications", _, "commands"]) | ("GET", ["applications", _, "guilds", _, "commands"]) => {
            let key = path.to_string();
            Json(Value::Array(shared.lock().commands.get(&key).cloned().unwrap_or_default())).into_response()
        }
        ("PUT", ["applications", _, "commands"]) | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let guild = if segs.len() == 5 { Some(segs[3]) } else { None };
            let list: Vec<Value> = body.as_array().cloned().unwrap_or_default();
            let list: Vec<Value> = list.into_iter().map(|c| command_json(shared, c, guild)).collect();
            shared.lock().commands.insert(path.to_string(), list.clone());
            Json(Value::Array(list)).into_response()
        }
        ("POST", ["applications", _, "commands"]) | ("POST", ["applications", _, "guilds", _, "commands"]) => {
            let guild = if segs.len() == 5 { Some(segs[3]) } else { None };
            Json(command_json(shared, body.clone(), guild)).into_response()
        }
        ("POST", ["interactions", _, _, "callback"]) => no_content(),
        ("GET", ["webhooks", _, _, "messages", _])
        | ("PATCH", ["webhooks", _, _, "messages", _])
        | ("POST", ["webhooks", _, _]) => {
            let id = shared.new_id();
            let mut message = message_json(id, 0, &bot_person(), body["content"].as_str().unwrap_or(""), vec![]);
            if let Some(embeds) = body.get("embeds").filter(|e| e.is_array()) {
                message["embeds"] = embeds.clone();
            }
            Json(message).into_response()
        }
        _ => {
            eprintln!("fake discord: no route for {method} /api/v10{path} (answered 404)");
            error(StatusCode::NOT_FOUND, 0, "404: Not Found")
        }
    }
}

fn command_json(shared: &Shared, mut c: Value, guild: Option<&str>) -> Value {
    if !c.is_object() {
        return c;
    }
    c["id"] = json!(shared.new_id().to_string());
    c["application_id"] = json!(APPLICATION_ID.to_string());
    c["version"] = json!(shared.new_id().to_string());
    if c.get("type").is_none() {
        c["type"] = json!(1);
    }
    if c.get("description").is_none() {
        c["description"] = json!("");
    }
    if let Some(g) = guild {
        c["guild_id"] = json!(g);
    }
    c
}

/// Checks that every payload the fake builds deserializes as serenity's own
/// model type (a dispatch that does not is dropped by serenity with a warn).
pub fn check_payloads_against_serenity() {
    use serenity::model::prelude::*;
    let config = FakeConfig::new("t");
    let author = Person::new(10, "Ana", &[4000]);
    let mut msg = message_json(
        1,
        3000,
        &author,
        "hi",
        vec![attachment_json("http://127.0.0.1:1", 2, "a.png", "image/png", 1024)],
    );
    msg["member"] = partial_member_json(&author);
    let m: Message = serde_json::from_value(msg.clone()).expect("MESSAGE_CREATE as Message");
    assert_eq!(m.member.as_ref().map(|m| m.roles.len()), Some(1));
    let _: Guild = serde_json::from_value(guild_json(&config)).expect("GUILD_CREATE as Guild");
    let _: Member = serde_json::from_value(member_json(&author)).expect("member");
    let _: CurrentUser = serde_json::from_value(user_json(&bot_person())).expect("current user");
    let _: GuildChannel = serde_json::from_value(channel_json(3000)).expect("channel");
    let frame = |t: &str, d: Value| json!({"op": 0, "t": t, "s": 3, "d": d});
    let gw: GatewayEvent = serde_json::from_value(frame("MESSAGE_CREATE", msg.clone())).expect("dispatch");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::MessageCreate(_))));
    let gw: GatewayEvent = serde_json::from_value(frame("MESSAGE_UPDATE", msg)).expect("update dispatch");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::MessageUpdate(_))));
    let reaction = json!({
        "user_id": "11", "channel_id": "3000", "message_id": "1", "guild_id": GUILD_ID.to_string(),
        "member": member_json(&author), "emoji": {"id": null, "name": "✅"}, "message_author_id": "10",
        "burst": false, "burst_colors": [], "type": 0,
    });
    let gw: GatewayEvent = serde_json::from_value(frame("MESSAGE_REACTION_ADD", reaction)).expect("reaction dispatch");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::ReactionAdd(_))));
    let gw: GatewayEvent = serde_json::from_value(frame("GUILD_CREATE", guild_json(&config))).expect("guild dispatch");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::GuildCreate(_))));
    let mut reply = message_json(7, 3000, &author, "reason", vec![]);
    reply["type"] = json!(19);
    reply["message_reference"] = json!({"type": 0, "message_id": "1", "channel_id": "3000", "guild_id": "2000"});
    reply["referenced_message"] = message_json(1, 3000, &author, "hi", vec![]);
    let m: Message = serde_json::from_value(reply).expect("inline reply as Message");
    assert_eq!(m.kind, MessageType::InlineReply);
    let options =
        vec![json!({"name": "text", "type": 3, "value": "a draft"}), json!({"name": "user", "type": 6, "value": "10"})];
    let interaction = interaction_json(5, 6, 3000, &author, "review", options);
    if let Err(e) = serde_json::from_value::<Interaction>(interaction.clone()) {
        panic!("INTERACTION_CREATE as Interaction: {e}");
    }
    let gw: GatewayEvent = serde_json::from_value(frame("INTERACTION_CREATE", interaction)).expect("interaction");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::InteractionCreate(_))), "{gw:?}");
    // A click on a message with buttons, and a modal submitted from it.
    let mut with_buttons = message_json(8, 3000, &bot_person(), "", vec![]);
    with_buttons["components"] = json!([{"type": 1, "components": [
        {"type": 2, "style": 3, "label": "Approve", "custom_id": "st:approve:1", "disabled": false},
        {"type": 2, "style": 4, "label": "Reject", "custom_id": "st:reject:1", "disabled": true},
    ]}]);
    let click = component_interaction_json(9, 3000, &author, "st:approve:1", with_buttons.clone());
    match serde_json::from_value::<Interaction>(click.clone()) {
        Ok(Interaction::Component(c)) => {
            assert_eq!(c.data.custom_id, "st:approve:1");
            assert!(matches!(c.data.kind, ComponentInteractionDataKind::Button));
            assert_eq!(c.message.id.get(), 8);
            assert_eq!(c.member.as_ref().map(|m| m.roles.len()), Some(1));
        }
        other => panic!("MESSAGE_COMPONENT as Interaction: {other:?}"),
    }
    let gw: GatewayEvent = serde_json::from_value(frame("INTERACTION_CREATE", click)).expect("click");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::InteractionCreate(_))), "{gw:?}");
    let submit = modal_submit_json(10, 3000, &author, "st:form:r:1:1:ab", "reason", "why", Some(with_buttons));
    match serde_json::from_value::<Interaction>(submit.clone()) {
        Ok(Interaction::Modal(m)) => {
            assert_eq!(m.data.custom_id, "st:form:r:1:1:ab");
            match &m.data.components[0].components[0] {
                ActionRowComponent::InputText(t) => assert_eq!(t.value.as_deref(), Some("why")),
                other => panic!("text input: {other:?}"),
            }
        }
        other => panic!("MODAL_SUBMIT as Interaction: {other:?}"),
    }
    let gw: GatewayEvent = serde_json::from_value(frame("INTERACTION_CREATE", submit)).expect("modal submit");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::InteractionCreate(_))), "{gw:?}");
    let ready = ready_json_for("ws://127.0.0.1:1/ws", "s1");
    let gw: GatewayEvent = serde_json::from_value(frame("READY", ready)).expect("ready");
    assert!(matches!(gw, GatewayEvent::Dispatch(3, Event::Ready(_))));
}
