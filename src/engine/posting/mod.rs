//! Posting rules: what makes a draft work as a tweet (length, links,
//! hashtags, content) and what a health account must not claim.
//!
//! Code rules here, documented in [`RULES`]:
//! - `length.over-limit`: Twitter's weighted length ([`super::length`]) over 280;
//! - `links.insecure`: a plain `http://` link;
//! - `links.uncited-research`: a study or research cited with no link at all;
//! - `claim.proven-uncited`: "clinically proven" and the like with no link;
//! - `hashtags.too-many`: more than three hashtags;
//! - `hashtags.community`: community hashtags from the `[[hashtag]]` catalog
//!   that fit the draft's topic;
//! - `content.teaser-no-link`, `content.teaser-no-quote`, `content.link-only`:
//!   a teaser that promises a post but links nothing, a teaser that is only a
//!   link, and a bare link;
//! - `disclaimer.profile`: a health draft from an account whose `[profile]`
//!   has no "views are my own / not medical advice" disclaimer.
//!
//! The fixed-phrase rules of the same families (health claims `claim.*`,
//! link shorteners, clickbait) are `[[lexicon]]` entries in
//! `config/rules.toml`, run by [`super::lexicon`].
//!
//! Cost per draft: the entities of one [`Parsed`] (computed once by
//! `engine::review`), a regex search of the folded view for teasers (and,
//! in a draft without links, for the first research and "proven" cue), and
//! Aho-Corasick passes for topic words only when a rule needs them. The
//! catalog and the profile are compiled once per rule set ([`Compiled`]). Pure: no I/O, nothing outside the draft and the rule set.

use super::config::{ConfigError, Source};
use super::data::{self, Words};
use super::length::{self, Parsed, MAX_WEIGHTED_LENGTH};
use super::registry::RuleDoc;
use super::{Category, Input, RuleSet, Severity, Sink, Span};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use regex::Regex;
use regex_automata::meta;
use serde::Deserialize;
use std::sync::LazyLock;

pub mod content_kind;
pub use content_kind::{content_kind, ContentKind};

pub const LENGTH_OVER_LIMIT: &str = "length.over-limit";
pub const LINKS_INSECURE: &str = "links.insecure";
pub const LINKS_UNCITED_RESEARCH: &str = "links.uncited-research";
pub const CLAIM_PROVEN_UNCITED: &str = "claim.proven-uncited";
pub const HASHTAGS_TOO_MANY: &str = "hashtags.too-many";
pub const HASHTAGS_COMMUNITY: &str = "hashtags.community";
pub const CONTENT_TEASER_NO_LINK: &str = "content.teaser-no-link";
pub const CONTENT_TEASER_NO_QUOTE: &str = "content.teaser-no-quote";
pub const CONTENT_LINK_ONLY: &str = "content.link-only";
pub const DISCLAIMER_PROFILE: &str = "disclaimer.profile";

/// Hashtags a post can carry before engagement drops (Twitter's own advice:
/// one or two).
pub const MAX_HASHTAGS: usize = 3;

