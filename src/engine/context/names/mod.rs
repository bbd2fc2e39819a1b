//! `phi.name`: person names in a patient context.
//!
//! Candidates are runs of capitalised words and initials ("Anna S.",
//! "Jane A. Doe", "Mr. D. Jones") found by a byte scan of the folded text.
//! A candidate is a patient's name when
//! - an honorific (`Mr.`, `Mrs.`, `Ms.`, `Miss`) introduces it, unless the
//!   name itself is tied to a staff role (`Ms. Rivera, our new practice
//!   manager`, `Mr. Obi joins our team`);
//! - a trigger word right before it says so (`patient`, `pt`, `named`,
//!   `name:`, `baby`, `baby girl`, `client`), or it follows a capitalised
//!   `Baby`/`Newborn` and has a name's shape (`Baby Amara Okonkwo`);
//! - a tender word for a child comes right before a full name in a draft
//!   with a care word or a care unit (`Little Amara Okonkwo went home after
//!   6 weeks in our NICU`, `our little fighter Mateo Rossi rang the bell`);
//!   a lone word (`Little Rock`) or a staff tie (`little league coach Tom
//!   Reed`) is not enough;
//! - it is a first name and an initial with an age after it or a scan or
//!   result in its sentence (`Ngozi R., 73,`), or a run of two or three
//!   capitalised words after a record and `for`/`of` (`discharge summary for
//!   Nguyen Thi Lan`): these need no word list;
//! - or the draft is about someone's care and the candidate has the shape of
//!   a name: a common first name plus a surname or an initial, or any
//!   capitalised word plus an initial after a comma or `for`/`of`/`like`.
//!   Only these weak shapes are silenced by staff news elsewhere in the draft
//!   ("Thanks team!", "Welcome").
//!
//! The first-name and surname lists (`first_names.txt`, `surnames.txt`) are
//! signals, not the definition: "Ingeborg T." has a name's shape, and
//! "Tadeusz Kowalski" has a common surname. Facility and place words
//! ("Henry Ford Hospital", "Ann Arbor") and eponyms ("Tommy John surgery")
//! end a candidate. A relative's name (`her daughter Emily`) in a care draft
//! and a lower-case given name right after a trigger (`my patient jessica`)
//! are names too.
//!
//! A job clause after the name (`Mr. Jenkins, who has driven our shuttle
//! for 20 years`) makes it staff; a rank before it (`1st place Maria
//! Lopez`) makes it a race result; a two-word run ending in a compass word
//! (`Mercy West`) is a campus; and a weak name shape in a sentence about
//! public life (`announced`, `went public`, `NBA`) with no patient word is a
//! public figure.
//!
//! Providers (`Dr. Smith`) are reported only in a draft about one patient
//! ("seen by Dr. Smith on…" narrows down who the patient is) and never in
//! staff news. A name after a staff role (`our nurse Kelly Chen`) or before a
//! credential (`Sarah Jones, RN`) is staff and is left alone.
//!
//! The code is in three parts: [`candidates`] finds runs of name parts,
//! [`evidence`] holds the predicates on the words around them, and this
//! module decides ([`scan_words`], with the table of
//! [`weak_shape_accepted`] for the weaker shapes).

mod candidates;
mod evidence;

use super::vocab::{self, role};
use super::Context;
use crate::engine::mask::mask_words;
use crate::engine::{Identifier, Input, Sink};
use candidates::{
    baby_name, capitalized, child_name, is_lowercase_first_name, parse_body, tokens, word, Body, Part, Tok,
};
use evidence::{
    apposition, body_is_place, compass_place, initial_with_evidence, looks_like_a_common_word, name_slot, news_before,
    owns_record, place_before, public_figure, record_for_name, tied_to_staff, trigger_before, weak_before,
};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const RULE: &str = "phi.name";

/// A name found in the folded view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NameHit {
    pub start: usize,
    pub end: usize,
}

/// Initials with an age or sex ("J.M., 47M") or after a trigger ("pt J.M.").
static INITIALS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b[A-Z]\.(?: ?[A-Z]\.){1,2}").expect("valid initials pattern"));
static AGE_SEX_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)^,? ?(?:\d{1,3} ?(?:[MF](?-u:\b)|yo(?-u:\b)|y/o|y\.o\.|-?years?[- ]old|-?year-old|yrs?(?-u:\b))|age \d|aged \d)")
        .expect("valid age pattern")
});

/// Every patient name in the folded text.
pub(super) fn find(ctx: &Context<'_>) -> Vec<NameHit> {
    let text = ctx.text;
    let b = text.as_bytes();
    let mut hits = Vec::new();
    if !ctx.has(role::NAME_TRIGGER) && !b.iter().any(u8::is_ascii_uppercase) {
        return hits;
    }
    if ctx.has(role::CARE | role::NAME_TRIGGER | role::HONORIFIC | role::RECORD)
        || (ctx.has(role::CHILD) && ctx.has(role::UNIT))
        || has_named_initial(text)
    {
        scan_words(ctx, &mut hits);
    }
    if has_initials(text) {
        for m in INITIALS.find_iter(text) {
            if hits.iter().any(|h| h.start < m.end() && m.start() < h.end) {
                continue;
            }
            let aged = AGE_SEX_AFTER.is_match(&text[m.end()..]);
            let trigger = ctx.cue_before(m.start()).is_some_and(|c| c.roles & role::NAME_TRIGGER != 0);
            if aged || trigger {
                hits.push(NameHit { start: m.start(), end: m.end() });
            }
        }
    }
    hits.sort_by_key(|h| h.start);
    hits
}

