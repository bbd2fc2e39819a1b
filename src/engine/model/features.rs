//! The featurizer: a draft's folded view, its attachments and what the
//! structured detectors found, turned into hashed features in the manner of
//! fastText (word unigrams and bigrams). Character n-grams were dropped in
//! featurizer 4: on writers the training never saw they cost more false
//! alarms than they caught (see the README's model card).
//!
//! Every feature remembers the token it came from, so a prediction can name
//! the words that drove it and point at the strongest one in the original
//! text. Draft-level features (a reply, an image attached, a detector's rule
//! id) belong to no token.
//!
//! Changing anything here that changes which features a text yields must bump
//! [`FEATURIZER_VERSION`]; a model file trained with another version is
//! refused at load.

use crate::engine::context::candidates::{self, Candidate};
use crate::engine::context::{NameShape, Vocabulary, ROLE_NAMES};
use crate::engine::{Finding, Identifier, Input};
use std::cell::Cell;

/// The version of the feature extraction the weights were trained against.
pub const FEATURIZER_VERSION: u32 = 4;

/// One token of the folded view.
#[derive(Debug, Clone, Copy)]
pub struct Token {
    /// Byte range in the folded view.
    pub start: usize,
    pub end: usize,
    /// Where its normalised form lies in [`Features::forms`] (or the buffer
    /// [`tokenize_into`] filled): one buffer for every token of a draft, not
    /// a `String` each.
    form: (u32, u32),
}

impl Token {
    /// The normalised form features are made of (lower case, digits as `0`,
    /// `@user`, `<url>`, `<email>`), from the draft's forms buffer.
    pub fn form<'f>(&self, forms: &'f str) -> &'f str {
        &forms[self.form.0 as usize..self.form.1 as usize]
    }

    /// Whether it may be shown to a person as evidence: a plain lower-case
    /// word, never a capitalised word (a name the lists may not know), a
    /// given name or surname in lower case, a number, a code or a handle.
    /// Asked only for the few words a finding names, not for every token.
    pub fn showable(&self, forms: &str, text: &str) -> bool {
        if self.form(forms).starts_with(['<', '@']) {
            return false;
        }
        let word = &text[self.start..self.end];
        if word.len() < 2 || !word.chars().all(|ch| ch.is_lowercase() || ch == '\'') {
            return false;
        }
        // a given name or surname is looked up as written, capitalised
        // (`name_shape` answers both lists at once)
        with_capital(word, |cap| crate::engine::context::name_shape(cap).is_none())
    }
}

/// Calls `f` with `word`, its first character upper-cased: on the stack for
/// a word that fits in 64 bytes, in a `String` for a longer one.
fn with_capital<R>(word: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut chars = word.chars();
    let Some(first) = chars.next() else { return f(word) };
    let rest = chars.as_str().as_bytes();
    // one character's upper case is at most three characters
    let mut buf = [0u8; 64];
    let mut n = 0;
    for up in first.to_uppercase() {
        n += up.encode_utf8(&mut buf[n..]).len();
    }
    match buf.get_mut(n..n + rest.len()) {
        Some(tail) => {
            tail.copy_from_slice(rest);
            // an upper-cased character and the rest of a `str`: UTF-8
            f(std::str::from_utf8(&buf[..n + rest.len()]).expect("upper case and a str's tail are UTF-8"))
        }
        None => {
            let mut cap: String = first.to_uppercase().collect();
            cap.push_str(chars.as_str());
            f(&cap)
        }
    }
}

/// The hashed features of one draft.
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub tokens: Vec<Token>,
    /// The tokens' normalised forms, one after another (see [`Token::form`]).
    pub forms: String,
    /// Feature hashes (not yet reduced to buckets).
    pub hashes: Vec<u64>,
    /// For each hash: the token it belongs to, `u32::MAX` for draft-level ones.
    pub owner: Vec<u32>,
    /// Dates and name-shaped words, whoever they belong to.
    pub candidates: Vec<Candidate>,
}

const NO_TOKEN: u32 = u32::MAX;

