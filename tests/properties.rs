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
    "pati3nt ",
    "J0sie R4mirez",
    "p.a.t.i.e.n.t",
    "G.r.e.g. ",
    "D.M me",
    "e.g. ",
    "six one seven five five five zero one two three",
    "seis-uno-siete-cinco ",
    "Oh, one ",
    "cr@cks",
    "A1c ",
    "\u{2800}",
    "\u{2066}",
    "\u{E0041}",
    "\u{FE0F}",
    "\u{3164}",
];

/// Invisible characters the normalizer removes (format and default-ignorable
/// code points, and the braille blank).
const INVISIBLE: &[char] = &[
    '\u{00AD}',
    '\u{034F}',
    '\u{0600}',
    '\u{061C}',
    '\u{06DD}',
    '\u{070F}',
    '\u{0890}',
    '\u{08E2}',
    '\u{115F}',
    '\u{1160}',
    '\u{17B4}',
    '\u{17B5}',
    '\u{180B}',
    '\u{180C}',
    '\u{180D}',
    '\u{180E}',
    '\u{180F}',
    '\u{200B}',
    '\u{200C}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2060}',
    '\u{2061}',
    '\u{2062}',
    '\u{2063}',
    '\u{2064}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{206A}',
    '\u{206F}',
    '\u{2800}',
    '\u{3164}',
    '\u{FE00}',
    '\u{FE0E}',
    '\u{FE0F}',
    '\u{FEFF}',
    '\u{FFA0}',
    '\u{FFF9}',
    '\u{FFFA}',
    '\u{FFFB}',
    '\u{110BD}',
    '\u{110CD}',
    '\u{13430}',
    '\u{1343F}',
    '\u{1BCA0}',
    '\u{1BCA3}',
    '\u{1D173}',
    '\u{1D17A}',
    '\u{E0000}',
    '\u{E0001}',
    '\u{E0020}',
    '\u{E0041}',
    '\u{E007F}',
    '\u{E0100}',
    '\u{E01EF}',
    '\u{E0FFF}',
];

/// A phone number in one of the usual layouts, with the text around it.
fn phone() -> impl Strategy<Value = (String, String, String)> {
    (
        prop::sample::select(&["", "call ", "Call me at ", "text her: ", "ph "][..]),
        prop::collection::vec(0u8..10, 10),
        0usize..5,
        prop::sample::select(&["", " today", ". Thanks!", ", or email"][..]),
    )
        .prop_map(|(pre, d, layout, post)| {
            let d: String = d.iter().map(|x| char::from(b'0' + x)).collect();
            let (a, b, c) = (&d[..3], &d[3..6], &d[6..]);
            let number = match layout {
                0 => d.clone(),
                1 => format!("{a}-{b}-{c}"),
                2 => format!("({a}) {b}-{c}"),
                3 => format!("{a}.{b}.{c}"),
                _ => format!("+1 {a} {b} {c}"),
            };
            (pre.to_string(), number, post.to_string())
        })
}

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

    #[test]
    fn normalized_span_of_any_range_is_inside_the_original_on_char_boundaries(
        text in draft_text(),
        ranges in prop::collection::vec((0usize..400, 0usize..400), 1..16),
    ) {
        let n = Normalized::new(&text);
        for (start, end) in ranges {
            let s = n.span(start, end);
            prop_assert!(s.start <= s.end && s.end <= text.len(), "{start}..{end} -> {s:?} in {text:?}");
            prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{start}..{end} -> {s:?}");
        }
        // nothing invisible survives the fold
        prop_assert!(!n.text().chars().any(|c| INVISIBLE.contains(&c)), "{:?}", n.text());
    }

    #[test]
    fn invisible_characters_inside_a_phone_number_fold_away(
        (pre, number, post) in phone(),
        inserts in prop::collection::vec((0usize..20, prop::sample::select(INVISIBLE), 1usize..3), 1..6),
    ) {
        // insert runs of invisible characters between characters of the number
        let chars: Vec<char> = number.chars().collect();
        let mut evasive = String::new();
        for (i, &c) in chars.iter().enumerate() {
            evasive.push(c);
            if i + 1 < chars.len() {
                for &(at, inv, times) in &inserts {
                    if at % (chars.len() - 1) == i {
                        evasive.extend(std::iter::repeat_n(inv, times));
                    }
                }
            }
        }
        let plain = format!("{pre}{number}{post}");
        let with = format!("{pre}{evasive}{post}");
        let (np, nw) = (Normalized::new(&plain), Normalized::new(&with));
        prop_assert_eq!(nw.text(), np.text());
        // the number, found in the view, maps back to exactly the evasive original
        let i = nw.text().find(number.as_str());
        prop_assert!(i.is_some(), "{:?} in {:?}", number, nw.text());
        let i = i.unwrap_or_default();
        let s = nw.span(i, i + number.len());
        prop_assert_eq!(&with[s.start..s.end], evasive.as_str());
    }
}
