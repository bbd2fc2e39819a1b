//! The serenity event handler: the one place that talks to Discord.
//!
//! Each event is turned into plain values (a [`Draft`], an [`Actor`]), the
//! draft's state is read back from the audit log, the pure
//! [`workflow::step`] decides, and this module appends the records and
//! carries out the effects. Events about one draft are serialised by a
//! per-message lock, so a replayed or concurrent event never doubles a review.
//!
//! A draft's attachments are read (downloaded from Discord's CDN, DICOM
//! header, text in images, metadata) by the [`crate::attach::Reader`] before
//! the review, under the draft's lock: OCR runs on tokio's blocking pool,
//! a few at a time, never on the gateway's event loop, and a draft without
//! attachments does not wait for anything.
//!
//! Logs carry ids, rule ids and verdicts only: never draft text, reasons or
//! identifiers. All REST calls go through the plain `Http` client (not the
//! cache), so Discord itself decides permissions. The review reply and the
//! reaction and edit calls are retried a few times on a 5xx or a transport
//! error ([`retrying`]); the audit records are appended once, before any of
//! them.

use super::config::{BotConfig, Emoji};
use super::database::{BotDb, PendingReason};
use super::render::{review_view, ReplyView};
use super::workflow::{
    self, Actor, Asked, Current, Decision, DraftState, Effect, Event, Outcome, Place, Policy, Purpose, Reviewed,
};
use super::{Settings, Stores};
use crate::audit::{AuditStore, Filter};
use crate::engine::{review, Attachment, Draft, Review, RuleSet};
use chrono::Utc;
use serenity::all::{
    ChannelId, Context, CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateMessage, EditMessage, EmojiId,
    EventHandler, GuildId, Http, Interaction, Message, MessageId, MessageType, MessageUpdateEvent, Reaction,
    ReactionType, Ready, UserId,
};
use serenity::all::{HttpError, Nonce};
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tracing::{debug, error, info, warn};

/// Shared state of a running bot. Nothing here is the source of truth: that
/// is the audit log (and the bookkeeping tables).
pub(crate) struct Bot {
    pub(crate) config: BotConfig,
    pub(crate) policy: Policy,
    pub(crate) rules: Arc<RuleSet>,
    pub(crate) audit: Arc<dyn AuditStore>,
    pub(crate) db: BotDb,
    /// Reads what is inside attachments.
    reader: crate::attach::Reader,
    http: OnceLock<Arc<Http>>,
    approve: ReactionType,
    reject: ReactionType,
    locks: DraftLocks,
    /// Messages seen on the gateway, noted before the per-draft lock: a
    /// reaction on one of them waits for its review. (Whether a text was
    /// reviewed is checked against Discord itself, never against this.)
    seen: Mutex<HashSet<u64>>,
    /// `true` once shutdown began. Handlers hold a read guard while working,
    /// so taking the write guard waits for the work in flight.
    closed: tokio::sync::RwLock<bool>,
    /// One catch-up at a time (a second READY waits for the first's).
    pub(crate) catch_up: tokio::sync::Mutex<()>,
    /// Makes each review reply's nonce unique (see [`Bot::post_reply`]).
    nonces: AtomicU32,
    /// Seals the exact text of approvals whose record text is masked.
    seal: Option<crate::audit::seal::SealKey>,
}

/// Where a message came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A MESSAGE_CREATE on the gateway (live or replayed on RESUME).
    Live,
    /// Channel history read on READY ([`super::catch_up`]).
    CatchUp,
}

/// How often a retried Discord call is tried in all, and the pause before
/// the second try (doubled before each further one).
pub(crate) const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Whether a failed Discord call may succeed if tried again: a 5xx from
/// Discord (or the proxy in front of it) or a transport error. A 4xx will
/// not change by itself (missing permission, unknown message, …).
fn is_transient(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => r.status_code.is_server_error(),
        serenity::Error::Http(HttpError::Request(_)) => true,
        _ => false,
    }
}

/// Runs `call` up to [`ATTEMPTS`] times while it fails transiently, with a
/// short doubling pause between tries. `what` names the call in the log.
pub(crate) async fn retrying<T, Fut>(
    what: &'static str,
    message_id: u64,
    mut call: impl FnMut() -> Fut,
) -> serenity::Result<T>
where
    Fut: Future<Output = serenity::Result<T>>,
{
    let mut pause = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e) if attempt < ATTEMPTS && is_transient(&e) => {
                warn!(message_id, attempt, call = what, error = %e, "Discord call failed; trying again");
                tokio::time::sleep(pause).await;
                pause *= 2;
                attempt += 1;
            }
            result => return result,
        }
    }
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

