//! `safetweet serve [--config DIR]`: runs the Discord bot.
//!
//! Reads `./.env` (or `--env-file`) and the environment (`DISCORD_TOKEN`, `DATABASE_URL`,
//! optional `DISCORD_API_URL`, `SAFETWEET_AUDIT_KEY`, `RUST_LOG`), `DIR/bot.toml` (default
//! `./config/bot.toml`) and `DIR/rules.toml` (the built-in rules when the
//! folder has none), opens the audit log, and hands over to
//! [`crate::bot::serve`] until SIGINT or SIGTERM.
//!
//! Exit codes: 0 after a clean shutdown; 2 for a missing or malformed setting
//! (the message names the variable, or the file, key and line) and for a
//! token or intents Discord rejects; 1 for anything else (Discord or the
//! database unreachable).

use crate::audit::AuditKey;
use crate::bot::{self, Env, ServeError, Settings, SetupError, Stores};
use crate::engine::RuleSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Check the environment, bot.toml and rules.toml, print a summary, and exit without connecting.
    #[arg(long)]
    pub check_config: bool,
}

/// `env_file`: `--env-file`, read instead of `./.env`.
pub async fn run(args: ServeArgs, config: Option<PathBuf>, env_file: Option<&Path>) -> i32 {
    if let Err(e) = super::load_dotenv("serve", env_file) {
        eprintln!("safetweet serve: {e}");
        return 2;
    }
    init_tracing();
    // Listening from here on: a signal during the slow start-up (opening the
    // audit log, the first calls to Discord) is a clean stop, not the
    // default disposition's kill.
    let shutdown = listen_for_shutdown();
    match setup(config.as_deref()) {
        Err(e) => {
            eprintln!("safetweet serve: {e}");
            2
        }
        Ok((settings, database_url, audit_key, rules)) => {
            if args.check_config {
                let a = settings.bot.attachments;
                let inspector = crate::attach::Inspector::from_env(crate::attach::Limits {
                    max_bytes: a.max_bytes,
                    timeout: a.timeout,
                });
                let ocr = match inspector.ocr() {
                    Ok(t) => t.version().to_string(),
                    Err(why) => format!("NOT available ({why}; text in images will be reported as not checked)"),
                };
                println!(
                    "configuration OK: {} review channel(s), {} manager role(s), overrides {}, rules {}, \
                     Discord at {}, attachments up to {} MB / {} s, OCR {ocr}",
                    settings.bot.review_channels.len(),
                    settings.bot.manager_roles.len(),
                    if settings.bot.allow_overrides { "allowed" } else { "not allowed" },
                    rules.version,
                    settings.api_url.as_deref().unwrap_or("https://discord.com"),
                    a.max_bytes >> 20,
                    a.timeout.as_secs(),
                );
                return 0;
            }
            let opened = tokio::select! {
                opened = Stores::open_with_key(&database_url, audit_key) => opened,
                _ = signalled(shutdown.clone()) => {
                    tracing::info!("shut down during start-up (before the audit log was open)");
                    return 0;
                }
            };
            let stores = match opened {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("safetweet serve: cannot open the audit log (DATABASE_URL): {e}");
                    return match e {
                        ServeError::Audit(crate::audit::AuditError::UnsupportedUrl(_)) => 2,
                        _ => 1,
                    };
                }
            };
            match bot::serve(settings, stores, Arc::new(rules), signalled(shutdown)).await {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("safetweet serve: {e}");
                    e.exit_code()
                }
            }
        }
    }
}

/// Reads and checks every setting, in the order a person would fix them:
/// the token, bot.toml, rules.toml, then the other variables.
fn setup(config: Option<&Path>) -> Result<(Settings, String, Option<AuditKey>, RuleSet), SetupError> {
    let env = Env::from_lookup(|k| std::env::var(k).ok());
    if let Err(e @ SetupError::Env { var: "DISCORD_TOKEN", .. }) = &env {
        return Err(e.clone());
    }
    let dir = config.map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("config"));
    let bot_toml = dir.join("bot.toml");
    let name = bot_toml.display().to_string();
    let text = std::fs::read_to_string(&bot_toml).map_err(|e| crate::engine::ConfigError {
        file: name.clone(),
        key: None,
        line: None,
        message: format!(
            "cannot read: {e} (pass --config DIR, a folder with bot.toml; config/bot.toml in the repository is a template)"
        ),
    })?;
    let bot_config = bot::config::BotConfig::from_toml(&text, &name)?;
    let rules = if dir.join("rules.toml").exists() { RuleSet::from_dir(&dir)? } else { RuleSet::builtin()? };
    let env = env?;
    let settings = Settings { token: env.token, api_url: env.api_url, bot: bot_config, seal_key: env.seal_key };
    Ok((settings, env.database_url, env.audit_key, rules))
}

