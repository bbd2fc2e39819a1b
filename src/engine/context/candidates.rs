//! Identifier candidates whose owner only the whole draft can tell: every
//! date more specific than a year and every capitalised word with a
//! person's-name shape, before any context rule decided about them.
//!
//! The learned model reads them as features (a name shape here, a date
//! there) and, when it judges that the draft ties identifiers to a patient
//! (`phi`), reports the candidates the context rules left alone. Staff
//! (`Dr. Ruiz`, `Kelly Chen, RN`) are never candidates.

use super::dates::dates_in;
use super::vocab::{self, NOT_FIRST_WORDS};
use crate::engine::Identifier;

/// A possible identifier in the folded view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub start: usize,
    pub end: usize,
    pub identifier: Identifier,
}

const STAFF_TITLES: &[&str] = &[
    "dr",
    "doctor",
    "nurse",
    "coach",
    "prof",
    "professor",
    "pastor",
    "chaplain",
    "chef",
    "officer",
    "dra",
    "doctora",
    "enfermera",
];
const HONORIFICS: &[&str] = &["mr", "mrs", "ms", "miss", "mx", "sr", "sra", "srta", "don", "dona"];
const CREDENTIALS_AFTER: &[&str] = &[
    "rn", "md", "do", "np", "pa", "pa-c", "lpn", "cna", "dds", "dmd", "phd", "pharmd", "crna", "aprn", "msn", "bsn",
    "dnp", "lcsw",
];

/// Dates and name-shaped words of a folded text, in text order.
pub fn find(text: &str) -> Vec<Candidate> {
    let dates: Vec<_> = dates_in(text).collect();
    find_with_dates(text, &dates)
}

/// [`find`] of a draft's folded view, with the dates scanned once per draft.
pub(crate) fn find_in(input: &crate::engine::Input<'_>) -> Vec<Candidate> {
    find_with_dates(input.norm.text(), super::dates::dates_of(input))
}

/// [`find`], given the dates of the text.
///
/// Only a capitalised word starts a name, and drafts have a few among many
/// words: the capitals are found eight bytes at a time ([`next_capital`]),
/// and the words are scanned ([`next_word`]) only around them, from a byte
/// where the scan of the whole text is sure to pass ([`restart_before`]).
/// The words met, the word before a name and the words after it are those
/// the scan of the whole text would give.
fn find_with_dates(text: &str, dates: &[super::DateSpan]) -> Vec<Candidate> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    for &(s, e, _) in dates {
        out.push(Candidate { start: s, end: e, identifier: Identifier::Date });
    }
    // whether the word before the one at `s` is in a list (any ASCII case;
    // asked only of name-shaped words, without a lower-case copy)
    let before_in = |s: usize, list: &[&str]| {
        word_before(b, s).is_some_and(|(ps, pe)| {
            let prev = &text[ps..pe];
            list.iter().any(|x| x.eq_ignore_ascii_case(prev))
        })
    };
    // every word starting before `from` has been read
    let mut from = 0;
    while let Some(capital) = next_capital(b, from) {
        // the first word at or after the capital: no word between `from`
        // and it starts with a capital
        let Some((s, e)) = words_from(b, restart_before(b, capital), b.len()).find(|&(s, _)| s >= capital) else {
            break;
        };
        from = e;
        if !b[s].is_ascii_uppercase() {
            continue; // the capital was inside a word ("iPhone")
        }
        let w = &text[s..e];
        // capitalised, not all capitals (the first letter is checked above)
        let cap = w.len() > 1 && !w.bytes().skip(1).all(|c| c.is_ascii_uppercase());
        // not on the list of words that start no name, and a listed name or
        // after an honorific (the lists answered with one look-up)
        let name_shape = cap && {
            let (not_first, listed) = vocab::not_first_or_listed(w);
            !not_first && (listed || before_in(s, HONORIFICS))
        };
        if !name_shape || before_in(s, STAFF_TITLES) {
            continue;
        }
        // extend over up to two following capitalised words (a surname)
        let mut end = e;
        for (s2, e2) in words_from(b, e, b.len()).take(2) {
            let gap = &text[end..s2];
            let w2 = &text[s2..e2];
            if gap == " " && w2.as_bytes()[0].is_ascii_uppercase() && !NOT_FIRST_WORDS.contains(w2) {
                end = e2;
            } else {
                break;
            }
        }
        // the next word to read is the first after the name
        from = end;
        // a credential after the name: staff
        let after = text[end..].trim_start_matches([',', ' ']);
        let cred = after.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).next().is_some_and(|x| {
            // the list is lower case: `x` lower-cased is on it (without a copy)
            CREDENTIALS_AFTER.iter().any(|c| c.eq_ignore_ascii_case(x))
                && x.len() >= 2
                && x.bytes().any(|c| c.is_ascii_uppercase())
        });
        if !cred {
            let end = text[s..end].strip_suffix("'s").map_or(end, |x| s + x.len());
            out.push(Candidate { start: s, end, identifier: Identifier::Name });
        }
    }
    out.sort_by_key(|c| (c.start, c.end));
    out
}

