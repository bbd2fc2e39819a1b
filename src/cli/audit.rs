//! (being written) `safetweet audit …`.

#[derive(Debug, clap::Args)]
pub struct AuditArgs {}

pub async fn run(_args: AuditArgs) -> i32 {
    eprintln!("safetweet audit: not built yet");
    2
}
