//! Evidence predicates of `phi.name`: what the words around a candidate
//! say about it (a trigger word, an age after an initial, a record before
//! it, a staff role, a rank, a place, an eponym, a public figure...). Each
//! answers one question and decides nothing alone; the decision is in
//! [`super::scan_words`] and its table.

use super::candidates::{word, Body, Part, Tok};
use crate::engine::context::vocab::{self, role};
use crate::engine::context::words::WordLists;
use crate::engine::context::{leading_word, sentence_end, sentence_end_within, sentence_start, Context};
use regex::Regex;
use std::sync::LazyLock;

/// A trigger word right before the name (`patient`, `named`, `baby`), or
/// `baby girl` / `newborn boy` before it.
pub(super) fn trigger_before(ctx: &Context<'_>, start: usize) -> bool {
    let wl = ctx.words;
    let Some(c) = ctx.cue_before(start) else { return false };
    let w = &ctx.text[c.start..c.end];
    if wl.baby_words.contains(w) {
        return false; // capitalised "Baby ...": see `baby_name`
    }
    if c.roles & role::NAME_TRIGGER != 0 {
        // "PT" in capitals is physical therapy, not a patient ("at Example PT.
        // Direct access"); "named Surgeon of the Year" is an award, not a name
        return !w.starts_with("PT") && !title_of(ctx.text, start);
    }
    (w.eq_ignore_ascii_case("girl") || w.eq_ignore_ascii_case("boy"))
        && ctx.cue_before(c.start).is_some_and(|p| {
            p.roles & role::NAME_TRIGGER != 0
                && p.end + 1 == c.start
                && !wl.baby_words.contains(&ctx.text[p.start..p.end])
        })
}

/// Whether the capitalised word at `start` opens a title (`Surgeon of the
/// Year`, `Chief of Staff`): it is followed by ` of ` and another capital.
fn title_of(text: &str, start: usize) -> bool {
    let rest = &text[start..];
    let end = rest.find(|c: char| !c.is_alphanumeric()).unwrap_or(rest.len());
    let after = &rest[end..];
    after.strip_prefix(" of ").is_some_and(|t| {
        let t = t.strip_prefix("the ").unwrap_or(t);
        t.starts_with(|c: char| c.is_uppercase())
    })
}

/// Every word of the run could be part of a person's name: none is a
/// facility, place, title or common word, and no capitalised word follows
/// the run (a title: "Results of Sleep Apnea Study Group").
pub(super) fn name_words(
    wl: &WordLists,
    text: &str,
    toks: &[Tok],
    parts: &[(Part, usize, usize)],
    next: usize,
) -> bool {
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
pub(super) fn initial_with_evidence(ctx: &Context<'_>, toks: &[Tok], i: usize, body: &Body) -> bool {
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
    let mut reach = sentence_end(text, end);
    if !ctx.has(role::NEWS) {
        reach = reach.max((end + 80).min(text.len()));
    }
    text.as_bytes()[end - 1] == b'.' && ctx.has_in(role::RECORD, sentence_start(text, start), reach)
}

/// An age or sex right after a name: `, 73,`, ` (73)`, `, 58F`, ` 66yo`.
pub(super) static AGE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)^(?:, ?\d{1,3}(?:[,;)]|\.(?:\s|$)|-?(?:[mf]|yo|y/o|y\.o\.)(?-u:\b)| ?-?(?:years?|yrs?|yr)[- ]old| (?:[mf]|yo|y/o|with|w/|who|presenting|presented|admitted|came|comes|on|s/p|h/o|hx)(?-u:\b))| ?\(\d{1,3} ?(?:[mf]|yo)?\)| \d{1,3} ?(?:[mf]|yo|y/o|years?[- ]old|yr[- ]old)(?-u:\b)|,? aged? \d)",
    )
    .expect("valid age-after pattern")
});

/// `summary/results/referral for <First Last>`: a record of one person's care
/// right before `for`/`of`/`on` names the patient, whether or not the name
/// is on a list (Nguyen Thi Lan, Chukwuemeka Eze, Agnieszka Wojcik).
pub(super) fn record_for_name(ctx: &Context<'_>, toks: &[Tok], i: usize, body: &Body) -> bool {
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
    let from = sentence_start(text, p).max(p.saturating_sub(40));
    (labelled || ctx.has_in(role::RECORD, from, p)) && name_words(wl, text, toks, &body.parts, body.next)
}

