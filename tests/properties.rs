//! Property tests of the review engine on arbitrary input: it never panics,
//! every span lies on char boundaries inside the original text, no finding
//! message echoes a long digit run from the draft, and a review is
//! deterministic.

use proptest::prelude::*;
use safetweet::engine::{review, Draft, Normalized, RuleSet};
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules load"));

/// Fragments that exercise the detectors and the normalizer: identifiers,
/// evasions, emoji, CJK, URLs, hashtags, mentions.
const FRAGMENTS: &[&str] = &[
    "my patient ",
    "Mr. ",
    "Jessica Moreno",
    "DOB ",
    "04/12/1961",
    "555-201-8834",
    "(617) 555-0143",
    "MRN ",
    "0 0 7 7 3 4 1 2",
    "123-45-6789",
    "r.hughes@gmail.com",
    "192.168.10.4",
    "14 Birch Lane",
    "92-year-old",
    "p\u{200B}atient",
    "m\u{0435}",
    "555\u{2011}867\u{2011}5309",
    "\u{1F600}",
    "\u{1F469}\u{200D}\u{2695}\u{FE0F}",
    "心臓",
    "https://bit.ly/x",
    "www.heart.org/path",
    "#hcsm ",
    "@jdavis22 ",
    "stop taking ",
    "cures ",
    "\u{0301}",
    "\u{FEFF}",
    "\u{00A0}",
    "é",
    "NCT01234567",
    "10.1161/CIR.123",
    " ",
    "\n",
    ".",
    ",",
    "20mg",
    "J.M., 47M",
];

fn draft_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "\\PC{0,300}",
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|v| v.concat()),
        (prop::collection::vec(prop::sample::select(FRAGMENTS), 0..20), any::<String>()).prop_map(|(v, s)| format!(
            "{}{}{}",
            v.concat(),
            s,
            v.concat()
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn review_never_panics_and_spans_are_valid(text in draft_text()) {
        let draft = Draft::new(text.clone());
        let r = review(&draft, &RULES);
        for f in &r.findings {
            if let Some(s) = f.span {
                prop_assert!(s.start <= s.end && s.end <= text.len(), "{f:?} out of bounds");
                prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{f:?} splits a char");
            }
            // A finding's message never echoes a long digit run from the draft.
            let digits: String = f.message.chars().filter(|c| c.is_ascii_digit()).collect();
            if f.category == safetweet::engine::Category::Phi && digits.len() >= 7 {
                let draft_digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
                prop_assert!(!draft_digits.contains(&digits), "message echoes digits: {}", f.message);
            }
        }
    }

    #[test]
    fn review_is_deterministic(text in draft_text()) {
        let draft = Draft::new(text).with_attachment("scan.dcm", "application/dicom");
        prop_assert_eq!(review(&draft, &RULES), review(&draft, &RULES));
    }

    #[test]
    fn normalized_spans_map_to_char_boundaries(text in draft_text()) {
        let n = Normalized::new(&text);
        let len = n.text().len();
        for (i, _) in n.text().char_indices() {
            let end = n.text()[i..].chars().next().map(|c| i + c.len_utf8()).unwrap_or(len);
            let s = n.span(i, end);
            prop_assert!(s.start <= s.end && s.end <= text.len());
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        }
        let whole = n.span(0, len);
        prop_assert!(whole.end <= text.len());
    }
}
