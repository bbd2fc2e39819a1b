//! The folded view of a draft that every matcher runs on.
//!
//! Staff (or evaders) write `p\u{200B}atient`, Cyrillic `е` for Latin `e`,
//! fullwidth digits, non-breaking hyphens, or `0 0 7 7 3 4` for a record
//! number. Matching on the raw text would miss all of those, so each draft is
//! folded once into an ASCII-leaning view:
//!
//! - zero-width and bidi format characters and soft hyphens are removed;
//! - Unicode dashes become `-`, Unicode spaces become ` `, curly quotes plain;
//! - confusable Cyrillic/Greek letters become the Latin letter they mimic;
//! - everything else non-ASCII is NFKD-decomposed (a superset of NFKC's
//!   compatibility folding) with combining marks dropped (`é` → `e`);
//! - runs of five or more single digits separated by single spaces are joined
//!   (`0 0 7 7 3 4` → `007734`), and so are runs of three or more single
//!   capital letters (`M R N` → `MRN`).
//!
//! Every byte of the view remembers the original character it came from, so a
//! match in the view maps back to a span of the original text that starts and
//! ends on character boundaries. ASCII text with nothing to join — the common
//! case — is borrowed as is, with no map at all.

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
        if original.is_ascii() && !has_spaced_run(original.as_bytes()) {
            return Normalized { original, text: Cow::Borrowed(original), starts: Vec::new(), ends: Vec::new() };
        }
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len());
        let mut ends = Vec::with_capacity(original.len());
        for (o, c) in original.char_indices() {
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
                Fold::Decompose => {
                    let mut any = false;
                    decompose_compatible(c, |d| {
                        if !is_combining_mark(d) {
                            let d = match fold_char(d) {
                                Fold::To(x) => x,
                                _ => d,
                            };
                            emit(d, &mut text);
                            any = true;
                        }
                    });
                    if !any {
                        // A lone combining mark: keep nothing, like a zero-width char.
                    }
                }
            }
        }
        let mut n = Normalized { original, text: Cow::Owned(text), starts, ends };
        if has_spaced_run(n.text.as_bytes()) {
            n.join_spaced_runs();
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

    /// Maps a byte range of the folded view to the original text.
    pub fn span(&self, start: usize, end: usize) -> Span {
        if self.is_identity() {
            return Span::new(start, end);
        }
        let len = self.text.len();
        let s = if start < len { self.starts[start] as usize } else { self.original.len() };
        let e = if end == 0 || end <= start { s } else { self.ends[(end - 1).min(len - 1)] as usize };
        Span::new(s, e.max(s))
    }

    fn join_spaced_runs(&mut self) {
        let bytes = self.text.as_bytes();
        let drop = spaced_run_separators(bytes);
        if drop.is_empty() {
            return;
        }
        let (mut starts, mut ends) = if self.is_identity() {
            let s: Vec<u32> = (0..bytes.len() as u32).collect();
            let e: Vec<u32> = (1..=bytes.len() as u32).collect();
            (s, e)
        } else {
            (std::mem::take(&mut self.starts), std::mem::take(&mut self.ends))
        };
        let mut text = Vec::with_capacity(bytes.len());
        let mut ns = Vec::with_capacity(bytes.len());
        let mut ne = Vec::with_capacity(bytes.len());
        let mut d = drop.iter().peekable();
        for (i, &b) in bytes.iter().enumerate() {
            if d.peek() == Some(&&i) {
                d.next();
                continue;
            }
            text.push(b);
            ns.push(starts[i]);
            ne.push(ends[i]);
        }
        starts.clear();
        ends.clear();
        // Only ASCII spaces were removed, so the bytes are still valid UTF-8.
        self.text = Cow::Owned(String::from_utf8(text).unwrap_or_default());
        self.starts = ns;
        self.ends = ne;
    }
}

enum Fold {
    Drop,
    To(char),
    Decompose,
}

fn fold_char(c: char) -> Fold {
    match c {
        // zero-width, joiners, bidi marks and embeddings, word joiner, BOM, soft hyphen
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{180E}' => Fold::Drop,
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

/// Cheap pre-check: is there any `X Y` with single-character tokens that a
/// join could apply to?
fn has_spaced_run(b: &[u8]) -> bool {
    !spaced_run_separators(b).is_empty()
}

/// Tells whether a byte belongs to the same class of single-character token.
type TokenClass = fn(u8) -> bool;

/// Byte indexes of the spaces to remove: separators inside runs of 5+ single
/// digits, or 3+ single capital letters, each token separated by one space.
fn spaced_run_separators(b: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
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
        let starts_token = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if let (Some((same, min)), true) = (kind, starts_token) {
            // tokens at i, i+2, i+4, ... while pattern "T T T"
            let mut j = i;
            let mut count = 1;
            while j + 2 < n && b[j + 1] == b' ' && same(b[j + 2]) && (j + 3 >= n || !b[j + 3].is_ascii_alphanumeric()) {
                j += 2;
                count += 1;
            }
            // the first token must itself stand alone
            let first_alone = i + 1 >= n || !b[i + 1].is_ascii_alphanumeric();
            if count >= min && first_alone {
                let mut k = i + 1;
                while k < j {
                    out.push(k);
                    k += 2;
                }
                i = j + 1;
                continue;
            }
            i = j.max(i) + 1;
            continue;
        }
        i += 1;
    }
    out
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
}
