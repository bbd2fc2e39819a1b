//! Word lists of the context rules and the cue vocabulary they are read with.
//!
//! The cue phrases are data: `[context.cues]` in `config/rules.toml`, one key
//! per [`role`] name ([`ROLE_NAMES`]). The config loader compiles them once
//! into a [`Vocabulary`] (Aho-Corasick, ASCII case folding, whole words) kept
//! in the `RuleSet`; every draft is scanned once with it, and each cue carries
//! a bit set of roles that the detectors ask about ("is there a care word in
//! this draft?", "is there a date trigger in the 90 bytes before this date?").
//! The small closed lists that only ever qualify a word next to a candidate
//! (facility words after a name, modifier nouns after "patient") and the
//! given-name / surname gazetteers stay here, looked up by hash set or linear
//! scan on a handful of words. Nothing here reads files or touches the draft
//! beyond the text it is given.

use crate::engine::data::Fnv;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

/// What a cue word means to the detectors. A cue may have several roles.
pub(crate) mod role {
    /// The draft is about someone's care (results, referral, admitted...).
    pub const CARE: u32 = 1 << 0;
    /// The draft is about one specific patient (year-old, pt, MRN, s/p...).
    pub const CASE: u32 = 1 << 1;
    /// A word that ties a following date to a person (admitted, DOB, seen...).
    pub const DATE_TRIGGER: u32 = 1 << 2;
    /// A birth/death trigger: the date is personal whatever else is around.
    pub const DATE_STRONG: u32 = 1 << 3;
    /// The date is an event's (join us, webinar, closed, 6pm...).
    pub const EVENT: u32 = 1 << 4;
    /// A staff role word; a name right after it is a colleague's.
    pub const STAFF: u32 = 1 << 5;
    /// Staff news (welcome, joins, congrats, award...): names are colleagues.
    pub const NEWS: u32 = 1 << 6;
    /// A word after which a capitalised word is a patient's name (named, pt...).
    pub const NAME_TRIGGER: u32 = 1 << 7;
    /// `patient` / `pt`: the next word decides whether it is a real patient.
    pub const PATIENT: u32 = 1 << 8;
    /// Needs a digit right before it ("55yo", "47 M").
    pub const AFTER_DIGIT: u32 = 1 << 9;
    /// "my"/"our" before "patient".
    pub const OWNER: u32 = 1 << 10;
    /// `Mr`, `Mrs`, `Ms`, `Miss`, `Dr`...: a name may follow.
    pub const HONORIFIC: u32 = 1 << 11;
    /// A person or case noun of a story (guy, lady, kid, case...).
    pub const STORY: u32 = 1 << 12;
    /// When a story happened (today, last night, on my shift...).
    pub const WHEN: u32 = 1 << 13;
    /// Someone in particular is spoken to (dm me, who messaged, in your case).
    pub const ADDRESS: u32 = 1 << 14;
    /// Words of advice that is individual by itself (go up to, double your,
    /// you should, sounds like).
    pub const ADVICE: u32 = 1 << 15;
    /// A relative (daughter, husband...): in a care draft, their name is PHI too.
    pub const RELATIVE: u32 = 1 << 16;
    /// A record or test of one person's care (summary, results, referral,
    /// scan, MRI, biopsy...): "results for <First Last>" names a patient, and
    /// "<First> R." next to one is a patient's name without any word list.
    pub const RECORD: u32 = 1 << 17;
    /// Someone arrived for care (came in, walked into, was brought in...):
    /// after a person noun, a story even without "a"/"this" before it.
    pub const ARRIVAL: u32 = 1 << 18;
    /// A birth (welcome to the world, born, lbs): a capitalised "Baby" and
    /// one unlisted word after it is a newborn's name.
    pub const BIRTH: u32 = 1 << 19;
    /// A tender word for a child patient (little, sweet, brave, our little
    /// fighter): a full name right after it, in a care draft, is a patient's.
    pub const CHILD: u32 = 1 << 20;
    /// A care unit or milestone of a child's care story (NICU, PICU, rang
    /// the bell): with a [`CHILD`] word, the draft is about someone's care.
    pub const UNIT: u32 = 1 << 21;
    /// Public life (announced, went public, raised awareness, famous, NBA):
    /// a name shaped like a name in the same sentence is a public figure
    /// talked about, not a patient, unless a patient cue is there too.
    pub const PUBLIC: u32 = 1 << 22;
    /// One person's own care spoken to them (your appointment, your scan,
    /// su cita): in a reply to that person, the draft is about their care,
    /// and a date there is theirs.
    pub const YOUR_CARE: u32 = 1 << 23;
}

