//! The code rules: rules whose logic can't be data (checksums, date context,
//! name context, weighted length). Each detector module declares its rules as
//! a `&[RuleDoc]`; lexicon rules come from `config/rules.toml` instead. Both
//! end up as [`RuleInfo`] in a [`super::RuleSet`], which is what `safetweet
//! rules` prints.

use super::{Category, Severity};

/// A code rule's identity, default level and user-facing documentation
/// (What it does / Why it matters / Example), in the manner of clippy's lints.
#[derive(Debug, Clone, Copy)]
pub struct RuleDoc {
    pub id: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub what: &'static str,
    pub why: &'static str,
    pub example: &'static str,
}

/// Where a rule's logic lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleSource {
    Code,
    Lexicon,
}

/// A rule as it stands in a loaded rule set.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub category: Category,
    pub default_severity: Severity,
    /// `None` when config turned the rule off.
    pub severity: Option<Severity>,
    pub what: String,
    pub why: String,
    pub example: String,
    pub source: RuleSource,
}

/// Every code rule the engine knows: the docs of every family of
/// [`super::check::FAMILIES`], in list order.
pub fn code_rules() -> impl Iterator<Item = &'static RuleDoc> {
    super::check::FAMILIES.iter().flat_map(|f| f.docs().iter())
}
