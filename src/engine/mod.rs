//! The review engine: pure functions from a [`Draft`] and a [`RuleSet`] to a
//! [`Review`].
//!
//! Nothing in here may touch Discord, tokio, the filesystem at review time, or
//! a database. Config loading (the one place that reads files) lives in
//! [`config`] and happens once, before any review.
//!
//! - [`normalize`]: the folded view of a draft (NFKC, zero-width removed,
//!   confusables folded, spaced digits joined) with a map back to the
//!   original bytes, so evasions match while spans point into the original.
//! - [`config`]: `config/rules.toml` (lexicon rules, hashtag catalog,
//!   allowlist, account profile, severity overrides), compiled into a
//!   [`RuleSet`]. The defaults are compiled into the binary.
//! - [`check`]: the [`check::Check`] interface every rule family implements
//!   (docs, config tables, compile, run) and [`check::FAMILIES`], the one
//!   list of them.
//! - [`ruleset`]: [`RuleSet`], a configuration compiled by the families.
//! - [`registry`]: the code rules (ids, categories, default severities and
//!   their What / Why / Example docs), gathered from the families.
//! - [`data`]: data files of the configuration (word and pattern lists,
//!   one entry a line), built in and overridable one by one.
//! - [`mask`]: masking of identifiers before they appear in any message.
//! - [`attachments`]: findings from what the attachment adapter read inside
//!   an attachment (DICOM header, text in the image, metadata), handed over
//!   as [`Extracted`]; the engine itself never reads bytes.
//! - detector modules: one per family of checks.

pub mod attachments;
pub mod check;
pub mod config;
pub mod context;
pub mod data;
pub mod length;
pub mod lexicon;
pub mod mask;
pub mod model;
pub mod normalize;
pub mod phi;
pub mod posting;
pub mod registry;
pub mod ruleset;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use attachments::Extracted;
pub use config::{ConfigError, RuleSet};
pub use normalize::Normalized;

/// One attachment: its name and declared type, and what the attachment
/// adapter read from its bytes. The engine never sees the bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Attachment {
    pub filename: String,
    #[serde(default)]
    pub content_type: String,
    /// `None`: only the name and declared type are known (the bytes were not
    /// read). Never serialized: JSON drafts carry metadata only.
    #[serde(skip)]
    pub extracted: Option<Extracted>,
}

/// A draft post under review.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    pub text: String,
    pub attachments: Vec<Attachment>,
}

impl Draft {
    pub fn new(text: impl Into<String>) -> Self {
        Draft { text: text.into(), attachments: Vec::new() }
    }
    pub fn with_attachment(mut self, filename: &str, content_type: &str) -> Self {
        self.attachments.push(Attachment {
            filename: filename.into(),
            content_type: content_type.into(),
            extracted: None,
        });
        self
    }
}

/// How much a finding matters. `Error` blocks approval, `Warning` needs a
/// human look, `Info` is a suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The finding categories. Their spelling is a contract read by other tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Phi,
    PatientReference,
    ClinicalAdvice,
    Length,
    HealthClaim,
    Links,
    Hashtags,
    Content,
    Disclaimer,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Phi,
        Category::PatientReference,
        Category::ClinicalAdvice,
        Category::Length,
        Category::HealthClaim,
        Category::Links,
        Category::Hashtags,
        Category::Content,
        Category::Disclaimer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Phi => "phi",
            Category::PatientReference => "patient-reference",
            Category::ClinicalAdvice => "clinical-advice",
            Category::Length => "length",
            Category::HealthClaim => "health-claim",
            Category::Links => "links",
            Category::Hashtags => "hashtags",
            Category::Content => "content",
            Category::Disclaimer => "disclaimer",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The 18 HIPAA Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Identifier {
    Name,
    Geographic,
    Date,
    Phone,
    Fax,
    Email,
    Ssn,
    MedicalRecordNumber,
    HealthPlanNumber,
    AccountNumber,
    CertificateLicenseNumber,
    VehicleIdentifier,
    DeviceIdentifier,
    Url,
    IpAddress,
    Biometric,
    FullFaceImage,
    OtherUniqueIdentifier,
}

