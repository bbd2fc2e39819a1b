//! The Discord adapter: turns gateway events into drafts, runs the engine,
//! renders the review, runs the approval workflow and writes the audit log.
//!
//! # Layout
//!
//! Pure (no Discord, no I/O):
//! - [`config`]: `bot.toml` and the environment (pure parsing, clear errors).
//! - [`workflow`]: the approval state machine (state from audit records +
//!   event → records + effects), and the lines it answers with.
//! - [`render`]: reviews, `/rules`, `/audit`, `/queue` as plain text views,
//!   and every other sentence the bot says.
//! - [`queue`]: the drafts waiting for a decision, from the audit log.
//! - `components`: the review reply's buttons and the reason form, and
//!   their custom ids (parsed strictly; checked server-side).
//!
//! Talking to Discord and the stores:
//! - `state`: the bot's shared state (like ferrisbot's `Data`): settings,
//!   stores, per-draft locks, the shutdown gate. Depends on no event path.
//! - `effects`: carrying out an outcome (records first, then the reply,
//!   reactions, lines, questions), retries, the embed.
//! - `error`: `BotError { User, Internal }`, the one place that decides
//!   what a person sees of an error.
//! - `drafts`: the event paths of a draft (message, edit, reaction, written
//!   reason) and the decision shared by reactions and buttons.
//! - `interactions`: buttons and reason forms; `commands`: the slash
//!   commands; `catch_up`: on READY, reviews the drafts posted while no
//!   gateway session was open. They depend on state, effects and drafts.
//! - `handler`: the serenity event handler; it only dispatches, and nothing
//!   depends on it.
//! - [`database`]: the bot's bookkeeping tables (reply ids, pending reasons),
//!   beside the audit log in the same database.
//!
//! [`serve`] takes its settings, stores, rules and shutdown signal as
//! arguments, so it runs the same from `safetweet serve` and in-process
//! (tests, benchmarks) against a loopback fake Discord.
//!
//! This module may not change the engine's findings or the audit store's
//! records after the fact; it only appends.

mod catch_up;
mod commands;
mod components;
pub mod config;
pub mod database;
mod drafts;
mod effects;
mod error;
mod handler;
mod interactions;
pub mod queue;
pub mod render;
mod state;
pub mod workflow;

use crate::audit::{AuditError, AuditStore};
use crate::engine::RuleSet;
use config::{BotConfig, Token};
use serenity::all::{GatewayIntents, HttpBuilder};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

pub use config::{Env, SetupError};
pub use database::BotDb;

/// The intents the bot asks for. MESSAGE_CONTENT is privileged: it must be
/// switched on for the application in the developer portal.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
}

/// What `serve` needs to connect.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: Token,
    /// Another base URL for REST and gateway discovery (`DISCORD_API_URL`).
    /// Serenity's own rate limiter is then off: the proxy must rate-limit.
    pub api_url: Option<String>,
    pub bot: BotConfig,
    /// `SAFETWEET_SEAL_KEY`: the compliance officer's public key; approvals
    /// of masked drafts keep the exact text sealed to it.
    pub seal_key: Option<crate::audit::seal::SealKey>,
}

/// Where the bot keeps what it knows: the audit log (the evidence) and its
/// own bookkeeping tables, usually in the same database.
#[derive(Clone)]
pub struct Stores {
    pub audit: Arc<dyn AuditStore>,
    pub bot: BotDb,
}

impl Stores {
    /// Opens both stores from one `DATABASE_URL`.
    pub async fn open(database_url: &str) -> Result<Stores, ServeError> {
        Stores::open_with_key(database_url, None).await
    }

    /// Like [`Stores::open`]; with `SAFETWEET_AUDIT_KEY`, every audit
    /// record carries its MAC.
    pub async fn open_with_key(database_url: &str, key: Option<crate::audit::AuditKey>) -> Result<Stores, ServeError> {
        let audit = crate::audit::open_with_key(database_url, key).await.map_err(ServeError::Audit)?;
        let bot = BotDb::open(database_url).await.map_err(ServeError::Database)?;
        Ok(Stores { audit, bot })
    }
}

/// Why the bot stopped (or never started).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("Discord rejected DISCORD_TOKEN ({0}); check the bot token in the developer portal")]
    TokenRejected(String),
    #[error(
        "Discord refused the gateway intents; switch on the MESSAGE CONTENT intent for the bot \
         in the developer portal (Bot → Privileged Gateway Intents)"
    )]
    IntentsRejected,
    #[error("cannot reach Discord at {url}: {message}")]
    Unreachable { url: String, message: String },
    #[error("gateway error: {0}")]
    Gateway(String),
    #[error(
        "gateway discovery through DISCORD_API_URL answered {0}, which would send the bot token unencrypted; \
         only wss:// is accepted (ws:// only on a loopback address: 127.0.0.1, [::1], localhost)"
    )]
    InsecureGateway(String),
    #[error("{0}")]
    Audit(AuditError),
    #[error("bot database error: {0}")]
    Database(sqlx::Error),
}

impl ServeError {
    /// Exit code for the CLI: 2 for configuration problems (a rejected token
    /// or intents, a plain-text gateway elsewhere), 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            ServeError::TokenRejected(_) | ServeError::IntentsRejected | ServeError::InsecureGateway(_) => 2,
            _ => 1,
        }
    }
}

fn make_http(settings: &Settings) -> serenity::http::Http {
    match &settings.api_url {
        // The proxy only takes effect with serenity's rate limiter off.
        Some(url) => HttpBuilder::new(settings.token.expose()).proxy(url.clone()).ratelimiter_disabled(true).build(),
        None => HttpBuilder::new(settings.token.expose()).build(),
    }
}

