//! `safetweet audit list|show|export|verify|report`: the compliance side of
//! the audit log. Read-only: these commands open an existing store and never
//! append.
//!
//! The database is `--database URL`, else `DATABASE_URL` from the environment,
//! else `DATABASE_URL` from `./.env` (or `--env-file FILE`; never a parent
//! directory's). Exit codes: 0 done (verify: intact),
//! 1 verify or report found a broken chain / show found nothing, 2 usage, config or
//! database errors.

use crate::audit::{
    self, chain, export, AuditError, AuditKey, AuditRecord, Filter, RecordKind, Verification, VerifyOptions,
};
use crate::bot::render::truncate;
use crate::report::printable;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Audit database: sqlite://PATH or postgres://USER@HOST/DB. Default: DATABASE_URL from the environment or .env.
    #[arg(long, global = true, value_name = "URL")]
    pub database: Option<String>,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum AuditCommand {
    /// List records as a table, oldest first.
    List(ListArgs),
    /// A draft's whole history: every record about one Discord message.
    Show(ShowArgs),
    /// Export records for compliance archives (JSON Lines or CSV, RFC 4180).
    Export(ExportArgs),
    /// Walk the whole hash chain: exit 0 with a count when intact, 1 naming the first bad record.
    Verify(VerifyArgs),
    /// Write the review report for a period: one self-contained HTML file (charts and the tables behind them),
    /// and optionally the charts as one PNG.
    Report(ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// From this time on: RFC 3339 (2026-11-01T00:00:00Z) or a UTC date (2026-11-01).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub since: DateTime<Utc>,
    /// Up to this time: RFC 3339, or a UTC date (that whole day included). Default: now.
    #[arg(long, value_name = "DATE", value_parser = parse_until)]
    pub until: Option<DateTime<Utc>>,
    /// Write the HTML report to this file (owner-only, replaced whole once complete).
    #[arg(long, value_name = "FILE", required_unless_present = "png")]
    pub out: Option<PathBuf>,
    /// Also write the charts as one PNG image to this file.
    #[arg(long, value_name = "FILE")]
    pub png: Option<PathBuf>,
}

/// How far before `--since` the report reads the log: a draft decided in
/// the period was submitted at most this long before it (or its time to
/// decision is left out, and counted as such in the report).
pub const REPORT_LOOKBACK_DAYS: u64 = 30;

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// A record noted down earlier (from a previous verify): it must still be there with this hash, so a log
    /// cut after it is noticed. Repeatable.
    #[arg(long = "anchor", value_name = "SEQ:HASH", value_parser = parse_anchor)]
    pub anchors: Vec<(i64, String)>,
}

/// Filters shared by `list` and `export`. Every one narrows.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FilterArgs {
    /// Approvals, overrides, refusals and rejections by this Discord user id.
    #[arg(long, value_name = "ID")]
    pub approver: Option<u64>,
    /// Records about drafts written by this Discord user id.
    #[arg(long, value_name = "ID")]
    pub author: Option<u64>,
    /// Records by this Discord user id, whatever they did.
    #[arg(long, value_name = "ID")]
    pub actor: Option<u64>,
    /// Records about drafts in this channel id.
    #[arg(long, value_name = "ID")]
    pub channel: Option<u64>,
    /// From this time on: RFC 3339 (2026-11-26T09:00:00Z) or a UTC date (2026-11-26).
    #[arg(long, value_name = "DATE", value_parser = parse_since)]
    pub since: Option<DateTime<Utc>>,
    /// Up to this time: RFC 3339, or a UTC date (that whole day included).
    #[arg(long, value_name = "DATE", value_parser = parse_until)]
    pub until: Option<DateTime<Utc>>,
    /// Only this kind: submitted, re-reviewed, approved, approval-refused, rejected, revoked, override.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    pub kind: Option<RecordKind>,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The draft's Discord message id.
    #[arg(value_name = "MESSAGE_ID")]
    pub message_id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: ExportFormat,
    /// Write to this file (replaced whole, only once the export is complete) instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// CSV for spreadsheets: a cell starting with =, +, -, @, tab or CR gets a leading ' so it is never run
    /// as a formula (values are then no longer exactly as stored).
    #[arg(long)]
    pub csv_safe: bool,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// Kinds an approver acts in (`--approver`).
const APPROVER_KINDS: [RecordKind; 4] =
    [RecordKind::Approved, RecordKind::Override, RecordKind::ApprovalRefused, RecordKind::Rejected];

