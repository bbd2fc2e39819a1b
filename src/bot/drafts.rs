//! The event paths of a draft: a message (a draft, or an answer to a
//! question for a reason), an edit, a reaction, a written reason. Each turns
//! the event into plain values (a [`Draft`], an [`Actor`]), reads the
//! draft's state back from the audit log, lets the pure [`workflow::step`]
//! decide, and hands the outcome to the effects. Events about one draft are
//! serialised by a per-message lock, so a replayed or concurrent event never
//! doubles a review.
//!
//! A draft's attachments are read (downloaded from Discord's CDN, DICOM
//! header, text in images, metadata) by the [`crate::attach::Reader`] before
//! the review, under the draft's lock: OCR runs on tokio's blocking pool,
//! a few at a time, never on the gateway's event loop, and a draft without
//! attachments does not wait for anything.
//!
//! Used by the handler (live events), the catch-up (history), the slash
//! commands and the interactions (buttons, forms); depends only on the
//! state, the effects and the pure modules.

use super::database::PendingReason;
use super::effects::{retrying, Private, Via};
use super::error::BotError;
use super::render;
use super::state::{attachments, display_name, emoji_is, is_recent, Bot, Origin};
use super::workflow::{self, Actor, Asked, Current, Decision, Event, Place, Purpose, Reviewed};
use crate::audit::RecordKind;
use crate::engine::{review, Draft, Review};
use chrono::Utc;
use serenity::all::{ChannelId, GuildId, Http, Message, MessageId, MessageType, MessageUpdateEvent, Reaction, UserId};
use tracing::{debug, error, info, warn};

/// What a decision (a reaction, a click, a written reason) came to.
#[derive(Default)]
pub(crate) struct Decided {
    /// The kind of the deciding record appended (approved, override,
    /// rejected, approval-refused), if any.
    pub kind: Option<RecordKind>,
    /// For [`Via::Private`]: what the person is answered privately.
    pub private: Private,
    /// The draft is unknown to the audit log (never reviewed).
    pub unknown: bool,
    /// For [`Via::Private`]: the effects still to carry out once the person
    /// is answered (Discord wants an answer within 3 seconds; the records
    /// are appended already), under the draft's lock.
    pub rest: Option<Rest>,
}

/// Effects left to carry out on Discord, holding the draft's lock.
pub(crate) struct Rest {
    place: Place,
    effects: Vec<workflow::Effect>,
    review: Option<Review>,
    _lock: tokio::sync::OwnedMutexGuard<()>,
}

impl Bot {
    /// Carries out the effects a decision left (see [`Decided::rest`]).
    pub(crate) async fn finish_rest(&self, http: &Http, rest: Rest) {
        self.perform(http, rest.place, rest.effects, rest.review.as_ref()).await;
    }
}

