//! Catch-up on READY: drafts posted while no gateway session was open (the
//! bot was down, or a burst was still queued when SIGTERM stopped it) never
//! arrive as MESSAGE_CREATE, so after each fresh IDENTIFY the bot reads each
//! review channel's recent history and reviews what has no `submitted`
//! record yet. (A RESUME replays the missed dispatches itself: no catch-up.)
//!
//! Per channel, newest page first (`GET /channels/{c}/messages?before=…&limit=100`),
//! looking only at drafts newer than the channel's *floor* (kept in the
//! bot's bookkeeping tables; older messages were there before the bot):
//! - first start on the channel (no floor, no `submitted` record): only its
//!   newest `catch_up_messages` messages; the floor is set just below them,
//!   so a later catch-up never reaches further back;
//! - otherwise read pages back until a page whose drafts all have a record
//!   (the bot was running then), the floor or the channel's start, at most
//!   `catch_up_pages` pages. Every unreviewed draft on the pages read is
//!   reviewed: those after the newest reviewed draft, and the gaps below it
//!   (a burst cut by SIGTERM is not handled strictly in order).
//!
//! The drafts are handed, oldest first, to the same idempotent path as
//! MESSAGE_CREATE ([`Bot::on_message`], under the per-draft lock), so a live
//! event for the same message is never reviewed twice. So are the answers
//! to the bot's questions given while it was away (not yet handled): applied
//! if their question is still open, else the manager is told. Other replies
//! to the bot are not drafts. A reviewed draft on
//! the pages read whose text no longer has the hash of its last review was
//! edited while the bot was away: it goes to the edit path
//! ([`Bot::on_history_edit`]) and is reviewed again (an approval of the old
//! text is revoked). The state comes from the audit log; nothing here writes
//! records itself.
//!
//! Logs carry counts and ids only. This module may not touch the engine or
//! the audit records beyond what `on_message` does.

use super::effects::retrying;
use super::state::{Bot, Origin};
use super::workflow::content_sha256;
use crate::audit::{Filter, RecordKind};
use serenity::all::{Channel, ChannelId, GuildId, Http, Message, MessageId, MessagePagination};
use tracing::{info, warn};

/// Discord's largest history page.
const PAGE: u8 = 100;

/// What one channel's catch-up did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Tally {
    pages: u16,
    scanned: usize,
    /// Drafts without a `submitted` record (and answers not handled yet).
    unreviewed: usize,
    handed_over: usize,
    /// Reviewed drafts whose text changed since their last review.
    edited: usize,
    /// The newest draft the audit log knew (0: none on the pages read).
    anchor: u64,
    /// Stopped at `catch_up_pages` before a fully reviewed page or the floor.
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
                    edited = t.edited,
                    anchor_message_id = t.anchor,
                    "catch-up done"
                );
                if t.capped {
                    warn!(
                        channel_id = channel,
                        pages = t.pages,
                        "catch-up stopped after catch_up_pages pages without reaching a fully reviewed page; \
                         older messages were not checked"
                    );
                }
            }
            Err(e) => warn!(channel_id = channel, error = %e, "catch-up failed; missed drafts are not reviewed"),
        }
    }
}

/// What a reply in history is.
enum Reply {
    /// Not a reply to the bot: a draft like any other.
    NotToBot,
    /// The replier's answer to the bot's question to them, not handled yet
    /// (given while the bot was away): handed over, to be applied or told.
    Answer,
    /// A reply to one of the bot's messages (or another bot's) otherwise: no draft.
    Other,
}