/// The attachment reader of `[attachments]`, with Tesseract probed once:
/// the log says whether text in images will be read.
fn attachment_reader(settings: &Settings) -> crate::attach::Reader {
    let a = settings.bot.attachments;
    let limits = crate::attach::Limits { max_bytes: a.max_bytes, timeout: a.timeout };
    // Runs `tesseract --version` once, before any event is taken.
    let inspector = crate::attach::Inspector::from_env(limits);
    let (max_mb, timeout_secs) = (a.max_bytes >> 20, a.timeout.as_secs());
    match inspector.ocr() {
        Ok(t) => tracing::info!(
            ocr = t.version(),
            max_mb,
            timeout_secs,
            concurrency = a.concurrency,
            "attachments: OCR available, text in images is checked"
        ),
        Err(why) => tracing::warn!(
            reason = why,
            max_mb,
            timeout_secs,
            "attachments: OCR NOT available: text in images will be reported as not checked \
             (install tesseract-ocr and tesseract-ocr-eng, or set SAFETWEET_TESSERACT)"
        ),
    }
    crate::attach::Reader::new(inspector, settings.api_url.as_deref(), a.concurrency)
}

fn http_status(e: &serenity::Error) -> Option<u16> {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => Some(r.status_code.as_u16()),
        _ => None,
    }
}

/// Runs the bot until `shutdown` resolves (then: stop taking events, finish
/// the reviews and audit writes in flight, close the gateway, return `Ok`)
/// or until Discord ends the session for good (a rejected token, …).
pub async fn serve(
    settings: Settings,
    stores: Stores,
    rules: Arc<RuleSet>,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    // A shutdown during the start-up (the token check, the gateway lookup,
    // the matchers' warm-up) stops it there: nothing has been handled yet.
    tokio::pin!(shutdown);
    let (bot, mut client) = tokio::select! {
        started = start_up(&settings, stores, rules) => started?,
        _ = &mut shutdown => {
            tracing::info!("shut down during start-up");
            return Ok(());
        }
    };
    bot.set_http(client.http.clone());
    let shard_manager = client.shard_manager.clone();

    let start = client.start();
    tokio::pin!(start);
    let outcome = tokio::select! {
        r = &mut start => Some(r),
        _ = &mut shutdown => None,
    };
    match outcome {
        Some(Ok(())) => Ok(()),
        Some(Err(e)) => Err(match e {
            serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication) => {
                ServeError::TokenRejected("gateway closed with 4004 Authentication failed".into())
            }
            serenity::Error::Gateway(
                serenity::gateway::GatewayError::DisallowedGatewayIntents
                | serenity::gateway::GatewayError::InvalidGatewayIntents,
            ) => ServeError::IntentsRejected,
            other => ServeError::Gateway(other.to_string()),
        }),
        None => {
            tracing::info!("shutting down: finishing reviews and audit writes in flight");
            if tokio::time::timeout(Duration::from_secs(30), bot.close()).await.is_err() {
                tracing::warn!("in-flight work did not finish within 30 s; closing anyway");
            }
            shard_manager.shutdown_all().await;
            // start() returns once the shards are down; don't wait forever
            // if they never started.
            let _ = tokio::time::timeout(Duration::from_secs(5), &mut start).await;
            tracing::info!("shut down");
            Ok(())
        }
    }
}

/// The token check, the gateway lookup, the matchers' warm-up: the bot and
/// its client, not connected yet.
async fn start_up(
    settings: &Settings,
    stores: Stores,
    rules: Arc<RuleSet>,
) -> Result<(Arc<state::Bot>, serenity::Client), ServeError> {
    let base = settings.api_url.clone().unwrap_or_else(|| "https://discord.com".to_string());
    let http = make_http(settings);

    // Who are we? This is also the token check: 401 means Discord rejected it.
    let me = match http.get_current_user().await {
        Ok(me) => me,
        Err(e) if http_status(&e) == Some(401) => {
            return Err(ServeError::TokenRejected("HTTP 401 on GET /api/v10/users/@me".into()))
        }
        Err(e) => return Err(ServeError::Unreachable { url: base, message: e.to_string() }),
    };
    // Serenity falls back to the real gateway when discovery fails; behind a
    // proxy (or a test fake) that would be wrong, so fail here instead.
    if settings.api_url.is_some() {
        match http.get_gateway().await {
            Err(e) => {
                return Err(ServeError::Unreachable { url: format!("{base}/api/v10/gateway"), message: e.to_string() })
            }
            // IDENTIFY carries the token: never over plain text to another host.
            Ok(gateway) if !config::is_safe_gateway(&gateway.url) => {
                return Err(ServeError::InsecureGateway(crate::audit::redact_url(&gateway.url)))
            }
            Ok(_) => {}
        }
    }
    tracing::info!(bot_user = me.id.get(), "token accepted");
    let reader = attachment_reader(settings);
    // Compile the engine's lazily built matchers now, not on the first draft.
    let _ = crate::engine::review(
        &crate::engine::Draft::new("Warm-up: call 555-0100, see https://example.org #health"),
        &rules,
    );

    let bot = Arc::new(state::Bot::new(settings, stores, rules, reader, me.id.get(), me.name.clone()));
    let client = serenity::client::ClientBuilder::new_with_http(make_http(settings), intents())
        .event_handler_arc(Arc::new(handler::Handler::new(bot.clone())))
        .await
        .map_err(|e| ServeError::Gateway(e.to_string()))?;
    Ok((bot, client))
}