/// Cheap test for `Anna R.` / `Anna R,`: a word, a space, a capital and a
/// dot or comma.
/// The dots and commas are found by a byte search, and only the three bytes
/// before each are looked at.
fn has_named_initial(text: &str) -> bool {
    let b = text.as_bytes();
    let before =
        |p: usize| p >= 3 && b[p - 3].is_ascii_lowercase() && b[p - 2] == b' ' && b[p - 1].is_ascii_uppercase();
    text.match_indices('.').any(|(p, _)| before(p)) || text.match_indices(',').any(|(p, _)| before(p))
}

/// Cheap test for `J.M.` / `J. M.` before running the initials pattern.
/// The dots are found by a byte search; a capital `b[i]` before the dot at
/// `i + 1`, with `i + 3` inside the text.
fn has_initials(text: &str) -> bool {
    let b = text.as_bytes();
    text.match_indices('.').any(|(d, _)| {
        d >= 1 && d + 2 < b.len() && {
            let i = d - 1;
            b[i].is_ascii_uppercase()
                && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
                && (b[i + 2].is_ascii_uppercase()
                    || (b[i + 2] == b' ' && b.get(i + 3).is_some_and(u8::is_ascii_uppercase)))
        }
    })
}

/// The capitalised-word scan: honorifics, providers, trigger words and
/// name-shaped runs in a care draft.
fn scan_words(ctx: &Context<'_>, hits: &mut Vec<NameHit>) {
    let wl = ctx.words;
    let text = ctx.text;
    let b = text.as_bytes();
    let care = ctx.has(role::CARE);
    let case = ctx.has(role::CASE);
    let news = ctx.has(role::NEWS);
    // no trigger cue in the draft: no lower-case word comes right after one
    let trigger = ctx.has(role::NAME_TRIGGER);
    let toks = tokens(text);
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let w = &text[t.s..t.e];
        if !b[t.s].is_ascii_uppercase() {
            // "my patient jessica": a lower-case given name right after a trigger
            // (cheap gates first: a trigger in the draft, and three letters
            // or more, as `is_lowercase_first_name` asks)
            if trigger
                && w.len() >= 3
                && ctx.cue_before(t.s).is_some_and(|c| c.roles & role::NAME_TRIGGER != 0)
                && is_lowercase_first_name(w)
            {
                let mut end = t.e;
                if i + 1 < toks.len() && toks[i + 1].s == t.e + 1 && b[t.e] == b' ' {
                    let next = &text[toks[i + 1].s..toks[i + 1].e];
                    if vocab::is_surname(&capitalized(next)) {
                        end = toks[i + 1].e;
                    }
                }
                hits.push(NameHit { start: t.s, end });
            }
            i += 1;
            continue;
        }
        let honorific = wl.honorifics.contains(w);
        let provider = wl.providers.contains(w);
        if honorific || provider {
            let mut after = t.e;
            if after < b.len() && b[after] == b'.' {
                after += 1;
            }
            if i + 1 < toks.len() && after < b.len() && b[after] == b' ' && toks[i + 1].s == after + 1 {
                // "Ms. de la Cruz", "Mr. van der Berg": particles before the surname
                let mut j = i + 1;
                while j + 1 < toks.len()
                    && j < i + 3
                    && wl.particles.contains(&text[toks[j].s..toks[j].e])
                    && toks[j + 1].s == toks[j].e + 1
                {
                    j += 1;
                }
                let body = parse_body(wl, text, &toks, j);
                if !body.parts.is_empty() {
                    let end = body.parts[body.parts.len() - 1].2;
                    let staff = tied_to_staff(ctx, t.s, end)
                        || (honorific && news_before(ctx, t.s))
                        || body_is_place(wl, text, &body.parts);
                    // "Don't Miss Out": a bare "Miss" needs a name after it
                    let plain_word = after == t.e && matches!(w, "Miss" | "Mister") && {
                        let (k, s0, e0) = body.parts[0];
                        let n = word(text, s0, e0);
                        k == Part::Word && !vocab::is_first_name(n) && !vocab::is_surname(n)
                    };
                    // "Mr./Ms. Surname" is a patient unless the name itself is tied to
                    // a staff role; a "Thanks team!" elsewhere in the draft does not
                    // make a patient a colleague. Providers are named in a case only.
                    let report = if honorific { !staff && !plain_word } else { !staff && case && !news };
                    if report {
                        hits.push(NameHit { start: t.s, end });
                    }
                    i = body.next;
                    continue;
                }
            }
            i += 1;
            continue;
        }
        if wl.baby_words.contains(w) {
            // "Baby Amara Okonkwo", "Baby Girl Nwosu": a newborn's name
            if let Some((start, end, next)) = baby_name(ctx, &toks, i) {
                hits.push(NameHit { start, end });
                i = next;
                continue;
            }
            i += 1;
            continue;
        }
        if ctx.has(role::CHILD) && ctx.has(role::CARE | role::UNIT) {
            // "Little Amara Okonkwo went home", "our little fighter Mateo Rossi"
            if let Some((start, end, next)) = child_name(ctx, &toks, i) {
                hits.push(NameHit { start, end });
                i = next;
                continue;
            }
        }
        if i > 0 && toks[i - 1].e + 2 >= t.s && wl.place_before.contains(&text[toks[i - 1].s..toks[i - 1].e]) {
            i += 1;
            continue;
        }
        let body = parse_body(wl, text, &toks, i);
        if body.parts.is_empty() || body.parts[0].0 != Part::Word {
            i += 1;
            continue;
        }
        let first = word(text, body.parts[0].1, t.e);
        if wl.not_first.contains(first) || wl.facility.contains(first) || body_is_place(wl, text, &body.parts) {
            i += 1;
            continue;
        }
        let start = body.parts[0].1;
        let end = body.parts[body.parts.len() - 1].2;
        // Strong evidence stands on its own, whatever else the draft says:
        // a trigger word, "<First> R., 73," or "<First> R." next to a scan or
        // result, "summary/results/referral for <First Last>". Draft-level
        // cues (care words, staff news) only weigh on the weaker shapes below.
        let strong = trigger_before(ctx, start)
            || initial_with_evidence(ctx, &toks, i, &body)
            || record_for_name(ctx, &toks, i, &body);
        let accept = strong || weak_shape_accepted(ctx, &toks, i, &body, (care, case, news));
        // a name tied to a staff role is a colleague's, however it was found;
        // checked last, on the few accepted runs only
        if accept && !tied_to_staff(ctx, start, end) {
            hits.push(NameHit { start, end });
        }
        i = body.next.max(i + 1);
    }
}

