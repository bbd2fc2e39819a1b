//! `phi.date`: dates tied to a person.
//!
//! Safe Harbor removes every element of a date related to an individual
//! except the year, so a bare year ("diagnosed in 2021") is fine and never
//! matched. A date is reported when
//! - a birth or death word comes right before it (`DOB`, `born`, `died`);
//! - or the draft is about one patient (an age, `pt`, `my patient`, a name,
//!   `admitted`...) and the date is not an event's (`join us`, `webinar`,
//!   `closed`, `6pm`), or a care word (`seen`, `treated`, `surgery`,
//!   `diagnosed`...) in the sentence ties it to the patient anyway.
//!
//! A care word alone is not enough: "our mobile clinic visited Lincoln
//! Elementary on Feb 12, 2025" is about no one.
//! Partial dates (`March 5th`, `April 2023`, `3/14`, `last Friday`) need both
//! a care word and a patient in the draft; `last week` or `last month` is too
//! vague to date anything and is not reported.

use super::vocab::role;
use super::{sentence_end, sentence_start, Context};
use crate::engine::mask::mask_all;
use crate::engine::{Identifier, Input, Sink};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const RULE: &str = "phi.date";
/// A date of the care of the person a reply answers.
pub(super) const RULE_REPLY: &str = "phi.reply-date";

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?-i:May|MAY)|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";
const DAY: &str = r"(?:[12][0-9]|3[01]|0?[1-9])(?:st|nd|rd|th)?";
/// A weekday or a month named without a number ("last Friday", "last December").
const NAMED_DAY: &str = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|august|september|october|november|december)";
const YEAR: &str = r"(?:(?:19|20)\d\d|'\d\d)";
/// Spanish months ("el 2 de junio", "18 de noviembre de 2024").
const MES: &str =
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|sept?iembre|setiembre|octubre|noviembre|diciembre)";

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let p = format!(
        r"(?i-u)(?-u:\b)(?:{MONTH}[ -]{DAY}(?:,? ?|-){YEAR}|{DAY} (?:of )?{MONTH},? {YEAR}|{DAY} of {MONTH}|\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}|\d{{1,2}}-{MONTH}-(?:\d{{4}}|\d{{2}})|{MONTH} {DAY}|{MONTH},? (?:19|20)\d\d|\d{{1,2}}/\d{{1,2}}|(?:last|this past) {NAMED_DAY}|{DAY} de {MES}(?: del? (?:19|20)\d\d)?)(?-u:\b)"
    );
    Regex::new(&p).expect("valid date pattern")
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Day, month and year.
    Full,
    /// Month and day, or month and year.
    Partial,
    /// `3/14`.
    NumericMonthDay,
}

/// Classifies a match, or rejects it (`13/45/2020`, `2.0-3.0`).
fn classify(m: &str) -> Option<Kind> {
    let nums: Vec<&str> = m.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).collect();
    // ordinal suffixes and "of" have two letters; a month name has three or more
    if m.split(|c: char| !c.is_ascii_alphabetic()).any(|w| w.len() >= 3) {
        let short_year = m.contains('\'');
        let year = short_year || nums.iter().any(|n| n.len() == 4);
        let days = nums.iter().filter(|n| n.len() <= 2).count().saturating_sub(usize::from(short_year));
        return Some(if year && days > 0 { Kind::Full } else { Kind::Partial });
    }
    let v: Vec<u32> = nums.iter().map(|n| n.parse().unwrap_or(0)).collect();
    let md = |mo: u32, d: u32| (1..=12).contains(&mo) && (1..=31).contains(&d);
    match v.as_slice() {
        [y, mo, d] if nums[0].len() == 4 => (md(*mo, *d) && *y >= 1900).then_some(Kind::Full),
        [mo, d, _] if nums[2].len() != 3 => (md(*mo, *d) || md(*d, *mo)).then_some(Kind::Full),
        [mo, d] => md(*mo, *d).then_some(Kind::NumericMonthDay),
        _ => None,
    }
}

/// A date of the folded view: `(start, end, kind)`.
pub(crate) type DateSpan = (usize, usize, Kind);

/// [`dates_in`] of a draft's folded view, scanned once per draft (the date
/// rule and the model's candidates both read it).
pub(crate) fn dates_of<'i>(input: &'i Input<'_>) -> &'i [DateSpan] {
    input.scans.dates.get_or_init(|| dates_in(input.norm.text()).collect())
}

