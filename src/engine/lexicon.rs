//! Lexicon rules: the data rules of `config/rules.toml`.
//!
//! A lexicon rule fires on any of its phrases (whole words, any case) or
//! patterns (regular expressions, case-insensitive) found in the folded view
//! of a draft, unless one of its exception phrases overlaps the match
//! ("patient portal" is not a patient reference). Phrases of all rules share
//! one Aho-Corasick automaton; patterns share one `RegexSet` prefilter, which
//! also holds the phrase gate, so a draft is scanned a fixed number of times
//! however many rules there are.
//!
//! Patterns are matched with ASCII word boundaries: `\b` in a pattern means
//! `(?-u:\b)`, which keeps the regex engine on its fast path when drafts hold
//! emoji (Unicode `\b` costs ~30x there).

use super::config::{ConfigError, Source};
use super::length::Parsed;
use super::registry::{RuleInfo, RuleSource};
use super::{Category, Input, Severity, Sink};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder, SetMatches};
use serde::Deserialize;
use toml::Spanned;

/// One data rule, compiled.
#[derive(Debug)]
pub struct LexiconRule {
    pub id: String,
    pub phrases: Vec<String>,
    pub patterns: Vec<Pattern>,
    pub exceptions: Vec<String>,
    /// `{match}` is replaced by the matched text, masked ([`shown_match`]).
    pub message: String,
    pub suggestion: Option<String>,
}

/// All lexicon rules, with their shared matchers.
#[derive(Debug)]
pub struct Lexicon {
    pub rules: Vec<LexiconRule>,
    phrases: Option<AhoCorasick>,
    /// How a draft is asked whether any phrase occurs at all.
    phrase_gate: PhraseGate,
    /// For each phrase of the automaton: (rule index, phrase needs a word
    /// boundary before, after).
    phrase_owner: Vec<(usize, bool, bool)>,
    exceptions: Option<AhoCorasick>,
    exception_owner: Vec<usize>,
    /// The longest exception, in bytes: how far around a match an exception
    /// that overlaps it can reach.
    exception_max_len: usize,
    /// Every rule's patterns and, after them, the phrase gate when it is
    /// [`PhraseGate::InSet`]: the scan that says whether a draft matches any
    /// pattern also says whether it holds any phrase.
    pattern_set: Option<RegexSet>,
    /// For each pattern of the set: (rule index, pattern index in the rule).
    pattern_owner: Vec<(usize, usize)>,
}

/// How a draft is asked whether any phrase occurs at all.
#[derive(Debug)]
enum PhraseGate {
    /// The pattern set's last member, a regex of the escaped phrases in any
    /// ASCII case (`(?i-u)`): one scan of a draft asks for phrases and
    /// patterns at once (a gate of its own scanned every draft a second
    /// time, about 2,000 instructions per draft; the automaton's own
    /// `is_match` costs about 1.5 times that).
    InSet,
    /// The automaton's `is_match`: no phrases, or a set too big to hold the
    /// gate (its size limit).
    Automaton,
}

/// A lexicon rule's pattern. Its syntax is checked when the rules load and
/// the shared pattern set (which says which patterns match a draft) is
/// built from it then; its own regex, needed only for the spans in a draft
/// the set says it matches, is compiled on first use. Compiling every
/// pattern's regex at load was the largest part of start-up (about 144M of
/// some 750M instructions), and most patterns never match most drafts.
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as run: `\b` made ASCII ([`ascii_word_boundaries`]).
    source: String,
    regex: std::sync::OnceLock<Regex>,
}

impl Pattern {
    /// Checks a pattern's syntax; the error is the one `regex` gives.
    pub fn new(p: &str) -> Result<Pattern, regex::Error> {
        let source = ascii_word_boundaries(p);
        let syntax = regex_automata::util::syntax::Config::new().case_insensitive(true);
        regex_automata::util::syntax::parse_with(&source, &syntax).map_err(|e| regex::Error::Syntax(e.to_string()))?;
        Ok(Pattern { source, regex: std::sync::OnceLock::new() })
    }

