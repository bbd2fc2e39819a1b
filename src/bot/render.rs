//! What users see: a [`Review`] rendered as a plain [`ReplyView`] (title,
//! colour, description, fields, footer) within Discord's embed limits, and
//! the short text of `/rules` and `/audit`.
//!
//! Pure: no serenity types (the handler turns a view into an embed), no
//! draft text. Finding messages come from the engine already masked; this
//! module never quotes the draft itself.

use crate::audit::AuditRecord;
use crate::engine::{Review, RuleSet, Severity, Verdict};

/// Discord's embed limits (characters).
pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FIELDS_MAX: usize = 25;
pub const FOOTER_MAX: usize = 2048;
pub const EMBED_TOTAL_MAX: usize = 6000;

/// Twitter's limit for the weighted length.
pub const TWEET_MAX: usize = 280;

/// A rendered review, ready to become an embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyView {
    pub title: String,
    pub colour: u32,
    pub description: String,
    pub fields: Vec<(String, String)>,
    pub footer: String,
}

impl ReplyView {
    /// Total characters as Discord counts them for the 6000 limit.
    pub fn total_chars(&self) -> usize {
        self.title.chars().count()
            + self.description.chars().count()
            + self.footer.chars().count()
            + self.fields.iter().map(|(n, v)| n.chars().count() + v.chars().count()).sum::<usize>()
    }
}

pub fn colour(verdict: Verdict) -> u32 {
    match verdict {
        Verdict::Ok => 0x2E7D32,
        Verdict::Revise => 0xF9A825,
        Verdict::Block => 0xC62828,
    }
}

fn severity_mark(s: Severity) -> &'static str {
    match s {
        Severity::Error => "⛔",
        Severity::Warning => "⚠️",
        Severity::Info => "ℹ️",
    }
}

/// Cuts `s` to at most `max` characters, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Renders a review. `approve` is the approve emoji as users see it.
pub fn review_view(review: &Review, rules_version: &str, approve: &str) -> ReplyView {
    let n = review.findings.len();
    let plural = |k: usize, w: &str| if k == 1 { format!("1 {w}") } else { format!("{k} {w}s") };
    let (title, intro) = match review.verdict {
        Verdict::Ok => (
            "✅ Ready for approval".to_string(),
            if n == 0 {
                format!("No problems found. A manager can approve with {approve}.")
            } else {
                format!(
                    "{} worth a look; nothing blocks approval. A manager can approve with {approve}.",
                    plural(n, "note")
                )
            },
        ),
        Verdict::Revise => (
            "⚠️ Needs a second look".to_string(),
            format!("{} to check before posting. A manager can still approve with {approve}.", plural(n, "finding")),
        ),
        Verdict::Block => ("⛔ Blocked: this draft can't be approved as written".to_string(), String::new()),
    };
    let mut description = intro;
    if review.verdict == Verdict::Block {
        description.push_str("**What must change:**");
        let mut k = 0;
        for f in review.findings.iter().filter(|f| f.severity == Severity::Error) {
            k += 1;
            let mut line = format!("\n{k}. {}", f.message);
            if let Some(s) = &f.suggestion {
                line.push_str(&format!(" → {s}"));
            }
            // Leave room for the closing sentence.
            if description.chars().count() + line.chars().count() > DESCRIPTION_MAX - 200 {
                description.push_str("\n… and more (see the findings below).");
                break;
            }
            description.push_str(&line);
        }
        description.push_str("\n\nEdit your message to fix these; the bot reviews the edit automatically.");
    }

    let mut fields = Vec::new();
    let shown = n.min(FIELDS_MAX - 1);
    for f in review.findings.iter().take(shown) {
        let name = truncate(&format!("{} {} · {}", severity_mark(f.severity), f.severity, f.rule), FIELD_NAME_MAX);
        let mut value = f.message.clone();
        if let Some(s) = &f.suggestion {
            value.push_str(&format!("\n→ {s}"));
        }
        fields.push((name, truncate(&value, FIELD_VALUE_MAX)));
    }
    if n > shown {
        fields.push(("…".to_string(), format!("{} more not shown; run `safetweet check` for all.", n - shown)));
    }
    let footer = truncate(
        &format!(
            "Weighted length {}/{TWEET_MAX}{} · rules {rules_version}",
            review.weighted_length,
            if review.weighted_length > TWEET_MAX { " (too long)" } else { "" }
        ),
        FOOTER_MAX,
    );
    let mut view = ReplyView {
        title: truncate(&title, TITLE_MAX),
        colour: colour(review.verdict),
        description: truncate(&description, DESCRIPTION_MAX),
        fields,
        footer,
    };
    // Keep under the 6000 total by dropping trailing fields.
    while view.total_chars() > EMBED_TOTAL_MAX && !view.fields.is_empty() {
        view.fields.pop();
    }
    view
}

