//! Towns, cities and counties in a post about one patient (`phi.place`).
//!
//! A patient's city, county or other subdivision of a state is a Safe Harbor
//! identifier (POLICY: "a patient's ... city or ZIP"). A place name alone
//! says nothing about whose it is, so this finder only lists candidates; the
//! model reports them, like first names, only in a draft it reads as about
//! one patient (see `model::apply`), never in a notice or an event post.
//!
//! Three shapes, each of one to three capitalised words:
//! - after `from`, `in`, `near`, `outside`, `en`, `desde` (`a farmer from
//!   Millbrook`, `vive en Cidra`), unless the first word is one no place
//!   starts with (months, languages, departments, `The`... in
//!   `words/not-place-words.txt`) or a given name, or an institution word
//!   follows (`from Mercy Hospital` is the facility, not a town);
//! - before a subdivision word (`Harlan County`, `words/place-suffixes.txt`);
//! - before `, ` and a state (`Dayton, OH`, `Macon, Georgia`;
//!   `words/us-states.txt`), unless the code is a credential after a name
//!   (`Ana Ruiz, MD`).

use super::words::WordLists;

/// Words before a place.
const BEFORE: &[&str] = &["from", "in", "near", "outside", "en", "desde"];

/// The first bytes of [`BEFORE`] (ASCII), as a bit set.
const BEFORE_FIRST: u128 = {
    let mut set = 0;
    let mut i = 0;
    while i < BEFORE.len() {
        set |= 1 << BEFORE[i].as_bytes()[0];
        i += 1;
    }
    set
};

/// Whether `w` is one of [`BEFORE`]; most words are turned away by their
/// first byte.
fn is_before(w: &str) -> bool {
    w.as_bytes().first().is_some_and(|&c| c < 128 && BEFORE_FIRST & (1 << c) != 0) && BEFORE.contains(&w)
}

/// A word of the text: byte range, and whether it is [`capitalised`]
/// (asked of most words up to three times, answered once).
#[derive(Debug, Clone, Copy)]
struct Word {
    start: usize,
    end: usize,
    cap: bool,
}

/// The words of the text: runs of letters and digits with `'` and `-`
/// inside or at the end (`capitalised` not yet set).
fn words(text: &str) -> Vec<Word> {
    // ASCII bytes are their own characters and are classified without
    // decoding; only a non-ASCII character is decoded (`'` and `-` are ASCII)
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 5 + 1);
    let mut i = 0;
    while i < b.len() {
        let byte = b[i];
        if byte < 0x80 {
            if !byte.is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
        } else {
            let Some(ch) = text[i..].chars().next() else { break };
            if !ch.is_alphanumeric() {
                i += ch.len_utf8();
                continue;
            }
        }
        let start = i;
        loop {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'\'' || b[i] == b'-') {
                i += 1;
            }
            if i < b.len() && b[i] >= 0x80 {
                if let Some(ch) = text[i..].chars().next().filter(|ch| ch.is_alphanumeric()) {
                    i += ch.len_utf8();
                    continue;
                }
            }
            break;
        }
        out.push(Word { start, end: i, cap: false });
    }
    out
}

/// A capitalised word with a lower-case letter after its first (`Millbrook`,
/// `McAllen`; not `ED`, `ICU`, `7B`).
fn capitalised(w: &str) -> bool {
    let b = w.as_bytes();
    if b.first().is_none_or(|c| c.is_ascii() && !c.is_ascii_uppercase()) {
        // most words: no capital, asked of the first byte alone
        return false;
    }
    if b.is_ascii() {
        // the same questions of ASCII characters, byte by byte
        return b.first().is_some_and(u8::is_ascii_uppercase)
            && b[1..].iter().any(u8::is_ascii_lowercase)
            && !b[1..].iter().any(u8::is_ascii_digit);
    }
    let mut chars = w.chars();
    chars.next().is_some_and(char::is_uppercase)
        && chars.clone().any(char::is_lowercase)
        && chars.all(|c| !c.is_numeric())
}

/// Whether only a single space lies between two words.
fn spaced(text: &str, a: Word, b: Word) -> bool {
    &text[a.end..b.start] == " "
}

/// A word without its possessive (`Tuesday's` → `Tuesday`).
fn bare(w: &str) -> &str {
    if !matches!(w.as_bytes().last(), Some(b's' | b'\'')) {
        return w; // the ending of most words: nothing to strip
    }
    w.strip_suffix("'s").or_else(|| w.strip_suffix("\u{2019}s")).or_else(|| w.strip_suffix('\'')).unwrap_or(w)
}

