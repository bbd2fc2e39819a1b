//! End-to-end tests of the review desk (issue 10): the buttons on the review
//! reply, the reason forms and `/queue`, through the loopback fake Discord
//! speaking Discord's interaction JSON (INTERACTION_CREATE with
//! MESSAGE_COMPONENT and MODAL_SUBMIT payloads, answered on the interaction
//! callback endpoint), against the real `safetweet serve` binary and a real
//! SQLite audit file.

mod support;

use safetweet::audit::RecordKind;
use serde_json::Value;
use std::time::Duration;
use support::fake_discord::{FakeConfig, FakeDiscord, Person, RestRequest};
use support::{people, BotEnv, BotProcess, APPROVE, MANAGER_ROLE, REVIEW_CHANNEL, TOKEN};

const STARTUP: Duration = Duration::from_secs(60);
const STEP: Duration = Duration::from_secs(20);

const CLEAN_DRAFT: &str =
    "Flu shots are now available at all of our community clinics. Walk-ins are welcome Monday through Friday, 8am to 6pm.";
const CLEAN_SECRET: &str = "Walk-ins are welcome";
const PHI_DRAFT: &str =
    "Congratulations to our patient Maria Gonzalez on her recovery after surgery! Her family can be reached at 555-201-8834.";
const PHI_SECRETS: &[&str] = &["Gonzalez", "555-201-8834", "201-8834"];

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

struct Desk {
    fake: FakeDiscord,
    _env: BotEnv,
    bot: BotProcess,
    audit: support::Audit,
}

impl Desk {
    async fn start(allow_overrides: bool) -> Desk {
        let fake = FakeDiscord::start(FakeConfig::new(TOKEN)).await;
        let toml = support::DEFAULT_BOT_TOML
            .replace("allow_overrides = false", &format!("allow_overrides = {allow_overrides}"));
        let env = BotEnv::with_bot_toml(&toml);
        let mut bot = env.spawn(&fake);
        {
            let ready = fake.wait_ready(1, STARTUP);
            tokio::pin!(ready);
            let deadline = tokio::time::Instant::now() + STARTUP;
            loop {
                tokio::select! {
                    _ = &mut ready => break,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {
                        if let Some(status) = bot.try_exit() {
                            panic!("the bot exited ({status}) before connecting:\n{}", bot.output());
                        }
                        assert!(tokio::time::Instant::now() < deadline, "no READY:\n{}", bot.output());
                    }
                }
            }
        }
        let audit = env.audit().await;
        Desk { fake, _env: env, bot, audit }
    }

    /// Posts a draft; returns its id and the id of the bot's review reply.
    async fn draft(&self, author: &Person, text: &str) -> (u64, u64) {
        let id = self.fake.message_create(REVIEW_CHANNEL, author, text);
        let reply = self.fake.wait_reply(id, STEP).await;
        self.audit.wait_for(id, RecordKind::Submitted, 1, STEP).await;
        (id, reply.created.expect("reply id"))
    }

    /// Clicks `button` ("approve", "reject", "override") for `draft` on its reply; returns the callback.
    async fn click(&self, who: &Person, reply: u64, button: &str, draft: u64) -> RestRequest {
        let interaction = self.fake.click(REVIEW_CHANNEL, who, reply, &format!("st:{button}:{draft}"));
        self.callback(interaction).await
    }

    async fn callback(&self, interaction: u64) -> RestRequest {
        self.fake.wait_request(STEP, "the interaction's answer", |r| r.is_interaction_callback(interaction)).await
    }

    /// Submits the form `form` (a type-9 callback) with `reason`; returns the callback.
    async fn submit(&self, who: &Person, reply: u64, form: &RestRequest, reason: &str) -> RestRequest {
        let (custom_id, input) = form_ids(form);
        let interaction = self.fake.submit_modal(REVIEW_CHANNEL, who, reply, &custom_id, &input, reason);
        self.callback(interaction).await
    }

    fn kinds(&self, records: &[safetweet::audit::AuditRecord]) -> Vec<&'static str> {
        records.iter().map(|r| r.record.kind.as_str()).collect()
    }
}

/// A modal callback's custom id and its text input's custom id.
fn form_ids(form: &RestRequest) -> (String, String) {
    assert_eq!(form.callback_type(), Some(9), "a form opens: {}", form.body);
    let data = &form.body["data"];
    let input = &data["components"][0]["components"][0];
    assert_eq!(input["required"], true, "the reason is required: {input}");
    assert_eq!(input["type"], 4);
    (
        data["custom_id"].as_str().expect("custom id").to_string(),
        input["custom_id"].as_str().expect("input id").to_string(),
    )
}

