//! Word lists of the context rules and the one cue automaton built from them.
//!
//! Every draft is scanned once with [`CUES`] (Aho-Corasick, ASCII case
//! folding, whole words); each cue carries a bit set of [`role`]s that the
//! detectors ask about ("is there a care word in this draft?", "is there a
//! date trigger in the 90 bytes before this date?"). The small closed lists
//! that only ever qualify a word next to a candidate (facility words after a
//! name, modifier nouns after "patient") are plain slices looked up by
//! binary search or linear scan on a handful of words.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::sync::LazyLock;

/// What a cue word means to the detectors. A cue may have several roles.
pub(super) mod role {
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
}

use role::*;

/// The cue words. Matching is ASCII case-insensitive on whole words of the
/// folded view.
pub(super) const CUES: &[(&str, u32)] = &[
    // --- one specific patient
    ("patient", PATIENT | CARE | CASE | NAME_TRIGGER),
    ("pt", PATIENT | CARE | CASE | NAME_TRIGGER),
    ("pt's", CARE | CASE),
    ("pts", CARE),
    ("year-old", CARE | CASE),
    ("year old", CARE | CASE),
    ("years old", CARE | CASE),
    ("yr old", CARE | CASE),
    ("yr-old", CARE | CASE),
    ("month-old", CARE | CASE),
    ("week-old", CARE | CASE),
    ("day-old", CARE | CASE),
    ("yo", CARE | CASE | AFTER_DIGIT),
    ("y/o", CARE | CASE | AFTER_DIGIT),
    ("y.o.", CARE | CASE | AFTER_DIGIT),
    ("yrs", CARE | CASE | AFTER_DIGIT),
    ("mrn", CARE | CASE),
    ("medical record", CARE | CASE),
    ("dob", CARE | CASE | DATE_TRIGGER | DATE_STRONG),
    ("d.o.b.", CARE | CASE | DATE_TRIGGER | DATE_STRONG),
    ("date of birth", CARE | CASE | DATE_TRIGGER | DATE_STRONG),
    ("birthdate", CARE | CASE | DATE_TRIGGER | DATE_STRONG),
    ("s/p", CARE | CASE | DATE_TRIGGER),
    ("hx", CARE | CASE),
    ("dx", CARE | CASE | DATE_TRIGGER),
    ("dx'd", CARE | CASE | DATE_TRIGGER),
    ("tx", CARE),
    ("w/", CARE),
    ("his chart", CARE | CASE),
    ("her chart", CARE | CASE),
    ("pt chart", CARE | CASE),
    ("insurance id", CARE | CASE),
    ("member id", CARE | CASE),
    ("patient id", CARE | CASE),
    ("named", NAME_TRIGGER),
    ("name", NAME_TRIGGER),
    ("name:", NAME_TRIGGER),
    ("newborn", NAME_TRIGGER),
    ("client", NAME_TRIGGER),
    ("my", OWNER),
    ("husband", RELATIVE),
    ("wife", RELATIVE),
    ("spouse", RELATIVE),
    ("daughter", RELATIVE),
    ("son", RELATIVE),
    ("granddaughter", RELATIVE),
    ("grandson", RELATIVE),
    ("brother", RELATIVE),
    ("niece", RELATIVE),
    ("nephew", RELATIVE),
    ("fiance", RELATIVE),
    ("fiancee", RELATIVE),
    ("caregiver", RELATIVE),
    ("mr", HONORIFIC),
    ("mrs", HONORIFIC),
    ("ms", HONORIFIC),
    ("miss", HONORIFIC),
    ("mx", HONORIFIC),
    ("mister", HONORIFIC),
    ("dr", HONORIFIC),
    ("doctor", STAFF | HONORIFIC),
    ("prof", HONORIFIC),
    // --- stories: a person or case with a when
    ("guy", STORY),
    ("lady", STORY),
    ("woman", STORY),
    ("man", STORY),
    ("kid", STORY),
    ("child", STORY),
    ("girl", STORY),
    ("boy", STORY),
    ("gentleman", STORY),
    ("mom", STORY),
    ("dad", STORY),
    ("mother", STORY),
    ("baby", STORY | NAME_TRIGGER),
    ("teen", STORY),
    ("toddler", STORY),
    ("infant", STORY | NAME_TRIGGER),
    ("grandma", STORY),
    ("grandpa", STORY),
    ("grandmother", STORY),
    ("grandfather", STORY),
    ("dude", STORY),
    ("fella", STORY),
    ("case", STORY | CARE | DATE_TRIGGER),
    ("today", WHEN),
    ("tonight", WHEN),
    ("yesterday", WHEN),
    ("this morning", WHEN),
    ("this afternoon", WHEN),
    ("this evening", WHEN),
    ("this week", WHEN),
    ("this am", WHEN),
    ("this pm", WHEN),
    ("last night", WHEN),
    ("last week", WHEN),
    ("last shift", WHEN),
    ("last weekend", WHEN),
    ("my shift", WHEN),
    ("our shift", WHEN),
    ("the shift", WHEN),
    ("night shift", WHEN),
    ("day shift", WHEN),
    ("on call", WHEN),
    ("on shift", WHEN),
    ("overnight", WHEN),
    ("just now", WHEN),
    ("an hour ago", WHEN),
    ("earlier", WHEN),
    // --- individual advice
    ("dm me", ADDRESS),
    ("pm me", ADDRESS),
    ("message me", ADDRESS),
    ("msg me", ADDRESS),
    ("email me", ADDRESS),
    ("text me", ADDRESS),
    ("inbox me", ADDRESS),
    ("ping me", ADDRESS),
    ("in your case", ADDRESS),
    ("for you specifically", ADDRESS),
    ("based on", ADDRESS),
    ("from what you", ADDRESS),
    ("from your", ADDRESS),
    ("who messaged", ADDRESS),
    ("who dm'd", ADDRESS),
    ("who dmed", ADDRESS),
    ("who pm'd", ADDRESS),
    ("who asked", ADDRESS),
    ("who emailed", ADDRESS),
    ("who wrote", ADDRESS),
    ("who commented", ADDRESS),
    ("who tweeted", ADDRESS),
    ("who reached out", ADDRESS),
    ("who sent", ADDRESS),
    ("who contacted", ADDRESS),
    ("who replied", ADDRESS),
    ("who posted", ADDRESS),
    ("who tagged", ADDRESS),
    ("who called", ADDRESS),
    ("that messaged", ADDRESS),
    ("that asked", ADDRESS),
    ("go up to", ADVICE),
    ("go down to", ADVICE),
    ("double your", ADVICE),
    ("triple your", ADVICE),
    ("halve your", ADVICE),
    ("double up on your", ADVICE),
    ("double up your", ADVICE),
    ("sounds like", ADVICE),
    ("sound like", ADVICE),
    ("you should", ADVICE),
    ("you need to", ADVICE),
    ("you must", ADVICE),
    ("you have to", ADVICE),
    ("you gotta", ADVICE),
    ("you ought to", ADVICE),
    ("our", OWNER),
    // --- care words (care context, many tie a date to a person)
    ("admitted", CARE | CASE | DATE_TRIGGER),
    ("admit", CARE | DATE_TRIGGER),
    ("admission", CARE | DATE_TRIGGER),
    ("discharged", CARE | CASE | DATE_TRIGGER),
    ("discharge", CARE | DATE_TRIGGER),
    ("seen", CARE | DATE_TRIGGER),
    ("last seen", CARE | CASE | DATE_TRIGGER),
    ("visited", CARE | DATE_TRIGGER),
    ("visit", CARE | DATE_TRIGGER),
    ("treated", CARE | DATE_TRIGGER),
    ("presented", CARE | DATE_TRIGGER),
    ("presenting", CARE | DATE_TRIGGER),
    ("evaluated", CARE | DATE_TRIGGER),
    ("assessed", CARE | DATE_TRIGGER),
    ("examined", CARE | DATE_TRIGGER),
    ("diagnosed", CARE | DATE_TRIGGER),
    ("diagnosis", CARE | DATE_TRIGGER),
    ("referred", CARE | DATE_TRIGGER),
    ("referral", CARE),
    ("follow-up", CARE | DATE_TRIGGER),
    ("followup", CARE | DATE_TRIGGER),
    ("follow up", CARE | DATE_TRIGGER),
    ("appointment", CARE | DATE_TRIGGER),
    ("appt", CARE | DATE_TRIGGER),
    ("check-up", CARE | DATE_TRIGGER),
    ("checkup", CARE | DATE_TRIGGER),
    ("consulted", CARE | DATE_TRIGGER),
    ("consultation", CARE | DATE_TRIGGER),
    ("hospitalized", CARE | CASE | DATE_TRIGGER),
    ("hospitalization", CARE | DATE_TRIGGER),
    ("surgery", CARE | DATE_TRIGGER),
    ("operated", CARE | DATE_TRIGGER),
    ("underwent", CARE | CASE | DATE_TRIGGER),
    ("procedure", CARE | DATE_TRIGGER),
    ("post-op", CARE | DATE_TRIGGER),
    ("intubated", CARE | CASE | DATE_TRIGGER),
    ("prescribed", CARE | DATE_TRIGGER),
    ("biopsy", CARE | DATE_TRIGGER),
    ("scan", DATE_TRIGGER),
    ("labs", CARE | DATE_TRIGGER),
    ("lab results", CARE | DATE_TRIGGER),
    ("results", CARE),
    ("chart", CARE | DATE_TRIGGER),
    ("charts", CARE),
    ("fax", CARE),
    ("faxed", CARE),
    ("records", CARE | DATE_TRIGGER),
    ("notes", CARE | DATE_TRIGGER),
    ("refill", CARE),
    ("prescription", CARE),
    ("meds", CARE),
    ("stroke", DATE_TRIGGER),
    ("heart attack", DATE_TRIGGER),
    ("cardiac arrest", DATE_TRIGGER),
    ("patients like", CARE | CASE),
    ("patient like", CARE | CASE),
    ("injured", DATE_TRIGGER),
    ("fell", DATE_TRIGGER),
    ("accident", DATE_TRIGGER),
    ("noted", DATE_TRIGGER),
    ("reviewed", DATE_TRIGGER),
    ("since", DATE_TRIGGER),
    ("started", DATE_TRIGGER),
    ("starting", DATE_TRIGGER),
    ("icu", DATE_TRIGGER),
    ("born", CARE | DATE_TRIGGER | DATE_STRONG),
    ("birthday", DATE_TRIGGER | DATE_STRONG),
    ("died", CARE | DATE_TRIGGER | DATE_STRONG),
    ("passed away", CARE | DATE_TRIGGER | DATE_STRONG),
    ("deceased", CARE | DATE_TRIGGER | DATE_STRONG),
    ("date of death", CARE | DATE_TRIGGER | DATE_STRONG),
    ("expired", DATE_TRIGGER),
    // --- events: a date next to these is a calendar date, not a person's
    ("join us", EVENT),
    ("join", EVENT),
    ("event", EVENT),
    ("events", EVENT),
    ("webinar", EVENT),
    ("seminar", EVENT),
    ("workshop", EVENT),
    ("class", EVENT),
    ("classes", EVENT),
    ("register", EVENT),
    ("registration", EVENT),
    ("rsvp", EVENT),
    ("tickets", EVENT),
    ("deadline", EVENT),
    ("closed", EVENT),
    ("close", EVENT),
    ("closing", EVENT),
    ("open", EVENT),
    ("opens", EVENT),
    ("opening", EVENT),
    ("hours", EVENT),
    ("holiday", EVENT),
    ("launch", EVENT),
    ("launches", EVENT),
    ("fair", EVENT),
    ("drive", EVENT),
    ("conference", EVENT),
    ("meeting", EVENT),
    ("summit", EVENT),
    ("festival", EVENT),
    ("celebrate", EVENT),
    ("celebration", EVENT),
    ("awareness", EVENT),
    ("gala", EVENT),
    ("town hall", EVENT),
    ("livestream", EVENT),
    ("tune in", EVENT),
    ("ceremony", EVENT),
    ("5k", EVENT),
    ("pm", EVENT | AFTER_DIGIT),
    ("am", EVENT | AFTER_DIGIT),
    ("noon", EVENT),
    ("p.m.", EVENT),
    ("a.m.", EVENT),
    ("save the date", EVENT),
    ("sign up", EVENT),
    ("free", EVENT),
    // --- staff
    ("nurse", STAFF),
    ("nurses", STAFF),
    ("rn", STAFF),
    ("np", STAFF),
    ("lpn", STAFF),
    ("cna", STAFF),
    ("colleague", STAFF),
    ("colleagues", STAFF),
    ("coworker", STAFF),
    ("co-worker", STAFF),
    ("manager", STAFF),
    ("director", STAFF),
    ("chief", STAFF),
    ("volunteer", STAFF),
    ("therapist", STAFF),
    ("pharmacist", STAFF),
    ("technician", STAFF),
    ("tech", STAFF),
    ("educator", STAFF),
    ("coordinator", STAFF),
    ("surgeon", STAFF),
    ("physician", STAFF),
    ("midwife", STAFF),
    ("paramedic", STAFF),
    ("resident", STAFF),
    ("fellow", STAFF),
    ("intern", STAFF),
    ("dietitian", STAFF),
    ("chaplain", STAFF),
    ("ceo", STAFF),
    ("president", STAFF),
    ("founder", STAFF),
    ("speaker", STAFF),
    ("host", STAFF),
    ("author", STAFF),
    ("practitioner", STAFF),
    ("hygienist", STAFF),
    ("assistant", STAFF),
    ("aide", STAFF),
    ("receptionist", STAFF),
    ("scheduler", STAFF),
    ("counselor", STAFF),
    ("psychologist", STAFF),
    ("psychiatrist", STAFF),
    ("dentist", STAFF),
    ("optometrist", STAFF),
    ("radiologist", STAFF),
    ("cardiologist", STAFF),
    ("oncologist", STAFF),
    ("pediatrician", STAFF),
    ("neurologist", STAFF),
    ("dermatologist", STAFF),
    ("internist", STAFF),
    ("hospitalist", STAFF),
    ("anesthesiologist", STAFF),
    ("obstetrician", STAFF),
    ("specialist", STAFF),
    ("navigator", STAFF),
    ("social worker", STAFF),
    ("case manager", STAFF),
    ("clerk", STAFF),
    ("administrator", STAFF),
    ("trustee", STAFF),
    ("donor", STAFF),
    ("sponsor", STAFF),
    ("researcher", STAFF),
    ("scientist", STAFF),
    ("professor", STAFF | HONORIFIC),
    ("rev", STAFF),
    ("reverend", STAFF),
    ("father", STORY),
    ("pastor", STAFF),
    ("coach", STAFF),
    ("senator", STAFF),
    ("mayor", STAFF),
    ("governor", STAFF),
    ("representative", STAFF),
    ("welcome", NEWS),
    ("welcomes", NEWS),
    ("joins", NEWS),
    ("joined", NEWS),
    ("joining", NEWS),
    ("congrats", NEWS),
    ("congratulations", NEWS),
    ("award", NEWS),
    ("awarded", NEWS),
    ("hired", NEWS),
    ("promoted", NEWS),
    ("retire", NEWS),
    ("retires", NEWS),
    ("retiring", NEWS),
    ("retirement", NEWS),
    ("honored", NEWS),
    ("honoured", NEWS),
    ("recognized", NEWS),
    ("thank you", NEWS),
    ("thanks", NEWS),
    ("shout-out", NEWS),
    ("shoutout", NEWS),
    ("shout out", NEWS),
    ("kudos", NEWS),
    ("proud", NEWS),
    ("our team", NEWS),
    ("our staff", NEWS),
    ("employee", NEWS),
    ("staff", NEWS),
    ("anniversary", NEWS),
    ("interview", NEWS),
    ("podcast", NEWS),
    ("keynote", NEWS),
];

