//! Buttons and reason forms on the review reply (the third event path,
//! beside messages and reactions).
//!
//! - Approve (and Override, for a blocked draft with `allow_overrides`)
//!   runs the same decision as a ✅ reaction ([`Bot::decide`]): the same
//!   role checks, the draft read from Discord and its hash compared, the
//!   same audit records. Where a reaction would ask for a written reason,
//!   the click opens a form instead.
//! - Reject opens a form for the reason (managers only).
//! - A submitted form runs the same path as a written reason
//!   ([`Bot::on_reason`]), bound to the draft's revision and text hash at
//!   the moment the form was opened (carried in its custom id): after an
//!   edit it is refused, and the manager is told why.
//!
//! Everything a click or a form claims is checked here, server-side: the
//! channel is a review channel, the clicked message is the bot's own review
//! reply for the draft the button names, the form's draft exists; the
//! workflow then checks roles, revision and text. A refused click or form
//! is answered privately (ephemeral), never in the channel. Bots' clicks are
//! ignored. Logs carry ids only, never reasons or draft text.

use super::components::{parse_button, Button, Form, REASON_INPUT};
use super::drafts::Rest;
use super::effects::Via;
use super::error::BotError;
use super::render;
use super::state::{display_name, Bot};
use super::workflow::{Actor, Asked, Decision, Purpose};
use crate::audit::RecordKind;
use crate::engine::Verdict;
use chrono::Utc;
use serenity::all::{
    ActionRowComponent, ComponentInteraction, CreateAllowedMentions, CreateInteractionResponse,
    CreateInteractionResponseMessage, Http, Member, ModalInteraction, User,
};
use tracing::{debug, info, warn};

/// How a click or a form is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reply {
    /// Done; the review reply shows it (a click: no message of its own).
    Done,
    /// A private line.
    Private(String),
    /// Open this reason form.
    Form(Form),
}

/// The person behind an interaction, with their roles in this server (a
/// bot has none: it never counts as a manager).
fn actor(user: &User, member: Option<&Member>) -> Actor {
    let roles = match member {
        Some(m) if !user.bot => m.roles.iter().map(|r| r.get()).collect(),
        _ => Vec::new(),
    };
    Actor { id: user.id.get(), name: display_name(member.and_then(|m| m.nick.as_deref()), user), roles }
}

/// A click on one of the review reply's buttons.
pub(crate) async fn on_click(bot: &Bot, http: &Http, click: ComponentInteraction) {
    if click.user.bot {
        debug!(user_id = click.user.id.get(), "click by a bot ignored");
        return;
    }
    let mut rest = None;
    let reply = match click_reply(bot, http, &click, &mut rest).await {
        Ok(reply) => reply,
        Err(e) => Reply::Private(e.shown()),
    };
    let response = match reply {
        Reply::Done => CreateInteractionResponse::Acknowledge,
        Reply::Private(text) => CreateInteractionResponse::Message(private(text)),
        Reply::Form(form) => CreateInteractionResponse::Modal(form.modal()),
    };
    if let Err(e) = click.create_response(http, response).await {
        warn!(message_id = click.message.id.get(), error = %e, "answering the click failed");
    }
    // The records are in; the reply's status line and the channel's lines
    // follow the answer (Discord wants it within 3 seconds).
    if let Some(rest) = rest {
        bot.finish_rest(http, rest).await;
    }
}

async fn click_reply(
    bot: &Bot,
    http: &Http,
    click: &ComponentInteraction,
    rest: &mut Option<Rest>,
) -> Result<Reply, BotError> {
    let not_ours = || BotError::user(render::NOT_A_REVIEW);
    let (button, draft) = parse_button(&click.data.custom_id).ok_or_else(not_ours)?;
    if !bot.config.is_review_channel(click.channel_id.get()) {
        return Err(not_ours());
    }
    // The clicked message must be the bot's own review reply for the draft
    // the button names: a crafted custom id cannot reach another draft.
    let clicked = Some(click.message.id.get());
    let mut reply = bot.db.reply_for(draft).await.map_err(|e| BotError::internal("reply lookup", e))?;
    if reply != clicked {
        // The reply's id is kept right after Discord created it, under the
        // draft's lock: a click that quick waits for that, then looks again.
        drop(bot.locks.lock(draft).await);
        reply = bot.db.reply_for(draft).await.map_err(|e| BotError::internal("reply lookup", e))?;
    }
    if reply != clicked {
        return Err(not_ours());
    }
    let actor = actor(&click.user, click.member.as_ref());
    info!(message_id = draft, actor_id = actor.id, button = ?button, "review button clicked");
    let decision = match button {
        Button::Approve | Button::Override => Decision::Approve,
        Button::Reject => Decision::Reject,
    };
    if decision == Decision::Reject && !bot.policy.is_manager(&actor) {
        return Err(BotError::user(render::DECIDE_MANAGERS_ONLY));
    }
    if button == Button::Override {
        let state = bot.state_of(draft).await.map_err(|e| BotError::internal("audit query", e))?;
        if state.is_some_and(|s| s.verdict != Verdict::Block) {
            return Err(BotError::user(render::OVERRIDE_NOT_BLOCKED));
        }
    }
    let mut decided = bot.decide(http, draft, actor, decision, Via::Private).await?;
    *rest = decided.rest.take();
    if decided.unknown {
        return Err(not_ours());
    }
    if let Some((purpose, sha, revision)) = decided.private.ask {
        return Ok(Reply::Form(Form::new(purpose, draft, revision, &sha)));
    }
    if !decided.private.lines.is_empty() {
        return Ok(Reply::Private(decided.private.lines.join("\n")));
    }
    match decided.kind {
        Some(_) => Ok(Reply::Done),
        None => Err(BotError::user(render::NOTHING_TO_DECIDE)),
    }
}

