//! The structured PHI identifier detectors (category `phi`): the Safe Harbor
//! identifiers that have a shape — phone and fax numbers, emails, SSNs,
//! record/plan/account/licence numbers, vehicle and device identifiers, IP
//! and MAC addresses, street addresses, ZIP codes, ages over 89 — and DICOM
//! attachments.
//!
//! Names, person-dates and patient references live in [`super::context`];
//! links and hashtags in [`super::posting`]. This module may not touch them,
//! nor anything outside the engine.
//!
//! How it works: every detector matches on the folded view
//! (`input.norm.text()`, so Cyrillic look-alikes, zero-width characters,
//! non-breaking hyphens and spaced-out digits are already undone) and proposes
//! `Candidate`s; candidates that overlap are resolved by priority (an
//! identifier named by its context word, e.g. `MRN: 123-45-6789`, beats the
//! bare shape of an SSN), and the survivors are mapped back to the original
//! text. Shapes alone are reported only when a validator or the way they are
//! written makes them unambiguous (Luhn, NPI, DEA and VIN check digits, SSN
//! area rules, MBI positions, IP octets, a phone number's punctuation); a bare
//! ambiguous number with no context word is not PHI. Numbers inside URLs (the
//! links `length::parse` found, passed in by `engine::review`), DOIs and
//! trial-registry ids are never identifiers, and the organisation's own
//! contacts (`[allowlist]`) and toll-free lines are not reported.
//!
//! Each identifier is one entry of [`recognizers::RECOGNIZERS`]: its rule
//! and docs, Safe Harbor identifier, context words, shapes, validators and
//! suggestion. This file holds the scan that applies them.
//!
//! Speed: every regex is compiled once; one byte pass (`Stats`) counts digit
//! runs, separators and tokens so that detectors whose shape cannot occur are
//! skipped without scanning; all patterns are ASCII with ASCII word
//! boundaries.

pub mod recognizers;
mod validate;

#[cfg(test)]
mod tests;

use super::config::{ConfigError, Source};
use super::data::{self, Words};
use super::length::Parsed;
use super::mask;
use super::registry::RuleDoc;
use super::{Identifier, Input, Normalized, RuleSet, Sink};
pub use recognizers::{Recognizer, RECOGNIZERS, RULES};
use regex::Regex;
use regex_automata::meta;
use std::sync::LazyLock;

/// What kind of identifier a candidate is; each maps to one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone,
    Fax,
    Email,
    Ssn,
    Mrn,
    HealthPlan,
    Account,
    License,
    Vehicle,
    Device,
    Ip,
    Address,
    Zip,
    Age,
    Other,
}

impl Kind {
    /// This kind's entry of the recognizer table.
    fn recognizer(self) -> &'static Recognizer {
        &RECOGNIZERS[self as usize]
    }

    fn rule(self) -> &'static str {
        self.recognizer().doc.id
    }

    fn identifier(self) -> Identifier {
        self.recognizer().identifier
    }

    fn suggestion(self) -> &'static str {
        self.recognizer().suggestion
    }
}

/// How a candidate's text is shown in its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Masking {
    /// Keep the last N letters/digits (`***-***-8834`).
    Tail(usize),
    Email,
    /// Digits become `*`, words keep their initial (`** B**** L***`).
    Address,
    /// Digits become `*`, words stay (`**-year-old`).
    Digits,
}

/// A proposed finding, in folded-view byte offsets.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    start: usize,
    end: usize,
    kind: Kind,
    noun: &'static str,
    /// Higher wins when candidates overlap.
    priority: u8,
    masking: Masking,
}

/// Priorities: the identifier named by its context word wins over a bare shape.
const P_CONTEXT: u8 = 90;
const P_STRONG: u8 = 85; // email, IP
const P_PHONE_CTX: u8 = 80;
const P_SHAPE: u8 = 70; // validated shapes: SSN, card, MBI, DEA, MAC
const P_WEAK_SHAPE: u8 = 60; // NPI, VIN, bare NANP phone
const P_GEO: u8 = 50;

/// The PHI identifier detectors as a family. They read the shared
/// `[allowlist]`, no table of their own, and the data files of `config/phi/`.
pub struct Family;

impl super::check::Check for Family {
    fn name(&self) -> &'static str {
        "phi"
    }
    fn docs(&self) -> &'static [RuleDoc] {
        RULES.as_slice()
    }
    fn data_files(&self) -> &'static [&'static str] {
        DATA_FILES
    }
    fn compile(&self, source: &Source<'_>) -> Result<super::check::Install, ConfigError> {
        let phi = Compiled::load(source)?;
        Ok(Box::new(move |rules: &mut RuleSet| rules.phi = phi))
    }
    fn run(&self, input: &Input<'_>, rules: &RuleSet, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
        detect(input, rules, parsed, sink);
    }
}

/// The data files of the phi rules, by their path in a config folder.
pub const DATA_FILES: &[&str] = &[
    "phi/context-words.txt",
    "phi/not-person-id-words.txt",
    "phi/id-fillers.txt",
    "phi/not-phone-number-words.txt",
    "phi/not-street-words.txt",
];

/// What the phi rules compile once per rule set from their data files
/// (`config/phi/`, each overridable with `--config DIR`): the context-word
/// patterns and the word lists the scan reads.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// Every context-word group of `context-words.txt`, one pattern each, in
    /// the precedence order of `CTX_GROUPS` ([`keyword_regex`]): a match's
    /// pattern is its group.
    keywords: meta::Regex,
    /// The `phone` group: words before a phone or fax number.
    phone_context: Regex,
    not_person_id: Words,
    fillers: Words,
    not_phone_number: Words,
    not_street: Words,
}

impl Compiled {
    /// Reads the data files: the config folder's when it has them, else the
    /// built-in ones.
    pub fn load(source: &Source<'_>) -> Result<Compiled, ConfigError> {
        if !source.overrides_any(DATA_FILES) {
            return Compiled::builtin();
        }
        Compiled::read(source)
    }

    fn read(source: &Source<'_>) -> Result<Compiled, ConfigError> {
        let list = |name: &str, builtin: &'static str| -> Result<Words, ConfigError> {
            let (text, file) = source.data_file(name, builtin)?;
            Words::parse(&text, &file)
        };
        let (text, file) =
            source.data_file("phi/context-words.txt", include_str!("../../../config/phi/context-words.txt"))?;
        let (keywords, phone_context) = context_patterns(&text, &file)?;
        Ok(Compiled {
            keywords,
            phone_context,
            not_person_id: list(
                "phi/not-person-id-words.txt",
                include_str!("../../../config/phi/not-person-id-words.txt"),
            )?,
            fillers: list("phi/id-fillers.txt", include_str!("../../../config/phi/id-fillers.txt"))?,
            not_phone_number: list(
                "phi/not-phone-number-words.txt",
                include_str!("../../../config/phi/not-phone-number-words.txt"),
            )?,
            not_street: list("phi/not-street-words.txt", include_str!("../../../config/phi/not-street-words.txt"))?,
        })
    }

    /// The built-in data files, compiled once per process.
    pub fn builtin() -> Result<Compiled, ConfigError> {
        static BUILTIN: std::sync::OnceLock<Result<Compiled, ConfigError>> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| Compiled::read(&Source::builtin())).clone()
    }
}

/// Compiles `context-words.txt` (`GROUP = PATTERN` lines) into the keyword
/// pattern and the phone-context pattern. A line that is not `GROUP =
/// PATTERN`, an unknown group, a pattern that does not compile or matches
/// the empty string name the file and the line; a group without any line
/// names the file.
fn context_patterns(text: &str, file: &str) -> Result<(meta::Regex, Regex), ConfigError> {
    const PHONE: &str = "phone";
    let known = || CTX_GROUPS.iter().map(|(g, _)| *g).chain([PHONE]);
    let mut alternatives: Vec<(&str, Vec<&str>)> = known().map(|g| (g, Vec::new())).collect();
    for (n, entry) in data::entries(text, file)? {
        let Some((group, pattern)) = entry.split_once(" = ") else {
            return Err(data::error(file, n, format!("expected `GROUP = PATTERN`, found {entry:?}")));
        };
        let (group, pattern) = (group.trim(), pattern.trim());
        let Some(slot) = alternatives.iter_mut().find(|(g, _)| *g == group) else {
            let list = known().collect::<Vec<_>>().join(", ");
            return Err(data::error(file, n, format!("unknown group {group:?}; expected one of: {list}")));
        };
        match Regex::new(&format!("(?i-u){pattern}")) {
            Err(e) => return Err(data::error(file, n, format!("invalid regular expression: {e}"))),
            Ok(r) if r.is_match("") => {
                return Err(data::error(file, n, format!("pattern {pattern:?} matches the empty string")))
            }
            Ok(_) => slot.1.push(pattern),
        }
    }
    if let Some((g, _)) = alternatives.iter().find(|(_, a)| a.is_empty()) {
        return Err(ConfigError {
            file: file.to_string(),
            key: None,
            line: None,
            message: format!("group {g:?} has no pattern (every group needs one)"),
        });
    }
    let joined = |g: &str| alternatives.iter().find(|(x, _)| *x == g).map(|(_, a)| a.join("|")).unwrap_or_default();
    let groups: Vec<String> = CTX_GROUPS.iter().map(|(g, _)| joined(g)).collect();
    let cannot_build = |e: &dyn std::fmt::Display| ConfigError {
        file: file.to_string(),
        key: None,
        line: None,
        message: format!("cannot build the context-word pattern: {e}"),
    };
    let build = |p: String| Regex::new(&p).map_err(|e| cannot_build(&e));
    // The groups as the named groups of one alternation: what the keyword
    // pattern was first built as, and still the judge of whether the lines
    // go together (a capture name used twice, the size limit), so that a
    // config is refused with the same message as before.
    let alternation = || {
        build(format!(
            r"(?i-u)\b(?:{})",
            CTX_GROUPS.iter().zip(&groups).map(|((g, _), a)| format!("(?P<{g}>{a})")).collect::<Vec<_>>().join("|")
        ))
    };
    let named = alternatives.iter().flat_map(|(_, a)| a).any(|p| p.contains("(?P<") || p.contains("(?<"));
    if named {
        alternation()?;
    }
    let keywords = match keyword_regex(&groups) {
        Ok(r) => r,
        Err(e) => return Err(alternation().err().unwrap_or_else(|| cannot_build(&e))),
    };
    // a phone line ends a word, unless it ends in `#` or `\.` (after which there is no word boundary)
    let phone: Vec<String> = alternatives
        .iter()
        .find(|(g, _)| *g == PHONE)
        .map(|(_, a)| {
            a.iter()
                .map(
                    |p| if p.ends_with('#') || p.ends_with("\\.") { format!("(?:{p})") } else { format!("(?:{p})\\b") },
                )
                .collect()
        })
        .unwrap_or_default();
    Ok((keywords, build(format!(r"(?i-u)\b(?:{})", phone.join("|")))?))
}

