//! The `safetweet` command: see `safetweet --help`.

use clap::{Parser, Subcommand};
use safetweet::cli::{audit, check, serve, train};
use std::path::PathBuf;
use std::process::ExitCode;

/// Draft review for healthcare social media teams: PHI, patient references,
/// clinical advice, claims, links, hashtags and length, with a Discord bot for
/// manager approval and a tamper-evident audit log.
#[derive(Debug, Parser)]
#[command(name = "safetweet", version, about, long_about = None)]
struct Cli {
    /// Load rules.toml (and bot.toml) from this folder instead of the built-in defaults.
    #[arg(long, global = true, value_name = "DIR")]
    config: Option<PathBuf>,
    /// Read settings (DISCORD_TOKEN, DATABASE_URL, …) from this file instead of ./.env.
    #[arg(long, global = true, value_name = "FILE")]
    env_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Review a draft (a file or stdin), or one JSON draft per line with --jsonl.
    Check(check::CheckArgs),
    /// List the active rules with What / Why / Example.
    Rules(check::RulesArgs),
    /// Query, export and verify the audit log.
    Audit(audit::AuditArgs),
    /// Run the Discord bot (needs DISCORD_TOKEN).
    Serve(serve::ServeArgs),
    /// Run the bot when DISCORD_TOKEN is set; otherwise review the sample drafts offline.
    Run(serve::ServeArgs),
    /// Train the learned classifier on data/train/ (writes config/model.bin and model-card.json).
    Train(train::TrainArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        use clap::CommandFactory;
        let _ = Cli::command().print_help();
        println!();
        return ExitCode::SUCCESS;
    };
    let code = match command {
        Command::Check(args) => with_rules(cli.config.as_deref(), |rules| check::run_check(&args, rules)),
        Command::Rules(args) => with_rules(cli.config.as_deref(), |rules| check::run_rules(&args, rules)),
        Command::Train(args) => match safetweet::engine::RuleSet::without_model(cli.config.as_deref()) {
            Ok(rules) => train::run_train(&args, &rules),
            Err(e) => {
                eprintln!("safetweet: {e}");
                2
            }
        },
        Command::Audit(args) => runtime().map_or(2, |rt| rt.block_on(audit::run(args, cli.env_file.as_deref()))),
        Command::Serve(args) => {
            runtime().map_or(2, |rt| rt.block_on(serve::run(args, cli.config, cli.env_file.as_deref())))
        }
        Command::Run(args) => {
            if let Err(e) = safetweet::cli::load_dotenv("run", cli.env_file.as_deref()) {
                eprintln!("safetweet run: {e}");
                return ExitCode::from(2);
            }
            if std::env::var_os("DISCORD_TOKEN").is_some_and(|t| !t.is_empty()) {
                runtime().map_or(2, |rt| rt.block_on(serve::run(args, cli.config, cli.env_file.as_deref())))
            } else {
                with_rules(cli.config.as_deref(), |rules| {
                    eprintln!(
                        "safetweet: DISCORD_TOKEN is not set, so the bot is not started; \
                         reviewing the built-in sample drafts offline instead (see README)."
                    );
                    use std::io::IsTerminal;
                    let stdout = std::io::stdout();
                    let format = check::SampleOutput::for_stdout(stdout.is_terminal());
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    match check::review_samples(SAMPLE_DRAFTS, rules, format, &mut out) {
                        Ok(_) => 0,
                        Err(e) => {
                            eprintln!("safetweet: {e}");
                            2
                        }
                    }
                })
            }
        }
    };
    ExitCode::from(code.clamp(0, 255) as u8)
}

/// Runs `f` with the rule set `--config` names (or the built-in one); a config
/// error is reported and is exit code 2.
fn with_rules(config: Option<&std::path::Path>, f: impl FnOnce(&safetweet::engine::RuleSet) -> i32) -> i32 {
    match check::load_rules(config) {
        Ok(rules) => f(&rules),
        Err(e) => {
            eprintln!("safetweet: {e}");
            2
        }
    }
}

/// The sample drafts shipped with the repository, for the offline demo.
const SAMPLE_DRAFTS: &str = include_str!("../samples/drafts.jsonl");

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("safetweet: cannot start the async runtime: {e}");
            None
        }
    }
}
