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

use super::vocab::{self, role};
use super::words::WordLists;
use super::{leading_word, Context};
use crate::engine::mask::mask_words;
use crate::engine::{Identifier, Input, Sink};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const RULE: &str = "phi.name";

/// A name found in the folded view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NameHit {
    pub start: usize,
    pub end: usize,
}

/// A word token: ASCII letters with inner `'` or `-`.
#[derive(Debug, Clone, Copy)]
struct Tok {
    s: usize,
    e: usize,
}

fn tokens(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 5);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let s = i;
        i += 1;
        while i < b.len() {
            if b[i].is_ascii_alphabetic() {
                i += 1;
            } else if b[i] >= 0x80 {
                // a lower-case letter the fold keeps ("Małgorzata", "Søren")
                match text[i..].chars().next() {
                    Some(c) if c.is_alphabetic() && !c.is_uppercase() => i += c.len_utf8(),
                    _ => break,
                }
            } else if matches!(b[i], b'\'' | b'-') && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic() {
                i += 2;
            } else {
                break;
            }
        }
        // a word glued to digits ("55yo", "B12") is not a name part
        if i < b.len() && b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            continue;
        }
        out.push(Tok { s, e: i });
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A capitalised word with a lower-case letter ("Anna", "O'Brien").
    Word,
    /// One capital letter, with its `.` when there is one.
    Initial,
}

/// A run of name parts starting at token `i`.
struct Body {
    parts: Vec<(Part, usize, usize)>,
    /// Index of the first token after the body.
    next: usize,
}

fn part_of(wl: &WordLists, text: &str, t: Tok) -> Option<(Part, usize)> {
    let b = text.as_bytes();
    let w = &b[t.s..t.e];
    if !w[0].is_ascii_uppercase() {
        return None;
    }
    if w.len() == 1 {
        let end = if t.e < b.len() && b[t.e] == b'.' { t.e + 1 } else { t.e };
        return Some((Part::Initial, end));
    }
    if w[1..].iter().any(u8::is_ascii_lowercase) {
        let word = &text[t.s..t.e];
        if wl.honorifics.contains(word) || wl.providers.contains(word) {
            return None; // a new name starts here
        }
        return Some((Part::Word, t.e));
    }
    None
}

fn parse_body(wl: &WordLists, text: &str, toks: &[Tok], i: usize, max: usize) -> Body {
    let b = text.as_bytes();
    let mut parts = Vec::with_capacity(3);
    let mut j = i;
    while j < toks.len() && parts.len() < max {
        let Some((kind, end)) = part_of(wl, text, toks[j]) else { break };
        if let Some(&(pk, _, pe)) = parts.last() {
            // exactly one space from the previous part; a bare initial ends a name
            let prev_bare_initial = pk == Part::Initial && b[pe - 1] != b'.';
            if prev_bare_initial || toks[j].s != pe + 1 || b[pe] != b' ' {
                break;
            }
        }
        // a bare initial must stand alone: "John D seen", not "A1C"
        if kind == Part::Initial && end == toks[j].e && end < b.len() && !matches!(b[end], b' ' | b',' | b')' | b';') {
            break;
        }
        parts.push((kind, toks[j].s, end));
        j += 1;
    }
    Body { parts, next: j }
}