/// The context-word groups (each the alternation of its lines) as one
/// multi-pattern regex, pattern `k` being group `CTX_GROUPS[k]`, each from a
/// word start, in any ASCII case. Its matches are those of the alternation
/// of the groups as named capture groups (`\b(?:(?P<plate>…)|(?P<ssn>…)|…)`,
/// leftmost-first: the first group that matches at the leftmost start wins),
/// and a match says its group by its pattern, so no capture search runs:
/// most matches are dropped at once ("ins" in "insulin", "id" in "idea"),
/// and the alternation's capture search on each cost about 1k instructions
/// a draft beyond the search itself.
fn keyword_regex(groups: &[String]) -> Result<meta::Regex, String> {
    let patterns: Vec<String> = groups.iter().map(|a| format!(r"(?i-u)\b(?:{a})")).collect();
    // the `regex` crate's defaults, as for the alternation
    let config = meta::Config::new()
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .utf8_empty(true)
        .nfa_size_limit(Some(10 * (1 << 20)))
        .hybrid_cache_capacity(2 * (1 << 20));
    meta::Builder::new().configure(config).build_many(&patterns).map_err(|e| e.to_string())
}

/// The context words in `text`: (start, end, group) of each match of the
/// keyword pattern ([`keyword_regex`]), in text order.
fn keyword_hits<'h>(keywords: &'h meta::Regex, text: &'h str) -> impl Iterator<Item = (usize, usize, Ctx)> + 'h {
    keywords.find_iter(text).map(|m| (m.start(), m.end(), CTX_GROUPS[m.pattern().as_usize()].1))
}

/// Runs every PHI detector over a draft, given its parse (done once by
/// `engine::review`; its URLs are where numbers are never identifiers).
pub fn detect(input: &Input<'_>, rules: &RuleSet, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    attachments(input, sink);
    let text = input.norm.text();
    let mut clusters = Vec::new();
    let stats = Stats::of(text.as_bytes(), &mut clusters);
    let mut scan = Scan {
        text,
        b: text.as_bytes(),
        stats,
        clusters,
        cands: Vec::new(),
        norm: &input.norm,
        parsed,
        excluded: None,
        phi: &rules.phi,
    };
    scan.emails(rules);
    if stats.digits >= 3 {
        scan.context_ids();
        scan.phones(rules);
        scan.shapes();
    }
    if stats.digits >= 1 {
        scan.ips();
        scan.geography();
    }
    if stats.age_number {
        scan.ages();
    }
    scan.macs();
    // A rule turned off must not hide what another rule sees in the same text.
    scan.cands.retain(|c| sink.enabled(c.kind.rule()));
    let mut kept = resolve(scan.cands);
    kept.sort_by_key(|c| (c.start, c.end));
    for c in kept {
        let rule = c.kind.rule();
        let raw = &text[c.start..c.end];
        let masked = match c.masking {
            Masking::Tail(n) => mask::mask_tail(raw, n),
            Masking::Email => mask::mask_email(raw),
            Masking::Address => mask_digits(&mask::mask_words(raw)),
            Masking::Digits => mask_digits(raw),
        };
        let message = format!("{} {} (HIPAA identifier: {})", c.noun, masked, c.kind.identifier().label());
        sink.push(
            rule,
            Some(input.norm.span(c.start, c.end)),
            message,
            Some(c.kind.suggestion().to_string()),
            Some(c.kind.identifier()),
        );
    }
}

fn attachments(input: &Input<'_>, sink: &mut Sink<'_>) {
    let dicom = input.draft.attachments.iter().filter(|a| {
        let name = a.filename.to_ascii_lowercase();
        let ct = a.content_type.to_ascii_lowercase();
        name.ends_with(".dcm")
            || name.ends_with(".dicom")
            || name.rsplit(['/', '\\']).next() == Some("dicomdir")
            || ct.starts_with("application/dicom")
    });
    let n = dicom.count();
    if n > 0 {
        let what = if n == 1 { "a DICOM file".to_string() } else { format!("{n} DICOM files") };
        sink.push(
            "phi.image",
            None,
            format!(
                "Attachment is {what}: medical images carry the patient's name, ID and birth date in their header \
                 (HIPAA identifier: {})",
                Identifier::FullFaceImage.label()
            ),
            Some(
                "Remove the DICOM file; attach a de-identified export (PNG/JPEG, no burned-in text) that \
                 compliance has reviewed."
                    .into(),
            ),
            Some(Identifier::FullFaceImage),
        );
    }
}

/// `*` for every ASCII digit.
fn mask_digits(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { '*' } else { c }).collect()
}

/// Keeps the highest-priority (then longest, then earliest) candidate of any
/// overlapping group.
fn resolve(mut cands: Vec<Candidate>) -> Vec<Candidate> {
    if cands.len() <= 1 {
        return cands;
    }
    cands.sort_by(|a, b| {
        b.priority.cmp(&a.priority).then((b.end - b.start).cmp(&(a.end - a.start))).then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
    // The kept spans do not overlap, so ordered by start their ends ascend
    // too: the one starting last before `c.end` is the only one that can
    // reach past `c.start` (a binary search instead of a scan of all kept).
    let mut taken: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for c in cands {
        let hit = taken.range(..c.end).next_back().is_some_and(|(_, &end)| c.start < end);
        if !hit {
            let end = taken.entry(c.start).or_insert(c.end);
            *end = (*end).max(c.end);
            kept.push(c);
        }
    }
    kept
}

/// Cheap byte counts that decide which detectors can possibly match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Stats {
    digits: usize,
    /// Some `@` has a byte of an email's local part before it and a letter
    /// or digit after it ([`email_may_meet`]): an email address is possible
    /// (an @mention, `@jdavis22` after a space, is not one).
    email_at: bool,
    colons: usize,
    dashes: usize,
    dots: usize,
    plus: bool,
    /// How many runs of consecutive digits there are of each length (19 = 19+).
    runs: [u8; 20],
    longest_run: usize,
    /// The longest run of ASCII letters and digits.
    longest_token: usize,
    /// Some 2-3 digit run reads 90..=125: an age over 89 is possible.
    age_number: bool,
    /// `hhhh.hhhh.hhhh` somewhere: a Cisco-style MAC is possible.
    dotted_hex: bool,
    /// `hh:hh:` or `hh-hh-` somewhere ([`mac_pair_at`]): a MAC written with
    /// colons or dashes is possible.
    mac_pair: bool,
    /// A `:` then up to four hex digits and another `:`: an IPv6 address is possible.
    colon_pair: bool,
    /// Some byte starts a spelled-out email cue ([`spelled_cue_at`]).
    spelled_cue: bool,
    /// A lone digit `1`-`9` at a word start, then a letter, a letter or digit
    /// and a digit; and two digits after two letters that end a word: the
    /// two ends of an MBI (`1EG4-TE5-MK73`).
    mbi_head: bool,
    mbi_tail: bool,
    /// Seven digits (or eight from a `9`) right after a letter and ending a
    /// word: a DEA number's digits (`AB1234563`).
    dea_digits: bool,
    /// A run of up to six digits at a word start, then what a street address
    /// goes on with ([`address_may_follow`]).
    address_start: bool,
}

/// The bytes numbers such as phones, SSNs, cards, NPIs and IPv4 addresses are
/// written with: digits, space, `.`, `-`, `(`, `)` and `+`.
fn number_byte(c: u8) -> bool {
    c.is_ascii_digit() || matches!(c, b' ' | b'.' | b'-' | b'(' | b')' | b'+')
}

/// A maximal run of [`number_byte`]s: every match of the number patterns
/// lies inside one, so those patterns are searched in the runs that hold
/// enough digits, not over the whole draft ([`Scan::in_clusters`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cluster {
    start: usize,
    end: usize,
    digits: usize,
    /// Its `.` bytes (an IPv4 address has three).
    dots: usize,
}

