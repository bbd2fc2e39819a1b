//! The slash commands: `/review text:` (a private review, nothing posted or
//! logged beyond ids), `/audit [user] [since]` (managers only: recent
//! approvals), `/rules` (the active rules), `/reject reason: [draft:]`.
//! `/queue [mine:]` (the drafts waiting for a decision: all of them for
//! managers, your own with `mine:True`), `/report [since]` (managers only:
//! the review report's charts as a PNG attachment).
//!
//! Every answer is ephemeral (only the caller sees it). Errors go through
//! [`BotError::shown`]. Registration happens on READY, per guild or
//! globally as `bot.toml`'s `commands` says.

use super::config::CommandScope;
use super::effects::{embed, Via};
use super::error::BotError;
use super::render::{self, audit_text, queue_text, rules_text};
use super::state::{display_name, Bot};
use super::workflow::{Actor, Purpose};
use crate::audit::{Filter, RecordKind};
use crate::engine::{review, Draft};
use chrono::{DateTime, Duration as ChronoDuration, NaiveDate, Utc};
use serenity::all::{
    Command, CommandDataOptionValue, CommandInteraction, CommandOptionType, CreateAttachment, CreateCommand,
    CreateCommandOption, CreateEmbed, CreateInteractionResponse, CreateInteractionResponseMessage, GuildId, Http,
};
use tracing::{info, warn};

/// The command definitions (their descriptions are the users' help text).
pub fn definitions() -> Vec<CreateCommand> {
    vec![
        CreateCommand::new("review").description("Review a draft privately: nothing is posted or recorded").add_option(
            CreateCommandOption::new(CommandOptionType::String, "text", "The draft text")
                .required(true)
                .max_length(4000),
        ),
        CreateCommand::new("audit")
            .description("Recent approvals and overrides (managers only)")
            .add_option(CreateCommandOption::new(
                CommandOptionType::User,
                "user",
                "Approvals by, or of drafts by, this member",
            ))
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "since",
                "How far back: 7d, 24h or a date like 2026-11-01 (default 30d)",
            )),
        CreateCommand::new("rules").description("List the active review rules"),
        CreateCommand::new("reject")
            .description("Reject the draft you reacted ❌ to, with a reason (managers only)")
            .add_option(
                CreateCommandOption::new(CommandOptionType::String, "reason", "Why the draft is rejected")
                    .required(true)
                    .max_length(1000),
            )
            .add_option(CreateCommandOption::new(
                CommandOptionType::String,
                "draft",
                "The draft's message id or link (default: the one you reacted ❌ to here)",
            )),
        CreateCommand::new("report").description("The review report's charts as a picture (managers only)").add_option(
            CreateCommandOption::new(
                CommandOptionType::String,
                "since",
                "How far back: 7d, 24h or a date like 2026-11-01 (default 30d)",
            ),
        ),
        CreateCommand::new("queue")
            .description("Drafts waiting for a decision, oldest first (managers; mine:True for your own)")
            .add_option(CreateCommandOption::new(CommandOptionType::Boolean, "mine", "Only your own drafts")),
    ]
}

pub(crate) async fn register(http: &Http, scope: CommandScope, guilds: &[GuildId]) {
    match scope {
        CommandScope::Off => {}
        CommandScope::Global => match Command::set_global_commands(http, definitions()).await {
            Ok(c) => info!(commands = c.len(), "registered global slash commands"),
            Err(e) => warn!(error = %e, "registering global slash commands failed"),
        },
        CommandScope::Guild => {
            for g in guilds {
                match g.set_commands(http, definitions()).await {
                    Ok(c) => info!(guild_id = g.get(), commands = c.len(), "registered slash commands"),
                    Err(e) => warn!(guild_id = g.get(), error = %e, "registering slash commands failed"),
                }
            }
        }
    }
}

