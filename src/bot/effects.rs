//! Carrying out what the workflow decided: the audit records are appended
//! once, first; then each [`Effect`] is performed on Discord (the review
//! reply with its buttons, reactions, short lines, questions), the calls
//! that may safely be repeated retried a few times on a 5xx or a transport
//! error ([`retrying`]).
//!
//! Logs carry ids, rule ids and verdicts only: never draft text, reasons or
//! identifiers. All REST calls go through the plain `Http` client (not the
//! cache), so Discord itself decides permissions. The words users read come
//! from [`super::render`] and [`super::workflow`].

use super::components::review_buttons;
use super::database::PendingReason;
use super::render::{self, review_view, ReplyView};
use super::state::Bot;
use super::workflow::{self, Decision, Effect, Outcome, Place, Purpose};
use crate::audit::{NewRecord, RecordKind};
use crate::engine::Review;
use serenity::all::{
    ChannelId, CreateAllowedMentions, CreateEmbed, CreateEmbedFooter, CreateMessage, EditMessage, Http, HttpError,
    MessageId, Nonce, UserId,
};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tracing::{error, info, warn};

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

/// How a person acted, and so where the lines for them go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    /// A reaction or a reply: lines are said in reply to the draft.
    Channel,
    /// A button or a form: lines are answered privately (ephemeral).
    Private,
}

/// What a click or a form takes out of an outcome before it is carried
/// out: the lines for the person (answered privately, a repeat included),
/// and the question for a reason (a form is opened instead).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Private {
    pub lines: Vec<String>,
    /// (purpose, text hash, revision) of the question the workflow asked.
    pub ask: Option<(Purpose, String, i64)>,
}

impl Private {
    /// Takes `actor_id`'s lines, their reaction removals (a click has no
    /// reaction to take off) and the question to them out of `out`.
    pub(crate) fn take(out: &mut Outcome, actor_id: u64) -> Private {
        let mut private = Private::default();
        out.effects.retain(|e| match e {
            Effect::Tell { actor_id: a, text, .. } if *a == actor_id => {
                private.lines.push(text.clone());
                false
            }
            Effect::RemoveReaction { user_id, .. } if *user_id == actor_id => false,
            Effect::AskReason { actor_id: a, purpose, content_sha256, revision, .. } if *a == actor_id => {
                private.ask = Some((*purpose, content_sha256.clone(), *revision));
                false
            }
            _ => true,
        });
        private
    }
}

impl Bot {
    // ----- effects ------------------------------------------------------

    /// An approval whose record text is masked keeps the exact text only
    /// sealed to the compliance officer's key (when the bot has one), and
    /// only if it is the very text the record's hash names. `exact`: the
    /// text on Discord the approval was checked against.
    pub(crate) fn seal_exact(&self, records: &mut [NewRecord], exact: Option<&str>) {
        let (Some(key), Some(exact)) = (&self.seal, exact) else { return };
        for rec in records {
            if matches!(rec.kind, RecordKind::Approved | RecordKind::Override)
                && rec.text.as_deref() != Some(exact)
                && workflow::content_sha256(exact) == rec.content_sha256
            {
                rec.sealed_text = Some(key.seal(exact));
            }
        }
    }

    /// Appends the records, then performs the effects. Returns `false` when
    /// the audit log refused a record (then nothing is done on Discord but
    /// a short notice).
    pub(crate) async fn carry_out(&self, http: &Http, place: Place, out: Outcome, review: Option<&Review>) -> bool {
        if !self.append(http, place, out.records).await {
            return false;
        }
        self.perform(http, place, out.effects, review).await;
        true
    }

    /// Appends the records in order. Returns `false` (after a short notice
    /// in the channel) when the audit log refused one.
    pub(crate) async fn append(&self, http: &Http, place: Place, records: Vec<NewRecord>) -> bool {
        for rec in records {
            let kind = rec.kind;
            let verdict = rec.verdict.clone();
            let rules: Vec<String> = rec.findings.iter().map(|f| f.rule.clone()).collect();
            let appending = std::time::Instant::now();
            match self.audit.append(rec).await {
                Ok(stored) => {
                    self.checkpoint_after(&stored);
                    info!(
                    append_us = appending.elapsed().as_micros() as u64,
                    seq = stored.seq,
                    kind = kind.as_str(),
                    message_id = place.message_id,
                    channel_id = place.channel_id,
                    actor_id = stored.record.actor_id,
                    verdict = verdict.as_deref().unwrap_or("-"),
                    rules = ?rules,
                    "audit record appended"
                    )
                }
                Err(e) => {
                    error!(kind = kind.as_str(), message_id = place.message_id, error = %e, "audit append failed");
                    self.say(http, place, render::AUDIT_WRITE_FAILED, None).await;
                    return false;
                }
            }
        }
        true
    }

