//! Tests of the posting rules and of the posting lexicon entries in
//! config/rules.toml, through `engine::review` with the built-in rules.

use super::*;
use crate::engine::config::DEFAULT_RULES_TOML;
use crate::engine::{review, Draft, Finding, Review};
use regex::{RegexSet, RegexSetBuilder};

static BUILTIN: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin_without_model().expect("built-in rules load"));

/// The built-in rules with another profile text.
fn with_profile(text: &str) -> RuleSet {
    let start =
        DEFAULT_RULES_TOML.find("[profile]\ntext = \"").expect("built-in profile") + "[profile]\ntext = \"".len();
    let end = start + DEFAULT_RULES_TOML[start..].find("\"\n").expect("profile line ends");
    let toml = format!("{}{}{}", &DEFAULT_RULES_TOML[..start], text, &DEFAULT_RULES_TOML[end..]);
    RuleSet::from_toml(&toml, "test").expect("rules with another profile load")
}

fn run(text: &str) -> Review {
    review(&Draft::new(text), &BUILTIN)
}

fn findings_of<'r>(r: &'r Review, rule: &str) -> Vec<&'r Finding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

fn fires(text: &str, rule: &str) -> bool {
    !findings_of(&run(text), rule).is_empty()
}

#[track_caller]
fn assert_fires(rule: &str, texts: &[&str]) {
    for t in texts {
        assert!(fires(t, rule), "{rule} should fire on {t:?}; got {:?}", rule_ids(t));
    }
}

#[track_caller]
fn assert_quiet(rule: &str, texts: &[&str]) {
    for t in texts {
        assert!(!fires(t, rule), "{rule} should not fire on {t:?}; got {:?}", findings_of(&run(t), rule));
    }
}

fn rule_ids(text: &str) -> Vec<String> {
    run(text).findings.into_iter().map(|f| f.rule).collect()
}

fn matched<'t>(text: &'t str, f: &Finding) -> &'t str {
    let s = f.span.expect("finding has a span");
    &text[s.start..s.end]
}

// --- length -----------------------------------------------------------------

#[test]
fn length_over_limit_blocks_with_the_number() {
    let text = "a".repeat(281);
    let r = run(&text);
    let f = findings_of(&r, LENGTH_OVER_LIMIT);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].category, Category::Length);
    assert!(f[0].message.contains("281") && f[0].message.contains("1 over"), "{}", f[0].message);
    assert!(f[0].suggestion.as_deref().unwrap_or("").contains("Cut at least 1"));
    assert_eq!(f[0].span, Some(Span::new(280, 281)), "points at what does not fit");
    assert_eq!(r.weighted_length, 281);
    assert_eq!(r.verdict, crate::engine::Verdict::Block);
}

#[test]
fn length_counts_like_twitter() {
    // 141 CJK characters weigh 282
    assert!(fires(&"健".repeat(141), LENGTH_OVER_LIMIT));
    assert!(!fires(&"健".repeat(140), LENGTH_OVER_LIMIT));
    assert!(!fires(&"a".repeat(280), LENGTH_OVER_LIMIT));
    // a 300-character URL counts 23
    let long_url = format!("Short tip: move more. https://www.ahajournals.org/{}", "x/".repeat(140));
    assert!(!fires(&long_url, LENGTH_OVER_LIMIT));
    // a scheme-less URL counts 23 too
    let bare = format!("{} www.heart.org/{}", "a".repeat(250), "y".repeat(60));
    assert!(!fires(&bare, LENGTH_OVER_LIMIT), "weighted {}", run(&bare).weighted_length);
    // 140 family emoji weigh 280
    let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466}".repeat(140);
    assert!(!fires(&family, LENGTH_OVER_LIMIT));
    assert!(fires(&format!("{family}!"), LENGTH_OVER_LIMIT));
}

// --- links ------------------------------------------------------------------

#[test]
fn insecure_links() {
    let text = "See http://example.com/page and https://example.org/ok";
    let r = run(text);
    let f = findings_of(&r, LINKS_INSECURE);
    assert_eq!(f.len(), 1);
    assert_eq!(matched(text, f[0]), "http://example.com/page");
    assert_fires(LINKS_INSECURE, &["HTTP://EXAMPLE.ORG/x", "visit http://www.cdc.gov.", "(http://nih.gov)"]);
    assert_quiet(
        LINKS_INSECURE,
        &[
            "https://example.com",
            "no links here",
            "type http:// then the address",
            "the http protocol",
            "www.cdc.gov/flu",
        ],
    );
}

