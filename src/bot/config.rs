//! Everything `serve` needs before it connects: `bot.toml` (the [`BotConfig`])
//! and the environment (the [`Env`]: `DISCORD_TOKEN`, `DATABASE_URL`,
//! `DISCORD_API_URL`, `SAFETWEET_AUDIT_KEY`).
//!
//! Pure parsing: reads no files and no process environment itself (the caller
//! passes the text and a lookup function), so every error path is unit-tested.
//! A bad setting is a [`SetupError`] naming the variable, or the file, key and
//! line, never a panic.
//!
//! `bot.toml` (these keys are a contract; tools outside the project write it):
//! ```toml
//! [discord]
//! review_channels = [3000]      # channel ids where drafts are reviewed
//! manager_roles = [4000]        # role ids whose holders may approve
//! approve_emoji = "✅"
//! reject_emoji = "❌"
//! allow_overrides = false       # may a manager approve a blocked draft with a written reason?
//! commands = "guild"            # slash commands: "guild" (per guild, instant), "global" or "off"
//! catch_up_messages = 100       # on start, a channel with no review yet: review its newest N (0-100) messages
//! catch_up_pages = 10           # on start, read at most N pages of 100 messages per channel (0 = no catch-up)
//!
//! [attachments]                 # optional: reading what is inside attachments
//! max_mb = 25                   # larger attachments are not downloaded (reported as not checked)
//! timeout_secs = 30             # per attachment, for the download and again for reading it
//! concurrency = 2               # attachments read (decoded, OCR) at once
//! ```

use crate::engine::config::line_of;
use crate::engine::ConfigError;
use serde::Deserialize;
use std::fmt;
use toml::Spanned;

/// The parsed `[discord]` table of `bot.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotConfig {
    /// Channels whose messages are drafts to review.
    pub review_channels: Vec<u64>,
    /// Roles whose holders may approve, reject and override.
    pub manager_roles: Vec<u64>,
    pub approve_emoji: Emoji,
    pub reject_emoji: Emoji,
    /// Whether a manager may approve a blocked draft with a written reason.
    pub allow_overrides: bool,
    pub commands: CommandScope,
    /// Catch-up on READY, for a review channel with no `submitted` record
    /// yet: how many of its newest messages to review (0 to 100).
    pub catch_up_messages: u8,
    /// Catch-up on READY: the most history pages (100 messages each) read
    /// per channel while looking for the newest reviewed draft. 0 turns
    /// catch-up off.
    pub catch_up_pages: u16,
    /// The `[attachments]` table.
    pub attachments: AttachmentConfig,
    /// Where the bot posts audit checkpoints (the newest record's `seq` and
    /// hash, an anchor for `audit verify --anchor`): outside the database,
    /// so a log cut or rewritten after a checkpoint is visible. `None`: off.
    pub audit_channel: Option<u64>,
    /// A checkpoint after this many records since the last one…
    pub checkpoint_every_records: u32,
    /// …or at the first record this many hours after it.
    pub checkpoint_every_hours: u32,
}

/// Default of `checkpoint_every_records`.
pub const DEFAULT_CHECKPOINT_RECORDS: u32 = 100;
/// Default of `checkpoint_every_hours`.
pub const DEFAULT_CHECKPOINT_HOURS: u32 = 24;

/// How the bot reads attachments (`[attachments]` in `bot.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttachmentConfig {
    /// Larger attachments are not downloaded.
    pub max_bytes: u64,
    /// Per attachment, for the download and again for reading it.
    pub timeout: std::time::Duration,
    /// Attachments read at once (each OCR run takes one core).
    pub concurrency: usize,
}

impl Default for AttachmentConfig {
    fn default() -> Self {
        AttachmentConfig {
            max_bytes: crate::attach::DEFAULT_MAX_BYTES,
            timeout: crate::attach::DEFAULT_TIMEOUT,
            concurrency: DEFAULT_ATTACHMENT_CONCURRENCY,
        }
    }
}

pub const DEFAULT_ATTACHMENT_CONCURRENCY: usize = 2;

/// Defaults of the catch-up settings.
pub const DEFAULT_CATCH_UP_MESSAGES: u8 = 100;
pub const DEFAULT_CATCH_UP_PAGES: u16 = 10;
/// Upper bound of `catch_up_pages` (100,000 messages per channel).
pub const MAX_CATCH_UP_PAGES: u16 = 1000;

impl BotConfig {
    pub fn is_review_channel(&self, channel_id: u64) -> bool {
        self.review_channels.contains(&channel_id)
    }
}