impl Identifier {
    /// The Safe Harbor wording, as compliance staff know it.
    pub fn label(self) -> &'static str {
        match self {
            Identifier::Name => "names",
            Identifier::Geographic => "geographic subdivisions smaller than a state",
            Identifier::Date => "dates related to an individual (and ages over 89)",
            Identifier::Phone => "telephone numbers",
            Identifier::Fax => "fax numbers",
            Identifier::Email => "email addresses",
            Identifier::Ssn => "social security numbers",
            Identifier::MedicalRecordNumber => "medical record numbers",
            Identifier::HealthPlanNumber => "health plan beneficiary numbers",
            Identifier::AccountNumber => "account numbers",
            Identifier::CertificateLicenseNumber => "certificate/license numbers",
            Identifier::VehicleIdentifier => "vehicle identifiers and serial numbers",
            Identifier::DeviceIdentifier => "device identifiers and serial numbers",
            Identifier::Url => "web URLs",
            Identifier::IpAddress => "IP addresses",
            Identifier::Biometric => "biometric identifiers",
            Identifier::FullFaceImage => "full-face photographs and comparable images",
            Identifier::OtherUniqueIdentifier => "any other unique identifying number or code",
        }
    }
}

/// A byte range into the draft's original text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    /// Whether `other` lies within this span.
    pub fn contains(&self, other: &Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// One thing the engine found in a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Rule id, e.g. `phi.phone`.
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    /// Byte span into the original text; `None` for whole-draft and
    /// attachment findings.
    pub span: Option<Span>,
    /// User-facing message. Never contains an identifier unmasked.
    pub message: String,
    pub suggestion: Option<String>,
    /// For `phi` findings: which Safe Harbor identifier this is.
    pub identifier: Option<Identifier>,
}

/// The outcome of a review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Revise,
    Block,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Revise => "revise",
            Verdict::Block => "block",
        }
    }
    pub fn parse(s: &str) -> Option<Verdict> {
        match s {
            "ok" => Some(Verdict::Ok),
            "revise" => Some(Verdict::Revise),
            "block" => Some(Verdict::Block),
            _ => None,
        }
    }
    /// `block` with any error, `revise` with any warning, else `ok`.
    pub fn from_findings(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Verdict::Block,
            Some(Severity::Warning) => Verdict::Revise,
            _ => Verdict::Ok,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the engine says about one draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub verdict: Verdict,
    pub weighted_length: usize,
    /// Sorted by span start (whole-draft findings last), then rule id.
    pub findings: Vec<Finding>,
}

/// Everything a detector may look at for one draft, computed once.
pub struct Input<'a> {
    pub draft: &'a Draft,
    /// The original text.
    pub text: &'a str,
    /// The folded view used for matching; its spans map back via `norm.span()`.
    pub norm: Normalized<'a>,
    /// Scans of the folded view that several detectors read (the context
    /// rules and the model's featurizer), made on first use and shared.
    pub(crate) scans: Scans,
}

impl<'a> Input<'a> {
    pub fn new(draft: &'a Draft) -> Input<'a> {
        Input { draft, text: &draft.text, norm: Normalized::new(&draft.text), scans: Scans::default() }
    }
}

/// Per-draft scans of the folded view shared between detectors: each is
/// computed at most once per draft, on first use. They belong to one
/// [`Input`] (never shared across drafts or threads).
#[derive(Default)]
pub(crate) struct Scans {
    /// The cue phrases of `[context.cues]`, with the address of the
    /// vocabulary they were found with (a different one scans anew).
    pub(crate) cues: std::cell::OnceCell<(usize, Vec<context::Cue>)>,
    /// Every date of the folded view (`context::dates::dates_in`).
    pub(crate) dates: std::cell::OnceCell<Vec<context::DateSpan>>,
}

/// Where detectors put what they find. Severity and enablement come from the
/// rule set, so a detector only names its rule id.
pub struct Sink<'r> {
    rules: &'r RuleSet,
    findings: Vec<Finding>,
}

impl<'r> Sink<'r> {
    pub fn new(rules: &'r RuleSet) -> Self {
        Sink { rules, findings: Vec::new() }
    }

    /// Whether a rule is on; detectors may skip work for rules that are off.
    pub fn enabled(&self, rule: &str) -> bool {
        self.rules.severity_of(rule).is_some()
    }

