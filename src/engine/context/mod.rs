//! Context rules: identifiers and references that only context reveals.
//!
//! A phone number is PHI on its own; "Anna S." or "April 12, 2023" is PHI only
//! next to a patient, and "my patient" is a patient reference only when it is
//! not "my patient portal". The rules here read the words around a candidate:
//!
//! - `names`: `phi.name`, person names in a patient context (never staff);
//! - `dates`: `phi.date`, full dates tied to a person (never event dates,
//!   never a bare year, which Safe Harbor allows);
//! - `patient`: `patient.reference` (a post about one identifiable patient
//!   or case) and `patient.image` (a clinical image attached);
//! - `advice`: `advice.individual`, clinical advice aimed at one person.
//!
//! The fixed phrases of the last two families ("pt in room 12", "DM me your
//! symptoms") are lexicon entries in `config/rules.toml` (`patient.story`,
//! `advice.offer`); the code here holds what needs logic. The cue phrases the
//! logic reads (care words, staff roles, date triggers...) are data too, in
//! `[context.cues]` of `config/rules.toml`, compiled once per `RuleSet` into a
//! [`Vocabulary`]: unlike a lexicon entry they report nothing on their own,
//! they only qualify a candidate. The closed word lists (facility words,
//! credentials, title words...) are data files in `config/words/`, compiled
//! in and overridable one by one with `--config DIR` (`words`); the
//! given-name and surname lists stay in `vocab`. Every rule matches the folded view (`input.norm`) and maps
//! spans back to the original text. Structured identifiers (phones, emails,
//! SSN, MRN, ages over 89...) belong to [`super::phi`], not here; this module
//! touches nothing outside the draft it is given.
//!
//! Cost: one Aho-Corasick pass over cue words (`Vocabulary::find_cues`), a byte
//! scan of capitalised words, and a few ASCII-boundary regexes run only when
//! their cue words are present.

mod advice;
pub mod candidates;
mod dates;
mod names;
mod patient;
pub mod places;
mod vocab;
pub mod words;

use super::config::{ConfigError, Source};
use super::length::Parsed;
use super::registry::RuleDoc;
use super::{Category, Input, RuleSet, Severity, Sink};
pub(crate) use dates::DateSpan;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;
pub(crate) use vocab::role;
pub(crate) use vocab::Cue;
pub use vocab::{role_by_name, NameShape, Vocabulary, ROLE_NAMES};

/// Whether a capitalised word is a common given name (`Anne-Marie` by its
/// first part); the learned model reads it as a name shape.
pub fn is_given_name(word: &str) -> bool {
    vocab::is_first_name(word)
}

/// Whether a capitalised word is a common surname.
pub fn is_family_name(word: &str) -> bool {
    vocab::is_surname(word)
}

/// Whether a capitalised word is a common given name, or else a common
/// surname: [`is_given_name`], then [`is_family_name`], with one look-up.
pub fn name_shape(word: &str) -> Option<NameShape> {
    vocab::name_shape(word)
}