/// Where slash commands are registered on READY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandScope {
    /// On every guild the bot is in (available at once).
    Guild,
    /// Globally (Discord may take up to an hour to show them).
    Global,
    /// Not registered.
    Off,
}

/// A reaction emoji from the config: a Unicode emoji (`✅`) or a custom one
/// (`<:approve:123>` / `<a:approve:123>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emoji {
    Unicode(String),
    Custom { name: String, id: u64, animated: bool },
}

impl Emoji {
    /// Parses the config spelling; `None` when it is neither form.
    pub fn parse(s: &str) -> Option<Emoji> {
        let s = s.trim();
        if let Some(inner) = s.strip_prefix('<').and_then(|r| r.strip_suffix('>')) {
            let (animated, rest) = match inner.strip_prefix("a:") {
                Some(r) => (true, r),
                None => (false, inner.strip_prefix(':')?),
            };
            let (name, id) = rest.split_once(':')?;
            let id: u64 = id.parse().ok().filter(|&i| i > 0)?;
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            return Some(Emoji::Custom { name: name.to_string(), id, animated });
        }
        // A Unicode emoji is short and has no letters, digits or spaces.
        let ok = !s.is_empty()
            && s.len() <= 64
            && !s.chars().any(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || c.is_control());
        ok.then(|| Emoji::Unicode(s.to_string()))
    }

    /// Whether a reaction (as Discord reports it: a Unicode name, or a custom
    /// emoji id) is this emoji. Variation selectors are ignored.
    pub fn matches(&self, unicode: Option<&str>, custom_id: Option<u64>) -> bool {
        match (self, unicode, custom_id) {
            (Emoji::Unicode(want), Some(got), _) => strip_vs(want) == strip_vs(got),
            (Emoji::Custom { id, .. }, _, Some(got)) => *id == got,
            _ => false,
        }
    }
}

fn strip_vs(s: &str) -> String {
    s.chars().filter(|&c| c != '\u{FE0F}' && c != '\u{FE0E}').collect()
}

impl fmt::Display for Emoji {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Emoji::Unicode(s) => f.write_str(s),
            Emoji::Custom { name, id, animated } => {
                write!(f, "<{}:{name}:{id}>", if *animated { "a" } else { "" })
            }
        }
    }
}

/// A snowflake as written in TOML: an integer, or a string of digits (Discord
/// ids are often copied as strings).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawId {
    Int(i64),
    Str(String),
}

