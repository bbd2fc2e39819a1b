//! The folded view of a draft that every matcher runs on.
//!
//! Staff (or evaders) write `p\u{200B}atient`, Cyrillic `е` for Latin `e`,
//! fullwidth digits, non-breaking hyphens, `0 0 7 7 3 4` for a record number,
//! `pati3nt`, `p.a.t.i.e.n.t` or `six one seven five five five …` for a phone.
//! Matching on the raw text would miss all of those, so each draft is folded
//! once into an ASCII-leaning view. First, character by character:
//!
//! - invisible characters are removed: every format (Cf) and
//!   default-ignorable code point (zero-width spaces and joiners, bidi marks
//!   and isolates, soft hyphen, variation selectors, tag characters, Hangul
//!   fillers, Khmer/Mongolian invisibles, …) and the braille blank U+2800;
//! - Unicode dashes become `-`, Unicode spaces become ` `, curly quotes plain;
//! - confusable Cyrillic/Greek letters become the Latin letter they mimic;
//! - everything else non-ASCII is NFKD-decomposed (a superset of NFKC's
//!   compatibility folding) with combining marks dropped (`é` → `e`).
//!
//! Then one rewrite step applies edits (a byte range of the view and its
//! ASCII replacement) found by these folds, all on that view:
//!
//! - **spaced runs**: runs of five or more single digits separated by single
//!   spaces are joined (`0 0 7 7 3 4` → `007734`), and so are runs of three or
//!   more single capital letters (`M R N` → `MRN`);
//! - **dotted letters**: single letters separated by single dots are joined
//!   when the run has 4+ letters (`A.D.H.D` → `ADHD`), or 3+ with a lowercase
//!   one (`p.a.t` → `pat`), or is `D.M` before ` me`. Two-letter runs (`e.g.`,
//!   `i.e.`, `a.m.`, `U.S.`, initials `J.M.`) and three capitals (`J.R.R.`) are
//!   kept, since the initials rules read them. A run's final dot goes too when
//!   a lowercase word or another joined run follows (`G.r.e.g. H.o.l.l.o.w.a.y`
//!   → `Greg Holloway`); otherwise it stays as sentence punctuation. Runs in a
//!   chunk with `/`, `@` and the like, or that go on into a longer label
//!   (`x.y.z.com`), are left alone;
//! - **digits for letters**: `0 1 3 4 5 7` become `o i e a s t` (and a lone
//!   `@` becomes `a`) inside a word-like token: ASCII letters and digits with
//!   4+ letters, a lowercase one, no capital after the first character
//!   (`HbA1c`, `iPh0ne` are kept), every digit foldable and in a run of at most
//!   two with a letter on each side (`pati3nt`, `J0sie`, `sh0ut0ut`; but not
//!   `covid19`, `a3f9bc`, `A1c`, `H1N1`, `B12`, `7KXR219`). Dosing codes
//!   (`q4hrs`, `x3days`) and `hba1c` are kept, and so is every token in a
//!   whitespace-delimited chunk that looks like a link, path, email, handle or
//!   code: one with `/ \ _ = % ~`, a dot between two letters or digits, or an
//!   `@` that is not a single one between two lowercase letters. That `@`
//!   becomes `a` only one or two letters into the word (`cr@cks`, `p@tient`),
//!   as `info@presidio` is an address without its domain; `@jen_22`,
//!   `jo@x.org` are kept;
//! - **spelled digits**: runs of 4+ digit words (English `zero`/`oh` … `nine`,
//!   Spanish `cero` … `nueve`, any case), separated by up to three spaces,
//!   hyphens or commas, become one digit string (`six one seven five five
//!   five zero one two three` → `6175550123`); 3 words are enough next to a
//!   digit group (`617 five five five 0123`). A run needs a word other than
//!   `oh`, and a leading `Oh,` is the interjection. A lone `one` or `two`
//!   stays.
//!
//! Every byte of the view remembers the original character(s) it came from, so
//! a match in the view maps back to a span of the original text that starts
//! and ends on character boundaries: `patient` found in the view of
//! `pati3nt` maps to `pati3nt`, and `6175550123` to `six … three`. ASCII text
//! with nothing to fold — the common case — is borrowed as is, with no map at
//! all, after one table-driven pre-scan of its bytes that tells which folds
//! could apply (only those then run).

use super::Span;
use std::borrow::Cow;
use unicode_normalization::char::decompose_compatible;

#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    original: &'a str,
    text: Cow<'a, str>,
    /// For each byte of `text`: the original byte offset where its source
    /// character starts. Empty when `text` is the original.
    starts: Vec<u32>,
    /// For each byte of `text`: the original byte offset where its source
    /// character ends.
    ends: Vec<u32>,
}

impl<'a> Normalized<'a> {
    pub fn new(original: &'a str) -> Normalized<'a> {
        let mut n = if original.is_ascii() {
            Normalized { original, text: Cow::Borrowed(original), starts: Vec::new(), ends: Vec::new() }
        } else {
            fold_chars(original)
        };
        let edits = evasion_edits(n.text.as_bytes());
        if !edits.is_empty() {
            n.rewrite(&edits);
        }
        n
    }

    /// The folded text to match on.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The original draft text.
    pub fn original(&self) -> &'a str {
        self.original
    }

    /// Whether the view is the original text byte for byte.
    pub fn is_identity(&self) -> bool {
        self.starts.is_empty() && matches!(self.text, Cow::Borrowed(_))
    }

    /// Maps a byte range of the folded view to the original text. The result
    /// always lies within the original and on its character boundaries.
    pub fn span(&self, start: usize, end: usize) -> Span {
        if self.is_identity() {
            let t = self.original;
            let mut e = end.min(t.len());
            while !t.is_char_boundary(e) {
                e += 1;
            }
            let mut s = start.min(e);
            while !t.is_char_boundary(s) {
                s -= 1;
            }
            return Span::new(s, e);
        }
        let len = self.text.len();
        let s = if start < len { self.starts[start] as usize } else { self.original.len() };
        let e = if end <= start || len == 0 { s } else { self.ends[(end - 1).min(len - 1)] as usize };
        Span::new(s, e.max(s))
    }