/// Whether [`DATE`] can match at all: every alternative but `last|this
/// past <day>` has an ASCII digit, and those two have `last ` or `past `.
fn may_have_date(b: &[u8]) -> bool {
    b.iter().any(u8::is_ascii_digit)
        || b.windows(5).any(|w| {
            (w[0] | 0x20 == b'l' || w[0] | 0x20 == b'p')
                && w[1] | 0x20 == b'a'
                && w[2] | 0x20 == b's'
                && w[3] | 0x20 == b't'
                && w[4] == b' '
        })
}

/// Every date of a folded text more specific than a year, as `(start, end,
/// kind)`, whoever it belongs to: not the parts of a longer number run
/// (`555-201-8834`, `1.2.3.4`) or a hashtag.
pub(super) fn dates_in(text: &str) -> impl Iterator<Item = (usize, usize, Kind)> + '_ {
    let b = text.as_bytes();
    let text = if may_have_date(b) { text } else { "" };
    DATE.find_iter(text).filter_map(move |m| {
        let trimmed = m.as_str().trim_end_matches(|c: char| !c.is_ascii_alphanumeric());
        let (s, e) = (m.start(), m.start() + trimmed.len());
        let kind = classify(trimmed)?;
        let in_run =
            (e < b.len() && matches!(b[e], b'-' | b'/' | b'.') && e + 1 < b.len() && b[e + 1].is_ascii_digit())
                || (s > 0 && matches!(b[s - 1], b'-' | b'/' | b'.' | b'#'));
        (!in_run).then_some((s, e, kind))
    })
}

/// Whether an event cue other than a time of day (`8am`, `noon`) lies in
/// `start..end`: a time is an appointment's as much as an event's.
fn event_besides_times(ctx: &Context<'_>, start: usize, end: usize) -> bool {
    const TIMES: &[&str] = &["am", "pm", "a.m.", "p.m.", "noon"];
    ctx.cues_in(start, end)
        .any(|c| c.roles & role::EVENT != 0 && !TIMES.iter().any(|t| ctx.text[c.start..c.end].eq_ignore_ascii_case(t)))
}

/// Reports the person-related dates of a draft.
pub(super) fn detect(input: &Input<'_>, ctx: &Context<'_>, names_found: bool, sink: &mut Sink<'_>) {
    let text = ctx.text;
    // a reply that speaks to someone of their own care ("@liz_b your scan is
    // rebooked for 3/22") is about that person: their dates are personal
    let addressed = ctx.has(role::YOUR_CARE) && super::advice::is_reply(text);
    let case = ctx.has(role::CASE) || names_found;
    // every kind of personal date needs a patient in the draft or a birth/death word
    if !case && !addressed && !ctx.has(role::DATE_STRONG) {
        return;
    }
    for &(s, e, kind) in dates_of(input) {
        let s0 = sentence_start(text, s);
        let s1 = sentence_end(text, e);
        let before = s.saturating_sub(90).max(s0);
        let strong = ctx.has_in(role::DATE_STRONG, s.saturating_sub(40).max(s0), s);
        let event = ctx.has_in(role::EVENT, s0, s1);
        let personal = || {
            let tie = role::DATE_TRIGGER;
            let trigger = ctx.has_in(tie, before, s) || ctx.has_in(tie, e, (e + 40).min(s1));
            let near_trigger = ctx.has_in(tie, s.saturating_sub(30).max(s0), s);
            match kind {
                Kind::Full => case && (trigger || !event),
                Kind::Partial => trigger && case && !event,
                Kind::NumericMonthDay => near_trigger && case && !event,
            }
        };
        let rule = if strong || personal() {
            RULE
        } else if addressed && ctx.has_in(role::YOUR_CARE, s0, s1) && !event_besides_times(ctx, s0, s1) {
            // spoken to its owner, a date in the sentence of "your scan" is
            // theirs, and "at 8am" there is the appointment's time
            RULE_REPLY
        } else {
            continue;
        };
        let span = input.norm.span(s, e);
        let masked = mask_all(&input.text[span.start..span.end]);
        let (message, suggestion) = if rule == RULE {
            (
                format!(
                    "Date tied to a person ({masked}): birth, admission, discharge, visit and death dates are HIPAA \
                     identifiers."
                ),
                "Remove the date, or keep only the year.",
            )
        } else {
            (
                format!(
                    "Date of the care of the person this reply answers ({masked}): in public, it confirms they are \
                     a patient and when they were seen."
                ),
                "Answer them in a private message.",
            )
        };
        sink.push(rule, Some(span), message, Some(suggestion.into()), Some(Identifier::Date));
    }
}