pub const RULES: &[RuleDoc] = &[
    RuleDoc {
        id: LENGTH_OVER_LIMIT,
        category: Category::Length,
        severity: Severity::Error,
        what: "Measures the draft the way Twitter does (twitter-text v3): most characters count 1, CJK and other \
               scripts count 2, every link counts 23 whatever its length, an emoji sequence counts 2. Reports a \
               draft over 280, pointing at the part that does not fit.",
        why: "Twitter refuses a post over 280 weighted characters; a draft approved at 290 cannot be posted as \
              approved, and trimming it afterwards skips review.",
        example: "A 300-character checklist → cut it to 280, or split it into a two-post thread.",
    },
    RuleDoc {
        id: LINKS_INSECURE,
        category: Category::Links,
        severity: Severity::Warning,
        what: "Finds links that start with plain `http://`.",
        why: "Browsers warn about or block unencrypted pages, and a health account linking to one looks careless; \
              nearly every site, journals included, serves https.",
        example: "`http://www.cdc.gov/flu` → `https://www.cdc.gov/flu`",
    },
    RuleDoc {
        id: LINKS_UNCITED_RESEARCH,
        category: Category::Links,
        severity: Severity::Warning,
        what: "Finds research cited with no link in the draft: `a new study shows…`, `research published in…`, \
               `according to a JAMA study`, `researchers found…`.",
        why: "A finding without its source can't be checked, spreads as a rumour, and reads as a health claim; \
              link the paper or the journal's summary.",
        example: "`A new study shows statins cut stroke risk in adults over 75.` → add the journal link.",
    },
    RuleDoc {
        id: CLAIM_PROVEN_UNCITED,
        category: Category::HealthClaim,
        severity: Severity::Warning,
        what: "Finds `clinically proven`, `scientifically proven`, `proven to cure/treat/prevent…`, `studies prove`, \
               `doctor recommended` in a draft with no link.",
        why: "The FTC's health-products guidance expects competent and reliable scientific evidence behind any \
              efficacy claim; `proven` with nothing to point at is exactly the claim it pursues.",
        example: "`Clinically proven to lower cholesterol!` → name and link the trial, or say what it showed.",
    },
    RuleDoc {
        id: HASHTAGS_TOO_MANY,
        category: Category::Hashtags,
        severity: Severity::Warning,
        what: "Reports a draft with more than three hashtags.",
        why: "Engagement drops past one or two hashtags; a row of generic tags (#health #wellness #fitness) reads \
              as spam and crowds out the message.",
        example: "`Healthy eating tips! #health #nutrition #diet #wellness` → `Healthy eating tips! #nutrition`",
    },
    RuleDoc {
        id: HASHTAGS_COMMUNITY,
        category: Category::Hashtags,
        severity: Severity::Info,
        what: "Suggests up to two community hashtags from the `[[hashtag]]` catalog in rules.toml (the Healthcare \
               Hashtag Project's #BCSM, #LCSM, #DOC, #MedEd, #ptsafety…) whose topic words appear in the draft, \
               when the draft has room, at most one hashtag, and nothing that blocks it.",
        why: "Patient and clinician communities follow their own tags; one of them reaches the people who care \
              about the topic, where #health reaches no one.",
        example: "`Screening saves lives: book your mammogram today.` → suggests #BCSM.",
    },
    RuleDoc {
        id: CONTENT_TEASER_NO_LINK,
        category: Category::Content,
        severity: Severity::Warning,
        what: "Finds a teaser (`new on the blog`, `read our latest post`, `learn more:`, `link in bio`, `full story \
               here`) in a draft with no link.",
        why: "The post promises something to read and gives readers nothing to click; it usually means the link \
              was lost while drafting.",
        example: "`New on the blog:` → `New on the blog: 5 sunscreen myths https://example-clinic.org/blog/…`",
    },
    RuleDoc {
        id: CONTENT_TEASER_NO_QUOTE,
        category: Category::Content,
        severity: Severity::Info,
        what: "Finds a teaser whose only content is the link: fewer than five words besides the teaser phrase, \
               links, hashtags and mentions.",
        why: "`New post: <link>` gives no reason to click; a line quoted from the post (a finding, a number, a \
              myth busted) is what gets shared.",
        example:
            "`Read our latest post: https://…` → `\"Most sunburns happen on cloudy days.\" Our latest post: https://…`",
    },
    RuleDoc {
        id: CONTENT_LINK_ONLY,
        category: Category::Content,
        severity: Severity::Info,
        what: "Finds a draft that is only a link (and perhaps hashtags or mentions), with fewer than two words of \
               its own.",
        why: "A bare link shows as a card with no voice; a sentence saying what the reader will learn gets far \
              more clicks and tells followers why the account shared it.",
        example:
            "`https://www.cdc.gov/flu` → `Flu season is here: where to get a shot this week https://www.cdc.gov/flu`",
    },
    RuleDoc {
        id: DISCLAIMER_PROFILE,
        category: Category::Disclaimer,
        severity: Severity::Info,
        what: "When the account's profile (`[profile] text` in rules.toml) has no disclaimer such as `views are my \
               own` or `not medical advice`, says so once on every draft about health.",
        why: "Professional bodies (AMA, ANA, NHS trusts) ask clinicians posting about health to make clear they \
              speak for themselves and give no individual advice; the place for that is the bio. Raise the level \
              in [rules] to make it block.",
        example: "Profile `Cardiologist. Runner.` → `Cardiologist. Runner. Views my own, not medical advice.`",
    },
];

// ---------------------------------------------------------------------------
// Per-rule-set compiled data.

/// The posting rules as a family: the account's `[profile]` and the
/// `[[hashtag]]` catalog compiled once, then [`detect`] per draft.
pub struct Family;