    /// Counts an appended record and, when a checkpoint is due (every
    /// `checkpoint_every_records` records, or at the first record
    /// `checkpoint_every_hours` after the last one), posts its `seq` and hash
    /// to `audit_channel`. The post runs in its own task, so a slow or failing
    /// audit channel never delays the answer to a decision; a failed post is
    /// logged, and the next checkpoint comes with the next due record.
    pub(crate) fn checkpoint_after(&self, stored: &crate::audit::AuditRecord) {
        let Some(channel) = self.config.audit_channel else { return };
        {
            let mut c = self.checkpoint.lock().unwrap_or_else(|p| p.into_inner());
            c.0 += 1;
            let hours = std::time::Duration::from_secs(u64::from(self.config.checkpoint_every_hours) * 3600);
            if c.0 < self.config.checkpoint_every_records && c.1.elapsed() < hours {
                return;
            }
            *c = (0, std::time::Instant::now());
        }
        let Some(http) = self.http.get().cloned() else {
            warn!(seq = stored.seq, "no Discord client yet: audit checkpoint not posted");
            return;
        };
        let (seq, hash, message_id) = (stored.seq, stored.hash.clone(), stored.record.message_id);
        tokio::spawn(async move {
            let message = CreateMessage::new()
                .content(render::checkpoint_text(seq, &hash))
                .allowed_mentions(CreateAllowedMentions::new());
            let posting = || http.send_message(ChannelId::new(channel), Vec::new(), &message);
            match retrying("audit checkpoint", message_id, posting).await {
                Ok(_) => info!(seq, channel_id = channel, "audit checkpoint posted"),
                Err(e) => warn!(seq, channel_id = channel, error = %e, "posting the audit checkpoint failed"),
            }
        });
    }

    /// Performs the effects on Discord, in order (after the records are in).
    pub(crate) async fn perform(&self, http: &Http, place: Place, effects: Vec<Effect>, review: Option<&Review>) {
        let channel = ChannelId::new(place.channel_id);
        let message = MessageId::new(place.message_id);
        for effect in effects {
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
                            // A new review: no decision shown, the buttons live again.
                            let edit = EditMessage::new()
                                .content("")
                                .embed(embed(&view))
                                .components(self.buttons(place, true));
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
                Effect::Tell { text, again, .. } => {
                    if !again {
                        self.say(http, place, &text, None).await;
                    }
                    Ok(())
                }
                Effect::ShowDecision { settled, by, at } => match self.db.reply_for(place.message_id).await {
                    Ok(Some(reply)) => {
                        let edit = EditMessage::new()
                            .content(settled.line(by, at))
                            .components(self.buttons(place, false))
                            .allowed_mentions(CreateAllowedMentions::new());
                        let editing = || http.edit_message(channel, MessageId::new(reply), &edit, Vec::new());
                        retrying("show decision", place.message_id, editing)
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string())
                    }
                    Ok(None) => Ok(()),
                    Err(e) => Err(e.to_string()),
                },
                Effect::AskReason { actor_id, purpose, content_sha256, revision, at } => {
                    let text = render::ask_reason(actor_id, purpose);
                    // Remember the request before asking, so an answer (or
                    // `/reject`) that arrives at once finds it; then complete
                    // it with the question's id, unless a newer question to
                    // the same manager (another draft's, in another task)
                    // has replaced it meanwhile.
                    let pending = PendingReason {
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
                                let kept = self.db.set_prompt(prompt, place.channel_id, actor_id, place.message_id);
                                match kept.await {
                                    Ok(()) => match self.db.complete_pending(&pending, prompt).await {
                                        Ok(true) => Ok(()),
                                        Ok(false) => {
                                            info!(
                                                message_id = place.message_id,
                                                actor_id,
                                                prompt_id = prompt,
                                                "question replaced by a newer one before it was kept"
                                            );
                                            Ok(())
                                        }
                                        Err(e) => Err(e.to_string()),
                                    },
                                    Err(e) => Err(e.to_string()),
                                }
                            }
                            None => Ok(()),
                        },
                    }
                }
                Effect::ClearPending { actor_id, purpose } => {
                    let cleared = self.db.clear_pending(place.channel_id, actor_id, place.message_id, purpose);
                    cleared.await.map_err(|e| e.to_string())
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
    }

    /// The buttons of the review reply of the draft at `place`.
    fn buttons(&self, place: Place, enabled: bool) -> Vec<serenity::all::CreateActionRow> {
        review_buttons(place.message_id, self.config.allow_overrides, enabled)
    }

    pub(crate) fn view(&self, review: &Review) -> ReplyView {
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
            .components(self.buttons(place, true))
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
    pub(crate) async fn say(&self, http: &Http, place: Place, text: &str, mention: Option<u64>) -> Option<u64> {
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
