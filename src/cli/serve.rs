//! (being written) `safetweet serve`.

#[derive(Debug, clap::Args)]
pub struct ServeArgs {}

pub async fn run(_args: ServeArgs, _config: Option<std::path::PathBuf>) -> i32 {
    eprintln!("safetweet serve: not built yet");
    2
}
