//! End-to-end tests of the `safetweet` binary's command-line contract:
//! `check` (file, stdin, `--format json`, `--jsonl`), `rules`, exit codes,
//! config errors, and the no-token `run` demo. They run the real binary.
//!
//! Most use a small rules.toml of their own so the contract is tested
//! independently of how the default rules evolve.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_safetweet");

/// A rules.toml with one blocking and one warning rule.
const RULES: &str = r#"
[meta]
version = "test-1"

[[lexicon]]
id = "test.block"
category = "clinical-advice"
severity = "error"
phrases = ["forbidden phrase"]
message = "found {match}"
suggestion = "remove it"
what = "w"
why = "y"
example = "e"

[[lexicon]]
id = "test.warn"
category = "health-claim"
severity = "warning"
phrases = ["miracle"]
message = "claim"
what = "w"
why = "y"
example = "e"
"#;

fn config_dir(rules: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("rules.toml"), rules).expect("write rules");
    dir
}

fn run(args: &[&str], stdin: &str, cwd: Option<&Path>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.env_remove("DISCORD_TOKEN");
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().expect("spawn safetweet");
    // The binary may exit (e.g. on a config error) before reading stdin: a
    // broken pipe here is not a failure; its exit code and output decide.
    let _ = child.stdin.take().expect("stdin").write_all(stdin.as_bytes());
    child.wait_with_output().expect("wait")
}

fn stdout_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
        .collect()
}

#[test]
fn jsonl_keeps_order_reports_bad_lines_and_exits_1_when_blocked() {
    let dir = config_dir(RULES);
    let cfg = dir.path().to_str().unwrap();
    let input = concat!(
        "{\"id\": \"a\", \"text\": \"all fine here\"}\n",
        "{\"id\": \"b\", \"text\": \"a forbidden phrase\", \"attachments\": [{\"filename\": \"x.png\", \"content_type\": \"image/png\"}], \"extra\": true}\n",
        "{\"id\": \"c\", \"text\": 5}\n",
        "this is not json\n",
        "{\"id\": \"d\", \"text\": \"a miracle\"}\n",
    );
    let o = run(&["--config", cfg, "check", "--jsonl", "-"], input, None);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let lines = stdout_lines(&o);
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["verdict"], "ok");
    assert_eq!(lines[0]["weighted_length"], 13);
    assert_eq!(lines[1]["id"], "b");
    assert_eq!(lines[1]["verdict"], "block");
    let f = &lines[1]["findings"][0];
    assert_eq!(f["rule"], "test.block");
    assert_eq!(f["category"], "clinical-advice");
    assert_eq!(f["severity"], "error");
    assert_eq!((f["start"].as_u64(), f["end"].as_u64()), (Some(2), Some(18)));
    assert_eq!(f["message"], "found f******** p*****", "{{match}} is masked");
    assert_eq!(f["suggestion"], "remove it");
    assert_eq!(lines[2]["line"], 3);
    assert!(lines[2]["error"].as_str().unwrap().contains("malformed"));
    assert_eq!(lines[3]["line"], 4);
    assert_eq!(lines[4]["id"], "d");
    assert_eq!(lines[4]["verdict"], "revise");
}

#[test]
fn jsonl_with_a_malformed_line_and_nothing_blocked_exits_3() {
    let dir = config_dir(RULES);
    let cfg = dir.path().to_str().unwrap();
    let input =
        "{\"id\": \"1\", \"text\": \"hello\"}\n\n{\"id\": \"2\", \"text\": 7}\n{\"id\": \"3\", \"text\": \"fine\"}\n";
    let o = run(&["--config", cfg, "check", "--jsonl", "-"], input, None);
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout_lines(&o).len(), 3, "the blank line is skipped, the others answered");
    assert!(String::from_utf8_lossy(&o.stderr).contains("1 line(s) not reviewed (first: line 3)"));
}

#[test]
fn jsonl_from_file_exits_0_when_nothing_blocked() {
    let dir = config_dir(RULES);
    let file = dir.path().join("drafts.jsonl");
    std::fs::write(&file, "{\"id\": \"1\", \"text\": \"a miracle\"}\n{\"id\": \"2\", \"text\": \"hello\"}\n").unwrap();
    let o = run(&["--config", dir.path().to_str().unwrap(), "check", "--jsonl", file.to_str().unwrap()], "", None);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout_lines(&o).len(), 2);
}

