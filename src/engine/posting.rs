//! (being written)
use super::registry::RuleDoc;
use super::{Input, RuleSet, Sink};

pub const RULES: &[RuleDoc] = &[];

pub fn detect(_input: &Input<'_>, _rules: &RuleSet, _weighted_length: usize, _sink: &mut Sink<'_>) {}
