//! Candidates of `phi.name`: word tokens, runs of name parts (capitalised
//! words and initials) and the forms a cue word introduces (`Baby Amara
//! Okonkwo`, `our little fighter Mateo Rossi`).

use super::evidence::{name_words, tied_to_staff};
use crate::engine::context::vocab::{self, role};
use crate::engine::context::words::WordLists;
use crate::engine::context::Context;

/// A word token: ASCII letters with inner `'` or `-`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    pub(super) s: usize,
    pub(super) e: usize,
}

pub(super) fn tokens(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 5);
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        if i > 0 && b[i - 1].is_ascii_alphanumeric() {
            // no token starts here nor at the letters right after (each has
            // a letter before it): skip them all
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
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
pub(super) enum Part {
    /// A capitalised word with a lower-case letter ("Anna", "O'Brien").
    Word,
    /// One capital letter, with its `.` when there is one.
    Initial,
}

/// A run of name parts starting at token `i`.
pub(super) struct Body {
    pub(super) parts: Parts,
    /// Index of the first token after the body.
    pub(super) next: usize,
}

/// The most parts a [`Body`] has.
const MAX_PARTS: usize = 3;

/// The parts of a [`Body`], `(kind, start, end)`, at most [`MAX_PARTS`],
/// kept inline: a body is parsed at almost every capitalised word and most
/// are dropped at once, so a heap list would be an allocation per word.
/// Reads as a slice.
#[derive(Clone, Copy)]
pub(super) struct Parts {
    buf: [(Part, usize, usize); MAX_PARTS],
    len: usize,
}

impl Parts {
    fn new() -> Parts {
        Parts { buf: [(Part::Word, 0, 0); MAX_PARTS], len: 0 }
    }

    fn push(&mut self, part: (Part, usize, usize)) {
        self.buf[self.len] = part;
        self.len += 1;
    }
}

impl std::ops::Deref for Parts {
    type Target = [(Part, usize, usize)];

    fn deref(&self) -> &Self::Target {
        &self.buf[..self.len]
    }
}

pub(super) fn part_of(wl: &WordLists, text: &str, t: Tok) -> Option<(Part, usize)> {
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

/// The run of name parts from token `i` on, at most [`MAX_PARTS`].
pub(super) fn parse_body(wl: &WordLists, text: &str, toks: &[Tok], i: usize) -> Body {
    let b = text.as_bytes();
    let mut parts = Parts::new();
    let mut j = i;
    while j < toks.len() && parts.len() < MAX_PARTS {
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

pub(super) fn word(text: &str, s: usize, e: usize) -> &str {
    text[s..e].strip_suffix("'s").unwrap_or(&text[s..e])
}

pub(super) fn capitalized(w: &str) -> String {
    let mut c = w.to_ascii_lowercase();
    if let Some(f) = c.get_mut(0..1) {
        f.make_ascii_uppercase();
    }
    c
}

/// A lower-case word that is a given name once capitalised ("jessica"), and
/// not an ordinary word that happens to be one ("will", "amber").
pub(super) fn is_lowercase_first_name(w: &str) -> bool {
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

/// `Little Amara Okonkwo`, `sweet Sofia Hernandez`, `our little fighter
/// Mateo Rossi`: a full name right after a tender word for a child, in a
/// draft about someone's care. Either the word before the name is such a cue
/// ("our little fighter Mateo Rossi") or the capitalised token `i` starts one
/// ("Little Amara Okonkwo"). Needs two or three name words (a lone "Little
/// Rock" or "Sweet Caroline" is not enough) that could all be a name, and no
/// staff role tied to them ("little league coach Tom Reed" is a coach).
/// Returns the name's span and the token after it.
pub(super) fn child_name(ctx: &Context<'_>, toks: &[Tok], i: usize) -> Option<(usize, usize, usize)> {
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
    let body = parse_body(wl, text, toks, j);
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
pub(super) fn baby_name(ctx: &Context<'_>, toks: &[Tok], i: usize) -> Option<(usize, usize, usize)> {
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
    let body = parse_body(wl, text, toks, j);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `tokens` as first written: the faster scan must agree.
    fn reference_tokens(text: &str) -> Vec<Tok> {
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn tokens_agree_with_the_first_scan(
            parts in proptest::collection::vec(proptest::sample::select(crate::engine::context::WORD_PIECES), 0..24),
            tail in "\\PC{0,12}",
        ) {
            let text = format!("{}{}", parts.concat(), tail);
            let now: Vec<(usize, usize)> = tokens(&text).iter().map(|t| (t.s, t.e)).collect();
            let before: Vec<(usize, usize)> = reference_tokens(&text).iter().map(|t| (t.s, t.e)).collect();
            proptest::prop_assert_eq!(now, before);
        }
    }
}