async fn reply_kind(bot: &Bot, msg: &Message) -> Reply {
    let Some(referenced) = msg.message_reference.as_ref().and_then(|r| r.message_id).map(|m| m.get()) else {
        return Reply::NotToBot;
    };
    let asked = match bot.db.prompt_actor(referenced).await {
        Ok(asked) => asked,
        Err(e) => {
            warn!(message_id = msg.id.get(), error = %e, "catch-up: prompt lookup failed");
            return Reply::Other;
        }
    };
    // Questions asked before prompts were kept are known by the open question.
    let asked = match asked {
        Some(actor) => Some(actor),
        None => match bot.db.pending(msg.channel_id.get(), msg.author.id.get()).await {
            Ok(Some(p)) if p.prompt_message_id == referenced => Some(p.actor_id),
            _ => None,
        },
    };
    match asked {
        Some(actor) if actor == msg.author.id.get() => match bot.db.answer_noted(msg.id.get()).await {
            Ok(false) => Reply::Answer,
            _ => Reply::Other,
        },
        Some(_) => Reply::Other,
        None if msg.referenced_message.as_ref().is_some_and(|r| r.author.bot) => Reply::Other,
        None => Reply::NotToBot,
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
    let page_of = |before: Option<MessageId>, limit: u8| {
        retrying("read history", 0, move || {
            http.get_messages(channel_id, before.map(MessagePagination::Before), Some(limit))
        })
    };

    let mut found = Found::default();
    let floor = match bot.db.catch_up_floor(channel).await.map_err(|e| e.to_string())? {
        Some(floor) => floor,
        None => {
            // The oldest `submitted` record (append order): a channel the bot
            // reviewed before the floor was kept (an upgrade) starts there.
            let oldest = Filter {
                channel: Some(channel),
                kind: Some(RecordKind::Submitted),
                limit: Some(1),
                ..Filter::default()
            };
            let first = bot.audit.query(&oldest).await.map_err(|e| e.to_string())?;
            match first.first() {
                Some(r) => {
                    let floor = r.record.message_id.saturating_sub(1);
                    bot.db.set_catch_up_floor(channel, floor).await.map_err(|e| e.to_string())?;
                    floor
                }
                None => {
                    // First start here: the newest `catch_up_messages` only.
                    let wanted = bot.config.catch_up_messages.min(PAGE);
                    let page =
                        page_of(None, wanted.max(1)).await.map_err(|e| format!("cannot read the history: {e}"))?;
                    tally.pages = 1;
                    let oldest_read = page.iter().map(|m| m.id.get()).min();
                    let floor = match oldest_read {
                        None => 0,
                        Some(newest) if wanted == 0 => page.iter().map(|m| m.id.get()).max().unwrap_or(newest),
                        Some(oldest) if page.len() >= usize::from(wanted) => oldest.saturating_sub(1),
                        Some(_) => 0, // the whole channel fits in the window
                    };
                    // Kept before reviewing, so a crash half-way never widens the window.
                    bot.db.set_catch_up_floor(channel, floor).await.map_err(|e| e.to_string())?;
                    if wanted > 0 {
                        tally.scanned = page.len();
                        collect(bot, &page, floor, &mut found, &mut tally).await?;
                    }
                    return review(bot, http, guild_id, found, tally).await;
                }
            }
        }
    };
    let mut before = None;
    loop {
        if tally.pages >= bot.config.catch_up_pages {
            tally.capped = true;
            break;
        }
        let page = page_of(before, PAGE).await.map_err(|e| format!("cannot read the history: {e}"))?;
        tally.pages += 1;
        tally.scanned += page.len();
        let (reviewed, fresh) = collect(bot, &page, floor, &mut found, &mut tally).await?;
        // Discord returns the page newest first; don't rely on it.
        let oldest = page.iter().map(|m| m.id).min();
        let clean = reviewed > 0 && fresh == 0;
        let below_floor = oldest.is_none_or(|m| m.get() <= floor);
        if clean || below_floor || page.len() < usize::from(PAGE) {
            break;
        }
        before = oldest;
    }
    review(bot, http, guild_id, found, tally).await
}

/// The drafts to hand over.
#[derive(Default)]
struct Found {
    /// No `submitted` record yet.
    unreviewed: Vec<Message>,
    /// Reviewed, but the text is no longer the one reviewed last.
    edited: Vec<Message>,
}

/// Sorts one page's drafts above the floor into reviewed (counted; the
/// edited ones among them collected) and unreviewed (collected). Returns
/// (reviewed, unreviewed) on this page.
async fn collect(
    bot: &Bot,
    page: &[Message],
    floor: u64,
    found: &mut Found,
    tally: &mut Tally,
) -> Result<(usize, usize), String> {
    let (mut reviewed, mut fresh) = (0, 0);
    for msg in page {
        let id = msg.id.get();
        if id <= floor || !bot.may_be_draft(msg) {
            continue;
        }
        match reply_kind(bot, msg).await {
            Reply::NotToBot => {}
            Reply::Other => continue,
            Reply::Answer => {
                fresh += 1;
                found.unreviewed.push(msg.clone());
                continue;
            }
        }
        match bot.state_of(id).await? {
            Some(state) => {
                reviewed += 1;
                tally.anchor = tally.anchor.max(id);
                if content_sha256(&msg.content) != state.content_sha256 {
                    found.edited.push(msg.clone());
                }
            }
            None => {
                fresh += 1;
                found.unreviewed.push(msg.clone());
            }
        }
    }
    Ok((reviewed, fresh))
}

/// Hands the unreviewed drafts to the MESSAGE_CREATE path and the edited
/// ones to the edit path, each oldest first.
async fn review(
    bot: &Bot,
    http: &Http,
    guild_id: Option<GuildId>,
    found: Found,
    mut tally: Tally,
) -> Result<Tally, String> {
    let Found { mut unreviewed, mut edited } = found;
    for list in [&mut unreviewed, &mut edited] {
        list.sort_by_key(|m| m.id);
        list.dedup_by_key(|m| m.id);
    }
    tally.unreviewed = unreviewed.len();
    for mut msg in unreviewed {
        let Some(_open) = bot.enter().await else { break };
        msg.guild_id = msg.guild_id.or(guild_id);
        bot.on_message(http, msg, Origin::CatchUp).await;
        tally.handed_over += 1;
    }
    for mut msg in edited {
        let Some(_open) = bot.enter().await else { break };
        msg.guild_id = msg.guild_id.or(guild_id);
        bot.on_history_edit(http, msg).await;
        tally.edited += 1;
    }
    Ok(tally)
}