pub async fn run(args: AuditArgs, env_file: Option<&Path>) -> i32 {
    let url = match database_url(args.database, env_file) {
        Ok(url) => url,
        Err(message) => {
            eprintln!("safetweet audit: {message}");
            return 2;
        }
    };
    let store = match audit::open_existing(&url).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("safetweet audit: {}", describe_open_error(&e, &url));
            return 2;
        }
    };
    let result = match args.command {
        AuditCommand::List(a) => list(store.as_ref(), &a.filter).await,
        AuditCommand::Show(a) => show(store.as_ref(), a.message_id).await,
        AuditCommand::Export(a) => export_records(store.as_ref(), &a).await,
        AuditCommand::Verify(a) => match audit_key(env_file) {
            Ok(key) => verify(store.as_ref(), VerifyOptions::full(key, a.anchors)).await,
            Err(message) => {
                eprintln!("safetweet audit verify: {message}");
                return 2;
            }
        },
        AuditCommand::Report(a) => match audit_key(env_file) {
            Ok(key) => report(store.as_ref(), &a, key, Utc::now()).await,
            Err(message) => {
                eprintln!("safetweet audit report: {message}");
                return 2;
            }
        },
    };
    match result {
        Ok(code) => code,
        Err(CliError::Audit(e)) => {
            eprintln!("safetweet audit: {e}");
            2
        }
        Err(CliError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(CliError::Io(e)) => {
            eprintln!("safetweet audit: {e}");
            2
        }
    }
}

#[derive(Debug)]
enum CliError {
    Audit(AuditError),
    Io(std::io::Error),
}

impl From<AuditError> for CliError {
    fn from(e: AuditError) -> Self {
        CliError::Audit(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::Io(e)
    }
}

/// `--database`, else `DATABASE_URL` from the environment, else from
/// `./.env` (or `--env-file`).
pub fn database_url(arg: Option<String>, env_file: Option<&Path>) -> Result<String, String> {
    if let Some(url) = arg.filter(|u| !u.trim().is_empty()) {
        return Ok(url);
    }
    super::load_dotenv("audit", env_file)?;
    match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Ok(url),
        _ => Err("no audit database given: pass --database URL or set DATABASE_URL \
                  (in the environment or .env), e.g. DATABASE_URL=sqlite://safetweet-audit.db"
            .to_string()),
    }
}

/// `SAFETWEET_AUDIT_KEY` from the environment or `./.env` (or `--env-file`):
/// `verify` checks every record's MAC with it when it is set.
fn audit_key(env_file: Option<&Path>) -> Result<Option<AuditKey>, String> {
    super::load_dotenv("audit", env_file)?;
    match std::env::var("SAFETWEET_AUDIT_KEY") {
        Ok(k) if !k.trim().is_empty() => {
            AuditKey::from_secret(&k).map(Some).map_err(|e| format!("SAFETWEET_AUDIT_KEY: {e}"))
        }
        _ => Ok(None),
    }
}

/// `SEQ:HASH`, as `verify` prints them.
fn parse_anchor(s: &str) -> Result<(i64, String), String> {
    let (seq, hash) = s.split_once(':').ok_or("expected SEQ:HASH, e.g. 1234:9f86d081…")?;
    let seq: i64 = seq.trim().parse().ok().filter(|&n| n >= 1).ok_or("SEQ must be a record number (1 or more)")?;
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("HASH must be the record's 64 hex digits".into());
    }
    Ok((seq, hash))
}

fn describe_open_error(e: &AuditError, url: &str) -> String {
    match e {
        AuditError::NotFound(path) => {
            format!("no audit database at {path:?} (the bot creates it on its first record; check --database / DATABASE_URL)")
        }
        AuditError::Database(inner) => format!("cannot open the audit database {}: {inner}", audit::redact_url(url)),
        other => other.to_string(),
    }
}

fn parse_kind(s: &str) -> Result<RecordKind, String> {
    RecordKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = RecordKind::ALL.iter().map(|k| k.as_str()).collect();
        format!("unknown kind {s:?}; expected one of: {}", names.join(", "))
    })
}

/// An RFC 3339 time, or a UTC date standing for `at_time` on that day.
fn parse_time_or_day(s: &str, at_time: NaiveTime) -> Result<DateTime<Utc>, String> {
    if let Some(t) = chain::parse_time(s) {
        return Ok(t);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(|day| day.and_time(at_time).and_utc())
        .map_err(|_| format!("{s:?} is neither an RFC 3339 time (2026-11-26T09:00:00Z) nor a date (2026-11-26)"))
}

fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time_or_day(s, NaiveTime::MIN)
}

/// A date means the whole day: up to its last microsecond (times are kept to microseconds).
fn parse_until(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time_or_day(s, NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).unwrap_or(NaiveTime::MIN))
}

