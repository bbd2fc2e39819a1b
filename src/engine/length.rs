//! Twitter's weighted length, and the entities (URLs, hashtags, mentions)
//! found the way twitter-text finds them.
//!
//! Twitter does not count characters: it weighs code points (most count 2,
//! Latin, general punctuation and a few other ranges count 1), counts every
//! URL as 23 whatever its length (t.co wraps it), and counts an emoji
//! sequence (ZWJ families, skin tones, flags, keycaps) as one 2-weight
//! character. That is twitter-text's `parseTweet` with config v3; config v2
//! is the same without the emoji rule. Both are [`LengthConfig`]s, and
//! [`LengthConfig::from_json`] reads twitter-text's own config files.
//!
//! URL extraction follows twitter-text's `extractUrlsWithIndices`: the scheme
//! is optional (`www.heart.org/…` is a URL), the host must end in a known
//! top-level domain (the list below comes from twitter-text's `tlds.yml`),
//! and trailing punctuation is left out. It is a hand-written single pass
//! over the text, not a regex, because it runs on every draft.
//!
//! Why not the `twitter-text` crate: 0.3.1 passes the conformance suite but
//! counts a URL without a scheme by its raw characters (npm twitter-text, the
//! reference, counts 23), and it pulls in a C++ build (cxx), pest and nom.
//! `tests/twitter_text.rs` runs the same conformance suite against this
//! module.
//!
//! This module is pure text processing: it knows nothing of rules, findings
//! or config files, and must not panic on any input.

use super::Span;
use crate::engine::data::Fnv;
use crate::engine::normalize::first_non_ascii;
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// The longest post Twitter accepts, in weighted characters.
pub const MAX_WEIGHTED_LENGTH: usize = 280;

/// Code points `start..=end` weigh `weight` (in units of 1/`scale`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeightRange {
    pub start: u32,
    pub end: u32,
    pub weight: u32,
}

const TWITTER_RANGES: &[WeightRange] = &[
    WeightRange { start: 0, end: 4351, weight: 100 },
    WeightRange { start: 8192, end: 8205, weight: 100 },
    WeightRange { start: 8208, end: 8223, weight: 100 },
    WeightRange { start: 8242, end: 8247, weight: 100 },
];

/// A twitter-text weighting configuration (`config/v2.json`, `v3.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LengthConfig {
    pub max_weighted_length: usize,
    pub scale: u32,
    pub default_weight: u32,
    /// What every URL weighs, in characters.
    pub transformed_url_length: u32,
    /// Whether an emoji sequence counts as one `default_weight` character.
    pub emoji_parsing: bool,
    pub ranges: Cow<'static, [WeightRange]>,
}

impl LengthConfig {
    /// twitter-text config v2: weighted ranges, URLs as 23, no emoji rule.
    pub const V2: LengthConfig = LengthConfig {
        max_weighted_length: MAX_WEIGHTED_LENGTH,
        scale: 100,
        default_weight: 200,
        transformed_url_length: 23,
        emoji_parsing: false,
        ranges: Cow::Borrowed(TWITTER_RANGES),
    };

    /// twitter-text config v3 (the current default): v2 plus emoji sequences as 2.
    pub const V3: LengthConfig = LengthConfig {
        max_weighted_length: MAX_WEIGHTED_LENGTH,
        scale: 100,
        default_weight: 200,
        transformed_url_length: 23,
        emoji_parsing: true,
        ranges: Cow::Borrowed(TWITTER_RANGES),
    };

    /// Reads a twitter-text JSON config (see twitter-text's `config/README.md`).
    pub fn from_json(json: &str) -> Result<LengthConfig, String> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Raw {
            max_weighted_tweet_length: usize,
            scale: u32,
            default_weight: u32,
            #[serde(default)]
            emoji_parsing_enabled: bool,
            #[serde(default = "default_url_length", rename = "transformedURLLength")]
            transformed_url_length: u32,
            #[serde(default)]
            ranges: Vec<RawRange>,
        }
        #[derive(serde::Deserialize)]
        struct RawRange {
            start: u32,
            end: u32,
            weight: u32,
        }
        fn default_url_length() -> u32 {
            23
        }
        let raw: Raw = serde_json::from_str(json).map_err(|e| format!("invalid twitter-text config: {e}"))?;
        if raw.scale == 0 {
            return Err("invalid twitter-text config: scale must be at least 1".into());
        }
        Ok(LengthConfig {
            max_weighted_length: raw.max_weighted_tweet_length,
            scale: raw.scale,
            default_weight: raw.default_weight,
            transformed_url_length: raw.transformed_url_length,
            emoji_parsing: raw.emoji_parsing_enabled,
            ranges: Cow::Owned(
                raw.ranges.into_iter().map(|r| WeightRange { start: r.start, end: r.end, weight: r.weight }).collect(),
            ),
        })
    }

    fn weight(&self, c: char) -> u32 {
        let cp = c as u32;
        self.ranges.iter().find(|r| r.start <= cp && cp <= r.end).map_or(self.default_weight, |r| r.weight)
    }
}

/// Something found in a draft: where it is, and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity<'a> {
    /// Byte span into the original text.
    pub span: Span,
    /// The original text of the span (a hashtag or mention keeps its sign).
    pub text: &'a str,
}

impl<'a> Entity<'a> {
    fn new(text: &'a str, start: usize, end: usize) -> Entity<'a> {
        Entity { span: Span::new(start, end), text: &text[start..end] }
    }

    /// The text without a leading `#`/`@` (or their fullwidth forms).
    pub fn value(&self) -> &'a str {
        let t = self.text;
        match t.chars().next() {
            Some('#' | '＃' | '@' | '＠') => t.char_indices().nth(1).map_or("", |(i, _)| &t[i..]),
            _ => t,
        }
    }
}

/// One pass over a draft: its weighted length and its entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<'a> {
    pub weighted_length: usize,
    /// Byte offset of the original text up to which the draft fits in 280
    /// weighted characters (`text.len()` when it all fits).
    pub fits_until: usize,
    pub urls: Vec<Entity<'a>>,
    pub hashtags: Vec<Entity<'a>>,
    pub mentions: Vec<Entity<'a>>,
}

/// Parses a draft with the current Twitter rules (config v3).
pub fn parse(text: &str) -> Parsed<'_> {
    parse_with(text, &LengthConfig::V3)
}

/// Parses a draft with a given weighting configuration.
pub fn parse_with<'a>(text: &'a str, config: &LengthConfig) -> Parsed<'a> {
    let urls = extract_urls(text);
    let here = weigh(text, &urls, config);
    let weighted_length = if is_nfc(text) {
        here.length
    } else {
        // Twitter counts the NFC form; spans stay in the original (and
        // `fits_until`, counted on the original, is then approximate).
        let nfc: String = text.nfc().collect();
        weigh(&nfc, &extract_urls(&nfc), config).length
    };
    let hashtags = hashtags_without_url_overlap(text, &urls);
    let mentions = extract_mentions(text);
    Parsed { weighted_length, fits_until: here.fits_until, urls, hashtags, mentions }
}

/// The weighted length of a draft under the current Twitter rules (v3).
pub fn weighted_length(text: &str) -> usize {
    weighted_length_with(text, &LengthConfig::V3)
}

/// The weighted length of a draft under a given configuration.
pub fn weighted_length_with(text: &str, config: &LengthConfig) -> usize {
    if is_nfc(text) {
        weigh(text, &extract_urls(text), config).length
    } else {
        let nfc: String = text.nfc().collect();
        weigh(&nfc, &extract_urls(&nfc), config).length
    }
}

fn is_nfc(text: &str) -> bool {
    nfc_quick_yes(text) || unicode_normalization::is_nfc(text)
}

/// `is_nfc_quick(text.chars()) == IsNormalized::Yes`, run on the non-ASCII
/// stretches only, and within them only on the characters between
/// [`NFC_STARTERS`]: an ASCII character, like one of those, is NFC and a
/// starter, after which the quick check starts afresh, so the pieces are
/// checked one by one and the ASCII between them (most of a draft) is
/// skipped by a byte search; the quick check's table lookups, a hundred
/// instructions a character, are left for the rare others (combining marks,
/// symbols outside those blocks).
fn nfc_quick_yes(text: &str) -> bool {
    let b = text.as_bytes();
    let quick_yes = |piece: &str| piece.is_empty() || is_nfc_quick(piece.chars()) == IsNormalized::Yes;
    let mut i = 0;
    while let Some(k) = first_non_ascii(&b[i..]) {
        let s = i + k;
        let e = b[s..].iter().position(u8::is_ascii).map_or(b.len(), |k| s + k);
        // the start of the piece not yet checked
        let mut from = s;
        for (k, c) in text[s..e].char_indices() {
            if is_nfc_starter(c) {
                if !quick_yes(&text[from..s + k]) {
                    return false;
                }
                from = s + k + c.len_utf8();
            }
        }
        if !quick_yes(&text[from..e]) {
            return false;
        }
        i = e;
    }
    true
}

