//! Unit tests of the report's counting and rendering, on records built in
//! memory (the end-to-end test through the SQLite store is tests/report.rs).

use super::*;
use crate::audit::{FindingRef, NewRecord};
use chrono::TimeZone;

fn at(day: u32, hour: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, min, 0).unwrap()
}

fn record(seq: i64, kind: RecordKind, time: DateTime<Utc>, message: u64) -> AuditRecord {
    AuditRecord {
        seq,
        record: NewRecord {
            time,
            kind,
            actor_id: 7,
            actor_name: "Ana".into(),
            guild_id: Some(1),
            channel_id: 2,
            message_id: message,
            author_id: 9,
            content_sha256: format!("{message:064x}"),
            rules_version: "2026.11".into(),
            verdict: None,
            findings: Vec::new(),
            text: None,
            reason: None,
            roles: Vec::new(),
        },
        prev_hash: String::new(),
        hash: String::new(),
    }
}

fn submitted(seq: i64, time: DateTime<Utc>, message: u64, verdict: &str, text: &str) -> AuditRecord {
    let mut r = record(seq, RecordKind::Submitted, time, message);
    r.record.verdict = Some(verdict.into());
    r.record.text = Some(text.into());
    r
}

fn period() -> Period {
    Period { since: at(1, 0, 0), until: at(3, 23, 59) }
}

#[test]
fn counts_drafts_per_day_findings_times_and_mix() {
    let mut s1 = submitted(1, at(1, 9, 0), 100, "revise", "Tip: wash your hands often.");
    s1.record.findings = vec![FindingRef { rule: "hashtags.too-many".into(), category: "hashtags".into() }];
    let records = vec![
        // before the period: only its submission pairs with a decision in it
        submitted(0, Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap(), 99, "ok", "Proud of my team!"),
        s1,
        submitted(2, at(1, 10, 0), 101, "block", "Call ***-***-8834"),
        submitted(3, at(3, 8, 0), 102, "ok", "A new study finds sleep matters https://doi.org/10.1/x"),
        record(4, RecordKind::Approved, at(1, 0, 30), 99), // 90 min after its submission
        record(5, RecordKind::Approved, at(1, 9, 10), 100), // 10 min
        record(6, RecordKind::Rejected, at(1, 12, 0), 101), // 2 h
        record(7, RecordKind::Override, at(3, 8, 30), 102), // 30 min
        record(8, RecordKind::Approved, at(4, 8, 0), 102), // after the period: ignored
        record(9, RecordKind::Approved, at(2, 8, 0), 555), // no submission anywhere (still an approval)
    ];
    let r = Report::new(&records, period(), at(5, 0, 0));
    assert_eq!(r.per_day.len(), 3);
    assert_eq!((r.per_day[0].ok, r.per_day[0].revise, r.per_day[0].block), (0, 1, 1));
    assert_eq!(r.per_day[1].total(), 0);
    assert_eq!(r.per_day[2].ok, 1);
    assert_eq!(r.findings.iter().find(|c| c.category == "hashtags").unwrap().count, 1);
    assert_eq!(r.findings.len(), Category::ALL.len());

    let approved = &r.decision_times[0];
    assert_eq!((approved.decision.as_str(), approved.count), ("approved", 2));
    assert_eq!(approved.median_seconds, Some((600 + 5400) / 2));
    assert_eq!(approved.p90_seconds, Some(5400));
    let all = r.decision_times.iter().find(|d| d.decision == "all").unwrap();
    assert_eq!(all.count, 4);
    assert_eq!(all.median_seconds, Some((1800 + 5400) / 2));
    assert_eq!(all.p90_seconds, Some(7200));
    assert_eq!(r.unpaired_decisions, 1);

    let mix = |k: ContentKind| r.content_mix.iter().find(|m| m.kind == k).unwrap().count;
    assert_eq!((mix(ContentKind::Personal), mix(ContentKind::Tip), mix(ContentKind::StudyLink)), (1, 1, 1));
    assert_eq!(r.unclassified, 1);
    assert!((r.content_mix.iter().map(|m| m.share).sum::<f64>() - 1.0).abs() < 1e-9);
    assert_eq!(r.approvers.len(), 1);
    assert_eq!((r.approvers[0].approved, r.approvers[0].rejected, r.approvers[0].overrides), (3, 1, 1));
    assert_eq!(r.rules_versions, vec!["2026.11".to_string()]);
    assert_eq!(r.drafts(), 3);
}

#[test]
fn the_recommended_mix_adds_up_to_one_and_covers_every_kind() {
    assert!((RECOMMENDED_MIX.iter().map(|(_, s)| s).sum::<f64>() - 1.0).abs() < 1e-9);
    for k in ContentKind::ALL {
        assert!(RECOMMENDED_MIX.iter().any(|(m, _)| *m == k), "{k:?}");
    }
}

#[test]
fn percentiles_use_nearest_rank() {
    let mut ten: Vec<i64> = (1..=10).collect();
    let d = decision_times("x", &mut ten);
    assert_eq!((d.median_seconds, d.p90_seconds), (Some(5), Some(9)));
    let d = decision_times("x", &mut [42]);
    assert_eq!((d.median_seconds, d.p90_seconds), (Some(42), Some(42)));
    assert_eq!(decision_times("x", &mut []).median_seconds, None);
}

#[test]
fn an_empty_log_still_draws() {
    let r = Report::new(&[], period(), at(5, 0, 0));
    let png = r.png().unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(r.html().contains("not checked"));
}

#[test]
fn stored_text_is_escaped_in_the_html() {
    let mut a = record(1, RecordKind::Approved, at(1, 1, 0), 1);
    a.record.actor_name = "<script>alert(1)</script>\u{202E}evil".into();
    let html = Report::new(&[a], period(), at(5, 0, 0)).html();
    assert!(!html.contains("<script"), "no script element");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\u{202e}evil"));
    assert!(!html.contains('\u{202E}'));
    assert_eq!(printable("a\u{1b}[31m"), "a\\u{1b}[31m");
}

#[test]
fn durations_read_like_people_write_them() {
    assert_eq!(human_duration(45), "45 s");
    assert_eq!(human_duration(600), "10 min");
    assert_eq!(human_duration(5400), "1.5 h");
    assert_eq!(human_duration(3 * 86_400), "3.0 d");
}
