//! The approval workflow as a pure state machine: the state of one draft
//! (derived from its audit records) + an event (a post, an edit, a reaction,
//! a written reason) + the actor → the audit records to append and the
//! effects to carry out on Discord.
//!
//! Nothing in here touches Discord, tokio, the clock or a database: the
//! handler passes the time in, appends the records, and performs the effects.
//! That keeps every rule of the workflow (who may approve, what an edit does
//! to an approval, what is refused and why) testable on plain values.

use crate::audit::{AuditRecord, FindingRef, NewRecord, RecordKind};
use crate::engine::{mask, Category, Draft, Review, Verdict};
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

/// Where a draft lives on Discord.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub guild_id: Option<u64>,
    pub channel_id: u64,
    pub message_id: u64,
}

/// Who did something, with the roles they held at the time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: u64,
    pub name: String,
    pub roles: Vec<u64>,
}

/// Who may do what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub manager_roles: Vec<u64>,
    pub allow_overrides: bool,
    /// The bot's own user: the actor of `revoked` records.
    pub bot_id: u64,
    pub bot_name: String,
}

impl Policy {
    pub fn is_manager(&self, actor: &Actor) -> bool {
        actor.roles.iter().any(|r| self.manager_roles.contains(r))
    }
}

/// SHA-256 (hex) of a draft's text: what records cite.
pub fn content_sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// A review as the audit log keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewed {
    pub content_sha256: String,
    pub verdict: Verdict,
    pub findings: Vec<FindingRef>,
    /// The text for the record: exact, or with the spans masked of every
    /// finding that names an identifier or a patient, whatever the verdict
    /// (a PHI rule set to `warning` must not keep identifiers verbatim
    /// either). Approvals of this content keep the same text; the exact
    /// text is then only hashed, or sealed (`SAFETWEET_SEAL_KEY`).
    pub text: String,
    pub rules_version: String,
}

impl Reviewed {
    pub fn new(draft: &Draft, review: &Review, rules_version: &str) -> Reviewed {
        let spans: Vec<_> = review
            .findings
            .iter()
            .filter(|f| f.identifier.is_some() || matches!(f.category, Category::Phi | Category::PatientReference))
            .filter_map(|f| f.span)
            .collect();
        let text = if spans.is_empty() { draft.text.clone() } else { mask::redact(&draft.text, &spans) };
        Reviewed {
            content_sha256: content_sha256(&draft.text),
            verdict: review.verdict,
            findings: review
                .findings
                .iter()
                .map(|f| FindingRef { rule: f.rule.clone(), category: f.category.as_str().to_string() })
                .collect(),
            text,
            rules_version: rules_version.to_string(),
        }
    }
}

/// Where a draft stands in the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Reviewed, waiting for a manager.
    Pending,
    /// Approved (or overridden) for the content with this hash.
    Approved { by: u64, content_sha256: String },
    /// Rejected by a manager; an edit makes it pending again.
    Rejected { by: u64 },
}

/// What the audit log knows about one draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftState {
    pub place: Place,
    pub author_id: u64,
    pub author_name: String,
    /// The hash of the content last reviewed.
    pub content_sha256: String,
    pub verdict: Verdict,
    /// The text of the last review's record (exact unless blocked).
    pub text: Option<String>,
    pub rules_version: String,
    pub status: Status,
    /// The `seq` of the last record that changed the draft's state (a
    /// review, an approval, an override, a rejection, a revocation; a
    /// refused approval changes nothing). A question asked at one revision
    /// is void at any other.
    pub revision: i64,
    /// The approvals refused since the last state change, oldest first:
    /// what repeated refusals are throttled against.
    pub refusals: Vec<Refused>,
}

/// An `approval-refused` record, as the throttle sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub actor_id: u64,
    /// The record's reason ([`Refusal::as_str`]).
    pub reason: String,
    pub at: DateTime<Utc>,
}

impl DraftState {
    /// Folds a draft's records (oldest first) into its state; `None` when
    /// the draft was never submitted.
    pub fn from_records(records: &[AuditRecord]) -> Option<DraftState> {
        let mut state: Option<DraftState> = None;
        for AuditRecord { seq, record: r, .. } in records {
            let Some(s) = state.as_mut() else {
                // Records before the first `submitted` cannot describe a draft.
                if r.kind == RecordKind::Submitted {
                    state = Some(DraftState {
                        place: Place { guild_id: r.guild_id, channel_id: r.channel_id, message_id: r.message_id },
                        author_id: r.author_id,
                        author_name: r.actor_name.clone(),
                        content_sha256: r.content_sha256.clone(),
                        verdict: r.verdict.as_deref().and_then(Verdict::parse).unwrap_or(Verdict::Block),
                        text: r.text.clone(),
                        rules_version: r.rules_version.clone(),
                        status: Status::Pending,
                        revision: *seq,
                        refusals: Vec::new(),
                    });
                }
                continue;
            };
            match r.kind {
                RecordKind::Submitted | RecordKind::ReReviewed => {
                    s.content_sha256 = r.content_sha256.clone();
                    // An unreadable verdict fails closed.
                    s.verdict = r.verdict.as_deref().and_then(Verdict::parse).unwrap_or(Verdict::Block);
                    s.text = r.text.clone();
                    s.rules_version = r.rules_version.clone();
                    if matches!(s.status, Status::Rejected { .. }) {
                        s.status = Status::Pending;
                    }
                }
                RecordKind::Approved | RecordKind::Override => {
                    s.status = Status::Approved { by: r.actor_id, content_sha256: r.content_sha256.clone() };
                }
                RecordKind::Rejected => s.status = Status::Rejected { by: r.actor_id },
                RecordKind::Revoked => s.status = Status::Pending,
                RecordKind::ApprovalRefused => {
                    let reason = r.reason.clone().unwrap_or_default();
                    s.refusals.push(Refused { actor_id: r.actor_id, reason, at: r.time });
                    continue;
                }
            }
            s.revision = *seq;
            s.refusals.clear();
        }
        state
    }

    /// Whether `actor_id` was refused for `why` at this revision less than
    /// [`REFUSAL_QUIET_MINUTES`] before `now`.
    pub fn refused_lately(&self, actor_id: u64, why: Refusal, now: DateTime<Utc>) -> bool {
        let since = now - TimeDelta::minutes(REFUSAL_QUIET_MINUTES);
        self.refusals.iter().any(|r| r.actor_id == actor_id && r.reason == why.as_str() && r.at > since && r.at <= now)
    }

    /// Whether the current content carries an approval.
    pub fn is_approved(&self) -> bool {
        matches!(&self.status, Status::Approved { content_sha256, .. } if *content_sha256 == self.content_sha256)
    }
}

/// Which configured reaction a reaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

/// What a written reason is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reject,
    Override,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reject => "reject",
            Purpose::Override => "override",
        }
    }
    pub fn parse(s: &str) -> Option<Purpose> {
        match s {
            "reject" => Some(Purpose::Reject),
            "override" => Some(Purpose::Override),
            _ => None,
        }
    }
}

/// How long a question for a written reason stays open.
pub const QUESTION_TTL_HOURS: i64 = 24;

/// For how long a refused approval is not recorded or answered again when
/// the same person reacts again and is refused for the same reason (their
/// reaction is still taken off): a ✅ clicked over and over by someone who
/// may not approve does not flood the channel and the audit log.
pub const REFUSAL_QUIET_MINUTES: i64 = 10;

/// A draft's text as the handler has just read it from Discord, and its
/// review: what an approval is checked against at the moment it is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Current {
    /// The exact text (sealed in an approval record when its review masked it).
    pub text: String,
    pub reviewed: Reviewed,
}

/// A question the bot asked a manager (a written reason), as it was asked:
/// the answer counts only for the same text, at the same revision, while
/// the question is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The hash of the text the manager was asked about.
    pub content_sha256: String,
    /// [`DraftState::revision`] when asked.
    pub revision: i64,
    pub at: DateTime<Utc>,
    /// Closed since by an edit or a rejection (the channel was told).
    pub closed: bool,
}

impl Asked {
    /// Whether the question is older than [`QUESTION_TTL_HOURS`] at `now`.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        now - self.at >= TimeDelta::hours(QUESTION_TTL_HOURS)
    }
}

/// Why the open questions on a draft were closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closure {
    Edited,
    Rejected,
}