/// The fewest digits a cluster needs to be kept: the least any user of
/// [`Scan::in_clusters`] asks for (an IPv4 address has four).
const CLUSTER_MIN_DIGITS: usize = 4;

fn word_byte(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
}

fn letter_byte(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphabetic())
}

/// `\s` of an ASCII-mode pattern.
fn regex_space(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// Whether the `:` or `-` at `b[i]` has two hex digits on each side and the
/// same separator after them: how a [`MAC`] written with colons or dashes
/// goes on after its first two digits.
fn mac_pair_at(b: &[u8], i: usize) -> bool {
    let hex2 = |r: std::ops::Range<usize>| b.get(r).is_some_and(|w| w.iter().all(u8::is_ascii_hexdigit));
    i >= 2 && hex2(i - 2..i) && hex2(i + 1..i + 3) && b.get(i + 3) == Some(&b[i])
}

/// Whether the `@` at `b[i]` can join the two parts of an [`EMAIL`]: a match
/// holds `[a-z0-9._%+-]@[a-z0-9]` (any ASCII case) around its `@`.
fn email_may_meet(b: &[u8], i: usize) -> bool {
    let local = |c: &u8| c.is_ascii_alphanumeric() || b"._%+-".contains(c);
    i.checked_sub(1).is_some_and(|k| local(&b[k])) && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
}

/// Whether what follows a digit run ending at `end` can go on as in
/// [`ADDRESS`]: `[A-Za-z]?(?:-\d{1,4})?\s+`, then a capital or a digit (the
/// first byte of a direction, a street name or an ordinal).
fn address_may_follow(b: &[u8], end: usize) -> bool {
    let spaces_then_name = |j: usize| {
        let k = j + b.get(j..).map_or(0, |r| r.iter().take_while(|&&c| regex_space(c)).count());
        k > j && b.get(k).is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    let after_letter = |j: usize| {
        if spaces_then_name(j) {
            return true;
        }
        if b.get(j) != Some(&b'-') {
            return false;
        }
        let d = b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        (1..=4).contains(&d) && spaces_then_name(j + 1 + d)
    };
    after_letter(end) || (letter_byte(b.get(end).copied()) && after_letter(end + 1))
}

impl Stats {
    /// The counts of `b`, and its [`Cluster`]s of at least
    /// [`CLUSTER_MIN_DIGITS`] digits into `clusters`.
    fn of(b: &[u8], clusters: &mut Vec<Cluster>) -> Stats {
        let mut s = Stats::default();
        let n = b.len();
        // where the current token (a run of ASCII letters and digits) started
        let mut token_start = 0;
        // the cluster being read: its start, digits and dots so far
        let mut cluster: Option<(usize, usize, usize)> = None;
        let mut end_cluster = |cluster: &mut Option<(usize, usize, usize)>, end: usize| {
            if let Some((start, digits, dots)) = cluster.take() {
                if digits >= CLUSTER_MIN_DIGITS {
                    clusters.push(Cluster { start, end, digits, dots });
                }
            }
        };
        // Runs of letters and of digits are taken whole: letters, most of a
        // draft, only end a cluster; a digit run is counted once it ends.
        let mut i = 0;
        while i < n {
            let c = b[i];
            if c.is_ascii_alphabetic() {
                end_cluster(&mut cluster, i);
                i += 1;
                while i < n && b[i].is_ascii_alphabetic() {
                    i += 1;
                }
                continue;
            }
            if c.is_ascii_digit() {
                let start = i;
                i += 1;
                while i < n && b[i].is_ascii_digit() {
                    i += 1;
                }
                let len = i - start;
                s.digits += len;
                // the value matters for 2-3 digits only (an age over 89)
                let value = if len <= 3 { b[start..i].iter().fold(0, |v, &d| v * 10 + u32::from(d - b'0')) } else { 0 };
                s.end_run(b, i, len, value);
                match &mut cluster {
                    Some((_, digits, _)) => *digits += len,
                    None => cluster = Some((start, len, 0)),
                }
                continue;
            }
            // any other byte ends a token: the longest is taken where each ends
            s.longest_token = s.longest_token.max(i - token_start);
            token_start = i + 1;
            if number_byte(c) {
                if cluster.is_none() {
                    cluster = Some((i, 0, 0));
                }
            } else {
                end_cluster(&mut cluster, i);
            }
            match c {
                b'@' => s.email_at |= email_may_meet(b, i),
                b':' => {
                    s.colons += 1;
                    s.mac_pair |= mac_pair_at(b, i);
                    let hex = b[i + 1..].iter().take(5).take_while(|c| c.is_ascii_hexdigit()).count();
                    if hex <= 4 && b.get(i + 1 + hex) == Some(&b':') {
                        s.colon_pair = true;
                    }
                }
                b'-' => {
                    s.dashes += 1;
                    s.mac_pair |= mac_pair_at(b, i);
                }
                b'.' => {
                    s.dots += 1;
                    if let Some((_, _, dots)) = &mut cluster {
                        *dots += 1;
                    }
                    let hex4 =
                        |r: std::ops::Range<usize>| b.get(r).is_some_and(|w| w.iter().all(u8::is_ascii_hexdigit));
                    if i >= 4 && hex4(i - 4..i) && hex4(i + 1..i + 5) && b.get(i + 5) == Some(&b'.') {
                        s.dotted_hex = true;
                    }
                }
                b'+' => s.plus = true,
                b']' | b')' | b'}' | b'>' if !s.spelled_cue && spelled_cue_at(b, i) => s.spelled_cue = true,
                // a space starts a cue only before `d` (` dot `): most spaces
                // are not asked at all
                b' ' if !s.spelled_cue
                    && b.get(i + 1).is_some_and(|d| d.eq_ignore_ascii_case(&b'd'))
                    && spelled_cue_at(b, i) =>
                {
                    s.spelled_cue = true
                }
                _ => {}
            }
            i += 1;
        }
        s.longest_token = s.longest_token.max(n - token_start);
        end_cluster(&mut cluster, n);
        s
    }

    /// A run of `len` digits (read as `value`) ends at `end`.
    fn end_run(&mut self, b: &[u8], end: usize, len: usize, value: u32) {
        let slot = &mut self.runs[len.min(19)];
        *slot = slot.saturating_add(1);
        self.longest_run = self.longest_run.max(len);
        if (2..=3).contains(&len) && (90..=125).contains(&value) {
            self.age_number = true;
        }
        let start = end - len;
        let before = start.checked_sub(1).map(|k| b[k]);
        let after = b.get(end).copied();
        match len {
            1 if b[start] != b'0'
                && !word_byte(before)
                && letter_byte(after)
                && b.get(end + 1).is_some_and(u8::is_ascii_alphanumeric)
                && b.get(end + 2).is_some_and(u8::is_ascii_digit) =>
            {
                self.mbi_head = true
            }
            2 if letter_byte(before) && start >= 2 && letter_byte(Some(b[start - 2])) && !word_byte(after) => {
                self.mbi_tail = true
            }
            7 if letter_byte(before) && !word_byte(after) => self.dea_digits = true,
            8 if b[start] == b'9' && letter_byte(before) && !word_byte(after) => self.dea_digits = true,
            _ => {}
        }
        if len <= 6 && !self.address_start && !word_byte(before) && address_may_follow(b, end) {
            self.address_start = true;
        }
    }

    fn runs_of(&self, len: usize) -> u8 {
        self.runs[len.min(19)]
    }
}

fn re(p: &str) -> Regex {
    // The patterns are constants checked by the unit tests; a typo is a build-time bug.
    Regex::new(p).unwrap_or_else(|e| panic!("phi regex {p:?}: {e}"))
}

// ---------------------------------------------------------------- exclusions

/// Spans besides URLs that are never identifiers: DOIs, trial-registry and
/// bibliographic ids.
static EXCLUDED: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?-u:\b)(?:doi:?\s*)?10\.\d{4,9}/\S+|(?-u:\b)(?:NCT\d{8}|ISRCTN\d+|ACTRN\d+|ChiCTR[\w-]+|DRKS\d+|CTRI/[\d/]+|EudraCT[\s:#]*[\d-]+|\d{4}-\d{6}-\d{2}|PMC\d+)|(?-u:\b)(?:pmid|pubmed(?:\s*id)?|pmcid|orcid(?:\s*id)?|isbn(?:-1[03])?|issn|arxiv)[\s:#]*[0-9X][0-9X./-]*",
    )
});

/// Words (and the DOI prefix `10.`) without which [`EXCLUDED`] cannot match,
/// EudraCT numbers aside.
const EXCLUSION_CUE_WORDS: [&str; 15] = [
    "nct", "isrctn", "actrn", "chictr", "drks", "eudract", "pmc", "pmid", "pubmed", "orcid", "isbn", "issn", "arxiv",
    "ctri", "10.",
];