fn word(text: &str, s: usize, e: usize) -> &str {
    text[s..e].strip_suffix("'s").unwrap_or(&text[s..e])
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
        || has_named_initial(b)
    {
        scan_words(ctx, &mut hits);
    }
    if has_initials(b) {
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
fn has_named_initial(b: &[u8]) -> bool {
    b.windows(4)
        .any(|w| w[0].is_ascii_lowercase() && w[1] == b' ' && w[2].is_ascii_uppercase() && matches!(w[3], b'.' | b','))
}

/// Cheap test for `J.M.` / `J. M.` before running the initials pattern.
fn has_initials(b: &[u8]) -> bool {
    (0..b.len().saturating_sub(3)).any(|i| {
        b[i].is_ascii_uppercase()
            && b[i + 1] == b'.'
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            && (b[i + 2].is_ascii_uppercase() || (b[i + 2] == b' ' && b.get(i + 3).is_some_and(u8::is_ascii_uppercase)))
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
    let toks = tokens(text);
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let w = &text[t.s..t.e];
        if !b[t.s].is_ascii_uppercase() {
            // "my patient jessica": a lower-case given name right after a trigger
            if ctx.cue_before(t.s).is_some_and(|c| c.roles & role::NAME_TRIGGER != 0) && is_lowercase_first_name(w) {
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
                let body = parse_body(wl, text, &toks, j, 3);
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
        if i > 0 && wl.place_before.contains(&text[toks[i - 1].s..toks[i - 1].e]) && toks[i - 1].e + 2 >= t.s {
            i += 1;
            continue;
        }
        let body = parse_body(wl, text, &toks, i, 3);
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
        let accept = if strong {
            true
        } else if !care || (news && !case) || compass_place(text, &body.parts) || public_figure(ctx, start, end) {
            false
        } else {
            let gaz = vocab::is_first_name(first);
            // a relative of the patient ("her daughter Emily") is named like the patient
            let relative = ctx.cue_before(start).is_some_and(|c| c.roles & role::RELATIVE != 0);
            // the surname: the last word of the run
            let last = body.parts.iter().rev().find(|p| p.0 == Part::Word).map(|p| word(text, p.1, p.2));
            let surname = last.is_some_and(|l| l != first && vocab::is_surname(l) && !place_before(text, &toks, i));
            let dotted = b[end - 1] == b'.';
            relative && gaz
                || match body.parts.as_slice() {
                    [(Part::Word, ..), (Part::Initial, ..)] => gaz || dotted || weak_before(wl, text, &toks, i),
                    [(Part::Word, ..), (Part::Initial | Part::Word, ..), ..] => {
                        gaz || surname
                            || (case && (apposition(wl, text, &toks, i, end) || name_slot(wl, text, &toks, i, end)))
                    }
                    [(Part::Word, ..)] => {
                        (gaz || (case && !looks_like_a_common_word(first)))
                            && (apposition(wl, text, &toks, i, end) || owns_record(wl, text, t.e))
                    }
                    _ => false,
                }
        };
        // a name tied to a staff role is a colleague's, however it was found;
        // checked last, on the few accepted runs only
        if accept && !tied_to_staff(ctx, start, end) {
            hits.push(NameHit { start, end });
        }
        i = body.next.max(i + 1);
    }
}

fn capitalized(w: &str) -> String {
    let mut c = w.to_ascii_lowercase();
    if let Some(f) = c.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    c
}

/// A lower-case word that is a given name once capitalised ("jessica"), and
/// not an ordinary word that happens to be one ("will", "amber").
fn is_lowercase_first_name(w: &str) -> bool {
    w.len() >= 3
        && w.bytes().all(|c| c.is_ascii_lowercase())
        && vocab::is_first_name(&capitalized(w))
        && ![
            "amber", "ivy", "holly", "violet", "ruby", "crystal", "pearl", "rose", "daisy", "heather", "angel", "max",
            "ray", "don", "jack", "bob", "sue", "kay", "jo", "ed", "al", "lee", "will", "art", "gene", "dean", "rob",
            "rick", "jerry", "penny", "sky", "sandy", "misty", "destiny", "lacey", "lance", "toby", "ben", "tim",
            "jay", "jan", "pete", "summer", "faith", "hope", "joy", "grace", "june", "april", "may",
        ]
        .contains(&w)
}

/// A trigger word right before the name (`patient`, `named`, `baby`), or
/// `baby girl` / `newborn boy` before it.
fn trigger_before(ctx: &Context<'_>, start: usize) -> bool {
    let wl = ctx.words;
    let Some(c) = ctx.cue_before(start) else { return false };
    let w = &ctx.text[c.start..c.end];
    if wl.baby_words.contains(w) {
        return false; // capitalised "Baby ...": see `baby_name`
    }
    if c.roles & role::NAME_TRIGGER != 0 {
        return true;
    }
    (w.eq_ignore_ascii_case("girl") || w.eq_ignore_ascii_case("boy"))
        && ctx.cue_before(c.start).is_some_and(|p| {
            p.roles & role::NAME_TRIGGER != 0
                && p.end + 1 == c.start
                && !wl.baby_words.contains(&ctx.text[p.start..p.end])
        })
}

/// `Little Amara Okonkwo`, `sweet Sofia Hernandez`, `our little fighter
/// Mateo Rossi`: a full name right after a tender word for a child, in a
/// draft about someone's care. Either the word before the name is such a cue
/// ("our little fighter Mateo Rossi") or the capitalised token `i` starts one
/// ("Little Amara Okonkwo"). Needs two or three name words (a lone "Little
/// Rock" or "Sweet Caroline" is not enough) that could all be a name, and no
/// staff role tied to them ("little league coach Tom Reed" is a coach).
/// Returns the name's span and the token after it.
fn child_name(ctx: &Context<'_>, toks: &[Tok], i: usize) -> Option<(usize, usize, usize)> {
    let wl = ctx.words;
    let text = ctx.text;
    let b = text.as_bytes();
    let t = toks[i];
    let j = if ctx.cue_before(t.s).is_some_and(|c| c.roles & role::CHILD != 0 && c.end + 1 == t.s) {
        i
    } else {
        // a capitalised cue at the token: the name starts after it
        let at = ctx.cues.partition_point(|c| c.start < t.s);
        let c = ctx.cues.get(at).filter(|c| c.start == t.s && c.roles & role::CHILD != 0)?;
        let k = toks[i..].iter().position(|x| x.s > c.end)? + i;
        if toks[k].s != c.end + 1 || b[c.end] != b' ' {
            return None;
        }
        k
    };
    let body = parse_body(wl, text, toks, j, 3);
    if body.parts.len() < 2 || body.parts.iter().filter(|p| p.0 == Part::Word).count() < 2 {
        return None;
    }
    if body.parts[0].0 != Part::Word || !name_words(wl, text, toks, &body.parts, body.next) {
        return None;
    }
    let (_, start, e0) = body.parts[0];
    if body.parts.iter().any(|&(_, s, e)| wl.baby_words.contains(word(text, s, e))) || e0 - start < 2 {
        return None;
    }
    let end = body.parts[body.parts.len() - 1].2;
    if tied_to_staff(ctx, start, end) {
        return None;
    }
    Some((start, end, body.next))
}

/// `Baby Amara Okonkwo`, `Baby Girl Nwosu`, `Newborn Liam Tran`: the name
/// after a capitalised baby word, when it is shaped like one. Returns the
/// name's span and the token after it.
fn baby_name(ctx: &Context<'_>, toks: &[Tok], i: usize) -> Option<(usize, usize, usize)> {
    let wl = ctx.words;
    let text = ctx.text;
    let b = text.as_bytes();
    let adjacent = |j: usize| j < toks.len() && toks[j].s == toks[j - 1].e + 1 && b[toks[j - 1].e] == b' ';
    let mut j = i + 1;
    if !adjacent(j) {
        return None;
    }
    let sex = matches!(&text[toks[j].s..toks[j].e], "Girl" | "Boy" | "girl" | "boy");
    if sex {
        j += 1;
        if !adjacent(j) {
            return None;
        }
    }
    let body = parse_body(wl, text, toks, j, 3);
    if body.parts.is_empty() || body.parts[0].0 != Part::Word || !name_words(wl, text, toks, &body.parts, body.next) {
        return None;
    }
    if body.parts.iter().any(|&(k, s, e)| k == Part::Word && wl.baby_things.contains(word(text, s, e))) {
        return None;
    }
    let (_, s0, e0) = body.parts[0];
    let first = word(text, s0, e0);
    let words = body.parts.iter().filter(|p| p.0 == Part::Word).count();
    let birth = ctx.has(role::BIRTH); // "Welcome to the world, Baby Aarav!"
    if !(sex || birth || words >= 2 || vocab::is_first_name(first) || vocab::is_surname(first)) {
        return None;
    }
    let end = body.parts[body.parts.len() - 1].2;
    if tied_to_staff(ctx, s0, end) {
        return None;
    }
    Some((s0, end, body.next))
}

/// Every word of the run could be part of a person's name: none is a
/// facility, place, title or common word, and no capitalised word follows
/// the run (a title: "Results of Sleep Apnea Study Group").
fn name_words(wl: &WordLists, text: &str, toks: &[Tok], parts: &[(Part, usize, usize)], next: usize) -> bool {
    let b = text.as_bytes();
    for &(k, s, e) in parts {
        if k != Part::Word {
            continue;
        }
        let w = word(text, s, e);
        let listed = vocab::is_first_name(w) || vocab::is_surname(w);
        if wl.not_first.contains(w)
            || wl.facility.contains(w)
            || wl.not_surname.contains(w)
            || wl.title_words.contains(w)
            || (!listed && looks_like_a_title_word(w))
        {
            return false;
        }
    }
    if body_is_place(wl, text, parts) {
        return false;
    }
    let end = parts[parts.len() - 1].2;
    !(next < toks.len() && toks[next].s == end + 1 && b[end] == b' ' && b[toks[next].s].is_ascii_uppercase())
}

/// `<First> R.` / `<First> <Middle> R.` with strong evidence that it is a
/// patient, whatever the word lists say: an age or sex right after it
/// (`Ngozi R., 73,`), or a record or test in its sentence (`Priya R.: CT
/// shows...`).
fn initial_with_evidence(ctx: &Context<'_>, toks: &[Tok], i: usize, body: &Body) -> bool {
    let wl = ctx.words;
    let text = ctx.text;
    let parts = &body.parts;
    let n = parts.len();
    let end = parts[n - 1].2;
    // words, then initials: "Ngozi R.", "Thi Lan N.", "Ngozi A. R."
    let words = parts.iter().take_while(|p| p.0 == Part::Word).count();
    let shaped = (n == 2 || n == 3) && words >= 1 && parts[words..].iter().all(|p| p.0 == Part::Initial) && words < n;
    if !shaped || !name_words(wl, text, toks, &parts[..words], body.next) {
        return false;
    }
    if AGE_AFTER.is_match(&text[end..]) {
        return true; // "Ngozi R., 73," and "Ngozi R, 73,"
    }
    // a scan, result or diagnosis in its sentence, or just after it when no
    // staff news ("Thanks to Anna K. … results on the blog") is around
    let start = toks[i].s;
    let mut reach = super::sentence_end(text, end);
    if !ctx.has(role::NEWS) {
        reach = reach.max((end + 80).min(text.len()));
    }
    text.as_bytes()[end - 1] == b'.' && ctx.has_in(role::RECORD, super::sentence_start(text, start), reach)
}

/// An age or sex right after a name: `, 73,`, ` (73)`, `, 58F`, ` 66yo`.
static AGE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)^(?:, ?\d{1,3}(?:[,;)]|\.(?:\s|$)|-?(?:[mf]|yo|y/o|y\.o\.)(?-u:\b)| ?-?(?:years?|yrs?|yr)[- ]old| (?:[mf]|yo|y/o|with|w/|who|presenting|presented|admitted|came|comes|on|s/p|h/o|hx)(?-u:\b))| ?\(\d{1,3} ?(?:[mf]|yo)?\)| \d{1,3} ?(?:[mf]|yo|y/o|years?[- ]old|yr[- ]old)(?-u:\b)|,? aged? \d)",
    )
    .expect("valid age-after pattern")
});

