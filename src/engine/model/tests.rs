//! Tests of the learned model: the file format and its checks, that the
//! committed weights come from the committed data, and the model's effect on
//! a review (its findings, their evidence, whose identifier it is). The
//! sentences are invented here; the model's quality is measured on the
//! labelled corpora in CI, not by these few cases.

use super::*;
use crate::engine::{review, Draft, Severity, Verdict};
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules and model"));

fn rules_of(d: &Draft) -> Vec<(String, Severity)> {
    review(d, &RULES).findings.into_iter().map(|f| (f.rule, f.severity)).collect()
}

#[test]
fn builtin_model_loads_and_round_trips() {
    let m = Model::builtin().expect("built-in model");
    assert_eq!(m.labels.len(), LABELS.len());
    assert!(m.labels.iter().all(|l| (0.0..1.0).contains(&l.threshold)));
    let again = Model::from_bytes(&m.to_bytes()).expect("re-read");
    assert_eq!(again.to_bytes(), m.to_bytes());
}

#[test]
fn committed_model_was_trained_on_the_committed_data() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/train");
    let hash = crate::cli::train::data_hash(&dir).expect("training data");
    let m = Model::builtin().expect("built-in model");
    assert_eq!(
        hex::encode(m.data_sha256),
        hex::encode(hash),
        "config/model.bin is stale: run `cargo run --release -- train` after changing data/train"
    );
}

#[test]
fn bad_model_files_are_refused_with_a_reason() {
    let good = Model::builtin().expect("built-in model").to_bytes();
    let err = |b: &[u8]| Model::from_bytes(b).expect_err("must be refused").0;
    assert!(err(b"").contains("magic"));
    assert!(err(b"not a model at all, just some text of length").contains("magic"));
    assert!(err(&good[..good.len() / 2]).contains("checksum"), "a truncated file fails its checksum");
    let mut flipped = good.clone();
    flipped[1000] ^= 1;
    assert!(err(&flipped).contains("checksum"));
    // a well-formed file for another featurizer version
    let mut other = good[..good.len() - 32].to_vec();
    other[12..16].copy_from_slice(&(FEATURIZER_VERSION + 1).to_le_bytes());
    let digest = Sha256::digest(&other);
    other.extend_from_slice(&digest);
    assert!(err(&other).contains("featurizer version"), "{}", err(&other));
}

#[test]
fn advice_to_one_person_is_found_and_general_advice_is_not() {
    let d = Draft::new(
        "@kayla_runs88 since the metformin upsets your stomach, take it with dinner and cut back to 500 mg until we see you",
    );
    let r = review(&d, &RULES);
    assert_eq!(r.verdict, Verdict::Block, "{:?}", r.findings);
    assert!(r.findings.iter().any(|f| f.category == Category::ClinicalAdvice), "{:?}", r.findings);
    for t in [
        "Adults 50 and older should ask their doctor about the shingles vaccine.",
        "@kayla_runs88 so sorry you're dealing with that! We can't give medical advice here, please call your care team.",
        "Flu season is here: wash your hands, stay home when sick, and get your shot.",
    ] {
        assert!(!rules_of(&Draft::new(t)).iter().any(|(r, _)| r.starts_with("advice")), "{t}");
    }
}

#[test]
fn model_findings_explain_themselves_without_echoing_identifiers() {
    let t = "@tomwrites Jenkins that rash on your arm is shingles, start the valacyclovir 1000mg your doctor gave you today";
    let r = review(&Draft::new(t), &RULES);
    let f = r.findings.iter().find(|f| f.rule == RULE_ADVICE).expect("advice.model finding");
    let span = f.span.expect("evidence span");
    assert!(t.is_char_boundary(span.start) && span.end <= t.len() && span.start < span.end);
    assert!(f.message.contains("words that weighed most"), "{}", f.message);
    for never in ["tomwrites", "Jenkins", "jenkins", "1000"] {
        assert!(!f.message.contains(never), "{never} in {}", f.message);
    }
}