/// Whether the text holds one of [`EXCLUSION_CUE_WORDS`] in any ASCII case:
/// the same question as an ASCII-case-insensitive automaton over them, asked
/// of a regex of the escaped words, whose lazy DFA answers it in about 60%
/// of the automaton's instructions (none of the words is rare enough for a
/// prefilter to skip much).
static EXCLUSION_CUES: LazyLock<Regex> = LazyLock::new(|| {
    let words: Vec<String> = EXCLUSION_CUE_WORDS.iter().map(|w| regex::escape(w)).collect();
    re(&format!("(?i-u){}", words.join("|")))
});

// ------------------------------------------------------------ context words

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Plate,
    Ssn,
    Mrn,
    Plan,
    Acct,
    Dea,
    Npi,
    Lic,
    Vin,
    Imei,
    Dev,
    Gen,
}

const CTX_GROUPS: [(&str, Ctx); 12] = [
    ("plate", Ctx::Plate),
    ("ssn", Ctx::Ssn),
    ("mrn", Ctx::Mrn),
    ("plan", Ctx::Plan),
    ("acct", Ctx::Acct),
    ("dea", Ctx::Dea),
    ("npi", Ctx::Npi),
    ("lic", Ctx::Lic),
    ("vin", Ctx::Vin),
    ("imei", Ctx::Imei),
    ("dev", Ctx::Dev),
    ("gen", Ctx::Gen),
];

// ------------------------------------------------------------------ phones

static PHONE_INTL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u)\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,10}){1,6}"));
static PHONE_NANP: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u)(?:(?:\+?1[ .-]?|\d{2,3}-))?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}"));
static PHONE_LOOSE: LazyLock<Regex> = LazyLock::new(|| re(r"(?-u)\(?\d{1,5}\)?(?:[ .-]\(?\d{2,8}\)?){1,4}|\d{7,15}"));
static SPACED_DIGITS: LazyLock<Regex> = LazyLock::new(|| re(r"(?-u)\d(?:[ .\-]{1,3}\d){8,10}"));

// ------------------------------------------------------------------ shapes

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i-u)[a-z0-9][a-z0-9._%+-]*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:xn--[a-z0-9-]{2,30}|[a-z]{2,24})\b")
});
/// Without one of these (in any ASCII case), [`EMAIL_SPELLED`] cannot match.
#[cfg(test)]
const SPELLED_CUES: [&str; 7] = [" dot ", "at]", "at)", "at}", "at>", "[dot]", "(dot)"];

/// Whether the text holds one of [`SPELLED_CUES`] (the test's reference for
/// [`Stats::spelled_cue`]).
#[cfg(test)]
fn has_spelled_cue(b: &[u8]) -> bool {
    (0..b.len()).any(|i| spelled_cue_at(b, i))
}

/// Whether one of [`SPELLED_CUES`] ends at `b[i]` (a closing bracket) or
/// starts there (` dot `): keyed on the rare closing brackets and spaces, and
/// run by [`Stats::of`] on those bytes only (an automaton's prefilter keyed
/// on "at" stops on nearly every word).
fn spelled_cue_at(b: &[u8], i: usize) -> bool {
    let c = b[i];
    match c {
        b']' | b')' | b'}' | b'>' => {
            (i >= 2 && b[i - 2..i].eq_ignore_ascii_case(b"at"))
                || (i >= 4 && c == b']' && b[i - 4..i].eq_ignore_ascii_case(b"[dot"))
                || (i >= 4 && c == b')' && b[i - 4..i].eq_ignore_ascii_case(b"(dot"))
        }
        b' ' => {
            b.get(i + 1).is_some_and(|d| d.eq_ignore_ascii_case(&b'd'))
                && b.get(i + 1..i + 5).is_some_and(|w| w.eq_ignore_ascii_case(b"dot "))
        }
        _ => false,
    }
}
/// Spelled-out addresses: `jdoe [at] gmail [dot] com`, `jdoe at gmail dot com`.
static EMAIL_SPELLED: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i-u)\b[a-z0-9][a-z0-9._%+-]*(?:",
        r"\s*[\[({<]\s*at\s*[\])}>]\s*[a-z0-9-]+(?:(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\.|\s+dot\s+)[a-z0-9-]+)*(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\.|\s+dot\s+)",
        r"|\s+at\s+[a-z0-9-]+(?:\s+dot\s+[a-z0-9-]+)*\s+dot\s+",
        r")(?:com|org|net|edu|gov|mil|io|co|us|uk|ca|au|de|info|me|health)\b"
    ))
});
static SSN_SHAPE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u)\b(?:\d{3}-\d{2}-\d{4}|\d{3} \d{2} \d{4}|\d{3}\.\d{2}\.\d{4})\b"));
static CARD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?-u)\b(?:\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})\b"));
static NPI_SHAPE: LazyLock<Regex> = LazyLock::new(|| re(r"(?-u)\b[12]\d{3}[ -]?\d{3}[ -]?\d{3}\b"));
static DEA_SHAPE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i-u)\b[a-z][a-z9]\d{7}\b"));
static MBI_SHAPE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i-u)\b[1-9][a-z][a-z0-9]\d-?[a-z][a-z0-9]\d-?[a-z]{2}\d{2}\b"));
static VIN_SHAPE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i-u)\b[a-hj-npr-z0-9]{17}\b"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| re(r"(?-u)\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b"));
static IPV6: LazyLock<Regex> = LazyLock::new(|| re(r"(?i-u)[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f:.]*"));
static VERSION_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i-u)\b(?:version|ver|v|release|build|section|sec|chapter|ch|figure|fig|table|step|rule|item|clause)\.?\s*$")
});
static MAC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)\b(?:[0-9a-f]{2}(?::[0-9a-f]{2}){5}|[0-9a-f]{2}(?:-[0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})\b",
    )
});

// --------------------------------------------------------------- geography

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?-u)\b\d{1,6}[A-Za-z]?(?:-\d{1,4})?\s+",
        r"(?:(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?\s+)?",
        r"(?:(?:[A-Z][A-Za-z'-]+|\d{1,3}(?:st|nd|rd|th))\.?\s+){1,3}",
        r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Place|Pl|Way|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Crescent|Plaza|Pike|Alley|Turnpike)\b\.?",
        r"(?P<unit>,?\s+(?:Apt|Apartment|Suite|Ste|Unit|Fl|Floor|Rm|Room|Bldg)\.?\s*#?\s*[A-Za-z0-9-]+|,?\s+#\s?[A-Za-z0-9-]+)?"
    ))
});
/// Words that say an address is where someone lives.
static RESIDENCE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i-u)\b(?:lives?|living|home|resident|resides?|residence|address|moved|from|house|apartment|apt)\b")
});

/// The organisation talking about its own premises is not PHI.
static ORG_PLACE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)\b(?:visit\s+us|join\s+us|find\s+us|our\s+(?:new\s+)?(?:clinic|office|hospital|center|centre|campus|location|site|building|practice|headquarters|pharmacy)|located|held|opens?|opening|event|events|fair|market|drive|drive-thru|drive-through|center|centre|hall|library|church|school|arena|stadium|booth|screenings?|vaccinations?|clinics?|workshop|class|seminar|walk|run|5k|race|festival|sign\s+up|register|rsvp|free)\b",
    )
});
static ZIP_WORD: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i-u)\b(?:zip|zip\s*code|zipcode|postal\s*code|postcode)\b[\s:#]*(\d{5}(?:-\d{4})?)\b"));
static ZIP_STATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?-u)(?:,\s*|[a-z]\s+)\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)\.?,?\s+(\d{5}(?:-\d{4})?)\b",
    )
});

// --------------------------------------------------------------------- age

/// Who an age said outright belongs to ("he's 96", "grandma turned 95"):
/// one list for both shapes.
macro_rules! age_subject {
    () => {
        "he|she|who|patient|pt|mom|dad|mother|father|grandma|grandpa|grandmother|grandfather|husband|wife"
    };
}

