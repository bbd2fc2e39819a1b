//! The learned part of the review: a small linear classifier over hashed
//! word unigrams and bigrams (fastText-style features, logistic regression
//! per label) for the judgements that need language:
//!
//! - `patient`: is this post about one specific, real patient or case?
//! - `advice`: is it clinical advice to one person?
//! - `phi`: do the identifiers in it belong to a patient (or a relative),
//!   rather than to the organisation, staff, an event or a public figure?
//!
//! The structured detectors (identifier shapes, checksums, lexicon, length)
//! run first; their rule ids are features too, so the model judges an
//! identifier by the sentence around it. [`apply`] then adds the model's
//! findings and decides whose the weak identifiers are.
//!
//! Weights come from `safetweet train` (see [`train`]) over the committed
//! corpus in `data/train/`; the file carries the featurizer version and the
//! hash of the data it was trained on, and is checked whole at load. The
//! default model is compiled into the binary; nothing here reads files.

pub mod features;
pub mod train;

use super::context::candidates::Candidate;
use super::registry::RuleDoc;
use super::{Category, Finding, Identifier, Input, RuleSet, Severity, Span};
use features::{Features, FEATURIZER_VERSION};
use sha2::{Digest, Sha256};
use std::cell::Cell;
use std::fmt;
use std::fmt::Write as _;

/// The labels, in the order the weights file stores them.
pub const LABELS: [&str; N] = ["patient", "advice", "phi", "claim"];
/// How many labels the model has (at most 4: the prediction table keeps
/// four 16-bit weights per bucket, one 8-byte read per feature).
pub const N: usize = 4;
pub const PATIENT: usize = 0;
pub const ADVICE: usize = 1;
pub const PHI: usize = 2;
pub const CLAIM: usize = 3;

const MAGIC: &[u8; 8] = b"STWMODEL";

/// The least push (log-odds) one word must give a label for it to be found.
pub const MIN_EVIDENCE: f32 = 0.25;

/// The fewest words (handles, links and emails aside) the model judges.
pub const MIN_WORDS: usize = 3;
const FORMAT_VERSION: u32 = 1;

/// The model compiled into the binary (`config/model.bin`).
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../../../config/model.bin");

pub const RULE_PATIENT: &str = "patient.model";
pub const RULE_ADVICE: &str = "advice.model";
pub const RULE_CLAIM: &str = "claim.model";
/// A town, city or county in a post about one patient.
pub const RULE_PLACE: &str = "phi.place";