#[test]
fn shorteners() {
    let text = "Read the full study here: http://bit.ly/3xYz12, thanks";
    let r = run(text);
    let f = findings_of(&r, "links.shortener");
    assert_eq!(f.len(), 1);
    assert_eq!(matched(text, f[0]), "http://bit.ly/3xYz12");
    assert_eq!(f[0].category, Category::Links);
    assert_fires(
        "links.shortener",
        &[
            "tinyurl.com/abc123 for details",
            "https://ow.ly/Xyz9",
            "Slides: buff.ly/2Qx",
            "goo.gl/maps/xyz",
            "t.co/abcdef",
        ],
    );
    assert_quiet(
        "links.shortener",
        &["https://www.nejm.org/doi/full/10.1056/x", "ask for a bit.ly link", "our habit.ly app", "see ahabit.ly/abc"],
    );
}

#[test]
fn research_without_a_link() {
    assert_fires(
        LINKS_UNCITED_RESEARCH,
        &[
            "A new study shows statins cut stroke risk in adults over 75.",
            "Research published in JAMA this week links poor sleep to heart disease.",
            "According to a recent JAMA study, most adults skip breakfast.",
            "Researchers found that walking after meals lowers blood sugar.",
            "Studies show that flossing matters.",
            "New research on sleep and memory is out.",
            "A Lancet review found little benefit.",
            "The trial showed fewer strokes.",
            "A study from Stanford found that naps help.",
            "Research out of Johns Hopkins shows a drop in ER visits.",
            "New data from the CDC shows flu is rising.",
            "Per a new CDC report, vaccination rates fell.",
            "New findings show fiber matters.",
            // a source between the subject and the verb, for every subject and verb
            "Findings from the Framingham cohort demonstrated a clear link.",
            "A meta-analysis by Cochrane authors indicated modest benefit.",
            "Data in the latest registry suggest fewer readmissions.",
            // "per" and "according to" take the same sources
            "Per the latest national research, most adults sleep too little.",
            "According to one paper, fasting helps.",
        ],
    );
    assert_quiet(
        LINKS_UNCITED_RESEARCH,
        &[
            "A new study shows statins cut stroke risk: https://www.nejm.org/doi/x",
            "Research published in JAMA: jamanetwork.com/journals/jama/fullarticle/1",
            "We're recruiting for a study on sleep.",
            "Study hard, residents!",
            "Our research team won an award.",
            "The report is due Friday.",
            "A study group for residents meets at noon.",
            "We're enrolling adults in a study of sleep: call 617-555-0100.",
            "Per the schedule, the review starts at noon.",
            "Data from our clinic are on the wall.",
        ],
    );
    let r = run("A new study shows statins cut stroke risk.");
    let f = findings_of(&r, LINKS_UNCITED_RESEARCH);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(matched("A new study shows statins cut stroke risk.", f[0]), "study shows");
}

#[test]
fn proven_without_a_citation() {
    assert_fires(
        CLAIM_PROVEN_UNCITED,
        &[
            "Clinically proven to lower cholesterol!",
            "Our cream is scientifically proven.",
            "The only tea proven to boost energy.",
            "Science proves it works.",
            "A doctor-recommended formula.",
        ],
    );
    assert_quiet(
        CLAIM_PROVEN_UNCITED,
        &[
            "Clinically proven to lower LDL in a 2-year trial: https://www.nejm.org/doi/x",
            "A proven track record of compassionate care.",
            "It hasn't been shown to help.",
        ],
    );
}

// --- hashtags ---------------------------------------------------------------

#[test]
fn too_many_hashtags() {
    let text = "Healthy eating tips! #health #nutrition #diet #wellness #healthy #food #fitness #lifestyle";
    let r = run(text);
    let f = findings_of(&r, HASHTAGS_TOO_MANY);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(f[0].message.starts_with("8 hashtags"), "{}", f[0].message);
    assert_eq!(matched(text, f[0]), "#wellness #healthy #food #fitness #lifestyle");
    assert_fires(HASHTAGS_TOO_MANY, &["#a1 #b2 #c3 #d4", "Walk! #Heart #Health #Walk #Fitness"]);
    assert_quiet(
        HASHTAGS_TOO_MANY,
        &[
            "Three is fine #a #b #c",
            "We're the #1 hospital in #2 categories, room #3, floor #4",
            "https://x.com/#a #b #c #d",
            "Issue ##5 and #6 #7 #8",
        ],
    );
}