static AGE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i-u)\b(?:",
        r"(?P<a>\d{2,3})(?:\s*-\s*|\s+)?(?:years?|yrs?|y)(?:\s*-\s*|\s+)old(?P<pl>s)?",
        r"|(?P<b>\d{2,3})\s*-?\s*(?:yo|y/o|y\.o\.?|yoa)(?:\b|$)",
        r"|(?:aged|age:?|age\s+of)\s+(?P<c>\d{2,3})\b",
        r"|(?P<d>\d{2,3})(?:st|nd|rd|th)\s+birthday",
        // "happy 91st!" (not "happy 100th anniversary": AGE_ORDINAL_NOT_PERSON)
        r"|happy\s+(?P<k>\d{2,3})(?:st|nd|rd|th)\b",
        // a person's age said outright: "he's 96", "she was 94", "pt today is 93"
        // (only before a pause or a plain word: AGE_SAID_FOLLOW)
        r"|\b(?:",
        age_subject!(),
        r")(?:'s|(?u:’)s|\s+(?:today|now|here|still)?\s*(?:is|was))\s+(?P<j>\d{2,3})(?:\s*-?\s*(?:years?|yrs?)(?:\s*-?\s*old)?)?\b",
        r"|(?P<g>\d{2,3})\s+years?\s+of\s+age",
        r"|(?-i:[A-Z][a-z]+),\s+(?P<f>\d{2,3}),",
        r"|(?:i|",
        age_subject!(),
        r")(?:\s+(?:is|was|just|has|had|will|will\s+be))*\s+turn(?:s|ed|ing)?\s+(?P<e>\d{2,3})\b",
        // Spanish: "de 92 años", "tiene 91 añitos", "cumplió 100", "edad de 95"
        r"|(?:de|tiene|ten(?:(?u:í)|i)a|con|sus)\s+(?P<h>\d{2,3})\s+a(?:(?u:ñ)|n)(?:os|itos)\b",
        r"|(?:cumpli(?:(?u:ó)|o)|cumple|cumplir(?:(?u:á)|a)|edad\s+de)\s+(?P<i>\d{2,3})\b",
        r")"
    ))
});
static AGE_AGGREGATE_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)^(?:\s*\+|\s*(?:-|to)\s*\d|\s+(?:and|or)\s+(?:older|over|up|above|more|greater)|\s+plus|\s+years?\s+and\s+(?:older|over|up)|(?:\s+a(?:(?u:ñ)|n)os)?\s+(?:o|y)\s+m(?:(?u:á)|a)s|\s+a(?:(?u:ñ)|n)os\s+en\s+adelante)",
    )
});
static AGE_AGGREGATE_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:(?-u:\b)(?:over|above|older\s+than|at\s+least|beyond|past|aged\s+over|mayores\s+de|m(?:á|a)s\s+de|arriba\s+de)\s*|(?:>|≥|>=)\s*)$",
    )
});
/// "a 100-year-old hospital" is not a person's age.
static AGE_NOT_PERSON: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)^\s*(?:hospital|building|tradition|institution|church|house|home|company|tree|bridge|record|clinic|school|university|college|practice|drug|vaccine|study|law|trial|program|programme|organization|organisation|brand|business|journal|society|newspaper|firm|mystery|question|debate|theory|technique|method|procedure|treatment|medication|recipe|photo|photograph|painting|book|film|song|city|town|farm|shop|store|bakery|restaurant|oak|barn)\b",
    )
});

/// "Happy 100th anniversary" is an institution's, not a person's age.
static AGE_ORDINAL_NOT_PERSON: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i-u)^\s*(?:anniversary|annual|year|season|edition|celebration|founders?|homecoming|gala|reunion)\b")
});
/// What may follow "he's 96" for the number to be an age, not a weight, a
/// reading or a score ("she's 94 lbs", "he was 93% on room air", "pt is 98.6"):
/// the end, a pause, or a plain word that starts a new thought.
static AGE_SAID_FOLLOW: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)^(?:\s*$|\s*[,!?;:)]|\.(?:\s|$)|\s+(?:and|but|now|today|this|yesterday|tomorrow|tonight|years?|yrs?|so|with|who|in|on|at|y)\b|\s+(?:&|w/)|\s+(?u:\p{So}|\p{Sk}))",
    )
});

// -------------------------------------------------------------------- scan

struct Scan<'t> {
    text: &'t str,
    b: &'t [u8],
    stats: Stats,
    clusters: Vec<Cluster>,
    cands: Vec<Candidate>,
    /// Maps folded-view spans to the original, where `parsed` spans are.
    norm: &'t Normalized<'t>,
    parsed: &'t Parsed<'t>,
    /// Lazily computed spans where numbers are never identifiers (besides URLs).
    excluded: Option<Vec<(usize, usize)>>,
    /// The context words and word lists of the rule set.
    phi: &'t Compiled,
}

impl<'t> Scan<'t> {
    fn add(&mut self, start: usize, end: usize, kind: Kind, noun: &'static str, priority: u8, masking: Masking) {
        if start < end && end <= self.b.len() {
            self.cands.push(Candidate { start, end, kind, noun, priority, masking });
        }
    }

