//! Loading `rules.toml` into a compiled [`RuleSet`].
//!
//! The default rules are compiled into the binary (`config/rules.toml`), so
//! `safetweet` runs from anywhere; `--config DIR` loads `DIR/rules.toml`
//! instead. A bad file is a [`ConfigError`] naming the file, the key and the
//! line, never a panic.
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

use super::context::{role_by_name, Vocabulary, ROLE_NAMES};
use super::lexicon::{Lexicon, LexiconRule};
use super::model::Model;
use super::registry::{code_rules, RuleInfo, RuleSource};
use super::{Category, Severity};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The rules shipped with the binary.
pub const DEFAULT_RULES_TOML: &str = include_str!("../../config/rules.toml");
const DEFAULT_RULES_NAME: &str = "config/rules.toml (built in)";

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
        let digits = |s: &str| -> String {
            let d: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            // compare national numbers: drop a leading US country code
            if d.len() == 11 && d.starts_with('1') {
                d[1..].to_string()
            } else {
                d
            }
        };
        let want = digits(phone);
        !want.is_empty() && self.phones.iter().any(|p| digits(p) == want)
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

/// The account the drafts are posted from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The account's profile text (bio), checked for a disclaimer.
    #[serde(default)]
    pub text: String,
}

/// One entry of the community hashtag catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HashtagEntry {
    pub tag: String,
    #[serde(default)]
    pub topic: String,
    /// Words or phrases that put a draft on this tag's topic.
    #[serde(default)]
    pub keywords: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Meta {
    #[serde(default)]
    version: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLexiconRule {
    id: Spanned<String>,
    category: Spanned<String>,
    severity: Spanned<String>,
    #[serde(default)]
    phrases: Vec<String>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    exceptions: Vec<String>,
    message: Spanned<String>,
    #[serde(default)]
    suggestion: Option<String>,
    what: String,
    why: String,
    example: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    meta: Meta,
    #[serde(default)]
    profile: Profile,
    #[serde(default)]
    allowlist: Allowlist,
    #[serde(default)]
    rules: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    lexicon: Vec<RawLexiconRule>,
    #[serde(default)]
    hashtag: Vec<HashtagEntry>,
    #[serde(default)]
    context: RawContext,
}

/// Role name → phrases, with spans for errors.
type RawCues = BTreeMap<Spanned<String>, Vec<Spanned<String>>>;

/// `[context]`: the vocabulary of the context rules.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawContext {
    /// `[context.cues]`; when absent, the built-in file's table is used.
    #[serde(default)]
    cues: Option<RawCues>,
}

/// Only the `[context]` table of a file (other tables are skipped).
#[derive(Debug, Deserialize, Default)]
struct ContextOnly {
    #[serde(default)]
    context: RawContext,
}

/// A compiled, ready-to-use rule set. Build it once; review many drafts.
#[derive(Debug)]
pub struct RuleSet {
    /// `meta.version` plus a hash of the config text: what audit records cite.
    pub version: String,
    pub allowlist: Allowlist,
    pub hashtags: Vec<HashtagEntry>,
    pub lexicon: Lexicon,
    /// The hashtag catalog and profile, compiled for the posting rules.
    pub posting: super::posting::Compiled,
    /// The cue phrases of the context rules (`[context.cues]`), compiled.
    pub context: Vocabulary,
    /// The learned classifier (`config/model.bin`, built in; `DIR/model.bin`
    /// with `--config DIR`). `None` only while training a new one.
    pub model: Option<std::sync::Arc<Model>>,
    rules: Vec<RuleInfo>,
    index: HashMap<String, usize>,
}

impl RuleSet {
    /// The rules compiled into the binary.
    pub fn builtin() -> Result<RuleSet, ConfigError> {
        RuleSet::from_toml(DEFAULT_RULES_TOML, DEFAULT_RULES_NAME)
    }

    /// Loads `DIR/rules.toml`.
    pub fn from_dir(dir: &Path) -> Result<RuleSet, ConfigError> {
        let mut rules = RuleSet::without_model(Some(dir))?;
        let model_path = dir.join("model.bin");
        rules.model =
            Some(if model_path.exists() { std::sync::Arc::new(load_model(&model_path)?) } else { builtin_model()? });
        Ok(rules)
    }