#[test]
fn community_hashtags_suggested_by_topic() {
    let text = "Book your mammogram today: screening saves lives.";
    let r = run(text);
    let f = findings_of(&r, HASHTAGS_COMMUNITY);
    assert_eq!(f.len(), 1, "{:?}", r.findings);
    assert_eq!(f[0].severity, Severity::Info);
    assert!(f[0].message.contains("#BCSM (breast cancer)"), "{}", f[0].message);
    assert_eq!(r.verdict, crate::engine::Verdict::Ok);
    let r = run("Tips for keeping blood sugar steady with diabetes.");
    assert!(findings_of(&r, HASHTAGS_COMMUNITY)[0].message.contains("#DOC"));
    let r = run("Ask your doctor whether lung cancer screening is right for you.");
    assert!(findings_of(&r, HASHTAGS_COMMUNITY)[0].message.contains("#LCSM"));
    // at most two tags, the best-matching first
    let r = run("Flu season: get your flu shot and your COVID vaccine this week.");
    let m = &findings_of(&r, HASHTAGS_COMMUNITY)[0].message;
    assert_eq!(m.matches('#').count(), 2, "{m}");
}

#[test]
fn community_hashtags_not_suggested() {
    assert_quiet(
        HASHTAGS_COMMUNITY,
        &[
            "Mammogram reminder #BCSM",
            "Mammogram reminder #bcsm",
            "Mammogram reminder #a #b",
            "My patient Jessica Moreno had her mammogram today.",
            "Parking lot B is closed Friday.",
            "Our prostaglandin lecture is at noon.",
        ],
    );
    // no room left for a tag
    let long = format!("Mammogram reminder {}", "x".repeat(258));
    assert_quiet(HASHTAGS_COMMUNITY, &[&long]);
}

#[test]
fn catalog_entries_must_be_hashtags() {
    let bad = "[[hashtag]]\ntag = \"BCSM\"\nkeywords = [\"breast cancer\"]\n";
    let e = RuleSet::from_toml(bad, "r.toml").unwrap_err();
    assert!(e.message.contains("not a single hashtag"), "{e}");
    let blank = "[[hashtag]]\ntag = \"#BCSM\"\nkeywords = [\" \"]\n";
    assert!(RuleSet::from_toml(blank, "r.toml").is_err());
    let ok = "[[hashtag]]\ntag = \"#BCSM\"\nkeywords = [\"breast cancer\"]\n";
    assert!(RuleSet::from_toml(ok, "r.toml").is_ok());
}

#[test]
fn builtin_catalog_is_sensible() {
    assert!(BUILTIN.hashtags.len() >= 25);
    for tag in ["#hcsm", "#BCSM", "#LCSM", "#DOC", "#MedEd", "#ptsafety"] {
        assert!(BUILTIN.hashtags.iter().any(|h| h.tag == tag), "{tag} in the catalog");
    }
    for h in &BUILTIN.hashtags {
        assert!(!h.topic.is_empty() && !h.keywords.is_empty(), "{} has a topic and keywords", h.tag);
    }
}

// --- content ----------------------------------------------------------------

#[test]
fn teaser_without_link() {
    let text = "New on the blog: ";
    let r = run(text);
    let f = findings_of(&r, CONTENT_TEASER_NO_LINK);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(matched(text, f[0]), "New on the blog");
    assert_fires(
        CONTENT_TEASER_NO_LINK,
        &[
            "Read our latest post on sleep and memory!",
            "Want to know more about flu shots? Learn more:",
            "Recipes for heart health. Link in bio",
            "Full story here:",
            "Check out our new article about flu season",
            "Our latest newsletter is out now",
            "New episode: our cardiologists on sleep",
            "Listen to our latest podcast with Dr. Lopez",
            "In today's blog, Dr. Chen explains flu shots.",
        ],
    );
    assert_quiet(
        CONTENT_TEASER_NO_LINK,
        &[
            "New on the blog: why sunscreen matters on cloudy days https://example-clinic.org/blog/sun",
            "We learned more about sleep this week.",
            "Read more books this summer!",
            "Flu shots are available at all three clinics.",
        ],
    );
}