impl super::check::Check for Family {
    fn name(&self) -> &'static str {
        "posting"
    }
    fn docs(&self) -> &'static [RuleDoc] {
        RULES
    }
    fn sections(&self) -> &'static [&'static str] {
        &["profile", "hashtag"]
    }
    fn data_files(&self) -> &'static [&'static str] {
        DATA_FILES
    }
    fn compile(&self, source: &Source<'_>) -> Result<super::check::Install, ConfigError> {
        let raw: PostingOnly = source.parse()?;
        let mut compiled =
            Compiled::build(&raw.hashtag, &raw.profile).map_err(|e| source.error(Some("hashtag".into()), None, e))?;
        if source.overrides_any(&["posting/cues.txt"]) {
            let (text, file) = source.data_file("posting/cues.txt", BUILTIN_CUES)?;
            compiled.cues = cue_matcher(&text, &file)?;
        }
        if source.overrides_any(&["posting/health-words.txt"]) {
            let (text, file) = source.data_file("posting/health-words.txt", BUILTIN_HEALTH_WORDS)?;
            compiled.health = health_matcher(&text, &file)?;
        }
        let hashtags = raw.hashtag;
        Ok(Box::new(move |rules: &mut RuleSet| {
            rules.posting = compiled;
            rules.hashtags = hashtags;
        }))
    }
    fn run(&self, input: &Input<'_>, rules: &RuleSet, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
        detect(input, rules, parsed, sink);
    }
}

/// Only the tables of the posting rules (other tables are skipped).
#[derive(Debug, Deserialize)]
struct PostingOnly {
    #[serde(default)]
    profile: Profile,
    #[serde(default)]
    hashtag: Vec<HashtagEntry>,
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

/// What this module compiles once per rule set: the hashtag catalog's
/// keyword matcher and whether the profile carries a disclaimer.
#[derive(Debug, Clone)]
pub struct Compiled {
    keywords: Option<AhoCorasick>,
    /// For each keyword of the automaton: the catalog entries it belongs to.
    keyword_entries: Vec<Vec<usize>>,
    /// The weighted length of each catalog entry's tag.
    tag_lengths: Vec<usize>,
    profile_has_disclaimer: bool,
    /// The cue phrases (`posting/cues.txt`).
    cues: CueMatcher,
    /// The health words of the disclaimer rule (`posting/health-words.txt`).
    health: AhoCorasick,
}

impl Compiled {
    /// Compiles the catalog and checks the profile, with the built-in data
    /// files. A catalog entry whose tag is not a hashtag, or a keyword that
    /// is blank, is an error.
    pub fn build(catalog: &[HashtagEntry], profile: &Profile) -> Result<Compiled, String> {
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_entries: Vec<Vec<usize>> = Vec::new();
        let mut tag_lengths = Vec::with_capacity(catalog.len());
        for (i, entry) in catalog.iter().enumerate() {
            let tag = entry.tag.trim();
            let whole = length::extract_hashtags(tag);
            if whole.len() != 1 || whole[0].span.start != 0 || whole[0].span.end != tag.len() {
                return Err(format!("hashtag[{i}].tag {tag:?} is not a single hashtag (write it as \"#Tag\")"));
            }
            tag_lengths.push(length::weighted_length(tag));
            for k in &entry.keywords {
                let k = k.trim();
                if k.is_empty() {
                    return Err(format!("hashtag[{i}].keywords has a blank keyword"));
                }
                let k = k.to_ascii_lowercase();
                match keywords.iter().position(|w| *w == k) {
                    Some(at) => keyword_entries[at].push(i),
                    None => {
                        keywords.push(k);
                        keyword_entries.push(vec![i]);
                    }
                }
            }
        }
        let keywords = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::LeftmostLongest)
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&keywords)
                    .map_err(|e| format!("cannot build the hashtag keyword matcher: {e}"))?,
            )
        };
        Ok(Compiled {
            keywords,
            keyword_entries,
            tag_lengths,
            profile_has_disclaimer: has_disclaimer(&profile.text),
            cues: builtin_cues().map_err(|e| e.to_string())?,
            health: builtin_health().map_err(|e| e.to_string())?,
        })
    }
}