    /// The pattern as run.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The pattern's regex, compiled now if this is its first use. It cannot
    /// fail: the syntax was checked at load, and the pattern set that holds
    /// it compiled under the same size limit, so it alone does too.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            build(&self.source, SET_SIZE_LIMIT)
                .unwrap_or_else(|e| panic!("a lexicon pattern checked at load does not compile: {e}"))
        })
    }
}

/// The compiled-size limit of the lexicon's pattern set (and so of each of
/// its patterns).
const SET_SIZE_LIMIT: usize = 1 << 24;

/// Compiles a pattern written in the lexicon's syntax on its own, at once
/// (the posting rules' patterns); a lexicon rule's own patterns are
/// [`Pattern`]s, compiled the same way on first use.
pub fn compile_pattern(p: &str) -> Result<Regex, regex::Error> {
    build(&ascii_word_boundaries(p), PATTERN_SIZE_LIMIT)
}

/// How a pattern in the lexicon's syntax is compiled, once its `\b` are
/// ASCII ([`ascii_word_boundaries`]): any case, under a size limit.
fn build(source: &str, size_limit: usize) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source).case_insensitive(true).size_limit(size_limit).build()
}

/// The compiled-size limit of a pattern of [`compile_pattern`].
pub const PATTERN_SIZE_LIMIT: usize = 1 << 22;