pub const RULES: &[RuleDoc] = &[
    RuleDoc {
        id: names::RULE,
        category: Category::Phi,
        severity: Severity::Error,
        what: "Finds a person's name in a patient context: `Mr./Mrs./Ms. Surname` (whatever cheers the draft \
               holds), a name after `my patient`, `pt`, `named` or `baby` (`Baby Amara Okonkwo`), a full name after a tender \
               word for a child in a care story (`Little Amara Okonkwo went home after 6 weeks in our NICU`, `our \
               little fighter Mateo Rossi rang the bell`), a first name with an initial (`Anna S.`, `Ngozi R., 73,`), a name after a record (`discharge summary for Nguyen \
               Thi Lan`), initials with age and sex (`J.M., 47M`), or a common first name and surname in a draft \
               about someone's care. Staff names tied to a role (`Dr. Lopez joins our team`, `our nurse Kelly \
               Chen`, `Ms. Rivera, our new practice manager`, `Meet Mr. Jenkins, who has driven our shuttle for 20 years`), \
               race results (`1st place Maria Lopez`), campuses (`Mercy West`) and public figures in a sentence \
               about public life (`Magic Johnson's HIV diagnosis changed the conversation`) are left alone.",
        why: "A patient's name is the first of the 18 HIPAA Safe Harbor identifiers; with a diagnosis or a date \
              next to it, the post discloses protected health information.",
        example: "`Wonderful to see my patient Jessica Moreno walking again` → remove the name, or get written \
                  authorization.",
    },
    RuleDoc {
        id: dates::RULE,
        category: Category::Phi,
        severity: Severity::Error,
        what: "Finds a full date (`04/12/1961`, `April 12, 2023`, `12 Apr 2023`, `Feb 5th`) tied to a person: \
               after DOB, born, admitted, discharged, seen, treated, diagnosed, surgery..., or anywhere in a \
               draft about one patient. Event dates (`closed on 12/25`, `Tuesday, March 4 at 6pm`) and bare \
               years (`diagnosed in 2021`) are not reported.",
        why: "All elements of dates (except the year) directly related to an individual — birth, admission, \
              discharge, death, visit dates — are HIPAA identifiers.",
        example: "`Patient DOB 04/12/1961 presented with chest pain` → drop the date or keep only the year.",
    },
    RuleDoc {
        id: dates::RULE_REPLY,
        category: Category::Phi,
        severity: Severity::Error,
        what: "In a reply (a draft that opens with an @handle) that speaks to someone of their own care (`your \
               appointment`, `your scan`, `your results`, `su cita`...), finds the date of that care \
               (`@liz_b your scan is rebooked for 3/22`, `su resultado del 2 de octubre`). The same words to \
               everyone, or an event's date, are not reported.",
        why: "A public reply that dates someone's appointment, test or result confirms that they are a patient \
              and when they were seen: both are protected health information.",
        example: "`@liz_b your bone density scan is rebooked for Friday 3/22` → say it in a private message.",
    },
    RuleDoc {
        id: patient::RULE_REFERENCE,
        category: Category::PatientReference,
        severity: Severity::Error,
        what: "Finds a post about one identifiable patient or case even without an identifier: `my patient…`, \
               `our patient in bed 12`, `had a patient this morning who…`, `this guy came into the ER \
               yesterday`, `Lady came in at 3am with…`, `a case from my shift today`. Generic mentions (`patients can now book online`, \
               `patient portal`, `Patient Safety Week`) are not references.",
        why: "Details of a recent encounter let colleagues, family or the patient recognise the person; \
              posting them needs the patient's written authorization under HIPAA and most social media \
              policies.",
        example: "`Had a patient this morning who swore the vaccine gave him the flu` → speak about patients in \
                  general, without the when and where.",
    },
    RuleDoc {
        id: patient::RULE_IMAGE,
        category: Category::PatientReference,
        severity: Severity::Error,
        what: "Flags an image attachment (image/*, DICOM) whose file name or caption says it is a clinical \
               image of a case (x-ray, scan, CT, MRI, ultrasound, ECG, wound, rash, fracture, lesion...), or a \
               camera photo whose caption talks about a case (`guy came in with this, pic below`). Team and \
               department photos (`proud of our imaging team`) are not case images.",
        why: "Clinical images carry burned-in identifiers, metadata and recognisable features; a case image \
              from a shift is patient information even when cropped.",
        example: "`xray_left_wrist.png` with `Look at this fracture line!` → use a de-identified teaching image \
                  with consent.",
    },
    RuleDoc {
        id: advice::RULE,
        category: Category::ClinicalAdvice,
        severity: Severity::Error,
        what: "Finds clinical advice to one person: an @mention reply or a message to `the mom who messaged \
               me` that tells someone to start, stop or change a medicine or dose, or diagnoses them \
               (`sounds like a stress fracture to me`, `double your ibuprofen`, `go up to 20mg`, `to the dad \
               who DMed me: sounds like croup, keep him home`). Public \
               guidance addressed to everyone (`adults should get screened at 45`, `talk to your doctor`) is \
               not advice to an individual.",
        why: "Advising one person online creates a clinician-patient relationship without an examination, \
              a record or consent, and invites them to share PHI in public.",
        example: "`@jdavis22 you should stop taking the lisinopril` → invite them to call the clinic or their \
                  own clinician.",
    },
];

