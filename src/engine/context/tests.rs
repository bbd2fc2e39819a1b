//! Unit tests of the context rules (positive and negative cases per rule).

use crate::engine::{review, Category, Draft, Identifier, RuleSet};
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules"));

fn rules_of(text: &str) -> Vec<String> {
    review(&Draft::new(text), &RULES).findings.into_iter().map(|f| f.rule).collect()
}