impl Closure {
    /// The line telling a manager that their question is closed.
    pub fn line(self, actor_id: u64, purpose: Purpose) -> String {
        let what = match purpose {
            Purpose::Override => "override",
            Purpose::Reject => "rejection",
        };
        match self {
            Closure::Edited => format!(
                "<@{actor_id}> the draft was edited, so the question for your {what} reason is closed; \
                 the new version has been reviewed: react again on it if it still needs you."
            ),
            Closure::Rejected => {
                format!("<@{actor_id}> the draft was rejected, so the question for your {what} reason is closed.")
            }
        }
    }
}

/// Something that happened to a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new message in a review channel (or a gateway replay of one).
    Posted { author: Actor, reviewed: Reviewed },
    /// The message's content changed. `author` is known when the update
    /// carries it (needed if the draft was never seen before).
    Edited { author: Option<Actor>, reviewed: Reviewed },
    /// A reaction with one of the configured emoji. For an approval,
    /// `current` is the draft as just read from Discord (`None`: it could
    /// not be read, and nothing is approved); a text that differs from the
    /// last review is an edit the bot never saw: it is re-reviewed and the
    /// approval refused.
    Reacted { actor: Actor, decision: Decision, current: Option<Current> },
    /// A manager's written reason. `asked` is the question it answers
    /// (`None` for `/reject draft:`, which needs none). For an override,
    /// `current` is the draft as just read from Discord, as for a reaction.
    Reason { actor: Actor, purpose: Purpose, reason: String, current: Option<Current>, asked: Option<Asked> },
}

/// Why an approval was refused. The spelling of `as_str` goes into the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotManager,
    OwnDraft,
    Blocked,
    /// The text differs from the one reviewed (or asked about).
    Stale,
    Rejected,
    /// The draft could not be read from Discord to check its text.
    Unreadable,
    /// Something else was decided after the question was asked.
    Superseded,
    /// The question is older than [`QUESTION_TTL_HOURS`].
    Expired,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NotManager => "not a manager",
            Refusal::OwnDraft => "own draft (no self-approval)",
            Refusal::Blocked => "draft is blocked",
            Refusal::Stale => "draft changed since its review",
            Refusal::Rejected => "draft was rejected",
            Refusal::Unreadable => "draft could not be read to check its text",
            Refusal::Superseded => "draft status changed since the question",
            Refusal::Expired => "question expired",
        }
    }

    fn why(self) -> &'static str {
        match self {
            Refusal::NotManager => "only members with a manager role can approve drafts.",
            Refusal::OwnDraft => "you can't approve your own draft; another manager has to.",
            Refusal::Blocked => "this draft is blocked; fix what the review lists, then a manager can approve it.",
            Refusal::Stale => {
                "the draft was edited after it was reviewed (or after you were asked); \
                 the new version has been reviewed: decide on that one."
            }
            Refusal::Rejected => "this draft was rejected; edit it to submit it again.",
            Refusal::Unreadable => {
                "the draft could not be read from Discord to check that it is the text that was reviewed; try again."
            }
            Refusal::Superseded => {
                "the draft's status changed after you were asked (another manager decided); \
                 react again if it still needs you."
            }
            Refusal::Expired => {
                "the question expired (questions stay open for 24 hours); react again to be asked anew."
            }
        }
    }

    /// The one short line the bot posts.
    pub fn line(self, actor_id: u64) -> String {
        format!("<@{actor_id}> approval not recorded: {}", self.why())
    }

    /// Whether a repeat of this refusal is throttled: refusals that stay
    /// the same until the draft changes (not "try again" or one-off ones).
    pub fn is_throttled(self) -> bool {
        matches!(self, Refusal::NotManager | Refusal::OwnDraft | Refusal::Blocked | Refusal::Rejected)
    }

    /// The line for a rejection reason that no longer counts.
    pub fn rejection_line(self, actor_id: u64) -> String {
        format!("<@{actor_id}> rejection not recorded: {}", self.why())
    }
}

/// Something to do on Discord, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Reply to the draft with the review (unless it already has a reply),
    /// then add the approve reaction when `add_approve`.
    Reply {
        add_approve: bool,
    },
    /// Re-render the review reply in place (post one if there is none).
    EditReply,
    /// The bot's own approve reaction on the draft.
    AddApproveReaction,
    RemoveOwnApproveReaction,
    /// Remove a member's reaction from the draft.
    RemoveReaction {
        decision: Decision,
        user_id: u64,
    },
    /// One short line in reply to the draft.
    Say(String),
    /// A line for one person about what they just tried (a refusal): said
    /// in reply to the draft for a reaction or a reply, answered privately
    /// for a button or a form. `again`: the same was said to them moments
    /// ago (a reaction's repeat is not said in the channel again).
    Tell {
        actor_id: u64,
        text: String,
        again: bool,
    },
    /// Show the decision on the review reply: a status line (what, who,
    /// when) and its buttons disabled. An edit of the draft (a new review)
    /// clears it again.
    ShowDecision {
        settled: Settled,
        by: u64,
        at: DateTime<Utc>,
    },
    /// Ask a manager for a written reason, and remember what about: the
    /// text's hash and the draft's revision, at `at`.
    AskReason {
        actor_id: u64,
        purpose: Purpose,
        content_sha256: String,
        revision: i64,
        at: DateTime<Utc>,
    },
    /// Forget the manager's pending request for a reason about this draft
    /// (for this purpose); a question about another draft stays open.
    ClearPending {
        actor_id: u64,
        purpose: Purpose,
    },
    /// Close the open questions on this draft (of one purpose, or all), and
    /// tell each manager asked with [`Closure::line`].
    CloseQuestions {
        only: Option<Purpose>,
        because: Closure,
    },
}

/// A decision that settles a draft (until it is edited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Approved,
    Overridden,
    Rejected,
}

impl Settled {
    /// The status line on the review reply.
    pub fn line(self, by: u64, at: DateTime<Utc>) -> String {
        match self {
            Settled::Approved => format!("✅ **Approved** by <@{by}> at {}.", clock(at)),
            Settled::Overridden => {
                format!("⚠️ **Approved by override** by <@{by}> at {} despite blocking findings.", clock(at))
            }
            Settled::Rejected => format!("❌ **Rejected** by <@{by}> at {}.", clock(at)),
        }
    }
}

/// What a step produces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub records: Vec<NewRecord>,
    pub effects: Vec<Effect>,
}

impl Outcome {
    fn nothing() -> Outcome {
        Outcome::default()
    }
}

/// "14:02 UTC".
pub fn clock(t: DateTime<Utc>) -> String {
    t.format("%H:%M UTC").to_string()
}

struct Rec<'a> {
    place: Place,
    author_id: u64,
    now: DateTime<Utc>,
    rules_version: &'a str,
}

impl Rec<'_> {
    fn make(&self, kind: RecordKind, actor_id: u64, actor_name: &str, content_sha256: &str) -> NewRecord {
        NewRecord {
            time: self.now,
            kind,
            actor_id,
            actor_name: actor_name.to_string(),
            guild_id: self.place.guild_id,
            channel_id: self.place.channel_id,
            message_id: self.place.message_id,
            author_id: self.author_id,
            content_sha256: content_sha256.to_string(),
            rules_version: self.rules_version.to_string(),
            verdict: None,
            findings: Vec::new(),
            text: None,
            sealed_text: None,
            reason: None,
            roles: Vec::new(),
        }
    }

    fn review(&self, kind: RecordKind, author: (u64, &str), reviewed: &Reviewed) -> NewRecord {
        let mut r = self.make(kind, author.0, author.1, &reviewed.content_sha256);
        r.rules_version = reviewed.rules_version.clone();
        r.verdict = Some(reviewed.verdict.as_str().to_string());
        r.findings = reviewed.findings.clone();
        r.text = Some(reviewed.text.clone());
        r
    }
}

