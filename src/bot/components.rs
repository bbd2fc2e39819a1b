//! The message components of the review desk: the buttons on a review
//! reply (Approve, Reject and, with `allow_overrides`, Override) and the
//! reason form (a modal) that Reject and Override open, with the custom ids
//! that tie a click or a submitted form to its draft.
//!
//! A custom id is only a claim made by whoever sends the interaction: the
//! interactions module checks every part of it against the bot's own
//! records (the reply id it posted for the draft, the draft's state in the
//! audit log, the text on Discord) before anything is decided. A form's id
//! carries the draft's revision and the first 128 bits of its text's
//! SHA-256 at the moment the form was opened: a form submitted after an
//! edit no longer matches and is refused.
//!
//! Builds serenity values only; no I/O.

use super::render::{
    BUTTON_APPROVE, BUTTON_OVERRIDE, BUTTON_REJECT, FORM_OVERRIDE_LABEL, FORM_OVERRIDE_TITLE, FORM_REASON_PLACEHOLDER,
    FORM_REJECT_LABEL, FORM_REJECT_TITLE, REASON_MAX,
};
use super::workflow::Purpose;
use serenity::all::{ButtonStyle, CreateActionRow, CreateButton, CreateInputText, CreateModal, InputTextStyle};

/// What a button on a review reply asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Button {
    Approve,
    Reject,
    Override,
}

impl Button {
    fn as_str(self) -> &'static str {
        match self {
            Button::Approve => "approve",
            Button::Reject => "reject",
            Button::Override => "override",
        }
    }
}

/// The custom id of the text input in a reason form.
pub(crate) const REASON_INPUT: &str = "reason";

/// Hex digits of the text's hash carried in a form's id (128 bits).
const HASH_HEX: usize = 32;

/// `st:approve:{draft}` and the like.
pub(crate) fn button_id(button: Button, draft: u64) -> String {
    format!("st:{}:{draft}", button.as_str())
}

/// The button and draft a button's custom id names, if it is one of ours.
pub(crate) fn parse_button(id: &str) -> Option<(Button, u64)> {
    let rest = id.strip_prefix("st:")?;
    let (what, draft) = rest.split_once(':')?;
    let button = match what {
        "approve" => Button::Approve,
        "reject" => Button::Reject,
        "override" => Button::Override,
        _ => return None,
    };
    Some((button, snowflake(draft)?))
}

fn snowflake(s: &str) -> Option<u64> {
    // Digits only: no sign, no spaces, no leading zeros (one spelling per id).
    if s.is_empty() || s.len() > 20 || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A reason form as opened: for which draft, at which revision, about
/// which text (the first [`HASH_HEX`] hex digits of its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Form {
    pub purpose: Purpose,
    pub draft: u64,
    pub revision: i64,
    pub sha256_prefix: String,
}

impl Form {
    /// `st:form:{r|o}:{draft}:{revision}:{hash prefix}`: at most 84 characters
    /// (Discord allows 100).
    pub(crate) fn id(&self) -> String {
        let p = match self.purpose {
            Purpose::Reject => 'r',
            Purpose::Override => 'o',
        };
        format!("st:form:{p}:{}:{}:{}", self.draft, self.revision, self.sha256_prefix)
    }

    pub(crate) fn new(purpose: Purpose, draft: u64, revision: i64, content_sha256: &str) -> Form {
        let prefix: String = content_sha256.chars().take(HASH_HEX).collect();
        Form { purpose, draft, revision, sha256_prefix: prefix }
    }

    pub(crate) fn parse(id: &str) -> Option<Form> {
        let mut parts = id.strip_prefix("st:form:")?.split(':');
        let purpose = match parts.next()? {
            "r" => Purpose::Reject,
            "o" => Purpose::Override,
            _ => return None,
        };
        let draft = snowflake(parts.next()?)?;
        let revision = snowflake(parts.next()?)?;
        let revision = i64::try_from(revision).ok()?;
        let prefix = parts.next()?;
        let hex_ok = prefix.len() == HASH_HEX && prefix.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !hex_ok || parts.next().is_some() {
            return None;
        }
        Some(Form { purpose, draft, revision, sha256_prefix: prefix.to_string() })
    }

    /// The full hash of the text the form was opened about, given the
    /// draft's hash now: that hash when it starts with the prefix, else the
    /// prefix itself (which then matches nothing: the text changed).
    pub(crate) fn asked_sha256(&self, now_sha256: &str) -> String {
        if now_sha256.starts_with(&self.sha256_prefix) {
            now_sha256.to_string()
        } else {
            self.sha256_prefix.clone()
        }
    }