/// Blocks of non-ASCII characters that are all NFC (quick check Yes) and
/// starters (combining class 0), as a test checks character by character:
/// Latin-1 and Latin Extended-A, general punctuation (spaces, joiners,
/// quotes, dashes; not U+2000 and U+2001, which are not NFC), symbols and
/// dingbats, CJK punctuation (up to the tone marks), kana (not the combining
/// sound marks U+3099 and U+309A), CJK ideographs, Hangul syllables,
/// variation selectors, fullwidth forms and the emoji planes' symbols.
const NFC_STARTERS: &[(char, char)] = &[
    ('\u{a0}', '\u{17f}'),
    ('\u{2002}', '\u{206f}'),
    ('\u{2600}', '\u{27bf}'),
    ('\u{3000}', '\u{3029}'),
    ('\u{3041}', '\u{3096}'),
    ('\u{309b}', '\u{30ff}'),
    ('\u{4e00}', '\u{9fff}'),
    ('\u{ac00}', '\u{d7a3}'),
    ('\u{fe00}', '\u{fe0f}'),
    ('\u{ff01}', '\u{ff60}'),
    ('\u{1f000}', '\u{1faff}'),
];

/// Whether `c` lies in one of [`NFC_STARTERS`].
fn is_nfc_starter(c: char) -> bool {
    NFC_STARTERS.iter().any(|&(lo, hi)| lo <= c && c <= hi)
}

/// The weight of a text, and the byte offset up to which it fits in the
/// configuration's maximum (the end of the last character or URL that fits).
struct Weight {
    length: usize,
    fits_until: usize,
}

fn weigh(text: &str, urls: &[Entity<'_>], config: &LengthConfig) -> Weight {
    let limit = config.max_weighted_length as u64 * u64::from(config.scale);
    // ASCII characters other than keycap bases weigh the same in every
    // shipped config; check once, then skip the per-character lookups.
    let ascii_weight = u64::from(config.weight('\0'));
    let ascii_uniform = config.ranges.iter().all(|r| r.start > 127 || (r.start == 0 && r.end >= 127));
    let bytes = text.as_bytes();
    let mut total: u64 = 0;
    let mut fits_until = 0;
    let mut i = 0;
    let mut next_url = urls.iter().peekable();
    // An ASCII character weighed as any other: `#`, `*` and digits start a
    // keycap emoji only before U+FE0F or U+20E3 (not ASCII), so before ASCII
    // or at the end they are plain too.
    let plain_ascii = |p: usize| {
        let b = bytes[p];
        b.is_ascii() && (!matches!(b, b'#' | b'*' | b'0'..=b'9') || bytes.get(p + 1).is_none_or(u8::is_ascii))
    };
    while i < text.len() {
        while next_url.peek().is_some_and(|u| u.span.start < i) {
            next_url.next();
        }
        if ascii_uniform && plain_ascii(i) && next_url.peek().is_none_or(|u| u.span.start != i) {
            // the run of such characters up to the next URL, weighed at once:
            // the same total, and `fits_until` where the running total last fit
            let stop = next_url.peek().map_or(bytes.len(), |u| u.span.start.min(bytes.len()));
            // up to the first non-ASCII byte (a byte search), less a keycap
            // base right before it: where `plain_ascii` first fails
            let mut j = first_non_ascii(&bytes[i + 1..stop]).map_or(stop.max(i + 1), |k| i + 1 + k);
            if j > i + 1
                && bytes.get(j).is_some_and(|b| !b.is_ascii())
                && matches!(bytes[j - 1], b'#' | b'*' | b'0'..=b'9')
            {
                j -= 1;
            }
            debug_assert!((i + 1..j).all(plain_ascii) && (j >= stop || !plain_ascii(j)));
            let n = (j - i) as u64;
            if total + n * ascii_weight <= limit {
                fits_until = j;
            } else if total + ascii_weight <= limit {
                // ascii_weight > 0 here, or the whole run would fit
                fits_until = i + ((limit - total) / ascii_weight) as usize;
            }
            total += n * ascii_weight;
            i = j;
            continue;
        } else if let Some(u) = next_url.peek().filter(|u| u.span.start == i) {
            total += u64::from(config.transformed_url_length) * u64::from(config.scale);
            i = u.span.end.max(i + 1);
            next_url.next();
        } else if let Some(n) = config.emoji_parsing.then(|| emoji_len(&text[i..])).flatten() {
            total += u64::from(config.default_weight);
            i += n;
        } else {
            let Some(c) = text[i..].chars().next() else { break };
            total += u64::from(config.weight(c));
            i += c.len_utf8();
        }
        if total <= limit {
            fits_until = i;
        }
    }
    Weight { length: (total / u64::from(config.scale)) as usize, fits_until }
}

// ---------------------------------------------------------------------------
// Emoji sequences (UTS #51), as twemoji-parser groups them for twitter-text.

/// Extended_Pictographic (Unicode emoji-data), as inclusive ranges.
const EXTENDED_PICTOGRAPHIC: &[(u32, u32)] = &[
    (0x00A9, 0x00A9),
    (0x00AE, 0x00AE),
    (0x203C, 0x203C),
    (0x2049, 0x2049),
    (0x2122, 0x2122),
    (0x2139, 0x2139),
    (0x2194, 0x2199),
    (0x21A9, 0x21AA),
    (0x231A, 0x231B),
    (0x2328, 0x2328),
    (0x2388, 0x2388),
    (0x23CF, 0x23CF),
    (0x23E9, 0x23F3),
    (0x23F8, 0x23FA),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25AB),
    (0x25B6, 0x25B6),
    (0x25C0, 0x25C0),
    (0x25FB, 0x25FE),
    (0x2600, 0x2605),
    (0x2607, 0x2612),
    (0x2614, 0x2685),
    (0x2690, 0x2705),
    (0x2708, 0x2712),
    (0x2714, 0x2714),
    (0x2716, 0x2716),
    (0x271D, 0x271D),
    (0x2721, 0x2721),
    (0x2728, 0x2728),
    (0x2733, 0x2734),
    (0x2744, 0x2744),
    (0x2747, 0x2747),
    (0x274C, 0x274C),
    (0x274E, 0x274E),
    (0x2753, 0x2755),
    (0x2757, 0x2757),
    (0x2763, 0x2767),
    (0x2795, 0x2797),
    (0x27A1, 0x27A1),
    (0x27B0, 0x27B0),
    (0x27BF, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B07),
    (0x2B1B, 0x2B1C),
    (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
    (0x3030, 0x3030),
    (0x303D, 0x303D),
    (0x3297, 0x3297),
    (0x3299, 0x3299),
    (0x1F000, 0x1F0FF),
    (0x1F10D, 0x1F10F),
    (0x1F12F, 0x1F12F),
    (0x1F16C, 0x1F171),
    (0x1F17E, 0x1F17F),
    (0x1F18E, 0x1F18E),
    (0x1F191, 0x1F19A),
    (0x1F1AD, 0x1F1E5),
    (0x1F201, 0x1F20F),
    (0x1F21A, 0x1F21A),
    (0x1F22F, 0x1F22F),
    (0x1F232, 0x1F23A),
    (0x1F23C, 0x1F23F),
    (0x1F249, 0x1F3FA),
    (0x1F400, 0x1F53D),
    (0x1F546, 0x1F64F),
    (0x1F680, 0x1F6FF),
    (0x1F774, 0x1F77F),
    (0x1F7D5, 0x1F7FF),
    (0x1F80C, 0x1F80F),
    (0x1F848, 0x1F84F),
    (0x1F85A, 0x1F85F),
    (0x1F888, 0x1F88F),
    (0x1F8AE, 0x1F8FF),
    (0x1F90C, 0x1F93A),
    (0x1F93C, 0x1F945),
    (0x1F947, 0x1FAFF),
    (0x1FC00, 0x1FFFD),
];

const VS15: char = '\u{FE0E}';
const VS16: char = '\u{FE0F}';
const ZWJ: char = '\u{200D}';
const KEYCAP: char = '\u{20E3}';

fn is_pictographic(c: char) -> bool {
    let cp = c as u32;
    if cp < 0xA9 {
        return false;
    }
    EXTENDED_PICTOGRAPHIC
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

fn is_skin_tone(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_tag(c: char) -> bool {
    ('\u{E0020}'..='\u{E007E}').contains(&c)
}

/// A read position in a string, for the small grammars below.
struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Cursor<'a> {
        Cursor { s, i: 0 }
    }
    fn peek(&self) -> Option<char> {
        self.s[self.i..].chars().next()
    }
    fn peek2(&self) -> Option<char> {
        let mut it = self.s[self.i..].chars();
        it.next();
        it.next()
    }
    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.i += c.len_utf8();
        }
    }

    /// After an emoji element: one presentation selector or skin tone, and
    /// for the black flag a tag sequence (subdivision flags).
    fn element_tail(&mut self, base: char) {
        match self.peek() {
            Some(VS16) => self.bump(),
            Some(m) if is_skin_tone(m) && !is_skin_tone(base) => self.bump(),
            _ => {}
        }
        if base == BLACK_FLAG && self.peek().is_some_and(is_tag) {
            let save = self.i;
            while self.peek().is_some_and(is_tag) {
                self.bump();
            }
            if self.peek() == Some(CANCEL_TAG) {
                self.bump();
            } else {
                self.i = save;
            }
        }
    }
}

const BLACK_FLAG: char = '\u{1F3F4}';
const CANCEL_TAG: char = '\u{E007F}';

