//! SafeTweet: a draft-review engine for healthcare social media teams, with a
//! Discord bot and a tamper-evident audit log around it.
//!
//! # Layout
//! - [`engine`]: the pure review engine. Draft text + attachment metadata + a
//!   [`engine::RuleSet`] in, a [`engine::Review`] (findings, verdict, weighted
//!   length) out. It knows nothing of Discord, tokio or SQL.
//! - [`attach`]: the attachment adapter: downloads an attachment, sniffs its
//!   real type, reads DICOM headers, EXIF metadata and burned-in text (OCR by
//!   Tesseract) into [`engine::Extracted`] for the engine to review.
//! - [`audit`]: the append-only, hash-chained audit log behind the small
//!   [`audit::AuditStore`] trait, with SQLite and PostgreSQL implementations.
//! - [`bot`]: the Discord adapter (serenity): turns gateway events into drafts,
//!   renders reviews, runs the approval workflow and writes audit records.
//! - [`report`]: the review desk's report (tables, PNG and SVG charts, one
//!   HTML page) counted from audit records; pure, no Discord or database.
//! - [`cli`]: the command-line front ends (`check`, `rules`, `audit`, `serve`).

pub mod attach;
pub mod audit;
pub mod bot;
pub mod cli;
pub mod engine;
pub mod report;