/// `/rules`: the active rules, one per line, within `max` characters.
pub fn rules_text(rules: &RuleSet, max: usize) -> String {
    let mut out = String::new();
    let active: Vec<_> = rules.rules().iter().filter(|r| r.severity.is_some()).collect();
    let total = active.len();
    for (i, r) in active.iter().enumerate() {
        let sev = r.severity.map(|s| s.as_str()).unwrap_or("off");
        let line = format!("`{}` · {} · {}\n", r.id, r.category, sev);
        if out.chars().count() + line.chars().count() > max.saturating_sub(80) {
            out.push_str(&format!(
                "… and {} more; run `safetweet rules` for all, with What / Why / Example.",
                total - i
            ));
            return out;
        }
        out.push_str(&line);
    }
    out.push_str(&format!("{total} active rules · version {}", rules.version));
    out
}

/// `/audit`: recent approvals, newest first, within `max` characters. Shows
/// ids and mentions only, never draft text.
pub fn audit_text(records: &[AuditRecord], max: usize) -> String {
    if records.is_empty() {
        return "No approvals match.".to_string();
    }
    let mut out = String::new();
    for (i, r) in records.iter().enumerate() {
        let rec = &r.record;
        let what = rec.kind.as_str();
        let link = match rec.guild_id {
            Some(g) => format!("https://discord.com/channels/{g}/{}/{}", rec.channel_id, rec.message_id),
            None => format!("message {}", rec.message_id),
        };
        let line = format!(
            "#{} · {} · {what} by <@{}> · draft by <@{}> · {link}\n",
            r.seq,
            rec.time.format("%Y-%m-%d %H:%M UTC"),
            rec.actor_id,
            rec.author_id
        );
        if out.chars().count() + line.chars().count() > max.saturating_sub(40) {
            out.push_str(&format!("… and {} more.", records.len() - i));
            break;
        }
        out.push_str(&line);
    }
    out
}

// ----- the bot's lines ----------------------------------------------------
//
// Every sentence the bot says outside a review lives here or in
// `workflow` (the workflow's own answers); the effects, event paths,
// commands and interactions only choose among them.

/// What a person sees of an internal error (the log gets the detail).
pub const INTERNAL_ERROR: &str = "An internal error occurred; nothing was recorded. Please try again shortly.";
/// Said in the channel when an audit record could not be appended.
/// The audit checkpoint posted to `audit_channel`: the newest record's
/// number and hash, to note down outside the database.
pub fn checkpoint_text(seq: i64, hash: &str) -> String {
    format!(
        "🔒 Audit checkpoint: record {seq} has hash `{hash}`. A later `safetweet audit verify --anchor {seq}:{hash}` \
         shows whether the log was cut or rewritten after it."
    )
}

pub const AUDIT_WRITE_FAILED: &str =
    "⚠️ The audit log could not be written, so nothing was recorded. Please try again shortly.";
/// Said in reply to a draft that could not be reviewed.
pub const AUDIT_UNAVAILABLE: &str =
    "⚠️ The audit log is unavailable, so this draft was not reviewed. Please post it again shortly.";

