//! The bot's shared state (like ferrisbot's `Data`): settings, policy,
//! rules, stores, the attachment reader, the REST client, the per-draft
//! locks and the shutdown gate, and the reads every event path needs (a
//! draft's state from the audit log, the draft as it is on Discord now).
//!
//! Nothing here is the source of truth: that is the audit log (and the
//! bookkeeping tables). This module does not depend on the event handler,
//! the effects or any event path; they all depend on it.

use super::config::{BotConfig, Emoji};
use super::database::BotDb;
use super::workflow::{DraftState, Policy};
use super::{Settings, Stores};
use crate::audit::{AuditStore, Filter};
use crate::engine::{Attachment, RuleSet};
use chrono::Utc;
use serenity::all::{Context, EmojiId, Http, ReactionType};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, Mutex, OnceLock};

/// Shared state of a running bot. Nothing here is the source of truth: that
/// is the audit log (and the bookkeeping tables).
pub(crate) struct Bot {
    pub(crate) config: BotConfig,
    pub(crate) policy: Policy,
    pub(crate) rules: Arc<RuleSet>,
    pub(crate) audit: Arc<dyn AuditStore>,
    pub(crate) db: BotDb,
    /// Reads what is inside attachments.
    pub(crate) reader: crate::attach::Reader,
    pub(crate) http: OnceLock<Arc<Http>>,
    pub(crate) approve: ReactionType,
    pub(crate) reject: ReactionType,
    pub(crate) locks: DraftLocks,
    /// Messages seen on the gateway, noted before the per-draft lock: a
    /// reaction on one of them waits for its review. (Whether a text was
    /// reviewed is checked against Discord itself, never against this.)
    seen: Mutex<HashSet<u64>>,
    /// `true` once shutdown began. Handlers hold a read guard while working,
    /// so taking the write guard waits for the work in flight.
    closed: tokio::sync::RwLock<bool>,
    /// One catch-up at a time (a second READY waits for the first's).
    pub(crate) catch_up: tokio::sync::Mutex<()>,
    /// Records appended since the last audit checkpoint, and when it was.
    pub(crate) checkpoint: std::sync::Mutex<(u32, std::time::Instant)>,
    /// Makes each review reply's nonce unique (see [`Bot::post_reply`]).
    pub(crate) nonces: AtomicU32,
    /// Seals the exact text of approvals whose record text is masked.
    pub(crate) seal: Option<crate::audit::seal::SealKey>,
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A MESSAGE_CREATE on the gateway (live or replayed on RESUME).
    Live,
    /// Channel history read on READY ([`super::catch_up`]).
    CatchUp,
}

const SEEN_MAX: usize = 20_000;

fn reaction_type(e: &Emoji) -> ReactionType {
    match e {
        Emoji::Unicode(s) => ReactionType::Unicode(s.clone()),
        Emoji::Custom { name, id, animated } => {
            ReactionType::Custom { animated: *animated, id: EmojiId::new(*id), name: Some(name.clone()) }
        }
    }
}

pub(crate) fn emoji_is(e: &Emoji, r: &ReactionType) -> bool {
    match r {
        ReactionType::Unicode(s) => e.matches(Some(s), None),
        ReactionType::Custom { id, .. } => e.matches(None, Some(id.get())),
        _ => false,
    }
}

impl Bot {
    pub(crate) fn new(
        settings: &Settings,
        stores: Stores,
        rules: Arc<RuleSet>,
        reader: crate::attach::Reader,
        bot_id: u64,
        bot_name: String,
    ) -> Bot {
        let config = settings.bot.clone();
        Bot {
            policy: Policy {
                manager_roles: config.manager_roles.clone(),
                allow_overrides: config.allow_overrides,
                bot_id,
                bot_name,
            },
            approve: reaction_type(&config.approve_emoji),
            reject: reaction_type(&config.reject_emoji),
            config,
            rules,
            audit: stores.audit,
            db: stores.bot,
            reader,
            http: OnceLock::new(),
            locks: DraftLocks::default(),
            seen: Mutex::new(HashSet::new()),
            closed: tokio::sync::RwLock::new(false),
            catch_up: tokio::sync::Mutex::new(()),
            checkpoint: std::sync::Mutex::new((0, std::time::Instant::now())),
            // Seeded from the clock so a restarted bot does not reuse the
            // nonces of the one before (Discord dedupes them for minutes).
            nonces: AtomicU32::new(Utc::now().timestamp_subsec_micros()),
            seal: settings.seal_key.clone(),
        }
    }

