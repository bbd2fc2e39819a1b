//! Shared pieces of the end-to-end tests: the loopback fake Discord
//! ([`fake_discord`]) and a harness that runs the real `safetweet` binary
//! against it with its own temp dir, config folder and SQLite audit file.
//!
//! Everything here waits with a bound and panics with what it saw when the
//! bound runs out; nothing sleeps and hopes.
#![allow(dead_code)]

pub mod fake_discord;
pub mod fixtures;

use fake_discord::FakeDiscord;
use safetweet::audit::{AuditRecord, AuditStore, Filter, RecordKind};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The review channel, the manager role and the guild the default bot.toml names.
pub const REVIEW_CHANNEL: u64 = 3000;
pub const MANAGER_ROLE: u64 = 4000;
pub const APPROVE: &str = "✅";
pub const REJECT: &str = "❌";

/// A token distinctive enough to search the bot's output for.
pub const TOKEN: &str = "MTAwMA.fake-token.Zq9xSECRETxK7pLw";

pub const DEFAULT_BOT_TOML: &str = r#"[discord]
review_channels = [3000]
manager_roles = [4000]
approve_emoji = "✅"
reject_emoji = "❌"
allow_overrides = false
"#;

/// One test's world: a temp dir with `config/` (bot.toml + rules.toml) and
/// `audit.db`, and the environment the bot runs with.
pub struct BotEnv {
    pub dir: tempfile::TempDir,
    pub config_dir: PathBuf,
    pub db_url: String,
    runs: std::sync::atomic::AtomicUsize,
}

impl BotEnv {
    pub fn new() -> BotEnv {
        Self::with_bot_toml(DEFAULT_BOT_TOML)
    }