/// Byte length of the emoji sequence at the start of `s`, if one starts there:
/// a keycap, a flag, or pictographs with their selectors and skin tones,
/// joined by ZWJ.
fn emoji_len(s: &str) -> Option<usize> {
    let mut c = Cursor::new(s);
    let first = c.peek()?;
    if first.is_ascii() {
        if !matches!(first, '#' | '*' | '0'..='9') {
            return None;
        }
        c.bump();
        if c.peek() == Some(VS16) {
            c.bump();
        }
        if c.peek() != Some(KEYCAP) {
            return None;
        }
        c.bump();
        return Some(c.i);
    }
    if is_regional_indicator(first) {
        c.bump();
        if c.peek().is_some_and(is_regional_indicator) {
            c.bump();
        }
        return Some(c.i);
    }
    if first == VS16 {
        return Some(VS16.len_utf8());
    }
    if !(is_pictographic(first) || is_skin_tone(first)) {
        return None;
    }
    // A pictograph asked for as text (VS15) is text. Text-default symbols in
    // the 1-weight range (©, ®) are emoji only when asked for with VS16.
    let second = c.peek2();
    if second == Some(VS15) || ((first as u32) < 0x1000 && second != Some(VS16)) {
        return None;
    }
    c.bump();
    c.element_tail(first);
    while c.peek() == Some(ZWJ) {
        let Some(next) = c.peek2().filter(|&n| is_pictographic(n)) else { break };
        let save = c.i;
        c.bump();
        c.bump();
        if c.peek() == Some(VS15) {
            c.i = save;
            break;
        }
        c.element_tail(next);
    }
    Some(c.i)
}

// ---------------------------------------------------------------------------
// URLs, after twitter-text's `extractUrlsWithIndices` (extractUrlsWithoutProtocol on).

const MAX_URL_LENGTH: usize = 4096;
const MAX_TCO_SLUG_LENGTH: usize = 40;
const MAX_DOMAIN_LABEL_LENGTH: usize = 63;

static ASCII_TLD_SET: LazyLock<HashSet<&'static str, BuildHasherDefault<Fnv>>> =
    LazyLock::new(|| ASCII_TLDS.split_whitespace().collect());
/// Lower-cased, longest first, so the first prefix match is the longest.
static UNICODE_TLD_LIST: LazyLock<Vec<Vec<char>>> = LazyLock::new(|| {
    let mut v: Vec<Vec<char>> = UNICODE_TLDS.split_whitespace().map(|t| t.chars().map(lower).collect()).collect();
    v.sort_by_key(|t| std::cmp::Reverse(t.len()));
    v
});

fn lower(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

fn is_directional_marker(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{2066}'..='\u{2069}')
}

fn is_space(c: char) -> bool {
    matches!(c,
        '\u{09}'..='\u{0D}' | ' ' | '\u{85}' | '\u{A0}' | '\u{1680}' | '\u{180E}' | '\u{2000}'..='\u{200A}'
        | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}')
}

fn is_invalid_char(c: char) -> bool {
    matches!(c, '\u{FFFE}' | '\u{FEFF}' | '\u{FFFF}')
}

/// twitter-text's `validDomainChars`: anything but punctuation, spaces,
/// invalid characters and directional marks.
fn is_domain_char(c: char) -> bool {
    if c.is_ascii() {
        return is_ascii_domain_byte(c as u8);
    }
    !(is_space(c) || is_invalid_char(c) || is_directional_marker(c))
}

/// What may stand right before a URL (`validUrlPrecedingChars`).
fn is_url_preceding(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || matches!(c, '@' | '＠' | '$' | '#' | '＃') || is_invalid_char(c))
}

fn is_latin_accent(c: char) -> bool {
    matches!(c,
        '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{FF}' | '\u{100}'..='\u{24F}' | '\u{253}' | '\u{254}'
        | '\u{256}' | '\u{257}' | '\u{259}' | '\u{25B}' | '\u{263}' | '\u{268}' | '\u{26F}' | '\u{272}' | '\u{289}'
        | '\u{28B}' | '\u{2BB}' | '\u{300}'..='\u{36F}' | '\u{1E00}'..='\u{1EFF}')
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{4FF}').contains(&c)
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '*'
                | '\''
                | ';'
                | ':'
                | '='
                | '+'
                | ','
                | '.'
                | '$'
                | '/'
                | '%'
                | '#'
                | '['
                | ']'
                | '-'
                | '\u{2013}'
                | '_'
                | '~'
                | '@'
                | '|'
                | '&'
        )
        || is_cyrillic(c)
        || is_latin_accent(c)
}

fn is_path_ending_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '=' | '_' | '#' | '/') || is_cyrillic(c) || is_latin_accent(c)
}

fn is_query_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '?'
                | '*'
                | '\''
                | '@'
                | '('
                | ')'
                | ';'
                | ':'
                | '&'
                | '='
                | '+'
                | '$'
                | '/'
                | '%'
                | '#'
                | '['
                | ']'
                | '-'
                | '_'
                | '.'
                | ','
                | '~'
                | '|'
        )
}

fn is_query_ending_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '&' | '=' | '#' | '/')
}

fn char_at(s: &str, i: usize) -> Option<char> {
    s.get(i..).and_then(|r| r.chars().next())
}

fn starts_with_ci(s: &str, i: usize, prefix: &str) -> bool {
    s.as_bytes().get(i..i + prefix.len()).is_some_and(|b| b.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// End of the top-level domain starting at `t`, if one does. A TLD must not
/// run on into letters, digits, `@`, `+` or `-` (end of `s` is fine).
fn match_tld(s: &str, t: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let run_end = t + bytes[t..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
    let ends_ok =
        |e: usize| !matches!(char_at(s, e), Some(c) if c.is_ascii_alphanumeric() || matches!(c, '@' | '+' | '-'));
    if run_end > t && run_end - t <= 24 && ends_ok(run_end) {
        let mut buf = [0u8; 24];
        let n = run_end - t;
        buf[..n].copy_from_slice(&bytes[t..run_end]);
        buf[..n].make_ascii_lowercase();
        if std::str::from_utf8(&buf[..n]).is_ok_and(|w| ASCII_TLD_SET.contains(w)) {
            return Some(run_end);
        }
    }
    if bytes.get(run_end).is_some_and(|b| !b.is_ascii()) {
        let rest = &s[t..];
        for tld in UNICODE_TLD_LIST.iter() {
            let mut chars = rest.char_indices();
            let mut end = None;
            let mut ok = true;
            for &want in tld {
                match chars.next() {
                    Some((i, c)) if lower(c) == want => end = Some(t + i + c.len_utf8()),
                    _ => {
                        ok = false;
                        break;
                    }
                }
            }
            if let (true, Some(e)) = (ok, end) {
                if ends_ok(e) {
                    return Some(e);
                }
            }
        }
    }
    if starts_with_ci(s, t, "xn--") {
        let e = t + 4 + bytes[t + 4..].iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'-').count();
        if e > t + 4 {
            return Some(e);
        }
    }
    None
}

/// What [`scan_label`] found at a position.
enum Label {
    /// A dot-terminated label: where its dot is, whether it is a valid
    /// subdomain label (`_` and `-` inside) and a valid domain-name label
    /// (`-` inside).
    Dotted { dot: usize, sub: bool, name: bool },
    /// The run of domain characters ends at `stop` without a dot.
    Stop(usize),
    /// Longer than any DNS label (63): no valid URL has it, so stop early.
    TooLong,
}

/// Labels in a chain before giving up (DNS allows 127).
const MAX_DOMAIN_LABELS: usize = 127;

/// [`is_domain_char`] of an ASCII character.
const fn is_ascii_domain_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'"' | b'`' | 0x00..=0x08 | 0x0E..=0x1F | 0x7F)
}

/// What an ASCII byte is to [`scan_label`]: one of the `LABEL_*` classes.
const LABEL_STOP: u8 = 0;
const LABEL_DOT: u8 = 1;
const LABEL_DOMAIN: u8 = 2;
const LABEL_UNDERSCORE: u8 = 3;
const LABEL_HYPHEN: u8 = 4;
static ASCII_LABEL_CLASS: [u8; 128] = {
    let mut t = [LABEL_STOP; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'.' => LABEL_DOT,
            b'_' => LABEL_UNDERSCORE,
            b'-' => LABEL_HYPHEN,
            x if is_ascii_domain_byte(x) => LABEL_DOMAIN,
            _ => LABEL_STOP,
        };
        b += 1;
    }
    t
};