/// The question for a written reason (the reaction path's flow).
pub fn ask_reason(actor_id: u64, purpose: crate::bot::workflow::Purpose) -> String {
    match purpose {
        crate::bot::workflow::Purpose::Reject => format!(
            "<@{actor_id}> why is this draft rejected? Reply to this message with the reason, or use `/reject reason:`."
        ),
        crate::bot::workflow::Purpose::Override => format!(
            "<@{actor_id}> this draft is blocked. To approve it anyway, reply to this message with the reason for the override."
        ),
    }
}

/// An answer whose writer's roles could not be read.
pub fn reason_roles_unknown(actor_id: u64, away: bool) -> String {
    let away = if away { ", given while the bot was away," } else { "" };
    format!("<@{actor_id}> your reason{away} was not recorded: your roles could not be checked. Please answer again.")
}

/// An answer to a question that is no longer open.
pub fn reason_question_closed(actor_id: u64, away: bool) -> String {
    let away = if away { ", given while the bot was away," } else { "" };
    format!(
        "<@{actor_id}> your reason{away} was not recorded: that question is no longer open (it was answered, \
         or replaced by a newer question). React again on the draft if it still needs you."
    )
}

// Slash commands.
pub const UNKNOWN_COMMAND: &str = "Unknown command.";
pub const AUDIT_MANAGERS_ONLY: &str = "Only members with a manager role can read the audit log.";
pub const REJECT_MANAGERS_ONLY: &str = "Only members with a manager role can reject drafts.";
pub const REPORT_MANAGERS_ONLY: &str = "Only members with a manager role can see the review report.";
pub const QUEUE_MANAGERS_ONLY: &str =
    "Only members with a manager role can see the whole queue; `/queue mine:True` lists your own drafts.";
pub const SINCE_FORMAT: &str = "`since` should look like 7d, 24h or 2026-11-01.";
pub const DRAFT_REF_FORMAT: &str = "`draft` should be a message id or a message link.";
pub const REJECTED_WITH_REASON: &str = "Rejected; the reason is in the audit log.";
pub const NO_SUCH_DRAFT: &str = "No reviewed draft with that id, or a reason is missing.";

pub const RULES_TITLE: &str = "Active review rules";

pub fn audit_title(since: chrono::DateTime<chrono::Utc>) -> String {
    format!("Approvals since {}", since.format("%Y-%m-%d %H:%M UTC"))
}

pub fn report_title(since: chrono::DateTime<chrono::Utc>) -> String {
    format!("Review report since {}", since.format("%Y-%m-%d %H:%M UTC"))
}

/// `/queue`'s title, with how many drafts wait.
pub fn queue_title(mine: bool, n: usize) -> String {
    let whose = if mine { "Your drafts" } else { "Drafts" };
    format!("{whose} waiting for a decision ({n})")
}

/// `/reject` without a draft and without a ❌ first.
pub fn reject_needs_draft(reject_emoji: &str) -> String {
    format!("React {reject_emoji} on a draft first, or pass `draft:` with its message id or link.")
}

// Buttons and forms on the review reply.
pub const BUTTON_APPROVE: &str = "Approve";
pub const BUTTON_REJECT: &str = "Reject";
pub const BUTTON_OVERRIDE: &str = "Override";
pub const FORM_REJECT_TITLE: &str = "Reject this draft";
pub const FORM_OVERRIDE_TITLE: &str = "Approve a blocked draft (override)";
pub const FORM_REJECT_LABEL: &str = "Why is it rejected?";
pub const FORM_OVERRIDE_LABEL: &str = "Why is the override justified?";
pub const FORM_REASON_PLACEHOLDER: &str = "Kept in the audit log. No patient details, please.";
/// The longest reason a form (or `/reject`) takes, in characters.
pub const REASON_MAX: usize = 1000;
/// A button that is not (or no longer) on a review reply of this bot.
pub const NOT_A_REVIEW: &str = "That button does not belong to a draft under review here.";
/// A click on a draft whose decision is already made.
pub const NOTHING_TO_DECIDE: &str =
    "Nothing was recorded: this draft is already decided. If it is edited, the new version can be decided again.";