    /// Parses and compiles a rules file's text; `file` names it in errors.
    /// The built-in model comes with it.
    pub fn from_toml(text: &str, file: &str) -> Result<RuleSet, ConfigError> {
        let mut rules = RuleSet::rules_only(text, file)?;
        rules.model = Some(builtin_model()?);
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
            None => RuleSet::rules_only(DEFAULT_RULES_TOML, DEFAULT_RULES_NAME),
            Some(dir) => {
                let path: PathBuf = dir.join("rules.toml");
                let name = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
                    file: name.clone(),
                    key: None,
                    line: None,
                    message: format!("cannot read: {e}"),
                })?;
                RuleSet::rules_only(&text, &name)
            }
        }
    }

    fn rules_only(text: &str, file: &str) -> Result<RuleSet, ConfigError> {
        let err = |key: Option<String>, span: Option<std::ops::Range<usize>>, message: String| ConfigError {
            file: file.to_string(),
            key,
            line: span.map(|s| line_of(text, s.start)),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let key = e.message().split('`').nth(1).map(str::to_string);
            err(key, e.span(), e.message().trim().to_string())
        })?;

        let mut rules: Vec<RuleInfo> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for doc in code_rules() {
            index.insert(doc.id.to_string(), rules.len());
            rules.push(RuleInfo {
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

        let mut lexicon_rules = Vec::with_capacity(raw.lexicon.len());
        for (i, r) in raw.lexicon.into_iter().enumerate() {
            let key = |k: &str| Some(format!("lexicon[{i}].{k}"));
            let id = r.id.get_ref().trim().to_string();
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
                return Err(err(
                    key("id"),
                    Some(r.id.span()),
                    format!("rule id {id:?} must be non-empty ASCII letters, digits, '.', '-' or '_'"),
                ));
            }
            if index.contains_key(&id) {
                return Err(err(key("id"), Some(r.id.span()), format!("duplicate rule id {id:?}")));
            }
            let category = Category::parse(r.category.get_ref()).ok_or_else(|| {
                err(
                    key("category"),
                    Some(r.category.span()),
                    format!("unknown category {:?}; expected one of: {}", r.category.get_ref(), category_list()),
                )
            })?;
            let severity = Severity::parse(r.severity.get_ref()).ok_or_else(|| {
                err(
                    key("severity"),
                    Some(r.severity.span()),
                    format!("unknown severity {:?}; expected error, warning or info", r.severity.get_ref()),
                )
            })?;
            if r.phrases.is_empty() && r.patterns.is_empty() {
                return Err(err(
                    key("phrases"),
                    Some(r.id.span()),
                    "a lexicon rule needs at least one phrase or pattern".into(),
                ));
            }
            // The message is what a finding says (an embed field Discord refuses empty).
            if r.message.get_ref().trim().is_empty() {
                return Err(err(
                    key("message"),
                    Some(r.message.span()),
                    "a lexicon rule needs a non-empty message (what the finding says; {match} is the matched \
                     text, masked)"
                        .into(),
                ));
            }
            let mut patterns = Vec::with_capacity(r.patterns.len());
            for (j, p) in r.patterns.iter().enumerate() {
                let compiled = super::lexicon::compile_pattern(p.get_ref()).map_err(|e| {
                    err(
                        Some(format!("lexicon[{i}].patterns[{j}]")),
                        Some(p.span()),
                        format!("invalid regular expression: {e}"),
                    )
                })?;
                patterns.push(compiled);
            }
            index.insert(id.clone(), rules.len());
            rules.push(RuleInfo {
                id: id.clone(),
                category,
                default_severity: severity,
                severity: Some(severity),
                what: r.what,
                why: r.why,
                example: r.example,
                source: RuleSource::Lexicon,
            });
            lexicon_rules.push(LexiconRule {
                id,
                phrases: r.phrases,
                patterns,
                exceptions: r.exceptions,
                message: r.message.into_inner(),
                suggestion: r.suggestion,
            });
        }

        for (id, level) in &raw.rules {
            let Some(&at) = index.get(id) else {
                return Err(err(
                    Some(format!("rules.\"{id}\"")),
                    Some(level.span()),
                    format!("no rule with id {id:?} (see `safetweet rules`)"),
                ));
            };
            rules[at].severity = match level.get_ref().as_str() {
                "off" => None,
                s => Some(Severity::parse(s).ok_or_else(|| {
                    err(
                        Some(format!("rules.\"{id}\"")),
                        Some(level.span()),
                        format!("unknown level {s:?}; expected error, warning, info or off"),
                    )
                })?),
            };
        }

        let lexicon = Lexicon::build(lexicon_rules)
            .map_err(|e| err(Some("lexicon".into()), None, format!("cannot build phrase matcher: {e}")))?;

        let posting = super::posting::Compiled::build(&raw.hashtag, &raw.profile)
            .map_err(|e| err(Some("hashtag".into()), None, e))?;

        let context = match &raw.context.cues {
            Some(cues) => compile_cues(cues, text, file)?,
            None => builtin_cues()?,
        };

        let digest = Sha256::digest(text.as_bytes());
        let version = format!(
            "{}+{}",
            raw.meta.version.unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
            &hex::encode(digest)[..12]
        );
        Ok(RuleSet {
            version,
            allowlist: raw.allowlist,
            hashtags: raw.hashtag,
            lexicon,
            posting,
            context,
            model: None,
            rules,
            index,
        })
    }

    /// The effective level of a rule; `None` when it is off or unknown.
    pub fn severity_of(&self, rule: &str) -> Option<Severity> {
        self.index.get(rule).and_then(|&i| self.rules[i].severity)
    }

    pub fn category_of(&self, rule: &str) -> Option<Category> {
        self.index.get(rule).map(|&i| self.rules[i].category)
    }

    /// Every rule, code rules first, in a stable order.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }
}