/// The context rules as a family: `[context.cues]` compiled into a
/// [`Vocabulary`], then [`detect`] per draft.
pub struct Family;

impl super::check::Check for Family {
    fn name(&self) -> &'static str {
        "context"
    }
    fn docs(&self) -> &'static [RuleDoc] {
        RULES
    }
    fn sections(&self) -> &'static [&'static str] {
        &["context"]
    }
    fn data_files(&self) -> &'static [&'static str] {
        words::FILES
    }
    fn compile(&self, source: &Source<'_>) -> Result<super::check::Install, ConfigError> {
        let raw: ContextOnly = source.parse()?;
        let context = match &raw.context.cues {
            Some(cues) => compile_cues(cues, source)?,
            None => builtin_cues()?,
        };
        let words = words::WordLists::load(source)?;
        Ok(Box::new(move |rules: &mut RuleSet| {
            rules.context = context;
            rules.words = words;
        }))
    }
    fn run(&self, input: &Input<'_>, rules: &RuleSet, _parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
        detect(input, rules, sink);
    }
}

/// Role name → phrases, with spans for errors.
type RawCues = BTreeMap<Spanned<String>, Vec<Spanned<String>>>;

/// `[context]`: the vocabulary of the context rules.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawContext {
    /// `[context.cues]`; when absent, the built-in file's table is used.
    #[serde(default)]
    cues: Option<RawCues>,
}

/// Only the `[context]` table of a file (other tables are skipped).
#[derive(Debug, Deserialize, Default)]
struct ContextOnly {
    #[serde(default)]
    context: RawContext,
}

/// Compiles `[context.cues]`: every key must name a role, every phrase must
/// be non-empty without surrounding spaces.
fn compile_cues(cues: &RawCues, source: &Source<'_>) -> Result<Vocabulary, ConfigError> {
    let err = |key: String, span: std::ops::Range<usize>, message: String| source.error(Some(key), Some(span), message);
    let mut pairs: Vec<(&str, u32)> = Vec::new();
    for (name, phrases) in cues {
        let Some(role) = role_by_name(name.get_ref()) else {
            let known = ROLE_NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
            return Err(err(
                format!("context.cues.{}", name.get_ref()),
                name.span(),
                format!("unknown role {:?}; expected one of: {known}", name.get_ref()),
            ));
        };
        for (j, p) in phrases.iter().enumerate() {
            let phrase = p.get_ref();
            if phrase.trim().is_empty() || phrase.trim() != phrase {
                return Err(err(
                    format!("context.cues.{}[{j}]", name.get_ref()),
                    p.span(),
                    format!("cue phrase {phrase:?} must be non-empty without leading or trailing spaces"),
                ));
            }
            pairs.push((phrase, role));
        }
    }
    Vocabulary::build(pairs)
        .map_err(|e| source.error(Some("context.cues".into()), None, format!("cannot build cue matcher: {e}")))
}

/// The `[context.cues]` of the built-in file, for a file without its own.
fn builtin_cues() -> Result<Vocabulary, ConfigError> {
    let source = Source::builtin();
    let raw: ContextOnly = source.parse()?;
    match &raw.context.cues {
        Some(cues) => compile_cues(cues, &source),
        None => Vocabulary::build([]).map_err(|e| source.error(Some("context.cues".into()), None, e)),
    }
}

/// Runs every context rule over a draft.
pub fn detect(input: &Input<'_>, rules: &RuleSet, sink: &mut Sink<'_>) {
    let text = input.norm.text();
    let ctx = Context::new(text, &rules.context.cues_of(input), &rules.words);
    let mut name_hits = Vec::new();
    let dates_on = sink.enabled(dates::RULE) || sink.enabled(dates::RULE_REPLY);
    if sink.enabled(names::RULE) || dates_on {
        name_hits = names::find(&ctx);
    }
    if sink.enabled(names::RULE) {
        names::report(input, &name_hits, sink);
    }
    if dates_on {
        dates::detect(input, &ctx, !name_hits.is_empty(), sink);
    }
    if sink.enabled(patient::RULE_REFERENCE) || sink.enabled(patient::RULE_IMAGE) {
        patient::detect(input, &ctx, sink);
    }
    if sink.enabled(advice::RULE) {
        advice::detect(input, &ctx, sink);
    }
}