/// `summary/results/referral for <First Last>`: a record of one person's care
/// right before `for`/`of`/`on` names the patient, whether or not the name
/// is on a list (Nguyen Thi Lan, Chukwuemeka Eze, Agnieszka Wojcik).
fn record_for_name(ctx: &Context<'_>, toks: &[Tok], i: usize, body: &Body) -> bool {
    let wl = ctx.words;
    let text = ctx.text;
    if i == 0 {
        return false;
    }
    let start = toks[i].s;
    // "Lab results: Tran Van Duc", "Discharge summary - Nguyen Thi Lan"
    let labelled = [": ", " - "].iter().find_map(|sep| text[..start].strip_suffix(sep)).is_some_and(|head| {
        let at = ctx.cues.partition_point(|c| c.end < head.len());
        ctx.cues.get(at).is_some_and(|c| c.end == head.len() && c.roles & role::RECORD != 0)
    });
    let p = toks[i - 1].s;
    if !labelled {
        if !prev_word_is(text, toks, i, &["for", "of", "on", "re"]) {
            return false;
        }
        if !text.as_bytes()[p].is_ascii_lowercase() {
            return false; // "Results For Sleep Apnea": a title
        }
    }
    let words = body.parts.iter().filter(|x| x.0 == Part::Word).count();
    let initials = body.parts.len() - words;
    if !(words >= 2 || (words == 1 && initials >= 1)) || toks[i].e - toks[i].s < 2 {
        return false;
    }
    // "the summary of Anna Kowalczyk's talk": whose talk, not whose record
    let end = body.parts[body.parts.len() - 1].2;
    if text[..end].ends_with("'s") && !owns_record(wl, text, end) {
        return false;
    }
    let from = super::sentence_start(text, p).max(p.saturating_sub(40));
    (labelled || ctx.has_in(role::RECORD, from, p)) && name_words(wl, text, toks, &body.parts, body.next)
}