pub const RULES: &[RuleDoc] = &[
    RuleDoc {
        id: RULE_PATIENT,
        category: Category::PatientReference,
        severity: Severity::Error,
        what: "A learned classifier (word unigrams and bigrams, trained on thousands of labelled drafts in \
               `data/train/`) reads the whole draft and judges whether it is about one specific, real patient \
               or case: an encounter told with its when and where, venting or a joke about a patient, a case \
               image, a story shared 'with permission'. The finding points at the words that weighed most.",
        why: "Details of a real encounter let colleagues, family or the patient recognise the person even with \
              no name; posting them needs the patient's written authorization.",
        example: "`Long night. Pulled a teenager out of a rollover on the county road` → speak about patients in \
                  general, without the when and where.",
    },
    RuleDoc {
        id: RULE_ADVICE,
        category: Category::ClinicalAdvice,
        severity: Severity::Error,
        what: "A learned classifier judges whether the draft gives clinical advice to one person: tells an \
               @-mentioned or named person (or `you` in a reply to someone's own story) what to take, stop, \
               change or dose, tells them what they have, or offers to diagnose over DMs. General advice to the \
               public is not advice to one person.",
        why: "Advising one person online creates a clinician-patient relationship without an examination, a \
              record or consent, and invites them to share PHI in public.",
        example: "`@jen_22 if the lisinopril gives you a cough just stop it` → invite them to call their own \
                  clinician.",
    },
    RuleDoc {
        id: RULE_CLAIM,
        category: Category::HealthClaim,
        severity: Severity::Warning,
        what: "A learned classifier judges whether the draft makes a health claim it does not back: cures, \
               guarantees, 'no side effects', prevents or reverses a disease, rapid results, 'studies show' \
               with nothing cited, outcomes promised to everyone. It reads claims the fixed phrases of the \
               `claim.*` rules do not name; a claim with its source linked is not one.",
        why: "The FTC and FDA hold health claims to competent and reliable scientific evidence; an unsupported \
              claim from a health organisation misleads patients and is the most-cited deceptive practice.",
        example: "`Breathing exercises make kids smarter, research says` → link the study, or say what it found \
                  and for whom.",
    },
    RuleDoc {
        id: RULE_PLACE,
        category: Category::Phi,
        severity: Severity::Error,
        what: "In a post about one patient (the learned classifier's reading, or a patient-reference finding), \
               finds the patient's town, city or county: one to three capitalised words after `from`, `in`, \
               `near`, `outside`, `en`, `desde` (`a farmer from Millbrook`), before `County` or `Parish`, or \
               before `, ` and a state (`Dayton, OH`). Months, languages, departments, facilities (`from Mercy \
               Hospital`) and people are not places (`config/words/not-place-words.txt`). A place in a notice, an \
               event or staff news is never reported.",
        why: "Geographic subdivisions smaller than a state (street, city, county, ZIP) are HIPAA Safe Harbor \
              identifiers; with a case's details, a small town names the patient to everyone who lives there.",
        example: "`Rough night: 45 yo farmer from Millbrook, tractor rollover` → leave the town out (`a farmer \
                  from our county`).",
    },
];

/// A bad model file: what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelError(pub String);

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ModelError {}

thread_local! {
    /// The emptied per-token sums of the last prediction on this thread, for
    /// the next to fill (like the features' buffers, see
    /// [`features::recycle`]).
    static SPARE_PER_TOKEN: Cell<Vec<[f32; N]>> = const { Cell::new(Vec::new()) };
}

/// Gives a prediction's per-token sums back for the next prediction on this
/// thread (a very long draft's are freed instead).
fn recycle_per_token(mut per_token: Vec<[f32; N]>) {
    if per_token.capacity() <= features::SPARE_MAX_TOKENS {
        per_token.clear();
        SPARE_PER_TOKEN.set(per_token);
    }
}

/// One label's linear scorer.
#[derive(Debug, Clone)]
pub struct LabelWeights {
    pub bias: f32,
    /// Decision threshold on the probability, chosen on cross-validation.
    pub threshold: f32,
    /// Full-precision weights, one per bucket, while training; empty for a
    /// model read from a file, whose weights live in the 16-bit table only
    /// (read them with `Model::weight`).
    pub weights: Vec<f32>,
}

/// A trained model.
#[derive(Debug, Clone)]
pub struct Model {
    pub buckets_log2: u32,
    /// SHA-256 of the training data the weights came from.
    pub data_sha256: [u8; 32],
    pub labels: Vec<LabelWeights>,
    /// What predictions read: the labels' weights as the file stores them
    /// (16 bits, times `scale[label]`), interleaved by bucket, so a feature
    /// costs one 8-byte read instead of one cache line per label, and the
    /// table is half the size of f32. A weight read here is
    /// `q as f32 * scale`, exactly the value `labels` holds for a model read
    /// from a file. Built by [`Model::index`] or straight from the file.
    table: Vec<[i16; 4]>,
    scale: [f32; N],
}

/// The model's reading of one draft.
#[derive(Debug, Clone)]
pub struct Prediction {
    pub prob: [f32; N],
    /// Each token's summed push (log-odds) on each label.
    per_token: Vec<[f32; N]>,
    features: Features,
}

impl Model {
    pub fn new(buckets_log2: u32, data_sha256: [u8; 32], labels: Vec<LabelWeights>) -> Model {
        let mut m = Model { buckets_log2, data_sha256, labels, table: Vec::new(), scale: [1.0; N] };
        m.index();
        m
    }