/// What one pass over the folded text found, shared by the rules.
struct Context<'t> {
    text: &'t str,
    /// The closed word lists of the rule set.
    words: &'t words::WordLists,
    cues: Vec<Cue>,
    /// Union of the roles of every cue.
    roles: u32,
}

impl<'t> Context<'t> {
    fn new(text: &'t str, cues: &[Cue], words: &'t words::WordLists) -> Context<'t> {
        let mut cues = cues.to_vec();
        for c in cues.iter_mut() {
            if c.roles & role::PATIENT != 0 && !patient::is_person_use(words, text, c.start, c.end) {
                c.roles = 0;
            }
        }
        let roles = cues.iter().fold(0, |acc, c| acc | c.roles);
        Context { text, words, cues, roles }
    }

    fn has(&self, r: u32) -> bool {
        self.roles & r != 0
    }

    /// Whether a cue with role `r` lies in `start..end`.
    fn has_in(&self, r: u32, start: usize, end: usize) -> bool {
        // cues are in text order and do not overlap: start and end both ascend
        let from = self.cues.partition_point(|c| c.start < start);
        self.cues[from..].iter().take_while(|c| c.end <= end).any(|c| c.roles & r != 0)
    }

    /// The cues that lie in `start..end`.
    fn cues_in(&self, start: usize, end: usize) -> impl Iterator<Item = &Cue> {
        let from = self.cues.partition_point(|c| c.start < start);
        self.cues[from..].iter().take_while(move |c| c.end <= end)
    }

    /// The cue that ends right before `pos` (only spaces, `:` or `,` between).
    fn cue_before(&self, pos: usize) -> Option<&Cue> {
        let b = self.text.as_bytes();
        let mut k = pos;
        while k > 0 && matches!(b[k - 1], b' ' | b':' | b',') {
            k -= 1;
        }
        let at = self.cues.partition_point(|c| c.end < k);
        self.cues.get(at).filter(|c| c.end == k)
    }
}

/// The roles of the cues in the sentence holding `start..end` of the
/// draft's original text (a finding's span), by the context rules' own
/// sentence bounds: for readers outside the context rules (the model's
/// staff-age check). The cues inside the span itself are not counted: an
/// age's own "year-old" says nothing of whose age it is.
pub(crate) fn sentence_roles(input: &Input<'_>, vocabulary: &Vocabulary, start: usize, end: usize) -> u32 {
    let (s0, s1) = (sentence_start(input.text, start), sentence_end(input.text, end));
    vocabulary
        .cues_of(input)
        .iter()
        .filter(|c| {
            let at = input.norm.span(c.start, c.end);
            at.start >= s0 && at.end <= s1 && !(at.start >= start && at.end <= end)
        })
        .fold(0, |roles, c| roles | c.roles)
}

/// Whether the name whose finding starts at `start` of the draft's original
/// text follows a staff role and `named` ("a volunteer named Walter Price",
/// "our new nurse named Kelly"): the role says whose name it is, as it does
/// right before a name ("our nurse Kelly Chen"). `a patient named`, `a man
/// named` are no staff roles. For the model's step, which weighs it only
/// where the patient head did not fire.
pub(crate) fn named_after_staff(input: &Input<'_>, vocabulary: &Vocabulary, start: usize) -> bool {
    let cues = vocabulary.cues_of(input);
    let text = input.text;
    let spaces = |a: usize, b: usize| a <= b && text[a..b].bytes().all(|c| c == b' ');
    let Some(k) = cues.iter().rposition(|c| input.norm.span(c.start, c.end).end <= start) else {
        return false;
    };
    let named = &cues[k];
    let at = input.norm.span(named.start, named.end);
    let word = &text[at.start..at.end];
    if named.roles & vocab::role::NAME_TRIGGER == 0
        || !(word.eq_ignore_ascii_case("named") || word.eq_ignore_ascii_case("name"))
        || !spaces(at.end, start)
        || k == 0
    {
        return false;
    }
    let staff = &cues[k - 1];
    let was = input.norm.span(staff.start, staff.end);
    staff.roles & vocab::role::STAFF != 0 && staff.roles & vocab::role::PATIENT == 0 && spaces(was.end, at.start)
}

