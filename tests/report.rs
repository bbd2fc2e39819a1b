//! `safetweet audit report`, run as the real binary on a real SQLite audit
//! log built through the store: the HTML parses and holds the numbers of the
//! known log, the PNG is a PNG of the expected size, both files are
//! owner-only, and a tampered log is reported as broken.

mod audit_support;

use audit_support::TestDb;
use chrono::{DateTime, TimeZone, Utc};
use safetweet::audit::{self, FindingRef, NewRecord, RecordKind};
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_safetweet");

fn audit_cmd(cwd: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("audit")
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env_remove("SAFETWEET_AUDIT_KEY")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn at(day: u32, hour: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, min, 0).unwrap()
}

fn sha(text: &str) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()))
}

const TIP: &str = "Tip: wash your hands for 20 seconds before every meal.";
const STUDY: &str = "New research in Circulation: adults who sleep 7-8 hours have fewer heart attacks https://www.ahajournals.org/journal/circ";
const MASKED: &str = "Call Mr *** at ***-***-8834 about his results";
const PERSONAL: &str = "So proud of my team for ten years of caring for this town!";
/// An approver whose display name tries markup and a bidi override.
const BEN: &str = "Ben <b>\u{202E}evil</b>";

#[allow(clippy::too_many_arguments)]
fn rec(
    time: DateTime<Utc>,
    kind: RecordKind,
    message: u64,
    actor: (u64, &str),
    text: &str,
    verdict: Option<&str>,
    categories: &[&str],
) -> NewRecord {
    let reviewed = matches!(kind, RecordKind::Submitted | RecordKind::ReReviewed);
    NewRecord {
        time,
        kind,
        actor_id: actor.0,
        actor_name: actor.1.into(),
        guild_id: Some(1),
        channel_id: 300,
        message_id: message,
        author_id: 42,
        content_sha256: sha(text),
        rules_version: "2026.11-test".into(),
        verdict: verdict.map(String::from),
        findings: categories.iter().map(|c| FindingRef { rule: format!("{c}.x"), category: (*c).into() }).collect(),
        text: (reviewed || matches!(kind, RecordKind::Approved | RecordKind::Override)).then(|| text.to_string()),
        reason: matches!(kind, RecordKind::Rejected | RecordKind::Override).then(|| "because".to_string()),
        roles: if matches!(kind, RecordKind::Approved | RecordKind::Override) { vec![77] } else { vec![] },
    }
}

/// The known log: four drafts over 2-4 November 2026, plus one record
/// after the period.
async fn populate(url: &str) {
    let store = audit::open(url).await.unwrap();
    let author = (42, "Dee");
    let ana = (10, "Ana");
    let ben = (11, BEN);
    let plan = [
        rec(at(2, 9, 0), RecordKind::Submitted, 1, author, TIP, Some("ok"), &[]),
        rec(at(2, 9, 30), RecordKind::Approved, 1, ana, TIP, None, &[]), // 30 min
        rec(at(2, 10, 0), RecordKind::Submitted, 2, author, STUDY, Some("revise"), &["links", "hashtags"]),
        rec(at(2, 12, 0), RecordKind::Approved, 2, ana, STUDY, None, &[]), // 2 h
        rec(at(3, 8, 0), RecordKind::Submitted, 3, author, MASKED, Some("block"), &["phi", "phi"]),
        rec(at(3, 9, 0), RecordKind::Rejected, 3, ben, MASKED, None, &[]), // 1 h
        rec(at(4, 8, 0), RecordKind::Submitted, 4, author, PERSONAL, Some("revise"), &["disclaimer"]),
        rec(at(4, 14, 0), RecordKind::Override, 4, ben, PERSONAL, None, &[]), // 6 h
        rec(at(6, 8, 0), RecordKind::Submitted, 5, author, TIP, Some("ok"), &[]), // after the period
    ];
    for r in plan {
        store.append(r).await.unwrap();
    }
}

/// The cells of each row of the table with this id, parsed from the page.
fn table(doc: &roxmltree::Document<'_>, id: &str) -> Vec<Vec<String>> {
    let t = doc.descendants().find(|n| n.attribute("id") == Some(id)).unwrap_or_else(|| panic!("no table {id}"));
    t.descendants()
        .filter(|n| n.has_tag_name("tr"))
        .filter(|tr| tr.children().any(|c| c.has_tag_name("td")))
        .map(|tr| {
            tr.children()
                .filter(|c| c.has_tag_name("td"))
                .map(|td| td.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect::<String>())
                .collect()
        })
        .collect()
}

fn row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter().find(|r| r[0] == first).unwrap_or_else(|| panic!("no row {first:?} in {rows:?}"))
}

fn text_of(doc: &roxmltree::Document<'_>, id: &str) -> String {
    let n = doc.descendants().find(|n| n.attribute("id") == Some(id)).unwrap_or_else(|| panic!("no {id}"));
    n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect()
}