#[test]
fn teaser_with_only_a_link() {
    let text = "New on the blog: https://example-clinic.org/blog/sleep";
    let f = findings_of(&run(text), CONTENT_TEASER_NO_QUOTE).len();
    assert_eq!(f, 1);
    assert_fires(CONTENT_TEASER_NO_QUOTE, &["Read our latest post: https://example-clinic.org/p/1 #sleep"]);
    assert_quiet(
        CONTENT_TEASER_NO_QUOTE,
        &[
            "\"Most sunburns happen on cloudy days.\" Our dermatology team busts 5 sunscreen myths on the blog: https://example-clinic.org/blog/sunscreen-myths",
            "New on the blog: three questions to ask before knee surgery https://example-clinic.org/blog/knee",
        ],
    );
}

#[test]
fn link_only() {
    assert_fires(
        CONTENT_LINK_ONLY,
        &[
            "https://example-clinic.org/news",
            "https://example-clinic.org/news #HeartMonth",
            "@cdcgov https://www.cdc.gov/flu",
            "www.cdc.gov/flu",
        ],
    );
    assert_quiet(
        CONTENT_LINK_ONLY,
        &["Flu shots: https://www.cdc.gov/flu", "No link at all", "New on the blog: https://example-clinic.org/x"],
    );
    let r = run("https://example-clinic.org/news");
    assert_eq!(findings_of(&r, CONTENT_LINK_ONLY)[0].severity, Severity::Info);
}

#[test]
fn clickbait_and_engagement_bait() {
    assert_fires(
        "content.clickbait",
        &["Doctors hate this one weird trick for belly fat!", "You won't believe what sugar does"],
    );
    assert_quiet(
        "content.clickbait",
        &["Doctors met today to plan flu season.", "Believe in yourself.", "Here's what happens next in your care."],
    );
    assert_fires(
        "content.engagement-bait",
        &["RT if you got your flu shot!", "Like and retweet to spread the word", "Tag a friend who needs a checkup"],
    );
    assert_quiet(
        "content.engagement-bait",
        &[
            "Our RT team (respiratory therapy) is hiring",
            "Tag along on our hospital tour",
            "We'll follow back up with you next week.",
            "It can feel like if you skip one dose nothing happens.",
        ],
    );
}

// --- health claims (lexicon data) -------------------------------------------

#[test]
fn cure_claims() {
    let text = "Our new IV vitamin drip cures chronic fatigue, guaranteed! Book today. #wellness";
    let r = run(text);
    assert_eq!(matched(text, findings_of(&r, "claim.cure")[0]), "cures");
    assert_eq!(findings_of(&r, "claim.cure")[0].category, Category::HealthClaim);
    assert!(!findings_of(&r, "claim.guarantee").is_empty());
    assert_eq!(r.verdict, crate::engine::Verdict::Revise);
    assert_fires(
        "claim.cure",
        &[
            "This tea can cure anxiety",
            "A natural cure for arthritis",
            "Heals your gut in a week",
            "The cure-all you need",
            "I cured my migraines",
        ],
    );
    assert_quiet(
        "claim.cure",
        &[
            "There is no cure yet for ALS, but care helps.",
            "Antibiotics don't cure colds.",
            "Most skin cancers can be cured if found early.",
            "Walk for the cure this Sunday!",
            "Secure your data.",
            "Support the search for a cure.",
            "Cure rates for hepatitis C are above 95%.",
            "A curated list of resources.",
        ],
    );
}

#[test]
fn guarantee_miracle_and_safety_claims() {
    assert_fires(
        "claim.guarantee",
        &["Results guaranteed!", "100% effective", "Works every time", "Instant relief for joint pain"],
    );
    assert_quiet(
        "claim.guarantee",
        &[
            "There's no guarantee, but it helps.",
            "Guaranteed parking for patients in Lot A.",
            "Recovery is not guaranteed.",
            "Effective for most people.",
        ],
    );
    assert_fires(
        "claim.miracle",
        &["The miracle cure for belly fat", "A wonder drug for joints", "Skip the magic pill"],
    );
    assert_quiet(
        "claim.miracle",
        &[
            "There is no miracle cure for weight loss.",
            "Proud to be a Children's Miracle Network hospital",
            "There's no magic pill.",
        ],
    );
    assert_fires(
        "claim.no-side-effects",
        &["No side effects!", "Completely safe for kids", "Risk-free trial", "Safe for everyone"],
    );
    assert_quiet(
        "claim.no-side-effects",
        &["Report any side effects to your pharmacist.", "No serious side effects were seen."],
    );
}