    /// Applies edits to the view: each replaces a byte range of the current
    /// text with an ASCII string, and the map is rebuilt to match. A
    /// replacement as long as its range keeps the byte-for-byte map; any other
    /// maps every byte it emits to the whole range. `edits` must be sorted by
    /// start; one that overlaps an earlier edit or splits a character is
    /// skipped.
    fn rewrite(&mut self, edits: &[Edit]) {
        let old: &str = &self.text;
        let identity = self.starts.is_empty();
        let (old_starts, old_ends) = (&self.starts, &self.ends);
        let src_start = |i: usize| if identity { i as u32 } else { old_starts[i] };
        let src_end = |i: usize| if identity { i as u32 + 1 } else { old_ends[i] };
        let mut text = String::with_capacity(old.len());
        let mut starts = Vec::with_capacity(old.len());
        let mut ends = Vec::with_capacity(old.len());
        let copy = |from: usize, to: usize, text: &mut String, starts: &mut Vec<u32>, ends: &mut Vec<u32>| {
            text.push_str(&old[from..to]);
            for i in from..to {
                starts.push(src_start(i));
                ends.push(src_end(i));
            }
        };
        let mut at = 0;
        for e in edits {
            if e.start < at
                || e.start >= e.end
                || e.end > old.len()
                || !old.is_char_boundary(e.start)
                || !old.is_char_boundary(e.end)
            {
                continue;
            }
            copy(at, e.start, &mut text, &mut starts, &mut ends);
            if e.with.len() == e.end - e.start {
                for k in 0..e.with.len() {
                    starts.push(src_start(e.start + k));
                    ends.push(src_end(e.start + k));
                }
            } else {
                for _ in 0..e.with.len() {
                    starts.push(src_start(e.start));
                    ends.push(src_end(e.end - 1));
                }
            }
            text.push_str(e.with);
            at = e.end;
        }
        copy(at, old.len(), &mut text, &mut starts, &mut ends);
        self.text = Cow::Owned(text);
        self.starts = starts;
        self.ends = ends;
    }
}

/// The offset of the first non-ASCII byte of `b`, if any. Eight bytes at a
/// time: drafts are mostly ASCII, and this is how the length parse and the
/// fold step over it.
pub(super) fn first_non_ascii(b: &[u8]) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        let high = u64::from_le_bytes(word) & HIGH;
        if high != 0 {
            return Some(at + (high.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks.remainder().iter().position(|&x| x >= 0x80).map(|k| at + k)
}

/// The character-by-character fold of non-ASCII text.
fn fold_chars(original: &str) -> Normalized<'_> {
    let mut text = String::with_capacity(original.len());
    let mut starts = Vec::with_capacity(original.len());
    let mut ends = Vec::with_capacity(original.len());
    let b = original.as_bytes();
    let mut next = 0;
    while next < b.len() {
        // a run of ASCII is copied whole, each byte mapped to itself
        if b[next] < 0x80 {
            let run = first_non_ascii(&b[next..]).map_or(b.len(), |k| next + k);
            text.push_str(&original[next..run]);
            starts.extend(next as u32..run as u32);
            ends.extend(next as u32 + 1..run as u32 + 1);
            next = run;
            continue;
        }
        let Some(c) = original[next..].chars().next() else { break };
        let o = next;
        next += c.len_utf8();
        let end = (o + c.len_utf8()) as u32;
        let o = o as u32;
        let mut emit = |ch: char, text: &mut String| {
            let before = text.len();
            text.push(ch);
            for _ in before..text.len() {
                starts.push(o);
                ends.push(end);
            }
        };
        if c.is_ascii() {
            emit(c, &mut text);
            continue;
        }
        match fold_char(c) {
            Fold::Drop => {}
            Fold::To(ch) => emit(ch, &mut text),
            // A lone combining mark leaves nothing, like a zero-width char.
            Fold::Decompose => decompose_compatible(c, |d| {
                if !is_combining_mark(d) {
                    let d = match fold_char(d) {
                        Fold::To(x) => x,
                        _ => d,
                    };
                    emit(d, &mut text);
                }
            }),
        }
    }
    Normalized { original, text: Cow::Owned(text), starts, ends }
}

enum Fold {
    Drop,
    To(char),
    Decompose,
}

fn fold_char(c: char) -> Fold {
    match c {
        // Invisible: every format (Cf) and default-ignorable code point —
        // soft hyphen, combining grapheme joiner, Arabic letter mark and
        // number signs, Hangul fillers, Khmer inherent vowels, Mongolian
        // free variation selectors and vowel separator, zero-width spaces and
        // joiners, bidi marks, embeddings and isolates, word joiner and
        // invisible operators, variation selectors, BOM, interlinear
        // annotation, Brahmi/Kaithi/hieroglyph/shorthand/musical format
        // controls, tags and the supplementary variation selectors — and the
        // braille blank, which renders as a space-wide nothing.
        '\u{00AD}'
        | '\u{034F}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061C}'
        | '\u{06DD}'
        | '\u{070F}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08E2}'
        | '\u{115F}'..='\u{1160}'
        | '\u{17B4}'..='\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{2800}'
        | '\u{3164}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}'
        | '\u{110BD}'
        | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}'
        | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}' => Fold::Drop,
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' | '\u{2043}' => Fold::To('-'),
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Fold::To(' '),
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => Fold::To('\''),
        '\u{201C}' | '\u{201D}' | '\u{201F}' | '\u{2033}' => Fold::To('"'),
        // Cyrillic letters that look Latin
        'а' => Fold::To('a'),
        'А' => Fold::To('A'),
        'В' => Fold::To('B'),
        'в' => Fold::To('b'),
        'е' | 'ё' => Fold::To('e'),
        'Е' | 'Ё' => Fold::To('E'),
        'К' => Fold::To('K'),
        'к' => Fold::To('k'),
        'М' => Fold::To('M'),
        'м' => Fold::To('m'),
        'Н' => Fold::To('H'),
        'н' => Fold::To('h'),
        'о' => Fold::To('o'),
        'О' => Fold::To('O'),
        'р' => Fold::To('p'),
        'Р' => Fold::To('P'),
        'с' => Fold::To('c'),
        'С' => Fold::To('C'),
        'Т' => Fold::To('T'),
        'т' => Fold::To('t'),
        'у' => Fold::To('y'),
        'У' => Fold::To('Y'),
        'х' => Fold::To('x'),
        'Х' => Fold::To('X'),
        'і' | 'ї' => Fold::To('i'),
        'І' | 'Ї' => Fold::To('I'),
        'ј' => Fold::To('j'),
        'Ј' => Fold::To('J'),
        'ѕ' => Fold::To('s'),
        'Ѕ' => Fold::To('S'),
        'ԁ' => Fold::To('d'),
        'ԛ' => Fold::To('q'),
        'ԝ' => Fold::To('w'),
        'Ԝ' => Fold::To('W'),
        'һ' => Fold::To('h'),
        'ɡ' => Fold::To('g'),
        'ı' => Fold::To('i'),
        // Greek letters that look Latin
        'α' => Fold::To('a'),
        'Α' => Fold::To('A'),
        'Β' => Fold::To('B'),
        'ε' => Fold::To('e'),
        'Ε' => Fold::To('E'),
        'Ζ' => Fold::To('Z'),
        'Η' => Fold::To('H'),
        'ι' => Fold::To('i'),
        'Ι' => Fold::To('I'),
        'Κ' => Fold::To('K'),
        'κ' => Fold::To('k'),
        'Μ' => Fold::To('M'),
        'Ν' => Fold::To('N'),
        'ν' => Fold::To('v'),
        'ο' => Fold::To('o'),
        'Ο' => Fold::To('O'),
        'ρ' => Fold::To('p'),
        'Ρ' => Fold::To('P'),
        'Τ' => Fold::To('T'),
        'τ' => Fold::To('t'),
        'υ' => Fold::To('u'),
        'Υ' => Fold::To('Y'),
        'Χ' => Fold::To('X'),
        'χ' => Fold::To('x'),
        _ => Fold::Decompose,
    }
}

fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

// ------------------------------------------------------------------ edits

/// One change to the view: bytes `start..end` become `with` (ASCII).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Edit {
    start: usize,
    end: usize,
    with: &'static str,
}

impl Edit {
    fn remove(i: usize) -> Edit {
        Edit { start: i, end: i + 1, with: "" }
    }
}

/// Every evasion fold's edits on the view `b`, sorted and non-overlapping
/// (the folds touch disjoint shapes; should two ever overlap, the one that
/// starts first wins). Empty — without allocating — when nothing applies.
fn evasion_edits(b: &[u8]) -> Vec<Edit> {
    let mut out = Vec::new();
    let may = pre_scan(b);
    if may & MAY_SPACED != 0 {
        spaced_runs(b, &mut out);
    }
    if may & MAY_DOTTED != 0 {
        dotted_runs(b, &mut out);
    }
    if may & MAY_LEET != 0 {
        leet(b, &mut out);
    }
    if may & MAY_SPELLED != 0 {
        spelled_numbers(b, &mut out);
    }
    if out.len() > 1 {
        out.sort_by_key(|e| (e.start, e.end));
        let mut last_end = 0;
        out.retain(|e| {
            let keep = e.start >= last_end;
            if keep {
                last_end = e.end;
            }
            keep
        });
    }
    out
}

const MAY_SPACED: u8 = 1;
const MAY_DOTTED: u8 = 2;
const MAY_LEET: u8 = 4;
const MAY_SPELLED: u8 = 8;

/// Byte classes for [`pre_scan`].
const C_ALPHA: u8 = 1;
const C_DIGIT: u8 = 2;
const C_UPPER: u8 = 4;
/// `0 1 3 4 5 7 @`: a digit or sign that may stand for a letter.
const C_LEET: u8 = 8;
const C_DOT: u8 = 16;
const C_SPACE: u8 = 32;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_uppercase() {
            C_ALPHA | C_UPPER
        } else if b.is_ascii_lowercase() {
            C_ALPHA
        } else if b.is_ascii_digit() {
            C_DIGIT | if matches!(b, b'0' | b'1' | b'3' | b'4' | b'5' | b'7') { C_LEET } else { 0 }
        } else {
            match b {
                b'@' => C_LEET,
                b'.' => C_DOT,
                b' ' => C_SPACE,
                _ => 0,
            }
        };
        c += 1;
    }
    t
};

/// One pass over the view telling which folds could apply, so that a draft
/// with nothing to fold costs a single table-driven scan: a digit or capital,
/// a space and another (spaced runs); a lone letter, a dot and a letter
/// (dotted); a letter, one or two of `0 1 3 4 5 7 @`, a letter (digits for
/// letters); two digit words with a gap between them (spelled digits).
///
/// The letters of a word (most of a draft) go by in a loop of their own that
/// only looks for the word's end; the checks run on the other bytes and once
/// per word.
fn pre_scan(b: &[u8]) -> u8 {
    let mut may = 0;
    let n = b.len();
    let class_at = |j: usize| b.get(j).map_or(0, |&c| CLASS[usize::from(c)]);
    // where the last digit word ended
    let mut last_digit_word: Option<usize> = None;
    // the class of the byte before `i`
    let mut prev = 0u8;
    let mut i = 0;
    while i < n {
        let k = CLASS[usize::from(b[i])];
        if k & C_ALPHA != 0 {
            let start = i;
            i += 1;
            while i < n && CLASS[usize::from(b[i])] & C_ALPHA != 0 {
                i += 1;
            }
            // the word `start..i` ends: is it a digit word, a gap after another?
            if may_be_digit_word(b[start], i - start) && digit_of(pack(&b[start..i])).is_some() {
                if last_digit_word.is_some_and(|e| is_gap(&b[e..start])) {
                    may |= MAY_SPELLED;
                }
                last_digit_word = Some(i);
            }
            prev = CLASS[usize::from(b[i - 1])];
            continue;
        }
        // a letter, then one or two foldable bytes, then a letter
        if prev & C_ALPHA != 0 && k & C_LEET != 0 {
            let next = class_at(i + 1);
            if next & C_ALPHA != 0 || (next & C_LEET != 0 && class_at(i + 2) & C_ALPHA != 0) {
                may |= MAY_LEET;
            }
        }
        if k & (C_DOT | C_SPACE) != 0 {
            let next = class_at(i + 1);
            // a single letter (not the end of `bit.ly`'s `bit`), a dot, a letter
            if k & C_DOT != 0 && prev & next & C_ALPHA != 0 && (i < 2 || !b[i - 2].is_ascii_alphanumeric()) {
                may |= MAY_DOTTED;
            }
            if k & C_SPACE != 0 && prev & next & (C_DIGIT | C_UPPER) != 0 {
                may |= MAY_SPACED;
            }
        }
        prev = k;
        i += 1;
    }
    may
}

fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn alpha(c: u8) -> bool {
    c.is_ascii_alphabetic()
}

// ------------------------------------------------------------ spaced runs

/// Tells whether a byte belongs to the same class of single-character token.
type TokenClass = fn(u8) -> bool;