/// A click by someone who may not decide.
pub const DECIDE_MANAGERS_ONLY: &str = "Only members with a manager role can decide on drafts.";
/// Override on a draft that is not blocked.
pub const OVERRIDE_NOT_BLOCKED: &str = "This draft is not blocked: use Approve. Nothing was recorded.";
pub const REASON_EMPTY: &str = "A written reason is needed: the form was empty (spaces only). Nothing was recorded.";
pub const FORM_UNKNOWN: &str =
    "This form does not match a question the bot asked you; click the button on the review again.";
/// The private answer to a form whose reason was recorded.
pub const REASON_RECORDED: &str = "Recorded; the reason is in the audit log.";

/// A reason over [`REASON_MAX`] characters.
pub fn reason_too_long(chars: usize) -> String {
    format!("The reason is {chars} characters long; at most {REASON_MAX} are kept. Nothing was recorded.")
}

/// `/queue`: one line per waiting draft, oldest first, within `max` characters.
pub fn queue_text(waiting: &[crate::bot::queue::Waiting], now: chrono::DateTime<chrono::Utc>, max: usize) -> String {
    if waiting.is_empty() {
        return "Nothing is waiting for a decision.".to_string();
    }
    let mut out = String::new();
    for (k, w) in waiting.iter().enumerate() {
        let verdict = match w.verdict {
            Verdict::Ok => "✅ ready",
            Verdict::Revise => "⚠️ second look",
            Verdict::Block => "⛔ blocked (needs an edit or an override)",
        };
        let link = match w.place.guild_id {
            Some(g) => format!("https://discord.com/channels/{g}/{}/{}", w.place.channel_id, w.place.message_id),
            None => format!("https://discord.com/channels/@me/{}/{}", w.place.channel_id, w.place.message_id),
        };
        let line = format!(
            "{}. {verdict} · <@{}> · waiting {} · [jump]({link})\n",
            k + 1,
            w.author_id,
            age(now - w.submitted_at)
        );
        if out.chars().count() + line.chars().count() > max.saturating_sub(40) {
            out.push_str(&format!("… and {} more.", waiting.len() - k));
            break;
        }
        out.push_str(&line);
    }
    out.trim_end().to_string()
}

/// The line under `/report`'s picture.
pub fn report_summary(drafts: usize, records: usize) -> String {
    format!(
        "{drafts} drafts submitted, {records} audit records in the period. For the tables behind the charts, \
         run `safetweet audit report --since DATE --out report.html`."
    )
}