impl RawId {
    /// The id, when it is a positive integer (written as a number or a string).
    fn snowflake(self) -> Option<u64> {
        match self {
            RawId::Int(n) if n > 0 => Some(n as u64),
            RawId::Int(_) => None,
            RawId::Str(s) => s.trim().parse::<u64>().ok().filter(|&n| n > 0),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscord {
    review_channels: Option<Spanned<Vec<Spanned<RawId>>>>,
    manager_roles: Option<Spanned<Vec<Spanned<RawId>>>>,
    approve_emoji: Option<Spanned<String>>,
    reject_emoji: Option<Spanned<String>>,
    allow_overrides: Option<bool>,
    commands: Option<Spanned<String>>,
    catch_up_messages: Option<Spanned<i64>>,
    catch_up_pages: Option<Spanned<i64>>,
    audit_channel: Option<Spanned<RawId>>,
    checkpoint_every_records: Option<Spanned<i64>>,
    checkpoint_every_hours: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttachments {
    max_mb: Option<Spanned<i64>>,
    timeout_secs: Option<Spanned<i64>>,
    concurrency: Option<Spanned<i64>>,
}

// Other top-level tables are left to the tools that share this file; inside
// [discord] and [attachments] every key must be known, so a typo is an
// error, not a default.
#[derive(Debug, Deserialize)]
struct RawBotToml {
    discord: Option<RawDiscord>,
    attachments: Option<RawAttachments>,
}

/// The `[table]` whose keys are at `offset` (the last header before it).
fn table_at(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset.min(text.len()))?;
    before.lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix('[')
            .and_then(|r| r.strip_suffix(']'))
            .filter(|t| !t.starts_with('['))
            .map(|t| t.trim().to_string())
    })
}

impl BotConfig {
    /// Parses `bot.toml`'s text; `file` names it in errors.
    pub fn from_toml(text: &str, file: &str) -> Result<BotConfig, ConfigError> {
        let err = |key: &str, span: Option<std::ops::Range<usize>>, message: String| ConfigError {
            file: file.to_string(),
            key: Some(key.to_string()),
            line: span.map(|s| line_of(text, s.start)),
            message,
        };
        let raw: RawBotToml = toml::from_str(text).map_err(|e| {
            // Keep the message as toml wrote it. toml names the key in backticks for unknown/missing fields; for
            // a value of the wrong type, the key is the one on the error's line.
            let msg = e.message();
            let named = (msg.starts_with("unknown field") || msg.starts_with("missing field"))
                .then(|| msg.split('`').nth(1).map(str::to_string))
                .flatten();
            let on_line = e.span().and_then(|s| key_on_line(text, s.start));
            let table = e.span().and_then(|s| table_at(text, s.start)).unwrap_or_else(|| "discord".into());
            let key = named.or(on_line).map(|k| {
                if k == "discord" || k == "attachments" || k.contains('.') {
                    k
                } else {
                    format!("{table}.{k}")
                }
            });
            ConfigError {
                file: file.to_string(),
                key,
                line: e.span().map(|s| line_of(text, s.start)),
                message: e.message().trim().to_string(),
            }
        })?;
        let Some(d) = raw.discord else {
            return Err(err("discord", None, "missing table [discord]".into()));
        };

        let ids = |key: &str, v: Option<Spanned<Vec<Spanned<RawId>>>>| -> Result<Vec<u64>, ConfigError> {
            let Some(v) = v else {
                return Err(err(key, None, format!("missing key `{key}` (a list of Discord ids)")));
            };
            let span = v.span();
            let list = v.into_inner();
            if list.is_empty() {
                return Err(err(key, Some(span), format!("`{key}` must list at least one Discord id")));
            }
            let mut out = Vec::with_capacity(list.len());
            for (i, id) in list.into_iter().enumerate() {
                let at = id.span();
                let parsed = id.into_inner().snowflake();
                match parsed {
                    Some(n) => out.push(n),
                    None => {
                        return Err(err(
                            &format!("{key}[{i}]"),
                            Some(at),
                            "not a Discord id (a positive integer, e.g. 1234567890123456789)".into(),
                        ))
                    }
                }
            }
            Ok(out)
        };
        let review_channels = ids("discord.review_channels", d.review_channels)?;
        let manager_roles = ids("discord.manager_roles", d.manager_roles)?;

        let emoji = |key: &str, v: Option<Spanned<String>>, default: &str| -> Result<Emoji, ConfigError> {
            match v {
                None => Ok(Emoji::Unicode(default.to_string())),
                Some(s) => Emoji::parse(s.get_ref()).ok_or_else(|| {
                    err(
                        key,
                        Some(s.span()),
                        format!(
                            "{:?} is not an emoji: use a Unicode emoji like \"✅\" or a custom one like \"<:name:id>\"",
                            s.get_ref()
                        ),
                    )
                }),
            }
        };
        let approve_emoji = emoji("discord.approve_emoji", d.approve_emoji, "✅")?;
        let reject_emoji = emoji("discord.reject_emoji", d.reject_emoji, "❌")?;
        if approve_emoji == reject_emoji {
            return Err(err("discord.reject_emoji", None, "must differ from approve_emoji".into()));
        }
        let commands = match d.commands {
            None => CommandScope::Guild,
            Some(s) => match s.get_ref().as_str() {
                "guild" => CommandScope::Guild,
                "global" => CommandScope::Global,
                "off" => CommandScope::Off,
                other => {
                    return Err(err(
                        "discord.commands",
                        Some(s.span()),
                        format!("unknown value {other:?}; expected \"guild\", \"global\" or \"off\""),
                    ))
                }
            },
        };
        let bounded = |key: &str, v: Option<Spanned<i64>>, default: i64, max: i64| -> Result<i64, ConfigError> {
            match v {
                None => Ok(default),
                Some(n) if (0..=max).contains(n.get_ref()) => Ok(*n.get_ref()),
                Some(n) => {
                    Err(err(key, Some(n.span()), format!("{} is out of range: expected 0 to {max}", n.get_ref())))
                }
            }
        };
        let catch_up_messages =
            bounded("discord.catch_up_messages", d.catch_up_messages, DEFAULT_CATCH_UP_MESSAGES.into(), 100)?;
        let catch_up_pages = bounded(
            "discord.catch_up_pages",
            d.catch_up_pages,
            DEFAULT_CATCH_UP_PAGES.into(),
            MAX_CATCH_UP_PAGES.into(),
        )?;
        let audit_channel = match d.audit_channel {
            None => None,
            Some(id) => {
                let at = id.span();
                let parsed = id.into_inner().snowflake();
                match parsed {
                    Some(n) if review_channels.contains(&n) => {
                        return Err(err(
                            "discord.audit_channel",
                            Some(at),
                            "must not be a review channel (checkpoints are not drafts)".into(),
                        ))
                    }
                    Some(n) => Some(n),
                    None => {
                        return Err(err(
                            "discord.audit_channel",
                            Some(at),
                            "not a Discord channel id (a positive integer, e.g. 1234567890123456789)".into(),
                        ))
                    }
                }
            }
        };
        let every = |key: &str, v: &Option<Spanned<i64>>, default: u32, max: i64| -> Result<u32, ConfigError> {
            let n = bounded(key, v.clone(), default.into(), max)?;
            if n < 1 {
                return Err(err(
                    key,
                    v.as_ref().map(|s| s.span()),
                    format!("{n} is out of range: expected 1 to {max}"),
                ));
            }
            Ok(u32::try_from(n).unwrap_or(default))
        };
        let checkpoint_every_records = every(
            "discord.checkpoint_every_records",
            &d.checkpoint_every_records,
            DEFAULT_CHECKPOINT_RECORDS,
            100_000,
        )?;
        let checkpoint_every_hours =
            every("discord.checkpoint_every_hours", &d.checkpoint_every_hours, DEFAULT_CHECKPOINT_HOURS, 24 * 90)?;
        let attachments = match raw.attachments {
            None => AttachmentConfig::default(),
            Some(a) => {
                let d = AttachmentConfig::default();
                let max_mb = bounded("attachments.max_mb", a.max_mb.clone(), (d.max_bytes >> 20) as i64, 500)?;
                let secs =
                    bounded("attachments.timeout_secs", a.timeout_secs.clone(), d.timeout.as_secs() as i64, 600)?;
                let concurrency = bounded("attachments.concurrency", a.concurrency.clone(), d.concurrency as i64, 16)?;
                for (key, v, span) in [
                    ("attachments.max_mb", max_mb, a.max_mb.as_ref().map(|s| s.span())),
                    ("attachments.timeout_secs", secs, a.timeout_secs.as_ref().map(|s| s.span())),
                    ("attachments.concurrency", concurrency, a.concurrency.as_ref().map(|s| s.span())),
                ] {
                    if v < 1 {
                        return Err(err(key, span, format!("{v} is out of range: expected at least 1")));
                    }
                }
                AttachmentConfig {
                    max_bytes: (max_mb as u64) << 20,
                    timeout: std::time::Duration::from_secs(secs as u64),
                    concurrency: concurrency as usize,
                }
            }
        };
        Ok(BotConfig {
            attachments,
            audit_channel,
            checkpoint_every_records,
            checkpoint_every_hours,
            review_channels,
            manager_roles,
            approve_emoji,
            reject_emoji,
            allow_overrides: d.allow_overrides.unwrap_or(false),
            commands,
            // In range by the checks above.
            catch_up_messages: u8::try_from(catch_up_messages).unwrap_or(DEFAULT_CATCH_UP_MESSAGES),
            catch_up_pages: u16::try_from(catch_up_pages).unwrap_or(DEFAULT_CATCH_UP_PAGES),
        })
    }
}

/// The key assigned on the line holding `offset` (`key = value`), if any.
fn key_on_line(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')).then(|| key.to_string())
}

/// Splits `scheme://[user@]host[:port][/…]` into its scheme and host (an
/// IPv6 host keeps its brackets; no port). `None` when it is not such a URL
/// or holds whitespace.
pub fn split_url(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme.is_empty() || url.contains(char::is_whitespace) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or(host_port)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    Some((scheme, host))
}

/// Whether a URL's host is this machine: `localhost`, 127.0.0.0/8 or `[::1]`.
pub fn is_loopback_host(host: &str) -> bool {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether the bot may send its token to a gateway at `url`: `wss://`, or
/// `ws://` on a loopback address (a proxy or a test fake on this machine).
pub fn is_safe_gateway(url: &str) -> bool {
    match split_url(url) {
        Some((scheme, host)) if scheme.eq_ignore_ascii_case("wss") => !host.is_empty(),
        Some((scheme, host)) if scheme.eq_ignore_ascii_case("ws") => is_loopback_host(host),
        _ => false,
    }
}

/// The bot token. Its `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(s: impl Into<String>) -> Token {
        Token(s.into())
    }
    /// The secret itself, for the one place that hands it to serenity.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// The settings that come from the environment (or `.env`).
#[derive(Debug, Clone)]
pub struct Env {
    pub token: Token,
    /// Where the audit log lives: `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// Another base URL for Discord's REST API and gateway discovery (a
    /// rate-limiting proxy, or a test fake). Normalised without a trailing `/`.
    pub api_url: Option<String>,
    /// `SAFETWEET_AUDIT_KEY`: every audit record gets a MAC under it.
    pub audit_key: Option<crate::audit::AuditKey>,
    /// `SAFETWEET_SEAL_KEY`: the public key exact approved texts are sealed to.
    pub seal_key: Option<crate::audit::seal::SealKey>,
}

/// A setting that stops `serve` before it connects. Exit code 2.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    #[error("environment variable {var}: {message}")]
    Env { var: &'static str, message: String },
    #[error("{0}")]
    Config(#[from] ConfigError),
}

impl Env {
    /// Reads the variables through `get` (the process environment in
    /// production, a map in tests). Empty counts as missing.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Env, SetupError> {
        let get = |k: &str| get(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let token = get("DISCORD_TOKEN").ok_or(SetupError::Env {
            var: "DISCORD_TOKEN",
            message: "not set: put the bot token from the Discord developer portal in DISCORD_TOKEN (or .env)".into(),
        })?;
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) && !token.starts_with("Bot ") {
            return Err(SetupError::Env {
                var: "DISCORD_TOKEN",
                message: "contains whitespace; paste the token exactly as the developer portal shows it".into(),
            });
        }
        let database_url = get("DATABASE_URL").ok_or(SetupError::Env {
            var: "DATABASE_URL",
            message: "not set: where the audit log lives, e.g. sqlite://safetweet-audit.db or postgres://user@host/db"
                .into(),
        })?;
        if crate::audit::Backend::of(&database_url).is_none() {
            return Err(SetupError::Env {
                var: "DATABASE_URL",
                message: "expected sqlite://PATH or postgres://…".into(),
            });
        }
        let api_url = match get("DISCORD_API_URL") {
            None => None,
            Some(u) => {
                let u = u.trim_end_matches('/').to_string();
                let bad = |message: &str| SetupError::Env { var: "DISCORD_API_URL", message: message.into() };
                match split_url(&u) {
                    Some((scheme, host)) if scheme.eq_ignore_ascii_case("https") && !host.is_empty() => Some(u),
                    // The token goes in every request's headers: plain HTTP only on this machine.
                    Some((scheme, host)) if scheme.eq_ignore_ascii_case("http") && is_loopback_host(host) => Some(u),
                    Some((scheme, host)) if scheme.eq_ignore_ascii_case("http") && !host.is_empty() => {
                        return Err(bad("plain http:// would send the bot token unencrypted; use https:// \
                             (http:// is accepted only for a loopback address: 127.0.0.1, [::1], localhost)"))
                    }
                    _ => {
                        return Err(bad(
                            "expected a base URL like https://proxy.example:8443 or http://127.0.0.1:8080 \
                             (scheme and host, no path)",
                        ))
                    }
                }
            }
        };
        let audit_key = match get("SAFETWEET_AUDIT_KEY") {
            None => None,
            Some(k) => Some(
                crate::audit::AuditKey::from_secret(&k)
                    .map_err(|message| SetupError::Env { var: "SAFETWEET_AUDIT_KEY", message })?,
            ),
        };
        let seal_key = match get("SAFETWEET_SEAL_KEY") {
            None => None,
            Some(k) => Some(
                crate::audit::seal::SealKey::parse(&k)
                    .map_err(|message| SetupError::Env { var: "SAFETWEET_SEAL_KEY", message })?,
            ),
        };
        Ok(Env { token: Token::new(token), database_url, api_url, audit_key, seal_key })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const GOOD: &str = r#"
[discord]
review_channels = [3000, "3001"]
manager_roles = [4000]
approve_emoji = "✅"
reject_emoji = "❌"
allow_overrides = true
"#;

    #[test]
    fn parses_the_contract_keys() {
        let c = BotConfig::from_toml(GOOD, "bot.toml").unwrap();
        assert_eq!(c.review_channels, vec![3000, 3001]);
        assert_eq!(c.manager_roles, vec![4000]);
        assert_eq!(c.approve_emoji, Emoji::Unicode("✅".into()));
        assert_eq!(c.reject_emoji, Emoji::Unicode("❌".into()));
        assert!(c.allow_overrides);
        assert_eq!(c.commands, CommandScope::Guild);
        assert!(c.is_review_channel(3001) && !c.is_review_channel(4000));
    }

    #[test]
    fn defaults_for_optional_keys() {
        let c = BotConfig::from_toml("[discord]\nreview_channels = [1]\nmanager_roles = [2]\n", "b").unwrap();
        assert!(!c.allow_overrides);
        assert_eq!(c.approve_emoji.to_string(), "✅");
        assert_eq!(c.reject_emoji.to_string(), "❌");
        assert_eq!((c.catch_up_messages, c.catch_up_pages), (DEFAULT_CATCH_UP_MESSAGES, DEFAULT_CATCH_UP_PAGES));
    }

    #[test]
    fn audit_checkpoints_are_off_by_default_and_checked() {
        let base = "[discord]\nreview_channels = [1]\nmanager_roles = [2]\n";
        let c = BotConfig::from_toml(base, "b").unwrap();
        assert_eq!(c.audit_channel, None);
        assert_eq!((c.checkpoint_every_records, c.checkpoint_every_hours), (100, 24));
        let c = BotConfig::from_toml(
            &format!("{base}audit_channel = \"77\"\ncheckpoint_every_records = 5\ncheckpoint_every_hours = 1\n"),
            "b",
        )
        .unwrap();
        assert_eq!((c.audit_channel, c.checkpoint_every_records, c.checkpoint_every_hours), (Some(77), 5, 1));
        for (extra, key) in [
            ("audit_channel = 1", "discord.audit_channel"),
            ("audit_channel = -3", "discord.audit_channel"),
            ("checkpoint_every_records = 0", "discord.checkpoint_every_records"),
            ("checkpoint_every_hours = 100000", "discord.checkpoint_every_hours"),
        ] {
            let e = BotConfig::from_toml(&format!("{base}{extra}\n"), "b").unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key), "{extra}: {e}");
            assert_eq!(e.line, Some(4), "{extra}: {e}");
        }
    }

