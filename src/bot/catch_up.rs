//! Catch-up on READY: drafts posted while no gateway session was open (the
//! bot was down, or a burst was still queued when SIGTERM stopped it) never
//! arrive as MESSAGE_CREATE, so after each fresh IDENTIFY the bot reads each
//! review channel's recent history and reviews what has no `submitted`
//! record yet. (A RESUME replays the missed dispatches itself: no catch-up.)
//!
//! Per channel, newest page first (`GET /channels/{c}/messages?before=…&limit=100`):
//! - the channel has `submitted` records: read pages back until one holds a
//!   draft the audit log knows (the newest reviewed draft, the anchor) or the
//!   channel's start, at most `catch_up_pages` pages; every unreviewed draft
//!   on those pages, also ones older than the anchor on its page (a burst cut
//!   by SIGTERM is not handled strictly in order), is reviewed;
//! - it has none yet (first start): only its newest `catch_up_messages`.
//!
//! The drafts are handed, oldest first, to the same idempotent path as
//! MESSAGE_CREATE ([`Bot::on_message`], under the per-draft lock), so a live
//! event for the same message is never reviewed twice. The state comes from
//! the audit log; nothing here writes records itself.
//!
//! Logs carry counts and ids only. This module may not touch the engine or
//! the audit records beyond what `on_message` does.

use super::handler::{retrying, Bot, Origin};
use crate::audit::{Filter, RecordKind};
use serenity::all::{Channel, ChannelId, Http, Message, MessagePagination};
use tracing::{info, warn};

/// Discord's largest history page.
const PAGE: u8 = 100;

/// What one channel's catch-up did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    pages: u16,
    scanned: usize,
    /// Drafts without a `submitted` record (and answers to a pending request).
    unreviewed: usize,
    handed_over: usize,
    /// The newest draft the audit log knew (0: none on the pages read).
    anchor: u64,
    /// Stopped at `catch_up_pages` before finding the anchor.
    capped: bool,
}

/// Catches up on every review channel, one after the other. Stops early
/// when shutdown begins.
pub(crate) async fn run(bot: &Bot, http: &Http) {
    if bot.config.catch_up_pages == 0 {
        return;
    }
    let _one_at_a_time = bot.catch_up.lock().await;
    for &channel in &bot.config.review_channels {
        if bot.enter().await.is_none() {
            return;
        }
        match channel_catch_up(bot, http, channel).await {
            Ok(t) => {
                info!(
                    channel_id = channel,
                    pages = t.pages,
                    scanned = t.scanned,
                    unreviewed = t.unreviewed,
                    reviewed = t.handed_over,
                    anchor_message_id = t.anchor,
                    "catch-up done"
                );
                if t.capped {
                    warn!(
                        channel_id = channel,
                        pages = t.pages,
                        "catch-up read catch_up_pages pages without finding a reviewed draft; older messages \
                         were not checked"
                    );
                }
            }
            Err(e) => warn!(channel_id = channel, error = %e, "catch-up failed; missed drafts are not reviewed"),
        }
    }
}

/// In history, a reply to one of the bot's messages (e.g. a manager's reason
/// for a rejection, already applied) is not a draft.
fn replies_to_bot(msg: &Message) -> bool {
    msg.referenced_message.as_ref().is_some_and(|r| r.author.bot)
}

/// Whether `msg` answers the open request for a reason from its author (an
/// answer given while the bot was away): then it is handed over too.
async fn answers_pending(bot: &Bot, msg: &Message) -> bool {
    let referenced = msg.message_reference.as_ref().and_then(|r| r.message_id).map(|m| m.get());
    match bot.db.pending(msg.channel_id.get(), msg.author.id.get()).await {
        Ok(Some(p)) => p.prompt_message_id != 0 && referenced == Some(p.prompt_message_id),
        Ok(None) => false,
        Err(e) => {
            warn!(message_id = msg.id.get(), error = %e, "catch-up: pending-reason lookup failed");
            false
        }
    }
}

async fn channel_catch_up(bot: &Bot, http: &Http, channel: u64) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let channel_id = ChannelId::new(channel);
    // History pages carry no guild id; the channel does.
    let guild_id = match retrying("get channel", 0, || http.get_channel(channel_id)).await {
        Ok(Channel::Guild(c)) => Some(c.guild_id),
        Ok(_) => None,
        Err(e) => return Err(format!("cannot read the channel: {e}")),
    };
    let known =
        Filter { channel: Some(channel), kind: Some(RecordKind::Submitted), limit: Some(1), ..Filter::default() };
    let reviewed_before = !bot.audit.query(&known).await.map_err(|e| e.to_string())?.is_empty();
    let limit = if reviewed_before { PAGE } else { bot.config.catch_up_messages.min(PAGE) };
    if limit == 0 {
        return Ok(tally);
    }

    let mut unreviewed: Vec<Message> = Vec::new();
    let mut before = None;
    loop {
        if tally.pages >= bot.config.catch_up_pages {
            tally.capped = reviewed_before && tally.anchor == 0;
            break;
        }
        let page = retrying("read history", 0, || {
            http.get_messages(channel_id, before.map(MessagePagination::Before), Some(limit))
        })
        .await
        .map_err(|e| format!("cannot read the history: {e}"))?;
        tally.pages += 1;
        tally.scanned += page.len();
        for msg in &page {
            if !bot.may_be_draft(msg) {
                continue;
            }
            let id = msg.id.get();
            if replies_to_bot(msg) && !answers_pending(bot, msg).await {
                continue;
            }
            match bot.state_of(id).await? {
                Some(_) => tally.anchor = tally.anchor.max(id),
                None => unreviewed.push(msg.clone()),
            }
        }
        let full = page.len() >= usize::from(limit);
        // Discord returns the page newest first; don't rely on it.
        before = page.iter().map(|m| m.id).min();
        if !reviewed_before || tally.anchor != 0 || !full || before.is_none() {
            break;
        }
    }

    unreviewed.sort_by_key(|m| m.id);
    unreviewed.dedup_by_key(|m| m.id);
    tally.unreviewed = unreviewed.len();
    for mut msg in unreviewed {
        let Some(_open) = bot.enter().await else { break };
        msg.guild_id = msg.guild_id.or(guild_id);
        bot.on_message(http, msg, Origin::CatchUp).await;
        tally.handed_over += 1;
    }
    Ok(tally)
}
