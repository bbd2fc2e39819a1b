//! The review desk's report: what went through review in a period, as
//! tables, charts (PNG for Discord's `/report`, inline SVG in the HTML
//! `safetweet audit report` writes) and one self-contained HTML page.
//!
//! Pure: audit records, the period and "now" in, a [`Report`] out. No
//! Discord, no database, no clock, no files: the caller reads the log (and
//! verifies its chain, when it can) and passes what it found.
//!
//! # Layout
//! - this file: [`Report::new`], which counts the tables from the records;
//! - [`charts`]: the four charts, drawn with plotters on any backend (bitmap
//!   for the PNG, SVG for the HTML) with the bundled DejaVu Sans;
//! - [`html`]: the HTML page, and [`html::printable`], the escaping of
//!   control and bidi/format characters shared with the CLI's tables.
//!
//! What is counted (all within the period, `since <= time <= until`):
//! - drafts per day by verdict: `submitted` records (one per draft) by UTC day;
//! - findings by category: the findings of every review the bot made
//!   (`submitted` and `re-reviewed`);
//! - time to decision: for each `approved`, `rejected` and `override` record,
//!   the time since the same draft's (channel + message id) latest
//!   `submitted` record before it, which may lie before the period;
//! - content mix: each `approved` and `override` record (both clear a post)
//!   classified by [`crate::engine::posting::content_kind`] from the text of
//!   the `submitted`/`re-reviewed` record with the same `content_sha256`
//!   (never the approval's own text); set beside [`RECOMMENDED_MIX`];
//! - decisions by approver: who cleared what.

pub mod charts;
pub mod html;

pub use html::printable;

use crate::audit::{AuditRecord, RecordKind, Verification};
use crate::engine::posting::{content_kind, ContentKind};
use crate::engine::Category;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap};

/// The content mix the seed guide recommends, as shares of approved posts.
///
/// The guide names the posts that work: informative studies with a link,
/// health tips, blog posts with a shareable quote, and an occasional personal
/// note. It gives no numbers, so these are ours: the three named staples
/// share most of the feed about evenly (studies and tips a little ahead of
/// blog posts, which a team publishes less often than it finds a study or a
/// tip), "occasional" is read as about one post in ten, and a small rest is
/// left for everything else (events, announcements).
pub const RECOMMENDED_MIX: [(ContentKind, f64); 5] = [
    (ContentKind::StudyLink, 0.30),
    (ContentKind::Tip, 0.30),
    (ContentKind::BlogQuote, 0.25),
    (ContentKind::Personal, 0.10),
    (ContentKind::Other, 0.05),
];

/// At most this many days are drawn and tabled per day (a longer period is
/// still counted in every other table).
pub const MAX_DAYS: usize = 366;

/// The period a report covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Period {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.since <= t && t <= self.until
    }
}

/// Drafts submitted on one UTC day, by verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayCounts {
    pub day: NaiveDate,
    pub ok: usize,
    pub revise: usize,
    pub block: usize,
}

impl DayCounts {
    pub fn total(&self) -> usize {
        self.ok + self.revise + self.block
    }
}

/// Findings of one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCount {
    pub category: String,
    pub count: usize,
}

/// Time from submission to one kind of decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionTimes {
    /// `approved`, `rejected`, `override`, or `all`.
    pub decision: String,
    pub count: usize,
    /// Median in whole seconds (the mean of the two middle values for an
    /// even count, rounded down); `None` without decisions.
    pub median_seconds: Option<i64>,
    /// 90th percentile (nearest rank) in whole seconds.
    pub p90_seconds: Option<i64>,
}

/// One content kind of the approved posts.
#[derive(Debug, Clone, PartialEq)]
pub struct MixRow {
    pub kind: ContentKind,
    pub count: usize,
    /// Share of the classified approved posts (0 when there are none).
    pub share: f64,
    /// Share [`RECOMMENDED_MIX`] recommends.
    pub recommended: f64,
}

/// What one approver decided in the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApproverRow {
    pub actor_id: u64,
    /// Their display name on their latest decision (stored text: escape it).
    pub name: String,
    pub approved: usize,
    pub overrides: usize,
    pub rejected: usize,
    pub refused: usize,
}

/// The report: every table behind the charts, and the header facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    pub generated_at: DateTime<Utc>,
    /// Rules versions of the reviews in the period, in first-seen order.
    pub rules_versions: Vec<String>,
    /// Records in the period, by kind (every kind, zeros included).
    pub record_counts: Vec<(RecordKind, usize)>,
    /// The chain walk the caller ran, if any.
    pub verification: Option<Verification>,
    /// One row per UTC day of the period (at most [`MAX_DAYS`], the latest).
    pub per_day: Vec<DayCounts>,
    /// Every category, in the engine's order, then unknown ones by name.
    pub findings: Vec<CategoryCount>,
    /// approved, rejected, override, all.
    pub decision_times: Vec<DecisionTimes>,
    /// Decisions whose draft has no `submitted` record in the records given.
    pub unpaired_decisions: usize,
    /// One row per [`ContentKind`], in [`ContentKind::ALL`] order.
    pub content_mix: Vec<MixRow>,
    /// Approved posts whose submitted text was not found (not in the mix).
    pub unclassified: usize,
    /// Most decisions first.
    pub approvers: Vec<ApproverRow>,
}

