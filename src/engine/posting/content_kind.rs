//! What kind of post a draft is, for the content mix of the report
//! (`safetweet audit report`, `/report`): the kinds the seed guide names as
//! the posts that work (informative studies with a link, health tips, blog
//! posts with a shareable quote, an occasional personal note) and "other".
//!
//! Pure and rule-set independent: cue words are data
//! (`content_kinds.toml` beside this file, compiled in), matched as whole
//! words on the folded view the rules use; links come from the twitter-text
//! parse. It classifies, it never reports a finding.

use super::super::length;
use super::super::Normalized;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::Deserialize;
use std::sync::LazyLock;

/// The kind of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentKind {
    /// Reports a study or research and links it.
    StudyLink,
    /// A practical health tip.
    Tip,
    /// Promotes a blog post (or article, episode) with a link and a line worth sharing.
    BlogQuote,
    /// A personal note: first person, thanks, milestones.
    Personal,
    /// None of the above (announcements, events, bare links…).
    Other,
}

impl ContentKind {
    pub const ALL: [ContentKind; 5] =
        [ContentKind::StudyLink, ContentKind::Tip, ContentKind::BlogQuote, ContentKind::Personal, ContentKind::Other];

    /// The spelling used in reports and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::StudyLink => "study-link",
            ContentKind::Tip => "tip",
            ContentKind::BlogQuote => "blog-quote",
            ContentKind::Personal => "personal",
            ContentKind::Other => "other",
        }
    }

    /// A label for people (chart legends, table rows).
    pub fn label(self) -> &'static str {
        match self {
            ContentKind::StudyLink => "study + link",
            ContentKind::Tip => "health tip",
            ContentKind::BlogQuote => "blog + quote",
            ContentKind::Personal => "personal note",
            ContentKind::Other => "other",
        }
    }
}

/// The cue lists of `content_kinds.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CueLists {
    study: Vec<String>,
    blog: Vec<String>,
    tip: Vec<String>,
    personal: Vec<String>,
}

const CUES_TOML: &str = include_str!("content_kinds.toml");

/// Which list a cue phrase came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    Study,
    Blog,
    Tip,
    Personal,
}

struct Matcher {
    ac: AhoCorasick,
    /// For each pattern: the lists it belongs to (a phrase may sit in several).
    cues: Vec<Vec<Cue>>,
}

static MATCHER: LazyLock<Matcher> = LazyLock::new(|| {
    let lists: CueLists = toml::from_str(CUES_TOML).expect("content_kinds.toml parses");
    let mut phrases: Vec<String> = Vec::new();
    let mut cues: Vec<Vec<Cue>> = Vec::new();
    for (cue, list) in
        [(Cue::Study, &lists.study), (Cue::Blog, &lists.blog), (Cue::Tip, &lists.tip), (Cue::Personal, &lists.personal)]
    {
        for p in list {
            let p = p.trim().to_ascii_lowercase();
            assert!(!p.is_empty(), "content_kinds.toml: a blank cue");
            match phrases.iter().position(|q| *q == p) {
                Some(at) => cues[at].push(cue),
                None => {
                    phrases.push(p);
                    cues.push(vec![cue]);
                }
            }
        }
    }
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&phrases)
        .expect("content-kind cues compile");
    Matcher { ac, cues }
});

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'\''
}

/// The kind of post `text` is. Order decides when several fit: a study with
/// a link, a blog post with a link and a line worth sharing (a quotation, or
/// five words of its own besides links, hashtags and mentions), a tip, a
/// personal note, else other. Masked identifiers (`***-***-8834`) do not
/// change the kind.
pub fn content_kind(text: &str) -> ContentKind {
    let norm = Normalized::new(text);
    let folded = norm.text();
    let bytes = folded.as_bytes();
    let (mut study, mut blog, mut tip, mut personal) = (false, false, false, false);
    for m in MATCHER.ac.find_overlapping_iter(folded) {
        let (s, e) = (m.start(), m.end());
        // A phrase ending in punctuation ("fact:") ends its own word.
        let ends_word = !word_byte(bytes[e - 1]) || e >= bytes.len() || !word_byte(bytes[e]);
        if (s > 0 && word_byte(bytes[s - 1])) || !ends_word {
            continue;
        }
        for cue in &MATCHER.cues[m.pattern().as_usize()] {
            match cue {
                Cue::Study => study = true,
                Cue::Blog => blog = true,
                Cue::Tip => tip = true,
                Cue::Personal => personal = true,
            }
        }
    }
    let parsed = length::parse(text);
    let has_link = !parsed.urls.is_empty();
    if study && has_link {
        return ContentKind::StudyLink;
    }
    if blog && has_link && (has_quotation(text) || own_words(text, &parsed) >= 5) {
        return ContentKind::BlogQuote;
    }
    if tip {
        return ContentKind::Tip;
    }
    if personal {
        return ContentKind::Personal;
    }
    ContentKind::Other
}