#[test]
fn the_organisations_own_number_is_not_a_patients() {
    let org = "Questions about your flu shot? Call our nurse line at (617) 555-0142, weekdays 8-5.";
    let r = review(&Draft::new(org), &RULES);
    assert_ne!(r.verdict, Verdict::Block, "{:?}", r.findings);
    let phone = r.findings.iter().find(|f| f.rule == "phi.phone").expect("the number is still noted");
    assert_eq!(phone.severity, Severity::Info);
    assert!(!phone.message.contains("555-0142"), "masked: {}", phone.message);

    let patient = "Pt called again from 617-555-0142 asking about his biopsy results, third time today";
    let r = review(&Draft::new(patient), &RULES);
    assert_eq!(r.verdict, Verdict::Block);
    assert!(r.findings.iter().any(|f| f.rule == "phi.phone" && f.severity == Severity::Error), "{:?}", r.findings);
}

#[test]
fn a_review_without_the_model_keeps_every_identifier_at_its_level() {
    let org = "Questions about your flu shot? Call our nurse line at (617) 555-0142, weekdays 8-5.";
    let plain = RuleSet::builtin_without_model().expect("rules");
    let r = review(&Draft::new(org), &plain);
    assert!(r.findings.iter().any(|f| f.rule == "phi.phone" && f.severity == Severity::Error));
}

#[test]
fn the_model_abstains_on_scripts_it_was_not_trained_on() {
    let t = "心臓の健康のために毎日歩きましょう。心臓の健康のために毎日歩きましょう。";
    assert!(!rules_of(&Draft::new(t)).iter().any(|(r, _)| r.ends_with(".model")));
    assert!(in_trained_script("Pt s/p tummy tuck ayer, dice que está bien 💪"));
}

#[test]
fn a_draft_without_evidence_is_not_a_finding() {
    for t in ["hello", "ok", "Happy Monday!", "zzzz qqqq"] {
        let r = review(&Draft::new(t), &RULES);
        assert_eq!(r.verdict, Verdict::Ok, "{t}: {:?}", r.findings);
    }
}

/// Predictions read the 16-bit table; they must equal, bit for bit, the
/// sums over the full weights the file decodes to (what predictions read
/// before the table shrank), per label and per token.
#[test]
fn predictions_read_the_stored_weights_exactly() {
    let m = Model::builtin().expect("built-in model");
    for text in [
        "@kayla_runs88 since the metformin upsets your stomach, take it with dinner",
        "Join us Saturday 9am-1pm for free blood pressure checks! Call 555-201-8834",
        "My patient Jessica Moreno is walking again three weeks after her hip replacement",
    ] {
        let f = crate::engine::model_features(&Draft::new(text), &RULES);
        let norm = norm_of(f.hashes.len());
        let mut s = [0f32; N];
        let mut per_token = vec![[0f32; N]; f.tokens.len()];
        for (&h, &o) in f.hashes.iter().zip(&f.owner) {
            let b = m.bucket(h);
            for l in 0..N {
                let w = m.weight(l, b);
                s[l] += w;
                if let Some(slot) = per_token.get_mut(o as usize) {
                    slot[l] += w * norm;
                }
            }
        }
        let p = m.predict(f);
        for ((prob, lw), sum) in p.prob.iter().zip(&m.labels).zip(s) {
            assert_eq!(prob.to_bits(), sigmoid(lw.bias + sum * norm).to_bits(), "{text}");
        }
        assert_eq!(p.per_token, per_token, "{text}");
    }
}

#[test]
fn a_patients_town_is_reported_only_in_a_post_about_that_patient() {
    let story = Draft::new("Our patient from Harlan County finally went home today after 3 weeks in the ICU.");
    let r = review(&story, &RULES);
    let place: Vec<&Finding> = r.findings.iter().filter(|f| f.rule == RULE_PLACE).collect();
    assert_eq!(place.len(), 1, "{:?}", r.findings);
    let span = place[0].span.expect("span");
    assert_eq!(&story.text[span.start..span.end], "Harlan County");
    assert!(!place[0].message.contains("Harlan"), "masked: {}", place[0].message);
    assert_eq!(place[0].identifier, Some(Identifier::Geographic));

    // the same place as an event's venue, or the organisation's: not a patient's
    for text in [
        "Free flu shots for everyone in Harlan County this Saturday, 9-1 at the library.",
        "Now open in Millbrook: our new urgent care on Main Street. Walk-ins welcome!",
    ] {
        let r = review(&Draft::new(text), &RULES);
        assert!(r.findings.iter().all(|f| f.rule != RULE_PLACE), "{text}: {:?}", r.findings);
    }
    // off in the rule set: never reported
    let mut off = RuleSet::builtin().expect("built-in rules");
    assert!(off.set_severity(RULE_PLACE, None));
    assert!(review(&story, &off).findings.iter().all(|f| f.rule != RULE_PLACE));
}