/// A staff role or staff news tied to the name right after it: `Ms. Rivera,
/// our new practice manager`, `Mr. Obi joins our team`, `Mrs. Okafor on her
/// retirement`. A "Thanks team!" in another sentence is not tied to it.
fn staff_after(ctx: &Context<'_>, end: usize) -> bool {
    staff_word_after(ctx, end) || staff_clause_after(ctx.text, end)
}

/// "Mrs. Patterson for 40 years of volunteering", "Mr. Tran from
/// housekeeping", "Mr. Delgado's 4th grade class".
fn staff_clause_after(text: &str, end: usize) -> bool {
    let mut stop = super::sentence_end(text, end).min(end + 90);
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    let from = if text[..end].ends_with("'s") { end - 2 } else { end };
    STAFF_CLAUSE.is_match(&text[from..stop.max(from)])
}

/// A staff role or staff-news word right after the name.
fn staff_word_after(ctx: &Context<'_>, end: usize) -> bool {
    let wl = ctx.words;
    let text = ctx.text;
    let rest = &text[end..];
    // ", our new practice manager": after a comma and a determiner, any
    // words may describe the role; otherwise only the small gap words
    let described = rest.starts_with(", ") && wl.determiners.contains(leading_word(&rest[2..]));
    let at = ctx.cues.partition_point(|c| c.start < end);
    for c in &ctx.cues[at..] {
        // "Mr. Haddad, our patient (and a retired nurse)": a patient first
        let patient_and = c.roles == 0 && text[c.end..].starts_with(" and ");
        if c.start > end + 48 || c.roles & (role::PATIENT | role::STORY | role::RELATIVE) != 0 || patient_and {
            return false;
        }
        let w = &text[c.start..c.end];
        let tied = if c.roles & role::STAFF != 0 {
            // "Alice Davis, resident of 123 Maple Street": where she lives
            !(w.eq_ignore_ascii_case("resident") && text[c.end..].starts_with(" of "))
        } else if c.roles & role::NEWS != 0 {
            wl.staff_news.contains_any_case(w)
        } else if described || wl.gap_words.contains_any_case(w) {
            continue; // "our" is a cue too; so is "95-year-old" in a description
        } else {
            return false;
        };
        if !tied {
            return false;
        }
        let gap = &text[end..c.start];
        if gap.contains(['.', '!', '?', ';', ':', '(', '\n']) {
            return false;
        }
        let (mut n, mut other) = (0, 0);
        for g in gap.split([' ', ',']).filter(|g| !g.is_empty()) {
            n += 1;
            if !(g.bytes().all(|x| x.is_ascii_digit()) || wl.gap_words.contains_any_case(g)) {
                other += 1;
                // "our new MRI tech": an acronym may describe the role too
                if !described || !g.bytes().all(|x| x.is_ascii_alphanumeric() || x == b'-') {
                    return false;
                }
            }
        }
        return n <= 5 && other <= 3;
    }
    false
}