    /// Rebuilds the prediction table from the per-label weights, quantized
    /// as [`Model::to_bytes`] writes them (predictions are the saved model's).
    pub fn index(&mut self) {
        let n = self.buckets();
        let mut table = vec![[0i16; 4]; n];
        for (l, lw) in self.labels.iter().enumerate().take(N) {
            let scale = quantization_scale(&lw.weights);
            self.scale[l] = scale;
            for (row, w) in table.iter_mut().zip(&lw.weights) {
                row[l] = (w / scale).round() as i16;
            }
        }
        self.table = table;
    }

    /// One weight: full precision while training, from the 16-bit table for
    /// a model read from a file (which keeps no `f32` copy).
    pub(crate) fn weight(&self, label: usize, bucket: usize) -> f32 {
        match self.labels[label].weights.get(bucket) {
            Some(&w) => w,
            None => self.table[bucket][label] as f32 * self.scale[label],
        }
    }

    pub fn buckets(&self) -> usize {
        1 << self.buckets_log2
    }

    fn bucket(&self, h: u64) -> usize {
        // fold the high bits in: FNV's low bits alone are weak
        ((h ^ (h >> 29) ^ (h >> 47)) as usize) & (self.buckets() - 1)
    }

    /// The raw score (log-odds) of each label, from the full-precision
    /// weights: what training scores its folds with (unquantized, as they
    /// always were, so retraining gives the same bytes).
    fn scores(&self, f: &Features) -> [f32; N] {
        let norm = norm_of(f.hashes.len());
        let mut s = [0f32; N];
        for &h in &f.hashes {
            let b = self.bucket(h);
            for (l, sum) in s.iter_mut().enumerate().take(self.labels.len()) {
                *sum += self.weight(l, b);
            }
        }
        std::array::from_fn(|l| self.labels[l].bias + s[l] * norm)
    }

    pub fn predict(&self, f: Features) -> Prediction {
        let norm = norm_of(f.hashes.len());
        let mut s = [0f32; N];
        let mut per_token = SPARE_PER_TOKEN.take();
        per_token.resize(f.tokens.len(), [0f32; N]);
        for (&h, &o) in f.hashes.iter().zip(&f.owner) {
            let q = &self.table[self.bucket(h)];
            let w: [f32; N] = std::array::from_fn(|l| q[l] as f32 * self.scale[l]);
            let slot = per_token.get_mut(o as usize);
            for l in 0..N {
                s[l] += w[l];
            }
            if let Some(slot) = slot {
                for l in 0..N {
                    slot[l] += w[l] * norm;
                }
            }
        }
        let prob = std::array::from_fn(|l| sigmoid(self.labels[l].bias + s[l] * norm));
        Prediction { prob, per_token, features: f }
    }

    /// Whether a label is found: its probability reaches the threshold and
    /// some word of the draft pushed it up by at least [`MIN_EVIDENCE`], so a
    /// draft the model knows nothing about ("hello") does not land on the
    /// base rate and fire.
    pub fn fires(&self, p: &Prediction, label: usize) -> bool {
        p.prob[label] >= self.labels[label].threshold && p.per_token.iter().any(|c| c[label] >= MIN_EVIDENCE)
    }

    /// The tokens that pushed `label` up, strongest first, with their summed
    /// contribution.
    pub fn evidence(&self, p: &Prediction, label: usize) -> Vec<(usize, f32)> {
        let mut v: Vec<(usize, f32)> =
            p.per_token.iter().enumerate().map(|(i, c)| (i, c[label])).filter(|&(_, c)| c > 0.0).collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v
    }