    pub fn with_bot_toml(bot_toml: &str) -> BotEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        let config_dir = dir.path().join("config");
        std::fs::create_dir_all(&config_dir).expect("config dir");
        std::fs::write(config_dir.join("bot.toml"), bot_toml).expect("write bot.toml");
        let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/rules.toml");
        std::fs::copy(&rules, config_dir.join("rules.toml")).expect("copy rules.toml");
        let db_url = format!("sqlite://{}", dir.path().join("audit.db").display());
        BotEnv { dir, config_dir, db_url, runs: Default::default() }
    }

    fn command(&self, env: &[(&str, Option<&str>)], args: &[&str]) -> (tokio::process::Command, PathBuf, PathBuf) {
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out_path = self.dir.path().join(format!("run-{n}.stdout"));
        let err_path = self.dir.path().join(format!("run-{n}.stderr"));
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_safetweet"));
        cmd.args(args)
            .current_dir(self.dir.path()) // no stray .env from the repository
            .env_remove("DISCORD_TOKEN")
            .env_remove("DISCORD_API_URL")
            .env_remove("DATABASE_URL")
            // serenity's gateway warnings (a dropped dispatch) are held back by the
            // bot's default filter because they print payloads; the tests want them.
            .env("RUST_LOG", "info,serenity::gateway::ws=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out_path).expect("stdout file"))
            .stderr(std::fs::File::create(&err_path).expect("stderr file"))
            .kill_on_drop(true);
        for (k, v) in env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        (cmd, out_path, err_path)
    }

    /// Starts `safetweet serve --config DIR` against the fake.
    pub fn spawn(&self, fake: &FakeDiscord) -> BotProcess {
        self.spawn_with(fake, &[])
    }

    pub fn spawn_with(&self, fake: &FakeDiscord, extra_env: &[(&str, Option<&str>)]) -> BotProcess {
        let base = fake.base_url();
        let mut env: Vec<(&str, Option<&str>)> = vec![
            ("DISCORD_TOKEN", Some(fake.token())),
            ("DISCORD_API_URL", Some(base.as_str())),
            ("DATABASE_URL", Some(self.db_url.as_str())),
        ];
        env.extend_from_slice(extra_env);
        let config = self.config_dir.display().to_string();
        let (mut cmd, stdout, stderr) = self.command(&env, &["serve", "--config", &config]);
        let child = cmd.spawn().expect("spawn safetweet serve");
        BotProcess { child, stdout, stderr }
    }

    /// Runs `safetweet ARGS` with `env` to completion (bounded) and returns
    /// (exit code, stdout, stderr).
    pub async fn run(
        &self,
        env: &[(&str, Option<&str>)],
        args: &[&str],
        within: Duration,
    ) -> (Option<i32>, String, String) {
        let (mut cmd, stdout, stderr) = self.command(env, args);
        let mut child = cmd.spawn().expect("spawn safetweet");
        let status = match tokio::time::timeout(within, child.wait()).await {
            Ok(status) => status.expect("wait"),
            Err(_) => {
                let _ = child.kill().await;
                panic!(
                    "safetweet {args:?} did not exit within {within:?}\nstderr:\n{}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
        };
        (status.code(), read(&stdout), read(&stderr))
    }

    /// `safetweet audit verify --database URL`.
    pub async fn audit_verify(&self) -> (Option<i32>, String, String) {
        self.run(&[], &["audit", "verify", "--database", &self.db_url], Duration::from_secs(30)).await
    }

    /// Opens the audit store the bot writes, waiting (bounded) for the bot to
    /// have created it.
    pub async fn audit(&self) -> Audit {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            match safetweet::audit::open_existing(&self.db_url).await {
                Ok(store) => return Audit { store },
                Err(e) if tokio::time::Instant::now() >= deadline => panic!("the bot's audit store: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

/// The running bot. Killed when dropped.
pub struct BotProcess {
    child: tokio::process::Child,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl BotProcess {
    /// stdout + stderr so far.
    pub fn output(&self) -> String {
        format!("{}{}", read(&self.stdout), read(&self.stderr))
    }

    pub fn stderr_text(&self) -> String {
        read(&self.stderr)
    }

    /// The bot's exit status if it has exited already.
    pub fn try_exit(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Waits (bounded) for the bot to exit by itself.
    pub async fn wait_exit(&mut self, within: Duration) -> ExitStatus {
        match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => status.expect("wait"),
            Err(_) => panic!("the bot did not exit within {within:?}\n{}", self.output()),
        }
    }

    /// SIGTERM, then a bounded wait for a graceful exit.
    pub async fn terminate(&mut self, within: Duration) -> ExitStatus {
        let pid = self.child.id().expect("bot still running");
        let status = std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().expect("kill");
        assert!(status.success(), "kill -TERM {pid} failed");
        self.wait_exit(within).await
    }

    /// Panics when the bot's output shows the token or any of `secrets`
    /// (draft text, identifiers).
    /// Also panics when serenity dropped a dispatch it could not parse, or
    /// the bot panicked.
    pub fn assert_output_free_of(&self, secrets: &[&str]) {
        let out = self.output();
        assert!(!out.contains("Err deserializing"), "serenity dropped a dispatch:\n{out}");
        assert!(!out.contains("panicked"), "the bot panicked:\n{out}");
        assert!(!out.contains(TOKEN), "the Discord token appears in the bot's output:\n{out}");
        for s in secrets {
            assert!(!out.contains(s), "the bot's output contains {s:?}:\n{out}");
        }
    }
}

/// Read access to the bot's audit store.
pub struct Audit {
    pub store: Arc<dyn AuditStore>,
}

impl Audit {
    pub async fn records(&self, filter: Filter) -> Vec<AuditRecord> {
        self.store.query(&filter).await.expect("query audit store")
    }

    pub async fn for_message(&self, message: u64) -> Vec<AuditRecord> {
        self.records(Filter { message: Some(message), ..Filter::default() }).await
    }

    /// Polls (bounded) until `message` has at least `n` records of `kind`.
    pub async fn wait_for(&self, message: u64, kind: RecordKind, n: usize, within: Duration) -> Vec<AuditRecord> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let hits: Vec<AuditRecord> =
                self.for_message(message).await.into_iter().filter(|r| r.record.kind == kind).collect();
            if hits.len() >= n {
                return hits;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "audit: no {n} {:?} record(s) for message {message} within {within:?}; it has: {:?}",
                    kind.as_str(),
                    self.for_message(message).await.iter().map(|r| r.record.kind.as_str()).collect::<Vec<_>>()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// People in the test guild.
pub mod people {
    use super::fake_discord::Person;
    use super::MANAGER_ROLE;

    pub fn author() -> Person {
        Person::new(5001, "Riley", &[])
    }
    pub fn other_staff() -> Person {
        Person::new(5002, "Sam", &[4100])
    }
    pub fn manager() -> Person {
        Person::new(5003, "Dana", &[MANAGER_ROLE])
    }
    /// A manager who also writes drafts (for the self-approval case).
    pub fn manager_author() -> Person {
        Person::new(5004, "Morgan", &[MANAGER_ROLE])
    }
}