/// Disclaimers a health account's bio is expected to carry.
static DISCLAIMER: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?:\b(?:views|opinions|thoughts|tweets|posts|comments)\s+(?:(?:are|r|is|expressed\s+(?:here\s+)?are)\s+)?(?:my\s+own|mine|personal|of\s+my\s+own|(?:are\s+)?not\s+(?:those|the\s+views)\s+of)\b)|(?:\b(?:personal|own)\s+(?:views|opinions|account)\b)|(?:\b(?:not|no|never|isn't|is\s+not|(?:does\s+not|doesn't)\s+constitute|nothing\s+(?:here\s+)?(?:is|constitutes))\s+(?:(?:individual|personal|professional|medical|clinical|health)\s+)+advice\b)|(?:\bnot\s+a\s+substitute\s+for\s+(?:professional\s+)?(?:medical\s+)?(?:advice|care)\b)|(?:\bfor\s+(?:general\s+)?(?:information|informational|educational)\s+purposes\s+only\b)",
    )
});

/// Whether a profile text carries a "views are my own" or "not medical
/// advice" disclaimer.
pub fn has_disclaimer(profile: &str) -> bool {
    let folded = super::Normalized::new(profile);
    DISCLAIMER.is_match(folded.text())
}

fn compile(p: &str) -> Regex {
    super::lexicon::compile_pattern(p).expect("built-in posting pattern compiles")
}

// ---------------------------------------------------------------------------
// Cue phrases: one regex per kind, searched only where a rule reads it.

/// One alternation per kind of cue, in [`CUE_KIND_NAMES`] order. Each is
/// searched on its own, and only as far as a rule reads it (see
/// [`find_cues`]): one overlapping search of the three as a `RegexSet` (the
/// first way) cost about 8.7k instructions a bench draft, more than these
/// searches together.
#[derive(Debug, Clone)]
struct CueMatcher {
    each: Vec<meta::Regex>,
}

/// The names of the cue kinds in `cues.txt`.
const CUE_KIND_NAMES: [&str; 3] = ["research", "proven", "teaser"];

/// The data files of the posting rules, by their path in a config folder.
pub const DATA_FILES: &[&str] = &["posting/cues.txt", "posting/health-words.txt"];

const BUILTIN_CUES: &str = include_str!("../../../config/posting/cues.txt");
const BUILTIN_HEALTH_WORDS: &str = include_str!("../../../config/posting/health-words.txt");

/// Compiles `cues.txt` (`KIND = PATTERN` lines). A line that is not `KIND =
/// PATTERN`, an unknown kind, a pattern that does not compile or matches the
/// empty string name the file and the line; a kind without any line names
/// the file.
fn cue_matcher(text: &str, file: &str) -> Result<CueMatcher, ConfigError> {
    let mut alternatives: [Vec<&str>; 3] = Default::default();
    for (n, entry) in data::entries(text, file)? {
        let Some((kind, pattern)) = entry.split_once(" = ") else {
            return Err(data::error(file, n, format!("expected `KIND = PATTERN`, found {entry:?}")));
        };
        let (kind, pattern) = (kind.trim(), pattern.trim());
        let Some(k) = CUE_KIND_NAMES.iter().position(|x| *x == kind) else {
            let list = CUE_KIND_NAMES.join(", ");
            return Err(data::error(file, n, format!("unknown kind {kind:?}; expected one of: {list}")));
        };
        match super::lexicon::compile_pattern(&format!("(?-u){pattern}")) {
            Err(e) => return Err(data::error(file, n, format!("invalid regular expression: {e}"))),
            Ok(r) if r.is_match("") => {
                return Err(data::error(file, n, format!("pattern {pattern:?} matches the empty string")))
            }
            Ok(_) => alternatives[k].push(pattern),
        }
    }
    let whole = |message: String| ConfigError { file: file.to_string(), key: None, line: None, message };
    let mut each = Vec::with_capacity(CUE_KIND_NAMES.len());
    for (k, alts) in alternatives.iter().enumerate() {
        if alts.is_empty() {
            return Err(whole(format!("kind {:?} has no pattern (every kind needs one)", CUE_KIND_NAMES[k])));
        }
        // ASCII mode: the cues are English and the folded view is ASCII-leaning,
        // so Unicode classes and case folding would only grow the automaton.
        let p = format!("(?-u)(?:{})", alts.join("|"));
        each.push(cue_regex(&p).map_err(|e| whole(format!("cannot build cue pattern: {e}")))?);
    }
    Ok(CueMatcher { each })
}