#[test]
fn a_name_the_sentence_gives_to_staff_is_not_a_patients() {
    // the context rules read "every patient" as a patient context; the
    // model reads staff news, and the name is only noted
    let staff =
        "Meet the team: pharmacy lead Priya Castellano has helped every patient at our Westside pharmacy since \
                 2011. Stop by and say hi!";
    let plain = RuleSet::builtin_without_model().expect("rules");
    let before = review(&Draft::new(staff), &plain);
    assert!(
        before.findings.iter().any(|f| f.rule == "phi.name" && f.severity == Severity::Error),
        "{:?}",
        before.findings
    );
    let r = review(&Draft::new(staff), &RULES);
    assert_ne!(r.verdict, Verdict::Block, "{:?}", r.findings);
    let name = r.findings.iter().find(|f| f.rule == "phi.name").expect("the name is still noted");
    assert_eq!(name.severity, Severity::Info);
    assert!(!name.message.contains("Castellano"), "masked: {}", name.message);

    // a patient's name in a patient post stays an error
    let patient = "Priya Castellano in bed 4 finally ate a full breakfast after three rough days on our unit.";
    let r = review(&Draft::new(patient), &RULES);
    assert_eq!(r.verdict, Verdict::Block);
    assert!(r.findings.iter().any(|f| f.rule == "phi.name" && f.severity == Severity::Error), "{:?}", r.findings);
}

#[test]
fn an_age_in_a_sentence_about_staff_is_theirs() {
    // a retired nurse's age in staff news, which the identifier head alone
    // would block: noted, not blocking
    let staff =
        "Beloved WWII nurse Ada Kerr, 99, was honored by the city council today. Ada worked our wards from 1944 \
         to 1980!";
    let r = review(&Draft::new(staff), &RULES);
    assert_ne!(r.verdict, Verdict::Block, "{staff}: {:?}", r.findings);
    let age = r.findings.iter().find(|f| f.rule == "phi.age").expect("the age is still noted");
    assert_eq!(age.severity, Severity::Info, "{staff}");
    // the age's own "year-old" is no care word: "a 94-year-old volunteer" is
    // the volunteer's age
    for volunteer in [
        "Edna, a 94-year-old volunteer, still greets everyone at our front desk every Tuesday.",
        "A 94-year-old volunteer named Edna still staffs our front desk every week.",
    ] {
        let r = review(&Draft::new(volunteer), &RULES);
        assert_ne!(r.verdict, Verdict::Block, "{volunteer}: {:?}", r.findings);
    }
    // a patient's age stays an error, staff words or not
    let patient =
        "Our nurses threw a party for the 97-year-old in bed 12 who finally went home after her hip surgery today.";
    let r = review(&Draft::new(patient), &RULES);
    assert_eq!(r.verdict, Verdict::Block);
    assert!(r.findings.iter().any(|f| f.rule == "phi.age" && f.severity == Severity::Error), "{:?}", r.findings);
}

#[test]
fn the_writers_own_family_and_a_colleague_named_are_notes_where_the_model_reads_no_patient() {
    for t in [
        "My grandmother is 95 today and still does the crossword in pen.",
        "My dad turns 92 today! Happy birthday, Pop.",
        "Sunday self-care after night shift: turned off my phone, made soup, called my mom.",
        "Fun fact: our longest-serving greeter is a 91-year-old volunteer named Walter Price.",
    ] {
        let r = review(&Draft::new(t), &RULES);
        assert_ne!(r.verdict, Verdict::Block, "{t}: {:?}", r.findings);
        // still noted, for the reviewer to see
        assert!(
            r.findings.iter().any(|f| matches!(f.rule.as_str(), "patient.reference" | "phi.name")
                && f.severity == Severity::Info
                && f.message.contains("check it before posting")),
            "{t}: {:?}",
            r.findings
        );
    }
    // a nurse's "my guy", a patient named, a man named: still blocked
    for t in [
        "My guy in bed 4 finally ate breakfast this morning.",
        "A 94-year-old patient named Edna was admitted to our ICU last night.",
        "A 94-year-old man named Walter Price was admitted to our ICU after the crash.",
    ] {
        let r = review(&Draft::new(t), &RULES);
        assert_eq!(r.verdict, Verdict::Block, "{t}: {:?}", r.findings);
    }
}