fn scan_label(s: &str, i: usize) -> Label {
    // byte by byte: an ASCII byte is its own character, and only a
    // non-ASCII one is decoded (the same characters as `char_indices`)
    let b = s.as_bytes();
    let mut first_ok = false;
    let mut last_ok = false;
    let mut underscore = false;
    let mut k = i;
    let mut chars = 0usize;
    while k < b.len() {
        let byte = b[k];
        if byte < 0x80 {
            // the same steps as below, by table
            match ASCII_LABEL_CLASS[byte as usize] {
                LABEL_DOT => {
                    if chars == 0 {
                        return Label::Stop(k);
                    }
                    let sub = first_ok && last_ok;
                    return Label::Dotted { dot: k, sub, name: sub && !underscore };
                }
                LABEL_STOP => return Label::Stop(k),
                class => {
                    if chars == MAX_DOMAIN_LABEL_LENGTH {
                        return Label::TooLong;
                    }
                    let dc = class == LABEL_DOMAIN;
                    if chars == 0 {
                        first_ok = dc;
                    }
                    last_ok = dc;
                    underscore |= class == LABEL_UNDERSCORE;
                    chars += 1;
                    k += 1;
                    continue;
                }
            }
        }
        let (c, len) = if byte < 0x80 {
            (byte as char, 1)
        } else {
            let Some(c) = s[k..].chars().next() else { break };
            (c, c.len_utf8())
        };
        if c == '.' {
            if chars == 0 {
                return Label::Stop(k);
            }
            let sub = first_ok && last_ok;
            return Label::Dotted { dot: k, sub, name: sub && !underscore };
        }
        let dc = is_domain_char(c);
        if !(dc || c == '_' || c == '-') {
            return Label::Stop(k);
        }
        if chars == MAX_DOMAIN_LABEL_LENGTH {
            // twitter-text would match this label and then reject the URL
            // (IDNA allows 63); stopping here keeps the scan linear.
            return Label::TooLong;
        }
        if chars == 0 {
            first_ok = dc;
        }
        last_ok = dc;
        underscore |= c == '_';
        chars += 1;
        k += len;
    }
    Label::Stop(s.len())
}

/// `validDomain` at `u`: the longest chain `sub.…name.tld`. `Err(stop)` gives
/// where the first label's run stopped when there was no label at all.
fn match_domain(s: &str, u: usize) -> Result<Option<usize>, usize> {
    let mut i = u;
    let mut best = None;
    for _ in 0..MAX_DOMAIN_LABELS {
        match scan_label(s, i) {
            Label::Dotted { dot, sub, name } => {
                if name {
                    if let Some(e) = match_tld(s, dot + 1) {
                        best = Some(e);
                    }
                }
                if !sub {
                    return Ok(best);
                }
                i = dot + 1;
            }
            Label::Stop(stop) if i == u => return Err(stop),
            Label::Stop(_) => return Ok(best),
            Label::TooLong => return Ok(best),
        }
    }
    Ok(None)
}

/// After the `/`: the longest run of path characters (with balanced
/// parentheses) that ends on a path-ending character.
fn match_path(s: &str, start: usize) -> usize {
    let mut pos = start;
    let mut last = start;
    while let Some(c) = char_at(s, pos) {
        if is_path_char(c) {
            pos += c.len_utf8();
            if is_path_ending_char(c) {
                last = pos;
            }
        } else if c == '(' {
            match match_balanced_parens(s, pos) {
                Some(e) => {
                    pos = e;
                    last = e;
                }
                None => break,
            }
        } else {
            break;
        }
    }
    last
}

fn skip_path_chars(s: &str, mut pos: usize) -> usize {
    while let Some(c) = char_at(s, pos).filter(|&c| is_path_char(c)) {
        pos += c.len_utf8();
    }
    pos
}

/// `(…)` or `(…(…)…)` with non-empty insides, as in Wikipedia URLs.
fn match_balanced_parens(s: &str, open: usize) -> Option<usize> {
    let a = open + 1;
    let b = skip_path_chars(s, a);
    match char_at(s, b) {
        Some(')') if b > a => Some(b + 1),
        Some('(') => {
            let c = b + 1;
            let d = skip_path_chars(s, c);
            if d == c || char_at(s, d) != Some(')') {
                return None;
            }
            let e = skip_path_chars(s, d + 1);
            (char_at(s, e) == Some(')')).then_some(e + 1)
        }
        _ => None,
    }
}

/// After the `?`, up to `limit`: the longest run of query characters that
/// ends on a query-ending character.
fn match_query(s: &str, start: usize, limit: usize) -> Option<usize> {
    let mut last = None;
    for (k, c) in s[start..limit].char_indices() {
        if !is_query_char(c) {
            break;
        }
        if is_query_ending_char(c) {
            last = Some(start + k + c.len_utf8());
        }
    }
    last
}

/// The ASCII domains inside a (possibly non-ASCII) domain, as byte ranges of
/// `d` (`validAsciiDomain`, applied repeatedly).
fn ascii_domains(d: &str) -> Vec<(usize, usize)> {
    let is_label_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || is_latin_accent(c);
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = char_at(d, i) {
        if is_label_char(c) {
            let mut j = i;
            let mut best = None;
            loop {
                let run_end = j + d[j..].chars().take_while(|&c| is_label_char(c)).map(char::len_utf8).sum::<usize>();
                if run_end == j || char_at(d, run_end) != Some('.') {
                    break;
                }
                if let Some(e) = match_tld(d, run_end + 1) {
                    best = Some(e);
                }
                j = run_end + 1;
            }
            if let Some(e) = best {
                out.push((i, e));
                i = e;
                continue;
            }
        }
        i += c.len_utf8();
    }
    out
}

fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

/// Length of a label as IDNA/punycode would encode it (punycode.js's
/// `toASCII`, which also splits on ideographic full stops).
fn ascii_label_len(label: &str) -> usize {
    let mut total = 0;
    for (k, part) in label.split(['.', '\u{3002}', '\u{FF0E}', '\u{FF61}']).enumerate() {
        if k > 0 {
            total += 1;
        }
        total += if part.chars().all(|c| (c as u32) < 0x7F) { part.len() } else { 4 + punycode_len(part) };
    }
    total
}

/// Length of the RFC 3492 punycode encoding of `input`.
fn punycode_len(input: &str) -> usize {
    const BASE: u64 = 36;
    const TMIN: u64 = 1;
    const TMAX: u64 = 26;
    const SKEW: u64 = 38;
    const DAMP: u64 = 700;
    fn adapt(mut delta: u64, points: u64, first: bool) -> u64 {
        delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    let cps: Vec<u64> = input.chars().map(|c| c as u64).collect();
    let basic = cps.iter().filter(|&&c| c < 0x80).count();
    let mut out = basic + usize::from(basic > 0);
    let (mut n, mut delta, mut bias) = (0x80u64, 0u64, 72u64);
    let mut h = basic;
    while h < cps.len() {
        let Some(&m) = cps.iter().filter(|&&c| c >= n).min() else { break };
        delta = delta.saturating_add((m - n).saturating_mul(h as u64 + 1));
        n = m;
        for &c in &cps {
            if c < n {
                delta = delta.saturating_add(1);
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        TMIN
                    } else if k >= bias + TMAX {
                        TMAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    out += 1;
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out += 1;
                bias = adapt(delta, h as u64 + 1, h == basic);
                delta = 0;
                h += 1;
            }
        }
        delta = delta.saturating_add(1);
        n += 1;
    }
    out
}

/// twitter-text's `idna.toAscii` check: every label encodes to 1..=63 chars,
/// and a `xn--` domain holds an ASCII domain.
fn domain_encodes(domain: &str) -> bool {
    if domain.starts_with("xn--") && ascii_domains(domain).is_empty() {
        return false;
    }
    domain.split('.').all(|l| (1..=MAX_DOMAIN_LABEL_LENGTH).contains(&ascii_label_len(l)))
}

/// A match of the URL pattern at `u`.
struct RawUrl {
    protocol: usize,
    domain_end: usize,
    has_path: bool,
    end: usize,
}

fn match_url_at(s: &str, u: usize) -> Result<Option<RawUrl>, usize> {
    let protocol = if starts_with_ci(s, u, "https://") {
        8
    } else if starts_with_ci(s, u, "http://") {
        7
    } else {
        0
    };
    let Some(domain_end) = (match match_domain(s, u + protocol) {
        Ok(d) => d,
        Err(stop) if protocol == 0 => return Err(stop),
        Err(_) => None,
    }) else {
        return Ok(None);
    };
    let bytes = s.as_bytes();
    let mut end = domain_end;
    if bytes.get(end) == Some(&b':') {
        let digits = bytes[end + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 {
            end += 1 + digits;
        }
    }
    let has_path = bytes.get(end) == Some(&b'/');
    if has_path {
        end = match_path(s, end + 1);
    }
    if bytes.get(end) == Some(&b'?') {
        if let Some(q) = match_query(s, end + 1, s.len()) {
            end = q;
        }
    }
    Ok(Some(RawUrl { protocol, domain_end, has_path, end }))
}

/// Where a URL can start, found from the dots: `match_domain` needs a
/// non-empty first label ended by a `.`, so a match at `u` needs the text
/// from `u` (or from after an `http://`/`https://` at `u`) up to the first
/// dot after it to be label characters. The starts that can match are then,
/// for each dot, the run of label characters before it and the scheme right
/// before that run (a dot that nothing domain-like follows, as at the end
/// of a sentence, has none); everything between such windows fails, and
/// [`extract_urls`] steps over it instead of trying every character.
#[derive(Default)]
struct UrlStarts {
    /// The window of the last dot found: (`first`, `run`, `dot`), starts
    /// `first` (the scheme's, or `run`) and `run..dot`.
    window: Option<(usize, usize, usize)>,
    /// Dots before this have been looked at.
    searched: usize,
}

impl UrlStarts {
    /// The first position at or after `from` (a char boundary) where a URL
    /// can start; `None` when none can.
    fn next(&mut self, text: &str, from: usize) -> Option<usize> {
        loop {
            if let Some((first, run, dot)) = self.window {
                if from <= first {
                    return Some(first);
                }
                if from <= run {
                    return Some(run);
                }
                // inside the run, a match is tried only after a character
                // that may precede a URL: not after an ASCII letter or digit
                let b = text.as_bytes();
                let mut q = from;
                while q < dot && b[q - 1].is_ascii_alphanumeric() && b[q].is_ascii() {
                    q += 1;
                }
                if q < dot {
                    return Some(q);
                }
            }
            let start = self.searched.max(from);
            let dot = start + text.get(start..)?.find('.')?;
            self.searched = dot + 1;
            // a dot with nothing after it that can go on a domain (the end
            // of the text, a dot, a character no label holds: the end of a
            // sentence) ends the first label of any match in its window,
            // and `match_domain` finds no top-level domain and no next
            // label there: none can match
            let b = text.as_bytes();
            if b.get(dot + 1)
                .is_none_or(|&c| c.is_ascii() && matches!(ASCII_LABEL_CLASS[usize::from(c)], LABEL_STOP | LABEL_DOT))
            {
                continue;
            }
            // the label characters right before the dot (a run reaching back
            // past `start` is cut there: `start` is then `from`, itself a start)
            let mut run = dot;
            for (k, c) in text[start..dot].char_indices().rev() {
                if !is_label_char(c) {
                    break;
                }
                run = start + k;
            }
            if run < dot {
                let first = if run >= 8 && starts_with_ci(text, run - 8, "https://") {
                    run - 8
                } else if run >= 7 && starts_with_ci(text, run - 7, "http://") {
                    run - 7
                } else {
                    run
                };
                self.window = Some((first, run, dot));
            }
        }
    }
}

/// What [`scan_label`] takes into a label: domain characters, `_` and `-`.
fn is_label_char(c: char) -> bool {
    if c.is_ascii() {
        matches!(ASCII_LABEL_CLASS[c as usize], LABEL_DOMAIN | LABEL_UNDERSCORE | LABEL_HYPHEN)
    } else {
        is_domain_char(c)
    }
}

/// Every URL in `text`, with or without a scheme, as twitter-text finds them.
pub fn extract_urls(text: &str) -> Vec<Entity<'_>> {
    extract_urls_from(text, true)
}

/// [`extract_urls`], trying a match only where [`UrlStarts`] says one can
/// start (`by_dots`), or at every character (the reference the tests
/// compare it with).
fn extract_urls_from(text: &str, by_dots: bool) -> Vec<Entity<'_>> {
    let mut out = Vec::new();
    if !text.contains('.') {
        return out;
    }
    let mut starts = UrlStarts::default();
    let mut p = 0;
    while p < text.len() {
        let Some(c) = char_at(text, p) else { break };
        // from here on only a match at `p + c.len_utf8()` is tried (the
        // start of the text is tried at 0 below): go to the char before the
        // next position where one can start
        if by_dots && p > 0 {
            let u = p + c.len_utf8();
            match starts.next(text, u) {
                None => break,
                Some(w) if w > u => {
                    p = w - text[..w].chars().next_back().map_or(1, char::len_utf8);
                    continue;
                }
                Some(_) => {}
            }
        }
        let mut attempt: Option<(usize, Option<char>)> = None;
        if is_url_preceding(c) {
            attempt = Some((p + c.len_utf8(), Some(c)));
        }
        let mut found = None;
        let mut skip_to = None;
        if let Some((u, before)) = attempt {
            match match_url_at(text, u) {
                Ok(Some(m)) => found = Some((u, before, m)),
                Ok(None) => {}
                // No label at all before `stop`: starts up to there fail the
                // same way, unless a scheme's colon is what stopped it.
                Err(stop) if char_at(text, stop) != Some(':') && stop > p => skip_to = Some(stop),
                Err(_) => {}
            }
        }
        if found.is_none() && p == 0 {
            if let Ok(Some(m)) = match_url_at(text, 0) {
                found = Some((0, None, m));
                skip_to = None;
            }
        }
        match found {
            Some((u, before, m)) => {
                accept_url(text, u, before, &m, &mut out);
                p = m.end.max(p + 1);
                while !text.is_char_boundary(p) {
                    p += 1;
                }
            }
            None => {
                p = match skip_to {
                    Some(stop) if stop > p => stop,
                    _ => p + c.len_utf8(),
                }
            }
        }
    }
    out
}