/// Story nouns that, after `my`, are the writer's own family ("my mom",
/// "my grandpa", "my kid"), not a case; a nurse's "my guy in bed 4" or "my
/// lady in 3" is one.
const FAMILY: &[&str] = &[
    "mom",
    "dad",
    "mother",
    "father",
    "grandma",
    "grandpa",
    "grandmother",
    "grandfather",
    "kid",
    "baby",
    "child",
    "teen",
    "toddler",
    "boy",
    "girl",
];

/// Whether the words of a `patient.reference` finding ("my mom", "My 93yo
/// grandpa") are `my` and one of the writer's own family: for the model's
/// step, which weighs it only where the patient head did not fire.
pub(crate) fn own_family(words: &str) -> bool {
    let mut w = words.split_whitespace();
    let first = w.next().unwrap_or("");
    let last = w.last().unwrap_or("");
    first.eq_ignore_ascii_case("my") && FAMILY.iter().any(|f| f.eq_ignore_ascii_case(last))
}

/// Start of the sentence holding `pos`: after the last `!`, `?`, `;`, newline,
/// or a `.` that ends a lower-case word of 3+ letters or a number (so `Dr.`,
/// `St.`, `Anna S.` do not end a sentence).
fn sentence_start(text: &str, pos: usize) -> usize {
    let b = text.as_bytes();
    let mut i = pos.min(b.len());
    let mut floor = i.saturating_sub(MAX_SENTENCE);
    while !text.is_char_boundary(floor) {
        floor += 1;
    }
    while i > floor {
        let c = b[i - 1];
        if matches!(c, b'!' | b'?' | b';' | b'\n') || (c == b'.' && ends_sentence(b, i - 1)) {
            return i;
        }
        i -= 1;
    }
    floor
}

/// End of the sentence holding `pos` (exclusive).
fn sentence_end(text: &str, pos: usize) -> usize {
    sentence_end_within(text, pos, MAX_SENTENCE)
}

/// `sentence_end(text, pos).min(pos + reach)`, without looking past
/// `pos + reach` for the end.
fn sentence_end_within(text: &str, pos: usize, reach: usize) -> usize {
    let b = text.as_bytes();
    let mut i = pos;
    let mut ceiling = (pos + MAX_SENTENCE).min(b.len());
    while ceiling > pos && !text.is_char_boundary(ceiling) {
        ceiling -= 1;
    }
    // the end is the first stop before the ceiling; one at or after
    // `pos + reach` (or none) gives `pos + reach` or the ceiling, the nearer
    let stop = ceiling.min(pos + reach);
    while i < stop {
        let c = b[i];
        if matches!(c, b'!' | b'?' | b';' | b'\n') || (c == b'.' && ends_sentence(b, i)) {
            return i;
        }
        i += 1;
    }
    stop
}

/// Whether the `.` at `dot` ends a sentence.
fn ends_sentence(b: &[u8], dot: usize) -> bool {
    if dot + 1 < b.len() && !matches!(b[dot + 1], b' ' | b'\n' | b'"' | b')') {
        return false; // "e.g", "10.5", "www.x"
    }
    let mut k = dot;
    while k > 0 && b[k - 1].is_ascii_alphanumeric() {
        k -= 1;
    }
    let word = &b[k..dot];
    if word.len() == 1 && word[0].is_ascii_uppercase() {
        return false; // an initial: "Anna S. was"
    }
    // a dotted abbreviation is looked up whole: "e.g." by "e.g", not "g"
    while k > 1 && b[k - 1] == b'.' && b[k - 2].is_ascii_alphanumeric() {
        k -= 2;
        while k > 0 && b[k - 1].is_ascii_alphanumeric() {
            k -= 1;
        }
    }
    let dotted = &b[k..dot];
    if word.len() > LONGEST_ABBREVIATION && dotted.len() > LONGEST_ABBREVIATION {
        return true; // longer than any abbreviation
    }
    !(is_abbreviation(word) || is_abbreviation(dotted))
}

