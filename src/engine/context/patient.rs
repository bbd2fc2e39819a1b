//! `patient.reference` and `patient.image`: posts about one identifiable
//! patient or case, with or without an identifier.
//!
//! - `my patient` / `our patient` (singular, not `our patient portal`);
//! - a person or a case with a when: `had a patient this morning who…`,
//!   `this guy came into the ER yesterday`, `a case from my shift today`,
//!   `Lady came in last night with…` (an arrival needs no determiner),
//!   unless the sentence is hypothetical (`if`, `when`, `every`);
//! - an image attachment (image/*, DICOM) whose file name or caption names a
//!   clinical image (x-ray, scan, CT, MRI, wound, rash, fracture...), or a
//!   camera photo (`IMG_1234.jpg`) whose caption talks about a case (`look at
//!   this`, `pic below` with a person or case, `guy came in`). Team, event
//!   and department words (`proud of our imaging team`, `imaging centre
//!   opens`) make it a staff photo unless the caption shows one person's case
//!   (`this fracture`, `x-ray of her wrist`, `guess the dx`).
//!
//! Fixed phrases (`pt in room 302`, `pt in 5B`, `the lady from bed 4`, `the
//! 34-year-old we intubated`) are the
//! `patient.story` lexicon entry in `config/rules.toml`.

use super::vocab::role;
use super::words::WordLists;
use super::{leading_word, sentence_end, sentence_start, Context};
use crate::engine::{Input, Sink};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const RULE_REFERENCE: &str = "patient.reference";
pub(super) const RULE_IMAGE: &str = "patient.image";

/// Whether `patient`/`pt` ending at `end` names a person: not followed by a
/// modifier noun (`patient portal`, `patient-centered`).
pub(super) fn is_person_use(wl: &WordLists, text: &str, start: usize, end: usize) -> bool {
    if &text[start..end] == "PT" {
        return false; // physical therapy, more often than not
    }
    let b = text.as_bytes();
    if end < b.len() && b[end] == b'-' {
        return false;
    }
    let rest = text[end..].trim_start_matches(' ');
    let next: &str = leading_word(rest);
    !wl.patient_modifiers.contains_any_case(next)
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
    let rest = &w.as_bytes()[digits..];
    let old = rest.len() >= 4 && rest[rest.len() - 4..].eq_ignore_ascii_case(b"-old");
    (1..=3).contains(&digits) && (old || [&b"am"[..], b"pm", b"yo"].iter().any(|x| rest.eq_ignore_ascii_case(x)))
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
    "total",
    "totals",
    "data",
];

/// What comes before a story noun: a determiner and up to two adjectives
/// ("a sweet little girl", "the 80-year-old man"), anchored at the noun.
static DETERMINER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:a|an|the|this|that|one|my|our)\s+(?:(?:\d{1,3}[- ]?(?:year|yr|month|week|day)s?[- ]old|\d{1,3} ?(?:yo|y/o|yr)|young|old|elderly|little|sweet|lovely|older|teenage|pregnant|sick|frail|tiny|brave|cute|poor|drunk|angry|confused|tough|grumpy)\s+){0,2}$",
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

/// File-name words naming what a picture shows on a body (a wound, a rash, a
/// fracture). Unlike modality words (`mri`, `scan`), which a caption about a
/// new scanner or a team can explain, no caption makes such a picture anything
/// but a case; only the file name itself can (`wound_care_team.jpg`).
static FILE_FINDINGS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:wounds?|rash(?:es)?|fractures?d?|lesions?|ulcers?|burns?|lacerations?|tumou?rs?|moles?|biops(?:y|ies)|histology|dermoscopy|dicom)(?-u:\b)",
    )
    .expect("valid file-finding pattern")
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
/// radiology team", "proud of our imaging folks", "imaging centre opens").
static NOT_A_CASE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:machines?|scanners?|suites?|equipment|installed|unveil(?:ed|s)?|ribbon|arrived|tours?|teams?|crews?|squad|folks|staff|colleagues|techs|technologists?|radiographers?|sonographers?|departments?|dept|week|celebrat\w*|party|potluck|awards?|opens|opening|now open|open[- ]house|pet therapy|therapy (?:dogs?|pets?|animals?)|qr|(?:imaging|radiology|x-?ray|mri|ct|ultrasound|wound care) (?:centres?|centers?|services|clinics?|units?))(?-u:\b)",
    )
    .expect("valid not-a-case pattern")
});