/// The decision table for a name-shaped run that no strong evidence names
/// (`care`, `case`, `news`: whether the draft has a care word, a case word,
/// staff news). The first row that applies decides:
///
/// | the run | a patient's name when |
/// |---|---|
/// | any, in a draft without a care word, in staff news that is no case, a campus (`Mercy West`), a public figure talked about | never |
/// | a given name after a relative (`her daughter Emily`) | always |
/// | `Word Initial` (`Anna S.`) | a listed given name, or a dotted initial, or a weak word before (`for`, `,`) |
/// | `Word Word…`, `Word Initial …` | a listed given name or surname, or, in a case, an apposition or a name slot |
/// | `Word` | a listed given name or, in a case, no common word; and an apposition or a record after it (`Jessica's chart`) |
/// | anything else | never |
fn weak_shape_accepted(
    ctx: &Context<'_>,
    toks: &[Tok],
    i: usize,
    body: &Body,
    (care, case, news): (bool, bool, bool),
) -> bool {
    let wl = ctx.words;
    let text = ctx.text;
    let first = word(text, body.parts[0].1, toks[i].e);
    let (start, end) = (body.parts[0].1, body.parts[body.parts.len() - 1].2);
    if !care || (news && !case) || compass_place(text, &body.parts) || public_figure(ctx, start, end) {
        return false;
    }
    let gaz = vocab::is_first_name(first);
    // a relative of the patient ("her daughter Emily") is named like the patient
    let relative = ctx.cue_before(start).is_some_and(|c| c.roles & role::RELATIVE != 0);
    // the surname: the last word of the run
    let last = body.parts.iter().rev().find(|p| p.0 == Part::Word).map(|p| word(text, p.1, p.2));
    let surname = last.is_some_and(|l| l != first && vocab::is_surname(l) && !place_before(text, toks, i));
    let dotted = text.as_bytes()[end - 1] == b'.';
    relative && gaz
        || match &body.parts[..] {
            [(Part::Word, ..), (Part::Initial, ..)] => gaz || dotted || weak_before(wl, text, toks, i),
            [(Part::Word, ..), (Part::Initial | Part::Word, ..), ..] => {
                gaz || surname || (case && (apposition(wl, text, toks, i, end) || name_slot(wl, text, toks, i, end)))
            }
            [(Part::Word, ..)] => {
                (gaz || (case && !looks_like_a_common_word(first)))
                    && (apposition(wl, text, toks, i, end) || owns_record(wl, text, toks[i].e))
            }
            _ => false,
        }
}

/// Records the names found as `phi.name` findings.
pub(super) fn report(input: &Input<'_>, hits: &[NameHit], sink: &mut Sink<'_>) {
    for h in hits {
        let span = input.norm.span(h.start, h.end);
        let masked = mask_words(&input.text[span.start..span.end]);
        sink.push(
            RULE,
            Some(span),
            format!("Name in a patient context ({masked}): a patient's name is a HIPAA identifier."),
            Some("Remove the name, or describe the person without it (\"a patient in her 60s\").".into()),
            Some(Identifier::Name),
        );
    }
}