/// Whether `w` is one of [`ABBREVIATIONS`] in any ASCII case: its
/// [`abbreviation_key`] among the sorted keys (a handful of integer
/// comparisons where a scan of the list compared up to 53 words).
fn is_abbreviation(w: &[u8]) -> bool {
    abbreviation_key(w).is_some_and(|k| ABBREVIATION_KEYS.binary_search(&k).is_ok())
}

/// The bytes of a word of 1 to 8 bytes, ASCII-lower-cased, in one integer
/// (first byte lowest); none for a longer or empty word, which is no
/// abbreviation. Words differ in their keys: no byte of an abbreviation or
/// of a word before a `.` is 0.
const fn abbreviation_key(w: &[u8]) -> Option<u64> {
    if w.is_empty() || w.len() > 8 {
        return None;
    }
    let mut key = 0u64;
    let mut i = w.len();
    while i > 0 {
        i -= 1;
        key = key << 8 | w[i].to_ascii_lowercase() as u64;
    }
    Some(key)
}

/// The [`abbreviation_key`]s of [`ABBREVIATIONS`], sorted (all lower case,
/// 1 to 8 bytes: checked when compiled).
const ABBREVIATION_KEYS: [u64; ABBREVIATIONS.len()] = {
    let mut keys = [0u64; ABBREVIATIONS.len()];
    let mut i = 0;
    while i < keys.len() {
        let a = ABBREVIATIONS[i].as_bytes();
        let mut j = 0;
        while j < a.len() {
            assert!(!a[j].is_ascii_uppercase(), "abbreviations are lower case");
            j += 1;
        }
        keys[i] = match abbreviation_key(a) {
            Some(k) => k,
            None => panic!("an abbreviation has 1 to 8 bytes"),
        };
        // insertion sort
        let mut k = i;
        while k > 0 && keys[k - 1] > keys[k] {
            let t = keys[k - 1];
            keys[k - 1] = keys[k];
            keys[k] = t;
            k -= 1;
        }
        i += 1;
    }
    keys
};

/// The ASCII letters `s` starts with: the word right at a position
/// (`leading_word("portal, and")` is `portal`), empty when none.
fn leading_word(s: &str) -> &str {
    &s[..s.bytes().take_while(u8::is_ascii_alphabetic).count()]
}

/// How far a sentence reaches from a word, in bytes: keeps every look-around
/// linear on pathological input without punctuation.
const MAX_SENTENCE: usize = 400;

/// Words whose `.` is not a full stop.
/// The length of the longest of [`ABBREVIATIONS`].
const LONGEST_ABBREVIATION: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < ABBREVIATIONS.len() {
        if ABBREVIATIONS[i].len() > n {
            n = ABBREVIATIONS[i].len();
        }
        i += 1;
    }
    n
};

const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "mx", "st", "mt", "jr", "sr", "prof", "vs", "etc", "med", "hosp", "ctr", "univ", "inc",
    "dept", "no", "approx", "incl", "ave", "blvd", "rd", "ft", "rec", "ref", "pt", "pts", "e.g", "i.e", "mgmt", "tx",
    "dx", "hx", "ins", "insur", "acct", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct",
    "nov", "dec",
];

#[cfg(test)]
mod tests;

/// Pieces of texts for the word scans' property tests (candidates, name
/// tokens, places): word shapes and the bytes around words that decide where
/// one starts or ends.
#[cfg(test)]
pub(crate) const WORD_PIECES: &[&str] = &[
    "Jessica ",
    "Moreno",
    "Smith's ",
    "Mr. ",
    "Dr ",
    "nurse ",
    "Kelly Chen, RN ",
    "pa-c",
    "PhD",
    "don't ",
    "'s ",
    "x' ",
    "Jean-Luc ",
    "-",
    "'",
    "@",
    "#",
    "/",
    ".",
    ".org",
    "12",
    "B12 ",
    "55yo ",
    "Millbrook",
    "County ",
    "from ",
    "in ",
    ", OH",
    ", New York",
    "Tuesday's ",
    "Małgorzata ",
    "Søren ",
    "É",
    "é",
    "日本",
    "\u{2019}s",
    "\u{a0}",
    "ICU ",
    "7B ",
    " ",
    ", ",
    "\n",
    "March 2, 2025 ",
    "9/12 ",
    "a@b.org ",
    "x.org/Maria ",
];