/// Why a chart could not be drawn or encoded.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot draw the report chart: {0}")]
    Draw(String),
    #[error("cannot encode the report chart as PNG: {0}")]
    Encode(String),
}

impl Report {
    /// Counts the report from `records`. Pass at least the period's records;
    /// earlier ones (say the 30 days before) only serve to find the
    /// submission of a draft decided in the period and the text of an
    /// approved draft. Records after the period are ignored.
    pub fn new(records: &[AuditRecord], period: Period, now: DateTime<Utc>) -> Report {
        let in_period: Vec<&AuditRecord> = records.iter().filter(|r| period.contains(r.record.time)).collect();

        let mut rules_versions: Vec<String> = Vec::new();
        for r in &in_period {
            let n = &r.record;
            if matches!(n.kind, RecordKind::Submitted | RecordKind::ReReviewed)
                && !rules_versions.contains(&n.rules_version)
            {
                rules_versions.push(n.rules_version.clone());
            }
        }
        let record_counts =
            RecordKind::ALL.into_iter().map(|k| (k, in_period.iter().filter(|r| r.record.kind == k).count())).collect();

        Report {
            period,
            generated_at: now,
            rules_versions,
            record_counts,
            verification: None,
            per_day: per_day(&in_period, period, now),
            findings: findings(&in_period),
            decision_times: Vec::new(),
            unpaired_decisions: 0,
            content_mix: Vec::new(),
            unclassified: 0,
            approvers: approvers(&in_period),
        }
        .with_decisions(records, &in_period)
        .with_mix(records, &in_period)
    }

    /// The report with the result of the chain walk the caller ran.
    pub fn with_verification(mut self, verification: Verification) -> Report {
        self.verification = Some(verification);
        self
    }

    /// How many records of the period there are.
    pub fn records_in_period(&self) -> usize {
        self.record_counts.iter().map(|(_, n)| n).sum()
    }

    /// Drafts submitted in the period.
    pub fn drafts(&self) -> usize {
        self.count(RecordKind::Submitted)
    }

    fn count(&self, kind: RecordKind) -> usize {
        self.record_counts.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n)
    }

    /// The four charts in one PNG (1400 x 1000), for chat.
    pub fn png(&self) -> Result<Vec<u8>, ReportError> {
        charts::png(self)
    }

    /// The whole report as one self-contained HTML page: inline SVG charts,
    /// the tables behind them, no scripts, every stored text escaped.
    pub fn html(&self) -> String {
        html::page(self)
    }

    fn with_decisions(mut self, all: &[AuditRecord], in_period: &[&AuditRecord]) -> Report {
        // Submissions by draft, oldest first (the records come oldest first,
        // but do not rely on it).
        let mut submitted: HashMap<(u64, u64), Vec<DateTime<Utc>>> = HashMap::new();
        for r in all.iter().filter(|r| r.record.kind == RecordKind::Submitted) {
            submitted.entry((r.record.channel_id, r.record.message_id)).or_default().push(r.record.time);
        }
        for times in submitted.values_mut() {
            times.sort();
        }
        let kinds = [RecordKind::Approved, RecordKind::Rejected, RecordKind::Override];
        let mut by_kind: Vec<Vec<i64>> = vec![Vec::new(); kinds.len()];
        for r in in_period {
            let n = &r.record;
            let Some(k) = kinds.iter().position(|k| *k == n.kind) else { continue };
            let since = submitted
                .get(&(n.channel_id, n.message_id))
                .and_then(|times| times.iter().rev().find(|t| **t <= n.time));
            match since {
                Some(t) => by_kind[k].push((n.time - *t).num_seconds()),
                None => self.unpaired_decisions += 1,
            }
        }
        let mut all_times: Vec<i64> = by_kind.iter().flatten().copied().collect();
        self.decision_times = kinds
            .iter()
            .zip(by_kind.iter_mut())
            .map(|(k, times)| decision_times(k.as_str(), times))
            .chain(std::iter::once(decision_times("all", &mut all_times)))
            .collect();
        self
    }

    fn with_mix(mut self, all: &[AuditRecord], in_period: &[&AuditRecord]) -> Report {
        // The reviewed text of each content hash: the latest review wins.
        let mut text_of: HashMap<&str, &str> = HashMap::new();
        for r in all.iter().filter(|r| matches!(r.record.kind, RecordKind::Submitted | RecordKind::ReReviewed)) {
            if let Some(text) = &r.record.text {
                text_of.insert(r.record.content_sha256.as_str(), text.as_str());
            }
        }
        let mut counts: BTreeMap<ContentKind, usize> = BTreeMap::new();
        for r in in_period.iter().filter(|r| matches!(r.record.kind, RecordKind::Approved | RecordKind::Override)) {
            match text_of.get(r.record.content_sha256.as_str()) {
                Some(text) => *counts.entry(content_kind(text)).or_default() += 1,
                None => self.unclassified += 1,
            }
        }
        let classified: usize = counts.values().sum();
        self.content_mix = RECOMMENDED_MIX
            .iter()
            .map(|&(kind, recommended)| {
                let count = counts.get(&kind).copied().unwrap_or(0);
                let share = if classified == 0 { 0.0 } else { count as f64 / classified as f64 };
                MixRow { kind, count, share, recommended }
            })
            .collect();
        self
    }
}