use role::*;

/// Every role by its name in `[context.cues]` of `rules.toml`.
pub const ROLE_NAMES: &[(&str, u32)] = &[
    ("care", CARE),
    ("case", CASE),
    ("date_trigger", DATE_TRIGGER),
    ("date_strong", DATE_STRONG),
    ("event", EVENT),
    ("staff", STAFF),
    ("news", NEWS),
    ("name_trigger", NAME_TRIGGER),
    ("patient", PATIENT),
    ("after_digit", AFTER_DIGIT),
    ("owner", OWNER),
    ("honorific", HONORIFIC),
    ("story", STORY),
    ("when", WHEN),
    ("address", ADDRESS),
    ("advice", ADVICE),
    ("relative", RELATIVE),
    ("record", RECORD),
    ("arrival", ARRIVAL),
    ("birth", BIRTH),
    ("child", CHILD),
    ("unit", UNIT),
    ("public", PUBLIC),
    ("your_care", YOUR_CARE),
];

/// The role bit of a `[context.cues]` key, if it names one.
pub fn role_by_name(name: &str) -> Option<u32> {
    ROLE_NAMES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// The cue vocabulary of a rule set: the phrases of `[context.cues]` with
/// their roles, compiled once into one Aho-Corasick automaton when the
/// configuration is loaded (never per draft).
#[derive(Debug, Clone)]
pub struct Vocabulary {
    ac: Option<AhoCorasick>,
    /// The roles of each pattern of `ac`, by pattern index.
    roles: Vec<u32>,
}

impl Vocabulary {
    /// Compiles `(phrase, roles)` pairs. A phrase given more than once (any
    /// ASCII case) is one cue carrying the union of its roles.
    pub fn build<'a>(cues: impl IntoIterator<Item = (&'a str, u32)>) -> Result<Vocabulary, String> {
        let mut phrases: Vec<&str> = Vec::new();
        let mut roles: Vec<u32> = Vec::new();
        let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (phrase, r) in cues {
            match at.entry(phrase.to_ascii_lowercase()) {
                Entry::Occupied(i) => roles[*i.get()] |= r,
                Entry::Vacant(slot) => {
                    slot.insert(phrases.len());
                    phrases.push(phrase);
                    roles.push(r);
                }
            }
        }
        if phrases.is_empty() {
            return Ok(Vocabulary { ac: None, roles });
        }
        // Leftmost-longest: "last seen" wins over "seen", "patient id" over
        // "patient"; the longer cue carries the roles that matter there.
        // A contiguous NFA, not a DFA: for the ~700 built-in cues the DFA
        // takes 1.9 MB and the NFA 120 KB, and next to the model's table and
        // the regexes' caches the small one is the faster (the matches are
        // the same). With a cue on almost every word, a prefilter only adds
        // restarts. States up to depth 6 are dense (a row of transitions,
        // not a list to search): most words walk that deep into the cue
        // prefixes, and a dense state is a load where a sparse one is a scan
        // (~10% fewer instructions for the search, 130 KB to 580 KB).
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .dense_depth(6)
            .prefilter(false)
            .build(&phrases)
            .map_err(|e| e.to_string())?;
        Ok(Vocabulary { ac: Some(ac), roles })
    }

    /// How many distinct cue phrases there are.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// Whether there is no cue at all.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// The cues of a folded text as `(start, end, role bits)`: what the
    /// learned model reads as features.
    pub fn cue_spans(&self, text: &str) -> Vec<(usize, usize, u32)> {
        self.find_cues(text).into_iter().map(|c| (c.start, c.end, c.roles)).collect()
    }

    /// [`Vocabulary::find_cues`] of a draft's folded view, scanned once per
    /// draft and vocabulary: the context rules and the model's featurizer
    /// both read it.
    pub(crate) fn cues_of<'i>(&self, input: &'i crate::engine::Input<'_>) -> std::borrow::Cow<'i, [Cue]> {
        let me = self as *const Vocabulary as usize;
        let (at, cues) = input.scans.cues.get_or_init(|| (me, self.find_cues(input.norm.text())));
        if *at == me {
            std::borrow::Cow::Borrowed(cues)
        } else {
            std::borrow::Cow::Owned(self.find_cues(input.norm.text()))
        }
    }

    /// Every cue of the folded text, whole words only, in text order.
    pub(super) fn find_cues(&self, text: &str) -> Vec<Cue> {
        let Some(ac) = self.ac.as_ref() else { return Vec::new() };
        let b = text.as_bytes();
        let mut out = Vec::with_capacity(16);
        for hit in ac.find_iter(text) {
            let (s, e) = (hit.start(), hit.end());
            let roles = self.roles[hit.pattern().as_usize()];
            let first_word = is_word_byte(b[s]);
            let last_word = is_word_byte(b[e - 1]);
            if roles & AFTER_DIGIT != 0 {
                // "55yo", "55 yo", "55-yo"
                let k = if s > 0 && matches!(b[s - 1], b' ' | b'-') { s - 1 } else { s };
                if k == 0 || !b[k - 1].is_ascii_digit() {
                    continue;
                }
            } else if first_word && s > 0 && is_word_byte(b[s - 1]) {
                continue;
            }
            if last_word
                && e < b.len()
                && (is_word_byte(b[e]) || (b[e] == b'\'' && e + 1 < b.len() && b[e + 1] == b't'))
            {
                continue;
            }
            out.push(Cue { start: s, end: e, roles });
        }
        out
    }
}