    /// The matches of `re`, a pattern of [`number_byte`]s only with ASCII
    /// word boundaries, in the clusters with at least `min_digits` digits
    /// (at least [`CLUSTER_MIN_DIGITS`]): what `re.find_iter(text)` finds
    /// there, in the same order. A match cannot cross a cluster's edge, and
    /// each search sees the text before the cluster and the character after
    /// it, so `\b` reads the same; the caller drops matches with fewer digits.
    fn in_clusters(&self, re: &Regex, min_digits: usize) -> Vec<regex::Match<'t>> {
        debug_assert!(min_digits >= CLUSTER_MIN_DIGITS);
        let text = self.text;
        let mut out = Vec::new();
        for c in self.clusters.iter().filter(|c| c.digits >= min_digits) {
            let context_end = text[c.end..].chars().next().map_or(c.end, |ch| c.end + ch.len_utf8());
            let hay = &text[..context_end];
            let mut at = c.start;
            while let Some(m) = re.find_at(hay, at) {
                out.push(m);
                // the patterns match at least one digit: never empty
                at = m.end().max(at + 1);
            }
        }
        out
    }

    fn is_excluded(&mut self, start: usize, end: usize) -> bool {
        if !self.parsed.urls.is_empty() {
            let o = self.norm.span(start, end);
            if self.parsed.urls.iter().any(|u| u.span.start < o.end && o.start < u.span.end) {
                return true;
            }
        }
        let text = self.text;
        let eudract = self.stats.runs_of(6) > 0;
        let ex = self.excluded.get_or_insert_with(|| {
            // the exclusions need a DOI prefix, a registry word or an EudraCT number
            if !eudract && !EXCLUSION_CUES.is_match(text) {
                return Vec::new();
            }
            EXCLUDED.find_iter(text).map(|m| (m.start(), m.end())).collect()
        });
        ex.iter().any(|&(s, e)| s < end && start < e)
    }

    /// The byte before `i`, if any.
    fn before(&self, i: usize) -> Option<u8> {
        i.checked_sub(1).map(|j| self.b[j])
    }

    fn after(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    /// Whether a number at `start..end` stands alone: not glued to letters or
    /// digits, and not one part of a longer dotted/dashed/slashed number.
    fn clean_edges(&self, start: usize, end: usize, letters_before_ok: bool) -> bool {
        let left_ok = match self.before(start) {
            None => true,
            Some(c) if c.is_ascii_digit() => false,
            Some(c) if c.is_ascii_alphabetic() => letters_before_ok,
            Some(b'-' | b'.' | b'/' | b',') => !(start >= 2 && self.b[start - 2].is_ascii_digit()),
            Some(_) => true,
        };
        let right_ok = match self.after(end) {
            None => true,
            Some(c) if c.is_ascii_alphanumeric() => false,
            Some(b'-' | b'.' | b'/' | b',') => !self.b.get(end + 1).is_some_and(u8::is_ascii_digit),
            Some(_) => true,
        };
        left_ok && right_ok
    }

    /// Up to `n` bytes of text before `i`, starting on a char boundary.
    fn window_before(&self, i: usize, n: usize) -> &'t str {
        let mut s = i.saturating_sub(n);
        while s < i && !self.text.is_char_boundary(s) {
            s += 1;
        }
        &self.text[s..i]
    }

    fn window_after(&self, i: usize, n: usize) -> &'t str {
        let mut e = (i + n).min(self.b.len());
        while e > i && !self.text.is_char_boundary(e) {
            e -= 1;
        }
        &self.text[i..e]
    }

    // ---------------------------------------------------------------- email

    fn emails(&mut self, rules: &RuleSet) {
        if self.stats.email_at {
            for m in EMAIL.find_iter(self.text) {
                if let Some(c) = self.before(m.start()) {
                    if c.is_ascii_alphanumeric() || b"._%+-".contains(&c) {
                        continue;
                    }
                }
                if rules.allowlist.allows_email(m.as_str()) {
                    continue;
                }
                self.add(m.start(), m.end(), Kind::Email, "email address", P_STRONG, Masking::Email);
            }
        }
        if self.stats.spelled_cue {
            for m in EMAIL_SPELLED.find_iter(self.text) {
                if rules.allowlist.allows_email(&unspell_email(m.as_str())) {
                    continue;
                }
                self.add(m.start(), m.end(), Kind::Email, "email address", P_STRONG, Masking::Tail(0));
            }
        }
    }

    // --------------------------------------------------------- context ids

    fn context_ids(&mut self) {
        let text = self.text;
        let phi = self.phi;
        for (kw_start, kw_end, ctx) in keyword_hits(&phi.keywords, text) {
            let word = &text[kw_start..kw_end];
            // A keyword ending in a letter or digit must end a word ("ins" is not "insulin").
            if self.b[kw_end - 1].is_ascii_alphanumeric()
                && self.after(kw_end).is_some_and(|c| c.is_ascii_alphanumeric())
            {
                continue;
            }
            let Some((s, e)) = self.id_after(kw_end, ctx) else { continue };
            if self.is_excluded(s, e) {
                continue;
            }
            let token = &text[s..e];
            // a bare "plate" names a plate only before a plate-shaped code
            // ("plate 7KXR219"), not before a count or a size ("plate 12")
            if ctx == Ctx::Plate && word.len() <= "plates".len() {
                // also "placa", "placas"
                let letters = token.bytes().filter(u8::is_ascii_alphabetic).count();
                let digits = token.bytes().filter(u8::is_ascii_digit).count();
                if letters == 0 || digits == 0 || letters + digits < 5 {
                    continue;
                }
            }
            // "Boise, ID 83702" is a state and a ZIP code
            if ctx == Ctx::Gen
                && word == "ID"
                && self.window_before(kw_start, 3).trim_end().ends_with(',')
                && token.len() >= 5
                && token[..5].bytes().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            // a meeting, a tweet or a trial has an ID too
            if ctx == Ctx::Gen {
                let before = self.window_before(kw_start, 12).to_ascii_lowercase();
                let prev = before.split(|c: char| !c.is_ascii_alphanumeric()).rfind(|w| !w.is_empty());
                if prev.is_some_and(|w| phi.not_person_id.contains(w)) {
                    continue;
                }
            }
            // "take into account 2500 patients", "on account of 3000 cases"
            if ctx == Ctx::Acct {
                let before = self.window_before(kw_start, 8).to_ascii_lowercase();
                let after = self.window_after(kw_end, 4).to_ascii_lowercase();
                if before.ends_with("into ") || (before.ends_with("on ") && after.starts_with(" of ")) {
                    continue;
                }
            }
            if let Some((kind, noun, masking)) = classify_context(ctx, token) {
                self.add(s, e, kind, noun, P_CONTEXT, masking);
            }
        }
    }

    /// The id token after a context word: skips separators and filler words,
    /// then takes `[#]alnum([-.]alnum)*` (plus space-separated digit groups).
    fn id_after(&self, mut i: usize, ctx: Ctx) -> Option<(usize, usize)> {
        let b = self.b;
        let n = b.len();
        let mut limit = (i + 28).min(n);
        let mut fillers = 0;
        let mut skipped_name = false;
        loop {
            while i < limit && matches!(b[i], b' ' | b'\t' | b':' | b'#' | b'=' | b'-' | b'.' | b'(' | b'\'') {
                i += 1;
            }
            if i >= limit {
                return None;
            }
            // a filler word?
            let mut j = i;
            while j < n && b[j].is_ascii_alphabetic() {
                j += 1;
            }
            if j > i && fillers < 4 && (j >= n || !b[j].is_ascii_digit()) {
                let w = &self.text[i..j];
                if self.phi.fillers.contains_any_case(w) {
                    // "MRN-11335577": a filler glued to digits is part of the id
                    if !(w.eq_ignore_ascii_case("mrn") && j < n && b[j] == b'-') {
                        fillers += 1;
                        i = j;
                        continue;
                    }
                }
            }
            // a payer or issuer name before the id: "Insurance: Blue Cross ID 8812…"
            if !skipped_name && j > i && b[i].is_ascii_uppercase() {
                if let Some(k) = self.after_name_words(i) {
                    skipped_name = true;
                    i = k;
                    limit = (k + 16).min(n);
                    continue;
                }
            }
            break;
        }
        let start = i;
        let mut j = i;
        while j < n {
            let c = b[j];
            let joiner = (c == b'-' || c == b'.') && j > start && j + 1 < n && b[j + 1].is_ascii_alphanumeric();
            if c.is_ascii_alphanumeric() || joiner {
                j += 1;
            } else {
                break;
            }
        }
        if j == start {
            return None;
        }
        // a short letter prefix written apart from its digits: "BCX 8841 2290"
        if ctx != Ctx::Plate
            && (2..=4).contains(&(j - start))
            && b[start..j].iter().all(u8::is_ascii_uppercase)
            && j + 1 < n
            && b[j] == b' '
            && b[j + 1].is_ascii_digit()
        {
            let mut k = j + 1;
            while k < n && b[k].is_ascii_digit() {
                k += 1;
            }
            if k - (j + 1) >= 3 && (k >= n || !b[k].is_ascii_alphanumeric()) {
                j = k;
            }
        }
        // plates are often written in two parts: "XYZ 4821"
        if ctx == Ctx::Plate && j + 1 < n && b[j] == b' ' && b[j + 1].is_ascii_alphanumeric() {
            let mut k = j + 1;
            while k < n && b[k].is_ascii_alphanumeric() {
                k += 1;
            }
            if k - start <= 9 && (k >= n || !b[k].is_ascii_alphanumeric()) {
                j = k;
            }
        }
        // space-separated digit groups: "1234 5678 9012", "123 45 6789"
        let min_group = if ctx == Ctx::Ssn { 2 } else { 3 };
        if b[start..j].iter().all(|c| c.is_ascii_digit() || *c == b'-' || *c == b' ' || c.is_ascii_uppercase())
            && b[j - 1].is_ascii_digit()
        {
            for _ in 0..4 {
                if j + 1 < n && b[j] == b' ' && b[j + 1].is_ascii_digit() {
                    let mut k = j + 1;
                    while k < n && b[k].is_ascii_digit() {
                        k += 1;
                    }
                    if k - (j + 1) >= min_group && (k >= n || !b[k].is_ascii_alphanumeric()) {
                        j = k;
                        continue;
                    }
                }
                break;
            }
        }
        Some((start, j))
    }

    /// At `i`, one to four capitalised words followed by `#` or an id word
    /// ("Blue Cross ID", "Aetna #"): where the id marker starts.
    fn after_name_words(&self, mut i: usize) -> Option<usize> {
        let b = self.b;
        let n = b.len();
        for _ in 0..4 {
            if !(i < n && b[i].is_ascii_uppercase()) {
                return None;
            }
            let mut j = i;
            while j < n && b[j].is_ascii_alphabetic() {
                j += 1;
            }
            if j - i < 2 || (j < n && b[j].is_ascii_digit()) {
                return None;
            }
            let mut k = j;
            while k < n && b[k] == b' ' {
                k += 1;
            }
            if k < n && b[k] == b'#' {
                return Some(k);
            }
            let mut e = k;
            while e < n && b[e].is_ascii_alphabetic() {
                e += 1;
            }
            let w = &self.text[k..e];
            if ["id", "number", "no", "num", "member"].iter().any(|m| m.eq_ignore_ascii_case(w)) {
                return Some(k);
            }
            i = k;
        }
        None
    }

    // --------------------------------------------------------------- phones

    fn phones(&mut self, rules: &RuleSet) {
        let text = self.text;
        let mut found: Vec<(usize, usize, bool)> = Vec::new(); // (start, end, needs_context)
        if self.stats.plus {
            for m in self.in_clusters(&PHONE_INTL, 8) {
                let n = m.as_str().bytes().filter(u8::is_ascii_digit).count();
                if (8..=15).contains(&n) && !self.before(m.start()).is_some_and(|c| c.is_ascii_alphanumeric()) {
                    let end = trim_trailing_sep(m.as_str()) + m.start();
                    if self.clean_edges(m.start(), end, false) {
                        found.push((m.start(), end, false));
                    }
                }
            }
        }
        if self.stats.runs_of(3) >= 2 && self.stats.runs_of(4) >= 1 {
            for m in self.in_clusters(&PHONE_NANP, 10) {
                let (s, e) = (m.start(), m.end());
                // "(617)" starts with a parenthesis; a letter glued on the left is tolerated
                if !self.clean_edges(s, e, true) {
                    continue;
                }
                let ds = validate::digits(m.as_str());
                let national = &ds[ds.len() - 10..];
                let nanp = national[0] >= 2 && national[3] >= 2 && !(national[1] == 1 && national[2] == 1);
                // 617-555-0143, 617.555.0143 and (617) 555-0143 are written as phone
                // numbers whatever their digits; "617 555 0143" must also be a valid NANP number.
                let phone_punctuated = m.as_str().contains(['-', '.', '(']);
                found.push((s, e, !(nanp || phone_punctuated)));
            }
        }
        // one digit at a time: "5 5 5 - 2 0 1 - 8 8 3 4" (the normalizer joins
        // only runs of single digits separated by single spaces)
        if self.stats.runs_of(1) >= 9 {
            for m in self.in_clusters(&SPACED_DIGITS, 9) {
                let (s, e) = (m.start(), m.end());
                if !self.clean_edges(s, e, false) {
                    continue;
                }
                let ds = validate::digits(m.as_str());
                let dashes = m.as_str().matches('-').count();
                if ds.len() == 9 && dashes >= 2 && validate::ssn(m.as_str()) {
                    self.add(s, e, Kind::Ssn, "Social Security number", P_SHAPE, Masking::Tail(4));
                } else if ds.len() == 10 || (ds.len() == 11 && ds[0] == 1) {
                    let national = &ds[ds.len() - 10..];
                    let nanp = national[0] >= 2 && national[3] >= 2;
                    found.push((s, e, !nanp));
                }
            }
        }
        let has_context = self.stats.digits >= 7 && self.phi.phone_context.is_match(text);
        if has_context {
            for m in self.in_clusters(&PHONE_LOOSE, 7) {
                let (s, e) = (m.start(), m.end());
                let n = m.as_str().bytes().filter(u8::is_ascii_digit).count();
                let (s, e) = balance_parens(self.b, s, e);
                if !(7..=15).contains(&n) || !self.clean_edges(s, e, false) || looks_like_date_or_number(&text[s..e]) {
                    continue;
                }
                found.push((s, e, true));
            }
        }
        for (s, e, needs_context) in found {
            if self.is_excluded(s, e) || rules.allowlist.allows_phone(&text[s..e]) || toll_free(&text[s..e]) {
                continue;
            }
            let ctx = self.phone_label(s).or_else(|| if has_context { self.phone_context(s, e) } else { None });
            let (kind, prio) = match (ctx, needs_context) {
                (Some(k), _) => (k, P_PHONE_CTX),
                (None, false) => (Kind::Phone, P_WEAK_SHAPE),
                (None, true) => continue,
            };
            let noun = if kind == Kind::Fax { "fax number" } else { "phone number" };
            self.add(s, e, kind, noun, prio, Masking::Tail(4));
        }
    }

    /// Contact-card labels right before a number: "F: …" is a fax, "T:", "P:",
    /// "M:", "C:", "H:", "W:", "O:" a phone.
    fn phone_label(&self, s: usize) -> Option<Kind> {
        let w = self.window_before(s, 8).trim_end();
        let w = w.strip_suffix([':', '#', '.'])?.trim_end();
        let letters = w.bytes().rev().take_while(u8::is_ascii_alphabetic).count();
        let word = w[w.len() - letters..].to_ascii_lowercase();
        if letters < w.len() && w.as_bytes()[w.len() - letters - 1].is_ascii_alphanumeric() {
            return None;
        }
        match word.as_str() {
            "f" | "fx" => Some(Kind::Fax),
            "t" | "p" | "m" | "c" | "h" | "w" | "o" => Some(Kind::Phone),
            _ => None,
        }
    }

    /// Phone or fax, by the nearest context word before the number (or
    /// "fax" right after it).
    fn phone_context(&self, s: usize, e: usize) -> Option<Kind> {
        let after = self.window_after(e, 12).to_ascii_lowercase();
        if after.trim_start_matches([' ', '(', ',', '-']).starts_with("fax") {
            return Some(Kind::Fax);
        }
        // a bare digit run needs its context word close by ("call 5550143")
        let bare = self.b[s..e].iter().all(u8::is_ascii_digit);
        let before = self.window_before(s, if bare { 20 } else { 48 });
        let last = self.phi.phone_context.find_iter(before).last()?;
        let words = last.as_str().to_ascii_lowercase();
        // "my credit card number", "her record number": a number, not a phone's
        if words.split_whitespace().any(|w| self.phi.not_phone_number.contains(w)) {
            return None;
        }
        if words.starts_with("fax") {
            Some(Kind::Fax)
        } else {
            Some(Kind::Phone)
        }
    }

    // -------------------------------------------------------------- shapes

    fn shapes(&mut self) {
        let text = self.text;
        let d = self.stats.digits;
        let st = self.stats;
        if st.runs_of(3) > 0 && st.runs_of(2) > 0 && st.runs_of(4) > 0 {
            for m in self.in_clusters(&SSN_SHAPE, 9) {
                if self.clean_edges(m.start(), m.end(), false)
                    && validate::ssn(m.as_str())
                    && !self.is_excluded(m.start(), m.end())
                {
                    self.add(m.start(), m.end(), Kind::Ssn, "Social Security number", P_SHAPE, Masking::Tail(4));
                }
            }
        }
        if st.longest_run >= 13 || st.runs_of(4) >= 3 || (st.runs_of(4) >= 1 && st.runs_of(6) >= 1) {
            for m in self.in_clusters(&CARD, 12) {
                if self.clean_edges(m.start(), m.end(), false)
                    && one_separator(m.as_str())
                    && validate::credit_card(m.as_str())
                    && !self.is_excluded(m.start(), m.end())
                {
                    self.add(m.start(), m.end(), Kind::Account, "payment card number", P_SHAPE, Masking::Tail(4));
                }
            }
        }
        if d >= 10 {
            for m in self.in_clusters(&NPI_SHAPE, 10) {
                if self.clean_edges(m.start(), m.end(), false)
                    && one_separator(m.as_str())
                    && validate::npi(m.as_str())
                    && !self.is_excluded(m.start(), m.end())
                {
                    self.add(m.start(), m.end(), Kind::License, "NPI", P_WEAK_SHAPE, Masking::Tail(3));
                }
            }
        }
        if st.dea_digits {
            for m in DEA_SHAPE.find_iter(text) {
                if validate::dea(m.as_str()) && !self.is_excluded(m.start(), m.end()) {
                    self.add(m.start(), m.end(), Kind::License, "DEA number", P_SHAPE, Masking::Tail(3));
                }
            }
        }
        if d >= 5 && st.mbi_head && st.mbi_tail {
            for m in MBI_SHAPE.find_iter(text) {
                if validate::mbi(m.as_str())
                    && self.after(m.end()).is_none_or(|c| c != b'-')
                    && !self.is_excluded(m.start(), m.end())
                {
                    let noun = "Medicare Beneficiary Identifier";
                    self.add(m.start(), m.end(), Kind::HealthPlan, noun, P_SHAPE, Masking::Tail(3));
                }
            }
        }
        if st.longest_token >= 17 {
            for m in VIN_SHAPE.find_iter(text) {
                if validate::vin(m.as_str()) && !self.is_excluded(m.start(), m.end()) {
                    self.add(m.start(), m.end(), Kind::Vehicle, "VIN", P_WEAK_SHAPE, Masking::Tail(4));
                }
            }
        }
    }

    // ----------------------------------------------------------------- IPs

    fn ips(&mut self) {
        let text = self.text;
        // an IPv4 address lies in one cluster, with its three dots
        if self.stats.digits >= 4 && self.stats.dots >= 3 && self.clusters.iter().any(|c| c.dots >= 3) {
            for m in self.in_clusters(&IPV4, 4) {
                let (s, e) = (m.start(), m.end());
                if !validate::ipv4(m.as_str()) || self.before(s) == Some(b'.') {
                    continue;
                }
                if VERSION_CONTEXT.is_match(self.window_before(s, 16)) {
                    continue;
                }
                let e = e + cidr_suffix(&self.b[e..]);
                self.add(s, e, Kind::Ip, "IP address", P_STRONG, Masking::Tail(2));
            }
        }
        if self.stats.colon_pair {
            for m in IPV6.find_iter(text) {
                let s = m.start();
                let raw = m.as_str().trim_end_matches('.');
                let e = s + raw.len();
                if self.before(s).is_some_and(|c| c.is_ascii_alphanumeric() || c == b':' || c == b'.') {
                    continue;
                }
                // zone ("%eth0") and prefix length ("/64") belong to the span
                let mut end = e;
                if self.after(end) == Some(b'%') {
                    let mut k = end + 1;
                    while k < self.b.len() && self.b[k].is_ascii_alphanumeric() {
                        k += 1;
                    }
                    if k > end + 1 {
                        end = k;
                    }
                }
                end += cidr_suffix(&self.b[end..]);
                if self.after(end).is_some_and(|c| c.is_ascii_alphanumeric()) {
                    continue;
                }
                if raw == "::" || !raw.bytes().any(|c| c.is_ascii_digit()) || !validate::ipv6(raw) {
                    continue;
                }
                self.add(s, end, Kind::Ip, "IP address", P_STRONG, Masking::Tail(2));
            }
        }
    }

    fn macs(&mut self) {
        let st = self.stats;
        if !(st.mac_pair && (st.colons >= 5 || st.dashes >= 5)) && !st.dotted_hex {
            return;
        }
        for m in MAC.find_iter(self.text) {
            let bad_right = matches!(self.after(m.end()), Some(b':' | b'-' | b'.'))
                && self.b.get(m.end() + 1).is_some_and(u8::is_ascii_hexdigit);
            let bad_left = matches!(self.before(m.start()), Some(b':' | b'-' | b'.'));
            if !bad_right && !bad_left && validate::mac(m.as_str()) {
                self.add(m.start(), m.end(), Kind::Device, "MAC address", P_SHAPE, Masking::Tail(2));
            }
        }
    }

    // ----------------------------------------------------------- geography

    fn geography(&mut self) {
        let text = self.text;
        let phi = self.phi;
        // a street address starts with a house number ([`address_may_follow`])
        if self.stats.address_start {
            for caps in ADDRESS.captures_iter(text) {
                let Some(m) = caps.get(0) else { continue };
                let s = m.start();
                if matches!(self.before(s), Some(b'$' | b'#' | b'.' | b'/' | b'-')) {
                    continue;
                }
                let window = self.window_before(s, 48);
                if caps.name("unit").is_none() && ORG_PLACE.is_match(window) && !RESIDENCE.is_match(window) {
                    continue;
                }
                // "Top 10 Tips On The Way", "5 Hospital Drive": a headline or an institution
                let words = m.as_str().split_whitespace().skip(1);
                if words.map(|w| w.trim_end_matches(['.', ','])).any(|w| phi.not_street.contains(w)) {
                    continue;
                }
                self.add(s, m.end(), Kind::Address, "street address", P_GEO, Masking::Address);
            }
        }
        if self.stats.runs_of(5) > 0 {
            for re in [&*ZIP_WORD, &*ZIP_STATE] {
                for caps in re.captures_iter(text) {
                    let Some(z) = caps.get(1) else { continue };
                    if self.after(z.end()).is_some_and(|c| c.is_ascii_digit()) {
                        continue;
                    }
                    self.add(z.start(), z.end(), Kind::Zip, "ZIP code", P_GEO, Masking::Tail(2));
                }
            }
        }
    }

    // ----------------------------------------------------------------- age

    fn ages(&mut self) {
        let text = self.text;
        for caps in AGE.captures_iter(text) {
            let Some(whole) = caps.get(0) else { continue };
            let Some(num) = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"].iter().find_map(|g| caps.name(g))
            else {
                continue;
            };
            let Ok(age) = num.as_str().parse::<u32>() else { continue };
            if !(90..=125).contains(&age) || caps.name("pl").is_some() {
                continue;
            }
            if self.before(num.start()).is_some_and(|c| c == b'.' || c == b'-' || c == b'$') {
                continue;
            }
            let after = &text[num.end()..];
            if AGE_AGGREGATE_AFTER.is_match(after) || AGE_AGGREGATE_BEFORE.is_match(self.window_before(num.start(), 20))
            {
                continue;
            }
            if caps.name("a").is_some() && AGE_NOT_PERSON.is_match(&text[whole.end()..]) {
                continue;
            }
            if caps.name("k").is_some() && AGE_ORDINAL_NOT_PERSON.is_match(&text[whole.end()..]) {
                continue;
            }
            if caps.name("j").is_some() && !AGE_SAID_FOLLOW.is_match(&text[whole.end()..]) {
                continue;
            }
            // "she's 102 years old": the age itself, not who has it
            let start = if caps.name("j").is_some() { num.start() } else { whole.start() };
            self.add(start, whole.end(), Kind::Age, "age over 89", P_GEO, Masking::Digits);
        }
    }
}