thread_local! {
    /// The emptied buffers of the last draft's features on this thread,
    /// handed back by [`recycle`] once the model has read them, for the next
    /// [`featurize`] to fill: a review then allocates none of them anew.
    static SPARE: Cell<Features> = const {
        Cell::new(Features {
            tokens: Vec::new(),
            forms: String::new(),
            hashes: Vec::new(),
            owner: Vec::new(),
            candidates: Vec::new(),
        })
    };
}

/// The most tokens a spare's buffers may hold: a very long draft's are freed
/// rather than kept for the thread's life.
pub(crate) const SPARE_MAX_TOKENS: usize = 4096;

/// Gives the buffers of features no longer needed to the next [`featurize`]
/// on this thread (see [`SPARE`]).
pub fn recycle(mut f: Features) {
    if f.tokens.capacity() > SPARE_MAX_TOKENS {
        return;
    }
    f.tokens.clear();
    f.forms.clear();
    f.hashes.clear();
    f.owner.clear();
    f.candidates.clear();
    SPARE.set(f);
}

impl Features {
    fn push(&mut self, h: u64, owner: u32) {
        self.hashes.push(h);
        self.owner.push(owner);
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// One byte into an FNV-1a state.
#[inline]
fn eat(h: u64, b: u8) -> u64 {
    (h ^ b as u64).wrapping_mul(FNV_PRIME)
}

/// Bytes into an FNV-1a state.
#[inline]
fn eat_all(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| eat(h, b))
}

/// FNV-1a over a kind byte and the parts, separated.
fn hash(kind: u8, parts: &[&str]) -> u64 {
    parts.iter().fold(eat(FNV_OFFSET, kind), |h, p| eat(eat_all(h, p.as_bytes()), 0xff))
}

/// [`hash`] of one part, at compile time: the draft-level features' hashes
/// are constants.
const fn const_hash(kind: u8, part: &str) -> u64 {
    let b = part.as_bytes();
    let mut h = (FNV_OFFSET ^ kind as u64).wrapping_mul(FNV_PRIME);
    let mut i = 0;
    while i < b.len() {
        h = (h ^ b[i] as u64).wrapping_mul(FNV_PRIME);
        i += 1;
    }
    (h ^ 0xff).wrapping_mul(FNV_PRIME)
}

const H_FNAME: u64 = const_hash(b'g', "fname");
const H_SNAME: u64 = const_hash(b'g', "sname");
const H_LEN: u64 = const_hash(b'g', "len");
const H_REPLY: u64 = const_hash(b'g', "reply");
const H_DATE: u64 = const_hash(b'k', "date");
const H_NAME: u64 = const_hash(b'k', "name");

/// `hash(b'v', [role name])` of every role of [`ROLE_NAMES`], in its order.
const ROLE_HASHES: [u64; ROLE_NAMES.len()] = {
    let mut out = [0u64; ROLE_NAMES.len()];
    let mut i = 0;
    while i < ROLE_NAMES.len() {
        out[i] = const_hash(b'v', ROLE_NAMES[i].0);
        i += 1;
    }
    out
};

/// The bit of role `k` of [`ROLE_NAMES`] is `1 << k`, so the set bits of a
/// cue's roles, lowest first, are its roles in [`ROLE_NAMES`] order.
const ROLE_MASK: u32 = {
    let mut mask = 0u32;
    let mut k = 0;
    while k < ROLE_NAMES.len() {
        assert!(ROLE_NAMES[k].1 == 1 << k, "role bits follow ROLE_NAMES");
        mask |= ROLE_NAMES[k].1;
        k += 1;
    }
    mask
};

/// Builds the features of a draft from its folded view, its attachments and
/// the findings of the structured detectors (before the model ran).
pub fn featurize(input: &Input<'_>, raw: &[Finding], vocabulary: &Vocabulary) -> Features {
    let text = input.norm.text();
    // the buffers of the last draft's features, if handed back (empty)
    let mut f = SPARE.take();
    tokenize_into(text, &mut f.tokens, &mut f.forms);
    // each token gives a unigram, a bigram and perhaps a name shape
    let reserve = 3 * f.tokens.len() + raw.len() + 16;
    f.hashes.reserve(reserve);
    f.owner.reserve(reserve);

    // The hashes are those of `hash`: FNV-1a is a running state, so a
    // bigram continues the state of "b, previous form, 0xff" (same values as
    // `hash`, fewer steps). The three states a form feeds (its unigram, the
    // bigram it ends, the bigram it starts) take its bytes in one pass.
    let bigram_kind = eat(FNV_OFFSET, b'b');
    let mut prev = eat(eat_all(bigram_kind, b"<s>"), 0xff);
    let word_kind = eat(FNV_OFFSET, b'w');
    let tokens = std::mem::take(&mut f.tokens);
    let forms = std::mem::take(&mut f.forms);
    for (i, t) in tokens.iter().enumerate() {
        let i = i as u32;
        let (mut unigram, mut bigram, mut next) = (word_kind, prev, bigram_kind);
        // the form's bytes (a token's range is on character boundaries)
        for &x in &forms.as_bytes()[t.form.0 as usize..t.form.1 as usize] {
            unigram = eat(unigram, x);
            bigram = eat(bigram, x);
            next = eat(next, x);
        }
        f.hashes.extend_from_slice(&[eat(unigram, 0xff), eat(bigram, 0xff)]);
        f.owner.extend_from_slice(&[i, i]);
        prev = eat(next, 0xff);
        // name shape: a capitalised given name or surname, whatever it is;
        // the word is sliced only then (most words start in lower case)
        let capital = match text.as_bytes().get(t.start) {
            Some(&x) if x < 0x80 => x.is_ascii_uppercase(),
            _ => text[t.start..t.end].chars().next().is_some_and(char::is_uppercase),
        };
        if capital && t.end - t.start > 1 {
            match crate::engine::context::name_shape(&text[t.start..t.end]) {
                Some(NameShape::Given) => f.push(H_FNAME, i),
                Some(NameShape::Family) => f.push(H_SNAME, i),
                None => {}
            }
        }
    }
    if !tokens.is_empty() {
        f.push(eat(eat_all(prev, b"</s>"), 0xff), (tokens.len() - 1) as u32);
    }
    f.tokens = tokens;
    f.forms = forms;

    // draft-level features; `len` is on every draft so that, scaled like the
    // rest, it gives short drafts a bias of their own
    f.push(H_LEN, NO_TOKEN);
    let trimmed = text.trim_start();
    if trimmed.starts_with('@') {
        f.push(H_REPLY, NO_TOKEN);
    }
    for a in &input.draft.attachments {
        let ct = a.content_type.to_ascii_lowercase();
        let name = a.filename.to_ascii_lowercase();
        let image = ct.starts_with("image/")
            || [".jpg", ".jpeg", ".png", ".heic", ".gif", ".webp", ".dcm", ".tif", ".tiff"]
                .iter()
                .any(|e| name.ends_with(e));
        f.push(hash(b'g', &[if image { "att-image" } else { "att-file" }]), NO_TOKEN);
    }
    for r in raw {
        f.push(hash(b'r', &[&r.rule]), NO_TOKEN);
    }
    let cands = candidates::find_in(input);
    // the candidates and the cues are in text order: the token each belongs
    // to only moves forward (see `owner_from`)
    let mut at = 0;
    for c in &cands {
        let kind = match c.identifier {
            Identifier::Date => H_DATE,
            _ => H_NAME,
        };
        let owner = owner_from(&f.tokens, &mut at, c.start);
        f.push(kind, owner);
    }
    f.candidates = cands;
    // the context rules' cue phrases (`[context.cues]`), by role: the team's
    // curated knowledge, weighed by the model instead of decided by rules
    let mut at = 0;
    for &crate::engine::context::Cue { start, roles, .. } in vocabulary.cues_of(input).iter() {
        let owner = owner_from(&f.tokens, &mut at, start);
        // the set bits, lowest first: the roles in ROLE_NAMES order
        let mut bits = roles & ROLE_MASK;
        while bits != 0 {
            f.push(ROLE_HASHES[bits.trailing_zeros() as usize], owner);
            bits &= bits - 1;
        }
    }
    f
}

/// The token something starting at `start` belongs to: the first one ending
/// after it (`NO_TOKEN` after the last), searched from `at` on and left
/// there. For starts in ascending order it is `partition_point(|t| t.end <=
/// start)` (the tokens are in text order), walked once instead of a binary
/// search each.
fn owner_from(tokens: &[Token], at: &mut usize, start: usize) -> u32 {
    while *at < tokens.len() && tokens[*at].end <= start {
        *at += 1;
    }
    if *at < tokens.len() {
        *at as u32
    } else {
        NO_TOKEN
    }
}

/// Splits the folded view into tokens: words (letters, digits, inner `'`),
/// `@handles`, URLs and emails as one placeholder each. Their forms go into
/// one buffer (see [`Token::form`]).
pub fn tokenize(text: &str) -> (Vec<Token>, String) {
    let mut tokens = Vec::new();
    let mut forms = String::new();
    tokenize_into(text, &mut tokens, &mut forms);
    (tokens, forms)
}

/// What an ASCII byte is to the tokenizer, as bits of [`CLASS`]: one table
/// load per byte instead of a chain of range tests in the inner loops.
const ALNUM: u8 = 1;
const DIGIT: u8 = 2;
const UPPER: u8 = 4;
/// A character of an email's local part: letters, digits, `.` `_` `-` `+`.
const LOCAL: u8 = 8;
/// A character of an email's domain: letters, digits, `.` `-` `_`.
const DOMAIN: u8 = 16;

/// The [`ALNUM`]... bits of every byte (none for a non-ASCII one).
const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        let mut bits = 0;
        if c.is_ascii_alphanumeric() {
            bits |= ALNUM | LOCAL | DOMAIN;
        }
        if c.is_ascii_digit() {
            bits |= DIGIT;
        }
        if c.is_ascii_uppercase() {
            bits |= UPPER;
        }
        if matches!(c, b'.' | b'_' | b'-' | b'+') {
            bits |= LOCAL;
        }
        if matches!(c, b'.' | b'-' | b'_') {
            bits |= DOMAIN;
        }
        t[i] = bits;
        i += 1;
    }
    t
};