/// The buttons of a message (as posted or last edited): (custom id, disabled).
fn buttons(message: &Value) -> Vec<(String, bool)> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .map(|b| (b["custom_id"].as_str().unwrap_or("").to_string(), b["disabled"].as_bool().unwrap_or(false)))
        .collect()
}

/// Waits until the reply shows a decision: a status line containing all of
/// `words`, and every button disabled.
async fn wait_decided(fake: &FakeDiscord, reply: u64, words: &[&str]) -> Value {
    fake.wait_until(STEP, "the review reply showing the decision", |v| {
        v.requests()
            .iter()
            .rev()
            .find(|r| r.method == "PATCH" && r.path == format!("/channels/{REVIEW_CHANNEL}/messages/{reply}"))
            .filter(|r| {
                let content = r.body["content"].as_str().unwrap_or("");
                words.iter().all(|w| content.contains(w))
            })
            .map(|r| r.body.clone())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approve_by_button_records_what_a_reaction_does_and_disables_the_buttons() {
    let d = Desk::start(false).await;
    let author = people::author();
    let manager = people::manager();
    let (id, reply) = d.draft(&author, CLEAN_DRAFT).await;
    let posted = d.fake.message(reply).expect("the reply");
    assert_eq!(
        buttons(&posted),
        vec![(format!("st:approve:{id}"), false), (format!("st:reject:{id}"), false)],
        "Approve and Reject, live (no Override without allow_overrides)"
    );

    let callback = d.click(&manager, reply, "approve", id).await;
    assert_eq!(callback.callback_type(), Some(6), "an accepted click is acknowledged: {}", callback.body);
    let approved = d.audit.wait_for(id, RecordKind::Approved, 1, STEP).await;
    let r = &approved[0].record;
    assert_eq!((r.actor_id, r.author_id, r.message_id), (manager.id, author.id, id));
    assert!(r.roles.contains(&MANAGER_ROLE), "{:?}", r.roles);
    assert_eq!(r.text.as_deref(), Some(CLEAN_DRAFT));
    assert_eq!(r.content_sha256, sha256_hex(CLEAN_DRAFT));
    // The approval was checked against the text on Discord, as for a reaction.
    assert!(d.fake.requests().iter().any(|r| r.is("GET", &format!("/channels/{REVIEW_CHANNEL}/messages/{id}"))));

    let edit = wait_decided(&d.fake, reply, &["Approved", &format!("<@{}>", manager.id), "UTC"]).await;
    let shown = buttons(&edit);
    assert_eq!(shown.len(), 2);
    assert!(shown.iter().all(|(_, disabled)| *disabled), "buttons disabled after the decision: {shown:?}");
    assert!(buttons(&d.fake.message(reply).unwrap()).iter().all(|(_, disabled)| *disabled));

    // A second click (a stale client) records nothing and is told privately.
    let again = d.click(&people::manager_author(), reply, "approve", id).await;
    assert!(again.is_ephemeral() && again.text().contains("already decided"), "{}", again.body);
    assert_eq!(d.audit.for_message(id).await.iter().filter(|r| r.record.kind == RecordKind::Approved).count(), 1);

    // An edit makes it pending again: the reply is re-rendered with live buttons.
    d.fake.message_update(id, "Flu shots are now available at all of our clinics, walk-ins welcome.");
    d.audit.wait_for(id, RecordKind::Revoked, 1, STEP).await;
    d.fake
        .wait_until(STEP, "live buttons after the edit", |v| {
            v.requests()
                .iter()
                .rev()
                .find(|r| r.method == "PATCH" && r.path == format!("/channels/{REVIEW_CHANNEL}/messages/{reply}"))
                .filter(|r| r.body["content"] == "" && buttons(&r.body).iter().all(|(_, disabled)| !disabled))
                .map(|_| ())
        })
        .await;
    d.bot.assert_output_free_of(&[CLEAN_SECRET]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_click_is_answered_privately_and_approves_nothing() {
    let d = Desk::start(false).await;
    let (id, reply) = d.draft(&people::author(), CLEAN_DRAFT).await;
    let before = d.fake.requests().len();

    // Not a manager: the same refusal record as a reaction, told only to the clicker.
    let staff = people::other_staff();
    let refused = d.click(&staff, reply, "approve", id).await;
    assert_eq!(refused.callback_type(), Some(4));
    assert!(refused.is_ephemeral(), "{}", refused.body);
    assert!(refused.text().contains("manager") && refused.text().contains("not recorded"), "{}", refused.text());
    let records = d.audit.wait_for(id, RecordKind::ApprovalRefused, 1, STEP).await;
    assert_eq!(records[0].record.actor_id, staff.id);
    assert_eq!(records[0].record.reason.as_deref(), Some("not a manager"));
    // Reject is for managers too: no form for them.
    let no_form = d.click(&staff, reply, "reject", id).await;
    assert!(no_form.is_ephemeral() && no_form.text().contains("manager"), "{}", no_form.body);

    // A manager's own draft: refused privately as well.
    let own = people::manager_author();
    let (own_id, own_reply) = d.draft(&own, "Our blood drive is on Saturday from 9am to 3pm in the main lobby.").await;
    let self_approval = d.click(&own, own_reply, "approve", own_id).await;
    assert!(self_approval.is_ephemeral() && self_approval.text().contains("own draft"), "{}", self_approval.body);

    // A button naming another draft, clicked on this reply: refused, nothing decided.
    let manager = people::manager();
    let forged = d.fake.click(REVIEW_CHANNEL, &manager, reply, &format!("st:approve:{own_id}"));
    let forged = d.callback(forged).await;
    assert!(forged.is_ephemeral() && forged.text().contains("does not belong"), "{}", forged.body);
    // A bot's click is ignored: never answered, nothing recorded.
    let bot_click = d.fake.click(REVIEW_CHANNEL, &Person::bot(7001, "OtherBot"), reply, &format!("st:approve:{id}"));
    let barrier = d.click(&staff, reply, "reject", id).await;
    assert!(barrier.is_ephemeral());

    let records = d.audit.records(Default::default()).await;
    assert!(records.iter().all(|r| r.record.kind != RecordKind::Approved), "{:?}", d.kinds(&records));
    assert!(records.iter().all(|r| r.record.actor_id != 7001));
    let after = &d.fake.requests()[before..];
    assert!(!after.iter().any(|r| r.is_interaction_callback(bot_click)), "a bot's click is not answered");
    // Nothing said in the channel about the refusals, no reaction taken off.
    let to_channel: Vec<String> =
        after.iter().filter(|r| r.message_post_channel() == Some(REVIEW_CHANNEL)).map(|r| r.text()).collect();
    assert!(to_channel.iter().all(|t| !t.contains("not recorded")), "{to_channel:?}");
    assert!(!after.iter().any(|r| r.method == "DELETE" && r.path.contains("/reactions/")));
    // The reply keeps live buttons: nothing was decided.
    assert!(buttons(&d.fake.message(reply).unwrap()).iter().all(|(_, disabled)| !disabled));
    d.bot.assert_output_free_of(&[CLEAN_SECRET]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_with_a_reason_given_in_a_form() {
    let d = Desk::start(false).await;
    let manager = people::manager();
    let (id, reply) = d.draft(&people::author(), CLEAN_DRAFT).await;

    let form = d.click(&manager, reply, "reject", id).await;
    let (custom_id, _) = form_ids(&form);
    assert!(custom_id.starts_with(&format!("st:form:r:{id}:")) && custom_id.len() <= 100, "{custom_id}");
    assert!(custom_id.ends_with(&sha256_hex(CLEAN_DRAFT)[..32]), "bound to the text's hash: {custom_id}");

    // An empty reason (spaces only) is refused, privately; nothing recorded.
    let empty = d.submit(&manager, reply, &form, "   \n ").await;
    assert!(empty.is_ephemeral() && empty.text().contains("reason is needed"), "{}", empty.body);
    // A reason longer than the form allows (a crafted submission) is refused too.
    let long = d.submit(&manager, reply, &form, &"x".repeat(1001)).await;
    assert!(long.is_ephemeral() && long.text().contains("1001"), "{}", long.body);
    assert!(d.audit.for_message(id).await.iter().all(|r| r.record.kind != RecordKind::Rejected));

    let reason = "Needs the legal team's sign-off before it goes out.";
    let done = d.submit(&manager, reply, &form, &format!("  {reason}\n")).await;
    assert!(done.is_ephemeral() && done.text().contains("Recorded"), "{}", done.body);
    let rejected = d.audit.wait_for(id, RecordKind::Rejected, 1, STEP).await;
    let r = &rejected[0].record;
    assert_eq!((r.actor_id, r.reason.as_deref()), (manager.id, Some(reason)), "the reason is kept trimmed");
    assert_eq!(r.content_sha256, sha256_hex(CLEAN_DRAFT));
    assert!(r.roles.contains(&MANAGER_ROLE));
    let edit = wait_decided(&d.fake, reply, &["Rejected", &format!("<@{}>", manager.id)]).await;
    assert!(buttons(&edit).iter().all(|(_, disabled)| *disabled));
    d.bot.assert_output_free_of(&[CLEAN_SECRET, reason]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_submitted_after_an_edit_is_refused_and_says_why() {
    let d = Desk::start(true).await;
    let manager = people::manager();
    let author = people::author();
    let (id, reply) = d.draft(&author, PHI_DRAFT).await;
    let posted = d.fake.message(reply).expect("the reply");
    assert_eq!(buttons(&posted).len(), 3, "Override offered with allow_overrides: {:?}", buttons(&posted));

    // Override on the blocked draft opens the override form; Reject opens the other.
    let override_form = d.click(&manager, reply, "override", id).await;
    let (custom_id, _) = form_ids(&override_form);
    assert!(custom_id.starts_with(&format!("st:form:o:{id}:")), "{custom_id}");
    let manager2 = Person::new(5010, "Jo", &[MANAGER_ROLE]);
    let reject_form = d.click(&manager2, reply, "reject", id).await;
    form_ids(&reject_form);

    // The author edits the draft while both forms are open.
    let edited = "Congratulations to our patient Maria Gonzalez! Call her family at 555-201-8834 or 555-201-9000.";
    d.fake.message_update(id, edited);
    d.audit.wait_for(id, RecordKind::ReReviewed, 1, STEP).await;

    let late = d.submit(&manager, reply, &override_form, "Family gave written consent.").await;
    assert!(late.is_ephemeral(), "{}", late.body);
    assert!(late.text().contains("not recorded") && late.text().contains("edited"), "{}", late.text());
    let late_reject = d.submit(&manager2, reply, &reject_form, "Tone is off.").await;
    assert!(late_reject.is_ephemeral(), "{}", late_reject.body);
    assert!(late_reject.text().contains("rejection not recorded"), "{}", late_reject.text());

    let records = d.audit.for_message(id).await;
    assert!(
        records.iter().all(|r| !matches!(r.record.kind, RecordKind::Override | RecordKind::Rejected)),
        "{:?}",
        d.kinds(&records)
    );
    let refused: Vec<_> = records.iter().filter(|r| r.record.kind == RecordKind::ApprovalRefused).collect();
    assert_eq!(refused.len(), 1, "{:?}", d.kinds(&records));
    assert_eq!(refused[0].record.reason.as_deref(), Some("draft changed since its review"));
    assert_eq!(refused[0].record.content_sha256, sha256_hex(edited));

    // A form id forged to name another draft (with this draft's hash) decides nothing there.
    let (other, other_reply) = d.draft(&author, PHI_DRAFT).await;
    // (Approve on a blocked draft, with overrides allowed, opens the same override form.)
    let fresh = d.click(&manager, reply, "approve", id).await;
    let (fresh_id, input) = form_ids(&fresh);
    assert!(fresh_id.starts_with(&format!("st:form:o:{id}:")), "{fresh_id}");
    let forged = fresh_id.replacen(&format!(":{id}:"), &format!(":{other}:"), 1);
    let interaction = d.fake.submit_modal(REVIEW_CHANNEL, &manager, other_reply, &forged, &input, "ok");
    let answer = d.callback(interaction).await;
    assert!(answer.is_ephemeral() && answer.text().contains("not recorded"), "{}", answer.body);
    assert!(d.audit.for_message(other).await.iter().all(|r| r.record.kind != RecordKind::Override));

    // The fresh form, for the text as it is now, does override (the hash of the exact text kept, and
    // the text as its review masked it).
    let ok = d.submit(&manager, reply, &fresh, "Family gave written consent; legal reviewed.").await;
    assert!(ok.is_ephemeral() && ok.text().contains("Recorded"), "{}", ok.body);
    let overridden = d.audit.wait_for(id, RecordKind::Override, 1, STEP).await;
    assert_eq!(overridden[0].record.content_sha256, sha256_hex(edited));
    let reviews = d.audit.for_message(id).await;
    let last_review = reviews.iter().rev().find(|r| r.record.kind == RecordKind::ReReviewed).expect("re-reviewed");
    assert_eq!(overridden[0].record.text, last_review.record.text);
    assert!(PHI_SECRETS.iter().all(|s| !overridden[0].record.text.as_deref().unwrap_or("").contains(s)));
    wait_decided(&d.fake, reply, &["override", &format!("<@{}>", manager.id)]).await;
    d.bot.assert_output_free_of(PHI_SECRETS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_lists_the_waiting_drafts_oldest_first() {
    let d = Desk::start(false).await;
    let author = people::author();
    let staff = people::other_staff();
    let manager = people::manager();
    let (first, _) = d.draft(&author, CLEAN_DRAFT).await;
    let (blocked, _) = d.draft(&staff, PHI_DRAFT).await;
    let (approved, approved_reply) =
        d.draft(&author, "Our pharmacy hours change next week: open until 9pm on weekdays.").await;
    let (last, _) = d.draft(&author, "Join our free diabetes education class every Tuesday at 6pm.").await;
    d.click(&manager, approved_reply, "approve", approved).await;
    d.audit.wait_for(approved, RecordKind::Approved, 1, STEP).await;
    // The ✅ reaction path still works beside the buttons.
    d.fake.reaction_add(REVIEW_CHANNEL, last, &manager, APPROVE);
    d.audit.wait_for(last, RecordKind::Approved, 1, STEP).await;

    let queue = d.fake.interaction_create(REVIEW_CHANNEL, &manager, "queue", &[]);
    let queue = d.callback(queue).await;
    assert!(queue.is_ephemeral(), "{}", queue.body);
    let text = queue.text();
    let link = |m: u64| format!("/channels/{}/{REVIEW_CHANNEL}/{m}", support::fake_discord::GUILD_ID);
    let (at_first, at_blocked) = (text.find(&link(first)), text.find(&link(blocked)));
    assert!(at_first.is_some() && at_blocked.is_some(), "both waiting drafts with jump links:\n{text}");
    assert!(at_first < at_blocked, "oldest first:\n{text}");
    assert!(!text.contains(&link(approved)) && !text.contains(&link(last)), "decided drafts are not listed:\n{text}");
    assert!(text.contains(&format!("<@{}>", author.id)) && text.contains("blocked") && text.contains("waiting"));
    assert!(text.contains("(2)"), "{text}");

    // `mine:True`: anyone's own drafts only.
    let mine = d.fake.interaction_create_options(
        REVIEW_CHANNEL,
        &staff,
        "queue",
        vec![serde_json::json!({"name": "mine", "type": 5, "value": true})],
    );
    let mine = d.callback(mine).await.text();
    assert!(mine.contains(&link(blocked)) && !mine.contains(&link(first)), "{mine}");
    // The whole queue is for managers.
    let denied = d.fake.interaction_create(REVIEW_CHANNEL, &staff, "queue", &[]);
    let denied = d.callback(denied).await;
    assert!(denied.is_ephemeral() && denied.text().contains("manager"), "{}", denied.body);
    assert!(!denied.text().contains(&link(first)));
    d.bot.assert_output_free_of(PHI_SECRETS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_answers_managers_with_a_png_attachment() {
    let d = Desk::start(false).await;
    let manager = people::manager();
    let (id, reply) = d.draft(&people::author(), CLEAN_DRAFT).await;
    d.draft(&people::other_staff(), PHI_DRAFT).await;
    d.click(&manager, reply, "approve", id).await;
    d.audit.wait_for(id, RecordKind::Approved, 1, STEP).await;

    let asked = d.fake.interaction_create(REVIEW_CHANNEL, &manager, "report", &[("since", "7d")]);
    let answer = d.callback(asked).await;
    assert_eq!(answer.callback_type(), Some(4));
    assert!(answer.is_ephemeral(), "{}", answer.body);
    assert_eq!(answer.files.len(), 1, "one attachment: {:?}", answer.files.iter().map(|f| &f.0).collect::<Vec<_>>());
    let (name, png) = &answer.files[0];
    assert_eq!(name, "report.png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1400, 1000));
    assert!(png.len() > 10_000, "a drawn chart, not an empty image: {} bytes", png.len());
    let embed = &answer.body["data"]["embeds"][0];
    assert_eq!(embed["image"]["url"], "attachment://report.png", "{embed}");
    assert!(answer.text().contains("2 drafts"), "{}", answer.text());

    // Managers only; a bad `since` is explained.
    let denied = d.fake.interaction_create(REVIEW_CHANNEL, &people::author(), "report", &[]);
    let denied = d.callback(denied).await;
    assert!(denied.is_ephemeral() && denied.text().contains("manager") && denied.files.is_empty());
    let bad = d.fake.interaction_create(REVIEW_CHANNEL, &manager, "report", &[("since", "last spring")]);
    let bad = d.callback(bad).await;
    assert!(bad.text().contains("7d") && bad.files.is_empty(), "{}", bad.body);
    d.bot.assert_output_free_of(&[CLEAN_SECRET]);
    d.bot.assert_output_free_of(PHI_SECRETS);
}