fn per_day(in_period: &[&AuditRecord], period: Period, now: DateTime<Utc>) -> Vec<DayCounts> {
    let first = period.since.date_naive();
    // An open-ended period ends today.
    let last = period.until.min(now.max(period.since)).date_naive();
    let days = (last - first).num_days().max(0) as usize + 1;
    let skip = days.saturating_sub(MAX_DAYS);
    let mut rows: Vec<DayCounts> =
        (skip..days).map(|i| DayCounts { day: first + chrono::Days::new(i as u64), ..DayCounts::default() }).collect();
    for r in in_period.iter().filter(|r| r.record.kind == RecordKind::Submitted) {
        let i = (r.record.time.date_naive() - first).num_days();
        let Some(row) = usize::try_from(i).ok().and_then(|i| i.checked_sub(skip)).and_then(|i| rows.get_mut(i)) else {
            continue;
        };
        match r.record.verdict.as_deref() {
            Some("ok") => row.ok += 1,
            Some("revise") => row.revise += 1,
            Some("block") => row.block += 1,
            _ => {}
        }
    }
    rows
}

fn findings(in_period: &[&AuditRecord]) -> Vec<CategoryCount> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in in_period.iter().filter(|r| matches!(r.record.kind, RecordKind::Submitted | RecordKind::ReReviewed)) {
        for f in &r.record.findings {
            *counts.entry(f.category.as_str()).or_default() += 1;
        }
    }
    let mut rows: Vec<CategoryCount> = Category::ALL
        .iter()
        .map(|c| CategoryCount { category: c.as_str().to_string(), count: counts.remove(c.as_str()).unwrap_or(0) })
        .collect();
    rows.extend(counts.into_iter().map(|(c, count)| CategoryCount { category: c.to_string(), count }));
    rows
}

fn approvers(in_period: &[&AuditRecord]) -> Vec<ApproverRow> {
    let mut rows: Vec<ApproverRow> = Vec::new();
    for r in in_period {
        let n = &r.record;
        if !matches!(
            n.kind,
            RecordKind::Approved | RecordKind::Override | RecordKind::Rejected | RecordKind::ApprovalRefused
        ) {
            continue;
        }
        let at = match rows.iter().position(|a| a.actor_id == n.actor_id) {
            Some(at) => at,
            None => {
                rows.push(ApproverRow {
                    actor_id: n.actor_id,
                    name: String::new(),
                    approved: 0,
                    overrides: 0,
                    rejected: 0,
                    refused: 0,
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[at];
        row.name.clone_from(&n.actor_name);
        match n.kind {
            RecordKind::Approved => row.approved += 1,
            RecordKind::Override => row.overrides += 1,
            RecordKind::Rejected => row.rejected += 1,
            _ => row.refused += 1,
        }
    }
    rows.sort_by_key(|a| std::cmp::Reverse(a.approved + a.overrides + a.rejected + a.refused));
    rows
}

fn decision_times(decision: &str, times: &mut [i64]) -> DecisionTimes {
    times.sort_unstable();
    let n = times.len();
    let median = match n {
        0 => None,
        _ if n % 2 == 1 => Some(times[n / 2]),
        _ => Some((times[n / 2 - 1] + times[n / 2]).div_euclid(2)),
    };
    // nearest rank: the smallest value with at least 90% at or below it
    let p90 = (n > 0).then(|| times[(n * 9).div_ceil(10) - 1]);
    DecisionTimes { decision: decision.to_string(), count: n, median_seconds: median, p90_seconds: p90 }
}

/// A duration for people: `45 s`, `12 min`, `3.5 h`, `2.1 d`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.max(0) as f64;
    if s < 60.0 {
        format!("{s:.0} s")
    } else if s < 3600.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 86_400.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} d", s / 86_400.0)
    }
}

#[cfg(test)]
mod tests;
