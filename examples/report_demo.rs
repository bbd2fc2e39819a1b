//! Draws the report of a made-up month (the pictures in the README):
//! `cargo run --example report_demo -- OUT_DIR` writes OUT_DIR/report.png
//! and OUT_DIR/report.html. The records are generated (a fixed seed), not
//! read from a log: every name and draft here is invented.

use chrono::{Duration, TimeZone, Utc};
use safetweet::audit::{AuditRecord, FindingRef, NewRecord, RecordKind, Verification};
use safetweet::report::{Period, Report};

const DRAFTS: &[(&str, &str, &[&str])] = &[
    ("Tip: a brisk 20-minute walk most days lowers blood pressure over time. #HeartHealth", "ok", &[]),
    ("New research in Circulation: adults who sleep 7-8 hours have fewer heart attacks https://www.ahajournals.org/journal/circ", "ok", &[]),
    ("\"Sunscreen is a daily habit, not a beach habit.\" Our dermatologists on SPF: https://example-clinic.org/blog/spf", "ok", &[]),
    ("So proud of our night-shift nurses: ten years of caring for this town!", "revise", &["disclaimer"]),
    ("Don't forget to book your flu shot this month.", "revise", &["hashtags"]),
    ("A new study shows statins cut stroke risk in adults over 75.", "revise", &["links"]),
    ("Great chat with Mr *** (DOB **/**/****) after his surgery today!", "block", &["phi", "phi", "patient-reference"]),
    ("Clinically proven to lower cholesterol! #health #diet #wellness #fitness", "revise", &["health-claim", "hashtags"]),
    ("Free flu shots this Saturday at our Main Street clinic.", "ok", &[]),
    ("@jo you should double your dose tonight", "block", &["clinical-advice"]),
];

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let start = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let mut seed: u64 = 0x5eed;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let approvers = [(10, "Ana Souza"), (11, "Ben Okafor"), (12, "Chen Wei")];
    let mut records = Vec::new();
    let mut push = |time, kind, message, actor: (u64, &str), text: &str, verdict: Option<&str>, cats: &[&str]| {
        let seq = records.len() as i64 + 1;
        records.push(AuditRecord {
            seq,
            record: NewRecord {
                time,
                kind,
                actor_id: actor.0,
                actor_name: actor.1.to_string(),
                guild_id: Some(1),
                channel_id: 300,
                message_id: message,
                author_id: 42,
                content_sha256: format!("{:064x}", text.len() as u64 * 1_000_003 + text.as_bytes()[0] as u64),
                rules_version: "2026.11".into(),
                verdict: verdict.map(String::from),
                findings: cats.iter().map(|c| FindingRef { rule: format!("{c}.x"), category: (*c).into() }).collect(),
                text: Some(text.to_string()),
                reason: None,
                roles: Vec::new(),
            },
            prev_hash: String::new(),
            hash: String::new(),
        });
    };
    let mut message = 1000;
    for day in 0..30 {
        let weekend = matches!(day % 7, 0 | 6);
        let drafts = if weekend { next(2) } else { 2 + next(4) };
        for _ in 0..drafts {
            message += 1;
            let (text, verdict, cats) = DRAFTS[next(DRAFTS.len() as u64) as usize];
            let submitted = start + Duration::days(day) + Duration::minutes(8 * 60 + next(9 * 60) as i64);
            push(submitted, RecordKind::Submitted, message, (42, "Dee"), text, Some(verdict), cats);
            let approver = approvers[next(3) as usize];
            let slow = next(5) == 0;
            let wait = Duration::minutes(5 + next(if slow { 1500 } else { 180 }) as i64);
            let kind = match (verdict, next(6)) {
                ("block", 0) => RecordKind::Override,
                ("block", _) => RecordKind::Rejected,
                ("revise", 0) => RecordKind::Rejected,
                _ => RecordKind::Approved,
            };
            push(submitted + wait, kind, message, approver, text, None, &[]);
        }
    }
    records.sort_by_key(|r| r.record.time);
    let count = records.len() as u64;
    let period = Period { since: start, until: start + Duration::days(30) - Duration::seconds(1) };
    let report = Report::new(&records, period, period.until).with_verification(Verification::Intact { records: count });
    std::fs::write(out.join("report.png"), report.png().expect("chart draws")).expect("write report.png");
    std::fs::write(out.join("report.html"), report.html()).expect("write report.html");
    eprintln!("wrote {0}/report.png and {0}/report.html", out.display());
}