    #[test]
    fn catch_up_settings_are_bounded_and_named() {
        let base = "[discord]\nreview_channels = [1]\nmanager_roles = [2]\n";
        let c = BotConfig::from_toml(&format!("{base}catch_up_messages = 0\ncatch_up_pages = 3\n"), "b").unwrap();
        assert_eq!((c.catch_up_messages, c.catch_up_pages), (0, 3));
        let c = BotConfig::from_toml(&format!("{base}catch_up_messages = 100\ncatch_up_pages = 0\n"), "b").unwrap();
        assert_eq!((c.catch_up_messages, c.catch_up_pages), (100, 0));
        for (line, key) in [
            ("catch_up_messages = 101", "discord.catch_up_messages"),
            ("catch_up_messages = -1", "discord.catch_up_messages"),
            ("catch_up_pages = 1001", "discord.catch_up_pages"),
            ("catch_up_pages = \"ten\"", "discord.catch_up_pages"),
        ] {
            let e = BotConfig::from_toml(&format!("{base}{line}\n"), "bot.toml").unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key), "{line}: {e}");
            assert_eq!(e.line, Some(4), "{line}: {e}");
        }
    }

    #[test]
    fn attachment_settings_have_defaults_bounds_and_named_errors() {
        let base = "[discord]\nreview_channels = [1]\nmanager_roles = [2]\n";
        let c = BotConfig::from_toml(base, "b").unwrap();
        assert_eq!(c.attachments, AttachmentConfig::default());
        assert_eq!(c.attachments.max_bytes, 25 << 20);
        let c =
            BotConfig::from_toml(&format!("{base}[attachments]\nmax_mb = 8\ntimeout_secs = 5\nconcurrency = 1\n"), "b")
                .unwrap();
        assert_eq!(c.attachments.max_bytes, 8 << 20);
        assert_eq!(c.attachments.timeout, std::time::Duration::from_secs(5));
        assert_eq!(c.attachments.concurrency, 1);
        for (line, key) in [
            ("max_mb = 0", "attachments.max_mb"),
            ("max_mb = 501", "attachments.max_mb"),
            ("timeout_secs = -3", "attachments.timeout_secs"),
            ("concurrency = 17", "attachments.concurrency"),
            ("concurency = 2", "attachments.concurency"),
        ] {
            let e = BotConfig::from_toml(&format!("{base}[attachments]\n{line}\n"), "bot.toml").unwrap_err();
            assert_eq!(e.key.as_deref(), Some(key), "{line}: {e}");
            assert_eq!(e.line, Some(5), "{line}: {e}");
        }
    }

    #[test]
    fn the_shipped_bot_toml_parses() {
        let text = include_str!("../../config/bot.toml");
        BotConfig::from_toml(text, "config/bot.toml").unwrap();
    }

    #[test]
    fn missing_table_is_named() {
        let e = BotConfig::from_toml("", "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord"));
        assert!(e.to_string().starts_with("bot.toml"), "{e}");
    }

    #[test]
    fn missing_review_channels_is_named() {
        let e = BotConfig::from_toml("[discord]\nmanager_roles = [4000]\n", "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.review_channels"));
        assert!(e.to_string().contains("review_channels"), "{e}");
    }

    #[test]
    fn missing_manager_roles_is_named() {
        let e = BotConfig::from_toml("[discord]\nreview_channels = [3000]\n", "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.manager_roles"));
    }

    #[test]
    fn empty_list_is_an_error_with_line() {
        let e = BotConfig::from_toml("[discord]\nreview_channels = []\nmanager_roles = [1]\n", "b").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.review_channels"));
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn bad_id_is_named_with_index_and_line() {
        let t = "[discord]\nreview_channels = [3000]\nmanager_roles = [4000, \"boss\"]\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.manager_roles[1]"));
        assert_eq!(e.line, Some(3));
        let t = "[discord]\nreview_channels = [-5]\nmanager_roles = [4000]\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.review_channels[0]"));
    }

    #[test]
    fn wrong_type_is_named_with_line() {
        let t = "[discord]\nreview_channels = 3000\nmanager_roles = [4000]\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
        assert_eq!(e.key.as_deref(), Some("discord.review_channels"), "{e}");
        assert!(e.to_string().contains("review_channels"), "{e}");
        let t = "[discord]\nreview_channels = [3000]\nmanager_roles = [4000]\nallow_overrides = \"yes\"\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert_eq!(e.line, Some(4), "{e}");
        assert_eq!(e.key.as_deref(), Some("discord.allow_overrides"), "{e}");
    }

    #[test]
    fn unknown_key_is_named() {
        let t = "[discord]\nreview_channels = [3000]\nmanager_roles = [4000]\nmanager_role = [1]\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert!(e.to_string().contains("manager_role"), "{e}");
        assert_eq!(e.line, Some(4));
    }

    #[test]
    fn other_tables_are_left_alone() {
        let t = "[discord]\nreview_channels = [3000]\nmanager_roles = [4000]\n\n[scheduler]\nteam = \"x\"\n";
        assert!(BotConfig::from_toml(t, "bot.toml").is_ok());
        let e = BotConfig::from_toml("[discrod]\nreview_channels = [3000]\n", "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord"));
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            let _ = BotConfig::from_toml(&text, "bot.toml");
            let _ = BotConfig::from_toml(&format!("[discord]\n{text}"), "bot.toml");
            let _ = Emoji::parse(&text);
        }
    }

    #[test]
    fn syntax_error_has_line() {
        let e = BotConfig::from_toml("[discord]\nreview_channels = [3000\n", "bot.toml").unwrap_err();
        assert!(e.line.is_some(), "{e}");
    }

    #[test]
    fn bad_emoji_and_commands_are_named() {
        let t = "[discord]\nreview_channels = [3000]\nmanager_roles = [4000]\napprove_emoji = \"yes\"\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.approve_emoji"));
        assert_eq!(e.line, Some(4));
        let t = "[discord]\nreview_channels = [3000]\nmanager_roles = [4000]\ncommands = \"everywhere\"\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.commands"));
        let t = "[discord]\nreview_channels = [3000]\nmanager_roles = [4000]\napprove_emoji = \"❌\"\n";
        let e = BotConfig::from_toml(t, "bot.toml").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("discord.reject_emoji"));
    }

    #[test]
    fn emoji_forms() {
        assert_eq!(Emoji::parse("<:ok:123>"), Some(Emoji::Custom { name: "ok".into(), id: 123, animated: false }));
        assert_eq!(Emoji::parse("<a:ok:9>"), Some(Emoji::Custom { name: "ok".into(), id: 9, animated: true }));
        assert_eq!(Emoji::parse("<:ok:x>"), None);
        assert_eq!(Emoji::parse(""), None);
        assert_eq!(Emoji::parse("ok"), None);
        let e = Emoji::parse("✅").unwrap();
        assert!(e.matches(Some("✅"), None));
        assert!(e.matches(Some("✅\u{FE0F}"), None));
        assert!(!e.matches(Some("❌"), None));
        assert!(!e.matches(None, Some(5)));
        let c = Emoji::parse("<:ok:123>").unwrap();
        assert!(c.matches(None, Some(123)) && !c.matches(None, Some(124)));
    }

    fn env(pairs: &[(&str, &str)]) -> Result<Env, SetupError> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Env::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn missing_token_names_the_variable() {
        let e = env(&[("DATABASE_URL", "sqlite://x.db")]).unwrap_err();
        assert!(matches!(e, SetupError::Env { var: "DISCORD_TOKEN", .. }));
        assert!(e.to_string().contains("DISCORD_TOKEN"));
        let e = env(&[("DISCORD_TOKEN", "  "), ("DATABASE_URL", "sqlite://x.db")]).unwrap_err();
        assert!(e.to_string().contains("DISCORD_TOKEN"));
    }

    #[test]
    fn missing_or_bad_database_url_names_the_variable() {
        let e = env(&[("DISCORD_TOKEN", "abc")]).unwrap_err();
        assert!(e.to_string().contains("DATABASE_URL"), "{e}");
        let e = env(&[("DISCORD_TOKEN", "abc"), ("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert!(e.to_string().contains("DATABASE_URL"), "{e}");
    }

    #[test]
    fn api_url_is_checked_and_normalised() {
        let ok = env(&[
            ("DISCORD_TOKEN", "abc"),
            ("DATABASE_URL", "sqlite://x.db"),
            ("DISCORD_API_URL", "http://127.0.0.1:9/"),
        ])
        .unwrap();
        assert_eq!(ok.api_url.as_deref(), Some("http://127.0.0.1:9"));
        let e = env(&[("DISCORD_TOKEN", "abc"), ("DATABASE_URL", "sqlite://x.db"), ("DISCORD_API_URL", "127.0.0.1:9")])
            .unwrap_err();
        assert!(e.to_string().contains("DISCORD_API_URL"), "{e}");
        let none = env(&[("DISCORD_TOKEN", "abc"), ("DATABASE_URL", "sqlite://x.db")]).unwrap();
        assert!(none.api_url.is_none());
    }

    #[test]
    fn api_url_must_be_https_unless_loopback() {
        let with = |url: &str| {
            env(&[("DISCORD_TOKEN", "abc"), ("DATABASE_URL", "sqlite://x.db"), ("DISCORD_API_URL", url)])
                .map(|e| e.api_url)
        };
        for ok in [
            "https://proxy.internal:8443",
            "https://discord.com",
            "http://127.0.0.1:9",
            "http://127.8.9.10:9",
            "http://localhost:8080",
            "http://[::1]:8080",
            "HTTP://LOCALHOST",
        ] {
            assert!(with(ok).is_ok(), "{ok}: {:?}", with(ok));
        }
        for bad in
            ["http://proxy.internal:8080", "http://10.0.0.5", "http://localhost.evil.com", "http://127.0.0.1.nip.io"]
        {
            let e = with(bad).unwrap_err().to_string();
            assert!(e.contains("DISCORD_API_URL") && e.contains("https://"), "{bad}: {e}");
        }
        assert!(is_loopback_host("127.0.0.1") && is_loopback_host("[::1]") && is_loopback_host("localhost"));
        assert!(!is_loopback_host("::1x") && !is_loopback_host("128.0.0.1") && !is_loopback_host(""));
        assert!(is_safe_gateway("wss://gateway.discord.gg") && is_safe_gateway("ws://127.0.0.1:4000/ws"));
        assert!(!is_safe_gateway("ws://gateway.discord.gg") && !is_safe_gateway("http://127.0.0.1"));
        assert!(!is_safe_gateway("ws://127.0.0.1@evil.example/ws"), "userinfo is not the host");
    }

    #[test]
    fn an_audit_key_is_optional_but_must_be_long_enough() {
        let base = [("DISCORD_TOKEN", "abc"), ("DATABASE_URL", "sqlite://x.db")];
        assert!(env(&base).unwrap().audit_key.is_none());
        let long = "0123456789abcdef0123456789abcdef";
        let with = |k: &str| env(&[base[0], base[1], ("SAFETWEET_AUDIT_KEY", k)]);
        assert!(with(long).unwrap().audit_key.is_some());
        let e = with("short-key").unwrap_err();
        assert!(matches!(e, SetupError::Env { var: "SAFETWEET_AUDIT_KEY", .. }), "{e}");
        assert!(!e.to_string().contains("short-key"), "{e}");
        assert!(!format!("{:?}", with(long).unwrap()).contains(long));
    }

    #[test]
    fn token_is_never_printed() {
        let e = env(&[("DISCORD_TOKEN", "SECRET-TOKEN-123"), ("DATABASE_URL", "sqlite://x.db")]).unwrap();
        let shown = format!("{e:?}");
        assert!(!shown.contains("SECRET-TOKEN-123"), "{shown}");
        assert_eq!(e.token.expose(), "SECRET-TOKEN-123");
    }
}