fn accept_url<'a>(text: &'a str, u: usize, before: Option<char>, m: &RawUrl, out: &mut Vec<Entity<'a>>) {
    let domain_start = u + m.protocol;
    let domain = &text[domain_start..m.domain_end];
    let protocol_len = if m.protocol > 0 { m.protocol } else { "https://".len() };
    if !domain_encodes(domain) || protocol_len + utf16_len(&text[u..m.end]) > MAX_URL_LENGTH {
        return;
    }
    if m.protocol == 0 {
        if matches!(before, Some('-' | '_' | '.' | '/')) {
            return;
        }
        let found = ascii_domains(domain);
        let n = found.len();
        for (k, (a, b)) in found.into_iter().enumerate() {
            let end = if k + 1 == n && m.has_path { m.end } else { domain_start + b };
            out.push(Entity::new(text, domain_start + a, end));
        }
        return;
    }
    let mut end = m.end;
    if starts_with_ci(text, domain_start, "t.co/") {
        let slug_start = domain_start + 5;
        let slug = text.as_bytes()[slug_start..end].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if slug > 0 {
            if slug > MAX_TCO_SLUG_LENGTH {
                return;
            }
            let mut tco_end = slug_start + slug;
            if text.as_bytes().get(tco_end) == Some(&b'?') && tco_end < end {
                if let Some(q) = match_query(text, tco_end + 1, end) {
                    tco_end = q;
                }
            }
            end = tco_end;
        }
    }
    out.push(Entity::new(text, u, end));
}

// ---------------------------------------------------------------------------
// Hashtags and mentions, after twitter-text's extractors.

/// Letters, marks, decimal digits and the joiners twitter-text allows inside
/// a hashtag (`hashtagAlphaNumeric`).
static HASHTAG_CHAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[\p{L}\p{M}\p{Nd}_\x{200c}\x{200d}\x{a67e}\x{05be}\x{05f3}\x{05f4}\x{ff5e}\x{301c}\x{309b}\x{309c}\x{30a0}\x{30fb}\x{3003}\x{0f0b}\x{0f0c}\x{00b7}]$",
    )
    .expect("hashtag character class compiles")
});
static HASHTAG_LETTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{M}]$").expect("hashtag letter class compiles"));

fn is_hashtag_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_'
    } else {
        HASHTAG_CHAR.is_match(c.encode_utf8(&mut [0u8; 4]))
    }
}

fn is_hashtag_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        HASHTAG_LETTER.is_match(c.encode_utf8(&mut [0u8; 4]))
    }
}

/// Positions of an ASCII sign and its fullwidth form, in text order. Found
/// with `str::find` (memchr) rather than by decoding every character.
fn sign_positions(text: &str, ascii: char, fullwidth: char) -> impl Iterator<Item = (usize, char)> + '_ {
    let has_fullwidth = text.contains(fullwidth);
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = text.get(pos..)?;
        let (k, c) = if has_fullwidth {
            rest.char_indices().find(|&(_, c)| c == ascii || c == fullwidth)?
        } else {
            (rest.find(ascii)?, ascii)
        };
        pos += k + c.len_utf8();
        Some((pos - c.len_utf8(), c))
    })
}

/// Every hashtag in `text` (`#` included in the span), URLs not excluded.
fn extract_hashtags_raw(text: &str) -> Vec<Entity<'_>> {
    let mut out = Vec::new();
    let mut last_end = 0;
    for (h, sign) in sign_positions(text, '#', '＃') {
        if h < last_end {
            continue;
        }
        let boundary_ok = match text[..h].chars().next_back() {
            None => true,
            Some(p) => h - p.len_utf8() >= last_end && (p == VS15 || p == VS16 || !(p == '&' || is_hashtag_char(p))),
        };
        if !boundary_ok {
            continue;
        }
        let body = h + sign.len_utf8();
        if matches!(char_at(text, body), Some(VS16 | KEYCAP)) {
            continue;
        }
        let mut end = body;
        let mut has_letter = false;
        for c in text[body..].chars().take_while(|&c| is_hashtag_char(c)) {
            has_letter |= is_hashtag_letter(c);
            end += c.len_utf8();
        }
        if !has_letter {
            continue;
        }
        last_end = end;
        let after = &text[end..];
        if after.starts_with(['#', '＃']) || after.starts_with("://") {
            continue;
        }
        out.push(Entity::new(text, h, end));
    }
    out
}

/// Every hashtag in `text` that is not part of a URL (`#` included).
pub fn extract_hashtags(text: &str) -> Vec<Entity<'_>> {
    let urls = extract_urls(text);
    hashtags_without_url_overlap(text, &urls)
}