/// A staff role or staff news tied to the name right after it: `Ms. Rivera,
/// our new practice manager`, `Mr. Obi joins our team`, `Mrs. Okafor on her
/// retirement`. A "Thanks team!" in another sentence is not tied to it.
pub(super) fn staff_after(ctx: &Context<'_>, end: usize) -> bool {
    staff_word_after(ctx, end) || staff_clause_after(ctx.text, end)
}

/// "Mrs. Patterson for 40 years of volunteering", "Mr. Tran from
/// housekeeping", "Mr. Delgado's 4th grade class".
pub(super) fn staff_clause_after(text: &str, end: usize) -> bool {
    let mut stop = sentence_end_within(text, end, 90);
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    let from = if text[..end].ends_with("'s") { end - 2 } else { end };
    STAFF_CLAUSE.is_match(&text[from..stop.max(from)])
}

/// A staff role or staff-news word right after the name.
pub(super) fn staff_word_after(ctx: &Context<'_>, end: usize) -> bool {
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
pub(super) fn news_before(ctx: &Context<'_>, start: usize) -> bool {
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
    let (s0, s1) = (sentence_start(text, c.start), sentence_end(text, start));
    !ctx.has_in(role::CARE | role::CASE | role::PATIENT | role::RECORD, s0, s1)
}

/// Words after a name that make it a colleague's: a tenure, a department,
/// a class or team the person leads.
pub(super) static STAFF_CLAUSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?:^'s (?:(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|kindergarten|new) )?(?:grade )?(?:class|classroom|students|crew|staff|department|troop|choir|band)(?-u:\b)|(?-u:\b)(?:\d{1,2}|two|three|four|five|ten|fifteen|twenty|thirty|forty) (?:years?|decades?) (?:of (?:service|volunteering|volunteer work|work|dedication|caring for|teaching|nursing|leadership|commitment)|at (?:our|the|example)|with (?:us|our|the)|on (?:our|the) (?:unit|floor|team)|here(?-u:\b))|^,? who (?:has |have |had |'s )?(?:been )?(?:driv(?:es|en|ing)|drove|work(?:s|ed|ing)?|serv(?:es|ed|ing)|taught|teach(?:es|ing)|led|lead(?:s|ing)|manag(?:es|ed|ing)|cook(?:s|ed|ing)|clean(?:s|ed|ing)|volunteer(?:s|ed|ing)|run(?:s|ning)?|ran|greet(?:s|ed|ing)|staff(?:s|ed)|coach(?:es|ed|ing)|guard(?:s|ed|ing)|answer(?:s|ed|ing)|maintain(?:s|ed|ing)|fix(?:es|ed|ing)|bak(?:es|ed|ing))(?-u:\b)[ a-zA-Z0-9',-]{0,40}?(?-u:\b)(?:our|us|here)(?-u:\b)|(?-u:\b)(?:from|in|of) (?:our |the )?(?:housekeeping|environmental services|evs|accounting|billing|finance|pharmacy|facilities|maintenance|security|hr|human resources|nutrition services|dietary|food services|marketing|communications|registration|front desk|gift shop|cafeteria|administration|engineering|transport|supply chain|central supply|volunteer services|chaplaincy|medical records|health information|it department)(?-u:\b))",
    )
    .expect("valid staff-clause pattern")
});

/// A place in a race or contest right before the name (`1st place Maria
/// Lopez`, `Winner: Ahmed Khan`, `runner-up Ana Lima`): event results name
/// participants, not patients.
pub(super) fn ranked(text: &str, start: usize) -> bool {
    let mut from = start.saturating_sub(32);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    RANK_BEFORE.is_match(&text[from..start])
}

pub(super) static RANK_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?:(?-u:\b)\d{1,3}(?:st|nd|rd|th)(?: place| overall)?|(?-u:\b)(?:first|second|third|fourth|fifth)(?: place| overall)(?: winner)?|(?-u:\b)(?:first|second|third|fourth|fifth) ?:|(?-u:\b)(?:winners?|runners?[- ]up|champions?|finishers?|mvp|top fundraisers?|won by|placed))[ :,-]*$",
    )
    .expect("valid rank pattern")
});

