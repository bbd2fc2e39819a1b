//! The featurizer: a draft's folded view, its attachments and what the
//! structured detectors found, turned into hashed features in the manner of
//! fastText (word unigrams and bigrams, character n-grams of each word).
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
use crate::engine::context::{Vocabulary, ROLE_NAMES};
use crate::engine::{Finding, Identifier, Input};

/// The version of the feature extraction the weights were trained against.
pub const FEATURIZER_VERSION: u32 = 3;

/// One token of the folded view.
#[derive(Debug, Clone)]
pub struct Token {
    /// Byte range in the folded view.
    pub start: usize,
    pub end: usize,
    /// The normalised form features are made of (lower case, digits as `0`,
    /// `@user`, `<url>`, `<email>`).
    pub form: String,
}

impl Token {
    /// Whether it may be shown to a person as evidence: a plain lower-case
    /// word, never a capitalised word (a name the lists may not know), a
    /// given name or surname in lower case, a number, a code or a handle.
    /// Asked only for the few words a finding names, not for every token.
    pub fn showable(&self, text: &str) -> bool {
        if self.form.starts_with(['<', '@']) {
            return false;
        }
        let word = &text[self.start..self.end];
        if word.len() < 2 || !word.chars().all(|ch| ch.is_lowercase() || ch == '\'') {
            return false;
        }
        let mut chars = word.chars();
        let mut cap: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
        cap.push_str(chars.as_str());
        !(crate::engine::context::is_given_name(&cap) || crate::engine::context::is_family_name(&cap))
    }
}

/// The hashed features of one draft.
#[derive(Debug, Clone, Default)]
pub struct Features {
    pub tokens: Vec<Token>,
    /// Feature hashes (not yet reduced to buckets).
    pub hashes: Vec<u64>,
    /// For each hash: the token it belongs to, `u32::MAX` for draft-level ones.
    pub owner: Vec<u32>,
    /// Dates and name-shaped words, whoever they belong to.
    pub candidates: Vec<Candidate>,
}

const NO_TOKEN: u32 = u32::MAX;

impl Features {
    fn push(&mut self, h: u64, owner: u32) {
        self.hashes.push(h);
        self.owner.push(owner);
    }
}