    /// Records a finding for a rule, at the rule's configured severity. A rule
    /// that is off records nothing. A rule id that no family registered is a
    /// bug in the detector (a typo, or docs missing from its family's list):
    /// debug builds (and so every test) panic on it; release builds record
    /// nothing rather than stop a review.
    pub fn push(
        &mut self,
        rule: &str,
        span: Option<Span>,
        message: String,
        suggestion: Option<String>,
        identifier: Option<Identifier>,
    ) {
        // one lookup for both (`category_of`, then `severity_of`)
        let Some((category, severity)) = self.rules.category_and_severity(rule) else {
            #[cfg(debug_assertions)]
            panic!("Sink::push: rule id {rule:?} is not registered by any rule family or lexicon entry");
            #[cfg(not(debug_assertions))]
            return;
        };
        let Some(severity) = severity else { return };
        self.findings.push(Finding {
            rule: rule.to_string(),
            category,
            severity,
            span,
            message,
            suggestion,
            identifier,
        });
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    pub fn has_category(&self, c: Category) -> bool {
        self.findings.iter().any(|f| f.category == c)
    }

    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }
}

/// Reviews one draft against a rule set. Pure and deterministic.
pub fn review(draft: &Draft, rules: &RuleSet) -> Review {
    let input = Input::new(draft);
    let (mut findings, weighted_length) = detect_structured(&input, rules);
    if let Some(m) = &rules.model {
        model::apply(m, &input, rules, &mut findings);
    }
    // After the model, which reads the draft's own text only.
    if draft.attachments.iter().any(|a| a.extracted.is_some()) {
        findings.extend(attachments::detect(draft, rules));
    }
    dedup_overlapping(&mut findings);
    findings.sort_by(|a, b| {
        let ka = a.span.map(|s| (0, s.start, s.end)).unwrap_or((1, 0, 0));
        let kb = b.span.map(|s| (0, s.start, s.end)).unwrap_or((1, 0, 0));
        ka.cmp(&kb).then_with(|| a.rule.cmp(&b.rule))
    });
    let verdict = Verdict::from_findings(&findings);
    Review { verdict, weighted_length, findings }
}

/// The model's features of a draft, as [`review`] computes them before the
/// model runs (the structured detectors' findings included): what
/// `safetweet train` learns from. The rule set's own model is not used.
pub fn model_features(draft: &Draft, rules: &RuleSet) -> model::features::Features {
    let input = Input::new(draft);
    let (findings, _) = detect_structured(&input, rules);
    model::features::featurize(&input, &findings, &rules.context)
}

/// The structured detectors (identifier shapes, context rules, lexicon,
/// posting rules: every family of [`check::FAMILIES`] in list order) over one draft: their findings and the weighted length.
/// What [`review`] starts from and what the model reads as features.
fn detect_structured(input: &Input<'_>, rules: &RuleSet) -> (Vec<Finding>, usize) {
    let mut sink = Sink::new(rules);
    let parsed = length::parse(input.text);
    for family in check::FAMILIES {
        family.run(input, rules, &parsed, &mut sink);
    }
    (sink.into_findings(), parsed.weighted_length)
}

/// Drops findings that say nothing new, without ever shrinking the text they
/// cover (audit records and replies mask identifiers by these spans):
/// - the same rule twice over overlapping text becomes one finding, the
///   longer match's, spanning both;
/// - two rules of one category where one span lies inside the other (a
///   lexicon phrase and a code rule on the same "my patient …") keep the
///   enclosing one, or the more severe one when the spans are equal.
///
/// Findings are taken in order and each is merged into the first kept one it
/// concerns. Only kept findings of its category whose spans meet its span
/// can concern it, so those are looked up by start in an ordered index (per
/// category, reaching back by the longest kept span) instead of comparing
/// every finding with every kept one: a long draft with thousands of names
/// stays n log n. A rule always has one category, so same-rule merges are
/// found in the rule's category.
fn dedup_overlapping(findings: &mut Vec<Finding>) {
    /// Kept findings with a span, of one category: (start, kept index), and
    /// the longest span among them (spans only ever grow).
    #[derive(Default)]
    struct ByStart {
        starts: std::collections::BTreeSet<(usize, usize)>,
        longest: usize,
    }
    let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut index: Vec<ByStart> = Category::ALL.iter().map(|_| ByStart::default()).collect();
    let mut whole: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    for f in findings.drain(..) {
        let Some(b) = f.span else {
            // whole-draft findings: the same rule with the same message once
            if whole.insert((f.rule.clone(), f.message.clone())) {
                kept.push(f);
            }
            continue;
        };
        let by = &mut index[f.category as usize];
        // every kept span that meets b starts in this range
        let from = (b.start.saturating_sub(by.longest), 0);
        let first = by
            .starts
            .range(from..=(b.end, usize::MAX))
            .filter_map(|&(_, i)| merge_of(&kept[i], &f).map(|m| (i, m)))
            .min_by_key(|&(i, _)| i);
        let Some((i, merge)) = first else {
            by.starts.insert((b.start, kept.len()));
            by.longest = by.longest.max(b.end - b.start);
            kept.push(f);
            continue;
        };
        let before = kept[i].span.map_or(0, |s| s.start);
        let k = &mut kept[i];
        match merge {
            Merge::Union(union) => {
                if b.end - b.start > k.span.map_or(0, |s| s.end - s.start) {
                    *k = f;
                }
                k.span = Some(union);
            }
            Merge::MoreSevere => {
                if f.severity > k.severity {
                    *k = f;
                }
            }
            Merge::Drop => {}
            Merge::Enclosing => *k = f,
        }
        if let Some(now) = kept[i].span {
            if now.start != before {
                by.starts.remove(&(before, i));
                by.starts.insert((now.start, i));
            }
            by.longest = by.longest.max(now.end - now.start);
        }
    }
    *findings = kept;
}