/// `Mercy West`, `Sinai North`, `Baptist Central`: a two-word run ending in
/// a compass word, after a word that is not a given name, names a campus,
/// not a person (`Jane West` stays a name).
pub(super) fn compass_place(text: &str, parts: &[(Part, usize, usize)]) -> bool {
    const COMPASS: &[&str] =
        &["North", "South", "East", "West", "Northeast", "Northwest", "Southeast", "Southwest", "Central"];
    matches!(parts, [(Part::Word, s0, e0), (Part::Word, s, e)]
        if COMPASS.contains(&word(text, *s, *e)) && !vocab::is_first_name(word(text, *s0, *e0)))
}

/// A public figure talked about (`Magic Johnson's HIV diagnosis changed the
/// conversation`, `when the NBA star went public`): a word of public life in
/// the name's sentence and no patient, story or case word there.
pub(super) fn public_figure(ctx: &Context<'_>, start: usize, end: usize) -> bool {
    if !ctx.has(role::PUBLIC) {
        return false;
    }
    let (s0, s1) = (sentence_start(ctx.text, start), sentence_end(ctx.text, end));
    ctx.has_in(role::PUBLIC, s0, s1) && !ctx.has_in(role::PATIENT | role::STORY | role::CASE | role::OWNER, s0, s1)
}

/// The one staff/patient decision on a name at `start..end`, however it was
/// found: a staff role right before it, a rank before it (a race result), a
/// credential after it, or a staff word or clause tied to it.
pub(super) fn tied_to_staff(ctx: &Context<'_>, start: usize, end: usize) -> bool {
    staff_before(ctx, start)
        || ranked(ctx.text, start)
        || credential_after(ctx.words, ctx.text, end)
        || staff_after(ctx, end)
}

/// A staff role right before the name ("our nurse Kelly Chen").
pub(super) fn staff_before(ctx: &Context<'_>, start: usize) -> bool {
    ctx.cue_before(start).is_some_and(|c| c.roles & role::STAFF != 0)
}

/// A credential right after the name ("Sarah Jones, RN").
pub(super) fn credential_after(wl: &WordLists, text: &str, end: usize) -> bool {
    let rest = text[end..].trim_start_matches([',', ' ']);
    let w: &str = rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).next().unwrap_or("");
    !w.is_empty() && wl.credentials.contains(w)
}

/// A facility or place word inside the run or right after it.
pub(super) fn body_is_place(wl: &WordLists, text: &str, parts: &[(Part, usize, usize)]) -> bool {
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
pub(super) fn place_before(text: &str, toks: &[Tok], i: usize) -> bool {
    prev_word_is(
        text,
        toks,
        i,
        &["at", "from", "near", "via", "across", "around", "outside", "inside", "into", "toward", "towards", "through"],
    )
}

/// After a comma or `(`, or a word like `for`, `of`, `like`.
pub(super) fn weak_before(wl: &WordLists, text: &str, toks: &[Tok], i: usize) -> bool {
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
pub(super) fn apposition(wl: &WordLists, text: &str, toks: &[Tok], i: usize, end: usize) -> bool {
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
pub(super) fn name_slot(wl: &WordLists, text: &str, toks: &[Tok], i: usize, end: usize) -> bool {
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
pub(super) fn looks_like_a_common_word(w: &str) -> bool {
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
pub(super) fn looks_like_a_title_word(w: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "tion", "sion", "ment", "ness", "ity", "ism", "ology", "itis", "osis", "emia", "ing", "ics", "able", "ible",
        "ous", "ery", "ure", "land", "shire",
    ];
    let w = w.strip_suffix("'s").unwrap_or(w);
    let b = w.as_bytes();
    b.len() > 3
        && ENDINGS.iter().any(|e| b.len() > e.len() && b[b.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes()))
}

pub(super) fn prev_word_is(text: &str, toks: &[Tok], i: usize, words: &[&str]) -> bool {
    i > 0
        && toks[i - 1].e + 1 == toks[i].s
        && words.iter().any(|w| w.eq_ignore_ascii_case(&text[toks[i - 1].s..toks[i - 1].e]))
}

/// `Jessica's chart`, `John's notes`: a possessive before a care record.
pub(super) fn owns_record(wl: &WordLists, text: &str, end: usize) -> bool {
    if !text[..end].ends_with("'s") {
        return false;
    }
    let Some(rest) = text[end..].strip_prefix(' ') else { return false };
    let w: &str = leading_word(rest);
    wl.records.contains_any_case(w)
}