/// Where a URL starting at `i` ends: at the next whitespace character
/// (`char::is_whitespace`), found byte by byte; only a non-ASCII byte is
/// decoded.
fn url_end(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let mut k = i;
    while k < b.len() {
        let c = b[k];
        if c < 0x80 {
            // the ASCII white space of `char::is_whitespace`: \t \n \x0b \x0c \r and space
            if matches!(c, b'\t'..=b'\r' | b' ') {
                return k;
            }
            k += 1;
            continue;
        }
        let Some(ch) = text[k..].chars().next() else { break };
        if ch.is_whitespace() {
            return k;
        }
        k += ch.len_utf8();
    }
    b.len()
}

/// The `@` of a possible email: a word starting at or after the last word
/// start and before `at` is an email's local part when every byte from it
/// to `at` is a local-part character, that is when it starts at or after
/// `local_start`; `end` is where the email ends (0: no domain with a dot
/// after the `@`, no email).
#[derive(Clone, Copy)]
struct NextAt {
    at: usize,
    local_start: usize,
    end: usize,
}

/// The first `@` at or after `from`, with where the run of local-part
/// characters before it starts and where its domain ends. The backward scan
/// stops at the previous `@` (not a local-part character), so every byte is
/// scanned back at most once per draft, however many words share a run
/// ("a.a.a.a…x@y.z").
fn next_at(text: &str, from: usize) -> Option<NextAt> {
    let b = text.as_bytes();
    let at = from + text[from..].find('@')?;
    let mut local_start = at;
    while local_start > 0 && CLASS[b[local_start - 1] as usize] & LOCAL != 0 {
        local_start -= 1;
    }
    let rest = &b[at + 1..];
    let len = rest.iter().position(|&ch| CLASS[ch as usize] & DOMAIN == 0).unwrap_or(rest.len());
    let end = if rest[..len].contains(&b'.') { at + 1 + len } else { 0 };
    Some(NextAt { at, local_start, end })
}