/// One step of the workflow.
pub fn step(state: Option<&DraftState>, place: Place, event: Event, policy: &Policy, now: DateTime<Utc>) -> Outcome {
    match event {
        Event::Posted { author, reviewed } => match state {
            None => submit(place, &author, &reviewed, now),
            Some(s) if s.content_sha256 == reviewed.content_sha256 => {
                // A replay (gateway resume, restart): no new record; make sure
                // the draft has its reply.
                Outcome { records: vec![], effects: vec![Effect::Reply { add_approve: s.verdict != Verdict::Block }] }
            }
            // A create for content we no longer have (replayed after an
            // edit): edits arrive as `Edited`, so this is stale.
            Some(_) => Outcome::nothing(),
        },
        Event::Edited { author, reviewed } => match (state, author) {
            (None, Some(author)) => submit(place, &author, &reviewed, now),
            (None, None) => Outcome::nothing(),
            (Some(s), _) if s.content_sha256 == reviewed.content_sha256 => Outcome::nothing(),
            (Some(s), _) => edit(s, &reviewed, policy, now),
        },
        Event::Reacted { actor, decision, current } => {
            let Some(s) = state else { return Outcome::nothing() };
            if actor.id == policy.bot_id {
                return Outcome::nothing();
            }
            match decision {
                Decision::Approve => approve(s, &actor, current.as_ref(), policy, now),
                Decision::Reject => {
                    if !policy.is_manager(&actor) || matches!(s.status, Status::Rejected { .. }) {
                        return Outcome::nothing();
                    }
                    Outcome { records: vec![], effects: vec![ask(s, actor.id, Purpose::Reject, now)] }
                }
            }
        }
        Event::Reason { actor, purpose, reason, current, asked } => {
            let Some(s) = state else { return Outcome::nothing() };
            let reason = reason.trim().to_string();
            if !policy.is_manager(&actor) {
                // Asked as a manager, no longer one (or an answer read from
                // history whose roles did not come back): say so.
                return match asked {
                    None => Outcome::nothing(),
                    Some(_) => Outcome {
                        records: vec![],
                        effects: vec![
                            Effect::ClearPending { actor_id: actor.id, purpose },
                            tell(
                                actor.id,
                                format!(
                                    "<@{}> reason not recorded: only members with a manager role can decide on drafts.",
                                    actor.id
                                ),
                            ),
                        ],
                    },
                };
            }
            if reason.is_empty() {
                return Outcome {
                    records: vec![],
                    effects: vec![tell(actor.id, format!("<@{}> a written reason is needed.", actor.id))],
                };
            }
            match purpose {
                Purpose::Reject => reject(s, &actor, reason, asked.as_ref(), now),
                Purpose::Override => overrule(s, &actor, reason, current.as_ref(), asked.as_ref(), policy, now),
            }
        }
    }
}

/// A line for `actor_id` about what they just tried.
fn tell(actor_id: u64, text: String) -> Effect {
    Effect::Tell { actor_id, text, again: false }
}

/// Asks `actor_id` for a written reason about the draft as it stands.
fn ask(s: &DraftState, actor_id: u64, purpose: Purpose, now: DateTime<Utc>) -> Effect {
    Effect::AskReason { actor_id, purpose, content_sha256: s.content_sha256.clone(), revision: s.revision, at: now }
}

fn submit(place: Place, author: &Actor, reviewed: &Reviewed, now: DateTime<Utc>) -> Outcome {
    let rec = Rec { place, author_id: author.id, now, rules_version: &reviewed.rules_version };
    Outcome {
        records: vec![rec.review(RecordKind::Submitted, (author.id, &author.name), reviewed)],
        effects: vec![Effect::Reply { add_approve: reviewed.verdict != Verdict::Block }],
    }
}

fn edit(s: &DraftState, reviewed: &Reviewed, policy: &Policy, now: DateTime<Utc>) -> Outcome {
    let rec = Rec { place: s.place, author_id: s.author_id, now, rules_version: &reviewed.rules_version };
    let mut records = vec![rec.review(RecordKind::ReReviewed, (s.author_id, &s.author_name), reviewed)];
    let mut effects = vec![Effect::EditReply];
    let was_blocked = s.verdict == Verdict::Block;
    let now_blocked = reviewed.verdict == Verdict::Block;
    if was_blocked && !now_blocked {
        effects.push(Effect::AddApproveReaction);
    } else if !was_blocked && now_blocked {
        effects.push(Effect::RemoveOwnApproveReaction);
    }
    if let Status::Approved { by, .. } = &s.status {
        let mut r = rec.make(RecordKind::Revoked, policy.bot_id, &policy.bot_name, &reviewed.content_sha256);
        r.reason = Some("draft edited after approval".into());
        records.push(r);
        // Take the approver's reaction off so they can approve the new text
        // with a fresh click.
        effects.push(Effect::RemoveReaction { decision: Decision::Approve, user_id: *by });
        effects.push(Effect::Say(format!(
            "✏️ Edited after approval: the approval by <@{by}> no longer applies. A manager needs to approve the new version."
        )));
    }
    // A question about the old text cannot be answered for the new one.
    effects.push(Effect::CloseQuestions { only: None, because: Closure::Edited });
    Outcome { records, effects }
}

/// The text on Discord when it differs from the last review: an edit the
/// bot never saw (made while it was away).
fn unseen_edit<'a>(s: &DraftState, current: Option<&'a Current>) -> Option<&'a Reviewed> {
    current.map(|c| &c.reviewed).filter(|r| r.content_sha256 != s.content_sha256)
}

/// A refused approval: the record, the reactor's ✅ taken off (for a
/// reaction) and one line.
fn refuse(
    s: &DraftState,
    content_sha256: &str,
    actor: &Actor,
    why: Refusal,
    now: DateTime<Utc>,
) -> (NewRecord, Effect) {
    let rec = Rec { place: s.place, author_id: s.author_id, now, rules_version: &s.rules_version };
    let mut r = rec.make(RecordKind::ApprovalRefused, actor.id, &actor.name, content_sha256);
    r.reason = Some(why.as_str().to_string());
    r.roles = actor.roles.clone();
    (r, tell(actor.id, why.line(actor.id)))
}

fn approve(s: &DraftState, actor: &Actor, current: Option<&Current>, policy: &Policy, now: DateTime<Utc>) -> Outcome {
    let manager = policy.is_manager(actor);
    let unseen = unseen_edit(s, current);
    if manager && s.is_approved() && unseen.is_none() {
        // Already approved (a second manager, or a replayed reaction).
        return Outcome::nothing();
    }
    // An edit the bot never saw is reviewed now, and no approval is given
    // for a text the approver was never shown a review of.
    let mut out = unseen.map(|r| edit(s, r, policy, now)).unwrap_or_default();
    let refusal = if !manager {
        Some(Refusal::NotManager)
    } else if actor.id == s.author_id {
        Some(Refusal::OwnDraft)
    } else if current.is_none() {
        Some(Refusal::Unreadable)
    } else if unseen.is_some() {
        Some(Refusal::Stale)
    } else if matches!(s.status, Status::Rejected { .. }) {
        Some(Refusal::Rejected)
    } else if s.verdict == Verdict::Block {
        if policy.allow_overrides {
            return Outcome { records: vec![], effects: vec![ask(s, actor.id, Purpose::Override, now)] };
        }
        Some(Refusal::Blocked)
    } else {
        None
    };
    if let Some(why) = refusal {
        let remove = Effect::RemoveReaction { decision: Decision::Approve, user_id: actor.id };
        if unseen.is_none() && why.is_throttled() && s.refused_lately(actor.id, why, now) {
            // Recorded and said a moment ago: only take the reaction off
            // (and answer a click privately once more).
            let again = Effect::Tell { actor_id: actor.id, text: why.line(actor.id), again: true };
            return Outcome { records: vec![], effects: vec![remove, again] };
        }
        let latest = unseen.map_or(s.content_sha256.as_str(), |r| r.content_sha256.as_str());
        let (record, say) = refuse(s, latest, actor, why, now);
        out.records.push(record);
        out.effects.push(remove);
        out.effects.push(say);
        return out;
    }
    let rec = Rec { place: s.place, author_id: s.author_id, now, rules_version: &s.rules_version };
    let mut r = rec.make(RecordKind::Approved, actor.id, &actor.name, &s.content_sha256);
    r.roles = actor.roles.clone();
    r.text = s.text.clone();
    Outcome {
        records: vec![r],
        effects: vec![
            Effect::Say(format!("✅ Approved by <@{}> at {}.", actor.id, clock(now))),
            Effect::ShowDecision { settled: Settled::Approved, by: actor.id, at: now },
        ],
    }
}

