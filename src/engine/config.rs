//! Loading `rules.toml` into a compiled [`RuleSet`].
//!
//! The default rules are compiled into the binary (`config/rules.toml`), so
//! `safetweet` runs from anywhere; `--config DIR` loads `DIR/rules.toml`
//! instead. A bad file is a [`ConfigError`] naming the file, the key and the
//! line, never a panic.
//!
//! This module knows the file, not the rules: it checks the syntax, the
//! tables every rule shares (`[meta]`, `[allowlist]`, `[rules]`) and that
//! every other table belongs to a rule family; each family of
//! [`super::check::FAMILIES`] then compiles its own tables from a
//! [`Source`]. No detector is named here.
//!
//! File layout (every table rejects unknown keys):
//! ```toml
//! [meta]
//! version = "2026.11"            # shown in audit records with a content hash
//! [profile]
//! text = "..."                   # the account's profile/bio, checked for a disclaimer
//! [allowlist]                    # the organisation's own public contacts
//! phones = ["617-555-0100"]
//! emails = ["info@example.org"]
//! domains = ["example.org"]
//! [rules]                        # per-rule level: "error" | "warning" | "info" | "off"
//! "hashtags.too-many" = "info"
//! [[lexicon]]                    # a data rule: phrases and/or patterns
//! id = "claim.cure" ...
//! [[hashtag]]                    # the community hashtag catalog
//! tag = "#BCSM" ...
//! [context.cues]                 # cue phrases of the context rules, one key per role
//! care = ["admitted", "results"] # (see `context::ROLE_NAMES`); absent: the built-in table
//! ```

use super::check::{sections, FAMILIES};
use super::registry::{code_rules, RuleInfo, RuleSource};
use super::Severity;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

use super::ruleset::builtin_model;
pub use super::ruleset::{load_model, RuleSet};

/// The rules shipped with the binary.
pub const DEFAULT_RULES_TOML: &str = include_str!("../../config/rules.toml");
pub(crate) const DEFAULT_RULES_NAME: &str = "config/rules.toml (built in)";

/// A configuration problem, located as precisely as the file allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub key: Option<String>,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The organisation's own public contacts: never reported as PHI.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowlist {
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub domains: Vec<String>,
}

impl Allowlist {
    /// Whether a phone number (any punctuation) is one of the organisation's.
    pub fn allows_phone(&self, phone: &str) -> bool {
        // compare national numbers: the digits, without a leading US country
        // code (eleven digits starting with 1); no string is built
        fn national(s: &str) -> impl Iterator<Item = u8> + '_ {
            let mut digits = s.bytes().filter(u8::is_ascii_digit);
            let count = digits.clone().count();
            let skip = usize::from(count == 11 && digits.next() == Some(b'1'));
            s.bytes().filter(u8::is_ascii_digit).skip(skip)
        }
        if !phone.bytes().any(|c| c.is_ascii_digit()) || self.phones.is_empty() {
            return false;
        }
        self.phones.iter().any(|p| national(p).eq(national(phone)))
    }

    /// Whether an email is allowed, itself or by its domain.
    pub fn allows_email(&self, email: &str) -> bool {
        let e = email.to_ascii_lowercase();
        if self.emails.iter().any(|a| a.eq_ignore_ascii_case(&e)) {
            return true;
        }
        e.rsplit_once('@').is_some_and(|(_, d)| self.allows_domain(d))
    }

    /// Whether a host is one of the organisation's domains (or a subdomain).
    pub fn allows_domain(&self, host: &str) -> bool {
        let h = host.trim_end_matches('.').to_ascii_lowercase();
        self.domains.iter().any(|d| {
            let d = d.to_ascii_lowercase();
            h == d || h.ends_with(&format!(".{d}"))
        })
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Meta {
    #[serde(default)]
    version: Option<String>,
}

/// The tables every rule shares: `[meta]`, `[allowlist]`, `[rules]`. The
/// rule families read their own tables ([`super::check::Check::sections`]).
#[derive(Debug, Deserialize)]
struct RawCommon {
    #[serde(default)]
    meta: Meta,
    #[serde(default)]
    allowlist: Allowlist,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<String>>,
}

/// The tables of [`RawCommon`].
const COMMON_SECTIONS: [&str; 3] = ["meta", "allowlist", "rules"];

/// One configuration being loaded, as the rule families see it: the text of
/// `rules.toml` with its name for errors, and the folder its data files may
/// come from (`None`: the built-in configuration).
pub struct Source<'a> {
    pub text: &'a str,
    pub file: &'a str,
    pub dir: Option<&'a Path>,
}