    /// The modal: one required paragraph, at most [`REASON_MAX`] characters.
    pub(crate) fn modal(&self) -> CreateModal {
        let (title, label) = match self.purpose {
            Purpose::Reject => (FORM_REJECT_TITLE, FORM_REJECT_LABEL),
            Purpose::Override => (FORM_OVERRIDE_TITLE, FORM_OVERRIDE_LABEL),
        };
        let input = CreateInputText::new(InputTextStyle::Paragraph, label, REASON_INPUT)
            .required(true)
            .min_length(1)
            .max_length(REASON_MAX as u16)
            .placeholder(FORM_REASON_PLACEHOLDER);
        CreateModal::new(self.id(), title).components(vec![CreateActionRow::InputText(input)])
    }
}

/// The buttons under a review reply: Approve and Reject, and Override
/// when overrides are allowed; all disabled once the draft is decided.
pub(crate) fn review_buttons(draft: u64, allow_overrides: bool, enabled: bool) -> Vec<CreateActionRow> {
    let mut row = vec![
        CreateButton::new(button_id(Button::Approve, draft))
            .label(BUTTON_APPROVE)
            .style(ButtonStyle::Success)
            .disabled(!enabled),
        CreateButton::new(button_id(Button::Reject, draft))
            .label(BUTTON_REJECT)
            .style(ButtonStyle::Danger)
            .disabled(!enabled),
    ];
    if allow_overrides {
        row.push(
            CreateButton::new(button_id(Button::Override, draft))
                .label(BUTTON_OVERRIDE)
                .style(ButtonStyle::Secondary)
                .disabled(!enabled),
        );
    }
    vec![CreateActionRow::Buttons(row)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_ids_round_trip_and_reject_anything_else() {
        for b in [Button::Approve, Button::Reject, Button::Override] {
            assert_eq!(parse_button(&button_id(b, 1_234_567_890_123)), Some((b, 1_234_567_890_123)));
        }
        for bad in [
            "",
            "st:approve:",
            "st:approve:-1",
            "st:approve:+12",
            "st:approve:012",
            "st:approve:12:13",
            "st:approve:99999999999999999999999",
            "st:publish:12",
            "approve:12",
            "st:approve: 12",
        ] {
            assert_eq!(parse_button(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn form_ids_round_trip_fit_discord_and_reject_forgeries() {
        let sha = "ab".repeat(32);
        let form = Form::new(Purpose::Override, u64::MAX >> 1, i64::MAX, &sha);
        let id = form.id();
        assert!(id.len() <= 100, "{} characters: {id}", id.len());
        assert_eq!(Form::parse(&id), Some(form.clone()));
        assert_eq!(form.sha256_prefix.len(), 32);
        let reject = Form::new(Purpose::Reject, 77, 3, &sha);
        assert_eq!(Form::parse(&reject.id()), Some(reject));
        for bad in [
            format!("st:form:x:77:3:{}", &sha[..32]),
            format!("st:form:r:77:3:{}", &sha[..31]),
            format!("st:form:r:77:3:{}", &sha[..33]),
            format!("st:form:r:77:3:{}", "AB".repeat(16)),
            format!("st:form:r:77:-3:{}", &sha[..32]),
            format!("st:form:r:77:3:{}:extra", &sha[..32]),
            format!("st:form:r:077:3:{}", &sha[..32]),
            "st:form:r:77:3".to_string(),
        ] {
            assert_eq!(Form::parse(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_form_matches_only_the_text_it_was_opened_about() {
        let asked = crate::bot::workflow::content_sha256("v1");
        let form = Form::new(Purpose::Reject, 5, 1, &asked);
        assert_eq!(form.asked_sha256(&asked), asked, "same text: the full hash");
        let edited = crate::bot::workflow::content_sha256("v2");
        assert_ne!(form.asked_sha256(&edited), edited, "edited: never the new text's hash");
    }

    #[test]
    fn buttons_carry_the_draft_and_are_disabled_after_a_decision() {
        let json = serde_json::to_value(review_buttons(42, true, false)).unwrap();
        let buttons = json[0]["components"].as_array().unwrap();
        let ids: Vec<&str> = buttons.iter().filter_map(|b| b["custom_id"].as_str()).collect();
        assert_eq!(ids, ["st:approve:42", "st:reject:42", "st:override:42"]);
        assert!(buttons.iter().all(|b| b["disabled"] == true));
        let json = serde_json::to_value(review_buttons(42, false, true)).unwrap();
        assert_eq!(json[0]["components"].as_array().unwrap().len(), 2);
        assert_eq!(json[0]["components"][0]["disabled"], false);
        let modal = serde_json::to_value(Form::new(Purpose::Reject, 42, 1, &"0".repeat(64)).modal()).unwrap();
        let input = &modal["components"][0]["components"][0];
        assert_eq!((input["custom_id"].as_str(), input["required"].as_bool()), (Some(REASON_INPUT), Some(true)));
        assert_eq!(input["max_length"], REASON_MAX);
    }
}