    /// Serialises the model: header, labels, weights (i16 with a per-label
    /// scale), then the SHA-256 of all of it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.buckets() * 2 * self.labels.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURIZER_VERSION.to_le_bytes());
        out.extend_from_slice(&self.buckets_log2.to_le_bytes());
        out.extend_from_slice(&(self.labels.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.data_sha256);
        for (l, (name, lw)) in LABELS.iter().zip(&self.labels).enumerate() {
            out.push(name.len() as u8);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&lw.bias.to_le_bytes());
            out.extend_from_slice(&lw.threshold.to_le_bytes());
            if lw.weights.is_empty() {
                // read from a file: write back what was read
                out.extend_from_slice(&self.scale[l].to_le_bytes());
                for row in &self.table {
                    out.extend_from_slice(&row[l].to_le_bytes());
                }
                continue;
            }
            let scale = quantization_scale(&lw.weights);
            out.extend_from_slice(&scale.to_le_bytes());
            for w in &lw.weights {
                out.extend_from_slice(&((w / scale).round() as i16).to_le_bytes());
            }
        }
        let digest = Sha256::digest(&out);
        out.extend_from_slice(&digest);
        out
    }

    /// Reads a model file, checking everything the code expects of it.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let bad = |m: &str| ModelError(m.to_string());
        if bytes.len() < MAGIC.len() + 32 || &bytes[..8] != MAGIC {
            return Err(bad("not a SafeTweet model file (bad magic)"));
        }
        let (body, digest) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != digest {
            return Err(bad("model file is corrupt (checksum mismatch)"));
        }
        let mut r = Reader { b: body, at: 8 };
        let format = r.u32()?;
        if format != FORMAT_VERSION {
            return Err(ModelError(format!("model file format {format}, this build reads {FORMAT_VERSION}")));
        }
        let fv = r.u32()?;
        if fv != FEATURIZER_VERSION {
            return Err(ModelError(format!(
                "model was trained with featurizer version {fv}, this build has {FEATURIZER_VERSION}: retrain it \
                 with `safetweet train`"
            )));
        }
        let buckets_log2 = r.u32()?;
        if !(10..=24).contains(&buckets_log2) {
            return Err(ModelError(format!("implausible bucket count 2^{buckets_log2}")));
        }
        let n = r.u32()? as usize;
        if n != LABELS.len() {
            return Err(ModelError(format!("model has {n} labels, expected {}", LABELS.len())));
        }
        let mut data_sha256 = [0u8; 32];
        data_sha256.copy_from_slice(r.take(32)?);
        let mut labels = Vec::with_capacity(n);
        let mut table = vec![[0i16; 4]; 1usize << buckets_log2];
        let mut scales = [1f32; N];
        for (l, want) in LABELS.into_iter().enumerate() {
            let len = r.take(1)?[0] as usize;
            let name = r.take(len)?;
            if name != want.as_bytes() {
                return Err(ModelError(format!(
                    "label {:?} where {want:?} was expected",
                    String::from_utf8_lossy(name)
                )));
            }
            let bias = r.f32()?;
            let threshold = r.f32()?;
            let scale = r.f32()?;
            if !(bias.is_finite() && threshold.is_finite() && scale.is_finite() && (0.0..=1.0).contains(&threshold)) {
                return Err(ModelError(format!("label {want}: bad bias, threshold or scale")));
            }
            let raw = r.take((1usize << buckets_log2) * 2)?;
            for (row, c) in table.iter_mut().zip(raw.chunks_exact(2)) {
                row[l] = i16::from_le_bytes([c[0], c[1]]);
            }
            scales[l] = scale;
            // the weights stay in the table only (see `LabelWeights::weights`)
            labels.push(LabelWeights { bias, threshold, weights: Vec::new() });
        }
        if r.at != body.len() {
            return Err(bad("trailing bytes after the weights"));
        }
        // the file's own 16-bit weights: no second quantization
        Ok(Model { buckets_log2, data_sha256, labels, table, scale: scales })
    }

    /// The built-in model.
    pub fn builtin() -> Result<Model, ModelError> {
        Model::from_bytes(DEFAULT_MODEL)
    }
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len());
        let Some(end) = end else { return Err(ModelError("model file is truncated".into())) };
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, ModelError> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn f32(&mut self) -> Result<f32, ModelError> {
        Ok(f32::from_bits(self.u32()?))
    }
}