impl Bot {
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
                self.say(http, place, render::AUDIT_UNAVAILABLE, None).await;
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
        self.carry_out(http, place, out, Some(&review)).await;
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
        // The same answer may be handed over twice at once: live, and by the
        // catch-up after a fresh IDENTIFY, which reads it from history before
        // the live task has noted it. Whether it was handled, handling it and
        // noting it are one step under the answer's own lock (the draft's
        // lock, taken inside, only serialises the decision itself).
        let _answer = self.locks.lock(message_id).await;
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
        let away = origin == Origin::CatchUp;
        let author = match origin {
            Origin::CatchUp if msg.member.is_none() => self.as_member(http, place, author).await,
            _ => Some(author),
        };
        match (author, open) {
            (None, _) => {
                let line = render::reason_roles_unknown(msg.author.id.get(), away);
                self.say(http, place, &line, Some(msg.author.id.get())).await;
            }
            (Some(author), Some(p)) => {
                let reason = msg.content.clone();
                let outcome =
                    self.on_reason(http, author, p.draft_message_id, p.purpose, Some(p.asked()), reason, Via::Channel);
                if let Err(e) = outcome.await {
                    warn!(message_id, error = ?e, "reason not applied");
                }
            }
            (Some(author), None) => {
                info!(message_id, actor_id = author.id, "answer to a question no longer open");
                let line = render::reason_question_closed(author.id, away);
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

    pub(crate) async fn on_update(&self, http: &Http, ev: MessageUpdateEvent) {
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
        self.carry_out(http, place, out, Some(&review)).await;
    }

    pub(crate) async fn on_reaction(&self, http: &Http, r: Reaction) {
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
        if let Err(e) = self.decide(http, r.message_id.get(), actor, decision, Via::Channel).await {
            warn!(message_id = r.message_id.get(), error = ?e, "reaction not handled");
        }
    }

    /// A manager's (or anyone's) approval or rejection of a draft, by a
    /// reaction or a button: the same workflow, role checks and records.
    /// With [`Via::Private`], the lines for the person and a question for a
    /// reason are taken out of the outcome and returned (a click is answered
    /// privately, a question becomes a form).
    pub(crate) async fn decide(
        &self,
        http: &Http,
        message_id: u64,
        actor: Actor,
        decision: Decision,
        via: Via,
    ) -> Result<Decided, BotError> {
        let seen = self.was_seen(message_id);
        let mut attempts = 0;
        let (lock, state) = loop {
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
                Ok(None) => return Ok(Decided { unknown: true, ..Decided::default() }),
                Err(e) => {
                    error!(message_id, error = %e, "audit query failed; decision not handled");
                    return Err(BotError::internal("audit query", e));
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
        let actor_id = actor.id;
        let exact = current.as_ref().map(|c| c.text.clone());
        let event = Event::Reacted { actor, decision, current };
        let out = workflow::step(Some(&state), state.place, event, &self.policy, Utc::now());
        self.finish(http, state.place, out, review, exact.as_deref(), actor_id, via, lock).await
    }

    /// Carries out a decision's outcome; see [`Decided`]. For
    /// [`Via::Private`] only the records: the effects are left in
    /// [`Decided::rest`] with the lock.
    #[allow(clippy::too_many_arguments)]
    async fn finish(
        &self,
        http: &Http,
        place: Place,
        mut out: workflow::Outcome,
        review: Option<Review>,
        exact: Option<&str>,
        actor_id: u64,
        via: Via,
        lock: tokio::sync::OwnedMutexGuard<()>,
    ) -> Result<Decided, BotError> {
        // `exact`: the text on Discord an approval was checked against
        self.seal_exact(&mut out.records, exact);
        let kind =
            out.records.iter().map(|r| r.kind).find(|k| !matches!(k, RecordKind::ReReviewed | RecordKind::Revoked));
        let failed = || BotError::internal("audit append", "the audit log could not be written");
        match via {
            Via::Channel => {
                if !self.carry_out(http, place, out, review.as_ref()).await {
                    return Err(failed());
                }
                Ok(Decided { kind, ..Decided::default() })
            }
            Via::Private => {
                let private = Private::take(&mut out, actor_id);
                if !self.append(http, place, out.records).await {
                    return Err(failed());
                }
                let rest = Rest { place, effects: out.effects, review, _lock: lock };
                Ok(Decided { kind, private, unknown: false, rest: Some(rest) })
            }
        }
    }

    /// A manager's written reason (a reply, or `/reject`), answering the
    /// question `asked` (`None`: `/reject draft:`, no question), or a
    /// reason form ([`Via::Private`]). Returns what it came to, for the
    /// command's or the form's answer.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn on_reason(
        &self,
        http: &Http,
        actor: Actor,
        draft_message_id: u64,
        purpose: Purpose,
        asked: Option<Asked>,
        reason: String,
        via: Via,
    ) -> Result<Decided, BotError> {
        let lock = self.locks.lock(draft_message_id).await;
        let state = self.state_of(draft_message_id).await.map_err(|e| BotError::internal("audit query", e))?;
        let Some(state) = state else {
            return Ok(Decided { unknown: true, ..Decided::default() });
        };
        // An override approves: checked against the text on Discord now.
        let (current, review) = match purpose {
            Purpose::Override => match self.read_current(http, state.place, &state.content_sha256).await {
                Some((current, review)) => (Some(current), Some(review)),
                None => (None, None),
            },
            Purpose::Reject => (None, None),
        };
        let actor_id = actor.id;
        let exact = current.as_ref().map(|c| c.text.clone());
        let event = Event::Reason { actor, purpose, reason, current, asked };
        let out = workflow::step(Some(&state), state.place, event, &self.policy, Utc::now());
        self.finish(http, state.place, out, review, exact.as_deref(), actor_id, via, lock).await
    }
}