impl Source<'_> {
    /// The built-in configuration.
    pub fn builtin() -> Source<'static> {
        Source { text: DEFAULT_RULES_TOML, file: DEFAULT_RULES_NAME, dir: None }
    }

    /// Deserializes the tables `T` knows from the whole file (other tables
    /// are skipped), so that spans, and so lines, are the file's own.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        toml::from_str(self.text).map_err(|e| {
            let key = e.message().split('`').nth(1).map(str::to_string);
            self.error(key, e.span(), e.message().trim().to_string())
        })
    }

    /// A data file of the configuration (`words/facility-words.txt`): the
    /// config folder's own when it has one, else the built-in text. Returns
    /// the text and the name errors give it.
    pub fn data_file(&self, name: &str, builtin: &'static str) -> Result<(Cow<'static, str>, String), ConfigError> {
        if let Some(dir) = self.dir {
            let path = dir.join(name);
            if path.exists() {
                let file = path.display().to_string();
                return match std::fs::read_to_string(&path) {
                    Ok(text) => Ok((Cow::Owned(text), file)),
                    Err(e) => Err(ConfigError { file, key: None, line: None, message: format!("cannot read: {e}") }),
                };
            }
        }
        Ok((Cow::Borrowed(builtin), format!("config/{name} (built in)")))
    }

    /// Whether the config folder has its own copy of any of these data files
    /// (when it has none, the built-in ones, compiled once per process, serve).
    pub fn overrides_any(&self, names: &[&str]) -> bool {
        self.dir.is_some_and(|dir| names.iter().any(|n| dir.join(n).exists()))
    }

    /// An error in this file, at a byte span when there is one.
    pub fn error(&self, key: Option<String>, span: Option<std::ops::Range<usize>>, message: String) -> ConfigError {
        ConfigError { file: self.file.to_string(), key, line: span.map(|s| line_of(self.text, s.start)), message }
    }
}

impl RuleSet {
    /// The rules compiled into the binary.
    pub fn builtin() -> Result<RuleSet, ConfigError> {
        RuleSet::from_toml(DEFAULT_RULES_TOML, DEFAULT_RULES_NAME)
    }

    /// Loads `DIR/rules.toml`.
    pub fn from_dir(dir: &Path) -> Result<RuleSet, ConfigError> {
        let model_path = dir.join("model.bin");
        let (rules, model) = with_model_beside(
            || RuleSet::without_model(Some(dir)),
            || if model_path.exists() { load_model(&model_path).map(std::sync::Arc::new) } else { builtin_model() },
        );
        let mut rules = rules?;
        rules.model = Some(model?);
        Ok(rules)
    }

    /// Parses and compiles a rules file's text; `file` names it in errors.
    /// The built-in model comes with it.
    pub fn from_toml(text: &str, file: &str) -> Result<RuleSet, ConfigError> {
        let (rules, model) =
            with_model_beside(|| RuleSet::rules_only(&Source { text, file, dir: None }), builtin_model);
        let mut rules = rules?;
        rules.model = Some(model?);
        Ok(rules)
    }

    /// The built-in rules without the model: what the unit tests of one rule
    /// family use, so they test that family's logic alone.
    pub fn builtin_without_model() -> Result<RuleSet, ConfigError> {
        RuleSet::without_model(None)
    }