#[test]
fn reversal_detox_immunity_weight_claims() {
    assert_fires(
        "claim.reverses",
        &[
            "This diet reverses type 2 diabetes",
            "Reverse aging with our serum",
            "It eliminates tumors",
            "Eliminates joint pain in days",
        ],
    );
    assert_quiet(
        "claim.reverses",
        &[
            "Naloxone reverses opioid overdoses.",
            "You can't reverse aging.",
            "Reverse parking only.",
            "Our goal: eliminate cervical cancer as a public health problem.",
        ],
    );
    assert_fires(
        "claim.detox",
        &["Try our 3-day detox!", "Cleanse your liver naturally", "Flush out toxins with lemon water"],
    );
    assert_quiet(
        "claim.detox",
        &["Our alcohol detox program has openings.", "Plan a digital detox weekend.", "Clean your hands often."],
    );
    assert_fires("claim.immunity", &["Boost your immune system this winter", "Immune-boosting smoothie recipe"]);
    assert_quiet("claim.immunity", &["Vaccines boost your immunity against flu.", "Booster shot clinic on Friday."]);
    assert_fires(
        "claim.weight-loss",
        &[
            "Lose 10 lbs in 10 days!",
            "This tea melts belly fat",
            "Lose weight without dieting",
            "Green tea boosts your metabolism",
        ],
    );
    assert_quiet("claim.weight-loss", &["Aim to lose 1-2 pounds a week.", "Exercise helps with weight."]);
}

// --- disclaimer -------------------------------------------------------------

#[test]
fn profile_disclaimers_recognised() {
    for p in [
        "Views are my own.",
        "Cardiologist. Opinions my own.",
        "Tweets are mine, not my employer's",
        "Not medical advice.",
        "Nothing here is individual medical advice",
        "Personal account.",
        "For informational purposes only.",
        "Views expressed here are my own",
        "Does not constitute medical advice",
    ] {
        assert!(has_disclaimer(p), "{p}");
    }
    for p in ["Cardiologist. Runner. Dad.", "Advice column editor", "Official account of Example Clinic", ""] {
        assert!(!has_disclaimer(p), "{p}");
    }
}

#[test]
fn disclaimer_missing_from_profile() {
    let rules = with_profile("Cardiologist. Runner. Dad.");
    let r = review(&Draft::new("Heart attack symptoms can differ in women."), &rules);
    let f: Vec<_> = r.findings.iter().filter(|f| f.rule == DISCLAIMER_PROFILE).collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].category, Category::Disclaimer);
    assert!(f[0].span.is_none());
    for quiet in ["Parking lot B is closed Friday.", "Congrats to our softball team!"] {
        let r = review(&Draft::new(quiet), &rules);
        assert!(r.findings.iter().all(|f| f.rule != DISCLAIMER_PROFILE), "{quiet}");
    }
    // a claim makes a draft about health even without health words
    let r = review(&Draft::new("Our tea works every time!"), &rules);
    assert!(r.findings.iter().any(|f| f.rule == DISCLAIMER_PROFILE));
    // the built-in profile has one
    assert!(!fires("Heart attack symptoms can differ in women.", DISCLAIMER_PROFILE));
}

// --- the rule set -----------------------------------------------------------

#[test]
fn every_code_rule_is_registered_and_documented() {
    for doc in RULES {
        assert_eq!(BUILTIN.category_of(doc.id), Some(doc.category), "{}", doc.id);
        assert_eq!(BUILTIN.severity_of(doc.id), Some(doc.severity), "{}", doc.id);
        assert!(doc.what.len() > 20 && doc.why.len() > 20 && doc.example.len() > 10, "{} docs", doc.id);
    }
    assert_eq!(LengthConfig::V3.max_weighted_length, MAX_WEIGHTED_LENGTH);
}

use crate::engine::length::LengthConfig;

