//! `safetweet train`: fits the learned classifier on the committed training
//! corpus (`data/train/*.jsonl`) and writes `config/model.bin` and
//! `config/model-card.json` (what it was trained on, how, and the
//! cross-validated scores). Same data, same weights: the order is seeded and
//! nothing depends on the clock.
//!
//! `safetweet train --check` trains nothing: it tells whether the model file
//! was trained on exactly the data in the folder (exit 1 when not).

use crate::engine::model::train::{train, Example, TrainConfig};
use crate::engine::model::{Model, LABELS};
use crate::engine::{model_features, Attachment, Draft, RuleSet};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Folder of labelled JSONL training drafts.
    #[arg(long, default_value = "data/train")]
    pub data: PathBuf,
    /// Where to write the model.
    #[arg(long, default_value = "config/model.bin")]
    pub out: PathBuf,
    /// Only check that the model file was trained on this data.
    #[arg(long)]
    pub check: bool,
    /// Number of training passes.
    #[arg(long, default_value_t = TrainConfig::default().epochs)]
    pub epochs: usize,
    /// L2 penalty.
    #[arg(long, default_value_t = TrainConfig::default().l2)]
    pub l2: f32,
    /// AdaGrad learning rate.
    #[arg(long, default_value_t = TrainConfig::default().learning_rate)]
    pub learning_rate: f32,
    /// Cost of a missed positive relative to a false alarm, for the thresholds.
    #[arg(long, default_value_t = TrainConfig::default().recall_weight)]
    pub recall_weight: f32,
    /// log2 of the number of hash buckets.
    #[arg(long, default_value_t = TrainConfig::default().buckets_log2)]
    pub buckets_log2: u32,
}

#[derive(Debug, Deserialize)]
struct Line {
    id: String,
    text: String,
    #[serde(default)]
    attachments: Vec<Attachment>,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    train: Option<TrainLabels>,
}

#[derive(Debug, Deserialize)]
struct Expect {
    #[serde(default)]
    categories: Vec<String>,
    #[serde(default)]
    may: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct TrainLabels {
    patient: bool,
    advice: bool,
    phi: bool,
    /// Absent in files written before the claim head: then a required
    /// `health-claim` category is the label.
    #[serde(default)]
    claim: Option<bool>,
}

/// The training files, sorted by name.
fn data_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> =
        rd.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "jsonl")).collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no .jsonl files", dir.display()));
    }
    Ok(files)
}

/// SHA-256 over every file's name and bytes, in name order.
pub fn data_hash(dir: &Path) -> Result<[u8; 32], String> {
    let mut h = Sha256::new();
    for f in data_files(dir)? {
        let bytes = std::fs::read(&f).map_err(|e| format!("{}: cannot read: {e}", f.display()))?;
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        h.update(name.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }
    Ok(h.finalize().into())
}

/// Reads every labelled draft; a bad line is reported and skipped.
fn read_examples(dir: &Path, rules: &RuleSet) -> Result<(Vec<Example>, usize), String> {
    let mut out = Vec::new();
    let mut bad = 0;
    for (source, f) in data_files(dir)?.into_iter().enumerate() {
        let text = std::fs::read_to_string(&f).map_err(|e| format!("{}: cannot read: {e}", f.display()))?;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let parsed: Line = match serde_json::from_str(line) {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("{}:{}: skipped: {e}", f.display(), n + 1);
                    bad += 1;
                    continue;
                }
            };
            let claim_category =
                parsed.expect.as_ref().is_some_and(|e| e.categories.iter().any(|x| x == "health-claim"));
            let labels = match (&parsed.train, &parsed.expect) {
                (Some(t), _) => [t.patient, t.advice, t.phi, t.claim.unwrap_or(claim_category)],
                (None, Some(e)) => {
                    let has = |c: &str| e.categories.iter().any(|x| x == c);
                    let may = |c: &str| e.may.iter().any(|x| x == c);
                    [
                        has("patient-reference") || (has("phi") && may("patient-reference")),
                        has("clinical-advice"),
                        has("phi"),
                        claim_category,
                    ]
                }
                (None, None) => {
                    eprintln!(
                        "{}:{}: skipped: draft {:?} has neither `train` nor `expect`",
                        f.display(),
                        n + 1,
                        parsed.id
                    );
                    bad += 1;
                    continue;
                }
            };
            let draft = Draft { text: parsed.text, attachments: parsed.attachments };
            out.push(Example { features: model_features(&draft, rules), labels, source });
        }
    }
    Ok((out, bad))
}