#[test]
fn single_draft_from_stdin_as_json() {
    let dir = config_dir(RULES);
    let o =
        run(&["--config", dir.path().to_str().unwrap(), "check", "--format", "json", "-"], "x forbidden phrase", None);
    assert_eq!(o.status.code(), Some(1));
    let v = stdout_lines(&o);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["verdict"], "block");
    // the lexicon's finding, by id (the model may add findings of its own)
    let hit = v[0]["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "test.block").expect("test.block");
    assert_eq!(hit["start"], 2);
    assert_eq!(hit["end"], 18);
}

#[test]
fn single_draft_file_as_text_report() {
    let dir = config_dir(RULES);
    let draft = dir.path().join("draft.txt");
    std::fs::write(&draft, "line one\nthis is a miracle").unwrap();
    let o = run(&["--config", dir.path().to_str().unwrap(), "check", draft.to_str().unwrap()], "", None);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("REVISE"), "{out}");
    assert!(out.contains("test.warn"), "{out}");
    assert!(out.contains("2:11"), "finding located by line:col: {out}");
    assert!(!out.contains("\x1b["), "no colour when not a terminal");
}

#[test]
fn missing_file_is_exit_2() {
    let o = run(&["check", "/nonexistent/draft.txt"], "", None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/draft.txt"));
}

#[test]
fn bad_config_names_file_key_and_line() {
    let dir = config_dir(&RULES.replace("\"clinical-advice\"", "\"clinical_advice\""));
    let o = run(&["--config", dir.path().to_str().unwrap(), "check", "-"], "hello", None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("rules.toml:7"), "{err}");
    assert!(err.contains("lexicon[0].category"), "{err}");
    assert!(err.contains("clinical_advice"), "{err}");
}

/// Issue 7: a bad model file is a clear error at start (exit 2, the file
/// named), never a silent fall-back to no model; the good one beside the same
/// rules works.
#[test]
fn a_bad_model_file_is_exit_2_naming_it() {
    let dir = config_dir(&std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/rules.toml")).unwrap());
    let model = dir.path().join("model.bin");
    let good = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/config/model.bin")).unwrap();
    let draft = "Had the sweetest lady this morning, finally went home after three weeks with us.";
    for bad in [&b"not a model"[..], &good[..good.len() / 2]] {
        std::fs::write(&model, bad).unwrap();
        let o = run(&["--config", dir.path().to_str().unwrap(), "check", "-"], draft, None);
        assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stderr).contains("model.bin"), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stdout.is_empty(), "no review without the model");
    }
    std::fs::write(&model, &good).unwrap();
    let o = run(&["--config", dir.path().to_str().unwrap(), "check", "-"], draft, None);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("patient.model"));
}