/// How a new finding with a span merges into a kept one, if at all.
enum Merge {
    /// The same rule over overlapping text: one finding over both spans.
    Union(Span),
    /// The same category over the same span: the more severe one stays.
    MoreSevere,
    /// The same category, inside the kept span: the new one goes.
    Drop,
    /// The same category, around the kept span: the new one replaces it.
    Enclosing,
}

fn merge_of(k: &Finding, f: &Finding) -> Option<Merge> {
    let (a, b) = (k.span?, f.span?);
    if k.rule == f.rule && a.overlaps(&b) {
        return Some(Merge::Union(Span::new(a.start.min(b.start), a.end.max(b.end))));
    }
    if k.category != f.category {
        return None;
    }
    match (a.contains(&b), b.contains(&a)) {
        (true, true) => Some(Merge::MoreSevere),
        (true, false) => Some(Merge::Drop),
        (false, true) => Some(Merge::Enclosing),
        (false, false) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rule: &str, category: Category, severity: Severity, span: Option<(usize, usize)>) -> Finding {
        Finding {
            rule: rule.into(),
            category,
            severity,
            span: span.map(|(s, e)| Span::new(s, e)),
            message: format!("{rule} message"),
            suggestion: None,
            identifier: None,
        }
    }

    #[test]
    fn same_rule_overlap_keeps_longer_and_covers_both() {
        let mut v = vec![
            f("phi.name", Category::Phi, Severity::Error, Some((10, 14))),
            f("phi.name", Category::Phi, Severity::Error, Some((12, 20))),
        ];
        dedup_overlapping(&mut v);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].span, Some(Span::new(10, 20)));
    }

    #[test]
    fn same_category_inner_span_is_dropped_enclosing_kept() {
        let mut v = vec![
            f("patient.story", Category::PatientReference, Severity::Error, Some((3, 13))),
            f("patient.reference", Category::PatientReference, Severity::Error, Some((0, 30))),
        ];
        dedup_overlapping(&mut v);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, "patient.reference");
        assert_eq!(v[0].span, Some(Span::new(0, 30)));
    }

    #[test]
    fn equal_spans_keep_the_more_severe() {
        let mut v = vec![
            f("a", Category::HealthClaim, Severity::Info, Some((0, 5))),
            f("b", Category::HealthClaim, Severity::Warning, Some((0, 5))),
        ];
        dedup_overlapping(&mut v);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, "b");
    }

    #[test]
    fn different_categories_and_partial_overlaps_are_kept() {
        let mut v = vec![
            f("phi.name", Category::Phi, Severity::Error, Some((0, 10))),
            f("patient.story", Category::PatientReference, Severity::Error, Some((0, 10))),
            f("phi.date", Category::Phi, Severity::Error, Some((8, 20))),
            f("disclaimer.profile", Category::Disclaimer, Severity::Info, None),
            f("disclaimer.profile", Category::Disclaimer, Severity::Info, None),
        ];
        dedup_overlapping(&mut v);
        let rules: Vec<&str> = v.iter().map(|x| x.rule.as_str()).collect();
        assert_eq!(rules, ["phi.name", "patient.story", "phi.date", "disclaimer.profile"]);
    }

    /// The rule as first written: each finding compared with every kept one.
    fn dedup_pairwise(findings: &mut Vec<Finding>) {
        let mut kept: Vec<Finding> = Vec::with_capacity(findings.len());
        'next: for f in findings.drain(..) {
            for k in kept.iter_mut() {
                match (k.span, f.span) {
                    (Some(a), Some(b)) if k.rule == f.rule && a.overlaps(&b) => {
                        let union = Span::new(a.start.min(b.start), a.end.max(b.end));
                        if b.end - b.start > a.end - a.start {
                            *k = f;
                        }
                        k.span = Some(union);
                        continue 'next;
                    }
                    (Some(a), Some(b)) if k.category == f.category && a.contains(&b) && b.contains(&a) => {
                        if f.severity > k.severity {
                            *k = f;
                        }
                        continue 'next;
                    }
                    (Some(a), Some(b)) if k.category == f.category && a.contains(&b) => continue 'next,
                    (Some(a), Some(b)) if k.category == f.category && b.contains(&a) => {
                        *k = f;
                        continue 'next;
                    }
                    (None, None) if k.rule == f.rule && k.message == f.message => continue 'next,
                    _ => {}
                }
            }
            kept.push(f);
        }
        *findings = kept;
    }

    #[test]
    fn dedup_keeps_what_the_pairwise_rule_keeps() {
        let rules = [
            ("phi.name", Category::Phi),
            ("phi.date", Category::Phi),
            ("patient.story", Category::PatientReference),
            ("patient.reference", Category::PatientReference),
            ("claim.cure", Category::HealthClaim),
        ];
        let sev = [Severity::Info, Severity::Warning, Severity::Error];
        let mut seed = 0x0dd_5eed_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for n in [2usize, 10, 60, 400, 4_000] {
            for round in 0..5 {
                let v: Vec<Finding> = (0..n)
                    .map(|_| {
                        let (rule, category) = rules[next(rules.len())];
                        let start = next(n * 3);
                        let span = (next(12) > 0).then(|| (start, start + 1 + next(if round == 0 { 40 } else { 8 })));
                        let mut x = f(rule, category, sev[next(3)], span);
                        x.message = format!("m{}", next(3));
                        x
                    })
                    .collect();
                let (mut fast, mut slow) = (v.clone(), v);
                dedup_overlapping(&mut fast);
                dedup_pairwise(&mut slow);
                assert_eq!(fast, slow, "{n} findings, round {round}");
            }
        }
    }

    #[test]
    fn dedup_of_many_disjoint_names_keeps_each_once() {
        // "Mr. Smith " a hundred thousand times: every name its own finding,
        // each reported twice (two detectors), none lost, none doubled
        let mut v: Vec<Finding> = (0..2)
            .flat_map(|_| {
                (0..100_000).map(|i| f("phi.name", Category::Phi, Severity::Error, Some((i * 10, i * 10 + 9))))
            })
            .collect();
        dedup_overlapping(&mut v);
        assert_eq!(v.len(), 100_000);
        assert!(v.iter().enumerate().all(|(i, x)| x.span == Some(Span::new(i * 10, i * 10 + 9))));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "rule id \"phi.no-such-rule\" is not registered")]
    fn push_of_an_unregistered_rule_id_panics_in_debug_builds() {
        let rules = RuleSet::builtin_without_model().unwrap();
        let mut sink = Sink::new(&rules);
        sink.push("phi.no-such-rule", None, "m".into(), None, None);
    }

    #[test]
    fn push_of_a_rule_turned_off_records_nothing() {
        let rules = RuleSet::from_toml("[rules]\n\"phi.phone\" = \"off\"\n", "r.toml").unwrap();
        let mut sink = Sink::new(&rules);
        sink.push("phi.phone", None, "m".into(), None, None);
        sink.push("phi.email", None, "m".into(), None, None);
        let rules: Vec<&str> = sink.findings().iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["phi.email"]);
    }

    #[test]
    fn verdict_follows_the_most_severe_finding() {
        let w = f("a", Category::Links, Severity::Warning, None);
        let e = f("b", Category::Phi, Severity::Error, None);
        let i = f("c", Category::Hashtags, Severity::Info, None);
        assert_eq!(Verdict::from_findings(&[]), Verdict::Ok);
        assert_eq!(Verdict::from_findings(std::slice::from_ref(&i)), Verdict::Ok);
        assert_eq!(Verdict::from_findings(&[i.clone(), w.clone()]), Verdict::Revise);
        assert_eq!(Verdict::from_findings(&[w, e, i]), Verdict::Block);
    }
}