fn hashtags_without_url_overlap<'a>(text: &'a str, urls: &[Entity<'a>]) -> Vec<Entity<'a>> {
    // a byte search for `#`, then a search for the fullwidth sign
    if !text.as_bytes().contains(&b'#') && !text.contains('＃') {
        return Vec::new();
    }
    let tags = extract_hashtags_raw(text);
    if urls.is_empty() || tags.is_empty() {
        return tags;
    }
    // twitter-text's removeOverlappingEntities: in start order, an entity
    // overlapping the one kept before it goes.
    let mut all: Vec<(Entity<'a>, bool)> =
        tags.into_iter().map(|t| (t, true)).chain(urls.iter().map(|u| (*u, false))).collect();
    all.sort_by_key(|(e, _)| e.span.start);
    let mut kept: Vec<(Entity<'a>, bool)> = Vec::with_capacity(all.len());
    for item in all {
        if kept.last().is_some_and(|(prev, _)| prev.span.end > item.0.span.start) {
            continue;
        }
        kept.push(item);
    }
    kept.into_iter().filter(|(_, is_tag)| *is_tag).map(|(e, _)| e).collect()
}

/// Every @mention of a screen name in `text` (`@` included; lists left out).
pub fn extract_mentions(text: &str) -> Vec<Entity<'_>> {
    let mut out = Vec::new();
    // a byte search for `@`, then a search for the fullwidth sign
    if !text.as_bytes().contains(&b'@') && !text.contains('＠') {
        return out;
    }
    let bytes = text.as_bytes();
    let mut last_end = 0;
    for (a, sign) in sign_positions(text, '@', '＠') {
        if a < last_end || !mention_may_follow(text, a, last_end) {
            continue;
        }
        let name_start = a + sign.len_utf8();
        let name_len =
            bytes[name_start..].iter().take(20).take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
        if name_len == 0 {
            continue;
        }
        let name_end = name_start + name_len;
        let mut end = name_end;
        let mut list = false;
        if bytes.get(end) == Some(&b'/') && bytes.get(end + 1).is_some_and(u8::is_ascii_alphabetic) {
            let slug = 1 + bytes[end + 2..]
                .iter()
                .take(24)
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_' || **b == b'-')
                .count();
            end += 1 + slug;
            list = true;
        }
        last_end = end;
        let after = &text[end..];
        if after.starts_with(['@', '＠'])
            || after.starts_with("://")
            || after.chars().next().is_some_and(is_latin_accent)
        {
            continue;
        }
        if !list {
            out.push(Entity::new(text, a, end));
        }
    }
    out
}

/// `validMentionPrecedingChars`: start of text, a character that cannot be
/// part of a word or email, or an `RT`/`RT:` retweet marker.
fn mention_may_follow(text: &str, at: usize, last_end: usize) -> bool {
    let before = &text[last_end..at];
    let Some(p) = before.chars().next_back() else { return at == 0 };
    if !(p.is_ascii_alphanumeric() || matches!(p, '_' | '!' | '#' | '$' | '%' | '&' | '*' | '@' | '＠')) {
        return true;
    }
    let b = before.as_bytes();
    let rt_end = if b.last() == Some(&b':') { b.len() - 1 } else { b.len() };
    if rt_end < 2 || !b[rt_end - 2..rt_end].eq_ignore_ascii_case(b"rt") {
        return false;
    }
    let lead = rt_end - 2;
    if lead == 0 {
        // the marker starts the text, or its lead is already part of a match
        return last_end == 0;
    }
    before[..lead].chars().next_back().is_some_and(|c| !mention_word_char(c))
}

fn mention_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '~' | '.' | '-')
}

// ---------------------------------------------------------------------------
// Top-level domains, from twitter-text's conformance/tlds.yml (2021 snapshot).

/// ASCII top-level domains (generic and country code), space-separated.
const ASCII_TLDS: &str = "\
aaa aarp abarth abb abbott abbvie abc able abogado abudhabi ac academy accenture accountant accountants aco \
active actor ad adac ads adult ae aeg aero aetna af afamilycompany afl africa ag agakhan agency ai aig aigo \
airbus airforce airtel akdn al alfaromeo alibaba alipay allfinanz allstate ally alsace alstom am \
americanexpress americanfamily amex amfam amica amsterdam an analytics android anquan anz ao aol apartments \
app apple aq aquarelle ar arab aramco archi army arpa art arte as asda asia associates at athleta attorney au \
auction audi audible audio auspost author auto autos avianca aw aws ax axa az azure ba baby baidu banamex \
bananarepublic band bank bar barcelona barclaycard barclays barefoot bargains baseball basketball bauhaus \
bayern bb bbc bbt bbva bcg bcn bd be beats beauty beer bentley berlin best bestbuy bet bf bg bh bharti bi \
bible bid bike bing bingo bio biz bj bl black blackfriday blanco blockbuster blog bloomberg blue bm bms bmw bn \
bnl bnpparibas bo boats boehringer bofa bom bond boo book booking boots bosch bostik boston bot boutique box \
bq br bradesco bridgestone broadway broker brother brussels bs bt budapest bugatti build builders business buy \
buzz bv bw by bz bzh ca cab cafe cal call calvinklein cam camera camp cancerresearch canon capetown capital \
capitalone car caravan cards care career careers cars cartier casa case caseih cash casino cat catering \
catholic cba cbn cbre cbs cc cd ceb center ceo cern cf cfa cfd cg ch chanel channel charity chase chat cheap \
chintai chloe christmas chrome chrysler church ci cipriani circle cisco citadel citi citic city cityeats ck cl \
claims cleaning click clinic clinique clothing cloud club clubmed cm cn co coach codes coffee college cologne \
com comcast commbank community company compare computer comsec condos construction consulting contact \
contractors cooking cookingchannel cool coop corsica country coupon coupons courses cpa cr credit creditcard \
creditunion cricket crown crs cruise cruises csc cu cuisinella cv cw cx cy cymru cyou cz dabur dad dance data \
date dating datsun day dclk dds de deal dealer deals degree delivery dell deloitte delta democrat dental \
dentist desi design dev dhl diamonds diet digital direct directory discount discover dish diy dj dk dm dnp do \
docs doctor dodge dog doha domains doosan dot download drive dtv dubai duck dunlop duns dupont durban dvag dvr \
dz earth eat ec eco edeka edu education ee eg eh email emerck energy engineer engineering enterprises epost \
epson equipment er ericsson erni es esq estate esurance et etisalat eu eurovision eus events everbank exchange \
expert exposed express extraspace fage fail fairwinds faith family fan fans farm farmers fashion fast fedex \
feedback ferrari ferrero fi fiat fidelity fido film final finance financial fire firestone firmdale fish \
fishing fit fitness fj fk flickr flights flir florist flowers flsmidth fly fm fo foo food foodnetwork football \
ford forex forsale forum foundation fox fr free fresenius frl frogans frontdoor frontier ftr fujitsu fujixerox \
fun fund furniture futbol fyi ga gal gallery gallo gallup game games gap garden gay gb gbiz gd gdn ge gea gent \
genting george gf gg ggee gh gi gift gifts gives giving gl glade glass gle global globo gm gmail gmbh gmo gmx \
gn godaddy gold goldpoint golf goo goodhands goodyear goog google gop got gov gp gq gr grainger graphics \
gratis green gripe grocery group gs gt gu guardian gucci guge guide guitars guru gw gy hair hamburg hangout \
haus hbo hdfc hdfcbank health healthcare help helsinki here hermes hgtv hiphop hisamitsu hitachi hiv hk hkt hm \
hn hockey holdings holiday homedepot homegoods homes homesense honda honeywell horse hospital host hosting hot \
hoteles hotels hotmail house how hr hsbc ht htc hu hughes hyatt hyundai ibm icbc ice icu id ie ieee ifm iinet \
ikano il im imamat imdb immo immobilien in inc industries infiniti info ing ink institute insurance insure int \
intel international intuit investments io ipiranga iq ir irish is iselect ismaili ist istanbul it itau itv \
iveco iwc jaguar java jcb jcp je jeep jetzt jewelry jio jlc jll jm jmp jnj jo jobs joburg jot joy jp jpmorgan \
jprs juegos juniper kaufen kddi ke kerryhotels kerrylogistics kerryproperties kfh kg kh ki kia kim kinder \
kindle kitchen kiwi km kn koeln komatsu kosher kp kpmg kpn kr krd kred kuokgroup kw ky kyoto kz la lacaixa \
ladbrokes lamborghini lamer lancaster lancia lancome land landrover lanxess lasalle lat latino latrobe law \
lawyer lb lc lds lease leclerc lefrak legal lego lexus lgbt li liaison lidl life lifeinsurance lifestyle \
lighting like lilly limited limo lincoln linde link lipsy live living lixil lk llc llp loan loans locker locus \
loft lol london lotte lotto love lpl lplfinancial lr ls lt ltd ltda lu lundbeck lupin luxe luxury lv ly ma \
macys madrid maif maison makeup man management mango map market marketing markets marriott marshalls maserati \
mattel mba mc mcd mcdonalds mckinsey md me med media meet melbourne meme memorial men menu meo merckmsd \
metlife mf mg mh miami microsoft mil mini mint mit mitsubishi mk ml mlb mls mm mma mn mo mobi mobile mobily \
moda moe moi mom monash money monster montblanc mopar mormon mortgage moscow moto motorcycles mov movie \
movistar mp mq mr ms msd mt mtn mtpc mtr mu museum mutual mutuelle mv mw mx my mz na nab nadex nagoya name \
nationwide natura navy nba nc ne nec net netbank netflix network neustar new newholland news next nextdirect \
nexus nf nfl ng ngo nhk ni nico nike nikon ninja nissan nissay nl no nokia northwesternmutual norton now \
nowruz nowtv np nr nra nrw ntt nu nyc nz obi observer off office okinawa olayan olayangroup oldnavy ollo om \
omega one ong onion onl online onyourside ooo open oracle orange org organic orientexpress origins osaka \
otsuka ott ovh pa page pamperedchef panasonic panerai paris pars partners parts party passagens pay pccw pe \
pet pf pfizer pg ph pharmacy phd philips phone photo photography photos physio piaget pics pictet pictures pid \
pin ping pink pioneer pizza pk pl place play playstation plumbing plus pm pn pnc pohl poker politie porn post \
pr pramerica praxi press prime pro prod productions prof progressive promo properties property protection pru \
prudential ps pt pub pw pwc py qa qpon quebec quest qvc racing radio raid re read realestate realtor realty \
recipes red redstone redumbrella rehab reise reisen reit reliance ren rent rentals repair report republican \
rest restaurant review reviews rexroth rich richardli ricoh rightathome ril rio rip rmit ro rocher rocks rodeo \
rogers room rs rsvp ru rugby ruhr run rw rwe ryukyu sa saarland safe safety sakura sale salon samsclub samsung \
sandvik sandvikcoromant sanofi sap sapo sarl sas save saxo sb sbi sbs sc sca scb schaeffler schmidt \
scholarships school schule schwarz science scjohnson scor scot sd se search seat secure security seek select \
sener services ses seven sew sex sexy sfr sg sh shangrila sharp shaw shell shia shiksha shoes shop shopping \
shouji show showtime shriram si silk sina singles site sj sk ski skin sky skype sl sling sm smart smile sn \
sncf so soccer social softbank software sohu solar solutions song sony soy space spiegel sport spot \
spreadbetting sr srl srt ss st stada staples star starhub statebank statefarm statoil stc stcgroup stockholm \
storage store stream studio study style su sucks supplies supply support surf surgery suzuki sv swatch \
swiftcover swiss sx sy sydney symantec systems sz tab taipei talk taobao target tatamotors tatar tattoo tax \
taxi tc tci td tdk team tech technology tel telecity telefonica temasek tennis teva tf tg th thd theater \
theatre tiaa tickets tienda tiffany tips tires tirol tj tjmaxx tjx tk tkmaxx tl tm tmall tn to today tokyo \
tools top toray toshiba total tours town toyota toys tp tr trade trading training travel travelchannel \
travelers travelersinsurance trust trv tt tube tui tunes tushu tv tvs tw tz ua ubank ubs uconnect ug uk um \
unicom university uno uol ups us uy uz va vacations vana vanguard vc ve vegas ventures verisign versicherung \
vet vg vi viajes video vig viking villas vin vip virgin visa vision vista vistaprint viva vivo vlaanderen vn \
vodka volkswagen volvo vote voting voto voyage vu vuelos wales walmart walter wang wanggou warman watch \
watches weather weatherchannel webcam weber website wed wedding weibo weir wf whoswho wien wiki williamhill \
win windows wine winners wme wolterskluwer woodside work works world wow ws wtc wtf xbox xerox xfinity xihuan \
xin xperia xxx xyz yachts yahoo yamaxun yandex ye yodobashi yoga yokohama you youtube yt yun za zappos zara \
zero zip zippo zm zone zuerich zw";

