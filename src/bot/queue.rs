//! The review queue (`/queue`): the drafts waiting for a decision, derived
//! from the audit log alone. A draft waits while its current text is
//! neither approved (or overridden) nor rejected.
//!
//! Pure: audit records in, plain values out (the rendering is in
//! [`super::render::queue_text`]).

use super::workflow::{DraftState, Place, Status};
use crate::audit::{AuditRecord, RecordKind};
use crate::engine::Verdict;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// One draft waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub place: Place,
    pub author_id: u64,
    /// The verdict of its current text.
    pub verdict: Verdict,
    /// When it was first submitted (its age counts from here).
    pub submitted_at: DateTime<Utc>,
}

/// The drafts of `guild` (and of `author`, when given) that wait for a
/// decision, oldest first. `records` are in append order; a draft whose
/// `submitted` record is not among them is left out (it was submitted
/// before the window read).
pub fn waiting(records: &[AuditRecord], guild: Option<u64>, author: Option<u64>) -> Vec<Waiting> {
    let mut by_draft: HashMap<u64, Vec<AuditRecord>> = HashMap::new();
    for r in records {
        if r.record.guild_id == guild && author.is_none_or(|a| r.record.author_id == a) {
            by_draft.entry(r.record.message_id).or_default().push(r.clone());
        }
    }
    let mut out: Vec<Waiting> = by_draft
        .values()
        .filter_map(|rs| {
            let submitted_at = rs.iter().find(|r| r.record.kind == RecordKind::Submitted)?.record.time;
            let state = DraftState::from_records(rs)?;
            let decided = state.is_approved() || matches!(state.status, Status::Rejected { .. });
            (!decided).then_some(Waiting {
                place: state.place,
                author_id: state.author_id,
                verdict: state.verdict,
                submitted_at,
            })
        })
        .collect();
    out.sort_by_key(|w| (w.submitted_at, w.place.message_id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::NewRecord;
    use chrono::{TimeDelta, TimeZone};

    fn rec(seq: i64, kind: RecordKind, message: u64, author: u64, minutes: i64, text: &str) -> AuditRecord {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 26, 9, 0, 0).single().unwrap();
        AuditRecord {
            seq,
            record: NewRecord {
                time: t0 + TimeDelta::minutes(minutes),
                kind,
                actor_id: author,
                actor_name: "x".into(),
                guild_id: Some(1),
                channel_id: 3000,
                message_id: message,
                author_id: author,
                content_sha256: crate::bot::workflow::content_sha256(text),
                rules_version: "v".into(),
                verdict: Some(if text.contains("PHI") { "block" } else { "ok" }.into()),
                findings: vec![],
                text: Some(text.into()),
                sealed_text: None,
                reason: None,
                roles: vec![],
            },
            prev_hash: String::new(),
            hash: String::new(),
            mac: None,
        }
    }

    #[test]
    fn waiting_drafts_are_the_undecided_ones_oldest_first() {
        use RecordKind::*;
        let records = vec![
            rec(1, Submitted, 10, 7, 0, "a"),
            rec(2, Submitted, 11, 8, 5, "PHI b"),
            rec(3, Submitted, 12, 7, 6, "c"),
            rec(4, Approved, 12, 7, 7, "c"),
            rec(5, Submitted, 13, 7, 8, "d"),
            rec(6, Rejected, 13, 7, 9, "d"),
            // Approved, then edited: waiting again.
            rec(7, Submitted, 14, 8, 1, "e"),
            rec(8, Approved, 14, 8, 2, "e"),
            rec(9, ReReviewed, 14, 8, 10, "e2"),
            rec(10, Revoked, 14, 8, 10, "e2"),
            // A refusal decides nothing.
            rec(11, ApprovalRefused, 10, 9, 11, "a"),
            // Only its later records are in the window: left out.
            rec(12, Approved, 15, 7, 12, "f"),
        ];
        let ids = |w: Vec<Waiting>| w.iter().map(|w| w.place.message_id).collect::<Vec<_>>();
        let all = waiting(&records, Some(1), None);
        assert_eq!(ids(all.clone()), vec![10, 14, 11]);
        assert_eq!(all[2].verdict, Verdict::Block);
        assert_eq!(all[0].submitted_at, records[0].record.time);
        assert_eq!(ids(waiting(&records, Some(1), Some(8))), vec![14, 11]);
        assert!(waiting(&records, Some(2), None).is_empty(), "another server's drafts are not listed");
    }
}