fn emoji_is(e: &Emoji, r: &ReactionType) -> bool {
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

    fn note_seen(&self, message_id: u64) {
        if let Ok(mut m) = self.seen.lock() {
            if m.len() >= SEEN_MAX {
                m.clear();
            }
            m.insert(message_id);
        }
    }

    fn was_seen(&self, message_id: u64) -> bool {
        self.seen.lock().is_ok_and(|m| m.contains(&message_id))
    }

    /// The draft as it is on Discord now (`GET` the message), reviewed:
    /// what an approval is checked against. `None` when it cannot be read.
    /// Its attachments are read only when the text is not the one last
    /// reviewed (`reviewed_sha256`): only then is this review shown.
    async fn read_current(&self, http: &Http, place: Place, reviewed_sha256: &str) -> Option<(Current, Review)> {
        let (channel, message) = (ChannelId::new(place.channel_id), MessageId::new(place.message_id));
        match retrying("read draft", place.message_id, || http.get_message(channel, message)).await {
            Ok(m) => {
                let mut draft = Draft { text: m.content, attachments: attachments(&m.attachments) };
                if workflow::content_sha256(&draft.text) != reviewed_sha256 {
                    draft.attachments = self.read_attachments(&m.attachments).await;
                }
                let review = review(&draft, &self.rules);
                let reviewed = Reviewed::new(&draft, &review, &self.rules.version);
                Some((Current { text: draft.text, reviewed }, review))
            }
            Err(e) => {
                warn!(message_id = place.message_id, error = %e, "cannot read the draft to check its text");
                None
            }
        }
    }

    pub(crate) async fn state_of(&self, message_id: u64) -> Result<Option<DraftState>, String> {
        let filter = Filter { message: Some(message_id), ..Filter::default() };
        let records = self.audit.query(&filter).await.map_err(|e| e.to_string())?;
        Ok(DraftState::from_records(&records))
    }

    // ----- events -------------------------------------------------------

    /// Whether a message may be a draft: a person's regular message (or
    /// inline reply) in a review channel. Nothing else is handled at all:
    /// a bot's reply to a question for a reason is no answer either.
    pub(crate) fn may_be_draft(&self, msg: &Message) -> bool {
        self.config.is_review_channel(msg.channel_id.get())
            && !msg.author.bot
            && msg.author.id.get() != self.policy.bot_id
            && msg.webhook_id.is_none()
            && matches!(msg.kind, MessageType::Regular | MessageType::InlineReply)
    }

    /// A message in a review channel: a draft to review, or a manager's
    /// answer to a request for a reason. Idempotent: a draft with a
    /// `submitted` record and a reply is left alone, so live events, RESUME
    /// replays and the catch-up on READY may all hand over the same message.
    pub(crate) async fn on_message(&self, http: &Http, msg: Message, origin: Origin) {
        let channel = msg.channel_id.get();
        if !self.may_be_draft(&msg) {
            return;
        }
        let author = Actor {
            id: msg.author.id.get(),
            name: display_name(msg.member.as_ref().and_then(|m| m.nick.as_deref()), &msg.author),
            roles: msg.member.as_ref().map(|m| m.roles.iter().map(|r| r.get()).collect()).unwrap_or_default(),
        };
        // A reply to one of the bot's messages is an answer or a remark, not a draft.
        if let Some(referenced) = msg.message_reference.as_ref().and_then(|r| r.message_id) {
            if self.on_reply(http, &msg, author.clone(), referenced.get(), origin).await {
                return;
            }
        }
        let place = Place { guild_id: msg.guild_id.map(|g| g.get()), channel_id: channel, message_id: msg.id.get() };
        let mut draft = Draft { text: msg.content, attachments: attachments(&msg.attachments) };
        let hash = workflow::content_sha256(&draft.text);
        self.note_seen(place.message_id);

        let started = std::time::Instant::now();
        let _lock = self.locks.lock(place.message_id).await;
        let state = match self.state_of(place.message_id).await {
            Ok(s) => s,
            Err(e) => {
                error!(message_id = place.message_id, error = %e, "audit query failed; draft not reviewed");
                self.say(
                    http,
                    place,
                    "⚠️ The audit log is unavailable, so this draft was not reviewed. Please post it again shortly.",
                    None,
                )
                .await;
                return;
            }
        };
        if let Some(s) = &state {
            // Gateway replay (resume, restart): reviewed already.
            if s.content_sha256 != hash {
                debug!(message_id = place.message_id, "stale replay of an edited draft ignored");
                return;
            }
            if matches!(self.db.reply_for(place.message_id).await, Ok(Some(_))) {
                debug!(message_id = place.message_id, "replayed draft already reviewed");
                return;
            }
        }
        let looked_up = started.elapsed();
        if !msg.attachments.is_empty() {
            draft.attachments = self.read_attachments(&msg.attachments).await;
        }
        let read = started.elapsed();
        let review = review(&draft, &self.rules);
        let reviewed = Reviewed::new(&draft, &review, &self.rules.version);
        let reviewed_at = started.elapsed();
        let out = workflow::step(state.as_ref(), place, Event::Posted { author, reviewed }, &self.policy, Utc::now());
        self.carry_out(http, place, out, Some(&review), None).await;
        debug!(
            message_id = place.message_id,
            lookup_us = looked_up.as_micros() as u64,
            attachments_us = (read - looked_up).as_micros() as u64,
            review_us = (reviewed_at - read).as_micros() as u64,
            total_us = started.elapsed().as_micros() as u64,
            "draft handled"
        );
    }

    /// A reply (to `referenced`) in a review channel. Returns `true` when it
    /// is no draft: a reply to one of the bot's messages (or another bot's)
    /// is a remark, or an answer to a question for a reason. An answer to
    /// the replier's own question is applied while the question is open,
    /// else they are told it was not recorded; either way only once (a
    /// replay or a later catch-up leaves a handled answer alone). Answers
    /// read from history (given while the bot was away) carry no roles: the
    /// member is looked up.
    async fn on_reply(&self, http: &Http, msg: &Message, author: Actor, referenced: u64, origin: Origin) -> bool {
        let (channel, message_id) = (msg.channel_id.get(), msg.id.get());
        let asked = self.db.prompt_actor(referenced).await.unwrap_or_else(|e| {
            warn!(message_id, error = %e, "prompt lookup failed");
            None
        });
        let to_bot = asked.is_some() || msg.referenced_message.as_ref().is_some_and(|r| r.author.bot);
        let open = match self.pending_answered_by(channel, author.id, referenced).await {
            Ok(open) => open,
            Err(e) => {
                warn!(channel_id = channel, error = %e, "pending-reason lookup failed");
                return to_bot || origin == Origin::CatchUp;
            }
        };
        if open.is_none() && asked != Some(author.id) {
            if to_bot {
                debug!(message_id, "a reply to the bot is not a draft");
            }
            return to_bot;
        }
        // An answer to the replier's own question.
        match self.db.answer_noted(message_id).await {
            Ok(false) => {}
            Ok(true) => {
                debug!(message_id, "answer handled already");
                return true;
            }
            Err(e) => {
                warn!(message_id, error = %e, "answer lookup failed; not handled now");
                return true;
            }
        }
        let place = Place { guild_id: msg.guild_id.map(|g| g.get()), channel_id: channel, message_id };
        let away = if origin == Origin::CatchUp { ", given while the bot was away," } else { "" };
        let author = match origin {
            Origin::CatchUp if msg.member.is_none() => self.as_member(http, place, author).await,
            _ => Some(author),
        };
        match (author, open) {
            (None, _) => {
                let line = format!(
                    "<@{}> your reason{away} was not recorded: your roles could not be checked. Please answer again.",
                    msg.author.id.get()
                );
                self.say(http, place, &line, Some(msg.author.id.get())).await;
            }
            (Some(author), Some(p)) => {
                let outcome = self
                    .on_reason(http, author, p.draft_message_id, p.purpose, Some(p.asked()), msg.content.clone())
                    .await;
                if outcome.is_err() {
                    warn!(message_id, "reason not applied");
                }
            }
            (Some(author), None) => {
                info!(message_id, actor_id = author.id, "answer to a question no longer open");
                let line = format!(
                    "<@{}> your reason{away} was not recorded: that question is no longer open (it was answered, \
                     or replaced by a newer question). React again on the draft if it still needs you.",
                    author.id
                );
                self.say(http, place, &line, Some(author.id)).await;
            }
        }
        if let Err(e) = self.db.note_answer(message_id, channel).await {
            warn!(message_id, error = %e, "cannot note the answer as handled");
        }
        true
    }

    /// `actor` with their display name and roles as a member of the draft's
    /// guild now (`None` when they cannot be read; a bot has no roles here).
    async fn as_member(&self, http: &Http, place: Place, actor: Actor) -> Option<Actor> {
        let guild = GuildId::new(place.guild_id?);
        match retrying("read member", place.message_id, || http.get_member(guild, UserId::new(actor.id))).await {
            Ok(m) => Some(Actor {
                id: actor.id,
                name: display_name(m.nick.as_deref(), &m.user),
                roles: if m.user.bot { Vec::new() } else { m.roles.iter().map(|r| r.get()).collect() },
            }),
            Err(e) => {
                warn!(message_id = place.message_id, error = %e, "cannot read the member's roles");
                None
            }
        }
    }

    /// The open request for a reason that a reply to `referenced` answers.
    /// Only a reply to the bot's question counts: a manager's reply to the
    /// draft itself may just be a comment.
    async fn pending_answered_by(
        &self,
        channel: u64,
        actor: u64,
        referenced: u64,
    ) -> Result<Option<PendingReason>, sqlx::Error> {
        let Some(first) = self.db.pending(channel, actor).await? else { return Ok(None) };
        // The request is stored before the question is posted and completed
        // with the question's id right after, under the draft's lock: wait
        // for that, so an instant answer finds the id.
        drop(self.locks.lock(first.draft_message_id).await);
        let p = self.db.pending(channel, actor).await?;
        Ok(p.filter(|p| p.prompt_message_id != 0 && referenced == p.prompt_message_id))
    }

    async fn on_update(&self, http: &Http, ev: MessageUpdateEvent) {
        let channel = ev.channel_id.get();
        if !self.config.is_review_channel(channel) {
            return;
        }
        let Some(content) = ev.content else { return };
        if ev.author.as_ref().is_some_and(|a| a.bot || a.id.get() == self.policy.bot_id) {
            return;
        }
        let place = Place { guild_id: ev.guild_id.map(|g| g.get()), channel_id: channel, message_id: ev.id.get() };
        let files = ev.attachments.clone().unwrap_or_default();
        let draft = Draft { text: content, attachments: attachments(&files) };
        let author = ev.author.as_ref().map(|a| Actor {
            id: a.id.get(),
            name: display_name(ev.member.as_ref().and_then(|m| m.as_ref()).and_then(|m| m.nick.as_deref()), a),
            roles: Vec::new(),
        });
        self.on_edited(http, place, draft, &files, author).await;
    }

    /// A draft in the channel history whose text differs from its last
    /// review: edited while no gateway session was open ([`super::catch_up`]).
    pub(crate) async fn on_history_edit(&self, http: &Http, msg: Message) {
        if !self.may_be_draft(&msg) {
            return;
        }
        let place = Place {
            guild_id: msg.guild_id.map(|g| g.get()),
            channel_id: msg.channel_id.get(),
            message_id: msg.id.get(),
        };
        let author = Actor {
            id: msg.author.id.get(),
            name: display_name(msg.member.as_ref().and_then(|m| m.nick.as_deref()), &msg.author),
            roles: Vec::new(),
        };
        let draft = Draft { text: msg.content, attachments: attachments(&msg.attachments) };
        self.on_edited(http, place, draft, &msg.attachments, Some(author)).await;
    }

    /// A draft's new text (an edit event, or an edit found in history), with
    /// its attachments as Discord lists them (`files`).
    async fn on_edited(
        &self,
        http: &Http,
        place: Place,
        mut draft: Draft,
        files: &[serenity::all::Attachment],
        author: Option<Actor>,
    ) {
        let hash = workflow::content_sha256(&draft.text);
        self.note_seen(place.message_id);

        let _lock = self.locks.lock(place.message_id).await;
        let state = match self.state_of(place.message_id).await {
            Ok(s) => s,
            Err(e) => {
                error!(message_id = place.message_id, error = %e, "audit query failed; edit not reviewed");
                return;
            }
        };
        if state.as_ref().is_some_and(|s| s.content_sha256 == hash) {
            return;
        }
        if state.is_none() && author.is_none() {
            return;
        }
        if !files.is_empty() {
            draft.attachments = self.read_attachments(files).await;
        }
        let review = review(&draft, &self.rules);
        let reviewed = Reviewed::new(&draft, &review, &self.rules.version);
        let out = workflow::step(state.as_ref(), place, Event::Edited { author, reviewed }, &self.policy, Utc::now());
        self.carry_out(http, place, out, Some(&review), None).await;
    }

    async fn on_reaction(&self, http: &Http, r: Reaction) {
        let channel = r.channel_id.get();
        if !self.config.is_review_channel(channel) {
            return;
        }
        let Some(user) = r.user_id.map(|u| u.get()) else { return };
        // Our own reactions, and other bots' (an integration holding a
        // manager role is still not a person who reviewed the draft).
        if user == self.policy.bot_id || r.member.as_ref().is_some_and(|m| m.user.bot) {
            debug!(message_id = r.message_id.get(), user_id = user, "reaction by a bot ignored");
            return;
        }
        let decision = if emoji_is(&self.config.approve_emoji, &r.emoji) {
            Decision::Approve
        } else if emoji_is(&self.config.reject_emoji, &r.emoji) {
            Decision::Reject
        } else {
            return;
        };
        let actor = match &r.member {
            Some(m) => Actor {
                id: user,
                name: display_name(m.nick.as_deref(), &m.user),
                roles: m.roles.iter().map(|x| x.get()).collect(),
            },
            None => Actor { id: user, name: format!("user {user}"), roles: Vec::new() },
        };
        let message_id = r.message_id.get();
        let seen = self.was_seen(message_id);
        let mut attempts = 0;
        let (_lock, state) = loop {
            let lock = self.locks.lock(message_id).await;
            match self.state_of(message_id).await {
                Ok(Some(s)) => break (lock, s),
                // A reaction on a message posted moments ago may overtake the
                // message's own MESSAGE_CREATE (each event runs in its own
                // task): give that one the lock first.
                Ok(None) if (seen || is_recent(message_id)) && attempts < 40 => {
                    drop(lock);
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Ok(None) => return,
                Err(e) => {
                    error!(message_id, error = %e, "audit query failed; reaction not handled");
                    return;
                }
            }
        };
        // An approval is checked against the text on Discord now, not the
        // last text the bot happened to see.
        let (current, review) = match decision {
            Decision::Approve => match self.read_current(http, state.place, &state.content_sha256).await {
                Some((current, review)) => (Some(current), Some(review)),
                None => (None, None),
            },
            Decision::Reject => (None, None),
        };
        let exact = current.as_ref().map(|c| c.text.clone());
        let event = Event::Reacted { actor, decision, current };
        let out = workflow::step(Some(&state), state.place, event, &self.policy, Utc::now());
        self.carry_out(http, state.place, out, review.as_ref(), exact.as_deref()).await;
    }

    /// A manager's written reason (a reply, or `/reject`), answering the
    /// question `asked` (`None`: `/reject draft:`, no question). Returns the
    /// kind of the deciding record, for the command's answer.
    pub(crate) async fn on_reason(
        &self,
        http: &Http,
        actor: Actor,
        draft_message_id: u64,
        purpose: Purpose,
        asked: Option<Asked>,
        reason: String,
    ) -> Result<Option<crate::audit::RecordKind>, String> {
        let _lock = self.locks.lock(draft_message_id).await;
        let Some(state) = self.state_of(draft_message_id).await? else {
            return Ok(None);
        };
        // An override approves: checked against the text on Discord now.
        let (current, review) = match purpose {
            Purpose::Override => match self.read_current(http, state.place, &state.content_sha256).await {
                Some((current, review)) => (Some(current), Some(review)),
                None => (None, None),
            },
            Purpose::Reject => (None, None),
        };
        let exact = current.as_ref().map(|c| c.text.clone());
        let event = Event::Reason { actor, purpose, reason, current, asked };
        let out = workflow::step(Some(&state), state.place, event, &self.policy, Utc::now());
        let kind = out
            .records
            .iter()
            .map(|r| r.kind)
            .find(|k| !matches!(k, crate::audit::RecordKind::ReReviewed | crate::audit::RecordKind::Revoked));
        if self.carry_out(http, state.place, out, review.as_ref(), exact.as_deref()).await {
            Ok(kind)
        } else {
            Err("the audit log could not be written".into())
        }
    }

    // ----- effects ------------------------------------------------------

    /// An approval whose record text is masked keeps the exact text only
    /// sealed to the compliance officer's key (when the bot has one), and
    /// only if it is the very text the record's hash names.
    fn seal_exact(&self, rec: &mut crate::audit::NewRecord, exact: Option<&str>) {
        use crate::audit::RecordKind;
        let (Some(key), Some(exact)) = (&self.seal, exact) else { return };
        if matches!(rec.kind, RecordKind::Approved | RecordKind::Override)
            && rec.text.as_deref() != Some(exact)
            && workflow::content_sha256(exact) == rec.content_sha256
        {
            rec.sealed_text = Some(key.seal(exact));
        }
    }

    /// Appends the records, then performs the effects. Returns `false` when
    /// the audit log refused a record (then nothing is done on Discord but
    /// a short notice). `exact`: the exact text an approval in `out` was
    /// checked against, sealed into the record when its text is masked.
    pub(crate) async fn carry_out(
        &self,
        http: &Http,
        place: Place,
        out: Outcome,
        review: Option<&Review>,
        exact: Option<&str>,
    ) -> bool {
        for mut rec in out.records {
            self.seal_exact(&mut rec, exact);
            let kind = rec.kind;
            let verdict = rec.verdict.clone();
            let rules: Vec<String> = rec.findings.iter().map(|f| f.rule.clone()).collect();
            let appending = std::time::Instant::now();
            match self.audit.append(rec).await {
                Ok(stored) => info!(
                    append_us = appending.elapsed().as_micros() as u64,
                    seq = stored.seq,
                    kind = kind.as_str(),
                    message_id = place.message_id,
                    channel_id = place.channel_id,
                    actor_id = stored.record.actor_id,
                    verdict = verdict.as_deref().unwrap_or("-"),
                    rules = ?rules,
                    "audit record appended"
                ),
                Err(e) => {
                    error!(kind = kind.as_str(), message_id = place.message_id, error = %e, "audit append failed");
                    self.say(
                        http,
                        place,
                        "⚠️ The audit log could not be written, so nothing was recorded. Please try again shortly.",
                        None,
                    )
                    .await;
                    return false;
                }
            }
        }
        let channel = ChannelId::new(place.channel_id);
        let message = MessageId::new(place.message_id);
        for effect in out.effects {
            let result = match effect {
                Effect::Reply { add_approve } => {
                    if matches!(self.db.reply_for(place.message_id).await, Ok(Some(_))) {
                        continue;
                    }
                    let Some(review) = review else { continue };
                    if self.post_reply(http, place, review).await && add_approve {
                        self.add_approve(http, place).await
                    } else {
                        Ok(())
                    }
                }
                Effect::EditReply => {
                    let Some(review) = review else { continue };
                    match self.db.reply_for(place.message_id).await {
                        Ok(Some(reply)) => {
                            let view = self.view(review);
                            let edit = EditMessage::new().embed(embed(&view));
                            let editing = || http.edit_message(channel, MessageId::new(reply), &edit, Vec::new());
                            match retrying("edit reply", place.message_id, editing).await {
                                Ok(_) => Ok(()),
                                Err(e) => {
                                    // The reply may be gone (deleted): post a new one.
                                    warn!(message_id = place.message_id, error = %e, "editing the reply failed; posting a new one");
                                    self.post_reply(http, place, review).await;
                                    Ok(())
                                }
                            }
                        }
                        _ => {
                            self.post_reply(http, place, review).await;
                            Ok(())
                        }
                    }
                }
                Effect::AddApproveReaction => self.add_approve(http, place).await,
                Effect::RemoveOwnApproveReaction => retrying("remove own reaction", place.message_id, || {
                    http.delete_reaction_me(channel, message, &self.approve)
                })
                .await
                .map_err(|e| e.to_string()),
                Effect::RemoveReaction { decision, user_id } => {
                    let rt = match decision {
                        Decision::Approve => &self.approve,
                        Decision::Reject => &self.reject,
                    };
                    retrying("remove reaction", place.message_id, || {
                        http.delete_reaction(channel, message, UserId::new(user_id), rt)
                    })
                    .await
                    .map_err(|e| e.to_string())
                }
                Effect::Say(text) => {
                    self.say(http, place, &text, None).await;
                    Ok(())
                }
                Effect::AskReason { actor_id, purpose, content_sha256, revision, at } => {
                    let text = match purpose {
                        Purpose::Reject => format!(
                            "<@{actor_id}> why is this draft rejected? Reply to this message with the reason, or use `/reject reason:`."
                        ),
                        Purpose::Override => format!(
                            "<@{actor_id}> this draft is blocked. To approve it anyway, reply to this message with the reason for the override."
                        ),
                    };
                    // Remember the request before asking, so an answer (or
                    // `/reject`) that arrives at once finds it.
                    let mut pending = PendingReason {
                        channel_id: place.channel_id,
                        actor_id,
                        draft_message_id: place.message_id,
                        purpose,
                        prompt_message_id: 0,
                        content_sha256,
                        revision,
                        asked_at: at,
                        closed: false,
                    };
                    match self.db.set_pending(&pending).await {
                        Err(e) => Err(e.to_string()),
                        Ok(()) => match self.say(http, place, &text, Some(actor_id)).await {
                            Some(prompt) => {
                                pending.prompt_message_id = prompt;
                                let kept = self.db.set_prompt(prompt, place.channel_id, actor_id, place.message_id);
                                match kept.await {
                                    Ok(()) => self.db.set_pending(&pending).await.map_err(|e| e.to_string()),
                                    Err(e) => Err(e.to_string()),
                                }
                            }
                            None => Ok(()),
                        },
                    }
                }
                Effect::ClearPending { actor_id } => {
                    self.db.clear_pending(place.channel_id, actor_id).await.map_err(|e| e.to_string())
                }
                Effect::CloseQuestions { only, because } => {
                    match self.db.close_questions(place.channel_id, place.message_id, only).await {
                        Ok(closed) => {
                            for (actor_id, purpose) in closed {
                                info!(
                                    message_id = place.message_id,
                                    actor_id,
                                    purpose = purpose.as_str(),
                                    "question closed"
                                );
                                self.say(http, place, &because.line(actor_id, purpose), Some(actor_id)).await;
                            }
                            Ok(())
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
            };
            if let Err(e) = result {
                warn!(message_id = place.message_id, error = %e, "Discord call failed");
            }
        }
        true
    }

    fn view(&self, review: &Review) -> ReplyView {
        review_view(review, &self.rules.version, &self.config.approve_emoji.to_string())
    }

    /// The bot's approve reaction on the draft (a PUT: safe to retry).
    async fn add_approve(&self, http: &Http, place: Place) -> Result<(), String> {
        let (channel, message) = (ChannelId::new(place.channel_id), MessageId::new(place.message_id));
        retrying("add approve reaction", place.message_id, || http.create_reaction(channel, message, &self.approve))
            .await
            .map_err(|e| e.to_string())
    }

    /// Posts the review reply and remembers its id. `true` on success.
    ///
    /// Retried on a 5xx or a transport error. Each try carries the same
    /// nonce with `enforce_nonce`, so when a failed-looking try had in fact
    /// created the message, Discord returns that message instead of posting
    /// a second reply.
    async fn post_reply(&self, http: &Http, place: Place, review: &Review) -> bool {
        let view = self.view(review);
        let n = self.nonces.fetch_add(1, Ordering::Relaxed) & 0xFFFF;
        // At most 19 digits + 1 + 4 hex digits: within Discord's 25 characters.
        let nonce = format!("{}-{n:x}", place.message_id);
        let msg = CreateMessage::new()
            .embed(embed(&view))
            .reference_message((ChannelId::new(place.channel_id), MessageId::new(place.message_id)))
            .allowed_mentions(CreateAllowedMentions::new())
            .nonce(Nonce::String(nonce))
            .enforce_nonce(true);
        let channel = ChannelId::new(place.channel_id);
        match retrying("review reply", place.message_id, || channel.send_message(http, msg.clone())).await {
            Ok(reply) => {
                info!(
                    message_id = place.message_id,
                    reply_id = reply.id.get(),
                    verdict = review.verdict.as_str(),
                    "review posted"
                );
                if let Err(e) = self.db.set_reply(place.message_id, place.channel_id, reply.id.get()).await {
                    warn!(message_id = place.message_id, error = %e, "cannot remember the reply id");
                }
                true
            }
            Err(e) => {
                error!(message_id = place.message_id, error = %e, "posting the review failed");
                false
            }
        }
    }

    /// One short line in reply to the draft. Returns the new message's id.
    async fn say(&self, http: &Http, place: Place, text: &str, mention: Option<u64>) -> Option<u64> {
        let mut mentions = CreateAllowedMentions::new();
        if let Some(u) = mention {
            mentions = mentions.users(vec![UserId::new(u)]);
        }
        let msg = CreateMessage::new()
            .content(super::render::truncate(text, 2000))
            .reference_message((ChannelId::new(place.channel_id), MessageId::new(place.message_id)))
            .allowed_mentions(mentions);
        match ChannelId::new(place.channel_id).send_message(http, msg).await {
            Ok(m) => Some(m.id.get()),
            Err(e) => {
                warn!(message_id = place.message_id, error = %e, "posting a notice failed");
                None
            }
        }
    }
}

pub(crate) fn embed(view: &ReplyView) -> CreateEmbed {
    let mut e = CreateEmbed::new()
        .title(view.title.clone())
        .colour(view.colour)
        .footer(CreateEmbedFooter::new(view.footer.clone()));
    if !view.description.is_empty() {
        e = e.description(view.description.clone());
    }
    for (name, value) in &view.fields {
        e = e.field(name.clone(), value.clone(), false);
    }
    e
}

/// Whether a message id (a snowflake: milliseconds since 2015 in its top
/// bits) was created in the last ten seconds.
fn is_recent(message_id: u64) -> bool {
    const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
    let created = (message_id >> 22).saturating_add(DISCORD_EPOCH_MS);
    let now = Utc::now().timestamp_millis().max(0) as u64;
    now.saturating_sub(created) < 10_000 && created <= now.saturating_add(10_000)
}

impl Bot {
    /// The attachments with what is inside them (cached by attachment id,
    /// so an edit of the caption does not download or read them again).
    async fn read_attachments(&self, list: &[serenity::all::Attachment]) -> Vec<Attachment> {
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
fn attachments(list: &[serenity::all::Attachment]) -> Vec<Attachment> {
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
struct DraftLocks {
    map: Mutex<HashMap<u64, Arc<tokio::sync::Mutex<()>>>>,
}

impl DraftLocks {
    async fn lock(&self, id: u64) -> tokio::sync::OwnedMutexGuard<()> {
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

/// The serenity side: each event checks the gate, then hands over to [`Bot`].
pub(crate) struct Handler {
    bot: Arc<Bot>,
}

impl Handler {
    pub(crate) fn new(bot: Arc<Bot>) -> Handler {
        Handler { bot }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    /// READY follows a fresh IDENTIFY (a RESUME gets RESUMED and replays
    /// instead): register the commands, then catch up on the messages posted
    /// while no session was open.
    async fn ready(&self, ctx: Context, ready: Ready) {
        info!(guilds = ready.guilds.len(), session_shard = ?ready.shard.map(|s| s.id.0), "gateway ready");
        ctx.http.set_application_id(ready.application.id);
        if let Some(http) = self.bot.http.get() {
            http.set_application_id(ready.application.id);
        }
        let guilds: Vec<_> = ready.guilds.iter().map(|g| g.id).collect();
        super::commands::register(self.bot.http_or(&ctx), self.bot.config.commands, &guilds).await;
        super::catch_up::run(&self.bot, self.bot.http_or(&ctx)).await;
    }

    async fn guild_create(&self, ctx: Context, guild: serenity::all::Guild, is_new: Option<bool>) {
        // A server that added the bot while it runs gets its commands now.
        if is_new == Some(true) && self.bot.config.commands == super::config::CommandScope::Guild {
            super::commands::register(self.bot.http_or(&ctx), self.bot.config.commands, &[guild.id]).await;
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        let Some(_open) = self.bot.enter().await else { return };
        self.bot.on_message(self.bot.http_or(&ctx), msg, Origin::Live).await;
    }

    async fn message_update(&self, ctx: Context, _old: Option<Message>, _new: Option<Message>, ev: MessageUpdateEvent) {
        let Some(_open) = self.bot.enter().await else { return };
        self.bot.on_update(self.bot.http_or(&ctx), ev).await;
    }

    async fn reaction_add(&self, ctx: Context, reaction: Reaction) {
        let Some(_open) = self.bot.enter().await else { return };
        self.bot.on_reaction(self.bot.http_or(&ctx), reaction).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Some(_open) = self.bot.enter().await else { return };
        if let Interaction::Command(cmd) = interaction {
            super::commands::handle(&self.bot, self.bot.http_or(&ctx), cmd).await;
        }
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
