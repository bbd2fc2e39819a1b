//! Command-line front ends. Each subcommand returns its exit code; usage and
//! config errors are exit code 2.

pub mod audit;
pub mod check;
pub mod serve;
pub mod train;

/// Loads `.env` from the working directory into the environment (variables
/// already set win). A missing file is fine; one that does not parse or
/// cannot be read is reported on stderr, never echoing a line (it holds
/// secrets), and ignored.
pub fn load_dotenv(command: &str) {
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(dotenvy::Error::LineParse(_, index)) => {
            eprintln!("safetweet {command}: ignoring .env: it does not parse (at character {index})")
        }
        Err(_) => eprintln!("safetweet {command}: ignoring .env: it cannot be read"),
    }
}