impl FilterArgs {
    fn to_filter(&self) -> Result<Filter, String> {
        let actor = match (self.actor, self.approver) {
            (Some(a), Some(b)) if a != b => return Err("--actor and --approver name different users".into()),
            (a, b) => a.or(b),
        };
        Ok(Filter {
            actor,
            author: self.author,
            channel: self.channel,
            message: None,
            kind: self.kind,
            since: self.since,
            until: self.until,
            limit: None,
        })
    }

    fn keeps(&self, r: &AuditRecord) -> bool {
        self.approver.is_none() || APPROVER_KINDS.contains(&r.record.kind)
    }
}

async fn fetch(store: &dyn audit::AuditStore, args: &FilterArgs) -> Result<Vec<AuditRecord>, CliError> {
    let filter = match args.to_filter() {
        Ok(f) => f,
        Err(message) => return Err(CliError::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, message))),
    };
    let mut records = store.query(&filter).await?;
    records.retain(|r| args.keeps(r));
    Ok(records)
}

async fn list(store: &dyn audit::AuditStore, args: &FilterArgs) -> Result<i32, CliError> {
    let records = fetch(store, args).await?;
    let mut out = std::io::stdout().lock();
    out.write_all(render_table(&records).as_bytes())?;
    out.flush()?;
    eprintln!("{} record{}", records.len(), if records.len() == 1 { "" } else { "s" });
    Ok(0)
}

async fn show(store: &dyn audit::AuditStore, message_id: u64) -> Result<i32, CliError> {
    let records = store.query(&Filter { message: Some(message_id), ..Filter::default() }).await?;
    if records.is_empty() {
        eprintln!("safetweet audit: no records for message {message_id}");
        return Ok(1);
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "message {message_id}: {} record{}", records.len(), if records.len() == 1 { "" } else { "s" })?;
    for r in &records {
        out.write_all(render_record(r).as_bytes())?;
    }
    out.flush()?;
    Ok(0)
}

async fn export_records(store: &dyn audit::AuditStore, args: &ExportArgs) -> Result<i32, CliError> {
    if args.csv_safe && args.format != ExportFormat::Csv {
        eprintln!("safetweet audit export: --csv-safe is for --format csv");
        return Ok(2);
    }
    let records = fetch(store, &args.filter).await?;
    let format = args.format;
    let row = if args.csv_safe { export::csv_row_safe } else { export::csv_row };
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        match format {
            ExportFormat::Jsonl => {
                for r in &records {
                    out.write_all(export::jsonl_line(r).as_bytes())?;
                }
            }
            ExportFormat::Csv => {
                out.write_all(export::csv_header().as_bytes())?;
                for r in &records {
                    out.write_all(row(r).as_bytes())?;
                }
            }
        }
        out.flush()
    };
    match &args.out {
        Some(path) => {
            write_whole(path, write)?;
            eprintln!("exported {} records to {}", records.len(), path.display());
        }
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()))?,
    }
    Ok(0)
}

/// Writes a file completely or not at all: a temp file beside it, synced, then
/// renamed over `path`. The temp file is created new and owner-only (0600):
/// `create_new` never follows a symlink planted under its name (another name
/// is tried instead), and the export, which holds drafts, is not readable by
/// other users.
fn write_whole(path: &Path, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{} is not a file name", path.display()))
    })?;
    let (tmp, file) = create_temp_beside(dir, name)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display())))?;
    let written = (|| {
        let mut file = std::io::BufWriter::new(file);
        write(&mut file)?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written.map_err(|e| std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display())))
}

/// A new owner-only file `.NAME.partial-PID-N` in `dir` (the first free N).
fn create_temp_beside(dir: &Path, name: &std::ffi::OsStr) -> std::io::Result<(PathBuf, std::fs::File)> {
    const TRIES: u32 = 1000;
    for n in 0..TRIES {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".partial-{}-{n}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&tmp) {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free name for the temporary file"))
}