/// Logs to stderr, filtered by RUST_LOG (default `info`). Serenity logs a
/// gateway payload it cannot parse, and request bodies in span fields: those
/// targets are quieted unless RUST_LOG names them, so draft text stays out of
/// the logs. Serenity's spans are held out entirely (see
/// [`keeps_serenity_spans`]): their fields are whole dispatches (a
/// MESSAGE_CREATE with the draft's text), and a warning inside one (e.g.
/// "Sequence off" after a lost dispatch) prints them at the default level.
fn init_tracing() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{filter, fmt, EnvFilter, Layer};
    let spec = std::env::var("RUST_LOG").unwrap_or_default();
    let mut spec = if spec.trim().is_empty() { "info".to_string() } else { spec };
    let spans = keeps_serenity_spans(&spec);
    if !spec.contains("serenity::gateway::ws") {
        spec.push_str(",serenity::gateway::ws=error");
    }
    if !spec.contains("serenity::http") {
        spec.push_str(",serenity::http=warn");
    }
    // sqlx warns of a statement slower than 1 s with the statement in the
    // event: on a loaded disk that is an fsync, not a fault, and SQL text has
    // no place in the default log.
    if !spec.contains("sqlx::query") {
        spec.push_str(",sqlx::query=error");
    }
    let levels = EnvFilter::try_new(&spec).unwrap_or_else(|_| EnvFilter::new("info"));
    let no_serenity_spans = filter::filter_fn(move |meta| spans || !(meta.is_span() && is_serenity(meta.target())));
    let layer = fmt::layer().with_writer(std::io::stderr).with_filter(levels).with_filter(no_serenity_spans);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

fn is_serenity(target: &str) -> bool {
    target == "serenity" || target.starts_with("serenity::")
}

/// Whether serenity's spans are logged: only when RUST_LOG has a directive
/// for the target `serenity` itself (`RUST_LOG=info,serenity=debug`), which
/// is for debugging serenity with test data, never with real drafts. A
/// directive for one of its modules (`serenity::gateway::ws=warn`) does not
/// bring the spans back.
pub fn keeps_serenity_spans(rust_log: &str) -> bool {
    rust_log.split(',').any(|directive| {
        let target = directive.split(['=', '[']).next().unwrap_or("").trim();
        target == "serenity"
    })
}

/// Installs the SIGINT and SIGTERM handlers now (not when the returned
/// flag is first awaited) and sets the flag on the first signal.
fn listen_for_shutdown() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            let (mut int, mut term) = signals;
            let int = async {
                match int.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => {
                        if tokio::signal::ctrl_c().await.is_err() {
                            std::future::pending::<()>().await
                        }
                    }
                }
            };
            let term = async {
                match term.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = int => {},
                _ = term => {},
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await
            }
        }
        tracing::info!("shutdown signal received");
        let _ = tx.send(true);
    });
    rx
}

/// Resolves once the flag from [`listen_for_shutdown`] is set (at once if it is).
async fn signalled(mut flag: tokio::sync::watch::Receiver<bool>) {
    if flag.wait_for(|&set| set).await.is_err() {
        std::future::pending::<()>().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serenity_spans_come_back_only_when_serenity_itself_is_named() {
        assert!(!keeps_serenity_spans("info"));
        assert!(!keeps_serenity_spans("info,serenity::gateway::ws=warn"));
        assert!(!keeps_serenity_spans("serenity::gateway::shard=info"));
        assert!(!keeps_serenity_spans("serenity_like=debug"));
        assert!(keeps_serenity_spans("info,serenity=debug"));
        assert!(keeps_serenity_spans("serenity[handle_event]=trace"));
        assert!(is_serenity("serenity::gateway::shard") && is_serenity("serenity") && !is_serenity("serenityx"));
    }
}