/// Internationalised top-level domains, space-separated.
const UNICODE_TLDS: &str = "\
vermögensberater vermögensberatung ελ ευ бг бел дети ею католик ком мкд мон москва онлайн орг рус рф сайт срб \
укр қаз հայ קום ابوظبي اتصالات ارامكو الاردن البحرين الجزائر السعودية العليان المغرب امارات ایران بارت بازار \
بيتك بھارت تونس سودان سورية شبكة عراق عرب عمان فلسطين قطر كاثوليك كوم مصر مليسيا موبايلي موريتانيا موقع همراه \
پاکستان ڀارت कॉम नेट भारत भारतम् भारोत संगठन বাংলা ভারত ভাৰত ਭਾਰਤ ભારત ଭାରତ இந்தியா இலங்கை சிங்கப்பூர் భారత్ \
ಭಾರತ ഭാരതം ලංකා คอม ไทย ລາວ გე みんな クラウド グーグル コム ストア セール ファッション ポイント 世界 中信 中国 中國 中文网 企业 佛山 信息 健康 八卦 公司 公益 台湾 台灣 \
商城 商店 商标 嘉里 嘉里大酒店 在线 大众汽车 大拿 天主教 娱乐 家電 工行 广东 微博 慈善 我爱你 手机 手表 招聘 政务 政府 新加坡 新闻 时尚 書籍 机构 淡马锡 游戏 澳門 点看 珠宝 移动 组织机构 \
网址 网店 网站 网络 联通 诺基亚 谷歌 购物 通販 集团 電訊盈科 飞利浦 食品 餐厅 香格里拉 香港 닷넷 닷컴 삼성 한국";

#[cfg(test)]
mod tests {
    use super::*;

    /// `weigh` as first written, one character at a time: the run-at-once
    /// one must give the same length and `fits_until`.
    fn weigh_by_char(text: &str, urls: &[Entity<'_>], config: &LengthConfig) -> (usize, usize) {
        let limit = config.max_weighted_length as u64 * u64::from(config.scale);
        let (mut total, mut fits_until, mut i) = (0u64, 0, 0);
        let mut next_url = urls.iter().peekable();
        while i < text.len() {
            while next_url.peek().is_some_and(|u| u.span.start < i) {
                next_url.next();
            }
            if let Some(u) = next_url.peek().filter(|u| u.span.start == i) {
                total += u64::from(config.transformed_url_length) * u64::from(config.scale);
                i = u.span.end.max(i + 1);
                next_url.next();
            } else if let Some(n) = config.emoji_parsing.then(|| emoji_len(&text[i..])).flatten() {
                total += u64::from(config.default_weight);
                i += n;
            } else {
                let Some(c) = text[i..].chars().next() else { break };
                total += u64::from(config.weight(c));
                i += c.len_utf8();
            }
            if total <= limit {
                fits_until = i;
            }
        }
        ((total / u64::from(config.scale)) as usize, fits_until)
    }

    #[test]
    fn weighing_runs_at_once_agrees_with_one_char_at_a_time() {
        let pieces = [
            "Flu shots today. ",
            "call 555-201-8834 ",
            "#1 ",
            "1\u{FE0F}\u{20E3} ",
            "#\u{20E3}",
            "*",
            "9",
            "https://example.org/a?b=1 ",
            "www.heart.org/x ",
            "心臓の健康 ",
            "\u{1F389}\u{1F469}\u{200D}\u{2695}\u{FE0F} ",
            "é ",
            "x.co ",
            "\u{2014} ",
            "12345678901234567890",
        ];
        let mut seed = 0x5eed_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let mut zero = LengthConfig::V3;
        zero.ranges = Cow::Owned(vec![WeightRange { start: 0, end: 4351, weight: 0 }]);
        for round in 0..400 {
            let mut t = String::new();
            let len = [5, 40, 120, 300, 900][round % 5];
            while t.len() < len {
                t.push_str(pieces[next(pieces.len())]);
            }
            for config in [&LengthConfig::V3, &LengthConfig::V2, &zero] {
                let urls = extract_urls(&t);
                let w = weigh(&t, &urls, config);
                assert_eq!((w.length, w.fits_until), weigh_by_char(&t, &urls, config), "{t:?}");
            }
        }
    }

    fn urls(s: &str) -> Vec<&str> {
        extract_urls(s).into_iter().map(|e| e.text).collect()
    }

    #[test]
    fn plain_text_counts_one_per_latin_char() {
        assert_eq!(weighted_length("Flu shots available today."), 26);
        assert_eq!(weighted_length(""), 0);
    }

    #[test]
    fn fits_until_marks_the_overflow() {
        let t = format!("{} tail", "a".repeat(278));
        let p = parse(&t);
        assert_eq!(p.weighted_length, 283);
        assert_eq!(&t[p.fits_until..], "ail");
        let fits = "short";
        assert_eq!(parse(fits).fits_until, fits.len());
        // a URL that does not fit is outside as a whole
        let u = format!("{} https://example.org/x", "b".repeat(270));
        assert_eq!(&u[parse(&u).fits_until..], "https://example.org/x");
    }

    #[test]
    fn cjk_counts_two() {
        assert_eq!(weighted_length("心臓の健康"), 10);
    }

    #[test]
    fn url_with_scheme_counts_23() {
        let t = "Read: https://www.ahajournals.org/doi/10.1161/CIRCULATIONAHA.123.067890/a/very/long/path";
        assert_eq!(weighted_length(t), 6 + 23);
    }

    #[test]
    fn url_without_scheme_counts_23() {
        // the case the twitter-text crate 0.3.1 gets wrong
        let t = "Heart health tips: www.heart.org/en/healthy-living today";
        assert_eq!(urls(t), ["www.heart.org/en/healthy-living"]);
        assert_eq!(weighted_length(t), 19 + 23 + 6);
        assert_eq!(weighted_length("see heart.org/en/x"), 4 + 23);
    }

    #[test]
    fn trailing_punctuation_is_not_part_of_a_url() {
        assert_eq!(urls("Details at https://example.org/flu."), ["https://example.org/flu"]);
        assert_eq!(urls("(see example.com/a_(b)) now"), ["example.com/a_(b)"]);
        assert_eq!(urls("bit.ly/3xYz12, and more"), ["bit.ly/3xYz12"]);
    }

    #[test]
    fn not_urls() {
        for t in ["e.g. this", "Dr. Lopez", "ratio 3.5 to 1", "file.txt here", "email me at a.b@example.com", "v2.0"] {
            assert!(urls(t).is_empty(), "{t}: {:?}", urls(t));
        }
    }

    #[test]
    fn emoji_sequences_count_two_in_v3_only() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        assert_eq!(weighted_length(family), 2);
        assert_eq!(weighted_length_with(family, &LengthConfig::V2), 8);
        assert_eq!(weighted_length("\u{2764}\u{FE0F}"), 2);
        assert_eq!(weighted_length_with("\u{2764}\u{FE0F}", &LengthConfig::V2), 4);
        assert_eq!(weighted_length("\u{1F44D}\u{1F3FD}"), 2);
        assert_eq!(weighted_length("\u{1F1FA}\u{1F1F8}"), 2);
        assert_eq!(weighted_length("1\u{FE0F}\u{20E3}"), 2);
        // health worker, a Unicode 12.1 ZWJ sequence
        assert_eq!(weighted_length("\u{1F9D1}\u{200D}\u{2695}\u{FE0F}"), 2);
        // © is text unless asked for as emoji
        assert_eq!(weighted_length("\u{A9}"), 1);
        assert_eq!(weighted_length("\u{A9}\u{FE0F}"), 2);
    }