/// `audit report`: reads the period (and [`REPORT_LOOKBACK_DAYS`] before
/// it), walks the whole chain with every check `verify` makes, and writes
/// the HTML (and PNG). A broken chain is shown in the report's header and
/// on stderr, and the exit code is 1, but the report is still written: it
/// is what an officer needs to look into the break.
async fn report(
    store: &dyn audit::AuditStore,
    args: &ReportArgs,
    key: Option<AuditKey>,
    now: DateTime<Utc>,
) -> Result<i32, CliError> {
    let until = args.until.unwrap_or(now);
    if until < args.since {
        eprintln!("safetweet audit report: --until is before --since");
        return Ok(2);
    }
    let period = crate::report::Period { since: args.since, until };
    let read_from = args.since.checked_sub_days(chrono::Days::new(REPORT_LOOKBACK_DAYS)).unwrap_or(args.since);
    let records = store.query(&Filter { since: Some(read_from), until: Some(until), ..Filter::default() }).await?;
    let verification = store.verify_with(&VerifyOptions::full(key, Vec::new())).await?.verification;
    let broken = matches!(verification, Verification::Broken { .. });
    if let Verification::Broken { seq, problem } = &verification {
        eprintln!("safetweet audit report: the audit log is BROKEN at record {seq}: {}", printable(problem));
    }
    let report = crate::report::Report::new(&records, period, now).with_verification(verification);
    if let Some(path) = &args.out {
        let html = report.html();
        write_whole(path, |w| w.write_all(html.as_bytes()))?;
        eprintln!("wrote the report ({} records in the period) to {}", report.records_in_period(), path.display());
    }
    if let Some(path) = &args.png {
        let png = match report.png() {
            Ok(png) => png,
            Err(e) => {
                eprintln!("safetweet audit report: {e}");
                return Ok(2);
            }
        };
        write_whole(path, |w| w.write_all(&png))?;
        eprintln!("wrote the charts to {}", path.display());
    }
    Ok(i32::from(broken))
}

async fn verify(store: &dyn audit::AuditStore, options: VerifyOptions) -> Result<i32, CliError> {
    let keyed = options.key.is_some();
    let anchors = options.anchors.len();
    let report = store.verify_with(&options).await?;
    let mut out = std::io::stdout().lock();
    match report.verification {
        Verification::Intact { records } => {
            write!(out, "audit log intact: {records} record{}", if records == 1 { "" } else { "s" })?;
            if let Some((seq, hash)) = &report.head {
                write!(out, "; last record {seq} has hash {hash}")?;
            }
            writeln!(out)?;
            if anchors > 0 {
                writeln!(out, "anchors: {anchors} checked")?;
            }
            match (keyed, report.authenticated_from, &report.head) {
                (true, Some(1), _) => writeln!(out, "MACs: every record carries a valid SAFETWEET_AUDIT_KEY MAC")?,
                (true, Some(from), _) => writeln!(
                    out,
                    "MACs: records {from} to the last carry a valid SAFETWEET_AUDIT_KEY MAC; records 1 to {} were \
                     written before the key was set",
                    from - 1
                )?,
                (true, None, _) => writeln!(out, "MACs: the log is empty")?,
                (false, _, _) => writeln!(
                    out,
                    "MACs: not checked (set SAFETWEET_AUDIT_KEY to tell the bot's records from inserted ones)"
                )?,
            }
            if let Some((seq, hash)) = &report.head {
                writeln!(out, "note this down outside the database as an anchor: --anchor {seq}:{hash}")?;
            }
            Ok(0)
        }
        Verification::Broken { seq, problem } => {
            writeln!(out, "audit log BROKEN: first bad record is seq {seq}: {problem}")?;
            Ok(1)
        }
    }
}

/// At most `max` characters of `s`, [`printable`].
fn clip(s: &str, max: usize) -> String {
    truncate(&printable(s), max)
}

fn detail(r: &AuditRecord) -> String {
    let n = &r.record;
    match n.kind {
        RecordKind::Submitted | RecordKind::ReReviewed => {
            let verdict = n.verdict.as_deref().unwrap_or("-");
            match n.findings.len() {
                0 => verdict.to_string(),
                k => format!("{verdict}, {k} finding{}", if k == 1 { "" } else { "s" }),
            }
        }
        _ => n.reason.clone().unwrap_or_default(),
    }
}