/// One cue found in a draft.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cue {
    pub start: usize,
    pub end: usize,
    pub roles: u32,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A closed list of capitalised words, built once and looked up exactly.
type WordSet = HashSet<&'static str, BuildHasherDefault<Fnv>>;

fn set_of_lines(text: &'static str) -> WordSet {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

/// The built-in `config/words/not-first-words.txt`, for the model's name
/// candidates (`candidates.rs`), which run outside any rule set; the context
/// rules read the rule set's copy ([`super::words::WordLists`]).
pub(super) static NOT_FIRST_WORDS: LazyLock<WordSet> =
    LazyLock::new(|| set_of_lines(include_str!("../../../config/words/not-first-words.txt")));

/// Common given names (see `first_names.txt`).
static FIRST_NAMES: LazyLock<WordSet> = LazyLock::new(|| set_of_lines(include_str!("first_names.txt")));

/// Whether a capitalised word is a common given name ("Anne-Marie" by its
/// first part).
pub(super) fn is_first_name(word: &str) -> bool {
    // the part before the first `-` (a byte search: the words are short)
    let w = word.as_bytes().iter().position(|&c| c == b'-').map_or(word, |p| &word[..p]);
    let w = w.strip_suffix("'s").unwrap_or(w);
    FIRST_NAMES.contains(w)
}

/// Common surnames (see `surnames.txt`).
static SURNAMES: LazyLock<WordSet> = LazyLock::new(|| set_of_lines(include_str!("surnames.txt")));

/// Whether a capitalised word is a common surname ("Smith's" by "Smith").
pub(super) fn is_surname(word: &str) -> bool {
    let w = word.strip_suffix("'s").unwrap_or(word);
    SURNAMES.contains(w)
}

/// What a capitalised word is to the learned model: a given name (first), or
/// else a surname.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameShape {
    Given,
    Family,
}

const GIVEN: u8 = 1;
const FAMILY: u8 = 2;
const NOT_FIRST: u8 = 4;