    #[test]
    fn decomposed_text_is_counted_as_nfc() {
        assert_eq!(weighted_length("Jose\u{301}"), 4);
    }

    #[test]
    fn hashtags_and_mentions_with_spans() {
        let t = "Thanks @AHA_Org! #HeartMonth #1 and http://x.com/#notatag";
        let p = parse(t);
        let tags: Vec<&str> = p.hashtags.iter().map(|h| h.value()).collect();
        assert_eq!(tags, ["HeartMonth"]);
        assert_eq!(&t[p.hashtags[0].span.start..p.hashtags[0].span.end], "#HeartMonth");
        let m: Vec<&str> = p.mentions.iter().map(|m| m.value()).collect();
        assert_eq!(m, ["AHA_Org"]);
        assert_eq!(p.urls.len(), 1);
    }

    #[test]
    fn config_json_round_trip() {
        let json = r#"{"version":3,"maxWeightedTweetLength":280,"scale":100,"defaultWeight":200,
            "emojiParsingEnabled":true,"transformedURLLength":23,
            "ranges":[{"start":0,"end":4351,"weight":100},{"start":8192,"end":8205,"weight":100},
            {"start":8208,"end":8223,"weight":100},{"start":8242,"end":8247,"weight":100}]}"#;
        assert_eq!(LengthConfig::from_json(json).unwrap(), LengthConfig::V3);
        assert!(LengthConfig::from_json("{}").is_err());
        assert!(LengthConfig::from_json(&json.replace("\"scale\":100", "\"scale\":0")).is_err());
    }

    #[test]
    fn punycode_lengths() {
        // RFC 3492 sample: "bücher" -> "bcher-kva"
        assert_eq!(punycode_len("bücher"), 9);
        assert_eq!(ascii_label_len("bücher"), 13);
        assert_eq!(ascii_label_len("example"), 7);
    }

    #[test]
    fn entity_spans_point_into_the_original_when_not_nfc() {
        let t = "Cafe\u{301} news: example.com/a #Cafe\u{301}";
        let p = parse(t);
        assert_eq!(p.urls[0].text, "example.com/a");
        assert_eq!(&t[p.hashtags[0].span.start..p.hashtags[0].span.end], "#Cafe\u{301}");
        assert_eq!(p.weighted_length, weighted_length("Caf\u{e9} news: example.com/a #Caf\u{e9}"));
    }

    fn check_entities(text: &str, entities: &[Entity<'_>]) {
        let mut last_end = 0;
        for e in entities {
            assert!(e.span.start < e.span.end && e.span.end <= text.len(), "{e:?} in {text:?}");
            assert!(text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end));
            assert_eq!(&text[e.span.start..e.span.end], e.text);
            assert!(e.span.start >= last_end, "entities overlap or are out of order in {text:?}");
            last_end = e.span.end;
        }
    }

    /// `nfc_quick_yes` as first written: the quick check run on each whole
    /// non-ASCII stretch.
    fn nfc_quick_yes_by_stretch(text: &str) -> bool {
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(k) = first_non_ascii(&b[i..]) {
            let s = i + k;
            let e = b[s..].iter().position(u8::is_ascii).map_or(b.len(), |k| s + k);
            if is_nfc_quick(text[s..e].chars()) != IsNormalized::Yes {
                return false;
            }
            i = e;
        }
        true
    }

    #[test]
    fn nfc_starters_are_nfc_starters() {
        // every character of every block, against the normalisation tables
        for &(lo, hi) in NFC_STARTERS {
            for c in lo..=hi {
                assert_eq!(unicode_normalization::char::canonical_combining_class(c), 0, "{c:?}");
                assert_eq!(is_nfc_quick(std::iter::once(c)), IsNormalized::Yes, "{c:?}");
            }
        }
    }

    proptest::proptest! {
        /// Text of ASCII, the starters' blocks and their edges, combining
        /// marks (in and out of order), characters that are not NFC and
        /// Hangul jamo: the quick check split at the starters answers as the
        /// one over whole stretches, and as over the whole text.
        #[test]
        fn nfc_quick_check_split_at_starters_agrees(
            text in "[a .#\u{a0}-\u{17f}\u{180}\u{300}-\u{36f}\u{340}\u{1100}\u{1161}\u{11a8}\u{2000}-\u{2030}\u{212b}\u{3000}-\u{30ff}\u{4e00}\u{ac00}\u{fe0f}\u{1f389}\u{1f3fb}]{0,40}"
        ) {
            let whole = is_nfc_quick(text.chars()) == IsNormalized::Yes;
            proptest::prop_assert_eq!(nfc_quick_yes(&text), nfc_quick_yes_by_stretch(&text));
            proptest::prop_assert_eq!(nfc_quick_yes(&text), whole);
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_holds_up_on_any_text(text in "\\PC{0,300}") {
            let p = parse(&text);
            check_entities(&text, &p.urls);
            check_entities(&text, &p.hashtags);
            check_entities(&text, &p.mentions);
            proptest::prop_assert!(p.weighted_length <= weighted_length_with(&text, &LengthConfig::V2));
        }

        #[test]
        fn parse_holds_up_on_url_like_text(
            text in "[a-z0-9 .:/#@_()?=&%-]{0,40}(https?://)?[a-z.\u{4e2d}\u{1F600}-]{0,30}\\.(com|co|jp|org|xn--p1ai)[/a-z.()?=#\u{0301}\u{200D}\u{FE0F}-]{0,40}"
        ) {
            let p = parse(&text);
            check_entities(&text, &p.urls);
            check_entities(&text, &p.hashtags);
            check_entities(&text, &p.mentions);
            proptest::prop_assert!(p.weighted_length <= weighted_length_with(&text, &LengthConfig::V2));
            proptest::prop_assert_eq!(extract_urls_from(&text, true), extract_urls_from(&text, false));
        }
    }

    /// Random drafts from URL-ish pieces: trying starts only where the dots
    /// allow finds what trying every character finds.
    #[test]
    fn url_starts_by_dots_find_what_every_start_finds() {
        let pieces = [
            " ",
            ".",
            "..",
            "/",
            ":",
            "-",
            "_",
            "@",
            "#",
            "$",
            "(",
            ")",
            "?",
            "=",
            "\"",
            "`",
            "'",
            ",",
            "www",
            "heart",
            "org",
            "com",
            "co",
            "jp",
            "t.co/",
            "xn--p1ai",
            "http://",
            "https://",
            "HTTPS://",
            "ftp://",
            "example.com",
            "a_b",
            "x-y",
            "bit.ly/3xYz12",
            "\u{4e2d}\u{6587}",
            "\u{3002}",
            "\u{FF0E}",
            "\u{1F600}",
            "\u{200D}",
            "\u{202E}",
            "\u{A0}",
            "é",
            "Dr. ",
            "12",
            "3.5",
            "\u{FEFF}",
            "\t",
            "\u{0301}",
            "ünï",
            "медицина",
            "рф",
            "みんな",
            "\u{2013}",
        ];
        let mut seed = 0x75_7215_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for round in 0..20_000 {
            let mut t = String::new();
            let len = [3, 10, 30, 80, 200][round % 5];
            while t.len() < len {
                t.push_str(pieces[next(pieces.len())]);
            }
            assert_eq!(extract_urls_from(&t, true), extract_urls_from(&t, false), "{t:?}");
        }
    }

    #[test]
    fn long_hostile_input_is_handled() {
        // dotted runs of domain characters: the scan stays bounded per start
        let cjk = "\u{4e2d}".repeat(8_000) + ".com";
        let dots = "a.".repeat(4_000);
        let long_label = format!("see {}.com and example.com.{}", "x".repeat(70), "y".repeat(70));
        for t in [cjk.as_str(), dots.as_str()] {
            let _ = parse(t);
        }
        assert_eq!(urls(&long_label), ["example.com"]);
    }

    #[test]
    fn odd_input_does_not_panic() {
        for t in
            ["#", "@", ".", "http://", "https://.", "x.co/(", "a.com:", "\u{FE0F}", "#\u{20E3}", "\u{1F3F4}\u{E0067}"]
        {
            let _ = parse(t);
        }
    }
}