/// Removes the spaces inside runs of 5+ single digits, or 3+ single capital
/// letters, each token separated by one space (`0 0 7 7 3 4`, `M R N`).
fn spaced_runs(b: &[u8], out: &mut Vec<Edit>) {
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        let kind: Option<(TokenClass, usize)> = if c.is_ascii_digit() {
            Some((|x: u8| x.is_ascii_digit(), 5))
        } else if c.is_ascii_uppercase() {
            Some((|x: u8| x.is_ascii_uppercase(), 3))
        } else {
            None
        };
        let starts_token = i == 0 || !alnum(b[i - 1]);
        if let (Some((same, min)), true) = (kind, starts_token) {
            // tokens at i, i+2, i+4, ... while pattern "T T T"
            let mut j = i;
            let mut count = 1;
            while j + 2 < n && b[j + 1] == b' ' && same(b[j + 2]) && (j + 3 >= n || !alnum(b[j + 3])) {
                j += 2;
                count += 1;
            }
            // the first token must itself stand alone
            let first_alone = i + 1 >= n || !alnum(b[i + 1]);
            if count >= min && first_alone {
                out.extend((i + 1..j).step_by(2).map(Edit::remove));
                i = j + 1;
                continue;
            }
            i = j.max(i) + 1;
            continue;
        }
        i += 1;
    }
}

// --------------------------------------------------------- dotted letters

/// Whether the whitespace-delimited chunk holding `b[from..to]` has a byte
/// that marks a link, path, email, handle or code.
fn chunk_has_link_bytes(b: &[u8], from: usize, to: usize) -> bool {
    let s = b[..from].iter().rposition(u8::is_ascii_whitespace).map_or(0, |p| p + 1);
    let e = b[to..].iter().position(u8::is_ascii_whitespace).map_or(b.len(), |p| to + p);
    b[s..e].iter().any(|c| matches!(c, b'/' | b'\\' | b'_' | b'=' | b'%' | b'~' | b'@'))
}

/// Removes the dots of `p.a.t.i.e.n.t`-style runs; see the module docs for
/// which runs qualify.
fn dotted_runs(b: &[u8], out: &mut Vec<Edit>) {
    let n = b.len();
    // The final dot of the last joined run, dropped if another joined run
    // starts right after it and a space.
    let mut pending_dot: Option<usize> = None;
    let mut i = 0;
    while i < n {
        let starts_run = alpha(b[i])
            && i + 2 < n
            && b[i + 1] == b'.'
            && alpha(b[i + 2])
            // the letter stands alone: not the end of a word, nor a label after a dot (`www.p`)
            && (i == 0 || !(alnum(b[i - 1]) || (b[i - 1] == b'.' && i >= 2 && alnum(b[i - 2]))));
        if !starts_run {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 2 < n && b[j + 1] == b'.' && alpha(b[j + 2]) && (j + 3 >= n || !alnum(b[j + 3])) {
            j += 2;
        }
        let letters = (j - i) / 2 + 1;
        // `x.y.z.com`, `p.a.t.ient`, `a.b.c.1`: the run goes on into something else
        let clean_end = !(j + 2 < n && b[j + 1] == b'.' && alnum(b[j + 2]));
        let lowercase = (i..=j).step_by(2).any(|p| b[p].is_ascii_lowercase());
        let dm_me = letters == 2 && b[i].eq_ignore_ascii_case(&b'd') && b[j].eq_ignore_ascii_case(&b'm') && {
            let p = if b.get(j + 1) == Some(&b'.') { j + 2 } else { j + 1 };
            b.get(p) == Some(&b' ')
                && b.get(p + 1..p + 3).is_some_and(|w| w.eq_ignore_ascii_case(b"me"))
                && !b.get(p + 3).is_some_and(|&c| alnum(c))
        };
        let join =
            clean_end && (letters >= 4 || (letters == 3 && lowercase) || dm_me) && !chunk_has_link_bytes(b, i, j + 1);
        if join {
            if let Some(p) = pending_dot.take() {
                if p + 2 == i {
                    out.push(Edit::remove(p));
                }
            }
            out.extend((i + 1..j).step_by(2).map(Edit::remove));
            if b.get(j + 1) == Some(&b'.') {
                let lower_next = b.get(j + 2) == Some(&b' ') && b.get(j + 3).is_some_and(u8::is_ascii_lowercase);
                if dm_me || lower_next {
                    out.push(Edit::remove(j + 1));
                } else {
                    pending_dot = Some(j + 1);
                }
            }
        }
        i = j + 1;
    }
}

// ------------------------------------------------------ digits for letters

/// The letter a digit (or `@`) stands for inside a word.
fn leet_letter(c: u8) -> Option<&'static str> {
    Some(match c {
        b'0' => "o",
        b'1' => "i",
        b'3' => "e",
        b'4' => "a",
        b'5' => "s",
        b'7' => "t",
        b'@' => "a",
        _ => return None,
    })
}

