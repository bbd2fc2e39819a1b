//! The rule families and the one list of them.
//!
//! Every family of rules (PHI identifiers, context rules, lexicon, the
//! learned model, posting rules, attachments) implements [`Check`]: its
//! rules' docs, the `rules.toml` tables it owns, how it compiles them into a
//! [`RuleSet`], and how it runs over a draft. [`FAMILIES`] lists them once:
//! the config loader, `safetweet rules` and [`super::review`] all walk that
//! list, so a new family is its own module plus one line here, and the
//! config loader (`config.rs`) names no detector.
//!
//! The order of [`FAMILIES`] is a contract: it is the order of the code rules
//! in `safetweet rules` and the order in which the structured detectors push
//! their findings (which the overlap resolution of `review` depends on).

use super::config::{ConfigError, Source};
use super::length::Parsed;
use super::registry::RuleDoc;
use super::{Input, RuleSet, Sink};

/// One family of rules.
pub trait Check: Sync {
    /// A short name for the family (`phi`, `context`...).
    fn name(&self) -> &'static str;

    /// The family's code rules, with their What / Why / Example. Rules that
    /// come from configuration data (lexicon entries) are registered by
    /// [`Check::compile`] instead.
    fn docs(&self) -> &'static [RuleDoc] {
        &[]
    }

    /// The top-level tables of `rules.toml` this family reads.
    fn sections(&self) -> &'static [&'static str] {
        &[]
    }

    /// The data files (word lists) this family reads, by the name they have
    /// in a `--config` folder (built in when the folder has none).
    fn data_files(&self) -> &'static [&'static str] {
        &[]
    }

    /// Compiles the family's part of the configuration: the slow part of
    /// loading (patterns, automata, word lists), once per configuration,
    /// never per draft. The loader runs every family's compile at the same
    /// time, each on its own thread, so compile reads only `source`; what it
    /// returns puts the compiled tables into the rule set, and the loader
    /// runs those in [`FAMILIES`] order once all have compiled (the first
    /// error in that order is the one reported).
    fn compile(&self, _source: &Source<'_>) -> Result<Install, ConfigError> {
        Ok(Box::new(|_| {}))
    }

    /// Runs the family's structured detectors over one draft. Families that
    /// read the structured detectors' findings (the learned model) or what
    /// was read from attachments run after this pass, from
    /// [`super::review`], and keep the default, which does nothing.
    fn run(&self, _input: &Input<'_>, _rules: &RuleSet, _parsed: &Parsed<'_>, _sink: &mut Sink<'_>) {}
}

/// What a family's [`Check::compile`] hands back: it moves the compiled
/// tables into the rule set being built (and registers rules that come from
/// data, in order). It cannot fail: compile has checked everything.
pub type Install = Box<dyn FnOnce(&mut RuleSet) + Send>;

/// Every rule family, once.
pub static FAMILIES: &[&dyn Check] = &[
    &super::phi::Family,
    &super::context::Family,
    &super::lexicon::Family,
    &LearnedModel,
    &super::posting::Family,
    &super::attachments::Family,
];

/// The learned classifier (`src/engine/model/`): its rules' docs. The
/// weights file is loaded by the config loader (`model.bin`), and
/// [`super::review`] runs it after the structured detectors, whose findings
/// are among its features.
struct LearnedModel;

impl Check for LearnedModel {
    fn name(&self) -> &'static str {
        "model"
    }
    fn docs(&self) -> &'static [RuleDoc] {
        super::model::RULES
    }
}

/// The top-level tables every family owns, in list order.
pub fn sections() -> impl Iterator<Item = &'static str> {
    FAMILIES.iter().flat_map(|f| f.sections().iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_names_sections_and_rule_ids_are_unique() {
        let mut names = std::collections::HashSet::new();
        let mut sections = std::collections::HashSet::new();
        let mut ids = std::collections::HashSet::new();
        for f in FAMILIES {
            assert!(names.insert(f.name()), "family {} twice", f.name());
            for s in f.sections() {
                assert!(sections.insert(*s), "section {s} owned twice");
            }
            for d in f.docs() {
                assert!(ids.insert(d.id), "rule {} twice", d.id);
            }
        }
    }

    #[test]
    fn the_family_list_drives_the_rules_listing() {
        let rs = RuleSet::builtin_without_model().unwrap();
        let code: Vec<&str> = rs
            .rules()
            .iter()
            .filter(|r| r.source == super::super::registry::RuleSource::Code)
            .map(|r| r.id.as_str())
            .collect();
        let listed: Vec<&str> = FAMILIES.iter().flat_map(|f| f.docs().iter().map(|d| d.id)).collect();
        assert_eq!(code, listed, "code rules are the families' docs, in list order");
        // the code rules come first, then the lexicon's data rules
        let first_lexicon = rs.rules().iter().position(|r| r.source == super::super::registry::RuleSource::Lexicon);
        assert_eq!(first_lexicon, Some(listed.len()));
    }
}