fn opt_str<'a>(cmd: &'a CommandInteraction, name: &str) -> Option<&'a str> {
    cmd.data.options.iter().find(|o| o.name == name).and_then(|o| match &o.value {
        CommandDataOptionValue::String(s) => Some(s.as_str()),
        _ => None,
    })
}

fn opt_bool(cmd: &CommandInteraction, name: &str) -> Option<bool> {
    cmd.data.options.iter().find(|o| o.name == name).and_then(|o| match &o.value {
        CommandDataOptionValue::Boolean(b) => Some(*b),
        _ => None,
    })
}

fn opt_user(cmd: &CommandInteraction, name: &str) -> Option<u64> {
    cmd.data.options.iter().find(|o| o.name == name).and_then(|o| match &o.value {
        CommandDataOptionValue::User(u) => Some(u.get()),
        _ => None,
    })
}

/// Parses `/audit since:`: `7d`, `24h`, `90m`, a date, or an RFC 3339 time.
pub fn parse_since(s: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Some(unit) = s.chars().last().filter(|c| matches!(c, 'd' | 'h' | 'm' | 'w')) {
        let n: i64 = s[..s.len() - 1].trim().parse().ok().filter(|n| (0..=100_000).contains(n))?;
        let d = match unit {
            'w' => ChronoDuration::weeks(n),
            'd' => ChronoDuration::days(n),
            'h' => ChronoDuration::hours(n),
            _ => ChronoDuration::minutes(n),
        };
        return now.checked_sub_signed(d);
    }
    if let Some(t) = crate::audit::chain::parse_time(s) {
        return Some(t);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

/// A message id from an id or a message link.
pub fn parse_message_ref(s: &str) -> Option<u64> {
    s.trim().trim_end_matches('/').rsplit('/').next()?.parse().ok().filter(|&n| n > 0)
}

enum Answer {
    Text(String),
    Embed(Box<CreateEmbed>),
    /// An embed showing a PNG attached as `name`.
    Picture {
        embed: Box<CreateEmbed>,
        png: Vec<u8>,
        name: &'static str,
    },
}

pub(crate) async fn handle(bot: &Bot, http: &Http, cmd: CommandInteraction) {
    let name = cmd.data.name.clone();
    info!(command = %name, user_id = cmd.user.id.get(), channel_id = cmd.channel_id.get(), "slash command");
    let answer = match name.as_str() {
        "review" => {
            let text = opt_str(&cmd, "text").unwrap_or_default();
            let r = review(&Draft::new(text), &bot.rules);
            Ok(Answer::Embed(Box::new(embed(&bot.view(&r)))))
        }
        "rules" => Ok(Answer::Embed(Box::new(
            CreateEmbed::new().title(render::RULES_TITLE).description(rules_text(&bot.rules, 4000)).colour(0x455A64),
        ))),
        "audit" => audit(bot, &cmd).await,
        "reject" => reject(bot, http, &cmd).await,
        "queue" => queue(bot, &cmd).await,
        "report" => report(bot, &cmd).await,
        _ => Err(BotError::user(render::UNKNOWN_COMMAND)),
    };
    let answer = answer.unwrap_or_else(|e| Answer::Text(e.shown()));
    let msg = CreateInteractionResponseMessage::new().ephemeral(true);
    let msg = match answer {
        Answer::Text(t) => msg.content(super::render::truncate(&t, 2000)),
        Answer::Embed(e) => msg.embed(*e),
        Answer::Picture { embed, png, name } => {
            msg.embed(embed.image(format!("attachment://{name}"))).add_file(CreateAttachment::bytes(png, name))
        }
    };
    if let Err(e) = cmd.create_response(http, CreateInteractionResponse::Message(msg)).await {
        warn!(command = %name, error = %e, "answering the command failed");
    }
}

pub(crate) fn caller(cmd: &CommandInteraction) -> Actor {
    // A bot's roles never make it a manager (it cannot run commands today; if it ever can, it stays no reviewer).
    let roles = match &cmd.member {
        Some(m) if !cmd.user.bot => m.roles.iter().map(|r| r.get()).collect(),
        _ => Vec::new(),
    };
    let nick = cmd.member.as_ref().and_then(|m| m.nick.as_deref());
    Actor { id: cmd.user.id.get(), name: display_name(nick, &cmd.user), roles }
}

async fn audit(bot: &Bot, cmd: &CommandInteraction) -> Result<Answer, BotError> {
    if !bot.policy.is_manager(&caller(cmd)) {
        return Err(BotError::user(render::AUDIT_MANAGERS_ONLY));
    }
    let now = Utc::now();
    let since = match opt_str(cmd, "since") {
        None => now - ChronoDuration::days(30),
        Some(s) => parse_since(s, now).ok_or_else(|| BotError::user(render::SINCE_FORMAT))?,
    };
    let user = opt_user(cmd, "user");
    let mut found = Vec::new();
    for kind in [RecordKind::Approved, RecordKind::Override] {
        let base = Filter { kind: Some(kind), since: Some(since), ..Filter::default() };
        let filters = match user {
            None => vec![base],
            Some(u) => vec![Filter { actor: Some(u), ..base.clone() }, Filter { author: Some(u), ..base }],
        };
        for f in filters {
            found.extend(bot.audit.query(&f).await.map_err(|e| BotError::internal("audit query for /audit", e))?);
        }
    }
    found.sort_by_key(|r| std::cmp::Reverse(r.seq));
    found.dedup_by_key(|r| r.seq);
    found.truncate(50);
    Ok(Answer::Embed(Box::new(
        CreateEmbed::new().title(render::audit_title(since)).description(audit_text(&found, 4000)).colour(0x455A64),
    )))
}

/// `/report [since]`: the review report of the period from `since` (default
/// 30 days) to now, drawn as one PNG and attached to the (private) answer.
/// The audit log is read from 30 days before `since`, so a decision in the
/// period finds its submission. Counting and drawing run off the event loop.
async fn report(bot: &Bot, cmd: &CommandInteraction) -> Result<Answer, BotError> {
    if !bot.policy.is_manager(&caller(cmd)) {
        return Err(BotError::user(render::REPORT_MANAGERS_ONLY));
    }
    let now = Utc::now();
    let since = match opt_str(cmd, "since") {
        None => now - ChronoDuration::days(30),
        Some(s) => parse_since(s, now).ok_or_else(|| BotError::user(render::SINCE_FORMAT))?,
    };
    if since > now {
        return Err(BotError::user(render::SINCE_FORMAT));
    }
    let lookback = ChronoDuration::days(REPORT_LOOKBACK_DAYS);
    let from = since.checked_sub_signed(lookback).unwrap_or(since);
    let records = bot
        .audit
        .query(&Filter { since: Some(from), ..Filter::default() })
        .await
        .map_err(|e| BotError::internal("audit query for /report", e))?;
    let period = crate::report::Period { since, until: now };
    let drawn = tokio::task::spawn_blocking(move || {
        let report = crate::report::Report::new(&records, period, now);
        report.png().map(|png| (png, report.drafts(), report.records_in_period()))
    })
    .await
    .map_err(|e| BotError::internal("drawing /report", e))?;
    let (png, drafts, records) = drawn.map_err(|e| BotError::internal("drawing /report", e))?;
    let embed = CreateEmbed::new()
        .title(render::report_title(since))
        .description(render::report_summary(drafts, records))
        .colour(0x455A64);
    Ok(Answer::Picture { embed: Box::new(embed), png, name: "report.png" })
}

/// Days before `/report`'s `since` read to pair decisions with submissions.
pub const REPORT_LOOKBACK_DAYS: i64 = 30;

/// How far back `/queue` looks for drafts still waiting.
pub const QUEUE_DAYS: i64 = 30;

/// `/queue [mine:]`: the drafts of this server waiting for a decision,
/// oldest first. Managers see all; anyone sees their own with `mine:True`.
async fn queue(bot: &Bot, cmd: &CommandInteraction) -> Result<Answer, BotError> {
    let actor = caller(cmd);
    let mine = opt_bool(cmd, "mine").unwrap_or(false);
    if !mine && !bot.policy.is_manager(&actor) {
        return Err(BotError::user(render::QUEUE_MANAGERS_ONLY));
    }
    let now = Utc::now();
    let since = now - ChronoDuration::days(QUEUE_DAYS);
    let records = bot
        .audit
        .query(&Filter { since: Some(since), ..Filter::default() })
        .await
        .map_err(|e| BotError::internal("audit query for /queue", e))?;
    let guild = cmd.guild_id.map(|g| g.get());
    let waiting = super::queue::waiting(&records, guild, mine.then_some(actor.id));
    Ok(Answer::Embed(Box::new(
        CreateEmbed::new()
            .title(render::queue_title(mine, waiting.len()))
            .description(queue_text(&waiting, now, 4000))
            .colour(0x455A64),
    )))
}

async fn reject(bot: &Bot, http: &Http, cmd: &CommandInteraction) -> Result<Answer, BotError> {
    let actor = caller(cmd);
    if !bot.policy.is_manager(&actor) {
        return Err(BotError::user(render::REJECT_MANAGERS_ONLY));
    }
    let reason = opt_str(cmd, "reason").unwrap_or_default().to_string();
    let channel = cmd.channel_id.get();
    // `/reject draft:` needs no question; otherwise it answers the one asked
    // on the ❌ (and counts only while that question holds).
    let (draft, asked) = match opt_str(cmd, "draft") {
        Some(d) => (parse_message_ref(d).ok_or_else(|| BotError::user(render::DRAFT_REF_FORMAT))?, None),
        None => match bot.db.pending(channel, actor.id).await {
            Ok(Some(p)) if p.purpose == Purpose::Reject => (p.draft_message_id, Some(p.asked())),
            Ok(_) => return Err(BotError::user(render::reject_needs_draft(&bot.config.reject_emoji.to_string()))),
            Err(e) => return Err(BotError::internal("pending-reason lookup", e)),
        },
    };
    let decided = bot.on_reason(http, actor, draft, Purpose::Reject, asked, reason, Via::Channel).await?;
    match decided.kind {
        Some(RecordKind::Rejected) => Ok(Answer::Text(render::REJECTED_WITH_REASON.into())),
        _ => Err(BotError::user(render::NO_SUCH_DRAFT)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn since_forms() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).single().unwrap();
        assert_eq!(parse_since("7d", now), Some(now - ChronoDuration::days(7)));
        assert_eq!(parse_since("24h", now), Some(now - ChronoDuration::hours(24)));
        assert_eq!(parse_since("2w", now), Some(now - ChronoDuration::weeks(2)));
        assert_eq!(parse_since("2026-11-01", now), Some(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap()));
        assert_eq!(
            parse_since("2026-11-01T10:00:00Z", now),
            Some(Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).single().unwrap())
        );
        assert_eq!(parse_since("yesterday", now), None);
        assert_eq!(parse_since("-3d", now), None);
        assert_eq!(parse_since("d", now), None);
        assert_eq!(parse_since("ééd", now), None);
    }

    #[test]
    fn message_refs() {
        assert_eq!(parse_message_ref("123456"), Some(123456));
        assert_eq!(parse_message_ref("https://discord.com/channels/1/2/3456"), Some(3456));
        assert_eq!(parse_message_ref("nope"), None);
        assert_eq!(parse_message_ref(""), None);
    }

    #[test]
    fn definitions_are_valid_json() {
        let v = serde_json::to_value(definitions()).unwrap();
        let names: Vec<&str> = v.as_array().unwrap().iter().filter_map(|c| c["name"].as_str()).collect();
        assert_eq!(names, vec!["review", "audit", "rules", "reject", "report", "queue"]);
    }
}