pub fn run_train(args: &TrainArgs, rules: &RuleSet) -> i32 {
    let hash = match data_hash(&args.data) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("safetweet train: {e}");
            return 2;
        }
    };
    if args.check {
        let model = match crate::engine::config::load_model(&args.out) {
            Ok(m) => m,
            Err(e) => {
                eprintln!("safetweet train: {e}");
                return 2;
            }
        };
        return if model.data_sha256 == hash {
            println!("{}: trained on the data in {} ({})", args.out.display(), args.data.display(), hex::encode(hash));
            0
        } else {
            println!(
                "{}: trained on data {}, but {} holds {}: retrain with `safetweet train`",
                args.out.display(),
                hex::encode(model.data_sha256),
                args.data.display(),
                hex::encode(hash)
            );
            1
        };
    }
    // model_features runs the structured detectors only, never rules.model
    let (examples, bad) = match read_examples(&args.data, rules) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("safetweet train: {e}");
            return 2;
        }
    };
    let cfg = TrainConfig {
        epochs: args.epochs,
        buckets_log2: args.buckets_log2,
        l2: args.l2,
        learning_rate: args.learning_rate,
        recall_weight: args.recall_weight,
        ..TrainConfig::default()
    };
    let (model, scores) = train(&examples, &cfg, hash);
    let bytes = model.to_bytes();
    if let Err(e) = Model::from_bytes(&bytes) {
        eprintln!("safetweet train: the model does not read back: {e}");
        return 2;
    }
    if let Err(e) = std::fs::write(&args.out, &bytes) {
        eprintln!("safetweet train: {}: cannot write: {e}", args.out.display());
        return 2;
    }
    println!("{} drafts ({bad} bad lines skipped), data sha256 {}", examples.len(), hex::encode(hash));
    println!("{cfg:?}");
    let mut card_scores = serde_json::Map::new();
    for (name, s) in LABELS.iter().zip(&scores) {
        println!(
            "{name:8} threshold {:.2}  cross-validated recall {:.3} ({}/{})  false alarms {:.3} ({}/{})",
            s.threshold,
            s.recall(),
            s.true_pos,
            s.positives,
            s.false_rate(),
            s.false_pos,
            s.negatives
        );
        card_scores.insert(
            name.to_string(),
            serde_json::json!({"threshold": s.threshold, "recall": s.recall(), "false_alarm_rate": s.false_rate(),
                "positives": s.positives, "negatives": s.negatives}),
        );
    }
    let card = serde_json::json!({
        "model": "logistic regression per label over hashed word unigrams and bigrams",
        "featurizer_version": crate::engine::model::features::FEATURIZER_VERSION,
        "buckets": 1u64 << cfg.buckets_log2,
        "epochs": cfg.epochs, "learning_rate": cfg.learning_rate, "l2": cfg.l2, "seed": cfg.seed,
        "folds": "one per data file (leave-one-writer-out)", "recall_weight": cfg.recall_weight,
        "labels": LABELS,
        "training_drafts": examples.len(),
        "data": args.data.display().to_string(),
        "data_sha256": hex::encode(hash),
        "model_sha256": hex::encode(Sha256::digest(&bytes)),
        "cross_validated": card_scores,
    });
    let card_path = args.out.with_file_name("model-card.json");
    let text = serde_json::to_string_pretty(&card).unwrap_or_default() + "\n";
    if let Err(e) = std::fs::write(&card_path, text) {
        eprintln!("safetweet train: {}: cannot write: {e}", card_path.display());
        return 2;
    }
    println!("wrote {} ({} bytes) and {}", args.out.display(), bytes.len(), card_path.display());
    0
}