/// A caption that shows one person's case, which outweighs team and event
/// words: `this fracture`, `her scan`, `x-ray of his left wrist`, `guess
/// the diagnosis`.
static CASE_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:(?:this|that|his|her|their|pt's|patient's) (?:[a-z-]+ ){0,2}?(?:fractures?|rash|wounds?|lesions?|x-?rays?|xr|scans?|ct|mri|ultrasound|burns?|laceration|ulcers?|tumou?rs?|mass|bleed|break|dislocation|abscess|cellulitis|moles?|swelling|bruis(?:e|ing)|injury|bite|infection|films?|stones?|gallstones?|foreign body|splinter|cyst|polyp|hernia)|(?:x-?rays?|xr|scans?|ct|cta|mri|films?|ultrasound|radiographs?) of (?:(?:his|her|their|a|an|the|this|my patient's|the patient's|pt's) )?(?:(?:left|right|l|r) )?(?:hands?|wrists?|arms?|elbows?|shoulders?|knees?|ankles?|foot|feet|toes?|fingers?|thumbs?|legs?|hips?|chest|head|skull|spine|neck|pelvis|abdomen|belly|brain|lungs?|heart|jaw|femur|tibia|fibula|humerus|radius|ulna|clavicle|ribs?|back|stomach|face|eyes?|nose|kidneys?|liver)|guess the (?:dx|diagnosis)|what'?s (?:the|your) (?:dx|diagnosis)|case of the (?:day|week))(?-u:\b)",
    )
    .expect("valid case-image pattern")
});

/// Nouns after an imaging word that make it equipment, a place or a team.
const NOT_CASE_NOUNS: &[&str] = &[
    "machine",
    "machines",
    "scanner",
    "scanners",
    "suite",
    "room",
    "team",
    "teams",
    "tech",
    "techs",
    "department",
    "dept",
    "unit",
    "center",
    "centre",
    "equipment",
    "table",
    "services",
    "crew",
    "staff",
    "folks",
    "week",
    "program",
    "clinic",
    "technologist",
    "technologists",
    "tool",
    "kit",
    "care",
];