/// Staff news addressed to the name right before it (`Congrats Ms. Huang`,
/// `Happy retirement, Mrs. Okafor`, `Join Mr. Reyes for…`), in a sentence
/// with no care word: the name is a colleague's or a host's.
fn news_before(ctx: &Context<'_>, start: usize) -> bool {
    let wl = ctx.words;
    let text = ctx.text;
    let mut at = start;
    // "Congrats to Ms. Huang"
    let head = text[..start].trim_end();
    if head.len() >= 3 && head.as_bytes()[head.len() - 3..].eq_ignore_ascii_case(b" to") {
        at = head.len() - 3;
    }
    let Some(c) = ctx.cue_before(at) else { return false };
    let w = &text[c.start..c.end];
    if !wl.news_before.contains_any_case(w) {
        return false;
    }
    let (s0, s1) = (super::sentence_start(text, c.start), super::sentence_end(text, start));
    !ctx.has_in(role::CARE | role::CASE | role::PATIENT | role::RECORD, s0, s1)
}

/// Words after a name that make it a colleague's: a tenure, a department,
/// a class or team the person leads.
static STAFF_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?:^'s (?:(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|kindergarten|new) )?(?:grade )?(?:class|classroom|students|crew|staff|department|troop|choir|band)(?-u:\b)|(?-u:\b)(?:\d{1,2}|two|three|four|five|ten|fifteen|twenty|thirty|forty) (?:years?|decades?) (?:of (?:service|volunteering|volunteer work|work|dedication|caring for|teaching|nursing|leadership|commitment)|at (?:our|the|example)|with (?:us|our|the)|on (?:our|the) (?:unit|floor|team)|here(?-u:\b))|^,? who (?:has |have |had |'s )?(?:been )?(?:driv(?:es|en|ing)|drove|work(?:s|ed|ing)?|serv(?:es|ed|ing)|taught|teach(?:es|ing)|led|lead(?:s|ing)|manag(?:es|ed|ing)|cook(?:s|ed|ing)|clean(?:s|ed|ing)|volunteer(?:s|ed|ing)|run(?:s|ning)?|ran|greet(?:s|ed|ing)|staff(?:s|ed)|coach(?:es|ed|ing)|guard(?:s|ed|ing)|answer(?:s|ed|ing)|maintain(?:s|ed|ing)|fix(?:es|ed|ing)|bak(?:es|ed|ing))(?-u:\b)[ a-zA-Z0-9',-]{0,40}?(?-u:\b)(?:our|us|here)(?-u:\b)|(?-u:\b)(?:from|in|of) (?:our |the )?(?:housekeeping|environmental services|evs|accounting|billing|finance|pharmacy|facilities|maintenance|security|hr|human resources|nutrition services|dietary|food services|marketing|communications|registration|front desk|gift shop|cafeteria|administration|engineering|transport|supply chain|central supply|volunteer services|chaplaincy|medical records|health information|it department)(?-u:\b))",
    )
    .expect("valid staff-clause pattern")
});