/// A quoted line of at least three words: "…", “…” or «…».
fn has_quotation(text: &str) -> bool {
    for (open, close) in [('"', '"'), ('\u{201C}', '\u{201D}'), ('\u{AB}', '\u{BB}')] {
        let mut rest = text;
        while let Some(i) = rest.find(open) {
            let after = &rest[i + open.len_utf8()..];
            let Some(j) = after.find(close) else { break };
            if after[..j].split_whitespace().count() >= 3 {
                return true;
            }
            rest = &after[j + close.len_utf8()..];
        }
    }
    false
}

/// Words of two or more letters outside links, hashtags and mentions.
fn own_words(text: &str, parsed: &length::Parsed<'_>) -> usize {
    let mut skip: Vec<(usize, usize)> = parsed
        .urls
        .iter()
        .chain(&parsed.hashtags)
        .chain(&parsed.mentions)
        .map(|e| (e.span.start, e.span.end))
        .collect();
    skip.sort_unstable();
    let mut count = 0;
    let mut letters = 0;
    for (i, c) in text.char_indices() {
        let skipped = skip.iter().any(|&(s, e)| s <= i && i < e);
        if !skipped && c.is_alphabetic() {
            letters += 1;
            continue;
        }
        count += usize::from(letters >= 2);
        letters = 0;
    }
    count + usize::from(letters >= 2)
}

#[cfg(test)]
mod tests {
    use super::ContentKind::*;
    use super::*;

    #[test]
    fn the_cue_lists_load() {
        assert!(MATCHER.cues.len() > 40);
    }

    #[test]
    fn studies_need_their_link() {
        assert_eq!(
            content_kind("A new study in JAMA finds daily walks cut stroke risk https://jamanetwork.com/x"),
            StudyLink
        );
        assert_eq!(content_kind("Researchers found sleep matters: https://doi.org/10.1000/182"), StudyLink);
        // the same study cited with nothing to click is no study post
        assert_eq!(content_kind("A new study in JAMA finds daily walks cut stroke risk"), Other);
    }

    #[test]
    fn blog_posts_need_a_link_and_a_line_worth_sharing() {
        assert_eq!(
            content_kind(
                "\u{201C}Most sunburns happen on cloudy days.\u{201D} Our latest post: https://example.org/b/1"
            ),
            BlogQuote
        );
        assert_eq!(
            content_kind("New on the blog: why sunscreen still matters on cloudy autumn days https://example.org/b/2"),
            BlogQuote
        );
        // a teaser with only a link is not the kind that works
        assert_eq!(content_kind("New post: https://example.org/b/3"), Other);
        assert_eq!(content_kind("New on the blog: sunscreen myths busted, read it today"), Other);
    }

    #[test]
    fn tips_and_personal_notes() {
        assert_eq!(content_kind("Tip: wash your hands for 20 seconds before every meal."), Tip);
        assert_eq!(content_kind("Don't forget to book your flu shot this month!"), Tip);
        assert_eq!(content_kind("So proud of our team for 10 years of caring for this town."), Personal);
        assert_eq!(content_kind("I ran my first half marathon today!"), Personal);
        // a tip written in the first person is still a tip
        assert_eq!(content_kind("My tip for the heat: stay hydrated."), Tip);
    }

    #[test]
    fn cues_are_whole_words_in_any_case_and_script_tricks_fold() {
        assert_eq!(content_kind("The clinic is closed on Monday."), Other);
        // "tipping" is not "tip", "mystery" is not "my"
        assert_eq!(content_kind("Tipping point for the mystery novel club."), Other);
        assert_eq!(content_kind("TIPS FOR A SAFE SUMMER"), Tip);
        // a Cyrillic look-alike letter is folded like the rules fold it
        assert_eq!(content_kind("T\u{0456}p: stay hydrated"), Tip);
    }

    #[test]
    fn masked_identifiers_do_not_change_the_kind() {
        assert_eq!(content_kind("Thanks to ***-***-8834 for a great day, so grateful!"), Personal);
        assert_eq!(content_kind("Events: join us Saturday at the fair."), Other);
    }
}
