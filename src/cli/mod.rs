//! Command-line front ends. Each subcommand returns its exit code; usage and
//! config errors are exit code 2.

pub mod audit;
pub mod check;
pub mod serve;
pub mod train;

/// Loads the settings file into the environment (variables already set
/// win): `--env-file FILE` when given, else `.env` in the working directory
/// and nowhere else (never a parent directory: a `.env` higher up could
/// point `DISCORD_API_URL` or `DATABASE_URL` elsewhere).
///
/// A missing `./.env` is fine; one that does not parse or cannot be read is
/// reported on stderr, never echoing a line (it holds secrets), and ignored.
/// A `--env-file` that cannot be read or parsed is an error (exit code 2).
pub fn load_dotenv(command: &str, env_file: Option<&std::path::Path>) -> Result<(), String> {
    let path = env_file.unwrap_or(std::path::Path::new(".env"));
    let problem = match dotenvy::from_path(path) {
        Ok(()) => return Ok(()),
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound && env_file.is_none() => return Ok(()),
        Err(dotenvy::Error::LineParse(_, index)) => format!("it does not parse (at character {index})"),
        Err(dotenvy::Error::Io(e)) => format!("it cannot be read ({})", e.kind()),
        Err(_) => "it cannot be read".to_string(),
    };
    match env_file {
        Some(p) => Err(format!("--env-file {}: {problem}", p.display())),
        None => {
            eprintln!("safetweet {command}: ignoring .env: {problem}");
            Ok(())
        }
    }
}