/// A place in a race or contest right before the name (`1st place Maria
/// Lopez`, `Winner: Ahmed Khan`, `runner-up Ana Lima`): event results name
/// participants, not patients.
fn ranked(text: &str, start: usize) -> bool {
    let mut from = start.saturating_sub(32);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    RANK_BEFORE.is_match(&text[from..start])
}

static RANK_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?:(?-u:\b)\d{1,3}(?:st|nd|rd|th)(?: place| overall)?|(?-u:\b)(?:first|second|third|fourth|fifth)(?: place| overall)(?: winner)?|(?-u:\b)(?:first|second|third|fourth|fifth) ?:|(?-u:\b)(?:winners?|runners?[- ]up|champions?|finishers?|mvp|top fundraisers?|won by|placed))[ :,-]*$",
    )
    .expect("valid rank pattern")
});

/// `Mercy West`, `Sinai North`, `Baptist Central`: a two-word run ending in
/// a compass word, after a word that is not a given name, names a campus,
/// not a person (`Jane West` stays a name).
fn compass_place(text: &str, parts: &[(Part, usize, usize)]) -> bool {
    const COMPASS: &[&str] =
        &["North", "South", "East", "West", "Northeast", "Northwest", "Southeast", "Southwest", "Central"];
    matches!(parts, [(Part::Word, s0, e0), (Part::Word, s, e)]
        if COMPASS.contains(&word(text, *s, *e)) && !vocab::is_first_name(word(text, *s0, *e0)))
}

