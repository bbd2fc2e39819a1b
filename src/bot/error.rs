//! What can go wrong while answering a person (a slash command, a button,
//! a form), and the one place that decides what they see of it.
//!
//! Like triagebot's `UserError`: a [`BotError::User`] is something the
//! person can act on and is shown as written (its words come from
//! [`super::render`]); a [`BotError::Internal`] is shown only as
//! [`super::render::INTERNAL_ERROR`], while the log gets the detail (which
//! never holds draft text or reasons: ids and error messages only).

use super::render;
use tracing::warn;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BotError {
    /// Shown to the person as is.
    User(String),
    /// Logged with `what` (the operation) and `detail`; the person sees a
    /// generic line.
    Internal { what: &'static str, detail: String },
}

impl BotError {
    pub(crate) fn user(text: impl Into<String>) -> BotError {
        BotError::User(text.into())
    }

    pub(crate) fn internal(what: &'static str, detail: impl std::fmt::Display) -> BotError {
        BotError::Internal { what, detail: detail.to_string() }
    }

    /// The words the person sees. The one place that decides it: an
    /// internal error is logged here and never shown.
    pub(crate) fn shown(&self) -> String {
        match self {
            BotError::User(text) => text.clone(),
            BotError::Internal { what, detail } => {
                warn!(operation = what, error = %detail, "internal error while answering");
                render::INTERNAL_ERROR.to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_details_are_never_shown() {
        let e = BotError::internal("audit query", "disk I/O error at /var/lib/secret.db");
        assert_eq!(e.shown(), render::INTERNAL_ERROR);
        assert!(!e.shown().contains("secret"));
        assert_eq!(BotError::user("Only managers can do that.").shown(), "Only managers can do that.");
    }
}