/// Decides what a context word plus its id token is, if anything.
fn classify_context(ctx: Ctx, token: &str) -> Option<(Kind, &'static str, Masking)> {
    let tail = Masking::Tail(4);
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    let alnum = token.bytes().filter(u8::is_ascii_alphanumeric).count();
    match ctx {
        Ctx::Ssn => {
            // Named as an SSN, nine digits are one even when the area is out of
            // range (9xx is an ITIN, just as identifying); placeholders like
            // 000-00-0000 are not.
            let ds = validate::digits(token);
            let placeholder = ds.iter().all(|&d| d == ds[0]);
            let ok = digits == 9 && alnum == 9 && !placeholder;
            return ok.then_some((Kind::Ssn, "Social Security number", tail));
        }
        Ctx::Dea if token.len() == 9 && token.as_bytes()[0].is_ascii_alphabetic() => {
            return validate::dea(token).then_some((Kind::License, "DEA number", Masking::Tail(3)));
        }
        Ctx::Npi if digits == 10 && alnum == 10 => {
            return Some((Kind::License, "NPI", Masking::Tail(3)));
        }
        Ctx::Vin => {
            let ok = (11..=17).contains(&token.len())
                && token.bytes().all(|c| c.is_ascii_alphanumeric())
                && digits >= 2
                && alnum > digits;
            return ok.then_some((Kind::Vehicle, "VIN", tail));
        }
        Ctx::Plate => {
            let ok = (2..=8).contains(&alnum) && digits >= 1 && !is_year(token) && !token.contains("  ");
            return ok.then_some((Kind::Vehicle, "licence plate", Masking::Tail(2)));
        }
        Ctx::Imei if digits == 15 && alnum == 15 => {
            let noun = if validate::imei(token) { "IMEI" } else { "device identifier" };
            return Some((Kind::Device, noun, tail));
        }
        _ => {}
    }
    if !plausible_id(token) {
        return None;
    }
    // Member and account numbers are long; "Medicaid 1115 waiver" is a programme.
    if matches!(ctx, Ctx::Plan | Ctx::Acct) && alnum == digits && digits < 6 {
        return None;
    }
    Some(match ctx {
        Ctx::Mrn => (Kind::Mrn, "medical record number", tail),
        Ctx::Plan if validate::mbi(token) => (Kind::HealthPlan, "Medicare Beneficiary Identifier", Masking::Tail(3)),
        Ctx::Plan => (Kind::HealthPlan, "health plan number", tail),
        Ctx::Acct => (Kind::Account, "account number", tail),
        Ctx::Dea | Ctx::Npi | Ctx::Lic => (Kind::License, "licence/certificate number", tail),
        Ctx::Imei | Ctx::Dev => (Kind::Device, "device serial number", tail),
        // a generic "ID" word: a validated shape says better what the id is
        Ctx::Gen if is_ssn_shape(token) => (Kind::Ssn, "Social Security number", tail),
        Ctx::Gen if alnum == 10 && digits == 10 && validate::npi(token) => (Kind::License, "NPI", Masking::Tail(3)),
        Ctx::Gen if validate::mbi(token) => (Kind::HealthPlan, "Medicare Beneficiary Identifier", Masking::Tail(3)),
        Ctx::Gen if validate::dea(token) => (Kind::License, "DEA number", Masking::Tail(3)),
        Ctx::Gen if validate::credit_card(token) && one_separator(token) => {
            (Kind::Account, "payment card number", tail)
        }
        Ctx::Gen => (Kind::Other, "identifier", tail),
        Ctx::Ssn | Ctx::Vin | Ctx::Plate => return None,
    })
}