/// One kind's alternation compiled as [`super::lexicon::compile_pattern`]
/// compiles it (`\b` as an ASCII word boundary, any case, the same limits,
/// the same matches), but without a literal prefilter: the cues start with
/// common words ("studies", "research", "doctor"), whose prefixes a prefilter
/// finds all over a draft, and restarting the search at each costs more than
/// one plain pass (about 7k instructions against 2.7k on a bench draft for
/// the proven cues). The error of a pattern that does not compile is the
/// `regex` crate's, as everywhere else.
fn cue_regex(p: &str) -> Result<meta::Regex, String> {
    let pattern = super::lexicon::ascii_word_boundaries(p);
    let config = meta::Config::new()
        .match_kind(regex_automata::MatchKind::LeftmostFirst)
        .utf8_empty(true)
        .nfa_size_limit(Some(super::lexicon::PATTERN_SIZE_LIMIT))
        .hybrid_cache_capacity(2 * (1 << 20))
        .auto_prefilter(false);
    let syntax = regex_automata::util::syntax::Config::new().case_insensitive(true).utf8(true);
    match meta::Builder::new().configure(config).syntax(syntax).build(&pattern) {
        Ok(r) => Ok(r),
        // the same pattern under the same limits fails in `regex` too
        Err(e) => Err(super::lexicon::compile_pattern(p).map_or_else(|e| e.to_string(), |_| e.to_string())),
    }
}

/// The built-in cues, compiled once per process.
fn builtin_cues() -> Result<CueMatcher, ConfigError> {
    static BUILTIN: LazyLock<Result<CueMatcher, ConfigError>> =
        LazyLock::new(|| cue_matcher(BUILTIN_CUES, "config/posting/cues.txt (built in)"));
    BUILTIN.clone()
}

/// The built-in health words, compiled once per process.
fn builtin_health() -> Result<AhoCorasick, ConfigError> {
    static BUILTIN: LazyLock<Result<AhoCorasick, ConfigError>> =
        LazyLock::new(|| health_matcher(BUILTIN_HEALTH_WORDS, "config/posting/health-words.txt (built in)"));
    BUILTIN.clone()
}

/// Compiles `health-words.txt`.
fn health_matcher(text: &str, file: &str) -> Result<AhoCorasick, ConfigError> {
    let words = Words::parse(text, file)?;
    AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::Standard).build(words.iter()).map_err(
        |e| ConfigError {
            file: file.to_string(),
            key: None,
            line: None,
            message: format!("cannot build the health-word matcher: {e}"),
        },
    )
}

/// The cue phrases the rules read in a draft, as spans in the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Cues {
    /// The first research cue, searched only in a draft without links.
    research: Option<Span>,
    /// The first "proven" cue, searched only in a draft without links.
    proven: Option<Span>,
    /// Every teaser (leftmost-first, not overlapping), in text order.
    teasers: Vec<Span>,
}