#[test]
fn good_posts_stay_quiet() {
    let good = [
        "Heart attack symptoms can look different in women: jaw pain, nausea and fatigue are common. New review from the AHA: https://www.ahajournals.org/doi/10.1161/CIR.0000000000000351 #HeartHealth",
        "Tip: a 10-minute walk after meals can help keep blood sugar steady. Small habits add up between visits. #diabetes",
        "Flu shots are available at all three of our walk-in clinics this week. No appointment needed.",
        "Myth: you only need a mammogram if breast cancer runs in your family. Fact: most women diagnosed have no family history. Screening saves lives. #BCSM",
        "Interesting study in JAMA on sleep and heart disease: adults sleeping under 6 hours had higher risk. https://jamanetwork.com/journals/jama/fullarticle/2812345",
        "Join us Saturday 9am-1pm for free blood pressure checks at the Main Street farmers market.",
        "Our pediatric clinic is hiring two nurse practitioners. Apply at https://example-clinic.org/careers",
        "Colorectal cancer screening now starts at 45 for average-risk adults. Talk to your doctor about which test is right for you. #ColorectalCancer",
        "Great discussion tonight on #hcsm about how clinicians can share evidence without giving individual advice.",
        "Sunscreen every day, even when it's cloudy. ☀️🧴 Reapply every two hours outdoors.",
        "Vaccines are safe and effective; talk to your pharmacist about the new RSV shot for adults over 60.",
        "Antibiotics don't cure colds. Rest, fluids and time do.",
        "There is no miracle cure for weight loss: steady habits win.",
    ];
    for t in good {
        let r = run(t);
        let loud: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.severity >= Severity::Warning)
            .filter(|f| {
                matches!(
                    f.category,
                    Category::Length | Category::Links | Category::Hashtags | Category::Content | Category::HealthClaim
                )
            })
            .collect();
        assert!(loud.is_empty(), "{t:?}: {loud:?}");
    }
}

// ------------------------------------------------------------ data files

#[test]
fn a_bad_cues_line_names_the_file_and_the_line() {
    let bad = |extra: &str| {
        let text =
            format!("# head\nresearch = \\bstudy\\s+shows\\b\nproven = \\bproven\\b\nteaser = \\bblog\\b\n{extra}\n");
        cue_matcher(&text, "cfg/posting/cues.txt").unwrap_err()
    };
    for (extra, says) in [
        ("rumour = \\bthey say\\b", "unknown kind"),
        ("research = (unclosed", "invalid regular expression"),
        ("teaser = x*", "matches the empty string"),
        ("teaser \\bblog\\b", "expected `KIND = PATTERN`"),
    ] {
        let e = bad(extra);
        assert_eq!((e.file.as_str(), e.line), ("cfg/posting/cues.txt", Some(5)), "{extra}: {e}");
        assert!(e.message.contains(says), "{extra}: {e}");
    }
    let e = cue_matcher("research = \\bstudy\\b\n", "c.txt").unwrap_err();
    assert!(e.line.is_none() && e.message.contains("\"proven\""), "{e}");
    let e = health_matcher("health\ncare\nhealth\n", "h.txt").unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
}

#[test]
fn a_config_folder_overrides_only_the_posting_files_it_has() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.toml"), DEFAULT_RULES_TOML).unwrap();
    let draft = Draft::new("Our survey says most adults floss too little.");
    let uncited =
        |rules: &RuleSet| review(&draft, rules).findings.iter().filter(|f| f.rule == LINKS_UNCITED_RESEARCH).count();
    let rules = RuleSet::without_model(Some(dir.path())).unwrap();
    assert_eq!(uncited(&rules), 0);
    std::fs::create_dir(dir.path().join("posting")).unwrap();
    std::fs::write(dir.path().join("posting/cues.txt"), format!("{BUILTIN_CUES}\nresearch = \\bsurvey\\s+says\\b\n"))
        .unwrap();
    let rules = RuleSet::without_model(Some(dir.path())).unwrap();
    assert_eq!(uncited(&rules), 1, "a research cue of the folder's own");
    // the health words stay built in
    assert_eq!(rules.posting.health.patterns_len(), BUILTIN.posting.health.patterns_len());
}

// ------------------------------------------------- the scans as first written