/// A public figure talked about (`Magic Johnson's HIV diagnosis changed the
/// conversation`, `when the NBA star went public`): a word of public life in
/// the name's sentence and no patient, story or case word there.
fn public_figure(ctx: &Context<'_>, start: usize, end: usize) -> bool {
    if !ctx.has(role::PUBLIC) {
        return false;
    }
    let (s0, s1) = (super::sentence_start(ctx.text, start), super::sentence_end(ctx.text, end));
    ctx.has_in(role::PUBLIC, s0, s1) && !ctx.has_in(role::PATIENT | role::STORY | role::CASE | role::OWNER, s0, s1)
}

/// The one staff/patient decision on a name at `start..end`, however it was
/// found: a staff role right before it, a rank before it (a race result), a
/// credential after it, or a staff word or clause tied to it.
fn tied_to_staff(ctx: &Context<'_>, start: usize, end: usize) -> bool {
    staff_before(ctx, start)
        || ranked(ctx.text, start)
        || credential_after(ctx.words, ctx.text, end)
        || staff_after(ctx, end)
}

/// A staff role right before the name ("our nurse Kelly Chen").
fn staff_before(ctx: &Context<'_>, start: usize) -> bool {
    ctx.cue_before(start).is_some_and(|c| c.roles & role::STAFF != 0)
}

/// A credential right after the name ("Sarah Jones, RN").
fn credential_after(wl: &WordLists, text: &str, end: usize) -> bool {
    let rest = text[end..].trim_start_matches([',', ' ']);
    let w: &str = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).next().unwrap_or("");
    !w.is_empty() && wl.credentials.contains(w)
}

/// A facility or place word inside the run or right after it.
fn body_is_place(wl: &WordLists, text: &str, parts: &[(Part, usize, usize)]) -> bool {
    let b = text.as_bytes();
    for &(k, s, e) in &parts[1..] {
        let w = word(text, s, e);
        if k == Part::Word
            && (wl.facility.contains(w)
                || wl.not_surname.contains(w)
                || (wl.not_first.contains(w) && !vocab::is_surname(w)))
        {
            return true;
        }
    }
    let end = parts.last().map(|p| p.2).unwrap_or(0);
    if end < b.len() && b[end] == b' ' {
        let rest = &text[end + 1..];
        let w: &str = rest.split(|c: char| !(c.is_ascii_alphabetic() || c == '\'')).next().unwrap_or("");
        if !w.is_empty() && w.as_bytes()[0].is_ascii_uppercase() && wl.facility.contains(w) {
            return true;
        }
        // an eponym: "Tommy John surgery", "Mary Mallon syndrome"
        if wl.eponym_after.contains_any_case(w) {
            return true;
        }
    }
    false
}

/// After `at`, `from`, `near`...: a place ("seen at Johns Hopkins").
fn place_before(text: &str, toks: &[Tok], i: usize) -> bool {
    prev_word_is(
        text,
        toks,
        i,
        &["at", "from", "near", "via", "across", "around", "outside", "inside", "into", "toward", "towards", "through"],
    )
}

/// After a comma or `(`, or a word like `for`, `of`, `like`.
fn weak_before(wl: &WordLists, text: &str, toks: &[Tok], i: usize) -> bool {
    let b = text.as_bytes();
    let s = toks[i].s;
    let mut k = s;
    while k > 0 && b[k - 1] == b' ' {
        k -= 1;
    }
    if k > 0 && matches!(b[k - 1], b',' | b'(' | b':' | b';') {
        return true;
    }
    i > 0 && toks[i - 1].e == k && wl.weak_before.contains_any_case(&text[toks[i - 1].s..k])
}