/// The factor a label's weights are stored in 16 bits with: the largest
/// weight becomes `i16::MAX`.
fn quantization_scale(weights: &[f32]) -> f32 {
    let max = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
    if max > 0.0 {
        max / i16::MAX as f32
    } else {
        1.0
    }
}

pub(crate) fn norm_of(n: usize) -> f32 {
    1.0 / (n.max(1) as f32).sqrt()
}

pub(crate) fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Whether most letters of the folded view are Latin (the scripts of the
/// training data, English and Spanish).
fn in_trained_script(text: &str) -> bool {
    // no letter outside ASCII: nothing outweighs the Latin ones (a fast
    // answer for most drafts; the loop below gives the same)
    if text.is_ascii() {
        return true;
    }
    let (mut latin, mut other) = (0usize, 0usize);
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // eight ASCII bytes at a time (the bulk of a Latin draft)
        if let Some(chunk) = b[i..].first_chunk::<8>() {
            let word = u64::from_le_bytes(*chunk);
            if word & HIGH_BITS == 0 {
                latin += ascii_letters(word);
                i += 8;
                continue;
            }
        }
        // an ASCII byte is its own character: only a letter counts
        if b[i] < 0x80 {
            latin += usize::from(b[i].is_ascii_alphabetic());
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else { break };
        i += c.len_utf8();
        if is_kana_or_cjk(c) {
            // letters, not Latin: known without the Unicode tables
            other += 1;
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

/// The high bit of each byte of a `u64`: none set, eight ASCII bytes.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// How many of eight ASCII bytes (no high bit set) are letters: with the
/// case bit set, a letter is a byte from `a` (0x61) to `z` (0x7a). Adding
/// 0x1f to a byte sets its high bit from 0x61 on, adding 0x05 from 0x7b on;
/// no byte of ASCII overflows into the next.
fn ascii_letters(word: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let folded = word | (0x20 * ONES);
    let from_a = folded + 0x1f * ONES;
    let past_z = folded + 0x05 * ONES;
    (from_a & !past_z & HIGH_BITS).count_ones() as usize
}

/// Hiragana, katakana letters and the CJK unified ideographs: alphabetic
/// characters outside Latin, the non-Latin script drafts use most.
fn is_kana_or_cjk(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{4E00}'..='\u{9FFF}')
}

/// Identifiers whose owner only the sentence tells: the organisation's phone
/// or a patient's, an event's date or a birth date, a colleague's name or a
/// patient's (the context rules' "patient context" can be a staff post's
/// "every patient").
fn owner_depends_on_context(rule: &str) -> bool {
    matches!(
        rule,
        "phi.phone" | "phi.fax" | "phi.email" | "phi.address" | "phi.zip" | "phi.date" | "phi.age" | "phi.name"
    )
}

/// Runs the model over a reviewed draft: adds its patient-reference and
/// clinical-advice findings, and demotes identifiers the sentence gives to
/// the organisation, staff or an event (a call to action, a venue, a job post)
/// to an `info` note.
pub fn apply(model: &Model, input: &Input<'_>, rules: &RuleSet, findings: &mut Vec<Finding>) {
    if !in_trained_script(input.norm.text()) {
        // trained on English and Spanish: on a draft in another script the
        // model has nothing to go on, and the structured detectors decide alone
        return;
    }
    let f = features::featurize(input, findings, &rules.context);
    let words = f
        .tokens
        .iter()
        .map(|t| t.form(&f.forms))
        // (kana and CJK are letters: known without the Unicode tables)
        .filter(|form| form.chars().any(|c| is_kana_or_cjk(c) || c.is_alphabetic()) && !form.starts_with('<'))
        // only whether there are MIN_WORDS of them matters
        .take(MIN_WORDS)
        .count();
    if words < MIN_WORDS {
        // too little language to judge ("hello", a bare link)
        features::recycle(f);
        return;
    }
    let p = model.predict(f);
    let patient = model.fires(&p, PATIENT);
    let phi = model.fires(&p, PHI);
    if !patient {
        // where the patient head reads no patient, what the sentence gives to
        // someone else is a note: see the function
        demote_where_no_patient(input, rules, findings);
    }

    if patient && !findings.iter().any(|f| f.category == Category::PatientReference) {
        push(
            model,
            &p,
            PATIENT,
            input,
            rules,
            RULE_PATIENT,
            "Reads as a post about one specific patient or case",
            findings,
        );
    }
    if model.fires(&p, ADVICE) && !findings.iter().any(|f| f.category == Category::ClinicalAdvice) {
        push(model, &p, ADVICE, input, rules, RULE_ADVICE, "Reads as clinical advice to one person", findings);
    }
    if model.fires(&p, CLAIM) && !findings.iter().any(|f| f.category == Category::HealthClaim) {
        push(model, &p, CLAIM, input, rules, RULE_CLAIM, "Reads as a health claim with nothing to back it", findings);
    }
    let about_a_patient =
        patient || findings.iter().any(|f| f.category == Category::PatientReference && f.severity == Severity::Error);
    if about_a_patient {
        report_places(input, rules, findings);
    }
    if patient {
        // A post about one patient: a first name alone is that person's
        // (POLICY: "a first name alone counts when the post is about that
        // person's care"), whatever the identifier head reads; dates only
        // when it reads the identifiers as the patient's too. (A name is
        // reported only in a draft already blocked as a patient post, so
        // this never blocks a draft by itself.)
        report_candidates(&p.features.candidates, input, rules, findings, phi);
    }
    // advice to one person is about that person's care: the name the draft
    // calls them by is theirs ("@kate_r Kate, double your metformin"; "…stop
    // the statin, Jim."), whoever else the model reads its identifiers as
    let mut called: Vec<Candidate> = Vec::new();
    if findings.iter().any(|f| f.category == Category::ClinicalAdvice && f.severity == Severity::Error) {
        let text = input.norm.text();
        for c in &p.features.candidates {
            if c.identifier != Identifier::Date && calls_by_name(text, c.start, c.end) {
                called.push(*c);
            }
        }
    }
    let called_spans: Vec<Span> = called.iter().map(|c| input.norm.span(c.start, c.end)).collect();
    let is_called =
        |f: &Finding| f.rule == "phi.name" && f.span.is_some_and(|s| called_spans.iter().any(|c| c.overlaps(&s)));
    if !phi && !patient {
        for f in findings.iter_mut() {
            if f.category == Category::Phi
                && f.severity > Severity::Info
                && owner_depends_on_context(&f.rule)
                && !is_called(f)
            {
                // no model score in this message: digits next to a masked
                // identifier would read as part of it
                to_note(f, "read as the organisation's, an event's or staff's own, not a patient's");
            }
        }
    }
    report_candidates(&called, input, rules, findings, false);
    features::recycle(p.features);
    recycle_per_token(p.per_token);
}

const RULE_AGE: &str = "phi.age";

/// Where the patient head did not fire, demotes to `info` what the sentence
/// gives to someone other than a patient:
/// - an age over 89 in a sentence about a colleague, a volunteer or a donor
///   (a staff or news cue, nothing of anyone's care), even where the
///   identifier head, which weighs ages heavily, fires;
/// - the rules' patient reference to the writer's own family ("my mom ...
///   today");
/// - a name after a staff role and `named` ("a volunteer named Walter Price").
fn demote_where_no_patient(input: &Input<'_>, rules: &RuleSet, findings: &mut [Finding]) {
    for f in findings.iter_mut() {
        let Some(span) = f.span else { continue };
        if f.severity <= Severity::Info {
            continue;
        }
        let why = match f.rule.as_str() {
            RULE_AGE if staff_sentence(input, rules, span) => "read as a colleague's, volunteer's or donor's own",
            "patient.reference" if crate::engine::context::own_family(&input.text[span.start..span.end]) => {
                "read as the writer's own family, not a patient"
            }
            "phi.name" if crate::engine::context::named_after_staff(input, &rules.context, span.start) => {
                "read as a colleague's or volunteer's name"
            }
            _ => continue,
        };
        to_note(f, why);
    }
}

/// Makes a finding an `info` note, saying why it was read as not a patient's.
fn to_note(f: &mut Finding, why: &str) {
    f.severity = Severity::Info;
    f.message = format!("{} — {why}; check it before posting", f.message);
}

/// Whether the sentence holding `span` (original text) is about staff: it has
/// a staff or staff-news cue and no cue of anyone's care (a patient, a case,
/// a relative, a record, an arrival, "your scan"). A story's person noun
/// ("she", "lady") or an "our" alone does not count: the patient head reads
/// stories, and this runs only where it did not fire.
fn staff_sentence(input: &Input<'_>, rules: &RuleSet, span: Span) -> bool {
    use crate::engine::context::role::*;
    const CARE_OF_SOMEONE: u32 = PATIENT | CASE | CARE | RELATIVE | RECORD | ARRIVAL | YOUR_CARE | CHILD;
    let seen = crate::engine::context::sentence_roles(input, &rules.context, span.start, span.end);
    seen & (STAFF | NEWS) != 0 && seen & CARE_OF_SOMEONE == 0
}

/// Greetings a reply may put before the name it calls someone by.
const GREETINGS: &[&str] = &["hi", "hey", "hello", "dear", "hola", "thanks", "ok", "okay", "yes", "no", "so", "oh"];

/// Whether the name-shaped words at `start..end` of the folded view call the
/// person spoken to by a given name: as a vocative closing a sentence (`…,
/// Jim.`: a stop or the end follows), or right after the reply's opening
/// @mentions and at most a greeting (`@kate_r Hi Kate,`), followed by a stop
/// or the reply's own words (`Kate, double…`, `Paul you need…`), not by more
/// of a capitalised phrase (`Grace Period Ends`).
fn calls_by_name(text: &str, start: usize, end: usize) -> bool {
    let name = &text[start..end];
    let first = name.split(' ').next().unwrap_or(name);
    if !crate::engine::context::is_given_name(first) {
        return false;
    }
    let before = &text[..start];
    let after = text[end..].trim_start_matches([' ', '\u{a0}']);
    if before.trim_end_matches(' ').ends_with(',') && (after.is_empty() || after.starts_with(['.', '!', '?', '\n'])) {
        return true;
    }
    let mut words = before.split_whitespace().skip_while(|w| w.starts_with('@'));
    let opened_by_mentions = before.trim_start().starts_with('@');
    let greeting_only = match (words.next(), words.next()) {
        (None, _) => true,
        (Some(g), None) => {
            let g = g.trim_end_matches([',', '!']);
            GREETINGS.iter().any(|x| x.eq_ignore_ascii_case(g))
        }
        _ => false,
    };
    let goes_on =
        after.chars().next().is_none_or(|c| c.is_lowercase() || matches!(c, ',' | '.' | '!' | '?' | ':' | ';' | '\n'));
    opened_by_mentions && greeting_only && goes_on
}

/// Whether a PHI finding already covers part of `span` (the model's names,
/// dates and places are reported only where no detector was).
fn inside_phi(findings: &[Finding], span: &Span) -> bool {
    findings.iter().any(|x| x.category == Category::Phi && x.span.is_some_and(|o| o.overlaps(span)))
}

/// Reports the towns, cities and counties of a post about one patient (not
/// already inside another PHI finding).
fn report_places(input: &Input<'_>, rules: &RuleSet, findings: &mut Vec<Finding>) {
    let (Some(severity), Some(category)) = (rules.severity_of(RULE_PLACE), rules.category_of(RULE_PLACE)) else {
        return;
    };
    for (s, e) in crate::engine::context::places::find(input.norm.text(), &rules.words) {
        let span = input.norm.span(s, e);
        if inside_phi(findings, &span) {
            continue;
        }
        let raw = &input.text[span.start..span.end];
        findings.push(Finding {
            rule: RULE_PLACE.to_string(),
            category,
            severity,
            span: Some(span),
            message: format!(
                "Place in a post about a patient ({}): a patient's town, city or county is a HIPAA identifier.",
                super::mask::mask_words(raw)
            ),
            suggestion: Some("Leave the place out, or say no more than the state (\"a farmer from upstate\").".into()),
            identifier: Some(Identifier::Geographic),
        });
    }
}

/// Reports the names and dates the context rules left alone, in a draft the
/// model reads as tying identifiers to a patient.
fn report_candidates(
    candidates: &[Candidate],
    input: &Input<'_>,
    rules: &RuleSet,
    findings: &mut Vec<Finding>,
    dates: bool,
) {
    for c in candidates {
        if c.identifier == Identifier::Date && !dates {
            continue;
        }
        let span = input.norm.span(c.start, c.end);
        if inside_phi(findings, &span) {
            continue;
        }
        let raw = &input.text[span.start..span.end];
        let (rule, message, suggestion) = match c.identifier {
            Identifier::Date => (
                "phi.date",
                format!(
                    "Date in a post about a patient ({}): birth, admission, surgery, visit and death dates are HIPAA \
                     identifiers.",
                    super::mask::mask_all(raw)
                ),
                "Remove the date, or keep only the year.",
            ),
            _ => (
                "phi.name",
                format!(
                    "Name in a post about a patient ({}): a patient's or relative's name is a HIPAA identifier.",
                    super::mask::mask_words(raw)
                ),
                "Remove the name, or describe the person without it (\"a patient in her 60s\").",
            ),
        };
        let (Some(severity), Some(category)) = (rules.severity_of(rule), rules.category_of(rule)) else { continue };
        findings.push(Finding {
            rule: rule.to_string(),
            category,
            severity,
            span: Some(span),
            message,
            suggestion: Some(suggestion.to_string()),
            identifier: Some(c.identifier),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn push(
    model: &Model,
    p: &Prediction,
    label: usize,
    input: &Input<'_>,
    rules: &RuleSet,
    rule: &str,
    what: &str,
    findings: &mut Vec<Finding>,
) {
    let (Some(severity), Some(category)) = (rules.severity_of(rule), rules.category_of(rule)) else { return };
    let ev = model.evidence(p, label);
    let text = input.norm.text();
    let toks = &p.features.tokens;
    let span = ev.first().map(|&(i, _)| {
        let t = &toks[i];
        input.norm.span(t.start, t.end)
    });
    let mut message = String::with_capacity(what.len() + 96);
    // writing to a String cannot fail
    let _ = write!(message, "{what} (model {:.2}", p.prob[label]);
    push_weighed_most(&mut message, &ev, &p.features, text);
    message.push(')');
    let suggestion = match label {
        ADVICE => "Answer in general terms and invite the person to contact their own clinician or the clinic.",
        _ => "Speak about patients in general, without the when, where and details of one case, or get written authorization.",
    };
    findings.push(Finding {
        rule: rule.to_string(),
        category,
        severity,
        span,
        message,
        suggestion: Some(suggestion.to_string()),
        identifier: None,
    });
}

/// Appends to a finding's message the first four different words of the
/// evidence `ev` (strongest first) a person may see: plain words, never
/// names, numbers or handles (an `@handle` shows as `@mention`). Nothing when
/// none may be shown.
fn push_weighed_most(message: &mut String, ev: &[(usize, f32)], f: &Features, text: &str) {
    let mut words: [&str; 4] = [""; 4];
    let mut n = 0;
    for &(i, _) in ev {
        let t = &f.tokens[i];
        let shown = if t.form(&f.forms) == "@user" {
            "@mention"
        } else if t.showable(&f.forms, text) {
            // all lower case already: its `to_lowercase` is itself
            &text[t.start..t.end]
        } else {
            continue;
        };
        if !words[..n].contains(&shown) {
            words[n] = shown;
            n += 1;
        }
        if n == words.len() {
            break;
        }
    }
    for (k, w) in words[..n].iter().enumerate() {
        message.push_str(if k == 0 { "; the words that weighed most: '" } else { ", '" });
        message.push_str(w);
        message.push('\'');
    }
}

#[cfg(test)]
mod tests;