/// The first ASCII capital at or after `i`, eight bytes at a time.
fn next_capital(b: &[u8], mut i: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES * 0x80;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        // each byte's low seven bits, plus a bias that carries into its
        // high bit from 'A' on, or from past 'Z' on (no carry leaves a byte)
        let low = x & !HIGH;
        let from_a = (low + ONES * (0x80 - u64::from(b'A'))) & HIGH;
        let past_z = (low + ONES * (0x80 - u64::from(b'Z') - 1)) & HIGH;
        let capitals = from_a & !past_z & !x;
        if capitals != 0 {
            return Some(i + capitals.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    (i..b.len()).find(|&k| b[k].is_ascii_uppercase())
}

/// Where the scan of the whole text is sure to pass before `at`: the last
/// byte before it that is no letter, `'` or `-` (no word and no run of
/// letters holds it, so the scan stops there), or the text's start.
fn restart_before(b: &[u8], at: usize) -> usize {
    b[..at].iter().rposition(|&c| !(c.is_ascii_alphabetic() || c == b'\'' || c == b'-')).unwrap_or(0)
}

/// The words from `i` on that start before `limit`, where `i` is where the
/// scan of the whole text passes ([`restart_before`] or the end of a word):
/// ASCII letters with inner `'` or `-`, not right after a letter, a digit,
/// `@`, `#` or `/`, and not part of a URL, email or handle.
fn words_from(b: &[u8], i: usize, limit: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut i = i;
    std::iter::from_fn(move || {
        let (s, e) = next_word(b, i, limit)?;
        i = e;
        Some((s, e))
    })
}

/// The first word from `i` on, if it starts before `limit` (see
/// [`words_from`]).
fn next_word(b: &[u8], mut i: usize, limit: usize) -> Option<(usize, usize)> {
    while i < limit {
        if !b[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        if i > 0 && (b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'@' | b'#' | b'/')) {
            // no word starts here nor at the letters right after (each has a
            // letter before it): skip them all
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            continue;
        }
        let s = i;
        loop {
            while i < b.len() && b[i].is_ascii_alphabetic() {
                i += 1;
            }
            if i + 1 < b.len() && matches!(b[i], b'\'' | b'-') && b[i + 1].is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            break;
        }
        // part of a URL, email or handle
        if i < b.len()
            && (b[i] == b'@' || b[i] == b'/' || (b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic()))
        {
            continue;
        }
        return Some((s, i));
    }
    None
}

/// The last word that starts before `s` (the word at `s`, a word's start):
/// the scan is taken up from ever earlier restart points, each stretch
/// read once.
fn word_before(b: &[u8], s: usize) -> Option<(usize, usize)> {
    let mut upto = s;
    while upto > 0 {
        let q = restart_before(b, upto);
        // a word that starts before `upto` ends at or before it (`upto` is
        // `s`, a word's start, or a byte no word holds)
        if let Some(w) = words_from(b, q, upto).last() {
            return Some(w);
        }
        upto = q;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(t: &str) -> Vec<&str> {
        find(t).into_iter().map(|c| &t[c.start..c.end]).collect()
    }

    #[test]
    fn names_and_dates_but_not_staff() {
        assert_eq!(found("Tyler, one year sober today"), ["Tyler"]);
        assert_eq!(found("Dr. Patel saw Maria Lopez on March 2, 2025"), ["Maria Lopez", "March 2, 2025"]);
        assert_eq!(found("Thanks Kelly Chen, RN for everything"), Vec::<&str>::new());
        assert_eq!(found("ACL repair on 9/12 for Ruby's knee"), ["9/12", "Ruby"]);
        assert_eq!(found("email maria@x.org or see example.org/Maria"), Vec::<&str>::new());
    }

    /// `find_with_dates` as first written: the faster word scan must agree.
    fn reference_find(text: &str, dates: &[crate::engine::context::DateSpan]) -> Vec<Candidate> {
        let mut out = Vec::new();
        let b = text.as_bytes();
        for &(s, e, _) in dates {
            out.push(Candidate { start: s, end: e, identifier: Identifier::Date });
        }
        // words: ASCII letters with inner ' or -
        let mut words: Vec<(usize, usize)> = Vec::with_capacity(b.len() / 5 + 1);
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_alphabetic()
                && (i == 0
                    || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'@' || b[i - 1] == b'#' || b[i - 1] == b'/'))
            {
                let s = i;
                while i < b.len()
                    && (b[i].is_ascii_alphabetic()
                        || ((b[i] == b'\'' || b[i] == b'-') && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic()))
                {
                    i += 1;
                }
                // part of a URL, email or handle
                if i < b.len()
                    && (b[i] == b'@'
                        || b[i] == b'/'
                        || (b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic()))
                {
                    continue;
                }
                words.push((s, i));
            } else {
                i += 1;
            }
        }
        // whether the word before word k is in a list (any ASCII case; asked
        // only of name-shaped words, without a lower-case copy)
        let before_in = |k: usize, list: &[&str]| {
            k > 0 && {
                let prev = &text[words[k - 1].0..words[k - 1].1];
                list.iter().any(|x| x.eq_ignore_ascii_case(prev))
            }
        };
        let mut k = 0;
        while k < words.len() {
            let (s, e) = words[k];
            let w = &text[s..e];
            let cap = w.as_bytes()[0].is_ascii_uppercase()
                && w.len() > 1
                && !w.bytes().skip(1).all(|c| c.is_ascii_uppercase());
            let name_shape = cap
                && !NOT_FIRST_WORDS.contains(w)
                && (vocab::is_first_name(w) || vocab::is_surname(w) || before_in(k, HONORIFICS));
            if !name_shape || before_in(k, STAFF_TITLES) {
                k += 1;
                continue;
            }
            // extend over a following capitalised word (a surname)
            let mut end = e;
            let mut j = k + 1;
            while j < words.len() && j <= k + 2 {
                let (s2, e2) = words[j];
                let gap = &text[end..s2];
                let w2 = &text[s2..e2];
                if gap == " " && w2.as_bytes()[0].is_ascii_uppercase() && !NOT_FIRST_WORDS.contains(w2) {
                    end = e2;
                    j += 1;
                } else {
                    break;
                }
            }
            // a credential after the name: staff
            let after = text[end..].trim_start_matches([',', ' ']);
            let cred = after.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).next().is_some_and(|x| {
                CREDENTIALS_AFTER.contains(&x.to_ascii_lowercase().as_str())
                    && x.len() >= 2
                    && x.bytes().any(|c| c.is_ascii_uppercase())
            });
            if !cred {
                let end = text[s..end].strip_suffix("'s").map_or(end, |x| s + x.len());
                out.push(Candidate { start: s, end, identifier: Identifier::Name });
            }
            k = j.max(k + 1);
        }
        out.sort_by_key(|c| (c.start, c.end));
        out
    }

    /// The word pieces, and capitals where a word cannot start or is
    /// glued to the words around it.
    fn pieces() -> Vec<&'static str> {
        let more = [
            "iPhone ",
            "aB",
            "'A",
            "-B",
            "x'Anna ",
            "Ms ",
            "mrs ",
            "Dr ",
            "Maria ",
            "Lopez",
            "Kelly Chen Smith ",
            "Ana-Ruiz",
            "ICU",
            "9Anna ",
            "#Anna ",
            "@Anna ",
            "Anna@x.org ",
            "Anna.Org ",
            "Anna/x ",
            "nurse Anna ",
        ];
        crate::engine::context::WORD_PIECES.iter().copied().chain(more).collect()
    }

    /// Every word of the text by the scan of the whole text, as first
    /// written.
    fn reference_words(b: &[u8]) -> Vec<(usize, usize)> {
        let mut words = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_alphabetic()
                && (i == 0
                    || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'@' || b[i - 1] == b'#' || b[i - 1] == b'/'))
            {
                let s = i;
                while i < b.len()
                    && (b[i].is_ascii_alphabetic()
                        || ((b[i] == b'\'' || b[i] == b'-') && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic()))
                {
                    i += 1;
                }
                if i < b.len()
                    && (b[i] == b'@'
                        || b[i] == b'/'
                        || (b[i] == b'.' && i + 1 < b.len() && b[i + 1].is_ascii_alphabetic()))
                {
                    continue;
                }
                words.push((s, i));
            } else {
                i += 1;
            }
        }
        words
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, ..Default::default() })]

        #[test]
        fn candidates_agree_with_the_first_scan(
            parts in proptest::collection::vec(proptest::sample::select(pieces()), 0..24),
            tail in "\\PC{0,12}",
        ) {
            let text = format!("{}{}", parts.concat(), tail);
            let dates: Vec<_> = dates_in(&text).collect();
            proptest::prop_assert_eq!(find_with_dates(&text, &dates), reference_find(&text, &dates));
        }

        /// The words around a capital, the capitals and the word before
        /// each word are those of the scan of the whole text.
        #[test]
        fn the_scan_taken_up_anywhere_agrees_with_the_whole(
            parts in proptest::collection::vec(proptest::sample::select(pieces()), 0..24),
            tail in "\\PC{0,12}",
        ) {
            let text = format!("{}{}", parts.concat(), tail);
            let b = text.as_bytes();
            let words = reference_words(b);
            proptest::prop_assert_eq!(words_from(b, 0, b.len()).collect::<Vec<_>>(), words.clone());
            for (k, &(s, e)) in words.iter().enumerate() {
                proptest::prop_assert_eq!(word_before(b, s), k.checked_sub(1).map(|p| words[p]));
                proptest::prop_assert_eq!(words_from(b, e, b.len()).collect::<Vec<_>>(), words[k + 1..].to_vec());
            }
            for i in 0..=b.len() {
                proptest::prop_assert_eq!(next_capital(b, i), (i..b.len()).find(|&k| b[k].is_ascii_uppercase()));
                let restart = restart_before(b, i);
                let from_restart: Vec<_> = words_from(b, restart, b.len()).filter(|w| w.0 >= i).collect();
                let whole: Vec<_> = words.iter().copied().filter(|w| w.0 >= i).collect();
                proptest::prop_assert_eq!(from_restart, whole);
            }
        }
    }
}