    /// The rules of `--config DIR` (or the built-in ones) without any model:
    /// what `safetweet train` runs the structured detectors with, so a model
    /// file from another featurizer version does not stop its own retraining.
    pub fn without_model(dir: Option<&Path>) -> Result<RuleSet, ConfigError> {
        match dir {
            None => RuleSet::rules_only(&Source::builtin()),
            Some(dir) => {
                let path: PathBuf = dir.join("rules.toml");
                let name = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
                    file: name.clone(),
                    key: None,
                    line: None,
                    message: format!("cannot read: {e}"),
                })?;
                RuleSet::rules_only(&Source { text: &text, file: &name, dir: Some(dir) })
            }
        }
    }

    fn rules_only(source: &Source<'_>) -> Result<RuleSet, ConfigError> {
        // Syntax first, then tables nobody owns; each family deserializes its
        // own tables and rejects unknown keys inside them.
        let tables: BTreeMap<Spanned<String>, IgnoredAny> = source.parse()?;
        for name in tables.keys() {
            let known = |s: &str| s == name.get_ref();
            if !COMMON_SECTIONS.iter().any(|s| known(s)) && !sections().any(known) {
                let expected = COMMON_SECTIONS
                    .iter()
                    .copied()
                    .chain(sections())
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(source.error(
                    Some(name.get_ref().clone()),
                    Some(name.span()),
                    format!("unknown field `{}`, expected one of {expected}", name.get_ref()),
                ));
            }
        }
        let raw: RawCommon = source.parse()?;
        if let Some(dir) = source.dir {
            check_data_files(dir)?;
        }

        // The families compile at the same time, each on its own thread
        // (their patterns and automata are most of start-up); the rule set
        // takes what they built in FAMILIES order afterwards.
        let (empty, compiled) = std::thread::scope(|scope| {
            let compiling: Vec<_> = FAMILIES.iter().map(|family| scope.spawn(move || family.compile(source))).collect();
            let empty = RuleSet::empty(raw.allowlist);
            let compiled: Vec<_> = compiling
                .into_iter()
                .map(|thread| thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect();
            (empty, compiled)
        });
        let mut rules = empty.map_err(|e| source.error(None, None, e))?;
        for doc in code_rules() {
            rules.register(RuleInfo {
                id: doc.id.to_string(),
                category: doc.category,
                default_severity: doc.severity,
                severity: Some(doc.severity),
                what: doc.what.to_string(),
                why: doc.why.to_string(),
                example: doc.example.to_string(),
                source: RuleSource::Code,
            });
        }
        for install in compiled {
            install?(&mut rules);
        }

        for (id, level) in &raw.rules {
            let key = || Some(format!("rules.\"{id}\""));
            let severity = match level.get_ref().as_str() {
                "off" => None,
                s => Some(Severity::parse(s).ok_or_else(|| {
                    source.error(
                        key(),
                        Some(level.span()),
                        format!("unknown level {s:?}; expected error, warning, info or off"),
                    )
                })?),
            };
            if !rules.set_severity(id, severity) {
                return Err(source.error(
                    key(),
                    Some(level.span()),
                    format!("no rule with id {id:?} (see `safetweet rules`)"),
                ));
            }
        }

        let digest = Sha256::digest(source.text.as_bytes());
        rules.version = format!(
            "{}+{}",
            raw.meta.version.unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
            &hex::encode(digest)[..12]
        );
        Ok(rules)
    }
}