struct CueMatcher {
    ac: AhoCorasick,
}

static MATCHER: LazyLock<Option<CueMatcher>> = LazyLock::new(|| {
    let pats: Vec<&str> = CUES.iter().map(|(p, _)| *p).collect();
    // Leftmost-longest: "last seen" wins over "seen", "patient id" over
    // "patient"; the longer cue carries the roles that matter there.
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostLongest)
        .kind(Some(AhoCorasickKind::DFA))
        .prefilter(true)
        .build(pats)
        .ok()
        .map(|ac| CueMatcher { ac })
});

/// One cue found in a draft.
#[derive(Debug, Clone, Copy)]
pub(super) struct Cue {
    pub start: usize,
    pub end: usize,
    pub roles: u32,
}

pub(super) fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Every cue of the folded text, whole words only, in text order.
pub(super) fn find_cues(text: &str) -> Vec<Cue> {
    let Some(m) = MATCHER.as_ref() else { return Vec::new() };
    let b = text.as_bytes();
    let mut out = Vec::new();
    for hit in m.ac.find_iter(text) {
        let (s, e) = (hit.start(), hit.end());
        let roles = CUES[hit.pattern().as_usize()].1;
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
        if last_word && e < b.len() && (is_word_byte(b[e]) || (b[e] == b'\'' && e + 1 < b.len() && b[e + 1] == b't')) {
            continue;
        }
        out.push(Cue { start: s, end: e, roles });
    }
    out
}

