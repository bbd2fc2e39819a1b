//! `patient.reference` and `patient.image`: posts about one identifiable
//! patient or case, with or without an identifier.
//!
//! - `my patient` / `our patient` (singular, not `our patient portal`);
//! - a person or a case with a when: `had a patient this morning who…`,
//!   `this guy came into the ER yesterday`, `a case from my shift today`,
//!   unless the sentence is hypothetical (`if`, `when`, `every`);
//! - an image attachment (image/*, DICOM) whose file name or caption names a
//!   clinical image: x-ray, scan, CT, MRI, wound, rash, fracture...
//!
//! Fixed phrases (`pt in room 302`, `the 34-year-old we intubated`) are the
//! `patient.story` lexicon entry in `config/rules.toml`.

use super::vocab::{role, PATIENT_MODIFIERS};
use super::{sentence_end, sentence_start, Context};
use crate::engine::{Input, Sink};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const RULE_REFERENCE: &str = "patient.reference";
pub(super) const RULE_IMAGE: &str = "patient.image";

/// Whether `patient`/`pt` ending at `end` names a person: not followed by a
/// modifier noun (`patient portal`, `patient-centered`).
pub(super) fn is_person_use(text: &str, start: usize, end: usize) -> bool {
    if &text[start..end] == "PT" {
        return false; // physical therapy, more often than not
    }
    let b = text.as_bytes();
    if end < b.len() && b[end] == b'-' {
        return false;
    }
    let rest = text[end..].trim_start_matches(' ');
    let next: &str = rest.split(|c: char| !c.is_ascii_alphabetic()).next().unwrap_or("");
    !PATIENT_MODIFIERS.iter().any(|m| m.eq_ignore_ascii_case(next))
}

/// Words allowed between `my`/`our` and `patient`.
const OWNER_ADJECTIVES: &[&str] = &[
    "icu",
    "er",
    "ed",
    "or",
    "trauma",
    "stroke",
    "cardiac",
    "covid",
    "dialysis",
    "hospice",
    "post-op",
    "postop",
    "pre-op",
    "oncology",
    "peds",
    "nicu",
    "picu",
    "psych",
    "rehab",
    "surgical",
    "sickest",
    "only",
    "newest",
    "favorite",
    "favourite",
    "sweet",
    "lovely",
    "little",
    "young",
    "old",
    "elderly",
    "dear",
    "first",
    "last",
    "youngest",
    "oldest",
    "sickest",
    "toughest",
    "brave",
    "amazing",
    "wonderful",
    "sweetest",
    "former",
    "longtime",
    "long-time",
];

/// `92-year-old`, `6-month-old`, `3am` ("my 3am patient").
fn is_age(w: &str) -> bool {
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    let rest = w[digits..].to_ascii_lowercase();
    (1..=3).contains(&digits) && (rest.ends_with("-old") || rest == "am" || rest == "pm" || rest == "yo")
}

/// Words after `case` that make it a count or a category, not a patient.
const CASE_NOT_PERSON: &[&str] = &[
    "count",
    "counts",
    "number",
    "numbers",
    "rate",
    "rates",
    "study",
    "studies",
    "report",
    "reports",
    "definition",
    "load",
    "management",
    "manager",
    "managers",
    "for",
    "against",
    "of",
    "numbers",
    "total",
    "totals",
    "data",
];

/// What comes before a story noun: a determiner and up to two adjectives
/// ("a sweet little girl", "the 80-year-old man"), anchored at the noun.
static DETERMINER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:a|an|the|this|that|one|my|our)\s+(?:(?:\d{1,3}[- ]?(?:year|yr|month|week|day)s?[- ]old|young|old|elderly|little|sweet|lovely|older|teenage|pregnant|sick|frail|tiny|brave|cute|poor)\s+){0,2}$",
    )
    .expect("valid determiner pattern")
});

/// `case from my shift`, `patient from last night`.
static FROM_WHEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)^ from (?:this|last|my|our|today|tonight|yesterday)(?-u:\b)").expect("valid from pattern")
});

/// Words that make a sentence hypothetical or general.
static GENERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)(?-u:\b)(?:if|when|whenever|every|any|each|should|could|would|can)(?-u:\b)")
        .expect("valid generic pattern")
});

/// File-name words of a clinical image ("xray_left_wrist.png", "ct_head.dcm").
static FILE_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:x-?rays?|xr|cxr|scans?|ct|cta|mri|pet|ultrasound|sono(?:gram)?|echo(?:cardiogram)?|ecg|ekg|eeg|wounds?|rash|fractures?d?|lesions?|radiographs?|mammo(?:gram)?|biopsy|tumou?r|ulcers?|angio(?:gram)?|dermoscopy|derm|moles?|burns?|laceration|histology|path(?:ology)?|dicom)(?-u:\b)",
    )
    .expect("valid file-name pattern")
});

/// Caption words of a clinical image: narrower than file names, since a
/// caption also says "scan the QR code" or "slides from my talk".
static CAPTION_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:x-?rays?|cxr|radiographs?|(?:ct|cat|pet|mri|mr|bone) scans?|(?:ct|mri) of|mris?|ultrasounds?|sonograms?|echocardiograms?|ecgs?|ekgs?|eegs?|wounds?|rash(?:es)?|fractures?d?|lesions?|mammograms?|biops(?:y|ies)|tumou?rs?|ulcers?|angiograms?|dermoscopy|lacerations?|(?:this|the|a|classic|textbook|interesting|fascinating|wild|crazy|rare) case|scan (?:from|of|shows|showed))(?-u:\b)",
    )
    .expect("valid caption pattern")
});