/// `char::is_alphanumeric`, with the non-ASCII characters drafts hold most
/// answered without its Unicode tables: kana and CJK ideographs are letters;
/// the emoji of U+1F300..=U+1FAFF, the zero-width joiner and the emoji
/// variation selector that build emoji sequences are not.
fn is_letter_or_digit(c: char) -> bool {
    if super::is_kana_or_cjk(c) {
        true
    } else if ('\u{1F300}'..='\u{1FAFF}').contains(&c) || matches!(c, '\u{200D}' | '\u{FE0F}') {
        false
    } else {
        c.is_alphanumeric()
    }
}

/// [`tokenize`] into buffers the caller owns.
pub fn tokenize_into(text: &str, out: &mut Vec<Token>, forms: &mut String) {
    let b = text.as_bytes();
    out.reserve(text.len() / 5 + 1);
    forms.reserve(text.len());
    let push = |out: &mut Vec<Token>, forms: &mut String, start: usize, end: usize, form: &str| {
        let at = forms.len() as u32;
        forms.push_str(form);
        out.push(Token { start, end, form: (at, forms.len() as u32) });
    };
    // The next `@` after the word start (an email needs one): found once
    // and kept while the word starts stay before it, so a draft without an
    // `@` looks for none after the first search.
    let mut at: Option<NextAt> = None;
    let mut at_searched = false;
    let mut i = 0;
    while i < b.len() {
        let first = b[i];
        let class = CLASS[first as usize];
        // spaces and ASCII punctuation (but `@`) start nothing
        if first < 0x80 && first != b'@' && class & ALNUM == 0 {
            i += 1;
            continue;
        }
        // a URL: up to the next space
        if matches!(first, b'h' | b'w')
            && (b[i..].starts_with(b"http://") || b[i..].starts_with(b"https://") || b[i..].starts_with(b"www."))
            && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
        {
            let end = url_end(text, i);
            push(out, forms, i, end, "<url>");
            i = end;
            continue;
        }
        if first == b'@' && i + 1 < b.len() && (b[i + 1].is_ascii_alphanumeric() || b[i + 1] == b'_') {
            let mut end = i + 1;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            push(out, forms, i, end, "@user");
            i = end;
            continue;
        }
        if class & ALNUM != 0 {
            // an email: local@domain.tld, the local part with . _ - +, from a
            // word start whose run of local-part characters reaches the `@`
            if !at_searched || at.is_some_and(|a| a.at < i) {
                at = next_at(text, i);
                at_searched = true;
            }
            if let Some(a) = at.filter(|a| i >= a.local_start && a.end > 0) {
                push(out, forms, i, a.end, "<email>");
                i = a.end;
                continue;
            }
        }
        // an ASCII byte here is a letter or digit (its class says so), or an
        // `@` that starts nothing
        let (c, starts_word) = if first < 0x80 {
            (first as char, class & ALNUM != 0)
        } else {
            let Some(c) = text[i..].chars().next() else { break };
            (c, is_letter_or_digit(c))
        };
        if starts_word {
            let mut k = i;
            let mut ascii = true;
            // the class bits of every ASCII letter and digit of the word
            let mut seen = 0u8;
            loop {
                // ASCII letters and digits, the bulk of a word
                while k < b.len() && CLASS[b[k] as usize] & ALNUM != 0 {
                    seen |= CLASS[b[k] as usize];
                    k += 1;
                }
                if k >= b.len() {
                    break;
                }
                let byte = b[k];
                if byte < 0x80 {
                    // an inner apostrophe: a letter after it ("don't")
                    let inner_apostrophe = byte == b'\'' && k > i && {
                        match b.get(k + 1) {
                            Some(&next) if next < 0x80 => next.is_ascii_alphabetic(),
                            Some(_) => text[k + 1..].chars().next().is_some_and(char::is_alphabetic),
                            None => false,
                        }
                    };
                    if inner_apostrophe {
                        k += 1;
                        continue;
                    }
                    break;
                }
                let Some(ch) = text[k..].chars().next() else { break };
                if !is_letter_or_digit(ch) {
                    break;
                }
                ascii = false;
                k += ch.len_utf8();
            }
            let end = k;
            let word = &text[i..end];
            // a non-ASCII character is never an ASCII digit
            let has_digit = seen & DIGIT != 0;
            let at = forms.len() as u32;
            if has_digit && word.len() >= 4 && word.bytes().all(|x| x.is_ascii_digit()) {
                forms.push_str("0000+");
            } else if ascii && !has_digit {
                let from = forms.len();
                forms.push_str(word);
                if seen & UPPER != 0 {
                    forms[from..].make_ascii_lowercase();
                }
            } else if ascii {
                forms.extend(
                    word.bytes().map(|x| if x.is_ascii_digit() { '0' } else { x.to_ascii_lowercase() as char }),
                );
            } else {
                for ch in word.chars() {
                    if ch.is_ascii_digit() {
                        forms.push('0');
                    } else if super::is_kana_or_cjk(ch) {
                        // no case: its lower case is itself
                        forms.push(ch);
                    } else {
                        forms.extend(ch.to_lowercase());
                    }
                }
            }
            out.push(Token { start: i, end, form: (at, forms.len() as u32) });
            i = end;
            continue;
        }
        i += c.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(s: &str) -> Vec<String> {
        let (tokens, forms) = tokenize(s);
        tokens.iter().map(|t| t.form(&forms).to_string()).collect()
    }

    #[test]
    fn tokens_fold_handles_urls_emails_and_digits() {
        assert_eq!(
            forms("@jen_22 Don't stop the 20mg, see https://x.org/a?b=1 or mail a.b@x.org 5551234"),
            ["@user", "don't", "stop", "the", "00mg", "see", "<url>", "or", "mail", "<email>", "0000+"]
        );
    }

    #[test]
    fn letters_and_digits_are_those_of_the_unicode_tables() {
        for c in '\0'..=char::MAX {
            assert_eq!(is_letter_or_digit(c), c.is_alphanumeric(), "{c:?}");
            if super::super::is_kana_or_cjk(c) {
                assert!(c.to_lowercase().eq([c]), "{c:?}");
            }
        }
    }

    #[test]
    fn names_and_numbers_are_not_shown_as_evidence() {
        let text = "Tyler said stop 20mg";
        let (t, forms) = tokenize(text);
        let shown: Vec<bool> = t.iter().map(|t| t.showable(&forms, text)).collect();
        assert_eq!(shown, [false, true, true, false]);
    }

    /// The tokenizer as first written (a `String` per token, every email
    /// candidate scanned from its own start): the faster one must agree.
    fn reference_tokenize(text: &str) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        while i < text.len() {
            let Some(c) = text[i..].chars().next() else { break };
            // a URL: up to the next space
            if (b[i..].starts_with(b"http://") || b[i..].starts_with(b"https://") || b[i..].starts_with(b"www."))
                && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
            {
                let end = text[i..].find(char::is_whitespace).map_or(text.len(), |k| i + k);
                out.push((i, end, "<url>".into()));
                i = end;
                continue;
            }
            if c == '@' && i + 1 < b.len() && (b[i + 1].is_ascii_alphanumeric() || b[i + 1] == b'_') {
                let mut end = i + 1;
                while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                    end += 1;
                }
                out.push((i, end, "@user".into()));
                i = end;
                continue;
            }
            if c.is_ascii_alphanumeric() {
                // an email: local@domain.tld, the local part with . _ - +
                let local = text[i..]
                    .find(|ch: char| !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-' | '+')))
                    .map_or(text.len(), |k| i + k);
                if local < b.len() && b[local] == b'@' {
                    let rest = &text[local + 1..];
                    let len = rest
                        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.' || ch == '-' || ch == '_'))
                        .unwrap_or(rest.len());
                    if rest[..len].contains('.') {
                        let e = local + 1 + len;
                        out.push((i, e, "<email>".into()));
                        i = e;
                        continue;
                    }
                }
            }
            if c.is_alphanumeric() {
                let mut end = i;
                for (k, ch) in text[i..].char_indices() {
                    let at = i + k;
                    let inner_apostrophe =
                        ch == '\'' && at > i && text[at + 1..].chars().next().is_some_and(char::is_alphabetic);
                    if ch.is_alphanumeric() || inner_apostrophe {
                        end = at + ch.len_utf8();
                    } else {
                        break;
                    }
                }
                let word = &text[i..end];
                let has_digit = word.bytes().any(|x| x.is_ascii_digit());
                let form: String = if has_digit {
                    let digits_only = word.bytes().all(|x| x.is_ascii_digit());
                    if digits_only && word.len() >= 4 {
                        "0000+".to_string()
                    } else {
                        word.chars()
                            .map(|ch| if ch.is_ascii_digit() { '0' } else { ch })
                            .flat_map(char::to_lowercase)
                            .collect()
                    }
                } else {
                    word.chars().flat_map(char::to_lowercase).collect()
                };
                out.push((i, end, form));
                i = end;
                continue;
            }
            i += c.len_utf8();
        }
        out
    }

    #[test]
    fn tokenizer_agrees_with_the_first_one() {
        let samples = [
            "@jen_22 Don't stop the 20mg, see https://x.org/a?b=1 or mail a.b@x.org 5551234",
            "Ünïcödé wörds, ÉCOLE 12ème, İstanbul, ǅemal, straße STRASSE, café's 'quoted' it's",
            "a.b.c@d e.f@g.h.i x@y @ @_a a@b.c. a-b+c@d-e.f_g dots... 1.2.3.4 555-201-8834 0000 123",
            "www.example.org/x and xwww.y http:/ https://z 日本語のテキスト 😀 e\u{301}",
            "o'clock 'tis rock'n'roll don''t 9'o x' 'y",
        ];
        let mut long = "a.".repeat(3_000);
        long.push_str("x@y.z and b-");
        for text in samples.iter().copied().chain([long.as_str()]) {
            let (tokens, forms) = tokenize(text);
            let now: Vec<(usize, usize, String)> =
                tokens.iter().map(|t| (t.start, t.end, t.form(&forms).to_string())).collect();
            assert_eq!(now, reference_tokenize(text), "{text}");
        }
    }

    /// Pieces of drafts for the property tests: the tokenizer's and the
    /// featurizer's corner cases (URLs, handles, emails, apostrophes, digits,
    /// capitals, non-ASCII letters and spaces).
    const PIECES: &[&str] = &[
        "my patient ",
        "Jessica ",
        "Moreno",
        "Smith's ",
        "Dr. ",
        "don't ",
        "'tis ",
        "x' ",
        "rock'n'roll ",
        "'",
        "-",
        "20mg ",
        "5551234 ",
        "0000",
        "12ème ",
        "@jen_22 ",
        "@",
        "_",
        "a.b@x.org ",
        "x@y ",
        "a.a.a.",
        "b-",
        "+c@d-e.f_g ",
        "https://x.org/a?b=1",
        "www.example.org/x ",
        "xwww.y ",
        "http:/ ",
        "h",
        "w",
        "Ünïcödé ",
        "ÉCOLE ",
        "İstanbul ",
        "ǅemal ",
        "straße ",
        "café's ",
        "日本語",
        "カタカナの",
        "😀",
        "👩\u{200d}⚕\u{fe0f} ",
        "e\u{301}",
        "\u{a0}",
        "\u{2019}s ",
        "\u{85}",
        "ł",
        ", ",
        ". ",
        "\n",
        "\t",
        " ",
        "Mrs. Allen ",
        "DOB 04/12/1961 ",
        "April 12, 2023 ",
        "Ana Ruiz, RN ",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn tokenizer_agrees_with_the_first_one_on_any_text(
            parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..24),
            tail in "\\PC{0,12}",
        ) {
            let text = format!("{}{}", parts.concat(), tail);
            let (tokens, forms) = tokenize(&text);
            let now: Vec<(usize, usize, String)> =
                tokens.iter().map(|t| (t.start, t.end, t.form(&forms).to_string())).collect();
            proptest::prop_assert_eq!(now, reference_tokenize(&text));
        }

        #[test]
        fn features_agree_with_the_first_featurizer(
            parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..24),
        ) {
            let rules = crate::engine::RuleSet::builtin_without_model().unwrap();
            let draft = crate::engine::Draft::new(parts.concat());
            let input = Input::new(&draft);
            let (raw, _) = crate::engine::detect_structured(&input, &rules);
            let f = featurize(&input, &raw, &rules.context);
            let (hashes, owner) = reference_features(&input, &raw, &rules.context);
            proptest::prop_assert_eq!(&f.hashes, &hashes);
            proptest::prop_assert_eq!(&f.owner, &owner);
            // the next case's features fill these buffers
            recycle(f);
        }
    }

    /// The featurizer's hashes and owners as first written: every hash by
    /// [`hash`] from its parts, the owners by binary search.
    fn reference_features(input: &Input<'_>, raw: &[Finding], vocabulary: &Vocabulary) -> (Vec<u64>, Vec<u32>) {
        let text = input.norm.text();
        let (tokens, forms) = tokenize(text);
        let (mut hashes, mut owner) = (Vec::new(), Vec::new());
        let mut push = |h: u64, o: u32| {
            hashes.push(h);
            owner.push(o);
        };
        let mut prev = "<s>";
        for (i, t) in tokens.iter().enumerate() {
            let form = t.form(&forms);
            push(hash(b'w', &[form]), i as u32);
            push(hash(b'b', &[prev, form]), i as u32);
            prev = form;
            let word = &text[t.start..t.end];
            if word.chars().next().unwrap_or(' ').is_uppercase() && word.len() > 1 {
                if crate::engine::context::is_given_name(word) {
                    push(hash(b'g', &["fname"]), i as u32);
                } else if crate::engine::context::is_family_name(word) {
                    push(hash(b'g', &["sname"]), i as u32);
                }
            }
        }
        if !tokens.is_empty() {
            push(hash(b'b', &[prev, "</s>"]), (tokens.len() - 1) as u32);
        }
        push(hash(b'g', &["len"]), NO_TOKEN);
        if text.trim_start().starts_with('@') {
            push(hash(b'g', &["reply"]), NO_TOKEN);
        }
        for r in raw {
            push(hash(b'r', &[&r.rule]), NO_TOKEN);
        }
        let owner_of = |start: usize| {
            let at = tokens.partition_point(|t| t.end <= start);
            if at < tokens.len() {
                at as u32
            } else {
                NO_TOKEN
            }
        };
        for c in candidates::find_in(input) {
            push(hash(b'k', &[if c.identifier == Identifier::Date { "date" } else { "name" }]), owner_of(c.start));
        }
        for c in vocabulary.cues_of(input).iter() {
            for (name, bit) in ROLE_NAMES {
                if c.roles & bit != 0 {
                    push(hash(b'v', &[name]), owner_of(c.start));
                }
            }
        }
        (hashes, owner)
    }

    #[test]
    fn feature_hashes_are_pinned() {
        // FNV-1a values of the first featurizer: a change here changes what
        // the committed model reads (retrain and bump FEATURIZER_VERSION)
        assert_eq!(hash(b'w', &["patient"]), 0xea8b_eb54_3aab_dfc8);
        assert_eq!(hash(b'b', &["<s>", "my"]), 0x2f03_2527_f1a8_0a1e);
    }

    #[test]
    fn constant_hashes_are_the_str_hash() {
        for (kind, p) in [(b'g', "fname"), (b'g', "len"), (b'k', "date"), (b'v', "care")] {
            assert_eq!(const_hash(kind, p), hash(kind, &[p]));
        }
        for (k, (name, _)) in ROLE_NAMES.iter().enumerate() {
            assert_eq!(ROLE_HASHES[k], hash(b'v', &[name]));
        }
        assert_eq!(
            [H_FNAME, H_SNAME, H_REPLY, H_NAME],
            [hash(b'g', &["fname"]), hash(b'g', &["sname"]), hash(b'g', &["reply"]), hash(b'k', &["name"])]
        );
    }

    #[test]
    fn hashes_differ_by_kind_and_order() {
        assert_ne!(hash(b'w', &["ab"]), hash(b'v', &["ab"]));
        assert_ne!(hash(b'b', &["a", "b"]), hash(b'b', &["b", "a"]));
        assert_ne!(hash(b'b', &["ab", ""]), hash(b'b', &["a", "b"]));
    }
}