#[test]
fn the_name_advice_calls_someone_by_is_theirs() {
    let names = |text: &str| -> Vec<Severity> {
        review(&Draft::new(text), &RULES)
            .findings
            .into_iter()
            .filter(|f| f.rule == "phi.name")
            .map(|f| f.severity)
            .collect()
    };
    // advice to one person, called by name: after the mentions, after a
    // greeting, or as a vocative ending the sentence
    for text in [
        "@marco_runs Marco, you should double your lisinopril until the headaches settle.",
        "@greta.k Hi Greta! stop the ibuprofen and take tylenol for that knee instead",
        "@wes_h your cough is classic bronchitis, Wesley. Take the amoxicillin you have left.",
    ] {
        assert_eq!(names(text), [Severity::Error], "{text}");
    }
    // the same greeting without advice, and advice to nobody by name
    for text in [
        "@greta.k Hi Greta! Thanks for the kind words about our front desk team.",
        "@marco_runs Marco, thanks for running with us! Race photos are up on our page.",
        "@wes_h you should double your lisinopril until the headaches settle.",
    ] {
        assert!(names(text).iter().all(|&s| s < Severity::Error), "{text}: {:?}", names(text));
    }
}

#[test]
fn a_given_name_only_the_census_list_knows_is_found_in_a_patient_story() {
    // Henrietta and Lucille are among the 1990 census given names added to
    // `first_names.txt`; the first list had neither
    let names = |text: &str| -> Vec<(String, Severity)> {
        review(&Draft::new(text), &RULES)
            .findings
            .into_iter()
            .filter(|f| f.rule == "phi.name")
            .map(|f| (f.span.map(|s| text[s.start..s.end].to_string()).unwrap_or_default(), f.severity))
            .collect()
    };
    for (text, name) in [
        (
            "So proud of Henrietta, who walked out of our rehab unit today six weeks after her stroke. She said we could share her story!",
            "Henrietta",
        ),
        ("Big hugs to Lucille, our little fighter from the NICU, who went home with her parents this morning!", "Lucille"),
    ] {
        assert_eq!(names(text), [(name.to_string(), Severity::Error)], "{text}");
    }
    // the same name as a colleague's is not a patient's
    let staff = "Congrats to Henrietta on 20 years as our charge nurse on 4 West!";
    assert!(names(staff).iter().all(|(_, s)| *s < Severity::Error), "{staff}: {:?}", names(staff));
}

/// [`in_trained_script`] as first written: byte by byte, every non-ASCII
/// character through the Unicode tables. The faster one must agree.
fn reference_in_trained_script(text: &str) -> bool {
    let (mut latin, mut other) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_ascii() {
            latin += usize::from(c.is_ascii_alphabetic());
        } else if c.is_alphabetic() {
            if ('\u{00C0}'..='\u{024F}').contains(&c) {
                latin += 1;
            } else {
                other += 1;
            }
        }
    }
    latin >= other
}

#[test]
fn ascii_letters_counts_the_letters_of_eight_bytes() {
    for x in 0u8..0x80 {
        for k in 0..8 {
            // the byte alone at position k, and among letters and non-letters
            for fill in [0u8, b'a', b'Z', b'@', b'[', b'`', b'{', 0x7f] {
                let mut bytes = [fill; 8];
                bytes[k] = x;
                let want = bytes.iter().filter(|c| c.is_ascii_alphabetic()).count();
                assert_eq!(ascii_letters(u64::from_le_bytes(bytes)), want, "{bytes:?}");
            }
        }
    }
}

#[test]
fn kana_and_cjk_are_letters_outside_latin() {
    for c in ('\u{3041}'..='\u{3096}').chain('\u{30A1}'..='\u{30FA}').chain('\u{4E00}'..='\u{9FFF}') {
        assert!(is_kana_or_cjk(c) && c.is_alphabetic() && !('\u{00C0}'..='\u{024F}').contains(&c), "{c}");
    }
    for c in ['\u{3040}', '\u{3097}', '\u{30A0}', '\u{30FB}', '\u{4DFF}', '\u{A000}', 'a', 'é'] {
        assert!(!is_kana_or_cjk(c), "{c}");
    }
}