/// Words of a photo that is not of a case ("our new MRI scanner", "meet our
/// radiology team").
static NOT_A_CASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:machine|scanner|suite|equipment|installed|unveil(?:ed|s)?|ribbon|arrived|tour|team|staff|techs|technologists?|department|week|celebrat\w*|qr)(?-u:\b)",
    )
    .expect("valid not-a-case pattern")
});

pub(super) fn detect(input: &Input<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if sink.enabled(RULE_REFERENCE) {
        references(input, ctx, sink);
    }
    if sink.enabled(RULE_IMAGE) {
        images(input, ctx, sink);
    }
}

fn references(input: &Input<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let text = ctx.text;
    let mut spans: Vec<(usize, usize)> = Vec::new();
    // "my patient", "our pt"
    for (k, c) in ctx.cues.iter().enumerate() {
        if c.roles & role::PATIENT == 0 || k == 0 {
            continue;
        }
        if let Some(owner) =
            ctx.cues[k.saturating_sub(3)..k].iter().rev().find(|o| o.roles & role::OWNER != 0 && o.end < c.start)
        {
            // "my patient", "my favorite patient", "our 92-year-old patient"
            let between = &text[owner.end..c.start];
            if between
                .split(' ')
                .filter(|w| !w.is_empty())
                .all(|w| OWNER_ADJECTIVES.iter().any(|a| a.eq_ignore_ascii_case(w)) || is_age(w))
                && between.split(' ').filter(|w| !w.is_empty()).count() <= 2
                && between.starts_with(' ')
            {
                spans.push((owner.start, c.end));
            }
        }
    }
    // a person or case with a when, found from the noun cues
    if ctx.has(role::WHEN) {
        for c in ctx.cues.iter().filter(|c| c.roles & (role::STORY | role::PATIENT) != 0) {
            if spans.iter().any(|&(s, e)| s < c.end && c.start < e) {
                continue;
            }
            let s0 = sentence_start(text, c.start);
            let s1 = sentence_end(text, c.end);
            if !ctx.has_in(role::WHEN, s0, s1) {
                continue;
            }
            let noun = &text[c.start..c.end];
            let mut lead = c.start.saturating_sub(48).max(s0);
            while !text.is_char_boundary(lead) {
                lead += 1;
            }
            let start = if let Some(m) = DETERMINER.find(&text[lead..c.start]) {
                lead + m.start()
            } else if c.roles & role::CARE != 0 && FROM_WHEN.is_match(&text[c.end..]) {
                c.start // "case from my shift"
            } else {
                continue;
            };
            if noun.eq_ignore_ascii_case("case") {
                let next = text[c.end..].trim_start().split(|ch: char| !ch.is_ascii_alphabetic()).next().unwrap_or("");
                if CASE_NOT_PERSON.iter().any(|w| w.eq_ignore_ascii_case(next)) {
                    continue; // "the case count", "a case of measles"
                }
            }
            if !GENERIC.is_match(&text[s0..start]) {
                spans.push((start, c.end));
            }
        }
    }
    for (s, e) in spans {
        let span = input.norm.span(s, e);
        sink.push(
            RULE_REFERENCE,
            Some(span),
            "Post about an identifiable patient or case: details of a recent encounter can identify the person \
             even without a name."
                .into(),
            Some(
                "Talk about patients in general terms, without the when, where and who; or get written authorization."
                    .into(),
            ),
            None,
        );
    }
}

fn is_image(content_type: &str, filename: &str) -> bool {
    let ct = content_type.trim().to_ascii_lowercase();
    if ct.starts_with("image/") || ct == "application/dicom" {
        return true;
    }
    if !ct.is_empty() {
        return false;
    }
    let f = filename.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic", ".tif", ".tiff", ".bmp", ".dcm", ".dicom"]
        .iter()
        .any(|x| f.ends_with(x))
}

fn images(input: &Input<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    if input.draft.attachments.is_empty() {
        return;
    }
    let caption = ctx.text;
    let not_a_case = NOT_A_CASE.is_match(caption);
    let caption_clinical = CAPTION_WORDS.is_match(caption) && !not_a_case;
    for (n, a) in input.draft.attachments.iter().enumerate() {
        if !is_image(&a.content_type, &a.filename) {
            continue;
        }
        // "xray_left_wrist.png" → "xray left wrist png"
        let name: String =
            a.filename.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { ' ' }).collect();
        let name_clinical = FILE_WORDS.is_match(&name) && !not_a_case && !NOT_A_CASE.is_match(&name);
        if name_clinical || caption_clinical {
            sink.push(
                RULE_IMAGE,
                None,
                format!(
                    "Attachment {} looks like a clinical image of a case (by its {}): images carry identifiers and \
                     recognisable features.",
                    n + 1,
                    if name_clinical { "file name" } else { "caption" }
                ),
                Some("Use a de-identified teaching image with the patient's written consent, or no image.".into()),
                None,
            );
        }
    }
}