#[tokio::test]
async fn the_report_holds_the_numbers_of_a_known_log() {
    let db = TestDb::sqlite();
    populate(db.url()).await;
    let out = tempfile::tempdir().unwrap();
    let html_path = out.path().join("report.html");
    let png_path = out.path().join("report.png");
    let o = audit_cmd(
        out.path(),
        &[
            "--database",
            db.url(),
            "report",
            "--since",
            "2026-11-02",
            "--until",
            "2026-11-04",
            "--out",
            html_path.to_str().unwrap(),
            "--png",
            png_path.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The PNG: signature, IHDR with the documented size, and real content.
    let png = std::fs::read(&png_path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1400);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 1000);
    assert!(png.len() > 20_000, "a chart with text and bars, not a blank image: {} bytes", png.len());
    let decoded = image::load_from_memory(&png).unwrap().to_rgb8();
    let colours: std::collections::HashSet<[u8; 3]> = decoded.pixels().map(|p| p.0).collect();
    assert!(colours.contains(&[207, 34, 46]), "the block bar is drawn in red");

    #[cfg(unix)]
    for p in [&html_path, &png_path] {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
    }

    // The HTML: parses (it is well-formed XML as well as HTML), and holds the numbers.
    let html = std::fs::read_to_string(&html_path).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions { allow_dtd: true, ..roxmltree::ParsingOptions::default() },
    )
    .unwrap_or_else(|e| panic!("the report does not parse: {e}"));
    assert!(!html.contains("<script"), "no scripts");
    assert!(!html.contains("http://") || !html.contains("src=\"http"), "nothing loaded from the network");
    assert_eq!(doc.descendants().filter(|n| n.has_tag_name("svg")).count(), 4, "four inline charts");

    assert!(text_of(&doc, "period").starts_with("2026-11-02 00:00 to 2026-11-04 23:59"));
    assert!(text_of(&doc, "rules").contains("2026.11-test"));
    let records = text_of(&doc, "records");
    assert!(records.starts_with("8: 4 submitted, 2 approved, 1 rejected, 1 override"), "{records}");
    let chain = text_of(&doc, "chain");
    assert!(chain.contains("verified") && chain.contains("9 records"), "{chain}");

    let days = table(&doc, "per-day-table");
    assert_eq!(row(&days, "2026-11-02"), ["2026-11-02", "1", "1", "0", "2"]);
    assert_eq!(row(&days, "2026-11-03"), ["2026-11-03", "0", "0", "1", "1"]);
    assert_eq!(row(&days, "2026-11-04"), ["2026-11-04", "0", "1", "0", "1"]);
    assert_eq!(row(&days, "all"), ["all", "1", "2", "1", "4"]);

    let findings = table(&doc, "findings-table");
    assert_eq!(row(&findings, "phi")[1], "2");
    assert_eq!(row(&findings, "links")[1], "1");
    assert_eq!(row(&findings, "disclaimer")[1], "1");
    assert_eq!(row(&findings, "clinical-advice")[1], "0");

    let times = table(&doc, "decision-times-table");
    // decision, count, median, p90, median (s), p90 (s)
    assert_eq!(row(&times, "approved"), ["approved", "2", "1.2 h", "2.0 h", "4500", "7200"]);
    assert_eq!(row(&times, "rejected")[4..], ["3600", "3600"]);
    assert_eq!(row(&times, "override")[4..], ["21600", "21600"]);
    assert_eq!(row(&times, "all"), ["all", "4", "1.5 h", "6.0 h", "5400", "21600"]);

    let mix = table(&doc, "content-mix-table");
    assert_eq!(row(&mix, "health tip"), ["health tip", "1", "33%", "30%"]);
    assert_eq!(row(&mix, "study + link"), ["study + link", "1", "33%", "30%"]);
    assert_eq!(row(&mix, "personal note"), ["personal note", "1", "33%", "10%"]);
    assert_eq!(row(&mix, "blog + quote")[1], "0");

    let approvers = table(&doc, "approvers-table");
    assert_eq!(row(&approvers, "Ana"), ["Ana", "10", "2", "0", "0", "0"]);
    // The name is shown, escaped: its markup is text and its bidi override a visible escape.
    let ben = approvers.iter().find(|r| r[1] == "11").unwrap();
    assert_eq!(ben[0], "Ben <b>\\u{202e}evil</b>");
    assert_eq!(ben[3..5], ["1", "1"]);
    assert!(!html.contains('\u{202E}'));
    assert!(!html.contains(MASKED) && !html.contains(TIP), "no draft text in the report");
}

#[tokio::test]
async fn a_tampered_log_is_reported_broken_and_the_report_still_written() {
    let db = TestDb::sqlite();
    populate(db.url()).await;
    db.tamper("UPDATE audit_records SET actor_name = 'someone else' WHERE seq = 2").await;
    let out = tempfile::tempdir().unwrap();
    let o = audit_cmd(out.path(), &["--database", db.url(), "report", "--since", "2026-11-01", "--out", "r.html"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("BROKEN at record 2"), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.path().join("r.html")).unwrap();
    assert!(html.contains("BROKEN</span> at record 2"), "the header says so");
}

#[tokio::test]
async fn bad_arguments_are_usage_errors() {
    let db = TestDb::sqlite();
    populate(db.url()).await;
    let out = tempfile::tempdir().unwrap();
    // nothing to write
    let o = audit_cmd(out.path(), &["--database", db.url(), "report", "--since", "2026-11-01"]);
    assert_eq!(o.status.code(), Some(2));
    // a period that ends before it starts
    let o = audit_cmd(
        out.path(),
        &["--database", db.url(), "report", "--since", "2026-11-05", "--until", "2026-11-01", "--out", "r.html"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--until is before --since"));
    assert!(!out.path().join("r.html").exists());
    // a date that is no date
    let o = audit_cmd(out.path(), &["--database", db.url(), "report", "--since", "last month", "--out", "r.html"]);
    assert_eq!(o.status.code(), Some(2));
}