/// FNV-1a over a kind byte and the parts, separated.
fn hash(kind: u8, parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: u8| {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(kind);
    for p in parts {
        for &b in p.as_bytes() {
            eat(b);
        }
        eat(0xff);
    }
    h
}

/// [`hash`] of one part given as bytes (a character n-gram): the same value
/// as `hash(kind, &[part])`, without making a `str` of it.
fn hash_bytes(kind: u8, part: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in std::iter::once(&kind).chain(part).chain(std::iter::once(&0xff)) {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Builds the features of a draft from its folded view, its attachments and
/// the findings of the structured detectors (before the model ran).
pub fn featurize(input: &Input<'_>, raw: &[Finding], vocabulary: &Vocabulary) -> Features {
    let text = input.norm.text();
    let mut f = Features { tokens: tokenize(text), ..Features::default() };

    let mut prev: &str = "<s>";
    let mut padded: Vec<u8> = Vec::with_capacity(32);
    let tokens = std::mem::take(&mut f.tokens);
    for (i, t) in tokens.iter().enumerate() {
        let i = i as u32;
        f.push(hash(b'w', &[&t.form]), i);
        f.push(hash(b'b', &[prev, &t.form]), i);
        prev = &t.form;
        let word = &text[t.start..t.end];
        // name shape: a capitalised given name or surname, whatever it is
        let first = word.chars().next().unwrap_or(' ');
        if first.is_uppercase() && word.len() > 1 {
            if crate::engine::context::is_given_name(word) {
                f.push(hash(b'g', &["fname"]), i);
            } else if crate::engine::context::is_family_name(word) {
                f.push(hash(b'g', &["sname"]), i);
            }
        }
        if t.form.len() >= 3 && t.form.bytes().all(|b| b.is_ascii_lowercase() || b == b'\'') {
            padded.clear();
            padded.push(b'<');
            padded.extend_from_slice(t.form.as_bytes());
            padded.push(b'>');
            for n in 3..=4 {
                for w in padded.windows(n) {
                    f.push(hash_bytes(b'c', w), i);
                }
            }
        }
    }
    if !tokens.is_empty() {
        f.push(hash(b'b', &[prev, "</s>"]), (tokens.len() - 1) as u32);
    }
    f.tokens = tokens;

    // draft-level features; `len` is on every draft so that, scaled like the
    // rest, it gives short drafts a bias of their own
    f.push(hash(b'g', &["len"]), NO_TOKEN);
    let trimmed = text.trim_start();
    if trimmed.starts_with('@') {
        f.push(hash(b'g', &["reply"]), NO_TOKEN);
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
    let cands = candidates::find(text);
    for c in &cands {
        let kind = match c.identifier {
            Identifier::Date => "date",
            _ => "name",
        };
        let at = f.tokens.partition_point(|t| t.end <= c.start);
        let owner = if at < f.tokens.len() { at as u32 } else { NO_TOKEN };
        f.push(hash(b'k', &[kind]), owner);
    }
    f.candidates = cands;
    // the context rules' cue phrases (`[context.cues]`), by role: the team's
    // curated knowledge, weighed by the model instead of decided by rules
    for (start, _, roles) in vocabulary.cue_spans(text) {
        let at = f.tokens.partition_point(|t| t.end <= start);
        let owner = if at < f.tokens.len() { at as u32 } else { NO_TOKEN };
        for (name, bit) in ROLE_NAMES {
            if roles & bit != 0 {
                f.push(hash(b'v', &[name]), owner);
            }
        }
    }
    f
}

/// Splits the folded view into tokens: words (letters, digits, inner `'`),
/// `@handles`, URLs and emails as one placeholder each.
pub fn tokenize(text: &str) -> Vec<Token> {
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
            out.push(Token { start: i, end, form: "<url>".into() });
            i = end;
            continue;
        }
        if c == '@' && i + 1 < b.len() && (b[i + 1].is_ascii_alphanumeric() || b[i + 1] == b'_') {
            let mut end = i + 1;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'_') {
                end += 1;
            }
            out.push(Token { start: i, end, form: "@user".into() });
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
                    out.push(Token { start: i, end: e, form: "<email>".into() });
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
            out.push(Token { start: i, end, form });
            i = end;
            continue;
        }
        i += c.len_utf8();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.form).collect()
    }

    #[test]
    fn tokens_fold_handles_urls_emails_and_digits() {
        assert_eq!(
            forms("@jen_22 Don't stop the 20mg, see https://x.org/a?b=1 or mail a.b@x.org 5551234"),
            ["@user", "don't", "stop", "the", "00mg", "see", "<url>", "or", "mail", "<email>", "0000+"]
        );
    }

    #[test]
    fn names_and_numbers_are_not_shown_as_evidence() {
        let text = "Tyler said stop 20mg";
        let t = tokenize(text);
        let shown: Vec<bool> = t.iter().map(|t| t.showable(text)).collect();
        assert_eq!(shown, [false, true, true, false]);
    }

    #[test]
    fn byte_hash_is_the_str_hash() {
        for p in ["<ab", "abc>", "'s>"] {
            assert_eq!(hash_bytes(b'c', p.as_bytes()), hash(b'c', &[p]));
        }
    }

    #[test]
    fn hashes_differ_by_kind_and_order() {
        assert_ne!(hash(b'w', &["ab"]), hash(b'c', &["ab"]));
        assert_ne!(hash(b'b', &["a", "b"]), hash(b'b', &["b", "a"]));
        assert_ne!(hash(b'b', &["ab", ""]), hash(b'b', &["a", "b"]));
    }
}