/// Words that point at a picture of something the writer saw ("look at
/// this", "pic below"): a case image when the caption is about a person or
/// a case, whatever the file is called (`IMG_1234.jpg`).
static CASE_TALK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i-u)(?-u:\b)(?:look at (?:this|that|these)|look what|guess what|check (?:this|these) out|check out (?:this|these)|(?:pics?|photos?|pictures?|images?) (?:below|attached)|see (?:the )?(?:pic|photo|picture|image)|swipe to see)(?-u:\b)",
    )
    .expect("valid case-talk pattern")
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
    // an arrival at a clock time is a when too: "Guy came in at 3am"
    let clock = |s0: usize, s1: usize| {
        ctx.has_in(role::EVENT, s0, s1)
            && ctx
                .cues
                .iter()
                .any(|x| x.start >= s0 && x.end <= s1 && x.roles & role::AFTER_DIGIT != 0 && x.roles & role::EVENT != 0)
    };
    if ctx.has(role::WHEN) || ctx.has(role::ARRIVAL) {
        for c in ctx.cues.iter().filter(|c| c.roles & (role::STORY | role::PATIENT) != 0) {
            if spans.iter().any(|&(s, e)| s < c.end && c.start < e) {
                continue;
            }
            let s0 = sentence_start(text, c.start);
            let s1 = sentence_end(text, c.end);
            let timed = ctx.has_in(role::WHEN, s0, s1) || (arrives(ctx, c) && clock(s0, s1));
            if !timed {
                continue;
            }
            let noun = &text[c.start..c.end];
            // "our teen volunteers", "the kid program": the noun modifies another
            let next = text[c.end..].strip_prefix(' ').unwrap_or("");
            let next = leading_word(next);
            if NOUN_AFTER_STORY.iter().any(|w| w.eq_ignore_ascii_case(next)) {
                continue;
            }
            // "To the mom who asked me yesterday: …": someone spoken to, not a case
            let at = ctx.cues.partition_point(|x| x.start < c.end);
            if ctx.cues.get(at).is_some_and(|x| x.roles & role::ADDRESS != 0 && x.start == c.end + 1)
                && text[..c.start].trim_end().rsplit(' ').take(4).any(|w| {
                    let w = w.trim_start_matches(['.', ',', '!', '?', ':', '@']);
                    ["to", "dear", "hey", "hi"].iter().any(|t| t.eq_ignore_ascii_case(w))
                })
            {
                continue;
            }
            let mut lead = c.start.saturating_sub(48).max(s0);
            while !text.is_char_boundary(lead) {
                lead += 1;
            }
            let start = if let Some(m) = DETERMINER.find(&text[lead..c.start]) {
                lead + m.start()
            } else if (c.roles & role::CARE != 0 && FROM_WHEN.is_match(&text[c.end..])) || arrives(ctx, c) {
                c.start // "case from my shift", "Guy came in last night with..."
            } else {
                continue;
            };
            if noun.eq_ignore_ascii_case("case") {
                let next = leading_word(text[c.end..].trim_start());
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

/// Nouns after a person noun that make it a modifier ("our teen
/// volunteers", "the kids program"), not a person in a story.
const NOUN_AFTER_STORY: &[&str] = &[
    "volunteers",
    "volunteer",
    "program",
    "programs",
    "team",
    "teams",
    "club",
    "group",
    "groups",
    "services",
    "unit",
    "ward",
    "clinic",
    "center",
    "centre",
    "patients",
    "visitors",
    "ambassadors",
    "council",
    "board",
    "mentors",
    "advisors",
    "support",
    "class",
    "classes",
    "event",
    "events",
    "camp",
    "night",
    "day",
    "week",
    "month",
];

/// Person nouns that arrive for care with no determiner in a shift story
/// ("Lady came into the ER today"). Family words are left out: "Mom came in
/// today" is more often the writer's own mother.
const ARRIVING: &[&str] = &[
    "guy",
    "lady",
    "woman",
    "man",
    "kid",
    "child",
    "girl",
    "boy",
    "gentleman",
    "teen",
    "toddler",
    "infant",
    "dude",
    "fella",
    "patient",
    "pt",
];

/// Whether the person noun `c` is followed by an arrival (`came in`,
/// `walked into`, `was brought in`, `who came to the ER`).
fn arrives(ctx: &Context<'_>, c: &super::vocab::Cue) -> bool {
    let text = ctx.text;
    if !ARRIVING.iter().any(|w| w.eq_ignore_ascii_case(&text[c.start..c.end])) {
        return false;
    }
    let at = ctx.cues.partition_point(|x| x.start < c.end);
    let Some(next) = ctx.cues.get(at) else { return false };
    if next.roles & role::ARRIVAL == 0 || next.start > c.end + 16 {
        return false;
    }
    // "kid came in today to donate his piggy bank": a visitor, not a case
    let mut stop = (next.end + 40).min(text.len());
    while !text.is_char_boundary(stop) {
        stop -= 1;
    }
    let after = &text[next.end..stop];
    if let Some(k) = after.find(" to ") {
        let verb = leading_word(&after[k + 4..]);
        if VISITOR_VERBS.iter().any(|v| v.eq_ignore_ascii_case(verb)) {
            return false;
        }
    }
    text[c.end..next.start].split(' ').filter(|w| !w.is_empty()).all(|w| {
        ["who", "that", "just", "was", "got", "finally", "literally", "actually"]
            .iter()
            .any(|x| x.eq_ignore_ascii_case(w))
    })
}

/// Why a visitor comes in: `came in to donate`, `came in today to sing`.
const VISITOR_VERBS: &[&str] =
    &["donate", "volunteer", "deliver", "drop", "sing", "perform", "read", "play", "teach", "tour", "install", "fix"];

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
    // a person or a case in the caption: "guy came in", "my patient", "case"
    let person = ctx.has(role::STORY | role::PATIENT | role::CASE | role::CARE);
    let arrival = ctx.has(role::ARRIVAL) && ctx.has(role::STORY | role::PATIENT);
    let case_image = arrival
        || CASE_IMAGE.find_iter(caption).any(|m| {
            // "this x-ray machine", "her MRI team": equipment or people, not a case;
            // "this many scans", "this year's scans": a count, not a case
            let next = leading_word(caption[m.end()..].trim_start());
            let counted = m.as_str().split(' ').any(|w| ["many", "much", "year's", "month's", "week's"].contains(&w));
            !counted && !NOT_CASE_NOUNS.iter().any(|w| w.eq_ignore_ascii_case(next))
        });
    let talk = (person || ctx.has(role::ARRIVAL)) && CASE_TALK.is_match(caption);
    let caption_clinical = case_image || (!not_a_case && (CAPTION_WORDS.is_match(caption) || talk));
    for (n, a) in input.draft.attachments.iter().enumerate() {
        if !is_image(&a.content_type, &a.filename) {
            continue;
        }
        // "xray_left_wrist.png" → "xray left wrist png"
        let name: String =
            a.filename.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { ' ' }).collect();
        let name_clinical = !NOT_A_CASE.is_match(&name)
            && (FILE_FINDINGS.is_match(&name) || (FILE_WORDS.is_match(&name) && (!not_a_case || case_image)));
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