/// `…female, Anna, seen at…`: a lone first name set off by commas after a
/// word describing the patient.
fn apposition(wl: &WordLists, text: &str, toks: &[Tok], i: usize, end: usize) -> bool {
    let b = text.as_bytes();
    let s = toks[i].s;
    if s < 2 || &b[s - 2..s] != b", " || i == 0 {
        return false;
    }
    let prev = &text[toks[i - 1].s..toks[i - 1].e];
    let prev_ok = toks[i - 1].e == s - 2 && wl.descriptors.contains_any_case(prev);
    let after_ok = end >= b.len() || matches!(b[end], b',' | b'(' | b')');
    prev_ok && after_ok
}

/// A two-word run where a patient's name goes in a case description: after
/// a comma, `(` or `like`/`for`/`to`..., and before a comma, `(`, or a word
/// that continues the description (`who`, `from`, `age`...).
/// "…with metastatic melanoma, Brannigan Fairweather, last treated at…"
fn name_slot(wl: &WordLists, text: &str, toks: &[Tok], i: usize, end: usize) -> bool {
    let b = text.as_bytes();
    if text[toks[i].s..end].split([' ', '.']).any(looks_like_a_common_word) {
        return false; // "Sundowning Behavior", "Costa Rica"
    }
    if toks[i].e - toks[i].s < 3 || !(weak_before(wl, text, toks, i) || prev_word_is(text, toks, i, &["in"])) {
        return false;
    }
    if end >= b.len() || matches!(b[end], b',' | b'(' | b')' | b';' | b'?') {
        return true;
    }
    if b[end] != b' ' {
        return false;
    }
    let next: &str = leading_word(&text[end + 1..]);
    [
        "who", "from", "age", "aged", "a", "an", "was", "is", "had", "has", "with", "seen", "admitted", "visited",
        "treated",
    ]
    .contains(&next)
}

/// Endings of English nouns, adjectives and place names that surnames
/// rarely have. Only used for names found by position, never for listed ones.
fn looks_like_a_common_word(w: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "tion", "sion", "ment", "ness", "ity", "ior", "ance", "ence", "ism", "ics", "als", "ing", "ive", "ous", "able",
        "ible", "ology", "itis", "osis", "emia", "ase", "ide", "ica", "ia", "land", "stan", "shire", "ure", "ery",
        "ary",
    ];
    let w = w.strip_suffix("'s").unwrap_or(w).to_ascii_lowercase();
    w.len() > 3 && ENDINGS.iter().any(|e| w.ends_with(e))
}

/// Endings of English nouns and adjectives in programme and study titles
/// ("Screening", "Prevention", "Awareness"). Narrower than
/// [`looks_like_a_common_word`]: names end in -ia, -ica or -ide too
/// ("Siosaia", "Jessica", "Adelaide").
fn looks_like_a_title_word(w: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "tion", "sion", "ment", "ness", "ity", "ism", "ology", "itis", "osis", "emia", "ing", "ics", "able", "ible",
        "ous", "ery", "ure", "land", "shire",
    ];
    let w = w.strip_suffix("'s").unwrap_or(w);
    let b = w.as_bytes();
    b.len() > 3
        && ENDINGS.iter().any(|e| b.len() > e.len() && b[b.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
}

fn prev_word_is(text: &str, toks: &[Tok], i: usize, words: &[&str]) -> bool {
    i > 0
        && toks[i - 1].e + 1 == toks[i].s
        && words.iter().any(|w| w.eq_ignore_ascii_case(&text[toks[i - 1].s..toks[i - 1].e]))
}

/// `Jessica's chart`, `John's notes`: a possessive before a care record.
fn owns_record(wl: &WordLists, text: &str, end: usize) -> bool {
    if !text[..end].ends_with("'s") {
        return false;
    }
    let Some(rest) = text[end..].strip_prefix(' ') else { return false };
    let w: &str = leading_word(rest);
    wl.records.contains_any_case(w)
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