#[test]
fn missing_config_dir_is_exit_2() {
    let o = run(&["--config", "/nonexistent-dir", "check", "-"], "hello", None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent-dir/rules.toml"));
}

#[test]
fn usage_error_is_exit_2() {
    let o = run(&["check", "--format", "yaml"], "", None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn no_subcommand_prints_help() {
    let o = run(&[], "", None);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    for sub in ["check", "rules", "audit", "serve"] {
        assert!(out.contains(sub), "help lists {sub}: {out}");
    }
}

#[test]
fn rules_lists_what_why_example() {
    let dir = config_dir(RULES);
    let o = run(&["--config", dir.path().to_str().unwrap(), "rules"], "", None);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("test.block [clinical-advice, error]"), "{out}");
    assert!(out.contains("What: w") && out.contains("Why: y") && out.contains("Example: e"));
    let o = run(&["--config", dir.path().to_str().unwrap(), "rules", "--format", "json"], "", None);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v.as_array().unwrap().iter().any(|r| r["id"] == "test.warn" && r["severity"] == "warning"));
}

#[test]
fn builtin_rules_run_from_any_directory() {
    let elsewhere = tempfile::tempdir().unwrap();
    let o = run(&["rules", "--format", "json"], "", Some(elsewhere.path()));
    assert_eq!(o.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rules = v.as_array().unwrap();
    for cat in ["phi", "patient-reference", "clinical-advice", "length", "health-claim", "links", "hashtags"] {
        assert!(rules.iter().any(|r| r["category"] == cat), "a built-in rule for {cat}");
    }
    for r in rules {
        for k in ["what", "why", "example"] {
            assert!(!r[k].as_str().unwrap_or("").trim().is_empty(), "{} has {k}", r["id"]);
        }
    }
}

#[test]
fn run_without_token_reviews_sample_drafts() {
    let elsewhere = tempfile::tempdir().unwrap();
    let o = run(&["run"], "", Some(elsewhere.path()));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("DISCORD_TOKEN"));
    let lines = stdout_lines(&o);
    assert!(lines.len() >= 10);
    assert!(lines.iter().any(|l| l["verdict"] == "block"));
    assert!(lines.iter().any(|l| l["verdict"] == "ok"));
}

/// On a terminal, `run` without a token prints the readable report (colour,
/// one block per draft, a summary line), not JSON lines. The terminal is a
/// real pseudo-terminal from util-linux's `script` (Essential in Debian).
#[test]
fn run_without_token_on_a_terminal_prints_the_readable_report() {
    if Command::new("script").arg("--version").output().is_err() {
        let _ = writeln!(
            std::io::stderr(),
            "\n!!!!! SKIPPED run_without_token_on_a_terminal_prints_the_readable_report: no `script` (util-linux) !!!!!\n"
        );
        return;
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let o = Command::new("script")
        .args(["-q", "-e", "-c", &format!("'{BIN}' run"), "/dev/null"])
        .current_dir(elsewhere.path())
        .env_remove("DISCORD_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("\x1b[1;31mBLOCK\x1b[0m"), "colour on a terminal: {out}");
    assert!(out.contains("tip-walk: "), "one block per sample draft: {out}");
    assert!(out.contains("sample drafts: \x1b[1;31m"), "a summary line: {out}");
    assert!(!out.lines().any(|l| l.trim_start().starts_with('{')), "no JSON lines on a terminal: {out}");
}

/// `check` reviews at most 64 KiB of text per draft (README, "Limits"): a
/// file or stdin over it is refused with exit code 2 and a message naming
/// the draft and the limit; in `--jsonl` the long draft gets an error line
/// naming its id and the rest go on.
#[test]
fn drafts_over_64_kib_are_refused_on_every_input_path() {
    const LIMIT: usize = 64 * 1024;
    let dir = config_dir(RULES);
    let cfg = dir.path().to_str().unwrap();
    let at_limit = "a miracle ".repeat(LIMIT / 10) + &"x".repeat(LIMIT % 10);
    assert_eq!(at_limit.len(), LIMIT);
    let over = format!("{at_limit}!");

    let file = dir.path().join("long.txt");
    std::fs::write(&file, &over).unwrap();
    let o = run(&["--config", cfg, "check", file.to_str().unwrap()], "", None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("long.txt") && err.contains("65536 bytes") && err.contains("65537"), "{err}");
    assert!(o.stdout.is_empty());

    let o = run(&["--config", cfg, "check", "--format", "json", "-"], &over, None);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("stdin") && err.contains("65536 bytes"), "{err}");

    // at the limit: reviewed (far too long for a post, and the warning rule fires)
    let o = run(&["--config", cfg, "check", "--format", "json", "-"], &at_limit, None);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v = &stdout_lines(&o)[0];
    assert_eq!(v["verdict"], "block");
    assert!(v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "test.warn"));

    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "too-long", "text": over}),
        serde_json::json!({"id": "short", "text": "a miracle"})
    );
    let o = run(&["--config", cfg, "check", "--jsonl", "-"], &input, None);
    // nothing blocked, but a draft went unreviewed: a gate on exit 0 must not pass
    assert_eq!(o.status.code(), Some(3), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("1 line(s) not reviewed (first: line 1)"), "{err}");
    assert!(!err.contains("Call") && !err.contains("miracle"), "stderr never holds draft text: {err}");
    let lines = stdout_lines(&o);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "too-long");
    assert_eq!(lines[0]["line"], 1);
    let e = lines[0]["error"].as_str().unwrap();
    assert!(e.contains("\"too-long\"") && e.contains("65536 bytes"), "{e}");
    assert_eq!(lines[1]["id"], "short");
    assert_eq!(lines[1]["verdict"], "revise");
}