/// A rejection reason. Answering a question, it counts only for the text
/// asked about, while the question is open; `/reject draft:` needs none.
/// A draft rejected already is not rejected again (no second record).
fn reject(s: &DraftState, actor: &Actor, reason: String, asked: Option<&Asked>, now: DateTime<Utc>) -> Outcome {
    let void = asked.and_then(|a| {
        if a.closed || a.content_sha256 != s.content_sha256 {
            Some(Refusal::Stale)
        } else if a.expired(now) {
            Some(Refusal::Expired)
        } else {
            None
        }
    });
    // Rejected already (by another manager's answer, or `/reject draft:`):
    // no second record, no second "Rejected by" line.
    let void = void.or(matches!(s.status, Status::Rejected { .. }).then_some(Refusal::Rejected));
    if let Some(why) = void {
        return Outcome {
            records: vec![],
            effects: vec![
                Effect::ClearPending { actor_id: actor.id, purpose: Purpose::Reject },
                tell(actor.id, why.rejection_line(actor.id)),
            ],
        };
    }
    let rec = Rec { place: s.place, author_id: s.author_id, now, rules_version: &s.rules_version };
    let mut r = rec.make(RecordKind::Rejected, actor.id, &actor.name, &s.content_sha256);
    r.reason = Some(reason.clone());
    r.roles = actor.roles.clone();
    let mut effects = vec![Effect::ClearPending { actor_id: actor.id, purpose: Purpose::Reject }];
    if s.verdict != Verdict::Block {
        effects.push(Effect::RemoveOwnApproveReaction);
    }
    // Nobody may approve it with a reason asked for before the rejection.
    effects.push(Effect::CloseQuestions { only: Some(Purpose::Override), because: Closure::Rejected });
    effects.push(Effect::Say(format!("❌ Rejected by <@{}> at {}: {reason}", actor.id, clock(now))));
    effects.push(Effect::ShowDecision { settled: Settled::Rejected, by: actor.id, at: now });
    Outcome { records: vec![r], effects }
}