/// The cue search as first written: the three kinds' alternations in one
/// `RegexSet`, every match of each kind the set reports, sorted by span;
/// then what the rules read of it (the first research and proven cue of a
/// draft without links, every teaser).
fn reference_cues(input: &Input<'_>, has_links: bool) -> Cues {
    static SET: LazyLock<(RegexSet, Vec<Regex>)> = LazyLock::new(|| {
        let mut alts: [Vec<&str>; 3] = Default::default();
        for (_, entry) in data::entries(BUILTIN_CUES, "cues.txt").unwrap() {
            let (kind, pattern) = entry.split_once(" = ").unwrap();
            alts[CUE_KIND_NAMES.iter().position(|k| *k == kind.trim()).unwrap()].push(pattern.trim());
        }
        let each: Vec<Regex> = alts.iter().map(|a| compile(&format!("(?-u)(?:{})", a.join("|")))).collect();
        let set = RegexSetBuilder::new(each.iter().map(Regex::as_str)).case_insensitive(true).build().unwrap();
        (set, each)
    });
    let (set, each) = &*SET;
    let text = input.norm.text();
    let mut out = Vec::new();
    for k in set.matches(text).iter() {
        for m in each[k].find_iter(text) {
            out.push((k, input.norm.span(m.start(), m.end())));
        }
    }
    out.sort_by_key(|(_, s)| (s.start, s.end));
    let first = |k: usize| out.iter().find(|(c, _)| *c == k).map(|(_, s)| *s).filter(|_| !has_links);
    Cues {
        research: first(0),
        proven: first(1),
        teasers: out.iter().filter(|(c, _)| *c == 2).map(|(_, s)| *s).collect(),
    }
}

/// `words_outside` as first written: every character, checked against the spans.
fn reference_words_outside(text: &str, skip: &[Span]) -> usize {
    let mut count = 0;
    let mut letters = 0;
    let mut k = 0;
    for (i, c) in text.char_indices() {
        while k < skip.len() && skip[k].end <= i {
            k += 1;
        }
        let skipped = k < skip.len() && skip[k].start <= i;
        if !skipped && c.is_alphabetic() {
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

/// Pieces of drafts for the random texts: cue phrases of every kind (and
/// near misses), links, hashtags, mentions, non-ASCII letters and spaces.
const CUE_PIECES: &[&str] = &[
    "A new study shows ",
    "study from the Mayo Clinic found ",
    "published in JAMA",
    "according to a recent CDC report ",
    "Researchers at Stanford found ",
    "clinically proven",
    "Proven to cure ",
    "studies prove ",
    "doctor-recommended ",
    "New on the blog: ",
    "read our latest post ",
    "Learn more here",
    "link in bio",
    "full story: ",
    "click here ",
    "https://example.org/a ",
    "http://bit.ly/x ",
    "www.cdc.gov/flu ",
    "#hcsm ",
    "@drjones ",
    "new ",
    "on the ",
    "blog",
    "Ärzte ",
    "健康",
    "café ",
    "  ",
    ": ",
    ". ",
    "x",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

    #[test]
    fn cues_agree_with_the_set_as_first_written(
        parts in proptest::collection::vec(proptest::sample::select(CUE_PIECES), 0..16),
        tail in "\\PC{0,8}",
        has_links: bool,
    ) {
        let draft = Draft::new(format!("{}{}", parts.concat(), tail));
        let input = Input::new(&draft);
        let cues = find_cues(&input, &BUILTIN.posting.cues, has_links);
        proptest::prop_assert_eq!(cues, reference_cues(&input, has_links));
    }

    #[test]
    fn words_outside_agrees_with_the_first_count(
        parts in proptest::collection::vec(proptest::sample::select(CUE_PIECES), 0..16),
        tail in "\\PC{0,8}",
        cuts in proptest::collection::vec((0usize..200, 0usize..40), 0..5),
    ) {
        let text = format!("{}{}", parts.concat(), tail);
        // spans on character boundaries, as the entities and cues are, sorted
        let at = |i: usize| (i.min(text.len())..=text.len()).find(|&j| text.is_char_boundary(j)).unwrap_or(text.len());
        let mut skip: Vec<Span> = cuts.iter().map(|&(s, n)| Span::new(at(s), at(at(s) + n))).collect();
        let parsed = length::parse(&text);
        skip.extend(parsed.urls.iter().chain(&parsed.hashtags).chain(&parsed.mentions).map(|e| e.span));
        skip.sort();
        proptest::prop_assert_eq!(words_outside(&text, &skip), reference_words_outside(&text, &skip));
    }
}
