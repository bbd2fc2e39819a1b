//! Conformance against Microsoft Presidio's recognizer test vectors
//! (`../shared/conformance/presidio/vectors.jsonl`, extracted from
//! presidio-analyzer's parametrized tests; see PROVENANCE.txt there).
//!
//! The vectors are loaded at test time, never converted by hand. For each
//! entity type the engine covers, a vector agrees when every expected span is
//! overlapped by a `phi` finding, and — where Presidio expects nothing — when
//! the draft has no `phi` finding at all. Agreement must be at least 95% per
//! covered type, not counting the deliberate differences listed below with
//! their reasons.
//!
//! If the file is absent the test says so loudly and passes, except under
//! `CI=true`, where a missing conformance file is a failure.

use safetweet::engine::{review, Category, Draft, RuleSet, Span};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Presidio entity types the engine covers, with the Safe Harbor rule that
/// answers for them.
const COVERED: &[(&str, &str)] = &[
    ("PHONE_NUMBER", "phi.phone / phi.fax"),
    ("EMAIL_ADDRESS", "phi.email"),
    ("CREDIT_CARD", "phi.account (Luhn, issuer prefix)"),
    ("IP_ADDRESS", "phi.ip"),
    ("MAC_ADDRESS", "phi.device"),
    ("US_SSN", "phi.ssn"),
    ("US_NPI", "phi.license (NPI check digit)"),
    ("US_MBI", "phi.health-plan (MBI format)"),
    ("MEDICAL_LICENSE", "phi.license (DEA check digit)"),
];

/// Types left out on purpose.
const NOT_COVERED: &[(&str, &str)] = &[
    ("DATE_TIME", "any date; only dates tied to a person are PHI (context rules), 'Today is 5/20/2021' is not"),
    ("URL", "URLs in posts are journals and the organisation's pages; links are checked by the links rules"),
    ("IBAN_CODE", "not a US healthcare identifier; a bare IBAN-shaped string is not a Safe Harbor item we scan for"),
    ("CRYPTO", "wallet addresses are not a healthcare identifier"),
    ("US_ITIN", "tax ids: only reported after an 'SSN' context word, not by shape"),
    ("US_PASSPORT", "a bare 9-character alphanumeric has no validator; too ambiguous without context"),
    ("US_DRIVER_LICENSE", "bare digit runs of 9-14 digits are not PHI without a 'license' context word"),
    ("US_BANK_NUMBER", "bare 8-17 digit numbers are reported only after 'account'"),
    ("ABA_ROUTING_NUMBER", "a bank's routing number identifies the bank, not a person"),
    ("UK_NHS", "US scope; a bare 10-digit number is not PHI without context"),
    ("AU_MEDICARE", "US scope"),
];

/// Vectors where the engine deliberately disagrees: (entity, text, reason).
const DELIBERATE: &[(&str, &str, &str)] = &[
    (
        "IP_ADDRESS",
        "Use local ipv6 ::",
        "the unspecified address `::` alone is not an identifier, and `::` is a common text separator",
    ),
    ("IP_ADDRESS", "src=:: dst=::1", "`::` alone is not reported (see above); `::1` is"),
    ("IP_ADDRESS", "Unspecified ::", "`::` alone is not reported"),
    ("IP_ADDRESS", "::/0", "`::` with a prefix length is a route, not a host"),
    ("IP_ADDRESS", "::/128", "`::` with a prefix length is a route, not a host"),
    (
        "IP_ADDRESS",
        "MAC address aa:bb:cc:dd:ee:ff",
        "not an IP, but a MAC address is a device identifier: phi.device reports it (and agrees with MAC_ADDRESS)",
    ),
    (
        "US_SSN",
        "078-051121 07805-1121",
        "irregular groupings without an 'SSN' context word are not reported; 3-2-4 groups are",
    ),
    ("US_SSN", "078051121", "a bare nine-digit number is reported only after an 'SSN' context word"),
];

#[derive(Debug)]
struct Vector {
    entity: String,
    text: String,
    expected_count: usize,
    spans: Vec<Span>,
    spans_complete: bool,
}

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/presidio/vectors.jsonl")
}