/// A submitted reason form.
pub(crate) async fn on_form(bot: &Bot, http: &Http, form: ModalInteraction) {
    if form.user.bot {
        debug!(user_id = form.user.id.get(), "form by a bot ignored");
        return;
    }
    let mut rest = None;
    let text = match form_reply(bot, http, &form, &mut rest).await {
        Ok(text) => text,
        Err(e) => e.shown(),
    };
    let response = CreateInteractionResponse::Message(private(text));
    if let Err(e) = form.create_response(http, response).await {
        warn!(error = %e, "answering the form failed");
    }
    if let Some(rest) = rest {
        bot.finish_rest(http, rest).await;
    }
}

/// The reason typed into a form: trimmed, required, at most
/// [`render::REASON_MAX`] characters (Discord enforces the form's limits,
/// but a crafted submission need not).
pub(crate) fn form_reason(components: &[serenity::all::ActionRow]) -> Result<String, BotError> {
    let typed = components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            ActionRowComponent::InputText(t) if t.custom_id == REASON_INPUT => {
                Some(t.value.clone().unwrap_or_default())
            }
            _ => None,
        })
        .unwrap_or_default();
    let reason = typed.trim();
    let chars = reason.chars().count();
    if chars == 0 {
        Err(BotError::user(render::REASON_EMPTY))
    } else if chars > render::REASON_MAX {
        Err(BotError::user(render::reason_too_long(chars)))
    } else {
        Ok(reason.to_string())
    }
}

async fn form_reply(
    bot: &Bot,
    http: &Http,
    submitted: &ModalInteraction,
    rest: &mut Option<Rest>,
) -> Result<String, BotError> {
    let form = Form::parse(&submitted.data.custom_id).ok_or_else(|| BotError::user(render::FORM_UNKNOWN))?;
    if !bot.config.is_review_channel(submitted.channel_id.get()) {
        return Err(BotError::user(render::FORM_UNKNOWN));
    }
    let reason = form_reason(&submitted.data.components)?;
    let actor = actor(&submitted.user, submitted.member.as_ref());
    info!(message_id = form.draft, actor_id = actor.id, purpose = form.purpose.as_str(), "reason form submitted");
    // The question as it was when the form was opened. The hash is
    // completed from the draft's hash now only if it starts with the
    // form's prefix; otherwise it matches nothing and the workflow refuses.
    let state = bot.state_of(form.draft).await.map_err(|e| BotError::internal("audit query", e))?;
    // The form was opened from the draft's reply, so it comes back in the
    // draft's channel; a form naming a draft elsewhere is not one we opened.
    let Some(state) = state.filter(|s| s.place.channel_id == submitted.channel_id.get()) else {
        return Err(BotError::user(render::FORM_UNKNOWN));
    };
    let asked = Asked {
        content_sha256: form.asked_sha256(&state.content_sha256),
        revision: form.revision,
        at: Utc::now(),
        closed: false,
    };
    let mut decided = bot.on_reason(http, actor, form.draft, form.purpose, Some(asked), reason, Via::Private).await?;
    *rest = decided.rest.take();
    if decided.unknown {
        return Err(BotError::user(render::FORM_UNKNOWN));
    }
    if !decided.private.lines.is_empty() {
        return Ok(decided.private.lines.join("\n"));
    }
    match (decided.kind, form.purpose) {
        (Some(RecordKind::Rejected), Purpose::Reject) | (Some(RecordKind::Override), Purpose::Override) => {
            Ok(render::REASON_RECORDED.to_string())
        }
        _ => Err(BotError::user(render::NOTHING_TO_DECIDE)),
    }
}

fn private(text: String) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(render::truncate(&text, 2000))
        .ephemeral(true)
        .allowed_mentions(CreateAllowedMentions::new())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::ActionRow;

    fn rows(value: &str) -> Vec<ActionRow> {
        serde_json::from_value(serde_json::json!([
            {"type": 1, "components": [{"type": 4, "custom_id": "reason", "value": value}]}
        ]))
        .unwrap()
    }

    #[test]
    fn a_form_reason_is_trimmed_required_and_limited() {
        assert_eq!(form_reason(&rows("  Needs legal sign-off.\n")), Ok("Needs legal sign-off.".to_string()));
        assert_eq!(form_reason(&rows(" \n\t ")), Err(BotError::user(render::REASON_EMPTY)));
        assert_eq!(form_reason(&[]), Err(BotError::user(render::REASON_EMPTY)));
        let long = "é".repeat(render::REASON_MAX + 1);
        assert!(matches!(form_reason(&rows(&long)), Err(BotError::User(t)) if t.contains("1001")));
        assert!(form_reason(&rows(&"é".repeat(render::REASON_MAX))).is_ok());
    }
}