/// Candidate places (byte ranges of `text`), in order, not overlapping.
pub fn find(text: &str, wl: &WordLists) -> Vec<(usize, usize)> {
    let mut ws: Vec<Word> = words(text);
    for w in ws.iter_mut() {
        let word = bare(&text[w.start..w.end]);
        w.end = w.start + word.len();
        w.cap = capitalised(word);
    }
    let w = |i: usize| &text[ws[i].start..ws[i].end];
    // a run of capitalised words from `i`, at most three, single-spaced
    let run = |i: usize| -> usize {
        let mut j = i;
        while j < ws.len() && j - i < 3 && ws[j].cap && (j == i || spaced(text, ws[j - 1], ws[j])) {
            j += 1;
        }
        j
    };
    let institution = |word: &str| {
        wl.facility.contains(word)
            && !wl.place_words.contains(word)
            && !wl.place_suffixes.contains(word)
            && !wl.place_before.contains(word)
    };
    // `, OH` / `, New York` right after word `i`: where the state ends
    let state_after = |i: usize| -> Option<usize> {
        let k = i + 1;
        if k >= ws.len() || &text[ws[i].end..ws[k].start] != ", " {
            return None;
        }
        if k + 1 < ws.len()
            && spaced(text, ws[k], ws[k + 1])
            && wl.us_states.contains(&text[ws[k].start..ws[k + 1].end])
        {
            return Some(ws[k + 1].end);
        }
        (wl.us_states.contains(w(k)) && !wl.credentials.contains(w(k))).then_some(ws[k].end)
    };
    let mut out: Vec<(usize, usize)> = Vec::new();
    let mut push = |s: usize, e: usize| {
        if out.last().is_none_or(|&(_, le)| s >= le) {
            out.push((s, e));
        }
    };
    for i in 0..ws.len() {
        // `from Millbrook`, `en Cidra`
        if is_before(w(i)) && i + 1 < ws.len() && spaced(text, ws[i], ws[i + 1]) {
            let end = run(i + 1);
            let first = w(i + 1);
            let blocked = end == i + 1
                || wl.not_place.contains(first)
                || wl.us_states.contains(first)
                || (i + 1..end).all(|k| wl.place_words.contains(w(k)) || wl.place_suffixes.contains(w(k)))
                || super::vocab::is_first_name(first)
                || wl.honorifics.contains(first)
                || wl.providers.contains(first)
                || wl.title_words.contains(first)
                || (i + 1..end).any(|k| institution(w(k)))
                || (end < ws.len() && spaced(text, ws[end - 1], ws[end]) && institution(w(end)));
            if !blocked {
                push(ws[i + 1].start, state_after(end - 1).unwrap_or(ws[end - 1].end));
                continue;
            }
        }
        // `Harlan County`
        if i > 0 && ws[i - 1].cap && spaced(text, ws[i - 1], ws[i]) && wl.place_suffixes.contains(w(i)) {
            let mut s = i - 1;
            while s > 0 && i - s < 3 && ws[s - 1].cap && spaced(text, ws[s - 1], ws[s]) {
                s -= 1;
            }
            if !wl.not_place.contains(w(s)) {
                push(ws[s].start, state_after(i).unwrap_or(ws[i].end));
            }
            continue;
        }
        // `Dayton, OH` / `Macon, Georgia` / `Albany, New York`
        if ws[i].cap && (i + 1 == ws.len() || !ws[i + 1].cap || !spaced(text, ws[i], ws[i + 1])) {
            let Some(state_end) = state_after(i) else { continue };
            let mut s = i;
            while s > 0 && i - s < 2 && ws[s - 1].cap && spaced(text, ws[s - 1], ws[s]) {
                s -= 1;
            }
            let person = super::vocab::is_first_name(w(s));
            if !person && !wl.not_place.contains(w(s)) && !(s..=i).any(|k| institution(w(k))) {
                push(ws[s].start, state_end);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places(text: &str) -> Vec<&str> {
        let wl = WordLists::builtin().unwrap();
        find(text, &wl).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn finds_towns_counties_and_cities_with_a_state() {
        assert_eq!(places("a 45 yo farmer from Millbrook came in after his tractor rolled"), ["Millbrook"]);
        assert_eq!(places("our patient from Harlan County went home"), ["Harlan County"]);
        assert_eq!(places("she drove in from Dayton, OH at 3am"), ["Dayton, OH"]);
        assert_eq!(places("grew up near Macon, Georgia"), ["Macon, Georgia"]);
        assert_eq!(places("a trucker from Cedar Rapids"), ["Cedar Rapids"]);
        assert_eq!(places("la señora vive en Cidra y vino sola"), ["Cidra"]);
        assert_eq!(places("lives in St Albans"), ["St Albans"]);
    }

    #[test]
    fn leaves_times_languages_units_facilities_and_people() {
        for text in [
            "came in March with a cough",
            "discharged in Spanish and English",
            "transferred from Pediatrics to the floor",
            "brought in from Mercy Hospital by ambulance",
            "in ICU overnight",
            "a letter from Maria about her mom",
            "Thanks to Ana Ruiz, MD for the talk",
            "moved from Room 4",
            "from Dr. Patel's clinic",
            "born in 1931",
            "she flew in from Mexico to see her son",
            "grew up in Kentucky",
            "moved up to Cardiac ICU",
            "from Tuesday's clinic",
            "from Station 4",
        ] {
            assert!(places(text).is_empty(), "{text}: {:?}", places(text));
        }
    }

    #[test]
    fn a_run_stops_at_three_words_and_at_punctuation() {
        assert_eq!(places("from Grand Island Falls North today"), ["Grand Island Falls"]);
        assert_eq!(places("from Millbrook. Then"), ["Millbrook"]);
    }

    /// Pieces of texts for [`find`]: the word pieces and the words each
    /// shape of place reads.
    const PLACE_PIECES: &[&str] = &[
        "Jessica ",
        "Millbrook",
        "Cedar Rapids",
        "County ",
        "from ",
        "in ",
        "near ",
        "outside ",
        "en ",
        "desde ",
        "inside ",
        "d ",
        ", OH",
        ", New York",
        ", Georgia",
        ", MD",
        "Tuesday's ",
        "Harlan ",
        "Mercy Hospital ",
        "Dr. ",
        "St ",
        "Albans ",
        "Grand Island Falls ",
        "Maria ",
        "Room 4",
        "Cidra",
        "É",
        "Órla ",
        " ",
        ", ",
        ".",
        "'s ",
        "x' ",
        "\u{2019}s",
        "-",
        "7B ",
        "ICU ",
        "Mexico ",
        "March ",
        "日本",
    ];

    /// `words` and `capitalised` as first written: the faster ones must agree.
    fn reference_words(text: &str) -> Vec<(usize, usize)> {
        // byte by byte: an ASCII byte is its own character, and only a
        // non-ASCII one is decoded (`'` and `-` are ASCII)
        let b = text.as_bytes();
        let mut out = Vec::with_capacity(b.len() / 5 + 1);
        let mut start = None;
        let mut i = 0;
        while i < b.len() {
            let byte = b[i];
            let (inner, len) = if byte < 0x80 {
                (byte.is_ascii_alphanumeric() || ((byte == b'\'' || byte == b'-') && start.is_some()), 1)
            } else {
                let Some(ch) = text[i..].chars().next() else { break };
                (ch.is_alphanumeric(), ch.len_utf8())
            };
            match (inner, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    out.push((s, i));
                    start = None;
                }
                _ => {}
            }
            i += len;
        }
        if let Some(s) = start {
            out.push((s, text.len()));
        }
        out
    }
    fn reference_capitalised(w: &str) -> bool {
        let mut chars = w.chars();
        chars.next().is_some_and(char::is_uppercase)
            && chars.clone().any(char::is_lowercase)
            && chars.all(|c| !c.is_numeric())
    }
    fn reference_bare(w: &str) -> &str {
        w.strip_suffix("'s").or_else(|| w.strip_suffix("\u{2019}s")).or_else(|| w.strip_suffix('\'')).unwrap_or(w)
    }

    /// `find` as first written (each word's ending stripped and its capital
    /// asked in full, [`BEFORE`] searched for every word): the faster one
    /// must agree.
    fn reference_find(text: &str, wl: &WordLists) -> Vec<(usize, usize)> {
        let mut ws: Vec<Word> = words(text);
        for w in ws.iter_mut() {
            let word = reference_bare(&text[w.start..w.end]);
            w.end = w.start + word.len();
            w.cap = reference_capitalised(word);
        }
        let w = |i: usize| &text[ws[i].start..ws[i].end];
        // a run of capitalised words from `i`, at most three, single-spaced
        let run = |i: usize| -> usize {
            let mut j = i;
            while j < ws.len() && j - i < 3 && ws[j].cap && (j == i || spaced(text, ws[j - 1], ws[j])) {
                j += 1;
            }
            j
        };
        let institution = |word: &str| {
            wl.facility.contains(word)
                && !wl.place_words.contains(word)
                && !wl.place_suffixes.contains(word)
                && !wl.place_before.contains(word)
        };
        // `, OH` / `, New York` right after word `i`: where the state ends
        let state_after = |i: usize| -> Option<usize> {
            let k = i + 1;
            if k >= ws.len() || &text[ws[i].end..ws[k].start] != ", " {
                return None;
            }
            if k + 1 < ws.len()
                && spaced(text, ws[k], ws[k + 1])
                && wl.us_states.contains(&text[ws[k].start..ws[k + 1].end])
            {
                return Some(ws[k + 1].end);
            }
            (wl.us_states.contains(w(k)) && !wl.credentials.contains(w(k))).then_some(ws[k].end)
        };
        let mut out: Vec<(usize, usize)> = Vec::new();
        let mut push = |s: usize, e: usize| {
            if out.last().is_none_or(|&(_, le)| s >= le) {
                out.push((s, e));
            }
        };
        for i in 0..ws.len() {
            // `from Millbrook`, `en Cidra`
            if BEFORE.contains(&w(i)) && i + 1 < ws.len() && spaced(text, ws[i], ws[i + 1]) {
                let end = run(i + 1);
                let first = w(i + 1);
                let blocked = end == i + 1
                    || wl.not_place.contains(first)
                    || wl.us_states.contains(first)
                    || (i + 1..end).all(|k| wl.place_words.contains(w(k)) || wl.place_suffixes.contains(w(k)))
                    || crate::engine::context::vocab::is_first_name(first)
                    || wl.honorifics.contains(first)
                    || wl.providers.contains(first)
                    || wl.title_words.contains(first)
                    || (i + 1..end).any(|k| institution(w(k)))
                    || (end < ws.len() && spaced(text, ws[end - 1], ws[end]) && institution(w(end)));
                if !blocked {
                    push(ws[i + 1].start, state_after(end - 1).unwrap_or(ws[end - 1].end));
                    continue;
                }
            }
            // `Harlan County`
            if i > 0 && ws[i - 1].cap && spaced(text, ws[i - 1], ws[i]) && wl.place_suffixes.contains(w(i)) {
                let mut s = i - 1;
                while s > 0 && i - s < 3 && ws[s - 1].cap && spaced(text, ws[s - 1], ws[s]) {
                    s -= 1;
                }
                if !wl.not_place.contains(w(s)) {
                    push(ws[s].start, state_after(i).unwrap_or(ws[i].end));
                }
                continue;
            }
            // `Dayton, OH` / `Macon, Georgia` / `Albany, New York`
            if ws[i].cap && (i + 1 == ws.len() || !ws[i + 1].cap || !spaced(text, ws[i], ws[i + 1])) {
                let Some(state_end) = state_after(i) else { continue };
                let mut s = i;
                while s > 0 && i - s < 2 && ws[s - 1].cap && spaced(text, ws[s - 1], ws[s]) {
                    s -= 1;
                }
                let person = crate::engine::context::vocab::is_first_name(w(s));
                if !person && !wl.not_place.contains(w(s)) && !(s..=i).any(|k| institution(w(k))) {
                    push(ws[s].start, state_end);
                }
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn words_agree_with_the_first_scan(
            parts in proptest::collection::vec(proptest::sample::select(crate::engine::context::WORD_PIECES), 0..24),
            tail in "\\PC{0,12}",
        ) {
            let text = format!("{}{}", parts.concat(), tail);
            let now: Vec<(usize, usize)> = words(&text).iter().map(|w| (w.start, w.end)).collect();
            let before = reference_words(&text);
            proptest::prop_assert_eq!(&now, &before);
            for (s, e) in before {
                let w = bare(&text[s..e]);
                proptest::prop_assert_eq!(w, reference_bare(&text[s..e]));
                proptest::prop_assert_eq!(capitalised(w), reference_capitalised(w), "{}", w);
            }
        }

        #[test]
        fn find_agrees_with_the_first_scan(
            parts in proptest::collection::vec(proptest::sample::select(PLACE_PIECES), 0..24),
            tail in "\\PC{0,12}",
        ) {
            let wl = WordLists::builtin().unwrap();
            let text = format!("{}{}", parts.concat(), tail);
            proptest::prop_assert_eq!(find(&text, &wl), reference_find(&text, &wl));
        }
    }
}