/// Rewrites unescaped `\b` / `\B` as their ASCII forms.
pub fn ascii_word_boundaries(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('b') => out.push_str("(?-u:\\b)"),
                Some('B') => out.push_str("(?-u:\\B)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Lexicon {
    pub fn build(rules: Vec<LexiconRule>) -> Result<Lexicon, String> {
        let mut phrases = Vec::new();
        let mut phrase_owner = Vec::new();
        let mut exceptions = Vec::new();
        let mut exception_owner = Vec::new();
        let mut patterns = Vec::new();
        let mut pattern_owner = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for p in &r.phrases {
                let p = p.trim();
                if p.is_empty() {
                    continue;
                }
                let b = p.as_bytes();
                phrase_owner.push((i, word_char(b[0]), word_char(b[b.len() - 1])));
                phrases.push(p.to_string());
            }
            for e in &r.exceptions {
                exceptions.push(e.trim().to_string());
                exception_owner.push(i);
            }
            for (j, re) in r.patterns.iter().enumerate() {
                patterns.push(re.as_str().to_string());
                pattern_owner.push((i, j));
            }
        }
        let ac = |v: &[String]| -> Result<Option<AhoCorasick>, String> {
            if v.is_empty() {
                return Ok(None);
            }
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .build(v)
                .map(Some)
                .map_err(|e| e.to_string())
        };
        let set_of = |patterns: &[String]| {
            RegexSetBuilder::new(patterns).case_insensitive(true).size_limit(SET_SIZE_LIMIT).build()
        };
        let patterns_only = || -> Result<Option<RegexSet>, String> {
            if patterns.is_empty() {
                return Ok(None);
            }
            set_of(&patterns).map(Some).map_err(|e| e.to_string())
        };
        // The gate's own `(?i-u)` makes it ASCII-case-insensitive in the set
        // too, whose other members are Unicode-case-insensitive.
        let gate = (!phrases.is_empty()).then(|| {
            let alternatives: Vec<String> = phrases.iter().map(|p| regex::escape(p)).collect();
            format!("(?i-u){}", alternatives.join("|"))
        });
        let (pattern_set, phrase_gate) = match gate {
            None => (patterns_only()?, PhraseGate::Automaton),
            Some(gate) => match set_of(&[patterns.as_slice(), std::slice::from_ref(&gate)].concat()) {
                Ok(set) => (Some(set), PhraseGate::InSet),
                Err(_) => (patterns_only()?, PhraseGate::Automaton),
            },
        };
        Ok(Lexicon {
            phrases: ac(&phrases)?,
            phrase_gate,
            phrase_owner,
            exception_max_len: exceptions.iter().map(String::len).max().unwrap_or(0),
            exceptions: ac(&exceptions)?,
            exception_owner,
            pattern_set,
            pattern_owner,
            rules,
        })
    }

    /// Matches of every lexicon rule, as (rule index, start, end) in the
    /// folded view, exceptions already applied, in text order.
    pub fn matches(&self, text: &str) -> Vec<(usize, usize, usize)> {
        let bytes = text.as_bytes();
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        // Most drafts hold no phrase and match no pattern: a plain search
        // for any match (the regex's forward scan that stops at the first
        // match) says so for a fraction of what the overlapping searches
        // cost, which then run only when it finds one.
        let found = self.set_matches(text);
        if let Some(ac) = self.phrases.as_ref().filter(|ac| self.any_phrase(ac, text, found.as_ref())) {
            for m in ac.find_overlapping_iter(text) {
                let (rule, wb_start, wb_end) = self.phrase_owner[m.pattern().as_usize()];
                let (s, e) = (m.start(), m.end());
                if wb_start && s > 0 && word_char(bytes[s - 1]) {
                    continue;
                }
                if wb_end && e < bytes.len() && word_char(bytes[e]) {
                    continue;
                }
                hits.push((rule, s, e));
            }
        }
        if let Some(found) = &found {
            // the phrase gate, if in the set, is its last member: no pattern
            for k in found.iter().filter(|&k| k < self.pattern_owner.len()) {
                let (rule, j) = self.pattern_owner[k];
                for m in self.rules[rule].patterns[j].regex().find_iter(text) {
                    if m.start() < m.end() {
                        hits.push((rule, m.start(), m.end()));
                    }
                }
            }
        }
        if hits.is_empty() {
            return hits;
        }
        if let Some(ex) = &self.exceptions {
            // Only an exception that overlaps a match can drop it, and one
            // that does lies within `exception_max_len` bytes of the match:
            // the text around the matches is searched, not all of it
            // (windows merged where they meet, so no span is found twice).
            let reach = self.exception_max_len + 1;
            let mut around: Vec<(usize, usize)> =
                hits.iter().map(|&(_, s, e)| (s.saturating_sub(reach), (e + reach).min(bytes.len()))).collect();
            around.sort_unstable();
            let mut windows: Vec<(usize, usize)> = Vec::with_capacity(around.len());
            for (a, b) in around {
                match windows.last_mut() {
                    Some(w) if a <= w.1 => w.1 = w.1.max(b),
                    _ => windows.push((a, b)),
                }
            }
            let spans: Vec<(usize, usize, usize)> = windows
                .iter()
                .flat_map(|&(a, b)| ex.find_overlapping_iter(aho_corasick::Input::new(text).span(a..b)))
                .map(|m| (self.exception_owner[m.pattern().as_usize()], m.start(), m.end()))
                .filter(|&(_, s, e)| {
                    (s == 0 || !word_char(bytes[s - 1]) || !word_char(bytes[s]))
                        && (e == bytes.len() || !word_char(bytes[e]) || !word_char(bytes[e - 1]))
                })
                .collect();
            if !spans.is_empty() {
                let excepted = Exceptions::new(spans);
                hits.retain(|&(rule, s, e)| !excepted.overlaps(rule, s, e));
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// Which members of the pattern set match `text`; `None` when none does
    /// (a forward scan that stops at the first match says so; the
    /// overlapping scan runs only on a draft that has one).
    fn set_matches(&self, text: &str) -> Option<SetMatches> {
        self.pattern_set.as_ref().filter(|set| set.is_match(text)).map(|set| set.matches(text))
    }

    /// Whether any phrase of the automaton `ac` occurs in `text` (any ASCII
    /// case), given what [`Lexicon::set_matches`] found there.
    fn any_phrase(&self, ac: &AhoCorasick, text: &str, found: Option<&SetMatches>) -> bool {
        match &self.phrase_gate {
            PhraseGate::InSet => found.is_some_and(|f| f.matched(self.pattern_owner.len())),
            PhraseGate::Automaton => ac.is_match(text),
        }
    }
}

/// The exception spans of one draft, indexed so that asking whether a match
/// overlaps one of its rule's exceptions is a binary search, not a scan of
/// every exception (a long draft can hold thousands of both).
struct Exceptions {
    /// (rule, start, end), sorted.
    spans: Vec<(usize, usize, usize)>,
    /// For each position in `spans`: the largest end among the same rule's
    /// spans up to and including it.
    max_end: Vec<usize>,
}

impl Exceptions {
    fn new(mut spans: Vec<(usize, usize, usize)>) -> Exceptions {
        spans.sort_unstable();
        let mut max_end = Vec::with_capacity(spans.len());
        for (i, &(rule, _, end)) in spans.iter().enumerate() {
            let before = if i > 0 && spans[i - 1].0 == rule { max_end[i - 1] } else { 0 };
            max_end.push(end.max(before));
        }
        Exceptions { spans, max_end }
    }

    /// Whether an exception of `rule` overlaps `start..end`: some exception
    /// of the rule starts before `end` and reaches past `start`.
    fn overlaps(&self, rule: usize, start: usize, end: usize) -> bool {
        let first = self.spans.partition_point(|&(r, _, _)| r < rule);
        let upto = self.spans.partition_point(|&(r, s, _)| r < rule || (r == rule && s < end));
        upto > first && self.max_end[upto - 1] > start
    }
}

/// The matched text as a message may show it (`{match}`): a reply, a log or
/// a report must not repeat what a rule may have matched verbatim. For the
/// PHI and patient-reference categories every letter and digit is masked
/// (only the shape stays); for the others each word keeps its first letter,
/// enough to find it in the draft ("cures cancer" → "c**** c*****"), and
/// digits are always masked (they may be an identifier).
pub fn shown_match(matched: &str, category: Category) -> String {
    if matches!(category, Category::Phi | Category::PatientReference) {
        return super::mask::mask_all(matched);
    }
    let mut out = String::with_capacity(matched.len());
    let mut at_word_start = true;
    for c in matched.chars() {
        if c.is_alphanumeric() {
            out.push(if at_word_start && c.is_alphabetic() { c } else { '*' });
            at_word_start = false;
        } else {
            out.push(c);
            at_word_start = true;
        }
    }
    out
}

/// Runs every lexicon rule over a draft.
pub fn detect(input: &Input<'_>, rules: &super::RuleSet, sink: &mut Sink<'_>) {
    let lex = &rules.lexicon;
    for (ri, s, e) in lex.matches(input.norm.text()) {
        let rule = &lex.rules[ri];
        if !sink.enabled(&rule.id) {
            continue;
        }
        let span = input.norm.span(s, e);
        let message = if rule.message.contains("{match}") {
            let category = rules.category_of(&rule.id).unwrap_or(Category::Phi);
            rule.message.replace("{match}", &shown_match(&input.text[span.start..span.end], category))
        } else {
            rule.message.clone()
        };
        sink.push(&rule.id, Some(span), message, rule.suggestion.clone(), None);
    }
}

/// The lexicon as a family: `[[lexicon]]` entries of `rules.toml`, each
/// registered as a rule of its own, then [`detect`] per draft.
pub struct Family;

impl super::check::Check for Family {
    fn name(&self) -> &'static str {
        "lexicon"
    }
    fn sections(&self) -> &'static [&'static str] {
        &["lexicon"]
    }
    fn compile(&self, source: &Source<'_>) -> Result<super::check::Install, ConfigError> {
        let raw: LexiconOnly = source.parse()?;
        let (infos, lexicon) = compile(raw.lexicon, source)?;
        Ok(Box::new(move |rules: &mut super::RuleSet| {
            for info in infos {
                // compile checked the id against every code rule and entry
                let fresh = rules.register(info);
                debug_assert!(fresh, "lexicon rule id checked in compile");
            }
            rules.lexicon = lexicon;
        }))
    }
    fn run(&self, input: &Input<'_>, rules: &super::RuleSet, _parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
        detect(input, rules, sink);
    }
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

/// Only the `[[lexicon]]` entries of a file (other tables are skipped).
#[derive(Debug, Deserialize)]
struct LexiconOnly {
    #[serde(default)]
    lexicon: Vec<RawLexiconRule>,
}

/// Checks every entry (a rule id may be taken once, by a code rule or an
/// entry) and builds the shared matchers; the entries' rule infos come back
/// in order, to be registered after the code rules.
fn compile(raw: Vec<RawLexiconRule>, source: &Source<'_>) -> Result<(Vec<RuleInfo>, Lexicon), ConfigError> {
    let err =
        |key: Option<String>, span: Option<std::ops::Range<usize>>, message: String| source.error(key, span, message);
    let mut lexicon_rules = Vec::with_capacity(raw.len());
    let mut infos: Vec<RuleInfo> = Vec::with_capacity(raw.len());
    let mut taken: std::collections::HashSet<String> =
        super::registry::code_rules().map(|d| d.id.to_string()).collect();
    for (i, r) in raw.into_iter().enumerate() {
        let key = |k: &str| Some(format!("lexicon[{i}].{k}"));
        let id = r.id.get_ref().trim().to_string();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
            return Err(err(
                key("id"),
                Some(r.id.span()),
                format!("rule id {id:?} must be non-empty ASCII letters, digits, '.', '-' or '_'"),
            ));
        }
        if !taken.insert(id.clone()) {
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
            let compiled = Pattern::new(p.get_ref()).map_err(|e| {
                err(
                    Some(format!("lexicon[{i}].patterns[{j}]")),
                    Some(p.span()),
                    format!("invalid regular expression: {e}"),
                )
            })?;
            patterns.push(compiled);
        }
        infos.push(RuleInfo {
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
    let lexicon = Lexicon::build(lexicon_rules)
        .map_err(|e| err(Some("lexicon".into()), None, format!("cannot build phrase matcher: {e}")))?;
    Ok((infos, lexicon))
}

fn category_list() -> String {
    Category::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(phrases: &[&str], patterns: &[&str], exceptions: &[&str]) -> Lexicon {
        Lexicon::build(vec![LexiconRule {
            id: "t".into(),
            phrases: phrases.iter().map(|s| s.to_string()).collect(),
            patterns: patterns.iter().map(|p| Pattern::new(p).unwrap()).collect(),
            exceptions: exceptions.iter().map(|s| s.to_string()).collect(),
            message: "m".into(),
            suggestion: None,
        }])
        .unwrap()
    }

    /// The phrase gate says a phrase occurs exactly when the phrase
    /// automaton finds one, for phrases with spaces, punctuation, digits and
    /// non-ASCII letters, in any case.
    #[test]
    fn phrase_gate_agrees_with_the_phrase_automaton() {
        let phrases = ["rt if", "f4f", "you won't believe", "tag 3 friends", "a.b", "niño", "(x)", "K"];
        // alone, and in the set beside patterns that are Unicode-case-insensitive
        let alone = lex(&phrases, &[], &[]);
        let beside = lex(&phrases, &[r"\bk\b", "ñ"], &[]);
        let pieces = [
            "rt", " ", "if", "IF", "F4", "f", "4", "you", " won't ", "believe", "ñ", "Ñ", "niño", "NIÑO", "(", "x",
            ")", "a", ".", "b", "\u{212A}", "k", "tag", "3", "friends",
        ];
        let mut seed = 0x1e8_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..20_000 {
            let t: String = (0..next(10)).map(|_| pieces[next(pieces.len())]).collect();
            for l in [&alone, &beside] {
                assert!(matches!(l.phrase_gate, PhraseGate::InSet));
                let ac = l.phrases.as_ref().unwrap();
                assert_eq!(l.any_phrase(ac, &t, l.set_matches(&t).as_ref()), ac.is_match(&t), "{t:?}");
            }
        }
    }

    /// What [`Lexicon::matches`] finds, by the definitions: every occurrence
    /// of a phrase (any ASCII case, whole words where it starts or ends with
    /// a word character), every non-empty match of a pattern, less those
    /// overlapping an exception of their rule, in order.
    fn matches_by_definition(l: &Lexicon, text: &str) -> Vec<(usize, usize, usize)> {
        let b = text.as_bytes();
        let occurrences = |p: &str| -> Vec<(usize, usize)> {
            let p = p.as_bytes();
            (0..(b.len() + 1).saturating_sub(p.len()))
                .filter(|&s| b[s..s + p.len()].eq_ignore_ascii_case(p))
                .map(|s| (s, s + p.len()))
                .collect()
        };
        let mut hits = Vec::new();
        for (i, r) in l.rules.iter().enumerate() {
            let mut own = Vec::new();
            for p in r.phrases.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
                let (wb_start, wb_end) = (word_char(p.as_bytes()[0]), word_char(p.as_bytes()[p.len() - 1]));
                own.extend(occurrences(p).into_iter().filter(|&(s, e)| {
                    let glued_before = wb_start && s > 0 && word_char(b[s - 1]);
                    let glued_after = wb_end && e < b.len() && word_char(b[e]);
                    !glued_before && !glued_after
                }));
            }
            for re in &r.patterns {
                own.extend(re.regex().find_iter(text).map(|m| (m.start(), m.end())).filter(|(s, e)| s < e));
            }
            let excepted: Vec<(usize, usize)> = r
                .exceptions
                .iter()
                .flat_map(|x| occurrences(x.trim()))
                .filter(|&(s, e)| {
                    (s == 0 || !word_char(b[s - 1]) || !word_char(b[s]))
                        && (e == b.len() || !word_char(b[e]) || !word_char(b[e - 1]))
                })
                .collect();
            hits.extend(
                own.into_iter()
                    .filter(|&(s, e)| !excepted.iter().any(|&(xs, xe)| xs < e && s < xe))
                    .map(|(s, e)| (i, s, e)),
            );
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    #[test]
    fn a_pattern_is_compiled_on_its_first_match_not_at_load() {
        let l = lex(&["wonder"], &[r"miracle\s+cure", r"\bfat\s+burner\b"], &[]);
        let compiled = |l: &Lexicon| l.rules[0].patterns.iter().map(|p| p.regex.get().is_some()).collect::<Vec<_>>();
        assert_eq!(compiled(&l), [false, false], "nothing compiled at load");
        assert!(l.matches("a wonder drug").iter().all(|&(_, s, _)| s == 2), "a phrase needs no pattern");
        assert_eq!(compiled(&l), [false, false]);
        assert_eq!(l.matches("a Miracle  cure!"), [(0, 2, 15)]);
        assert_eq!(compiled(&l), [true, false], "only the pattern the set found");
        // a syntax error is still refused at load, with regex's own message
        let e = Pattern::new("(unclosed").unwrap_err();
        assert_eq!(e.to_string(), compile_pattern("(unclosed").unwrap_err().to_string());
    }

    /// The shared automata, the pattern set with the phrase gate in it and
    /// the exception windows find what each rule finds by the definitions.
    #[test]
    fn matches_agree_with_the_definitions() {
        let rule = |id: &str, phrases: &[&str], patterns: &[&str], exceptions: &[&str]| LexiconRule {
            id: id.into(),
            phrases: phrases.iter().map(|s| s.to_string()).collect(),
            patterns: patterns.iter().map(|p| Pattern::new(p).unwrap()).collect(),
            exceptions: exceptions.iter().map(|s| s.to_string()).collect(),
            message: "m".into(),
            suggestion: None,
        };
        let lexicons = [
            vec![
                rule("a", &["you won't believe", "doctors hate", "niño"], &[r"\bcures?\b"], &["no cure"]),
                rule("b", &[], &[r"\bmiracle\s+(?:cure|pill)s?\b", r"\b100\s*%\s*safe\b"], &["no miracle"]),
                rule("c", &["cure", "K"], &[], &["cure rate"]),
            ],
            vec![rule("p", &["pill", "x.y"], &[], &["pill box"])],
            vec![rule("q", &[], &[r"\bdetox\b", "ñ+"], &["digital detox"])],
        ]
        .map(|rules| Lexicon::build(rules).unwrap());
        let pieces = [
            "you", " won't ", "believe", "doctors", " hate", "cure", "cures", "CURE", " rate", "no ", "miracle", " ",
            "pill", "s", "100", "%", "safe", "niño", "NIÑO", "ñ", "\u{212A}", "k", "x", ".", "y", " box", "detox",
            "digital ", "a", "-", "😀",
        ];
        let mut seed = 0x1e81_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        for _ in 0..20_000 {
            let t: String = (0..next(12)).map(|_| pieces[next(pieces.len())]).collect();
            for l in &lexicons {
                assert_eq!(l.matches(&t), matches_by_definition(l, &t), "{t:?}");
            }
        }
    }

    #[test]
    fn phrases_match_whole_words_any_case() {
        let l = lex(&["cure"], &[], &[]);
        assert_eq!(l.matches("A CURE for all").len(), 1);
        assert!(l.matches("secure your data").is_empty());
        assert!(l.matches("curated list").is_empty());
    }

    #[test]
    fn exceptions_suppress_overlapping_matches_only() {
        let l = lex(&["patient"], &[], &["patient portal"]);
        assert!(l.matches("log in to the patient portal").is_empty());
        assert_eq!(l.matches("patient portal and my patient").len(), 1);
    }

    /// A custom rule whose message pastes `{match}`.
    fn rules_with(category: &str, pattern: &str) -> crate::engine::RuleSet {
        let text = format!(
            "[[lexicon]]\nid = \"custom.rule\"\ncategory = \"{category}\"\nseverity = \"error\"\n\
             patterns = ['{pattern}']\nmessage = \"found {{match}} here\"\nwhat = \"w\"\nwhy = \"y\"\nexample = \"e\"\n"
        );
        crate::engine::RuleSet::from_toml(&text, "custom/rules.toml").unwrap()
    }

    fn custom_message(rules: &crate::engine::RuleSet, draft: &str) -> String {
        let review = crate::engine::review(&crate::engine::Draft::new(draft), rules);
        review.findings.iter().find(|f| f.rule == "custom.rule").map(|f| f.message.clone()).expect("custom finding")
    }

    #[test]
    fn match_is_masked_in_messages_and_fully_for_phi_categories() {
        let draft = "Ward note: badge CASE-7731 Jane Roe, ok";
        for category in ["phi", "patient-reference"] {
            let m = custom_message(&rules_with(category, r"CASE-\d+ \w+ \w+"), draft);
            assert_eq!(m, "found ****-**** **** *** here", "{category}");
        }
        let m = custom_message(&rules_with("health-claim", r"CASE-\d+ \w+ \w+"), draft);
        assert_eq!(m, "found C***-**** J*** R** here");
        for secret in ["7731", "Jane", "Roe"] {
            assert!(!m.contains(secret), "{m}");
        }
    }

    #[test]
    fn exceptions_are_per_rule_and_by_overlap() {
        let x = Exceptions::new(vec![(1, 10, 20), (0, 50, 60), (1, 0, 3), (1, 30, 31)]);
        // rule 1: 0..3, 10..20, 30..31
        assert!(x.overlaps(1, 2, 5));
        assert!(!x.overlaps(1, 3, 10), "touching is not overlapping");
        assert!(x.overlaps(1, 5, 11));
        assert!(x.overlaps(1, 19, 40));
        assert!(!x.overlaps(1, 20, 30));
        assert!(!x.overlaps(1, 31, 100));
        assert!(!x.overlaps(0, 10, 20), "another rule's exception");
        assert!(x.overlaps(0, 59, 70));
        assert!(!x.overlaps(2, 0, 100), "a rule without exceptions");
        // a long exception early still covers a later match
        let long = Exceptions::new(vec![(0, 0, 100), (0, 5, 6)]);
        assert!(long.overlaps(0, 50, 51));
    }

    #[test]
    fn many_matches_and_exceptions_agree_with_the_pairwise_rule() {
        // every "patient" is a match, every "patient portal" an exception
        let l = lex(&["patient"], &[], &["patient portal"]);
        let text = "patient portal, my patient. ".repeat(5_000);
        let m = l.matches(&text);
        assert_eq!(m.len(), 5_000, "only the patients outside a portal");
        assert!(m.iter().all(|&(_, s, _)| text[s..].starts_with("patient.")));
    }

    #[test]
    fn patterns_use_ascii_boundaries() {
        let l = lex(&[], &[r"\b100% effective\b"], &[]);
        assert_eq!(l.matches("now 100% effective \u{1F600}").len(), 1);
        assert!(ascii_word_boundaries(r"\bx\b").contains("(?-u:\\b)"));
        assert_eq!(ascii_word_boundaries(r"a\\b"), r"a\\b");
    }
}
