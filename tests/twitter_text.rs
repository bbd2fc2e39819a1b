//! twitter-text's own conformance suite, run against `engine::length`.
//!
//! The YAML and JSON files are twitter-text's, copied byte for byte into
//! `../shared/conformance/twitter-text/` (see PROVENANCE.txt there) and read
//! at test time, never converted by hand. When the folder is missing the
//! tests say so loudly and pass, except under `CI=true`, where they fail.
//!
//! Sections run, and why the engine needs them:
//! - validate.yml `WeightedTweetsCounterTest` (config v2.json),
//!   `WeightedTweetsWithDiscountedEmojiCounterTest` (v3.json) and
//!   `UnicodeDirectionalMarkerCounterTest` (v3.json, the library default):
//!   the `length` rule blocks drafts over 280 weighted characters.
//! - extract.yml `urls`, `urls_with_indices`, `urls_with_directional_markers`,
//!   `tco_urls_with_params`: URLs weigh 23 whatever their length, and the
//!   `links` rules look at each URL's host.
//! - extract.yml `hashtags`, `hashtags_from_astral`, `hashtags_with_indices`:
//!   the `hashtags` rules count and match hashtags.
//! - extract.yml `mentions`, `mentions_with_indices`: the content rules tell
//!   replies and mentions from plain text.
//! - tlds.yml `country`, `generic`: every top-level domain the URL rules know.
//!
//! Not run: cashtags, replies, lists (the engine has no rule about them) and
//! validate.yml's `tweets`/`usernames`/`urls` validity checks (the engine
//! never asks whether a whole string is one valid URL or username).

use safetweet::engine::length::{self, Entity, LengthConfig};
use serde_yaml::Value;
use std::path::PathBuf;

fn conformance_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/twitter-text");
    if dir.join("validate.yml").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("twitter-text conformance files missing at {} (required when CI=true)", dir.display());
    }
    eprintln!("\n*** SKIPPED: twitter-text conformance files not found at {} ***\n", dir.display());
    None
}

fn load(file: &str) -> Option<Value> {
    let dir = conformance_dir()?;
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    Some(serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("parsing {file}: {e}")))
}

fn config(file: &str) -> LengthConfig {
    let dir = conformance_dir().expect("checked by the caller");
    let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    LengthConfig::from_json(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn cases<'a>(doc: &'a Value, section: &str) -> &'a [Value] {
    doc["tests"][section].as_sequence().unwrap_or_else(|| panic!("no section {section}")).as_slice()
}

fn text_of(case: &Value) -> &str {
    case["text"].as_str().expect("case text")
}

fn describe(case: &Value) -> String {
    let text = text_of(case);
    let shown: String = text.chars().take(60).collect();
    format!("{:?} ({shown:?}{})", case["description"].as_str().unwrap_or("?"), if text.len() > 60 { "…" } else { "" })
}