/// The `list` table: one line per record, columns padded to their widest cell.
pub fn render_table(records: &[AuditRecord]) -> String {
    let header = ["SEQ", "TIME (UTC)", "KIND", "ACTOR", "AUTHOR", "CHANNEL", "MESSAGE", "DETAIL"];
    let rows: Vec<[String; 8]> = records
        .iter()
        .map(|r| {
            let n = &r.record;
            [
                r.seq.to_string(),
                n.time.format("%Y-%m-%d %H:%M:%S").to_string(),
                n.kind.as_str().to_string(),
                format!("{} ({})", clip(&n.actor_name, 24), n.actor_id),
                n.author_id.to_string(),
                n.channel_id.to_string(),
                n.message_id.to_string(),
                clip(&detail(r), 60),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            l.push_str(cell);
            if i + 1 < cells.len() {
                l.extend(std::iter::repeat_n(' ', w.saturating_sub(cell.chars().count())));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    for row in &rows {
        line(row);
    }
    out
}

/// One record in full, for `show`.
pub fn render_record(r: &AuditRecord) -> String {
    let n = &r.record;
    let mut out = format!("\n#{}  {}  {}\n", r.seq, chain::format_time(&n.time), n.kind.as_str());
    let mut field = |name: &str, value: String| out.push_str(&format!("  {name:<10} {value}\n"));
    field("actor", format!("{} ({})", printable(&n.actor_name), n.actor_id));
    let guild = n.guild_id.map_or("-".to_string(), |g| g.to_string());
    field(
        "draft",
        format!("guild {guild}, channel {}, message {}, author {}", n.channel_id, n.message_id, n.author_id),
    );
    field("content", format!("sha256 {}", printable(&n.content_sha256)));
    field("rules", printable(&n.rules_version));
    if let Some(v) = &n.verdict {
        field("verdict", printable(v));
    }
    if !n.findings.is_empty() {
        let f: Vec<String> = n.findings.iter().map(|f| format!("{} ({})", f.rule, f.category)).collect();
        field("findings", printable(&f.join(", ")));
    }
    if !n.roles.is_empty() {
        let roles: Vec<String> = n.roles.iter().map(u64::to_string).collect();
        field("roles", roles.join(", "));
    }
    if let Some(reason) = &n.reason {
        field("reason", printable(reason));
    }
    if let Some(text) = &n.text {
        for (i, l) in text.split('\n').enumerate() {
            field(if i == 0 { "text" } else { "" }, format!("| {}", printable(l)));
        }
    }
    field("hash", r.hash.clone());
    field("prev", r.prev_hash.clone());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_parse_for_filters() {
        assert_eq!(parse_since("2026-11-26").unwrap().to_rfc3339(), "2026-11-26T00:00:00+00:00");
        assert_eq!(chain::format_time(&parse_until("2026-11-26").unwrap()), "2026-11-26T23:59:59.999999Z");
        assert_eq!(parse_since("2026-11-26T10:00:00+02:00").unwrap().to_rfc3339(), "2026-11-26T08:00:00+00:00");
        assert!(parse_since("yesterday").is_err());
        assert!(parse_until("2026-13-01").is_err());
    }

    #[test]
    fn kinds_parse_by_their_export_names() {
        for k in RecordKind::ALL {
            assert_eq!(parse_kind(k.as_str()), Ok(k));
        }
        let err = parse_kind("approve").unwrap_err();
        assert!(err.contains("approval-refused"), "{err}");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(printable("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(printable("Ri\u{202E}yel\u{2066}R\u{2069}"), "Ri\\u{202e}yel\\u{2066}R\\u{2069}");
        assert_eq!(printable("a\u{200B}b\u{2028}c\u{E0041}"), "a\\u{200b}b\\u{2028}c\\u{e0041}");
        assert_eq!(printable("Zoë O'Neil 🎉 مرحبا"), "Zoë O'Neil 🎉 مرحبا", "letters and emoji stay");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("🎉🎉", 4), "🎉🎉");
    }

    /// Issue 9, item 11: the temp file beside the export is created new, so a
    /// symlink planted under its name is never followed.
    #[cfg(unix)]
    #[test]
    fn an_export_never_writes_through_a_planted_symlink() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        // The temp names to be tried first (and the one used before they were created new).
        let pid = std::process::id();
        let planted =
            (0..64).map(|n| format!(".out.jsonl.partial-{pid}-{n}")).chain([format!(".out.jsonl.partial-{pid}")]);
        for name in planted {
            std::os::unix::fs::symlink(&victim, dir.path().join(name)).unwrap();
        }
        let out = dir.path().join("out.jsonl");
        write_whole(&out, |w| w.write_all(b"exported\n")).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "exported\n");
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn anchors_parse_as_verify_prints_them() {
        let hash = "AB".repeat(32);
        assert_eq!(parse_anchor(&format!("12:{hash}")), Ok((12, "ab".repeat(32))));
        for bad in ["12", "0:ab", "x:ab", &format!("12:{}", "a".repeat(63)), &format!("12:{}", "g".repeat(64))] {
            assert!(parse_anchor(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn actor_and_approver_must_agree() {
        let f = FilterArgs { actor: Some(1), approver: Some(2), ..FilterArgs::default() };
        assert!(f.to_filter().is_err());
        let f = FilterArgs { approver: Some(2), ..FilterArgs::default() };
        assert_eq!(f.to_filter().unwrap().actor, Some(2));
    }
}