/// The cue phrases of a draft that the rules read: a research or proven cue
/// matters only to a draft without links (`check_uncited`), and then only
/// its first match; teasers matter to every draft (`check_content`). The
/// same spans as the first match, and every match, of each kind's regex.
fn find_cues(input: &Input<'_>, cues: &CueMatcher, has_links: bool) -> Cues {
    let text = input.norm.text();
    let first = |k: usize| cues.each[k].find(text).map(|m| input.norm.span(m.start(), m.end()));
    let (research, proven) = if has_links { (None, None) } else { (first(0), first(1)) };
    let teasers = cues.each[2].find_iter(text).map(|m| input.norm.span(m.start(), m.end())).collect();
    Cues { research, proven, teasers }
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `s..e` of `text` stands as whole words.
fn whole_word(text: &[u8], s: usize, e: usize) -> bool {
    (s == 0 || !word_byte(text[s - 1])) && (e >= text.len() || !word_byte(text[e]))
}

// ---------------------------------------------------------------------------
// The detectors.

/// Runs every posting rule over a draft, given its parse (done once by
/// `engine::review`).
pub fn detect(input: &Input<'_>, rules: &RuleSet, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    check_length(input.text, parsed, sink);
    check_insecure_links(parsed, sink);
    let cues = find_cues(input, &rules.posting.cues, !parsed.urls.is_empty());
    check_uncited(&cues, parsed, sink);
    check_hashtags(input, rules, parsed, sink);
    check_content(input.text, &cues, parsed, sink);
    check_disclaimer(input, rules, sink);
}

fn check_length(text: &str, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    let n = parsed.weighted_length;
    if n <= MAX_WEIGHTED_LENGTH {
        return;
    }
    let over = n - MAX_WEIGHTED_LENGTH;
    // point at the part that does not fit
    let span = Some(Span::new(parsed.fits_until, text.len())).filter(|s| s.start < s.end);
    sink.push(
        LENGTH_OVER_LIMIT,
        span,
        format!("Too long for Twitter: {n} weighted characters, {over} over the {MAX_WEIGHTED_LENGTH} limit."),
        Some(format!(
            "Cut at least {over} characters (CJK characters and emoji count 2, every link counts 23), or split \
             the post into a thread."
        )),
        None,
    );
}

fn check_insecure_links(parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    for url in parsed.urls.iter().filter(|u| u.text.get(..7).is_some_and(|p| p.eq_ignore_ascii_case("http://"))) {
        sink.push(
            LINKS_INSECURE,
            Some(url.span),
            "Plain http:// link: browsers warn about unencrypted pages, and the link can be tampered with.".into(),
            Some("Use the https:// address; nearly every site, journals included, has one.".into()),
            None,
        );
    }
}

fn check_uncited(cues: &Cues, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    if !parsed.urls.is_empty() {
        return;
    }
    if let Some(span) = &cues.research {
        sink.push(
            LINKS_UNCITED_RESEARCH,
            Some(*span),
            "Research cited with no link: readers can't check the study, and the finding reads as a claim.".into(),
            Some("Link the paper or the journal's summary (any link counts 23 characters).".into()),
            None,
        );
    }
    if let Some(span) = &cues.proven {
        sink.push(
            CLAIM_PROVEN_UNCITED,
            Some(*span),
            "\"Proven\" with nothing to point at: an efficacy claim needs its evidence.".into(),
            Some("Link the trial, or say plainly what was shown and in whom.".into()),
            None,
        );
    }
}

fn check_hashtags(input: &Input<'_>, rules: &RuleSet, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    let tags = &parsed.hashtags;
    if tags.len() > MAX_HASHTAGS {
        let span = Span::new(tags[MAX_HASHTAGS].span.start, tags[tags.len() - 1].span.end);
        sink.push(
            HASHTAGS_TOO_MANY,
            Some(span),
            format!("{} hashtags: engagement drops past two, and a row of tags reads as spam.", tags.len()),
            Some("Keep the one or two your audience follows; a community tag (#hcsm, #BCSM…) beats #health.".into()),
            None,
        );
    }
    // Suggest a tag only where adding one keeps the draft at two or fewer,
    // and not on a draft that is blocked anyway.
    let blocked = sink.findings().iter().any(|f| f.severity == Severity::Error);
    if tags.len() < 2 && !blocked && sink.enabled(HASHTAGS_COMMUNITY) {
        suggest_community_tags(input, rules, parsed, sink);
    }
}

fn suggest_community_tags(input: &Input<'_>, rules: &RuleSet, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    let compiled = &rules.posting;
    let Some(ac) = &compiled.keywords else { return };
    let text = input.norm.text();
    let bytes = text.as_bytes();
    let catalog = &rules.hashtags;
    // allocated on the first keyword hit: most drafts have none
    let mut score: Vec<usize> = Vec::new();
    for m in ac.find_iter(text) {
        if whole_word(bytes, m.start(), m.end()) {
            for &e in &compiled.keyword_entries[m.pattern().as_usize()] {
                if score.is_empty() {
                    score = vec![0; catalog.len()];
                }
                score[e] += 1;
            }
        }
    }
    if score.is_empty() {
        return;
    }
    let used = |tag: &str| {
        let bare = tag.trim().trim_start_matches(['#', '＃']);
        parsed.hashtags.iter().any(|h| h.value().eq_ignore_ascii_case(bare))
    };
    let mut picks: Vec<usize> = (0..catalog.len()).filter(|&i| score[i] > 0 && !used(&catalog[i].tag)).collect();
    // most keyword hits first; the catalog's order breaks ties
    picks.sort_by_key(|&i| std::cmp::Reverse(score[i]));
    let room = MAX_WEIGHTED_LENGTH.saturating_sub(parsed.weighted_length);
    picks.retain(|&i| compiled.tag_lengths[i] < room);
    picks.truncate(2);
    if picks.is_empty() {
        return;
    }
    let listed: Vec<String> = picks
        .iter()
        .map(|&i| {
            let e = &catalog[i];
            if e.topic.trim().is_empty() {
                e.tag.trim().to_string()
            } else {
                format!("{} ({})", e.tag.trim(), e.topic.trim())
            }
        })
        .collect();
    let first = catalog[picks[0]].tag.trim();
    sink.push(
        HASHTAGS_COMMUNITY,
        None,
        format!("Community hashtag for this topic: {}.", listed.join(", ")),
        Some(format!("Add {first} if it fits: the people who follow it care about the topic.")),
        None,
    );
}

/// Words of two or more letters outside the given byte spans (sorted): a
/// character inside a span ends a word like any other non-letter. An ASCII
/// byte is classified without decoding a character, and a span is stepped
/// over at once (its characters after the first change nothing).
fn words_outside(text: &str, skip: &[Span]) -> usize {
    let bytes = text.as_bytes();
    let mut count = 0;
    let mut letters = 0;
    let mut k = 0;
    let mut i = 0;
    while i < bytes.len() {
        while k < skip.len() && skip[k].end <= i {
            k += 1;
        }
        let letter = if k < skip.len() && skip[k].start <= i {
            // on to the first character that starts at or after the span's end
            i = skip[k].end.min(bytes.len());
            while !text.is_char_boundary(i) {
                i += 1;
            }
            false
        } else if bytes[i].is_ascii() {
            i += 1;
            bytes[i - 1].is_ascii_alphabetic()
        } else {
            let Some(c) = text[i..].chars().next() else { break };
            i += c.len_utf8();
            c.is_alphabetic()
        };
        if letter {
            letters += 1;
            continue;
        }
        if letters >= 2 {
            count += 1;
        }
        letters = 0;
    }
    count + usize::from(letters >= 2)
}

fn check_content(text: &str, cues: &Cues, parsed: &Parsed<'_>, sink: &mut Sink<'_>) {
    let teaser = cues.teasers.first().copied();
    if teaser.is_none() && parsed.urls.is_empty() {
        return;
    }
    // counted only where a rule reads it (not for a teaser without a link)
    let own_words = || {
        let mut skip: Vec<Span> =
            parsed.urls.iter().chain(&parsed.hashtags).chain(&parsed.mentions).map(|e| e.span).collect();
        skip.extend(&cues.teasers);
        skip.sort();
        words_outside(text, &skip)
    };
    match teaser {
        Some(span) if parsed.urls.is_empty() => sink.push(
            CONTENT_TEASER_NO_LINK,
            Some(span),
            "Teaser with nothing to click: the draft promises a post or article but has no link.".into(),
            Some("Add the link (it counts 23 characters whatever its length).".into()),
            None,
        ),
        Some(span) if own_words() < 5 => sink.push(
            CONTENT_TEASER_NO_QUOTE,
            Some(span),
            "Teaser with only a link: nothing in the post tells people why to click.".into(),
            Some("Quote one line from the post (a finding, a number, a myth busted) next to the link.".into()),
            None,
        ),
        Some(_) => {}
        None if own_words() < 2 => sink.push(
            CONTENT_LINK_ONLY,
            None,
            "Only a link: a post with no words of its own shows as a bare card and gets few clicks.".into(),
            Some("Say in one sentence what the reader will learn, then the link.".into()),
            None,
        ),
        None => {}
    }
}

fn check_disclaimer(input: &Input<'_>, rules: &RuleSet, sink: &mut Sink<'_>) {
    if rules.posting.profile_has_disclaimer || !sink.enabled(DISCLAIMER_PROFILE) {
        return;
    }
    let about_health = sink.has_category(Category::HealthClaim) || sink.has_category(Category::ClinicalAdvice) || {
        let text = input.norm.text();
        let bytes = text.as_bytes();
        rules.posting.health.find_overlapping_iter(text).any(|m| whole_word(bytes, m.start(), m.end()))
    };
    if !about_health {
        return;
    }
    sink.push(
        DISCLAIMER_PROFILE,
        None,
        "The account profile has no disclaimer (\"views are my own\", \"not medical advice\"), and this draft is \
         about health."
            .into(),
        Some(
            "Add one to the account's bio, e.g. \"Views my own. Not medical advice.\", and to [profile] in \
             rules.toml."
                .into(),
        ),
        None,
    );
}

#[cfg(test)]
mod tests;