/// FNV-1a: the word sets hold short ASCII keys from our own lists, so a
/// simple fast hash beats SipHash here (no untrusted keys are inserted).
#[derive(Default, Clone, Copy)]
pub(super) struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type WordSet = HashSet<&'static str, BuildHasherDefault<Fnv>>;

/// A closed list of capitalised words, looked up exactly.
pub(super) struct WordList {
    set: LazyLock<WordSet>,
}

impl WordList {
    const fn new(words: fn() -> WordSet) -> WordList {
        WordList { set: LazyLock::new(words) }
    }
    pub fn contains(&self, w: &str) -> bool {
        self.set.contains(w)
    }
}

fn set_of(words: &[&'static str]) -> WordSet {
    words.iter().copied().collect()
}

fn set_of_lines(text: &'static str) -> WordSet {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
}

pub(super) static NOT_FIRST_WORDS: WordList = WordList::new(|| set_of(NOT_FIRST));
pub(super) static FACILITY_WORDS: WordList = WordList::new(|| set_of(FACILITY));
pub(super) static NOT_SURNAME_WORDS: WordList = WordList::new(|| set_of(NOT_SURNAME));

/// Common given names (see `first_names.txt`).
static FIRST_NAMES: WordList = WordList::new(|| set_of_lines(include_str!("first_names.txt")));

/// Whether a capitalised word is a common given name ("Anne-Marie" by its
/// first part).
pub(super) fn is_first_name(word: &str) -> bool {
    let w = word.split('-').next().unwrap_or(word);
    let w = w.strip_suffix("'s").unwrap_or(w);
    FIRST_NAMES.contains(w)
}

/// Common surnames (see `surnames.txt`).
static SURNAMES: WordList = WordList::new(|| set_of_lines(include_str!("surnames.txt")));

/// Whether a capitalised word is a common surname ("Smith's" by "Smith").
pub(super) fn is_surname(word: &str) -> bool {
    let w = word.strip_suffix("'s").unwrap_or(word);
    SURNAMES.contains(w)
}

/// Words that end no person's name when they follow a capitalised word:
/// conditions, scores, organisations ("Lyme Disease", "Medicare Advantage").
pub(super) const NOT_SURNAME: &[&str] = &[
    "Advantage",
    "Anemia",
    "Arthritis",
    "Association",
    "Cell",
    "Criteria",
    "Diabetes",
    "Disease",
    "Disorder",
    "Failure",
    "Fever",
    "Fibrillation",
    "Group",
    "Guidelines",
    "Infection",
    "Insurance",
    "Journal",
    "Labs",
    "Laboratories",
    "Leukemia",
    "Lymphoma",
    "Network",
    "Palsy",
    "Partners",
    "Pharmaceuticals",
    "Plan",
    "Program",
    "Protocol",
    "Reflex",
    "Scale",
    "Sclerosis",
    "Score",
    "Sign",
    "Society",
    "Study",
    "Syndrome",
    "Test",
    "Trial",
    "Virus",
    "Week",
    "Month",
    "Day",
    "Awareness",
];

/// Capitalised words that start no person's name in a draft: facility and
/// place words, clinical terms, calendar words, sentence openers.
pub(super) const NOT_FIRST: &[&str] = &[
    "Annual",
    "Ask",
    "Atrial",
    "Baylor",
    "Blood",
    "Brain",
    "Breast",
    "Cardiology",
    "Category",
    "Check",
    "Cluster",
    "Congrats",
    "Critical",
    "Del",
    "Des",
    "Downtown",
    "El",
    "Emergency",
    "Family",
    "Find",
    "Flu",
    "Get",
    "Global",
    "Good",
    "Grand",
    "Great",
    "Greater",
    "Happy",
    "Heart",
    "Help",
    "Influenza",
    "Intensive",
    "Internal",
    "International",
    "Johns",
    "Keep",
    "Kidney",
    "La",
    "Las",
    "Last",
    "Learn",
    "Little",
    "Liver",
    "Lung",
    "Make",
    "Medicaid",
    "Medicare",
    "Meet",
    "Mental",
    "Multiple",
    "National",
    "Neurology",
    "Next",
    "Nurse",
    "Nurses",
    "Oncology",
    "Option",
    "Palo",
    "Patient",
    "Patients",
    "Pediatric",
    "Physical",
    "Primary",
    "Public",
    "Puerto",
    "Radiology",
    "Read",
    "Remember",
    "Salt",
    "Senior",
    "Sickle",
    "Skin",
    "Staff",
    "Stay",
    "Strep",
    "Take",
    "Team",
    "Thank",
    "Thanks",
    "Tip",
    "Today",
    "Tomorrow",
    "Tonight",
    "Tricare",
    "Urgent",
    "Visit",
    "Watch",
    "Welcome",
    "World",
    "Yesterday",
    "About",
    "Adult",
    "Adults",
    "African",
    "After",
    "All",
    "Also",
    "American",
    "An",
    "And",
    "Any",
    "Appendix",
    "Are",
    "As",
    "Asian",
    "At",
    "Avenue",
    "Bay",
    "Bed",
    "Before",
    "Best",
    "Both",
    "Building",
    "But",
    "By",
    "Call",
    "Can",
    "Case",
    "Caucasian",
    "Center",
    "Class",
    "Clinic",
    "Contact",
    "County",
    "Current",
    "Day",
    "Do",
    "Does",
    "Dose",
    "Each",
    "East",
    "Every",
    "Exhibit",
    "Factor",
    "Fax",
    "Figure",
    "Floor",
    "For",
    "Form",
    "Fort",
    "Friday",
    "From",
    "General",
    "Grade",
    "Group",
    "Guidelines",
    "Has",
    "He",
    "Health",
    "Hep",
    "Hepatitis",
    "Her",
    "Here",
    "His",
    "Hispanic",
    "Hospital",
    "How",
    "If",
    "In",
    "Is",
    "It",
    "Its",
    "Lake",
    "Latino",
    "Level",
    "Los",
    "Mount",
    "My",
    "Medical",
    "Monday",
    "Mt",
    "New",
    "No",
    "North",
    "Not",
    "Note",
    "Now",
    "Of",
    "On",
    "Or",
    "Our",
    "Part",
    "Per",
    "Phase",
    "Plan",
    "Please",
    "Port",
    "Protein",
    "Room",
    "Route",
    "Saint",
    "San",
    "Santa",
    "Saturday",
    "Schedule",
    "Section",
    "See",
    "She",
    "So",
    "South",
    "St",
    "Stage",
    "Step",
    "Street",
    "Suite",
    "Sunday",
    "Table",
    "The",
    "Then",
    "There",
    "They",
    "This",
    "Thursday",
    "Tier",
    "To",
    "Tuesday",
    "Type",
    "Unit",
    "Up",
    "Vitamin",
    "Ward",
    "We",
    "Wednesday",
    "West",
    "What",
    "When",
    "Where",
    "Which",
    "Who",
    "Why",
    "Wing",
    "With",
    "Yes",
    "You",
    "Your",
    "Zone",
];

/// Words that, inside or right after a capitalised pair, make it a place or a
/// facility ("Henry Ford Hospital", "Beth Israel", "Mary Washington Regional").
pub(super) const FACILITY: &[&str] = &[
    "Academy",
    "Arbor",
    "Associates",
    "Beach",
    "Bay",
    "City",
    "Creek",
    "Falls",
    "Grove",
    "Harbor",
    "Island",
    "Point",
    "Ridge",
    "Springs",
    "Station",
    "Township",
    "Avenue",
    "Ave",
    "Blvd",
    "Cancer",
    "Care",
    "Center",
    "Centre",
    "Children",
    "Children's",
    "Clinic",
    "Clinics",
    "College",
    "Community",
    "County",
    "Deaconess",
    "Drive",
    "Foundation",
    "General",
    "Hall",
    "Health",
    "Healthcare",
    "Heart",
    "Heights",
    "Hills",
    "Hosp",
    "Hospital",
    "Hospitals",
    "Institute",
    "Israel",
    "Lane",
    "Medical",
    "Medicine",
    "Memorial",
    "Park",
    "Pavilion",
    "Pharmacy",
    "Place",
    "Presbyterian",
    "Regional",
    "Rehab",
    "Road",
    "School",
    "Square",
    "St",
    "Street",
    "System",
    "Tower",
    "University",
    "Valley",
    "Village",
    "Way",
    "Wellness",
];

/// Nouns after "patient" that make it a modifier, not a person ("patient
/// portal", "Patient Safety Week").
pub(super) const PATIENT_MODIFIERS: &[&str] = &[
    "intake",
    "appointment",
    "appointments",
    "visit",
    "visits",
    "paperwork",
    "packet",
    "orientation",
    "checklist",
    "questionnaire",
    "panel",
    "panels",
    "census",
    "volumes",
    "reviews",
    "ratings",
    "testimonials",
    "access",
    "advisory",
    "advocacy",
    "advocate",
    "advocates",
    "ambassador",
    "ambassadors",
    "and",
    "care",
    "centered",
    "centred",
    "communication",
    "confidentiality",
    "council",
    "data",
    "education",
    "engagement",
    "experience",
    "experiences",
    "family",
    "feedback",
    "financial",
    "first",
    "flow",
    "forms",
    "guide",
    "handbook",
    "information",
    "info",
    "line",
    "liaison",
    "lounge",
    "navigation",
    "navigator",
    "navigators",
    "outcomes",
    "parking",
    "portal",
    "portals",
    "population",
    "privacy",
    "registration",
    "relations",
    "representative",
    "resources",
    "rights",
    "safety",
    "satisfaction",
    "service",
    "services",
    "stories",
    "support",
    "survey",
    "transport",
    "voice",
    "volume",
    "volunteers",
    "week",
    "wellbeing",
];

/// Post-nominal credentials: a name followed by one is staff.
pub(super) const CREDENTIALS: &[&str] = &[
    "APRN", "BSN", "CNA", "CNM", "CRNA", "DDS", "DNP", "DO", "DPT", "FNP", "LCSW", "LPN", "MD", "MPH", "MSN", "NP",
    "OT", "PA", "PA-C", "PharmD", "PhD", "PT", "RD", "RN",
];