/// "3d 4h", "5h 12m", "7m" (never negative).
pub fn age(d: chrono::TimeDelta) -> String {
    let m = d.num_minutes().max(0);
    let (days, hours, mins) = (m / 1440, (m / 60) % 24, m % 60);
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {mins}m")
    } else {
        format!("{mins}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Category, Finding, Identifier, Span};

    fn finding(rule: &str, sev: Severity, msg: &str, suggestion: Option<&str>) -> Finding {
        Finding {
            rule: rule.into(),
            category: Category::Phi,
            severity: sev,
            span: Some(Span::new(0, 3)),
            message: msg.into(),
            suggestion: suggestion.map(Into::into),
            identifier: Some(Identifier::Phone),
        }
    }

    #[test]
    fn ok_review_is_green_and_invites_approval() {
        let r = Review { verdict: Verdict::Ok, weighted_length: 42, findings: vec![] };
        let v = review_view(&r, "2026.11+abc", "✅");
        assert_eq!(v.colour, 0x2E7D32);
        assert!(v.title.contains("Ready"));
        assert!(v.description.contains("approve with ✅"));
        assert!(v.fields.is_empty());
        assert!(v.footer.contains("42/280") && v.footer.contains("2026.11+abc"));
    }

    #[test]
    fn blocked_review_lists_what_must_change_without_inviting_approval() {
        let r = Review {
            verdict: Verdict::Block,
            weighted_length: 300,
            findings: vec![
                finding("phi.phone", Severity::Error, "Phone number ***-***-8834", Some("Remove the number")),
                finding("length.over", Severity::Warning, "Too long", None),
            ],
        };
        let v = review_view(&r, "v", "✅");
        assert_eq!(v.colour, 0xC62828);
        assert!(v.title.contains("Blocked"));
        assert!(v.description.contains("What must change"));
        assert!(v.description.contains("1. Phone number ***-***-8834 → Remove the number"));
        assert!(!v.description.contains("Too long"), "only errors are must-change items");
        assert!(!v.description.contains("approve with"));
        assert_eq!(v.fields.len(), 2);
        assert!(v.fields[0].0.contains("phi.phone"));
        assert!(v.fields[0].1.contains("→ Remove the number"));
        assert!(v.footer.contains("300/280 (too long)"));
    }

    #[test]
    fn revise_is_amber() {
        let r = Review {
            verdict: Verdict::Revise,
            weighted_length: 10,
            findings: vec![finding("x", Severity::Warning, "m", None)],
        };
        let v = review_view(&r, "v", "✅");
        assert_eq!(v.colour, 0xF9A825);
        assert!(v.description.contains("1 finding"));
    }

    #[test]
    fn the_view_only_shows_engine_messages_never_the_draft() {
        // The engine masks identifiers in messages; the view must not add the
        // draft text. Render a review whose messages are masked and check the
        // raw identifier appears nowhere.
        let r = Review {
            verdict: Verdict::Block,
            weighted_length: 20,
            findings: vec![finding("phi.ssn", Severity::Error, "SSN ***-**-6789", None)],
        };
        let v = review_view(&r, "v", "✅");
        let all = format!("{}{}{:?}{}", v.title, v.description, v.fields, v.footer);
        assert!(!all.contains("123-45-6789"));
        assert!(all.contains("***-**-6789"));
    }

    #[test]
    fn huge_reviews_stay_within_discord_limits() {
        let long = "x".repeat(3000);
        let findings: Vec<Finding> =
            (0..60).map(|i| finding(&format!("rule.{i}"), Severity::Error, &long, Some(&long))).collect();
        let r = Review { verdict: Verdict::Block, weighted_length: 9999, findings };
        let v = review_view(&r, "v", "✅");
        assert!(v.title.chars().count() <= TITLE_MAX);
        assert!(v.description.chars().count() <= DESCRIPTION_MAX);
        assert!(v.fields.len() <= FIELDS_MAX);
        assert!(v
            .fields
            .iter()
            .all(|(n, val)| n.chars().count() <= FIELD_NAME_MAX && val.chars().count() <= FIELD_VALUE_MAX));
        assert!(v.total_chars() <= EMBED_TOTAL_MAX, "{}", v.total_chars());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn any_findings_render_within_limits(
            msgs in proptest::collection::vec(("\\PC{0,40}", "\\PC{0,1200}", proptest::option::of("\\PC{0,300}")), 0..30),
            len in 0usize..100_000,
        ) {
            let findings: Vec<Finding> = msgs
                .iter()
                .map(|(rule, m, s)| Finding {
                    rule: rule.clone(),
                    category: Category::Content,
                    severity: Severity::Error,
                    span: None,
                    message: m.clone(),
                    suggestion: s.clone(),
                    identifier: None,
                })
                .collect();
            for verdict in [Verdict::Ok, Verdict::Revise, Verdict::Block] {
                let r = Review { verdict, weighted_length: len, findings: findings.clone() };
                let v = review_view(&r, "v", "✅");
                proptest::prop_assert!(v.total_chars() <= EMBED_TOTAL_MAX);
                proptest::prop_assert!(v.description.chars().count() <= DESCRIPTION_MAX);
                proptest::prop_assert!(v.fields.len() <= FIELDS_MAX);
                proptest::prop_assert!(v.fields.iter().all(|(n, x)| n.chars().count() <= FIELD_NAME_MAX
                    && x.chars().count() <= FIELD_VALUE_MAX));
            }
        }
    }

    #[test]
    fn truncate_counts_chars_not_bytes() {
        assert_eq!(truncate("héllo", 10), "héllo");
        assert_eq!(truncate("ééééé", 3), "éé…");
        assert_eq!(truncate("🙂🙂🙂", 2).chars().count(), 2);
    }

    #[test]
    fn rules_text_fits() {
        let rules = RuleSet::builtin().unwrap();
        let t = rules_text(&rules, 4000);
        assert!(t.chars().count() <= 4000);
        let t = rules_text(&rules, 200);
        assert!(t.chars().count() <= 200, "{}", t.chars().count());
    }

    #[test]
    fn audit_text_shows_ids_and_links() {
        use crate::audit::{NewRecord, RecordKind};
        use chrono::TimeZone;
        let rec = NewRecord {
            time: chrono::Utc.with_ymd_and_hms(2026, 11, 26, 14, 2, 0).single().unwrap(),
            kind: RecordKind::Approved,
            actor_id: 2001,
            actor_name: "Dana".into(),
            guild_id: Some(1),
            channel_id: 3000,
            message_id: 777,
            author_id: 1001,
            content_sha256: "00".into(),
            rules_version: "v".into(),
            verdict: None,
            findings: vec![],
            text: Some("secret draft text".into()),
            sealed_text: None,
            reason: None,
            roles: vec![4000],
        };
        let recs = vec![AuditRecord { seq: 5, record: rec, prev_hash: String::new(), hash: String::new(), mac: None }];
        let t = audit_text(&recs, 2000);
        assert!(t.contains("#5 · 2026-11-26 14:02 UTC · approved by <@2001> · draft by <@1001>"), "{t}");
        assert!(t.contains("https://discord.com/channels/1/3000/777"));
        assert!(!t.contains("secret draft text"));
        assert_eq!(audit_text(&[], 100), "No approvals match.");
    }

    #[test]
    fn queue_lines_show_verdict_author_age_and_a_jump_link_within_the_limit() {
        use crate::bot::queue::Waiting;
        use crate::bot::workflow::Place;
        use chrono::{TimeDelta, TimeZone, Utc};
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).single().unwrap();
        let waiting = |k: u64, verdict| Waiting {
            place: Place { guild_id: Some(1), channel_id: 3000, message_id: 700 + k },
            author_id: 9,
            verdict,
            submitted_at: now - TimeDelta::minutes(60 * 26 + 5),
        };
        let t = queue_text(&[waiting(1, Verdict::Block), waiting(2, Verdict::Ok)], now, 4000);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2, "{t}");
        assert!(lines[0].starts_with("1. ⛔ blocked") && lines[0].contains("<@9>"), "{t}");
        assert!(lines[0].contains("waiting 1d 2h") && lines[0].contains("https://discord.com/channels/1/3000/701"));
        assert!(lines[1].starts_with("2. ✅ ready"), "{t}");
        let many: Vec<Waiting> = (0..200).map(|k| waiting(k, Verdict::Revise)).collect();
        let t = queue_text(&many, now, 1000);
        assert!(t.chars().count() <= 1000 && t.ends_with("more."), "{t}");
        assert_eq!(queue_text(&[], now, 100), "Nothing is waiting for a decision.");
        assert_eq!(age(TimeDelta::minutes(7)), "7m");
        assert_eq!(age(TimeDelta::minutes(125)), "2h 5m");
        assert_eq!(age(TimeDelta::minutes(-5)), "0m");
    }
}