/// An override reason: approves a blocked draft only for the exact text
/// the manager was asked about, still on Discord now, at the revision asked
/// about (no edit, rejection or other decision since), within the TTL.
fn overrule(
    s: &DraftState,
    actor: &Actor,
    reason: String,
    current: Option<&Current>,
    asked: Option<&Asked>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Outcome {
    let unseen = unseen_edit(s, current);
    // The answer ends this manager's question whatever happens next (and
    // before an unseen edit closes the others, so they are told only once).
    let mut out = Outcome {
        records: vec![],
        effects: vec![Effect::ClearPending { actor_id: actor.id, purpose: Purpose::Override }],
    };
    if let Some(r) = unseen {
        let edited = edit(s, r, policy, now);
        out.records.extend(edited.records);
        out.effects.extend(edited.effects);
    }
    let refusal = if actor.id == s.author_id {
        Some(Refusal::OwnDraft)
    } else if !policy.allow_overrides {
        Some(Refusal::Blocked)
    } else if current.is_none() {
        Some(Refusal::Unreadable)
    } else {
        match asked {
            None => Some(Refusal::Superseded),
            Some(a) if unseen.is_some() || a.content_sha256 != s.content_sha256 => Some(Refusal::Stale),
            Some(_) if matches!(s.status, Status::Rejected { .. }) => Some(Refusal::Rejected),
            // Closed by an edit since, even if the text is back to what it was.
            Some(a) if a.closed => Some(Refusal::Stale),
            Some(a) if a.revision != s.revision => Some(Refusal::Superseded),
            Some(a) if a.expired(now) => Some(Refusal::Expired),
            Some(_) => None,
        }
    };
    if let Some(why) = refusal {
        let latest = unseen.map_or(s.content_sha256.as_str(), |r| r.content_sha256.as_str());
        let (record, say) = refuse(s, latest, actor, why, now);
        out.records.push(record);
        out.effects.push(say);
        return out;
    }
    let rec = Rec { place: s.place, author_id: s.author_id, now, rules_version: &s.rules_version };
    let mut r = rec.make(RecordKind::Override, actor.id, &actor.name, &s.content_sha256);
    r.reason = Some(reason.clone());
    r.roles = actor.roles.clone();
    // The reviewed (masked) text: the exact one is the hash, or sealed by the handler.
    r.text = current.map(|c| c.reviewed.text.clone());
    out.records.push(r);
    out.effects.push(Effect::Say(format!(
        "⚠️ Override: approved by <@{}> at {} despite blocking findings. Reason: {reason}",
        actor.id,
        clock(now)
    )));
    out.effects.push(Effect::ShowDecision { settled: Settled::Overridden, by: actor.id, at: now });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const AUTHOR: u64 = 1001;
    const MANAGER: u64 = 2001;
    const MANAGER2: u64 = 2002;
    const STAFF: u64 = 3001;
    const BOT: u64 = 9000;
    const ROLE_MANAGER: u64 = 4000;
    const PLACE: Place = Place { guild_id: Some(1), channel_id: 3000, message_id: 777 };

    fn policy(allow_overrides: bool) -> Policy {
        Policy { manager_roles: vec![ROLE_MANAGER], allow_overrides, bot_id: BOT, bot_name: "SafeTweet".into() }
    }
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 14, 2, 9).single().unwrap()
    }
    fn actor(id: u64, roles: &[u64]) -> Actor {
        Actor { id, name: format!("user{id}"), roles: roles.to_vec() }
    }
    fn reviewed(text: &str, verdict: Verdict) -> Reviewed {
        Reviewed {
            content_sha256: content_sha256(text),
            verdict,
            findings: vec![],
            text: text.to_string(),
            rules_version: "test+1".into(),
        }
    }

    /// The draft as read from Discord: `text`, reviewed with `verdict`.
    fn current(text: &str, verdict: Verdict) -> Current {
        Current { text: text.to_string(), reviewed: reviewed(text, verdict) }
    }

    /// Applies events in order at a clock the test sets, keeping the records
    /// as a store would, the text as Discord has it, and the questions asked
    /// as the handler's table does (asked, closed, cleared).
    struct Sim {
        records: Vec<AuditRecord>,
        policy: Policy,
        now: DateTime<Utc>,
        /// The draft's text on Discord (what a handler would read).
        on_discord: String,
        questions: std::collections::HashMap<u64, (Purpose, Asked)>,
    }

    impl Sim {
        fn new(allow_overrides: bool) -> Sim {
            Sim {
                records: vec![],
                policy: policy(allow_overrides),
                now: now(),
                on_discord: String::new(),
                questions: Default::default(),
            }
        }
        fn state(&self) -> Option<DraftState> {
            DraftState::from_records(&self.records)
        }
        fn apply(&mut self, event: Event) -> Outcome {
            let state = self.state();
            let out = step(state.as_ref(), PLACE, event, &self.policy, self.now);
            for r in &out.records {
                let seq = self.records.len() as i64 + 1;
                self.records.push(AuditRecord {
                    seq,
                    record: r.clone(),
                    prev_hash: String::new(),
                    hash: String::new(),
                    mac: None,
                });
                // (The test reviews never mask, so a record's text is the text.)
                if let (RecordKind::Submitted | RecordKind::ReReviewed, Some(text)) = (r.kind, &r.text) {
                    self.on_discord = text.clone();
                }
            }
            for e in &out.effects {
                match e {
                    Effect::AskReason { actor_id, purpose, content_sha256, revision, at } => {
                        let asked = Asked {
                            content_sha256: content_sha256.clone(),
                            revision: *revision,
                            at: *at,
                            closed: false,
                        };
                        self.questions.insert(*actor_id, (*purpose, asked));
                    }
                    // (The test draft is the only draft: its question of this purpose.)
                    Effect::ClearPending { actor_id, purpose }
                        if self.questions.get(actor_id).is_some_and(|(p, _)| p == purpose) =>
                    {
                        self.questions.remove(actor_id);
                    }
                    Effect::CloseQuestions { only, .. } => {
                        for (purpose, asked) in self.questions.values_mut() {
                            if only.is_none_or(|p| p == *purpose) {
                                asked.closed = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
            out
        }
        fn post(&mut self, text: &str, verdict: Verdict) -> Outcome {
            self.apply(Event::Posted { author: actor(AUTHOR, &[]), reviewed: reviewed(text, verdict) })
        }
        fn edit(&mut self, text: &str, verdict: Verdict) -> Outcome {
            self.apply(Event::Edited { author: None, reviewed: reviewed(text, verdict) })
        }
        /// A reaction on the draft as it is on Discord now.
        fn react(&mut self, who: Actor, decision: Decision) -> Outcome {
            let current = Some(current(&self.on_discord.clone(), Verdict::Ok));
            self.apply(Event::Reacted { actor: who, decision, current })
        }
        /// `who` answers the question they were asked (if any) with `reason`,
        /// the draft being as it is on Discord now.
        fn answer(&mut self, who: Actor, purpose: Purpose, reason: &str) -> Outcome {
            let asked = self.questions.get(&who.id).filter(|(p, _)| *p == purpose).map(|(_, a)| a.clone());
            let current = Some(current(&self.on_discord.clone(), Verdict::Block));
            self.apply(Event::Reason { actor: who, purpose, reason: reason.into(), current, asked })
        }
        fn kinds(&self) -> Vec<RecordKind> {
            self.records.iter().map(|r| r.record.kind).collect()
        }
    }

    fn asked_for(out: &Outcome) -> Option<(u64, Purpose)> {
        out.effects.iter().find_map(|e| match e {
            Effect::AskReason { actor_id, purpose, .. } => Some((*actor_id, *purpose)),
            _ => None,
        })
    }

    fn refused_reason(out: &Outcome) -> Option<&str> {
        out.records.iter().find(|r| r.kind == RecordKind::ApprovalRefused).and_then(|r| r.reason.as_deref())
    }

    /// A refused approval: recorded with `reason`, and `user`'s ✅ taken off.
    fn assert_refused_and_removed(out: &Outcome, reason: &str, user: u64) {
        assert_eq!(refused_reason(out), Some(reason));
        assert!(out.effects.contains(&Effect::RemoveReaction { decision: Decision::Approve, user_id: user }));
    }

    #[test]
    fn clean_post_is_submitted_with_reply_and_approve_reaction() {
        let mut sim = Sim::new(false);
        let out = sim.post("Flu shots this Saturday.", Verdict::Ok);
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!(r.kind, RecordKind::Submitted);
        assert_eq!((r.actor_id, r.author_id, r.message_id, r.channel_id), (AUTHOR, AUTHOR, 777, 3000));
        assert_eq!(r.verdict.as_deref(), Some("ok"));
        assert_eq!(r.content_sha256, content_sha256("Flu shots this Saturday."));
        assert_eq!(out.effects, vec![Effect::Reply { add_approve: true }]);
    }

    #[test]
    fn blocked_post_gets_no_approve_reaction() {
        let mut sim = Sim::new(false);
        let out = sim.post("x", Verdict::Block);
        assert_eq!(out.effects, vec![Effect::Reply { add_approve: false }]);
    }

    #[test]
    fn replayed_post_appends_nothing() {
        let mut sim = Sim::new(false);
        sim.post("same text", Verdict::Revise);
        let out = sim.post("same text", Verdict::Revise);
        assert!(out.records.is_empty());
        assert_eq!(out.effects, vec![Effect::Reply { add_approve: true }]);
        assert_eq!(sim.kinds(), vec![RecordKind::Submitted]);
        // a replay of the original create after an edit changes nothing
        sim.apply(Event::Edited { author: None, reviewed: reviewed("edited", Verdict::Ok) });
        let out = sim.post("same text", Verdict::Revise);
        assert_eq!(out, Outcome::default());
        assert_eq!(sim.state().unwrap().content_sha256, content_sha256("edited"));
    }

    #[test]
    fn manager_approval_records_text_roles_and_confirms() {
        let mut sim = Sim::new(false);
        sim.post("Clinic open late on Thursday.", Verdict::Ok);
        let out = sim.react(actor(MANAGER, &[7, ROLE_MANAGER]), Decision::Approve);
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!(r.kind, RecordKind::Approved);
        assert_eq!(r.actor_id, MANAGER);
        assert_eq!(r.actor_name, "user2001");
        assert_eq!(r.roles, vec![7, ROLE_MANAGER]);
        assert_eq!(r.text.as_deref(), Some("Clinic open late on Thursday."));
        assert_eq!(r.content_sha256, content_sha256("Clinic open late on Thursday."));
        assert_eq!(r.author_id, AUTHOR);
        assert_eq!(
            out.effects,
            vec![
                Effect::Say(format!("✅ Approved by <@{MANAGER}> at 14:02 UTC.")),
                Effect::ShowDecision { settled: Settled::Approved, by: MANAGER, at: now() }
            ]
        );
        assert!(sim.state().unwrap().is_approved());
    }

    #[test]
    fn second_approval_is_a_no_op() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        let out = sim.react(actor(MANAGER2, &[ROLE_MANAGER]), Decision::Approve);
        assert_eq!(out, Outcome::default());
        let out = sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        assert_eq!(out, Outcome::default());
    }

    #[test]
    fn non_manager_is_refused_and_reaction_removed() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        let out = sim.react(actor(STAFF, &[55]), Decision::Approve);
        assert_eq!(refused_reason(&out), Some("not a manager"));
        assert_eq!(out.records[0].actor_id, STAFF);
        assert_eq!(out.effects[0], Effect::RemoveReaction { decision: Decision::Approve, user_id: STAFF });
        assert!(
            matches!(&out.effects[1], Effect::Tell { actor_id: STAFF, text, again: false } if text.contains("manager"))
        );
        assert!(!sim.state().unwrap().is_approved());
    }

    #[test]
    fn self_approval_is_refused_even_for_managers() {
        let mut sim = Sim::new(false);
        sim.apply(Event::Posted { author: actor(MANAGER, &[ROLE_MANAGER]), reviewed: reviewed("a", Verdict::Ok) });
        let out = sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        assert_refused_and_removed(&out, "own draft (no self-approval)", MANAGER);
    }

    #[test]
    fn blocked_draft_is_refused_without_overrides() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Block);
        let out = sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        assert_refused_and_removed(&out, "draft is blocked", MANAGER);
    }

    #[test]
    fn stale_reaction_is_refused() {
        let mut sim = Sim::new(false);
        sim.post("old text", Verdict::Ok);
        // The handler read this text from Discord when the reaction came.
        let approve_seeing = |text: &str| Event::Reacted {
            actor: actor(MANAGER, &[ROLE_MANAGER]),
            decision: Decision::Approve,
            current: Some(current(text, Verdict::Ok)),
        };
        let out = sim.apply(approve_seeing("new text"));
        assert_eq!(refused_reason(&out), Some("draft changed since its review"));
        // …which was an edit: reviewed now, and the new text needs a fresh ✅.
        let out = sim.apply(approve_seeing("new text"));
        assert_eq!(out.records[0].kind, RecordKind::Approved);
        assert_eq!(out.records[0].text.as_deref(), Some("new text"));
    }

    #[test]
    fn bot_reactions_and_unknown_drafts_are_ignored() {
        let mut sim = Sim::new(false);
        assert_eq!(sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve), Outcome::default());
        sim.post("a", Verdict::Ok);
        assert_eq!(sim.react(actor(BOT, &[ROLE_MANAGER]), Decision::Approve), Outcome::default());
        assert_eq!(sim.kinds(), vec![RecordKind::Submitted]);
    }

    #[test]
    fn edit_after_approval_revokes() {
        let mut sim = Sim::new(false);
        sim.post("v1", Verdict::Ok);
        sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        let out = sim.apply(Event::Edited { author: None, reviewed: reviewed("v2", Verdict::Ok) });
        assert_eq!(
            out.records.iter().map(|r| r.kind).collect::<Vec<_>>(),
            vec![RecordKind::ReReviewed, RecordKind::Revoked]
        );
        let revoked = &out.records[1];
        assert_eq!(revoked.actor_id, BOT);
        assert_eq!(revoked.content_sha256, content_sha256("v2"));
        assert_eq!(out.records[0].actor_id, AUTHOR);
        assert_eq!(out.effects[0], Effect::EditReply);
        assert!(out.effects.contains(&Effect::RemoveReaction { decision: Decision::Approve, user_id: MANAGER }));
        assert!(out.effects.iter().any(|e| matches!(e, Effect::Say(s) if s.contains("approve"))));
        let st = sim.state().unwrap();
        assert!(!st.is_approved());
        assert_eq!(st.status, Status::Pending);
        // and it can be approved again
        let out = sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        assert_eq!(out.records[0].kind, RecordKind::Approved);
        assert_eq!(out.records[0].text.as_deref(), Some("v2"));
    }

    #[test]
    fn edit_without_approval_only_rereviews_and_adjusts_reaction() {
        let mut sim = Sim::new(false);
        sim.post("v1", Verdict::Ok);
        let out = sim.apply(Event::Edited { author: None, reviewed: reviewed("v2", Verdict::Block) });
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].kind, RecordKind::ReReviewed);
        let closes = Effect::CloseQuestions { only: None, because: Closure::Edited };
        assert_eq!(out.effects, vec![Effect::EditReply, Effect::RemoveOwnApproveReaction, closes.clone()]);
        let out = sim.apply(Event::Edited { author: None, reviewed: reviewed("v3", Verdict::Ok) });
        assert_eq!(out.effects, vec![Effect::EditReply, Effect::AddApproveReaction, closes]);
        // an update that does not change the content does nothing
        let out = sim.apply(Event::Edited { author: None, reviewed: reviewed("v3", Verdict::Ok) });
        assert_eq!(out, Outcome::default());
    }

    #[test]
    fn edit_of_unseen_message_submits_when_author_known() {
        let mut sim = Sim::new(false);
        let out = sim.apply(Event::Edited { author: None, reviewed: reviewed("v", Verdict::Ok) });
        assert_eq!(out, Outcome::default());
        let out = sim.apply(Event::Edited { author: Some(actor(AUTHOR, &[])), reviewed: reviewed("v", Verdict::Ok) });
        assert_eq!(out.records[0].kind, RecordKind::Submitted);
    }

    #[test]
    fn reject_asks_for_reason_then_records() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        // staff ❌ is just an opinion
        assert_eq!(sim.react(actor(STAFF, &[]), Decision::Reject), Outcome::default());
        let out = sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Reject);
        assert!(out.records.is_empty());
        assert_eq!(
            out.effects,
            vec![Effect::AskReason {
                actor_id: MANAGER,
                purpose: Purpose::Reject,
                content_sha256: content_sha256("a"),
                revision: 1,
                at: now(),
            }]
        );
        let out = sim.answer(actor(MANAGER, &[ROLE_MANAGER]), Purpose::Reject, "  ");
        assert!(out.records.is_empty(), "an empty reason records nothing");
        let out = sim.answer(actor(MANAGER, &[ROLE_MANAGER]), Purpose::Reject, "Tone is off");
        assert_eq!(out.records[0].kind, RecordKind::Rejected);
        assert_eq!(out.records[0].reason.as_deref(), Some("Tone is off"));
        assert!(out.effects.contains(&Effect::ClearPending { actor_id: MANAGER, purpose: Purpose::Reject }));
        assert!(matches!(sim.state().unwrap().status, Status::Rejected { by: MANAGER }));
        // approval of a rejected draft is refused until it is edited
        let out = sim.react(actor(MANAGER2, &[ROLE_MANAGER]), Decision::Approve);
        assert_eq!(refused_reason(&out), Some("draft was rejected"));
        sim.apply(Event::Edited { author: None, reviewed: reviewed("a2", Verdict::Ok) });
        let out = sim.react(actor(MANAGER2, &[ROLE_MANAGER]), Decision::Approve);
        assert_eq!(out.records[0].kind, RecordKind::Approved);
    }

    #[test]
    fn a_rejected_draft_is_not_rejected_again() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        // Two managers asked while the draft was pending; the same answer
        // handed over twice (live and by the catch-up) checks the same way.
        sim.react(manager(), Decision::Reject);
        let second = actor(MANAGER2, &[ROLE_MANAGER]);
        sim.react(second.clone(), Decision::Reject);
        let asked = sim.questions.get(&MANAGER).map(|(_, a)| a.clone());
        let out = sim.answer(manager(), Purpose::Reject, "Tone is off");
        assert_eq!(out.records.len(), 1);
        let again = Event::Reason {
            actor: manager(),
            purpose: Purpose::Reject,
            reason: "Tone is off".into(),
            current: None,
            asked,
        };
        for out in [sim.apply(again), sim.answer(second, Purpose::Reject, "Wrong date")] {
            assert!(out.records.is_empty(), "{out:?}");
            assert!(!says(&out, &["Rejected by"]), "{out:?}");
            assert!(!out.effects.iter().any(|e| matches!(e, Effect::ShowDecision { .. })), "{out:?}");
            assert!(says(&out, &["rejection not recorded", "was rejected"]), "{out:?}");
        }
        let out = sim.apply(Event::Reason {
            actor: actor(MANAGER2, &[ROLE_MANAGER]),
            purpose: Purpose::Reject,
            reason: "by /reject draft:".into(),
            current: None,
            asked: None,
        });
        assert!(out.records.is_empty(), "{out:?}");
        assert_eq!(sim.kinds(), vec![RecordKind::Submitted, RecordKind::Rejected]);
    }

    #[test]
    fn non_manager_reason_is_ignored() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        let out = sim.answer(actor(STAFF, &[]), Purpose::Reject, "no");
        assert_eq!(out, Outcome::default());
    }

    #[test]
    fn an_answer_from_someone_no_longer_a_manager_is_said_not_recorded() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        sim.react(manager(), Decision::Reject);
        let out = sim.answer(actor(MANAGER, &[]), Purpose::Reject, "tone");
        assert!(out.records.is_empty());
        assert!(says(&out, &[&format!("<@{MANAGER}>"), "not recorded", "manager role"]), "{out:?}");
        assert!(out.effects.contains(&Effect::ClearPending { actor_id: MANAGER, purpose: Purpose::Reject }));
    }

    #[test]
    fn override_needs_the_setting_and_a_reason() {
        let mut sim = Sim::new(true);
        sim.post("Call 555-201-8834", Verdict::Block);
        let out = sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        assert!(out.records.is_empty());
        assert_eq!(asked_for(&out), Some((MANAGER, Purpose::Override)));
        let out = sim.answer(actor(MANAGER, &[ROLE_MANAGER]), Purpose::Override, "public hotline");
        let r = &out.records[0];
        assert_eq!(r.kind, RecordKind::Override);
        assert_eq!(r.reason.as_deref(), Some("public hotline"));
        assert_eq!(r.text.as_deref(), Some("Call 555-201-8834"));
        assert!(sim.state().unwrap().is_approved());
    }

    #[test]
    fn override_refused_for_author_and_when_disabled() {
        let mut sim = Sim::new(false);
        sim.post("x", Verdict::Block);
        let out = sim.answer(actor(MANAGER, &[ROLE_MANAGER]), Purpose::Override, "r");
        assert_eq!(refused_reason(&out), Some("draft is blocked"));
        let mut sim = Sim::new(true);
        sim.apply(Event::Posted { author: actor(MANAGER, &[ROLE_MANAGER]), reviewed: reviewed("x", Verdict::Block) });
        let out = sim.answer(actor(MANAGER, &[ROLE_MANAGER]), Purpose::Override, "r");
        assert_eq!(refused_reason(&out), Some("own draft (no self-approval)"));
    }

    #[test]
    fn state_survives_a_restart_by_folding_records() {
        let mut sim = Sim::new(false);
        sim.post("v1", Verdict::Ok);
        sim.react(actor(MANAGER, &[ROLE_MANAGER]), Decision::Approve);
        // a "restarted" bot only has the records
        let st = DraftState::from_records(&sim.records).unwrap();
        assert!(st.is_approved());
        assert_eq!(st.author_id, AUTHOR);
        assert_eq!(st.place, PLACE);
    }

    #[test]
    fn blocked_record_text_masks_identifier_spans() {
        use crate::engine::{Finding, Identifier, Severity, Span};
        let text = "Call Dana at 617-555-0199 about her MRI.";
        let draft = Draft::new(text);
        let phone = Finding {
            rule: "phi.phone".into(),
            category: Category::Phi,
            severity: Severity::Error,
            span: Some(Span::new(13, 25)),
            message: "phone number ***-***-0199".into(),
            suggestion: None,
            identifier: Some(Identifier::Phone),
        };
        let blocked = Review { verdict: Verdict::Block, weighted_length: 40, findings: vec![phone.clone()] };
        let rv = Reviewed::new(&draft, &blocked, "v1");
        assert_eq!(rv.text, "Call Dana at ***-***-**** about her MRI.");
        assert_eq!(rv.content_sha256, content_sha256(text), "the hash is of the exact text");
        assert_eq!(rv.findings, vec![FindingRef { rule: "phi.phone".into(), category: "phi".into() }]);
        assert_eq!(rv.rules_version, "v1");
        // the same finding as a warning (a PHI rule configured as `warning`) is masked all the same
        let revise = Review { verdict: Verdict::Revise, weighted_length: 40, findings: vec![phone] };
        assert_eq!(Reviewed::new(&draft, &revise, "v1").text, "Call Dana at ***-***-**** about her MRI.");
        // no finding names an identifier: the exact text
        let clean = Review { verdict: Verdict::Ok, weighted_length: 40, findings: vec![] };
        assert_eq!(Reviewed::new(&draft, &clean, "v1").text, text);
    }

    #[test]
    fn approvals_of_masked_drafts_keep_the_masked_text_never_the_exact_one() {
        use crate::engine::{Finding, Identifier, Severity, Span};
        let text = "Call Dana at 617-555-0199 about her MRI.";
        let phone = Finding {
            rule: "phi.phone".into(),
            category: Category::Phi,
            severity: Severity::Warning,
            span: Some(Span::new(13, 25)),
            message: "phone number ***-***-0199".into(),
            suggestion: None,
            identifier: Some(Identifier::Phone),
        };
        let review = Review { verdict: Verdict::Revise, weighted_length: 40, findings: vec![phone] };
        let reviewed = Reviewed::new(&Draft::new(text), &review, "v1");
        let mut sim = Sim::new(false);
        sim.apply(Event::Posted { author: actor(AUTHOR, &[]), reviewed: reviewed.clone() });
        let current = Current { text: text.to_string(), reviewed: reviewed.clone() };
        let out = sim.apply(Event::Reacted { actor: manager(), decision: Decision::Approve, current: Some(current) });
        let approved = out.records.iter().find(|r| r.kind == RecordKind::Approved).expect("approved");
        assert_eq!(approved.text.as_deref(), Some("Call Dana at ***-***-**** about her MRI."));
        assert_eq!(approved.content_sha256, content_sha256(text));
        assert!(approved.sealed_text.is_none(), "sealing is the handler's, with the officer's key");
    }

    // ---- approval integrity: every approval is bound to the text's hash ----

    fn manager() -> Actor {
        actor(MANAGER, &[ROLE_MANAGER])
    }
    fn manager2() -> Actor {
        actor(MANAGER2, &[ROLE_MANAGER])
    }
    fn says(out: &Outcome, words: &[&str]) -> bool {
        out.effects.iter().any(|e| match e {
            Effect::Say(s) | Effect::Tell { text: s, again: false, .. } => words.iter().all(|w| s.contains(w)),
            _ => false,
        })
    }

    #[test]
    fn an_approval_checks_the_text_on_discord_and_re_reviews_an_unseen_edit() {
        let mut sim = Sim::new(false);
        sim.post("Flu shots Saturday.", Verdict::Ok);
        // Edited while the bot was away: the log still has the clean text.
        let phi = "Flu shots Saturday. Thanks John Carter, DOB 03/14/1962, 555-201-7741.";
        let out = sim.apply(Event::Reacted {
            actor: manager(),
            decision: Decision::Approve,
            current: Some(current(phi, Verdict::Block)),
        });
        assert_eq!(
            out.records.iter().map(|r| r.kind).collect::<Vec<_>>(),
            vec![RecordKind::ReReviewed, RecordKind::ApprovalRefused]
        );
        assert_eq!(out.records[0].content_sha256, content_sha256(phi));
        assert_eq!(out.records[0].verdict.as_deref(), Some("block"));
        assert_eq!(out.records[1].content_sha256, content_sha256(phi), "the refusal cites the text reacted on");
        assert_refused_and_removed(&out, "draft changed since its review", MANAGER);
        assert!(out.effects.contains(&Effect::EditReply));
        assert!(out.effects.contains(&Effect::RemoveOwnApproveReaction));
        assert!(says(&out, &[&format!("<@{MANAGER}>"), "not recorded", "edited"]));
        let st = sim.state().unwrap();
        assert_eq!((st.content_sha256.as_str(), st.verdict), (content_sha256(phi).as_str(), Verdict::Block));
        assert!(!st.is_approved());
        // The next ✅ sees the reviewed (blocked) text.
        let out = sim.react(manager(), Decision::Approve);
        assert_eq!(refused_reason(&out), Some("draft is blocked"));
        assert!(!sim.kinds().contains(&RecordKind::Approved));
    }

    #[test]
    fn an_unseen_edit_of_an_approved_draft_is_revoked_when_noticed() {
        let mut sim = Sim::new(false);
        sim.post("v1", Verdict::Ok);
        sim.react(manager(), Decision::Approve);
        let out = sim.apply(Event::Reacted {
            actor: manager2(),
            decision: Decision::Approve,
            current: Some(current("v2", Verdict::Ok)),
        });
        assert_eq!(
            out.records.iter().map(|r| r.kind).collect::<Vec<_>>(),
            vec![RecordKind::ReReviewed, RecordKind::Revoked, RecordKind::ApprovalRefused]
        );
        assert!(!sim.state().unwrap().is_approved());
        // …and the new text can be approved with a fresh ✅.
        let out = sim.react(manager2(), Decision::Approve);
        assert_eq!(out.records[0].kind, RecordKind::Approved);
        assert_eq!(out.records[0].text.as_deref(), Some("v2"));
    }

    #[test]
    fn a_draft_that_cannot_be_read_is_not_approved() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        let unread = |who: Actor| Event::Reacted { actor: who, decision: Decision::Approve, current: None };
        let out = sim.apply(unread(manager()));
        assert_refused_and_removed(&out, "draft could not be read to check its text", MANAGER);
        assert_eq!(out.records.len(), 1);
        let out = sim.apply(unread(actor(STAFF, &[])));
        assert_eq!(refused_reason(&out), Some("not a manager"));
        assert!(!sim.kinds().contains(&RecordKind::Approved));
    }

    #[test]
    fn an_override_reason_given_after_an_edit_is_refused_and_the_edit_closes_the_question() {
        let mut sim = Sim::new(true);
        sim.post("Maria Gonzalez, 555-201-8834", Verdict::Block);
        assert_eq!(asked_for(&sim.react(manager(), Decision::Approve)), Some((MANAGER, Purpose::Override)));
        let v2 = "Maria Gonzalez, 555-201-8834, SSN 078-05-1120";
        let out = sim.edit(v2, Verdict::Block);
        assert!(out.effects.contains(&Effect::CloseQuestions { only: None, because: Closure::Edited }));
        assert!(sim.questions[&MANAGER].1.closed);
        let out = sim.answer(manager(), Purpose::Override, "family consented");
        assert_eq!(refused_reason(&out), Some("draft changed since its review"));
        assert_eq!(out.records[0].content_sha256, content_sha256(v2));
        assert!(out.effects.contains(&Effect::ClearPending { actor_id: MANAGER, purpose: Purpose::Override }));
        assert!(says(&out, &[&format!("<@{MANAGER}>"), "not recorded"]));
        assert!(!sim.kinds().contains(&RecordKind::Override));
        assert!(!sim.state().unwrap().is_approved());
    }

    #[test]
    fn an_override_reason_is_refused_when_the_text_changed_unseen_or_came_back() {
        // The bot missed the edit: the answer's own read of the draft shows it.
        let mut sim = Sim::new(true);
        sim.post("v1 with PHI", Verdict::Block);
        sim.react(manager(), Decision::Approve);
        sim.on_discord = "v2 with more PHI".into();
        let out = sim.answer(manager(), Purpose::Override, "ok");
        assert_eq!(
            out.records.iter().map(|r| r.kind).collect::<Vec<_>>(),
            vec![RecordKind::ReReviewed, RecordKind::ApprovalRefused]
        );
        assert_eq!(refused_reason(&out), Some("draft changed since its review"));
        assert_eq!(
            out.effects[0],
            Effect::ClearPending { actor_id: MANAGER, purpose: Purpose::Override },
            "cleared before the others are closed"
        );
        // Edited and edited back: the question was closed by the edit all the same.
        let mut sim = Sim::new(true);
        sim.post("v1 with PHI", Verdict::Block);
        sim.react(manager(), Decision::Approve);
        sim.edit("v2", Verdict::Block);
        sim.edit("v1 with PHI", Verdict::Block);
        let out = sim.answer(manager(), Purpose::Override, "ok");
        assert_eq!(refused_reason(&out), Some("draft changed since its review"));
        assert!(!sim.kinds().contains(&RecordKind::Override));
    }

    #[test]
    fn a_late_override_reason_does_not_overturn_a_rejection() {
        let mut sim = Sim::new(true);
        sim.post("PHI", Verdict::Block);
        assert_eq!(asked_for(&sim.react(manager(), Decision::Approve)), Some((MANAGER, Purpose::Override)));
        assert_eq!(asked_for(&sim.react(manager2(), Decision::Reject)), Some((MANAGER2, Purpose::Reject)));
        let out = sim.answer(manager2(), Purpose::Reject, "no release signed");
        assert_eq!(out.records[0].kind, RecordKind::Rejected);
        assert!(out
            .effects
            .contains(&Effect::CloseQuestions { only: Some(Purpose::Override), because: Closure::Rejected }));
        let out = sim.answer(manager(), Purpose::Override, "family consented");
        assert_eq!(refused_reason(&out), Some("draft was rejected"));
        assert!(!sim.kinds().contains(&RecordKind::Override));
        assert_eq!(sim.state().unwrap().status, Status::Rejected { by: MANAGER2 });
    }

    #[test]
    fn an_override_reason_after_another_decision_is_superseded() {
        let mut sim = Sim::new(true);
        sim.post("PHI", Verdict::Block);
        sim.react(manager(), Decision::Approve);
        sim.react(manager2(), Decision::Approve);
        let out = sim.answer(manager2(), Purpose::Override, "public hotline");
        assert_eq!(out.records[0].kind, RecordKind::Override);
        let out = sim.answer(manager(), Purpose::Override, "also fine by me");
        assert_eq!(refused_reason(&out), Some("draft status changed since the question"));
        assert_eq!(sim.kinds().iter().filter(|k| **k == RecordKind::Override).count(), 1);
    }

    #[test]
    fn questions_expire_after_24_hours() {
        let ttl = TimeDelta::hours(QUESTION_TTL_HOURS);
        for (late, expired) in [(ttl - TimeDelta::seconds(1), false), (ttl, true), (TimeDelta::days(30), true)] {
            let mut sim = Sim::new(true);
            sim.post("PHI", Verdict::Block);
            sim.react(manager(), Decision::Approve);
            sim.now = now() + late;
            let out = sim.answer(manager(), Purpose::Override, "public hotline");
            if expired {
                assert_eq!(refused_reason(&out), Some("question expired"), "{late}");
                assert!(says(&out, &["expired", "react again"]));
            } else {
                assert_eq!(out.records[0].kind, RecordKind::Override, "{late}");
            }
        }
        // A rejection question expires too: nothing recorded, the manager told why.
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        sim.react(manager(), Decision::Reject);
        sim.now = now() + ttl;
        let out = sim.answer(manager(), Purpose::Reject, "tone");
        assert!(out.records.is_empty());
        assert!(says(&out, &["rejection not recorded", "expired"]));
        assert!(out.effects.contains(&Effect::ClearPending { actor_id: MANAGER, purpose: Purpose::Reject }));
    }

    #[test]
    fn a_rejection_reason_counts_only_for_the_text_asked_about() {
        let mut sim = Sim::new(false);
        sim.post("v1", Verdict::Ok);
        sim.react(manager(), Decision::Reject);
        sim.edit("v2", Verdict::Ok);
        let out = sim.answer(manager(), Purpose::Reject, "v1's tone is off");
        assert!(out.records.is_empty());
        assert!(says(&out, &["rejection not recorded", "edited"]));
        // `/reject draft:` asks nothing first: it rejects the current text.
        let out = sim.apply(Event::Reason {
            actor: manager(),
            purpose: Purpose::Reject,
            reason: "still off".into(),
            current: None,
            asked: None,
        });
        assert_eq!(out.records[0].kind, RecordKind::Rejected);
        assert_eq!(out.records[0].content_sha256, content_sha256("v2"));
    }

    /// Issue 9, item 19: a repeated ✅ that is refused for the same reason is
    /// taken off again, but not recorded and not answered again within
    /// REFUSAL_QUIET_MINUTES.
    #[test]
    fn repeated_refusals_are_throttled_per_person_reason_and_revision() {
        let quiet = TimeDelta::minutes(REFUSAL_QUIET_MINUTES);
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        let staff = || actor(STAFF, &[]);
        let first = sim.react(staff(), Decision::Approve);
        assert_refused_and_removed(&first, "not a manager", STAFF);
        assert!(says(&first, &["not recorded"]));
        for later in [TimeDelta::seconds(1), quiet - TimeDelta::seconds(1)] {
            sim.now = now() + later;
            let again = sim.react(staff(), Decision::Approve);
            assert_eq!(
                again,
                Outcome {
                    records: vec![],
                    effects: vec![
                        Effect::RemoveReaction { decision: Decision::Approve, user_id: STAFF },
                        Effect::Tell { actor_id: STAFF, text: Refusal::NotManager.line(STAFF), again: true }
                    ]
                },
                "{later}"
            );
        }
        // Someone else is told; after the quiet time, the same person too.
        assert_eq!(refused_reason(&sim.react(actor(STAFF + 1, &[]), Decision::Approve)), Some("not a manager"));
        sim.now = now() + quiet;
        assert_eq!(refused_reason(&sim.react(staff(), Decision::Approve)), Some("not a manager"));
        // A change of the draft (a new revision) starts afresh.
        sim.now += TimeDelta::seconds(1);
        sim.edit("b", Verdict::Ok);
        assert_eq!(refused_reason(&sim.react(staff(), Decision::Approve)), Some("not a manager"));
        assert_eq!(sim.kinds().iter().filter(|k| **k == RecordKind::ApprovalRefused).count(), 4);
        // A manager's repeated ✅ on a blocked draft is throttled the same way…
        let mut blocked = Sim::new(false);
        blocked.post("x", Verdict::Block);
        blocked.on_discord = "x".into();
        let out = blocked.apply(Event::Reacted {
            actor: manager(),
            decision: Decision::Approve,
            current: Some(current("x", Verdict::Block)),
        });
        assert_eq!(refused_reason(&out), Some("draft is blocked"));
        let out = blocked.apply(Event::Reacted {
            actor: manager(),
            decision: Decision::Approve,
            current: Some(current("x", Verdict::Block)),
        });
        assert!(out.records.is_empty() && !says(&out, &["not recorded"]), "{out:?}");
        // …but a draft that could not be read is always said (trying again is the advice).
        let out = blocked.apply(Event::Reacted { actor: manager(), decision: Decision::Approve, current: None });
        assert_eq!(refused_reason(&out), Some("draft could not be read to check its text"));
        let out = blocked.apply(Event::Reacted { actor: manager(), decision: Decision::Approve, current: None });
        assert_eq!(refused_reason(&out), Some("draft could not be read to check its text"));
    }

    #[test]
    fn revision_follows_state_changes_not_refusals() {
        let mut sim = Sim::new(false);
        sim.post("a", Verdict::Ok);
        assert_eq!(sim.state().unwrap().revision, 1);
        sim.react(actor(STAFF, &[]), Decision::Approve);
        assert_eq!(sim.kinds(), vec![RecordKind::Submitted, RecordKind::ApprovalRefused]);
        assert_eq!(sim.state().unwrap().revision, 1, "a refusal changes nothing");
        sim.react(manager(), Decision::Approve);
        assert_eq!(sim.state().unwrap().revision, 3);
    }

    #[test]
    fn closure_lines_name_the_manager_and_the_cause() {
        let edited = Closure::Edited.line(MANAGER, Purpose::Override);
        assert!(
            edited.starts_with(&format!("<@{MANAGER}>")) && edited.contains("edited") && edited.contains("override")
        );
        let rejected = Closure::Rejected.line(MANAGER, Purpose::Override);
        assert!(rejected.contains("rejected") && !rejected.contains('\n'));
    }
}