/// Whether a whitespace-delimited chunk is (part of) a link, path, email,
/// @handle or code, where no letter is folded: it has `/ \ _ = % ~`, a dot
/// between two letters or digits (`bit.ly`, `v1.2`, `jo@x.org`), or an `@`
/// other than a single one between two lowercase letters (`cr@cks`).
fn linkish(c: &[u8]) -> bool {
    let mut ats = 0;
    for (k, &x) in c.iter().enumerate() {
        let flanked = |f: fn(&u8) -> bool| k > 0 && k + 1 < c.len() && f(&c[k - 1]) && f(&c[k + 1]);
        match x {
            b'/' | b'\\' | b'_' | b'=' | b'%' | b'~' => return true,
            b'.' if flanked(u8::is_ascii_alphanumeric) => return true,
            b'@' => {
                ats += 1;
                if ats > 1 || !flanked(u8::is_ascii_lowercase) {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Folds `pati3nt` → `patient`, `J0sie` → `Josie`; see the module docs.
fn leet(b: &[u8], out: &mut Vec<Edit>) {
    let is_tok = |c: u8| alnum(c) || c == b'@';
    let n = b.len();
    let mut i = 0;
    while i < n {
        if b[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let cs = i;
        while i < n && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        let chunk = &b[cs..i];
        if !chunk.windows(2).any(|w| alpha(w[0]) && leet_letter(w[1]).is_some()) || linkish(chunk) {
            continue;
        }
        let mut k = 0;
        while k < chunk.len() {
            if !is_tok(chunk[k]) {
                k += 1;
                continue;
            }
            let ts = k;
            while k < chunk.len() && is_tok(chunk[k]) {
                k += 1;
            }
            leet_token(&chunk[ts..k], cs + ts, out);
        }
    }
}

/// The edits for one token of ASCII letters, digits and `@` at view offset
/// `at`, if it is a word written with digits.
fn leet_token(t: &[u8], at: usize, out: &mut Vec<Edit>) {
    let letters = t.iter().filter(|&&c| alpha(c)).count();
    if letters < 4 || letters == t.len() || !t.iter().any(u8::is_ascii_lowercase) {
        return;
    }
    // cased like a word: no capital after the first character (`HbA1c`, `iPh0ne`)
    if t[1..].iter().any(u8::is_ascii_uppercase) {
        return;
    }
    // dosing (`q4hrs`, `x3days`) and lowercase `hba1c`
    if matches!(t[0], b'q' | b'Q' | b'x' | b'X') && !alpha(t[1]) || t.eq_ignore_ascii_case(b"hba1c") {
        return;
    }
    // `@` for `a` only one or two letters into the word (`p@tient`, `cr@cks`):
    // `info@presidio` is an address without its domain
    if t.iter().position(|&c| c == b'@').is_some_and(|p| p > 2) {
        return;
    }
    // every other byte is foldable, in a run of at most two between letters
    let mut k = 0;
    while k < t.len() {
        if alpha(t[k]) {
            k += 1;
            continue;
        }
        let rs = k;
        while k < t.len() && !alpha(t[k]) {
            k += 1;
        }
        if rs == 0 || k == t.len() || k - rs > 2 || !t[rs..k].iter().all(|&c| leet_letter(c).is_some()) {
            return;
        }
    }
    for (k, &c) in t.iter().enumerate() {
        if let Some(with) = leet_letter(c) {
            out.push(Edit { start: at + k, end: at + k + 1, with });
        }
    }
}

// --------------------------------------------------------- spelled digits

/// Up to six ASCII letters packed in a `u64`, lowercased (`| 0x20`), for a
/// cheap comparison with the digit words.
const fn pack(w: &[u8]) -> u64 {
    let mut x = 0u64;
    let mut i = 0;
    while i < w.len() {
        x = x << 8 | (w[i] | 0x20) as u64;
        i += 1;
    }
    x
}

/// The digit a packed word spells: English (with `oh` for zero) or Spanish.
fn digit_of(w: u64) -> Option<&'static str> {
    const ZERO: u64 = pack(b"zero");
    const OH: u64 = pack(b"oh");
    const ONE: u64 = pack(b"one");
    const TWO: u64 = pack(b"two");
    const THREE: u64 = pack(b"three");
    const FOUR: u64 = pack(b"four");
    const FIVE: u64 = pack(b"five");
    const SIX: u64 = pack(b"six");
    const SEVEN: u64 = pack(b"seven");
    const EIGHT: u64 = pack(b"eight");
    const NINE: u64 = pack(b"nine");
    const CERO: u64 = pack(b"cero");
    const UNO: u64 = pack(b"uno");
    const DOS: u64 = pack(b"dos");
    const TRES: u64 = pack(b"tres");
    const CUATRO: u64 = pack(b"cuatro");
    const CINCO: u64 = pack(b"cinco");
    const SEIS: u64 = pack(b"seis");
    const SIETE: u64 = pack(b"siete");
    const OCHO: u64 = pack(b"ocho");
    const NUEVE: u64 = pack(b"nueve");
    Some(match w {
        ZERO | OH | CERO => "0",
        ONE | UNO => "1",
        TWO | DOS => "2",
        THREE | TRES => "3",
        FOUR | CUATRO => "4",
        FIVE | CINCO => "5",
        SIX | SEIS => "6",
        SEVEN | SIETE => "7",
        EIGHT | OCHO => "8",
        NINE | NUEVE => "9",
        _ => return None,
    })
}

/// Whether a word of `len` letters starting with `first` may be a digit word
/// (a filter on the first letter by length, before [`digit_of`]).
fn may_be_digit_word(first: u8, len: usize) -> bool {
    const fn letters(s: &[u8]) -> u32 {
        let mut m = 0;
        let mut i = 0;
        while i < s.len() {
            m |= 1 << (s[i] - b'a');
            i += 1;
        }
        m
    }
    const FIRST: [u32; 7] =
        [0, 0, letters(b"o"), letters(b"otsud"), letters(b"zfnctso"), letters(b"tsecn"), letters(b"c")];
    let first = (first | 0x20).wrapping_sub(b'a');
    first < 26 && FIRST.get(len).is_some_and(|m| m >> first & 1 != 0)
}

/// The digit an ASCII word spells, in any case.
fn digit_word(w: &[u8]) -> Option<&'static str> {
    if (2..=6).contains(&w.len()) {
        digit_of(pack(w))
    } else {
        None
    }
}

/// Up to three spaces, hyphens or commas between two digit words.
fn is_gap(g: &[u8]) -> bool {
    (1..=3).contains(&g.len()) && g.iter().all(|c| matches!(c, b' ' | b'-' | b','))
}

/// A digit word found in the view: its bytes and its digit.
type Word = (usize, usize, &'static str);

/// Turns runs of spelled digits into digit strings; see the module docs.
fn spelled_numbers(b: &[u8], out: &mut Vec<Edit>) {
    let n = b.len();
    // Letters next to these are part of a longer word.
    let wordish = |c: u8| alnum(c) || c >= 0x80;
    let mut run: Vec<Word> = Vec::new();
    let mut i = 0;
    while i < n {
        if !alpha(b[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < n && alpha(b[i]) {
            i += 1;
        }
        let whole = (s == 0 || !wordish(b[s - 1])) && (i == n || !wordish(b[i]));
        match digit_word(&b[s..i]).filter(|_| whole) {
            Some(d) => {
                if run.last().is_some_and(|&(_, pe, _)| !is_gap(&b[pe..s])) {
                    flush_spelled(b, &mut run, out);
                }
                run.push((s, i, d));
            }
            None if !run.is_empty() => flush_spelled(b, &mut run, out),
            None => {}
        }
    }
    flush_spelled(b, &mut run, out);
}

/// Emits the edits for one run of digit words if it is long enough, and
/// empties it.
fn flush_spelled(b: &[u8], run: &mut Vec<Word>, out: &mut Vec<Edit>) {
    let is_oh = |&(s, e, _): &Word| b[s..e].eq_ignore_ascii_case(b"oh");
    let mut r: &[Word] = run;
    // "Oh, one two three four": the interjection is not a zero
    while let [first, rest @ ..] = r {
        match rest.first() {
            Some(next) if is_oh(first) && b[first.1..next.0].contains(&b',') => r = rest,
            _ => break,
        }
    }
    if r.len() >= 3 && r.iter().any(|w| !is_oh(w)) {
        let (s0, e_last) = (r[0].0, r[r.len() - 1].1);
        let digit_before = (1..=3).any(|g| s0 > g && is_gap(&b[s0 - g..s0]) && b[s0 - g - 1].is_ascii_digit());
        let digit_after =
            (1..=3).any(|g| e_last + g < b.len() && is_gap(&b[e_last..e_last + g]) && b[e_last + g].is_ascii_digit());
        if r.len() >= 4 || digit_before || digit_after {
            for (k, &(s, e, d)) in r.iter().enumerate() {
                if k > 0 {
                    out.push(Edit { start: r[k - 1].1, end: s, with: "" });
                }
                out.push(Edit { start: s, end: e, with: d });
            }
        }
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orig<'a>(n: &Normalized<'a>, pat: &str) -> &'a str {
        let i = n.text().find(pat).expect("pattern in view");
        let s = n.span(i, i + pat.len());
        &n.original()[s.start..s.end]
    }

    #[test]
    fn first_non_ascii_finds_the_first_high_byte() {
        for len in 0..40 {
            let ascii = vec![b'a'; len];
            assert_eq!(first_non_ascii(&ascii), None);
            for at in 0..len {
                let mut b = ascii.clone();
                b[at] = 0xC3;
                if at + 1 < len {
                    b[at + 1] = 0xA9;
                }
                assert_eq!(first_non_ascii(&b), Some(at), "{len} {at}");
            }
        }
    }

    #[test]
    fn ascii_is_borrowed() {
        let n = Normalized::new("Call 555-201-8834 today");
        assert!(n.is_identity());
        assert_eq!(n.span(5, 17), Span::new(5, 17));
    }

    #[test]
    fn zero_width_removed_and_span_maps_back() {
        let s = "My p\u{200B}atient John";
        let n = Normalized::new(s);
        assert_eq!(n.text(), "My patient John");
        assert_eq!(orig(&n, "patient"), "p\u{200B}atient");
    }

    #[test]
    fn cyrillic_and_nb_hyphen_fold() {
        let s = "Call m\u{0435} at 555\u{2011}867\u{2011}5309";
        let n = Normalized::new(s);
        assert_eq!(n.text(), "Call me at 555-867-5309");
        assert_eq!(orig(&n, "555-867-5309"), "555\u{2011}867\u{2011}5309");
    }

    #[test]
    fn ukrainian_i_and_fullwidth_digits() {
        let n = Normalized::new("pat\u{0456}ent \u{FF15}\u{FF15}\u{FF15}");
        assert_eq!(n.text(), "patient 555");
    }

    #[test]
    fn accents_stripped() {
        let n = Normalized::new("Jos\u{00E9} P\u{00E9}rez");
        assert_eq!(n.text(), "Jose Perez");
        assert_eq!(orig(&n, "Perez"), "P\u{00E9}rez");
    }

    #[test]
    fn spaced_digits_joined() {
        let s = "M R N: 0 0 7 7 3 4 1 2 - labs";
        let n = Normalized::new(s);
        assert_eq!(n.text(), "MRN: 00773412 - labs");
        assert_eq!(orig(&n, "00773412"), "0 0 7 7 3 4 1 2");
        assert_eq!(orig(&n, "MRN"), "M R N");
    }

    #[test]
    fn short_digit_runs_and_words_untouched() {
        for s in ["1 in 3 adults", "Steps 1 2 3 done", "I am A B", "Room 3 4 5 6"] {
            let n = Normalized::new(s);
            assert_eq!(n.text(), s, "{s}");
        }
    }

    #[test]
    fn emoji_kept_and_mapped() {
        let s = "\u{1F600} call 555";
        let n = Normalized::new(s);
        assert_eq!(n.text(), s);
        assert_eq!(orig(&n, "555"), "555");
    }

    /// The view of `s`, and that it maps `pat` (in the view) back to `from`.
    fn folds(s: &str, view: &str) {
        let n = Normalized::new(s);
        assert_eq!(n.text(), view, "{s:?}");
    }

    fn maps(s: &str, pat: &str, from: &str) {
        let n = Normalized::new(s);
        assert_eq!(orig(&n, pat), from, "{s:?} → {:?}", n.text());
    }

    /// Left exactly as written; ASCII input stays borrowed.
    fn kept(s: &str) {
        let n = Normalized::new(s);
        assert_eq!(n.text(), s);
        if s.is_ascii() {
            assert!(n.is_identity(), "{s:?} should stay borrowed");
        }
    }

    #[test]
    fn digits_for_letters_fold_inside_words() {
        folds("my pati3nt in rm 9", "my patient in rm 9");
        maps("my pati3nt in rm 9", "patient", "pati3nt");
        folds("J0sie R4mirez went home", "Josie Ramirez went home");
        maps("J0sie R4mirez went home", "Josie Ramirez", "J0sie R4mirez");
        folds("str3p throat, sh0ut0ut to 4B!", "strep throat, shoutout to 4B!");
        folds("#pati3nt g00dbye", "#patient goodbye");
        folds("Pati3nt's chart", "Patient's chart");
        folds("H0SPITAL pati3nt", "H0SPITAL patient");
        // after the character fold too: zero-width space, Cyrillic а
        folds("p\u{0430}ti3nt\u{200B}", "patient");
        maps("my p\u{0430}ti3nt\u{200B} x", "patient", "p\u{0430}ti3nt");
    }

    #[test]
    fn at_for_a_only_between_lowercase_letters_outside_emails_and_handles() {
        folds("her cr@cks are healing", "her cracks are healing");
        maps("her cr@cks are healing", "cracks", "cr@cks");
        folds("my p@tient", "my patient");
        for s in [
            "email j0sie@gmail.com now",
            "mail jo3l@x.org",
            "@j0sie thanks",
            "@jen_22 thanks",
            "thanks @R4mirez",
            "a@b@cd3ef",
            "ask@Cl1nic",
            "me@x",
            "my email is info@presidio.",
            "nurse@stjude",
        ] {
            kept(s);
        }
    }

    #[test]
    fn digits_in_codes_numbers_and_links_are_kept() {
        for s in [
            "A1c of 7.2",
            "HbA1c 7.2, hba1c down",
            "H1N1 and H5N1",
            "COVID19 COVID-19 covid19 Covid-19",
            "B12 T1D T2DM",
            "plate 7KXR219",
            "ABC1DEF",
            "iPh0ne MP4s mp3s",
            "a3f9bc07 deadb33f9",
            "take q4hrs or q6h, x3days",
            "call 555-201-8834 or (617) 555-0143",
            "DOB 04/12/1961, 4/12/61",
            "https://bit.ly/3xYz12 and www.h3alth.org/pati3nt",
            "ex4mple.com, v1.2.3 and pati3nt_notes",
            "Our #HeartMonth2025 5K, 9am-1pm, 10mg, 2nd",
            "l33t b4 4ever gr8 h3ll0",
        ] {
            kept(s);
        }
    }

    #[test]
    fn dotted_letters_join() {
        folds("my p.a.t.i.e.n.t", "my patient");
        maps("my p.a.t.i.e.n.t", "patient", "p.a.t.i.e.n.t");
        folds("s.y.m.p.t.o.m.s began", "symptoms began");
        folds("G.r.e.g H.o.l.l.o.w.a.y went home", "Greg Holloway went home");
        maps("G.r.e.g H.o.l.l.o.w.a.y went home", "Greg Holloway", "G.r.e.g H.o.l.l.o.w.a.y");
        folds("G.r.e.g. H.o.l.l.o.w.a.y.", "Greg Holloway.");
        folds("her A.D.H.D meds", "her ADHD meds");
        folds("her A.D.H.D. meds", "her ADHD meds");
        folds("m.o.t.r.i.n, p.r.n", "motrin, prn");
        folds("D.M me", "DM me");
        folds("d.m. me please", "dm me please");
        maps("D.M me", "DM me", "D.M me");
        folds("about the p.a.t.i.e.n.t. Then", "about the patient. Then");
        folds("...p.a.t.i.e.n.t", "...patient");
    }

    #[test]
    fn abbreviations_and_initials_keep_their_dots() {
        for s in [
            "e.g. rest, i.e. sleep",
            "at 9 a.m. and 5 p.m.",
            "U.S. adults",
            "pt J.M., 47M",
            "Anna S. and J.R.R. Tolkien, U.S.A.",
            "D.M. sent it",
            "D.M meeting",
            "x.y.z.com and p.a.t.ient",
            "a.b.c.1 and see ex.a.m.p.l.e",
            "https://a.b.c.d.e/x and me@p.a.t.i.e.n.t",
        ] {
            kept(s);
        }
    }

    #[test]
    fn spelled_digits_become_digits() {
        let s = "call her at six one seven five five five zero one two three";
        folds(s, "call her at 6175550123");
        maps(s, "6175550123", "six one seven five five five zero one two three");
        maps(s, "617", "six one seven");
        folds("Six-One-Seven, five five five, oh one two three", "6175550123");
        folds("SIX ONE SEVEN - FIVE FIVE FIVE - OH ONE TWO THREE.", "6175550123.");
        folds("seis uno siete cinco cinco cinco cero uno dos tres", "6175550123");
        folds("SSN one two three, four five, six seven eight nine", "SSN 123456789");
        folds("MRN oh oh four eight two nine one three", "MRN 00482913");
        // three words are enough next to a digit group
        folds("617 five five five 0123", "617 555 0123");
        folds("617-555-zero one two three", "617-555-0123");
        // an interjection before the run stays
        folds("Oh, one two three four", "Oh, 1234");
        maps("Oh, one two three four", "1234", "one two three four");
        // after the character fold: no-break spaces and a zero-width joiner
        folds("six\u{00A0}one seven five\u{200D} five", "61755");
    }

    #[test]
    fn prose_numbers_stay_words() {
        for s in [
            "one or two",
            "one of two nurses, three of four doctors",
            "one two three, go",
            "someone two three four",
            "oh oh oh oh",
            "Oh, one two three",
            "1 in 3 adults, one in five",
            "Step one: two weeks, three times a day, for four days",
            "six-month follow-up, one-on-one",
        ] {
            kept(s);
        }
    }

    /// Every invisible character the fold removes.
    const INVISIBLE: &[char] = &[
        '\u{00AD}',
        '\u{034F}',
        '\u{061C}',
        '\u{0600}',
        '\u{06DD}',
        '\u{070F}',
        '\u{08E2}',
        '\u{115F}',
        '\u{1160}',
        '\u{17B4}',
        '\u{17B5}',
        '\u{180B}',
        '\u{180E}',
        '\u{180F}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{202A}',
        '\u{202E}',
        '\u{2060}',
        '\u{2063}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{206F}',
        '\u{2800}',
        '\u{3164}',
        '\u{FE00}',
        '\u{FE0F}',
        '\u{FEFF}',
        '\u{FFA0}',
        '\u{FFF9}',
        '\u{FFFB}',
        '\u{110BD}',
        '\u{13430}',
        '\u{1BCA0}',
        '\u{1D173}',
        '\u{E0000}',
        '\u{E0001}',
        '\u{E0020}',
        '\u{E007F}',
        '\u{E0100}',
        '\u{E01EF}',
    ];

    #[test]
    fn invisible_characters_are_removed() {
        for &c in INVISIBLE {
            let s = format!("call 555{c}-201-88{c}34 or j{c}o@x{c}.org");
            let n = Normalized::new(&s);
            assert_eq!(n.text(), "call 555-201-8834 or jo@x.org", "U+{:04X}", c as u32);
            assert_eq!(orig(&n, "555-201-8834"), format!("555{c}-201-88{c}34"));
        }
        // a keycap sequence is its digit
        folds("6\u{FE0F}\u{20E3}1\u{FE0F}\u{20E3}7\u{FE0F}\u{20E3}", "617");
    }

    #[test]
    fn plain_ascii_stays_borrowed() {
        for s in [
            "Heart attack symptoms can look different in women: jaw pain, nausea and fatigue are common.",
            "Tip: a 10-minute walk after meals can help keep blood sugar steady.",
            "New study in JAMA: https://jamanetwork.com/journals/jama/fullarticle/2812345",
            "Flu shots are available at all three of our walk-in clinics this week, 9am-1pm.",
            "Dr. Maria Lopez joins our cardiology department this fall. #HeartHealth #hcsm",
            "Patient DOB 04/12/1961, MRN 00482913, presented with chest pain.",
            "@jdavis22 you should stop taking the lisinopril until your cough clears up.",
            "Read the full study here: http://bit.ly/3xYz12",
            "1 in 3 adults has high blood pressure; trial NCT01234567 is recruiting.",
            "Fax results for Ana Ruiz to (617) 555-0143 before 5pm.",
        ] {
            kept(s);
        }
    }

    #[test]
    fn folds_compose_and_spans_stay_on_char_boundaries() {
        let s = "M R N 0 0 7 7 3 4 1 2, pati3nt G.r.e.g, call six one seven five\u{2800} five five \u{1F600} cr@cks";
        let n = Normalized::new(s);
        assert_eq!(n.text(), "MRN 00773412, patient Greg, call 617555 \u{1F600} cracks");
        for (i, c) in n.text().char_indices() {
            let sp = n.span(i, i + c.len_utf8());
            assert!(s.is_char_boundary(sp.start) && s.is_char_boundary(sp.end) && sp.start <= sp.end);
        }
        assert_eq!(orig(&n, "617555"), "six one seven five\u{2800} five five");
        // out-of-range and inverted ranges clamp
        let whole = n.span(0, n.text().len() + 10);
        assert_eq!(whole, Span::new(0, s.len()));
        let n = Normalized::new("a\u{00E9}b");
        assert_eq!(n.span(5, 1), Span::new(n.original().len(), n.original().len()));
        // a view with nothing left in it
        let n = Normalized::new("\u{200B}\u{2066}");
        assert_eq!(n.text(), "");
        assert_eq!(n.span(0, 3), Span::new(n.original().len(), n.original().len()));
        let n = Normalized::new("plain");
        assert_eq!(n.span(2, 99), Span::new(2, 5));
        assert_eq!(n.span(4, 1), Span::new(1, 1));
    }

    #[test]
    fn evasive_draft_is_reviewed_like_the_plain_one() {
        use crate::engine::{review, Category, Draft, RuleSet};
        let rules = RuleSet::builtin().expect("built-in rules");
        let t = "my pati3nt in rm 9, call her at six one seven five five five zero one two three";
        let r = review(&Draft::new(t), &rules);
        let phone = r.findings.iter().find(|f| f.rule == "phi.phone").expect("a phone finding");
        let s = phone.span.expect("span");
        assert_eq!(&t[s.start..s.end], "six one seven five five five zero one two three");
        assert!(r.findings.iter().any(|f| f.category == Category::PatientReference), "{:?}", r.findings);
    }

    /// [`pre_scan`] as first written: every byte through the same chain of
    /// tests, each word end through a closure. The faster one must agree.
    fn reference_pre_scan(b: &[u8]) -> u8 {
        let mut may = 0;
        let n = b.len();
        // where the current word started, and where the last digit word ended
        let mut start = 0;
        let mut last_digit_word: Option<usize> = None;
        let mut word_end = |start: usize, end: usize, may: &mut u8| {
            if may_be_digit_word(b[start], end - start) && digit_of(pack(&b[start..end])).is_some() {
                if last_digit_word.is_some_and(|e| is_gap(&b[e..start])) {
                    *may |= MAY_SPELLED;
                }
                last_digit_word = Some(end);
            }
        };
        let mut prev = 0u8;
        for i in 0..n {
            let k = CLASS[usize::from(b[i])];
            if k & C_ALPHA != 0 {
                if prev & C_ALPHA == 0 {
                    start = i;
                }
            } else {
                let class_at = |j: usize| b.get(j).map_or(0, |&c| CLASS[usize::from(c)]);
                if prev & C_ALPHA != 0 {
                    word_end(start, i, &mut may);
                    // a letter, then one or two foldable bytes, then a letter
                    if k & C_LEET != 0 {
                        let next = class_at(i + 1);
                        if next & C_ALPHA != 0 || (next & C_LEET != 0 && class_at(i + 2) & C_ALPHA != 0) {
                            may |= MAY_LEET;
                        }
                    }
                }
                if k & (C_DOT | C_SPACE) != 0 {
                    let next = class_at(i + 1);
                    // a single letter (not the end of `bit.ly`'s `bit`), a dot, a letter
                    if k & C_DOT != 0 && prev & next & C_ALPHA != 0 && (i < 2 || !b[i - 2].is_ascii_alphanumeric()) {
                        may |= MAY_DOTTED;
                    }
                    if k & C_SPACE != 0 && prev & next & (C_DIGIT | C_UPPER) != 0 {
                        may |= MAY_SPACED;
                    }
                }
            }
            prev = k;
        }
        if prev & C_ALPHA != 0 {
            word_end(start, n, &mut may);
        }
        may
    }

    /// Pieces of drafts for the pre-scan's property test: every fold's
    /// trigger and near miss (spaced digits and capitals, dotted letters,
    /// digits and `@` inside words, spelled digits with their gaps), at word
    /// starts, ends and the end of the text.
    const SCAN_PIECES: &[&str] = &[
        "my patient ",
        "Jessica ",
        "pati3nt",
        "p4",
        "7",
        "0",
        "1",
        "@",
        "a",
        "B",
        "z",
        ".",
        " ",
        "  ",
        "-",
        ",",
        "e.g.",
        "bit.ly",
        "p.a.t",
        "D.M me",
        "M R N",
        "0 0 7",
        "5 ",
        " 5",
        "six ",
        "one",
        "Oh, ",
        "oh",
        "two-",
        "cinco",
        "nueve ",
        "seven",
        "zero,",
        "three ",
        "tres",
        "sixty",
        "HbA1c",
        "cr@cks",
        "q4hrs",
        "\u{e9}",
        "\u{3042}",
        "\n",
        "www.x.org ",
        "x@y.z ",
        "A.D.H.D",
        "J.R.R. ",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, ..Default::default() })]

        #[test]
        fn pre_scan_agrees_with_the_first_one(
            parts in proptest::collection::vec(proptest::sample::select(SCAN_PIECES), 0..24),
            tail in "[a-zA-Z0-9 .@,-]{0,12}",
        ) {
            let text = format!("{}{}", parts.concat(), tail);
            proptest::prop_assert_eq!(pre_scan(text.as_bytes()), reference_pre_scan(text.as_bytes()), "{}", text);
        }
    }
}