/// Compiles the rules and reads the model at the same time, the model on a
/// thread of its own (start-up is mostly these two). A bad rules file is
/// reported before a bad model, as when they were loaded one after the other.
fn with_model_beside<R: Send, M: Send>(rules: impl FnOnce() -> R + Send, model: impl FnOnce() -> M + Send) -> (R, M) {
    std::thread::scope(|scope| {
        let reading = scope.spawn(model);
        let rules = rules();
        (rules, reading.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Every data file the rule families read, by its path in a config folder.
pub fn data_files() -> impl Iterator<Item = &'static str> {
    FAMILIES.iter().flat_map(|f| f.data_files().iter().copied())
}

/// A file in a data folder of `--config DIR` (`DIR/words/`) that no family
/// reads is a mistake (a misspelt name would silently change nothing).
fn check_data_files(dir: &Path) -> Result<(), ConfigError> {
    let mut folders: Vec<&str> = data_files().filter_map(|f| f.rsplit_once('/').map(|(d, _)| d)).collect();
    folders.dedup();
    for folder in folders {
        let Ok(entries) = std::fs::read_dir(dir.join(folder)) else { continue };
        for entry in entries.flatten() {
            let name = format!("{folder}/{}", entry.file_name().to_string_lossy());
            if !data_files().any(|f| f == name) {
                let known = data_files().collect::<Vec<_>>().join(", ");
                return Err(ConfigError {
                    file: entry.path().display().to_string(),
                    key: None,
                    line: None,
                    message: format!("not a data file SafeTweet reads; expected one of: {known}"),
                });
            }
        }
    }
    Ok(())
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::super::context::{role_by_name, Vocabulary};
    use super::*;

    const RULE: &str = r#"
[[lexicon]]
id = "claim.test"
category = "health-claim"
severity = "warning"
phrases = ["miracle"]
message = "m"
what = "w"
why = "y"
example = "e"
"#;

    #[test]
    fn builtin_rules_load() {
        let rs = RuleSet::builtin().expect("built-in rules parse");
        assert!(!rs.rules().is_empty());
        assert!(rs.version.contains('+'));
    }

    #[test]
    fn an_empty_message_names_file_key_and_line() {
        for empty in ["\"\"", "\"  \""] {
            let text = RULE.replace("message = \"m\"", &format!("message = {empty}"));
            let e = RuleSet::from_toml(&text, "x/rules.toml").unwrap_err();
            assert_eq!(e.key.as_deref(), Some("lexicon[0].message"), "{e}");
            assert_eq!(e.line, Some(7), "{e}");
            assert!(e.to_string().starts_with("x/rules.toml:7"), "{e}");
        }
    }

    #[test]
    fn unknown_category_names_key_and_line() {
        let text = RULE.replace("health-claim", "healthclaim");
        let e = RuleSet::from_toml(&text, "x/rules.toml").unwrap_err();
        assert_eq!(e.file, "x/rules.toml");
        assert_eq!(e.key.as_deref(), Some("lexicon[0].category"));
        assert_eq!(e.line, Some(4));
        assert!(e.to_string().contains("x/rules.toml:4"), "{e}");
    }

    #[test]
    fn bad_regex_names_pattern() {
        let text = RULE.replace("phrases = [\"miracle\"]", "patterns = [\"(unclosed\"]");
        let e = RuleSet::from_toml(&text, "r.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("lexicon[0].patterns[0]"));
        assert_eq!(e.line, Some(6));
    }

    #[test]
    fn a_lexicon_id_taken_by_a_code_rule_or_an_earlier_entry_is_refused() {
        // the lexicon compiles on its own thread, before anything is
        // registered: it checks ids against the code rules' docs itself
        let code = RULE.replace("claim.test", "phi.mrn");
        let e = RuleSet::from_toml(&code, "r.toml").unwrap_err();
        assert_eq!((e.key.as_deref(), e.line), (Some("lexicon[0].id"), Some(3)), "{e}");
        assert!(e.message.contains("duplicate rule id \"phi.mrn\""), "{e}");
        let twice = format!("{RULE}{RULE}");
        let e = RuleSet::from_toml(&twice, "r.toml").unwrap_err();
        assert_eq!((e.key.as_deref(), e.line), (Some("lexicon[1].id"), Some(13)), "{e}");
        let rs = RuleSet::from_toml(RULE, "r.toml").expect("one entry loads");
        assert_eq!(rs.rules().last().map(|r| r.id.as_str()), Some("claim.test"), "entries come after the code rules");
    }

    #[test]
    fn of_two_families_in_error_the_first_in_list_order_is_reported() {
        // context (second family) and lexicon (third) both fail; they
        // compile at the same time, whichever finishes first
        let text = format!("[context.cues]\ncolour = [\"red\"]\n{}", RULE.replace("health-claim", "healthclaim"));
        for _ in 0..20 {
            let e = RuleSet::from_toml(&text, "r.toml").unwrap_err();
            assert_eq!(e.key.as_deref(), Some("context.cues.colour"), "{e}");
        }
    }

    #[test]
    fn unknown_field_is_rejected_with_line() {
        let text = format!("{RULE}colour = \"red\"\n");
        let e = RuleSet::from_toml(&text, "r.toml").unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        assert_eq!(e.line, Some(11));
    }

    #[test]
    fn a_table_no_family_owns_names_key_and_line() {
        let text = format!("{RULE}\n[colours]\nred = 1\n");
        let e = RuleSet::from_toml(&text, "x/rules.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("colours"), "{e}");
        assert_eq!(e.line, Some(12), "{e}");
        // the message lists the tables that exist, the families' own included
        for table in ["meta", "allowlist", "rules", "lexicon", "hashtag", "profile", "context"] {
            assert!(e.message.contains(&format!("`{table}`")), "{table}: {e}");
        }
    }

    #[test]
    fn syntax_error_has_line() {
        let e = RuleSet::from_toml("[meta]\nversion = \n", "r.toml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn severity_override_and_off() {
        let text = format!("{RULE}\n[rules]\n\"claim.test\" = \"off\"\n");
        let rs = RuleSet::from_toml(&text, "r.toml").unwrap();
        assert_eq!(rs.severity_of("claim.test"), None);
        let text = format!("{RULE}\n[rules]\n\"claim.test\" = \"error\"\n");
        let rs = RuleSet::from_toml(&text, "r.toml").unwrap();
        assert_eq!(rs.severity_of("claim.test"), Some(Severity::Error));
    }

    #[test]
    fn override_of_unknown_rule_is_an_error() {
        let e = RuleSet::from_toml("[rules]\n\"nope.rule\" = \"off\"\n", "r.toml").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("nope.rule"));
    }

    #[test]
    fn unknown_cue_role_names_key_and_line() {
        let text = "[meta]\nversion = \"t\"\n\n[context.cues]\ncare = [\"admitted\"]\ncolour = [\"red\"]\n";
        let e = RuleSet::from_toml(text, "x/rules.toml").unwrap_err();
        assert_eq!(e.file, "x/rules.toml");
        assert_eq!(e.key.as_deref(), Some("context.cues.colour"));
        assert_eq!(e.line, Some(6));
        assert!(e.message.contains("date_trigger"), "lists the known roles: {e}");
        assert!(e.to_string().contains("x/rules.toml:6"), "{e}");
    }

    #[test]
    fn bad_cue_phrase_names_key_and_line() {
        for bad in ["\"\"", "\"  \"", "\" admitted\""] {
            let text = format!("[context.cues]\ncare = [\n  \"seen\",\n  {bad},\n]\n");
            let e = RuleSet::from_toml(&text, "r.toml").unwrap_err();
            assert_eq!(e.key.as_deref(), Some("context.cues.care[1]"), "{bad}: {e}");
            assert_eq!(e.line, Some(4), "{bad}: {e}");
        }
        // a phrase that is not a string, and an unknown key inside [context]
        let e = RuleSet::from_toml("[context.cues]\ncare = [3]\n", "r.toml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        let e = RuleSet::from_toml("[context]\nwords = {}\n", "r.toml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert!(e.message.contains("words"), "{e}");
    }

    #[test]
    fn builtin_cues_come_from_rules_toml() {
        let rs = RuleSet::builtin().unwrap();
        assert!(rs.context.len() > 500, "{}", rs.context.len());
        // a file without [context] gets the built-in vocabulary
        let rs = RuleSet::from_toml(RULE, "r.toml").unwrap();
        assert_eq!(rs.context.len(), RuleSet::builtin().unwrap().context.len());
        let r = super::super::review(&super::super::Draft::new("my patient Jessica Moreno is home"), &rs);
        assert!(r.findings.iter().any(|f| f.rule == "phi.name"), "{:?}", r.findings);
        // one with its own table gets only that table
        let rs = RuleSet::from_toml("[context.cues]\ncare = [\"admitted\"]\n", "r.toml").unwrap();
        assert_eq!(rs.context.len(), 1);
        let rs = RuleSet::from_toml("[context.cues]\n", "r.toml").unwrap();
        assert!(rs.context.is_empty());
    }

    #[test]
    fn custom_cue_in_config_dir_changes_a_result() {
        use super::super::{review, Draft};
        let draft = Draft::new("Lovely chat with Jessica Moreno this afternoon.");
        let names = |rs: &RuleSet| review(&draft, rs).findings.iter().filter(|f| f.rule == "phi.name").count();
        // the context rules alone: the model is tested in engine::model
        assert_eq!(names(&RuleSet::builtin_without_model().unwrap()), 0, "no care cue in the built-in table");
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("rules.toml"), "[context.cues]\ncare = [\"lovely chat\"]\n").unwrap();
        let rs = RuleSet::without_model(Some(dir.path())).unwrap();
        assert_eq!(names(&rs), 1, "a custom care cue makes the name a patient's");
        // matching stays whole-word and ASCII case-insensitive
        let other = Draft::new("LOVELY CHATS with Jessica Moreno this afternoon.");
        assert_eq!(review(&other, &rs).findings.iter().filter(|f| f.rule == "phi.name").count(), 0);
        let upper = Draft::new("LOVELY CHAT with Jessica Moreno this afternoon.");
        assert_eq!(review(&upper, &rs).findings.iter().filter(|f| f.rule == "phi.name").count(), 1);
    }

    #[test]
    fn a_phrase_under_two_roles_carries_both() {
        let care = role_by_name("care").unwrap();
        let case = role_by_name("case").unwrap();
        let v = Vocabulary::build([("Chart", care), ("chart", case), ("seen", care)]).unwrap();
        assert_eq!(v.len(), 2);
        assert!(role_by_name("Care").is_none() && role_by_name("").is_none());
        let rs = RuleSet::from_toml("[context.cues]\ncare = [\"chart\"]\ncase = [\"CHART\"]\n", "r.toml").unwrap();
        assert_eq!(rs.context.len(), 1);
    }

    #[test]
    fn allowlist_matches_formats() {
        let a = Allowlist {
            phones: vec!["(617) 555-0100".into()],
            emails: vec![],
            domains: vec!["example-clinic.org".into()],
        };
        assert!(a.allows_phone("+1 617 555 0100"));
        assert!(!a.allows_phone("617 555 0101"));
        assert!(a.allows_email("Info@Example-Clinic.org"));
        assert!(a.allows_domain("blog.example-clinic.org"));
        assert!(!a.allows_domain("evil-example-clinic.org"));
    }
}
