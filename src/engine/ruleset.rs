//! [`RuleSet`]: a loaded configuration, compiled and ready to review drafts.
//!
//! `config.rs` reads the files and checks what is common to all rules (the
//! `[meta]`, `[allowlist]` and `[rules]` tables); each rule family
//! ([`super::check::Check`]) compiles its own tables into the fields below.

use super::config::{Allowlist, ConfigError};
use super::context::words::WordLists;
use super::context::Vocabulary;
use super::data::Fnv;
use super::lexicon::Lexicon;
use super::model::Model;
use super::posting::HashtagEntry;
use super::registry::RuleInfo;
use super::{Category, Severity};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::Path;

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
    /// The context words and word lists of the phi rules (`config/phi/`).
    pub phi: super::phi::Compiled,
    /// The closed word lists of the context rules (`config/words/`).
    pub words: WordLists,
    /// The learned classifier (`config/model.bin`, built in; `DIR/model.bin`
    /// with `--config DIR`). `None` only while training a new one.
    pub model: Option<std::sync::Arc<Model>>,
    rules: Vec<RuleInfo>,
    /// Rule id to position in `rules`; FNV, not SipHash: every finding and
    /// every `Sink::enabled` looks a rule up here.
    index: HashMap<String, usize, BuildHasherDefault<Fnv>>,
}

impl RuleSet {
    /// A rule set with no rules and empty compiled tables, which the rule
    /// families fill in (`config.rs`).
    pub(super) fn empty(allowlist: Allowlist) -> Result<RuleSet, String> {
        Ok(RuleSet {
            version: String::new(),
            allowlist,
            hashtags: Vec::new(),
            lexicon: Lexicon::build(Vec::new())?,
            posting: super::posting::Compiled::build(&[], &super::posting::Profile::default())?,
            context: Vocabulary::build([])?,
            phi: super::phi::Compiled::builtin().map_err(|e| e.to_string())?,
            words: WordLists::builtin().map_err(|e| e.to_string())?,
            model: None,
            rules: Vec::new(),
            index: HashMap::default(),
        })
    }

    /// Adds a rule; `false` (and nothing added) when its id is taken.
    pub fn register(&mut self, rule: RuleInfo) -> bool {
        if self.index.contains_key(&rule.id) {
            return false;
        }
        self.index.insert(rule.id.clone(), self.rules.len());
        self.rules.push(rule);
        true
    }

    /// Whether a rule id is registered.
    pub fn knows(&self, rule: &str) -> bool {
        self.index.contains_key(rule)
    }

    /// Sets a rule's level (`None`: off); `false` when no rule has that id.
    pub(super) fn set_severity(&mut self, rule: &str, severity: Option<Severity>) -> bool {
        match self.index.get(rule) {
            Some(&at) => {
                self.rules[at].severity = severity;
                true
            }
            None => false,
        }
    }

    /// The effective level of a rule; `None` when it is off or unknown.
    pub fn severity_of(&self, rule: &str) -> Option<Severity> {
        self.index.get(rule).and_then(|&i| self.rules[i].severity)
    }

    pub fn category_of(&self, rule: &str) -> Option<Category> {
        self.index.get(rule).map(|&i| self.rules[i].category)
    }

    /// [`RuleSet::category_of`] and [`RuleSet::severity_of`] in one lookup:
    /// `None` for an unknown rule.
    pub fn category_and_severity(&self, rule: &str) -> Option<(Category, Option<Severity>)> {
        self.index.get(rule).map(|&i| (self.rules[i].category, self.rules[i].severity))
    }

    /// Every rule, code rules first, in a stable order.
    pub fn rules(&self) -> &[RuleInfo] {
        &self.rules
    }
}

/// The model compiled into the binary, decoded once per process.
pub(super) fn builtin_model() -> Result<std::sync::Arc<super::model::Model>, ConfigError> {
    use super::model::Model;
    static BUILTIN: std::sync::OnceLock<Result<std::sync::Arc<Model>, String>> = std::sync::OnceLock::new();
    BUILTIN
        .get_or_init(|| Model::builtin().map(std::sync::Arc::new).map_err(|e| e.0))
        .clone()
        .map_err(|message| ConfigError { file: "config/model.bin (built in)".into(), key: None, line: None, message })
}

/// Reads and checks a model file.
pub fn load_model(path: &Path) -> Result<super::model::Model, ConfigError> {
    let err = |message: String| ConfigError { file: path.display().to_string(), key: None, line: None, message };
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read: {e}")))?;
    super::model::Model::from_bytes(&bytes).map_err(|e| err(e.0))
}