/// An id after a context word: has digits, is not a year, date, decimal or
/// count.
fn plausible_id(token: &str) -> bool {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    let letters = token.bytes().filter(u8::is_ascii_alphabetic).count();
    if token.len() > 32 || digits < 3 {
        return false;
    }
    if letters == 0 && (digits < 4 || is_year(token) || looks_like_date_or_number(token)) {
        return false;
    }
    true
}

/// `ddd-dd-dddd` (one separator kind) with valid SSN parts.
fn is_ssn_shape(token: &str) -> bool {
    token.split(['-', '.', ' ']).map(str::len).eq([3, 2, 4]) && one_separator(token) && validate::ssn(token)
}

fn is_year(token: &str) -> bool {
    token.len() == 4
        && token.bytes().all(|c| c.is_ascii_digit())
        && (token.starts_with("19") || token.starts_with("20"))
}

/// Dates (4/12/2023, 2023-04-25, 12.05.2023), times and decimals are not
/// phone numbers or ids.
fn looks_like_date_or_number(s: &str) -> bool {
    // up to three all-digit parts between `/`, `-` and `.`: (length, value)
    let mut parts = [(0usize, 0u32); 3];
    let mut n = 0;
    for p in s.split(['/', '-', '.']) {
        if n == parts.len() || p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
            return false;
        }
        parts[n] = (p.len(), p.parse().unwrap_or(0));
        n += 1;
    }
    match n {
        3 => {
            let [(l0, v0), (l1, v1), (l2, v2)] = parts;
            let day_month = |a: u32, b: u32| (1..=31).contains(&a) && (1..=31).contains(&b) && (a <= 12 || b <= 12);
            let dmy = l0 <= 2 && l1 <= 2 && (l2 == 2 || l2 == 4) && day_month(v0, v1);
            let ymd = l0 == 4 && l1 <= 2 && l2 <= 2 && (1..=12).contains(&v1) && (1..=31).contains(&v2);
            dmy || ymd
        }
        2 => s.contains('.'), // a decimal
        _ => false,
    }
}

/// Whether a number uses at most one kind of separator.
fn one_separator(s: &str) -> bool {
    let mut seps = s.bytes().filter(|c| !c.is_ascii_digit());
    match seps.next() {
        None => true,
        Some(first) => seps.all(|c| c == first),
    }
}

/// US toll-free numbers (800, 888, 877, 866, 855, 844, 833) belong to
/// organisations — crisis lines, pharmacies, insurers — never to a patient.
fn toll_free(phone: &str) -> bool {
    let ds = validate::digits(phone);
    let national = match ds.len() {
        10 => &ds[..],
        11 if ds[0] == 1 => &ds[1..],
        _ => return false,
    };
    national[0] == 8 && (national[1] == national[2]) && (national[1] == 0 || (3..=8).contains(&national[1]))
}

/// `jdoe [at] gmail [dot] com` → `jdoe@gmail.com`, for the allowlist.
fn unspell_email(s: &str) -> String {
    let mut l = s.to_ascii_lowercase();
    for (from, to) in [("at", "@"), ("dot", ".")] {
        for (open, close) in [("[", "]"), ("(", ")"), ("{", "}"), ("<", ">"), (" ", " ")] {
            l = l.replace(&format!("{open}{from}{close}"), to);
        }
    }
    l.chars().filter(|c| !c.is_whitespace() && !"[](){}<>".contains(*c)).collect()
}

/// Drops an unbalanced leading `(` or trailing `)` from `b[s..e]`.
fn balance_parens(b: &[u8], mut s: usize, mut e: usize) -> (usize, usize) {
    let count = |s: usize, e: usize, c: u8| b[s..e].iter().filter(|&&x| x == c).count();
    while e > s && b[e - 1] == b')' && count(s, e, b')') > count(s, e, b'(') {
        e -= 1;
    }
    while s < e && b[s] == b'(' && count(s, e, b'(') > count(s, e, b')') {
        s += 1;
    }
    (s, e)
}

/// Length of the part of `s` to keep: trailing separators dropped.
fn trim_trailing_sep(s: &str) -> usize {
    s.trim_end_matches([' ', '.', '-']).len()
}

/// Length of a `/NN` prefix-length suffix at the start of `b`, if any.
fn cidr_suffix(b: &[u8]) -> usize {
    if b.first() != Some(&b'/') {
        return 0;
    }
    let n = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
    if (1..=4).contains(&n) && !b.get(1 + n).is_some_and(|c| c.is_ascii_alphanumeric()) {
        1 + n
    } else {
        0
    }
}