/// [`FIRST_NAMES`], [`SURNAMES`] and [`NOT_FIRST_WORDS`] in one map, each
/// word with the lists it is in (`GIVEN`, `FAMILY`, `NOT_FIRST` bits): the
/// featurizer and the model's name candidates ask two or three of these
/// questions of every capitalised word, and this answers them with one hash.
static NAME_KINDS: LazyLock<HashMap<&'static str, u8, BuildHasherDefault<Fnv>>> = LazyLock::new(|| {
    let mut kinds: HashMap<&'static str, u8, BuildHasherDefault<Fnv>> = HashMap::default();
    for &w in FIRST_NAMES.iter() {
        *kinds.entry(w).or_default() |= GIVEN;
    }
    for &w in SURNAMES.iter() {
        *kinds.entry(w).or_default() |= FAMILY;
    }
    for &w in NOT_FIRST_WORDS.iter() {
        *kinds.entry(w).or_default() |= NOT_FIRST;
    }
    kinds
});

/// Whether `word` is on [`NOT_FIRST_WORDS`], and whether it
/// [`is_first_name`] or [`is_surname`]: the model's name candidates ask all
/// three of every capitalised word. The same answers, with one look-up for
/// a word without a hyphen or `'s` (two with `'s`: the list of words that
/// start no name holds the word as it is, the name lists its stem).
pub(super) fn not_first_or_listed(word: &str) -> (bool, bool) {
    if word.as_bytes().contains(&b'-') {
        return (NOT_FIRST_WORDS.contains(word), is_first_name(word) || is_surname(word));
    }
    let kinds = |w: &str| NAME_KINDS.get(w).copied().unwrap_or(0);
    let k = kinds(word);
    let stem = word.strip_suffix("'s").map_or(k, kinds);
    (k & NOT_FIRST != 0, stem & (GIVEN | FAMILY) != 0)
}

/// `Given` if [`is_first_name`], else `Family` if [`is_surname`]: the same
/// answers, with one look-up for a word without a hyphen (both then look up
/// the word less its `'s`).
pub(super) fn name_shape(word: &str) -> Option<NameShape> {
    if word.as_bytes().contains(&b'-') {
        // the given name is the first part ("Anne-Marie"), the surname the whole
        return if is_first_name(word) {
            Some(NameShape::Given)
        } else if is_surname(word) {
            Some(NameShape::Family)
        } else {
            None
        };
    }
    let w = word.strip_suffix("'s").unwrap_or(word);
    match NAME_KINDS.get(w) {
        Some(&k) if k & GIVEN != 0 => Some(NameShape::Given),
        Some(&k) if k & FAMILY != 0 => Some(NameShape::Family),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one look-up gives the two lists' answers (given name first) for
    /// every name in them, its variants (`'s`, hyphenated, another case) and
    /// other words; so does [`not_first_or_listed`], with the words that
    /// start no name.
    #[test]
    fn name_shape_is_given_name_then_surname() {
        let reference = |w: &str| {
            if is_first_name(w) {
                Some(NameShape::Given)
            } else if is_surname(w) {
                Some(NameShape::Family)
            } else {
                None
            }
        };
        let mut words: Vec<String> = ["", "-", "'s", "Patient", "Smith's's", "O'Brien's", "Anne-Marie", "Ruiz-"]
            .into_iter()
            .map(String::from)
            .collect();
        for &n in FIRST_NAMES.iter().chain(SURNAMES.iter()).chain(NOT_FIRST_WORDS.iter()) {
            words.extend([
                n.to_string(),
                format!("{n}'s"),
                n.to_uppercase(),
                n.to_lowercase(),
                format!("{n}-Smith"),
                format!("Anne-{n}"),
                format!("{n}'s-Jo"),
                format!("{n}x"),
            ]);
        }
        let mut seen = [false; 2];
        for w in &words {
            // `is_first_name` as first written (`split_once`)
            let first = w.split_once('-').map_or(w.as_str(), |(first, _)| first);
            assert_eq!(is_first_name(w), FIRST_NAMES.contains(first.strip_suffix("'s").unwrap_or(first)), "{w}");
            let listed = is_first_name(w) || is_surname(w);
            assert_eq!(not_first_or_listed(w), (NOT_FIRST_WORDS.contains(w.as_str()), listed), "{w}");
            let shape = name_shape(w);
            assert_eq!(shape, reference(w), "{w}");
            match shape {
                Some(NameShape::Given) => seen[0] = true,
                Some(NameShape::Family) => seen[1] = true,
                None => {}
            }
        }
        assert_eq!(seen, [true, true]);
    }
}