/// The model compiled into the binary, decoded once per process.
fn builtin_model() -> Result<std::sync::Arc<Model>, ConfigError> {
    static BUILTIN: std::sync::OnceLock<Result<std::sync::Arc<Model>, String>> = std::sync::OnceLock::new();
    BUILTIN
        .get_or_init(|| Model::builtin().map(std::sync::Arc::new).map_err(|e| e.0))
        .clone()
        .map_err(|message| ConfigError { file: "config/model.bin (built in)".into(), key: None, line: None, message })
}

/// Reads and checks a model file.
pub fn load_model(path: &Path) -> Result<Model, ConfigError> {
    let err = |message: String| ConfigError { file: path.display().to_string(), key: None, line: None, message };
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
    Model::from_bytes(&bytes).map_err(|e| err(e.0))
}

/// Compiles `[context.cues]`: every key must name a role, every phrase must
/// be non-empty without surrounding spaces.
fn compile_cues(cues: &RawCues, text: &str, file: &str) -> Result<Vocabulary, ConfigError> {
    let err = |key: String, span: std::ops::Range<usize>, message: String| ConfigError {
        file: file.to_string(),
        key: Some(key),
        line: Some(line_of(text, span.start)),
        message,
    };
    let mut pairs: Vec<(&str, u32)> = Vec::new();
    for (name, phrases) in cues {
        let Some(role) = role_by_name(name.get_ref()) else {
            let known = ROLE_NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
            return Err(err(
                format!("context.cues.{}", name.get_ref()),
                name.span(),
                format!("unknown role {:?}; expected one of: {known}", name.get_ref()),
            ));
        };
        for (j, p) in phrases.iter().enumerate() {
            let phrase = p.get_ref();
            if phrase.trim().is_empty() || phrase.trim() != phrase {
                return Err(err(
                    format!("context.cues.{}[{j}]", name.get_ref()),
                    p.span(),
                    format!("cue phrase {phrase:?} must be non-empty without leading or trailing spaces"),
                ));
            }
            pairs.push((phrase, role));
        }
    }
    Vocabulary::build(pairs).map_err(|e| ConfigError {
        file: file.to_string(),
        key: Some("context.cues".into()),
        line: None,
        message: format!("cannot build cue matcher: {e}"),
    })
}

/// The `[context.cues]` of the built-in file, for a file without its own.
fn builtin_cues() -> Result<Vocabulary, ConfigError> {
    let raw: ContextOnly = toml::from_str(DEFAULT_RULES_TOML).map_err(|e| ConfigError {
        file: DEFAULT_RULES_NAME.to_string(),
        key: None,
        line: e.span().map(|s| line_of(DEFAULT_RULES_TOML, s.start)),
        message: e.message().trim().to_string(),
    })?;
    match &raw.context.cues {
        Some(cues) => compile_cues(cues, DEFAULT_RULES_TOML, DEFAULT_RULES_NAME),
        None => Vocabulary::build([]).map_err(|e| ConfigError {
            file: DEFAULT_RULES_NAME.to_string(),
            key: Some("context.cues".into()),
            line: None,
            message: e,
        }),
    }
}

pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

fn category_list() -> String {
    Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
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
    fn unknown_field_is_rejected_with_line() {
        let text = format!("{RULE}colour = \"red\"\n");
        let e = RuleSet::from_toml(&text, "r.toml").unwrap_err();
        assert!(e.message.contains("colour"), "{e}");
        assert_eq!(e.line, Some(11));
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