fn load() -> Option<Vec<Vector>> {
    let path = vectors_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!("presidio vectors not found at {}: {e}", path.display());
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{msg} (required under CI=true)");
            }
            eprintln!("\n!!! SKIPPING presidio conformance: {msg}\n");
            return None;
        }
    };
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("vectors.jsonl:{}: {e}", i + 1));
        let spans = v["spans_utf8"]
            .as_array()
            .unwrap_or_else(|| panic!("vectors.jsonl:{}: no spans_utf8", i + 1))
            .iter()
            .map(|s| {
                let a = s[0].as_u64().expect("span start") as usize;
                let b = s[1].as_u64().expect("span end") as usize;
                Span::new(a, b)
            })
            .collect();
        out.push(Vector {
            entity: v["entity"].as_str().expect("entity").to_string(),
            text: v["text"].as_str().expect("text").to_string(),
            expected_count: v["expected_count"].as_u64().expect("expected_count") as usize,
            spans,
            spans_complete: v["spans_complete"].as_bool().unwrap_or(true),
        });
    }
    Some(out)
}

/// Whether the engine's `phi` findings agree with one vector.
fn agrees(rules: &RuleSet, v: &Vector) -> (bool, Vec<Span>) {
    let r = review(&Draft::new(v.text.as_str()), rules);
    let phi: Vec<Span> = r.findings.iter().filter(|f| f.category == Category::Phi).filter_map(|f| f.span).collect();
    let ok = if v.expected_count == 0 {
        phi.is_empty()
    } else if v.spans_complete && !v.spans.is_empty() {
        v.spans.iter().all(|e| phi.iter().any(|p| p.overlaps(e)))
    } else {
        !phi.is_empty()
    };
    (ok, phi)
}

#[test]
fn presidio_vectors_agree_on_covered_types() {
    let Some(vectors) = load() else { return };
    let rules = RuleSet::builtin().expect("built-in rules");
    assert!(vectors.len() > 100, "suspiciously few vectors: {}", vectors.len());

    // (agree, total) per covered type, deliberate differences aside
    let mut tally: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut deliberate_seen = 0;
    let mut disagreements = Vec::new();
    for v in &vectors {
        let Some(&(entity, _)) = COVERED.iter().find(|(e, _)| *e == v.entity) else {
            assert!(
                NOT_COVERED.iter().any(|(e, _)| *e == v.entity),
                "entity {} is neither covered nor listed as not covered",
                v.entity
            );
            continue;
        };
        if let Some((_, _, reason)) = DELIBERATE.iter().find(|(e, t, _)| *e == v.entity && *t == v.text) {
            deliberate_seen += 1;
            let (ok, _) = agrees(&rules, v);
            eprintln!(
                "deliberate [{}] {:?}: {} ({})",
                v.entity,
                v.text,
                reason,
                if ok { "now agrees" } else { "differs" }
            );
            continue;
        }
        let (ok, got) = agrees(&rules, v);
        let t = tally.entry(entity).or_default();
        t.1 += 1;
        if ok {
            t.0 += 1;
        } else {
            disagreements.push(format!(
                "[{}] {:?}: expected {} at {:?}, phi findings at {:?}",
                v.entity, v.text, v.expected_count, v.spans, got
            ));
        }
    }
    for d in &disagreements {
        eprintln!("disagree {d}");
    }
    let mut short = Vec::new();
    for (entity, (ok, total)) in &tally {
        let rate = *ok as f64 / *total as f64;
        eprintln!("{entity:<16} {ok:>3}/{total:<3} {:.1}%", rate * 100.0);
        if rate < 0.95 {
            short.push(format!("{entity} {ok}/{total}"));
        }
    }
    assert_eq!(deliberate_seen, DELIBERATE.len(), "a deliberate difference no longer matches any vector");
    for (entity, _) in COVERED {
        assert!(tally.contains_key(entity), "no vectors for covered type {entity}");
    }
    assert!(short.is_empty(), "agreement below 95% for: {}", short.join(", "));
}