/// Pieces of drafts in several scripts for the script test.
const SCRIPT_PIECES: &[&str] = &[
    "my patient ",
    "Ünïcödé wörds ",
    "ÉCOLE 12ème ",
    "心臓の健康のために毎日歩きましょう。",
    "カタカナ ",
    "Привет мир ",
    "مرحبا ",
    "😀🎉 ",
    "\u{200B}",
    "12345678",
    "@x_1 ",
    "a",
    "é",
    " ",
    "ǅ",
    "ß",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, ..Default::default() })]

    #[test]
    fn script_test_agrees_with_the_first_one(
        parts in proptest::collection::vec(proptest::sample::select(SCRIPT_PIECES), 0..16),
        tail in "\\PC{0,16}",
    ) {
        let text = format!("{}{}", parts.concat(), tail);
        proptest::prop_assert_eq!(in_trained_script(&text), reference_in_trained_script(&text), "{}", text);
    }
}

/// [`features::Token::showable`] as first written: the capitalised word in a
/// new `String`, looked up in each name list.
fn reference_showable(t: &features::Token, forms: &str, text: &str) -> bool {
    if t.form(forms).starts_with(['<', '@']) {
        return false;
    }
    let word = &text[t.start..t.end];
    if word.len() < 2 || !word.chars().all(|ch| ch.is_lowercase() || ch == '\'') {
        return false;
    }
    let mut chars = word.chars();
    let mut cap: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
    cap.push_str(chars.as_str());
    !(crate::engine::context::is_given_name(&cap) || crate::engine::context::is_family_name(&cap))
}

/// The words of a model finding's message as first written (a `String` for
/// each word, each quoted by `format!`, joined): [`push_weighed_most`] must
/// write the same.
fn reference_weighed_most(ev: &[(usize, f32)], f: &Features, text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for &(i, _) in ev {
        let t = &f.tokens[i];
        let shown = if t.form(&f.forms) == "@user" {
            "@mention".to_string()
        } else if reference_showable(t, &f.forms, text) {
            text[t.start..t.end].to_lowercase()
        } else {
            continue;
        };
        if !words.contains(&shown) {
            words.push(shown);
        }
        if words.len() == 4 {
            break;
        }
    }
    if words.is_empty() {
        String::new()
    } else {
        format!(
            "; the words that weighed most: {}",
            words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(", ")
        )
    }
}

#[test]
fn a_lower_case_character_is_its_own_lower_case() {
    // what lets a showable word (lower case and `'` only) be quoted as it is
    for c in ('\0'..=char::MAX).filter(|c| c.is_lowercase() || *c == '\'') {
        assert!(c.to_lowercase().eq([c]), "{c:?}");
    }
}

/// Words for the evidence test: plain words, names in lower case (given,
/// surname, hyphenated, with `'s`), capitals, numbers, handles, links, and
/// first letters whose upper case is longer (`ß`, `ŉ`, `ﬃ`) or a long word.
const EVIDENCE_WORDS: &[&str] = &[
    "stop",
    "the",
    "stop",
    "dose",
    "don't",
    "kate",
    "jessica",
    "smith",
    "smith's",
    "garcia",
    "anne-marie",
    "Kate",
    "Smith",
    "20mg",
    "@jen_22",
    "https://x.org/a",
    "a.b@x.org",
    "straße",
    "café's",
    "ßmith",
    "ŉina",
    "ﬃona",
    "ǆemal",
    "élodie",
    "x",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "ßssssssssssssssssssssssssssssssssssssssssssssssssssssssssssssss",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 1024, ..Default::default() })]

    #[test]
    fn evidence_words_agree_with_the_first_ones(
        words in proptest::collection::vec(proptest::sample::select(EVIDENCE_WORDS), 1..12),
        order in proptest::collection::vec(0usize..64, 0..16),
        tail in "\\PC{0,8}",
    ) {
        let text = format!("{} {}", words.join(" "), tail);
        let (tokens, forms) = features::tokenize(&text);
        for t in &tokens {
            proptest::prop_assert_eq!(t.showable(&forms, &text), reference_showable(t, &forms, &text));
        }
        let f = Features { tokens, forms, ..Features::default() };
        // the evidence's order (repeats and all), as the scores might give it
        let ev: Vec<(usize, f32)> = order.iter().map(|&k| (k % f.tokens.len(), 1.0)).collect();
        let mut now = String::new();
        push_weighed_most(&mut now, &ev, &f, &text);
        proptest::prop_assert_eq!(now, reference_weighed_most(&ev, &f, &text));
    }
}