    pub(crate) fn set_http(&self, http: Arc<Http>) {
        let _ = self.http.set(http);
    }

    pub(crate) fn http_or<'a>(&'a self, ctx: &'a Context) -> &'a Http {
        self.http.get().map(|h| h.as_ref()).unwrap_or(ctx.http.as_ref())
    }

    /// Admission to handle an event; `None` once shutdown began.
    pub(crate) async fn enter(&self) -> Option<tokio::sync::RwLockReadGuard<'_, bool>> {
        let g = self.closed.read().await;
        (!*g).then_some(g)
    }

    /// Stops taking events and waits for the ones in flight.
    pub(crate) async fn close(&self) {
        *self.closed.write().await = true;
    }

    pub(crate) fn note_seen(&self, message_id: u64) {
        if let Ok(mut m) = self.seen.lock() {
            if m.len() >= SEEN_MAX {
                m.clear();
            }
            m.insert(message_id);
        }
    }

    pub(crate) fn was_seen(&self, message_id: u64) -> bool {
        self.seen.lock().is_ok_and(|m| m.contains(&message_id))
    }

    pub(crate) async fn state_of(&self, message_id: u64) -> Result<Option<DraftState>, String> {
        let filter = Filter { message: Some(message_id), ..Filter::default() };
        let records = self.audit.query(&filter).await.map_err(|e| e.to_string())?;
        Ok(DraftState::from_records(&records))
    }
}

/// Whether a message id (a snowflake: milliseconds since 2015 in its top
/// bits) was created in the last ten seconds.
pub(crate) fn is_recent(message_id: u64) -> bool {
    const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
    let created = (message_id >> 22).saturating_add(DISCORD_EPOCH_MS);
    let now = Utc::now().timestamp_millis().max(0) as u64;
    now.saturating_sub(created) < 10_000 && created <= now.saturating_add(10_000)
}

impl Bot {
    /// The attachments with what is inside them (cached by attachment id,
    /// so an edit of the caption does not download or read them again).
    pub(crate) async fn read_attachments(&self, list: &[serenity::all::Attachment]) -> Vec<Attachment> {
        let sources: Vec<crate::attach::Source> = list
            .iter()
            .map(|a| crate::attach::Source {
                id: a.id.get(),
                filename: a.filename.clone(),
                content_type: a.content_type.clone().unwrap_or_default(),
                url: a.url.clone(),
                size: u64::from(a.size),
            })
            .collect();
        self.reader.read_all(&sources).await
    }
}

/// The attachments' names and declared types only (what the engine knows
/// before their content is read).
pub(crate) fn attachments(list: &[serenity::all::Attachment]) -> Vec<Attachment> {
    list.iter()
        .map(|a| Attachment {
            filename: a.filename.clone(),
            content_type: a.content_type.clone().unwrap_or_default(),
            extracted: None,
        })
        .collect()
}

pub(crate) fn display_name(nick: Option<&str>, user: &serenity::all::User) -> String {
    nick.map(str::to_string).or_else(|| user.global_name.clone()).unwrap_or_else(|| user.name.clone())
}

/// One async lock per draft message, created on demand and dropped when
/// nobody holds or waits for it.
#[derive(Default)]
pub(crate) struct DraftLocks {
    map: Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>,
}

impl DraftLocks {
    pub(crate) async fn lock(&self, id: u64) -> tokio::sync::OwnedMutexGuard<()> {
        let m = {
            let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() > 1024 {
                map.retain(|_, m| Arc::strong_count(m) > 1);
            }
            map.entry(id).or_default().clone()
        };
        m.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_snowflakes() {
        let now_ms = Utc::now().timestamp_millis() as u64;
        let id = |ms: u64| (ms - 1_420_070_400_000) << 22;
        assert!(is_recent(id(now_ms)));
        assert!(is_recent(id(now_ms - 2_000)));
        assert!(!is_recent(id(now_ms - 60_000)));
        assert!(!is_recent(3000));
        assert!(!is_recent(u64::MAX));
    }
}