/// Runs every case of a section; fails listing each failing case.
fn run_section(name: &str, cases: &[Value], check: impl Fn(&Value) -> Result<(), String>) {
    let failures: Vec<String> =
        cases.iter().filter_map(|c| check(c).err().map(|e| format!("  {}: {e}", describe(c)))).collect();
    println!("{name}: {}/{} passed", cases.len() - failures.len(), cases.len());
    assert!(failures.is_empty(), "{name}: {} of {} failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert!(!cases.is_empty(), "{name}: no cases");
}

fn weighted_section(section: &str, config_file: &str) {
    let Some(doc) = load("validate.yml") else { return };
    let cfg = config(config_file);
    run_section(section, cases(&doc, section), |c| {
        let want = c["expected"]["weightedLength"].as_u64().expect("weightedLength") as usize;
        let got = length::weighted_length_with(text_of(c), &cfg);
        if got == want {
            Ok(())
        } else {
            Err(format!("weighted length {got}, expected {want}"))
        }
    });
}

#[test]
fn weighted_tweets_counter_v2() {
    weighted_section("WeightedTweetsCounterTest", "v2.json");
}

#[test]
fn weighted_tweets_with_discounted_emoji_v3() {
    weighted_section("WeightedTweetsWithDiscountedEmojiCounterTest", "v3.json");
}

#[test]
fn unicode_directional_marker_counter_v3() {
    weighted_section("UnicodeDirectionalMarkerCounterTest", "v3.json");
}

#[test]
fn builtin_configs_match_the_json_files() {
    if conformance_dir().is_none() {
        return;
    }
    assert_eq!(config("v2.json"), LengthConfig::V2);
    assert_eq!(config("v3.json"), LengthConfig::V3);
}

fn strings(v: &Value) -> Vec<String> {
    v.as_sequence().expect("list").iter().map(|s| s.as_str().expect("string").to_string()).collect()
}

/// Byte span to twitter-text's code point indices.
fn indices(text: &str, e: &Entity<'_>) -> (usize, usize) {
    (text[..e.span.start].chars().count(), text[..e.span.end].chars().count())
}

fn list_section(doc: &Value, section: &str, extract: impl Fn(&str) -> Vec<String>) {
    run_section(section, cases(doc, section), |c| {
        let want = strings(&c["expected"]);
        let got = extract(text_of(c));
        if got == want {
            Ok(())
        } else {
            Err(format!("got {got:?}, expected {want:?}"))
        }
    });
}

fn indexed_section(doc: &Value, section: &str, key: &str, extract: impl for<'a> Fn(&'a str) -> Vec<Entity<'a>>) {
    run_section(section, cases(doc, section), |c| {
        let text = text_of(c);
        let want: Vec<(String, usize, usize)> = c["expected"]
            .as_sequence()
            .expect("list")
            .iter()
            .map(|e| {
                let idx = e["indices"].as_sequence().expect("indices");
                (
                    e[key].as_str().expect("entity text").to_string(),
                    idx[0].as_u64().expect("start") as usize,
                    idx[1].as_u64().expect("end") as usize,
                )
            })
            .collect();
        let got: Vec<(String, usize, usize)> = extract(text)
            .iter()
            .map(|e| {
                let (s, t) = indices(text, e);
                (e.value().to_string(), s, t)
            })
            .collect();
        if got == want {
            Ok(())
        } else {
            Err(format!("got {got:?}, expected {want:?}"))
        }
    });
}

fn url_texts(s: &str) -> Vec<String> {
    length::extract_urls(s).iter().map(|e| e.text.to_string()).collect()
}

fn hashtag_texts(s: &str) -> Vec<String> {
    length::extract_hashtags(s).iter().map(|e| e.value().to_string()).collect()
}

fn mention_texts(s: &str) -> Vec<String> {
    length::extract_mentions(s).iter().map(|e| e.value().to_string()).collect()
}

#[test]
fn extract_urls() {
    let Some(doc) = load("extract.yml") else { return };
    list_section(&doc, "urls", url_texts);
    list_section(&doc, "tco_urls_with_params", url_texts);
    indexed_section(&doc, "urls_with_indices", "url", length::extract_urls);
    indexed_section(&doc, "urls_with_directional_markers", "url", length::extract_urls);
}

#[test]
fn extract_hashtags() {
    let Some(doc) = load("extract.yml") else { return };
    list_section(&doc, "hashtags", hashtag_texts);
    list_section(&doc, "hashtags_from_astral", hashtag_texts);
    indexed_section(&doc, "hashtags_with_indices", "hashtag", length::extract_hashtags);
}

#[test]
fn extract_mentions() {
    let Some(doc) = load("extract.yml") else { return };
    list_section(&doc, "mentions", mention_texts);
    indexed_section(&doc, "mentions_with_indices", "screen_name", length::extract_mentions);
}

#[test]
fn every_known_tld() {
    let Some(doc) = load("tlds.yml") else { return };
    list_section(&doc, "country", url_texts);
    list_section(&doc, "generic", url_texts);
}
