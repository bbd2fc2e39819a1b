//! `safetweet check` and `safetweet rules`.
//!
//! `check [FILE|-]` reviews one draft (a whole file or stdin); `--jsonl`
//! reviews one JSON draft per line, printing one JSON line per draft in input
//! order, and an `{"line": N, "error": …}` line for a malformed one while the
//! rest go on. Exit codes: 0 every draft reviewed and none blocked, 1 some
//! draft blocked, 2 usage or config error, 3 (`--jsonl`) nothing blocked but
//! some line not reviewed (malformed or over the size limit): a gate that
//! passes on 0 alone never passes a draft nobody reviewed.
//!
//! Attachments: `--attach PATH` (and `"path"` in a JSONL draft's attachment)
//! reads a local file through the attachment adapter ([`crate::attach`]):
//! its real type, DICOM header, EXIF metadata and burned-in text (OCR) are
//! reviewed. `--attach NAME:TYPE` (and attachments without `"path"`) stay
//! metadata only, as before.
//!
//! Size: a draft's text may be at most [`MAX_DRAFT_BYTES`]; a longer one is
//! not reviewed (file and stdin: exit code 2; `--jsonl`: an error line for
//! that draft naming its id, and the rest go on). A `--jsonl` line longer
//! than [`MAX_LINE_BYTES`] is not even parsed.

use crate::attach::{Inspector, Limits};
use crate::engine::{review, Attachment, Category, Draft, Extracted, Identifier, Review, RuleSet, Severity, Verdict};
use serde::Deserialize;
use serde_json::{json, Value};
use std::io::{self, BufRead, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// The most text one draft may hold, in bytes of UTF-8: drafts are posts
/// (280 weighted characters) and blog or newsletter snippets; a Discord
/// message is at most 4,000 characters. Beyond this, `check` refuses the
/// draft rather than spend seconds and megabytes on it.
pub const MAX_DRAFT_BYTES: usize = 64 * 1024;

/// The longest `--jsonl` line read: room for a draft at the limit with every
/// character escaped (`\uXXXX`), plus its attachments.
pub const MAX_LINE_BYTES: usize = 16 * MAX_DRAFT_BYTES;

/// Why a draft was not reviewed: it is over [`MAX_DRAFT_BYTES`].
fn too_long(what: &str, len: Option<usize>) -> String {
    let size = match len {
        Some(n) => format!("{n} bytes long"),
        None => "longer than that".to_string(),
    };
    format!(
        "{what} is not reviewed: a draft may hold at most {MAX_DRAFT_BYTES} bytes (64 KiB) of text and this one is \
         {size}; split it into posts"
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A readable report (colour on a terminal).
    Text,
    /// One JSON object.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The draft to review: a file, or `-` (the default) for standard input.
    pub file: Option<PathBuf>,
    /// Review one JSON draft per line of FILE (or `-`): {"id", "text", "attachments"?}.
    #[arg(long, value_name = "FILE", conflicts_with = "file")]
    pub jsonl: Option<PathBuf>,
    /// Output format for a single draft.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// An attachment: a file to read (PATH: its content is checked: DICOM
    /// header, text in the image, metadata), or FILENAME:CONTENT_TYPE for its
    /// name and type only; repeatable.
    #[arg(long = "attach", value_name = "PATH | FILENAME:CONTENT_TYPE")]
    pub attachments: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Loads the rule set named by `--config`, or the built-in one.
pub fn load_rules(config: Option<&Path>) -> Result<RuleSet, crate::engine::ConfigError> {
    match config {
        Some(dir) => RuleSet::from_dir(dir),
        None => RuleSet::builtin(),
    }
}

/// One input line of `check --jsonl`. Unknown fields are ignored.
#[derive(Debug, Deserialize)]
struct JsonDraft {
    id: String,
    text: String,
    #[serde(default)]
    attachments: Vec<JsonAttachment>,
}

/// An attachment in a JSONL draft: its name and declared type, and
/// optionally a local file to read (relative to the JSONL file's folder).
#[derive(Debug, Deserialize)]
struct JsonAttachment {
    #[serde(default)]
    filename: String,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    path: Option<PathBuf>,
}

/// Reads attachment files for `check`: one [`Inspector`] (Tesseract probed
/// once, on first use), paths resolved against `base`.
pub struct AttachmentFiles {
    base: Option<PathBuf>,
    inspector: Option<Inspector>,
}

impl AttachmentFiles {
    /// `base`: the folder relative paths start from (`None`: the working directory).
    pub fn new(base: Option<PathBuf>) -> AttachmentFiles {
        AttachmentFiles { base, inspector: None }
    }

    fn inspector(&mut self) -> &Inspector {
        self.inspector.get_or_insert_with(|| {
            let i = Inspector::from_env(Limits::default());
            if let Err(why) = i.ocr() {
                eprintln!(
                    "safetweet check: note: no OCR ({why}): text in images is not checked \
                     (install tesseract-ocr and tesseract-ocr-eng; see the README)"
                );
            }
            i
        })
    }

    /// Reads the file at `path`; a file that cannot be read is reported in
    /// the review (content not checked) and on stderr, never dropped.
    pub fn read(&mut self, path: &Path) -> Extracted {
        let full = match &self.base {
            Some(base) if path.is_relative() => base.join(path),
            _ => path.to_path_buf(),
        };
        match self.inspector().inspect_file(&full) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("safetweet check: cannot read attachment {}: {e}", full.display());
                Extracted::not_read(crate::engine::attachments::NotChecked::NotFetched(format!(
                    "cannot read the file: {e}"
                )))
            }
        }
    }

    fn attachment(&mut self, a: JsonAttachment) -> Attachment {
        let Some(path) = a.path else {
            return Attachment { filename: a.filename, content_type: a.content_type, extracted: None };
        };
        let extracted = self.read(&path);
        let filename = if a.filename.is_empty() { file_name(&path) } else { a.filename };
        Attachment { filename, content_type: a.content_type, extracted: Some(extracted) }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The JSON form of a review (the `check --jsonl` contract).
pub fn review_json(id: &str, r: &Review) -> Value {
    let findings: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let mut v = json!({
                "rule": f.rule,
                "category": f.category.as_str(),
                "severity": f.severity.as_str(),
                "start": f.span.map(|s| s.start),
                "end": f.span.map(|s| s.end),
                "message": f.message,
                "suggestion": f.suggestion,
            });
            if let Some(idf) = f.identifier {
                v["identifier"] = json!(idf.label());
            }
            v
        })
        .collect();
    json!({
        "id": id,
        "verdict": r.verdict.as_str(),
        "weighted_length": r.weighted_length,
        "findings": findings,
    })
}

/// [`review_json`]'s text followed by a newline, written straight from the
/// review into `out` (no `Value` built, no serializer in between): what
/// `check --jsonl` writes for every draft, a kilobyte or more of messages
/// each. The fields and their order are those of `review_json`, and strings
/// are escaped as serde_json escapes them ([`push_json_str`]); a test holds
/// the two to the same bytes.
///
/// Most of those bytes are a rule's message and suggestion, the same text
/// for every finding of the rule: `strings` keeps each rule's last message
/// and suggestion with their escaped JSON, and a finding whose text is the
/// same (a comparison, far cheaper than escaping) copies it.
fn write_review_json(out: &mut Vec<u8>, id: &str, r: &Review, strings: &mut EscapedStrings) {
    out.extend_from_slice(b"{\"id\":");
    push_json_str(out, id);
    out.extend_from_slice(b",\"verdict\":");
    push_json_str(out, r.verdict.as_str());
    out.extend_from_slice(b",\"weighted_length\":");
    push_number(out, Some(r.weighted_length));
    out.extend_from_slice(b",\"findings\":[");
    for (i, f) in r.findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let rule = strings.of_rule(&f.rule);
        out.extend_from_slice(rule.head(f.category, f.severity));
        push_number(out, f.span.map(|s| s.start));
        out.extend_from_slice(b",\"end\":");
        push_number(out, f.span.map(|s| s.end));
        out.extend_from_slice(b",\"message\":");
        rule.message.push(out, &f.message);
        out.extend_from_slice(b",\"suggestion\":");
        match &f.suggestion {
            Some(s) => rule.suggestion.push(out, s),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(rule.identifier(f.identifier));
        out.push(b'}');
    }
    out.extend_from_slice(b"]}\n");
}

/// The escaped JSON of strings [`write_review_json`] writes again and
/// again, by rule id: one per reviewing thread, kept across its drafts.
#[derive(Default)]
struct EscapedStrings {
    /// Each rule id's place in `rules` (one hash a finding).
    index: std::collections::HashMap<String, usize, std::hash::BuildHasherDefault<crate::engine::data::Fnv>>,
    rules: Vec<RuleStrings>,
}

/// Rules kept at most: a rule set has a few dozen; past this (never, with
/// the shipped rules) the map starts again rather than grow.
const ESCAPED_RULES_MAX: usize = 4096;

impl EscapedStrings {
    /// The strings kept for `rule`, made (with its id escaped) on first use.
    fn of_rule(&mut self, rule: &str) -> &mut RuleStrings {
        if let Some(&k) = self.index.get(rule) {
            return &mut self.rules[k];
        }
        if self.rules.len() >= ESCAPED_RULES_MAX {
            self.index.clear();
            self.rules.clear();
        }
        let mut id = Vec::new();
        push_json_str(&mut id, rule);
        self.index.insert(rule.to_string(), self.rules.len());
        self.rules.push(RuleStrings { id, ..RuleStrings::default() });
        self.rules.last_mut().expect("pushed above")
    }
}

/// One rule's id as JSON, and what its last finding wrote around it.
#[derive(Default)]
struct RuleStrings {
    /// The rule id, escaped.
    id: Vec<u8>,
    /// The category and severity of `head`.
    head_of: Option<(Category, Severity)>,
    /// `{"rule":…,"category":…,"severity":…,"start":`.
    head: Vec<u8>,
    message: LastEscaped,
    suggestion: LastEscaped,
    /// The identifier of `identifier`.
    identifier_of: Option<Option<Identifier>>,
    /// `,"identifier":…`, or nothing for a finding without one.
    identifier: Vec<u8>,
}

impl RuleStrings {
    /// A finding's JSON from its start up to its `start` value.
    fn head(&mut self, category: Category, severity: Severity) -> &[u8] {
        if self.head_of != Some((category, severity)) {
            self.head_of = Some((category, severity));
            self.head.clear();
            self.head.extend_from_slice(b"{\"rule\":");
            self.head.extend_from_slice(&self.id);
            self.head.extend_from_slice(b",\"category\":");
            push_json_str(&mut self.head, category.as_str());
            self.head.extend_from_slice(b",\"severity\":");
            push_json_str(&mut self.head, severity.as_str());
            self.head.extend_from_slice(b",\"start\":");
        }
        &self.head
    }

    /// A finding's `identifier` field, with its comma, or nothing.
    fn identifier(&mut self, identifier: Option<Identifier>) -> &[u8] {
        if self.identifier_of != Some(identifier) {
            self.identifier_of = Some(identifier);
            self.identifier.clear();
            if let Some(idf) = identifier {
                self.identifier.extend_from_slice(b",\"identifier\":");
                push_json_str(&mut self.identifier, idf.label());
            }
        }
        &self.identifier
    }
}

/// The last string written in one place, and its escaped JSON.
#[derive(Default)]
struct LastEscaped {
    text: String,
    json: Vec<u8>,
}

impl LastEscaped {
    /// Writes `s` as a JSON string: the kept JSON when `s` is the last
    /// string written here, else escaped anew (and kept).
    fn push(&mut self, out: &mut Vec<u8>, s: &str) {
        if self.text != s {
            self.text.clear();
            self.text.push_str(s);
            self.json.clear();
            push_json_str(&mut self.json, s);
        }
        out.extend_from_slice(&self.json);
    }
}

/// A number, or `null`; written by serde_json (its integer formatting, a
/// tenth of the instructions of `write!`'s).
fn push_number(out: &mut Vec<u8>, n: Option<usize>) {
    match n {
        Some(n) => serde_json::to_writer(out, &n).expect("writing to a Vec does not fail"),
        None => out.extend_from_slice(b"null"),
    }
}

/// Which of 8 bytes (a little-endian word) must be escaped in a JSON
/// string, a control byte (below 0x20), `"` or `\`: the high bit of each
/// such byte is set, by the classic "has a byte below n" and "has a zero
/// byte" bit tricks, with bytes of 0x80 and up excluded by `!w`. A borrow
/// can also flag a byte above one that needs escaping, never one below:
/// zero means none does, and the lowest flag is exact.
fn escape_flags(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w;
    let quote = (w ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES) & !(w ^ (ONES * u64::from(b'"')));
    let backslash = (w ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES) & !(w ^ (ONES * u64::from(b'\\')));
    (below_space | quote | backslash) & HIGH
}

/// The first byte of `b` from `from` on that must be escaped in a JSON
/// string, or `b.len()`: 8 bytes at a time, the last few one by one.
fn next_escape(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let flags = escape_flags(u64::from_le_bytes(word.try_into().expect("8 bytes")));
        if flags != 0 {
            return i + flags.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    b[i..].iter().position(|&c| c < 0x20 || c == b'"' || c == b'\\').map_or(b.len(), |k| i + k)
}

/// A JSON string of `s`, escaped as serde_json escapes it: `"` and `\` with
/// a backslash, `\b \f \n \r \t` by name, any other control byte as
/// `\u00xx` (lower-case hex), everything else (DEL, non-ASCII) as it is.
/// The runs between bytes to escape are found 8 bytes at a time
/// ([`next_escape`]) and copied whole.
fn push_json_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = s.as_bytes();
    out.reserve(b.len() + 2);
    out.push(b'"');
    let mut copied = 0;
    loop {
        let i = next_escape(b, copied);
        out.extend_from_slice(&b[copied..i]);
        let Some(&c) = b.get(i) else { break };
        let short = match c {
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0..=0x1f => b'u',
            _ => c, // `"` and `\`
        };
        out.push(b'\\');
        out.push(short);
        if short == b'u' {
            out.extend_from_slice(&[b'0', b'0', HEX[usize::from(c >> 4)], HEX[usize::from(c & 0xf)]]);
        }
        copied = i + 1;
    }
    out.push(b'"');
}

pub fn run_check(args: &CheckArgs, rules: &RuleSet) -> i32 {
    if let Some(path) = &args.jsonl {
        return match open_input(path) {
            Ok(reader) => {
                let stdout = io::stdout();
                let mut out = BufWriter::new(stdout.lock());
                let base = if path.as_os_str() == "-" { None } else { path.parent().map(Path::to_path_buf) };
                let mut files = AttachmentFiles::new(base);
                match check_jsonl_with(reader, rules, &mut out, &mut files) {
                    Ok(tally) => {
                        if let Some(first) = tally.first_not_reviewed {
                            // line numbers only: never the text
                            eprintln!(
                                "safetweet check: {} line(s) not reviewed (first: line {first}); see their \"error\" lines",
                                tally.not_reviewed
                            );
                        }
                        tally.exit_code()
                    }
                    Err(e) => {
                        eprintln!("safetweet check: {e}");
                        2
                    }
                }
            }
            Err(e) => {
                eprintln!("safetweet check: cannot read {}: {e}", path.display());
                2
            }
        };
    }
    let path = args.file.clone().unwrap_or_else(|| PathBuf::from("-"));
    let name = if path.as_os_str() == "-" { "stdin".to_string() } else { path.display().to_string() };
    let mut text = String::new();
    // one byte over the limit is enough to know the draft is too long
    let read = open_input(&path).and_then(|r| r.take(MAX_DRAFT_BYTES as u64 + 1).read_to_string(&mut text));
    if let Err(e) = read {
        eprintln!("safetweet check: cannot read {}: {e}", path.display());
        return 2;
    }
    if text.len() > MAX_DRAFT_BYTES {
        let len = std::fs::metadata(&path).ok().filter(|m| m.is_file()).map(|m| m.len() as usize);
        eprintln!("safetweet check: {}", too_long(&format!("the draft in {name}"), len));
        return 2;
    }
    let mut draft = Draft::new(text);
    let mut files = AttachmentFiles::new(None);
    for a in &args.attachments {
        let as_path = Path::new(a);
        if as_path.is_file() {
            let extracted = files.read(as_path);
            let content_type = extracted.kind.mime().to_string();
            draft.attachments.push(Attachment {
                filename: file_name(as_path),
                content_type,
                extracted: Some(extracted),
            });
            continue;
        }
        let (filename, content_type) = a.split_once(':').unwrap_or((a.as_str(), ""));
        if !a.contains(':') {
            eprintln!("safetweet check: note: no file {a:?}; reviewing the attachment's name only");
        }
        draft = draft.with_attachment(filename, content_type);
    }
    let r = review(&draft, rules);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let res = match args.format {
        Format::Json => writeln!(out, "{}", review_json(&name, &r)),
        Format::Text => out.write_all(render_text(&name, &draft.text, &r, io::stdout().is_terminal()).as_bytes()),
    };
    if let Err(e) = res {
        eprintln!("safetweet check: cannot write output: {e}");
        return 2;
    }
    i32::from(r.verdict == Verdict::Block)
}

fn open_input(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(io::BufReader::new(io::stdin())))
    } else {
        Ok(Box::new(io::BufReader::new(std::fs::File::open(path)?)))
    }
}

/// What a JSONL run did, for the exit code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonlTally {
    /// Drafts reviewed (one output line each).
    pub reviewed: usize,
    /// Of those, blocked.
    pub blocked: usize,
    /// Lines answered with an error line instead of a review (malformed,
    /// not UTF-8, over the size limit); blank lines are not counted.
    pub not_reviewed: usize,
    /// The first such line's number (1-based), for the message on stderr.
    pub first_not_reviewed: Option<usize>,
}

impl JsonlTally {
    /// 1 when a draft was blocked, else 3 when a line was not reviewed, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.blocked > 0 {
            1
        } else if self.not_reviewed > 0 {
            3
        } else {
            0
        }
    }

    fn not_reviewed(&mut self, line_no: usize) {
        self.not_reviewed += 1;
        self.first_not_reviewed.get_or_insert(line_no);
    }
}

/// Reviews a JSONL stream; returns how many drafts were reviewed, blocked
/// and not reviewed. A malformed line is reported in place and the rest go
/// on. Attachment paths are relative to the working directory.
pub fn check_jsonl(reader: impl BufRead + Send, rules: &RuleSet, out: &mut impl Write) -> io::Result<JsonlTally> {
    check_jsonl_with(reader, rules, out, &mut AttachmentFiles::new(None))
}

/// Lines read ahead of the output at most: bounds memory (a line is at most
/// [`MAX_LINE_BYTES`]) while keeping every reviewing thread busy.
const LINES_IN_FLIGHT: usize = 128;

/// Permits the writing thread owes the reader before it hands them back, all
/// at once: the reader, waiting for room, is woken once per this many
/// answers instead of once per answer. Fewer than [`LINES_IN_FLIGHT`], so
/// the reader always has room for a line.
const PERMITS_AT_ONCE: usize = 16;

/// What the pipeline of [`check_jsonl_with`] tells its writing thread.
enum Event {
    /// The reader's next line: its number, whether it was read whole (not
    /// over [`MAX_LINE_BYTES`]) and its bytes; `None` at the end.
    Line(io::Result<Option<(usize, bool, Vec<u8>)>>),
    /// Reviewed drafts.
    Reviewed(Vec<Answer>),
}

/// A reviewed draft: its place in the output, and whether it was blocked and
/// its JSON line, or the panic that stopped its review.
type Answer = (usize, std::thread::Result<(bool, Vec<u8>)>);

/// How many threads review drafts: one per core, at most 8.
fn review_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8)
}

/// [`check_jsonl`] reading attachment files through `files`.
///
/// Drafts are reviewed on one thread per core, and the output keeps input
/// order: one thread reads lines, the calling thread parses them, reads
/// their attachment files and writes each line's answer as soon as it and
/// every answer before it are ready, so a program that writes one draft and
/// waits for its answer gets it (nothing waits for a batch to fill).
///
/// Waking a sleeping thread costs more than a short review on a small
/// machine (kernel time and a context switch), so the threads hand work on
/// in bunches where nobody waits for it: a reviewing thread keeps its
/// answers while more drafts are queued for it (up to a few, see
/// `answers_at_once`) and sends them all when the queue runs dry or the
/// bunch is full, and the writer hands the reader its permits back
/// [`PERMITS_AT_ONCE`] at a time. A draft that arrives alone is answered
/// alone, at once.
pub fn check_jsonl_with(
    reader: impl BufRead + Send,
    rules: &RuleSet,
    out: &mut impl Write,
    files: &mut AttachmentFiles,
) -> io::Result<JsonlTally> {
    use std::collections::VecDeque;
    use std::sync::mpsc::{self, TryRecvError};
    use std::sync::{Arc, Mutex, TryLockError};

    let threads = review_threads();
    // answers a reviewing thread holds back at most: every thread's bunch
    // together stays well under the lines in flight
    let answers_at_once = (LINES_IN_FLIGHT / (4 * threads)).clamp(1, 16);
    let mut tally = JsonlTally::default();
    std::thread::scope(|scope| {
        let (events, inbox) = mpsc::channel::<Event>();
        // one permit per line in flight: the reader takes one before each
        // line and the writer gives it back once that line is answered
        let (give_permit, take_permit) = mpsc::sync_channel::<()>(LINES_IN_FLIGHT);
        for _ in 0..LINES_IN_FLIGHT {
            give_permit.send(()).expect("the permit channel holds them all");
        }
        let line_events = events.clone();
        scope.spawn(move || {
            let mut reader = reader;
            let mut buf = Vec::new();
            let mut line_no = 0usize;
            // stops when the writer has gone (no permit comes) or at the end
            while take_permit.recv().is_ok() {
                buf.clear();
                let next = read_line_capped(&mut reader, &mut buf, MAX_LINE_BYTES).map(|read| {
                    read.map(|whole| {
                        line_no += 1;
                        (line_no, whole, std::mem::take(&mut buf))
                    })
                });
                let last = !matches!(next, Ok(Some(_)));
                if line_events.send(Event::Line(next)).is_err() || last {
                    break;
                }
            }
        });
        let (jobs, job_queue) = mpsc::channel::<(usize, String, Draft)>();
        let job_queue = Arc::new(Mutex::new(job_queue));
        for _ in 0..threads {
            let job_queue = Arc::clone(&job_queue);
            let done = events.clone();
            scope.spawn(move || {
                let mut answers = Vec::with_capacity(answers_at_once);
                let mut strings = EscapedStrings::default();
                loop {
                    // the next job if one is queued; if none is, the answers
                    // held back go now (someone may be waiting for them)
                    // and this thread waits for one (the lock is held only
                    // while taking or waiting for a job)
                    // (a queue another thread holds is one it waits on, so
                    // it is empty: never wait for the lock holding answers,
                    // or the writer may wait for them while the reader
                    // waits for room and nobody sends a job)
                    let queued = match job_queue.try_lock() {
                        Ok(q) => q.try_recv(),
                        Err(TryLockError::WouldBlock) => Err(TryRecvError::Empty),
                        Err(TryLockError::Poisoned(_)) => Err(TryRecvError::Disconnected),
                    };
                    let job = match queued {
                        Ok(job) => job,
                        Err(_) => {
                            if !answers.is_empty() && done.send(Event::Reviewed(std::mem::take(&mut answers))).is_err()
                            {
                                break;
                            }
                            let next = job_queue.lock().map_err(|_| ()).and_then(|q| q.recv().map_err(|_| ()));
                            let Ok(job) = next else { break };
                            job
                        }
                    };
                    let (place, id, draft) = job;
                    // a panic (a bug) goes to the writing thread, which raises it
                    // again, instead of leaving it waiting for this answer
                    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let r = review(&draft, rules);
                        let mut line = Vec::with_capacity(1024);
                        write_review_json(&mut line, &id, &r, &mut strings);
                        (r.verdict == Verdict::Block, line)
                    }));
                    let failed = answer.is_err();
                    answers.push((place, answer));
                    if (failed || answers.len() >= answers_at_once)
                        && done.send(Event::Reviewed(std::mem::take(&mut answers))).is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(events);

        // answers not yet written, from the next one to write on
        let mut ready: VecDeque<Option<Vec<u8>>> = VecDeque::new();
        let mut written = 0usize;
        let mut reviewing = 0usize;
        let mut reading = true;
        // permits earned by written answers, not yet handed back
        let mut owed = 0usize;
        while reading || reviewing > 0 {
            let Ok(event) = inbox.recv() else { break };
            match event {
                Event::Line(Err(e)) => return Err(e),
                Event::Line(Ok(None)) => reading = false,
                Event::Line(Ok(Some((line_no, whole, bytes)))) => match parse_line(line_no, whole, &bytes, files) {
                    // a blank line: nothing to answer, its permit is owed now
                    Parsed::Blank => owed += 1,
                    Parsed::Error(answer) => {
                        tally.not_reviewed(line_no);
                        ready.push_back(Some(answer));
                    }
                    Parsed::Draft(id, draft) => {
                        // its place in the output; the answer fills it later
                        // (the workers only stop when this function returns)
                        jobs.send((written + ready.len(), id, draft)).expect("a reviewing thread is waiting");
                        ready.push_back(None);
                        reviewing += 1;
                    }
                },
                Event::Reviewed(answers) => {
                    for (place, answer) in answers {
                        let (blocked, line) = answer.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                        reviewing -= 1;
                        tally.reviewed += 1;
                        tally.blocked += usize::from(blocked);
                        ready[place - written] = Some(line);
                    }
                }
            }
            let mut wrote = false;
            while ready.front().is_some_and(Option::is_some) {
                let line = ready.pop_front().flatten().expect("checked above");
                out.write_all(&line)?;
                written += 1;
                wrote = true;
                owed += 1;
            }
            if owed >= PERMITS_AT_ONCE || (owed > 0 && ready.is_empty()) {
                // everything read is answered, or a bunch is earned: the
                // reader may be waiting for room
                for _ in 0..std::mem::take(&mut owed) {
                    let _ = give_permit.send(());
                }
            }
            if wrote && ready.is_empty() {
                // everything read so far is answered: show it now, the next
                // line may be a while coming
                out.flush()?;
            }
        }
        drop(jobs);
        out.flush()?;
        Ok(tally)
    })
}

/// One `--jsonl` line, parsed.
enum Parsed {
    /// Nothing to answer.
    Blank,
    /// Not reviewed: the error line that answers it.
    Error(Vec<u8>),
    /// A draft to review, with its id.
    Draft(String, Draft),
}

fn parse_line(line_no: usize, whole: bool, bytes: &[u8], files: &mut AttachmentFiles) -> Parsed {
    let error = |v: Value| Parsed::Error(format!("{v}\n").into_bytes());
    if !whole {
        let error_text = format!(
            "line is over {MAX_LINE_BYTES} bytes and was not read: a draft may hold at most {MAX_DRAFT_BYTES} bytes \
             (64 KiB) of text"
        );
        return error(json!({"line": line_no, "error": error_text}));
    }
    let line = match std::str::from_utf8(bytes) {
        Ok(s) => s.trim(),
        Err(e) => return error(json!({"line": line_no, "error": format!("not UTF-8: {e}")})),
    };
    if line.is_empty() {
        return Parsed::Blank;
    }
    match serde_json::from_str::<JsonDraft>(line) {
        Ok(d) if d.text.len() > MAX_DRAFT_BYTES => {
            let error_text = too_long(&format!("draft {:?}", d.id), Some(d.text.len()));
            error(json!({"line": line_no, "id": d.id, "error": error_text}))
        }
        Ok(d) => {
            let attachments = d.attachments.into_iter().map(|a| files.attachment(a)).collect();
            Parsed::Draft(d.id, Draft { text: d.text, attachments })
        }
        Err(e) => error(json!({"line": line_no, "error": format!("malformed draft: {e}")})),
    }
}

/// How `safetweet run` without a token shows the sample drafts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleOutput {
    /// The readable report `check` prints, in colour, one block per draft
    /// and a summary line: for a person at a terminal.
    Text,
    /// One JSON line per draft (the `check --jsonl` contract): for a pipe.
    Jsonl,
}

impl SampleOutput {
    /// Text on a terminal, JSON lines when stdout is piped or redirected.
    pub fn for_stdout(is_terminal: bool) -> SampleOutput {
        if is_terminal {
            SampleOutput::Text
        } else {
            SampleOutput::Jsonl
        }
    }
}

/// Reviews the sample drafts (JSONL, as shipped in `samples/drafts.jsonl`)
/// and writes them as `format` says; returns how many were blocked.
pub fn review_samples(jsonl: &str, rules: &RuleSet, format: SampleOutput, out: &mut impl Write) -> io::Result<usize> {
    if format == SampleOutput::Jsonl {
        return check_jsonl(jsonl.as_bytes(), rules, out).map(|t| t.blocked);
    }
    let colour = true;
    let paint = |code: &str, s: String| if colour { format!("\x1b[{code}m{s}\x1b[0m") } else { s };
    let (mut blocked, mut revise, mut ok) = (0usize, 0usize, 0usize);
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let d: JsonDraft = match serde_json::from_str(line) {
            Ok(d) => d,
            Err(e) => {
                writeln!(out, "line {}: malformed draft: {e}\n", i + 1)?;
                continue;
            }
        };
        let mut draft = Draft::new(d.text);
        for a in d.attachments {
            draft = draft.with_attachment(&a.filename, &a.content_type);
        }
        let r = review(&draft, rules);
        match r.verdict {
            Verdict::Block => blocked += 1,
            Verdict::Revise => revise += 1,
            Verdict::Ok => ok += 1,
        }
        out.write_all(render_text(&d.id, &draft.text, &r, colour).as_bytes())?;
        writeln!(out)?;
    }
    let total = blocked + revise + ok;
    writeln!(
        out,
        "{total} sample drafts: {}, {}, {}",
        paint("1;31", format!("{blocked} blocked")),
        paint("1;33", format!("{revise} to revise")),
        paint("1;32", format!("{ok} ok"))
    )?;
    writeln!(
        out,
        "Review your own: safetweet check draft.txt (or --jsonl FILE). Piped, this prints one JSON line per draft."
    )?;
    out.flush()?;
    Ok(blocked)
}

/// Reads one line (up to and including `\n`) into `buf`, keeping at most
/// `cap` bytes of it: `None` at the end of the input, `Some(false)` when the
/// line was longer (the rest of it is read and dropped, never held). The
/// newline is looked for by the standard library's `read_until` (a word at
/// a time), at most `cap` bytes ahead.
fn read_line_capped(reader: &mut impl BufRead, buf: &mut Vec<u8>, cap: usize) -> io::Result<Option<bool>> {
    let room = cap.saturating_sub(buf.len());
    let read = (&mut *reader).take(room as u64).read_until(b'\n', buf)?;
    if read > 0 && (buf.last() == Some(&b'\n') || read < room) {
        // a whole line, or the input's last line ending before the room did
        return Ok(Some(true));
    }
    // the room is full (or there was none) and no newline yet: whole if the
    // input ends here, else too long
    let at_end = loop {
        match reader.fill_buf() {
            Ok(rest) => break rest.is_empty(),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    if at_end {
        return Ok((read > 0).then_some(true));
    }
    buf.clear();
    reader.skip_until(b'\n')?;
    Ok(Some(false))
}

/// Line and column (1-based, in characters) of byte offsets into a text,
/// found in one pass over it however many offsets are asked (a report with
/// thousands of findings in a long draft does not rescan it per finding).
fn line_cols(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let mut out = vec![(1, 1); offsets.len()];
    let (mut line, mut col) = (1usize, 1usize);
    let mut chars = text.char_indices().peekable();
    for i in order {
        let offset = offsets[i].min(text.len());
        while let Some(&(at, c)) = chars.peek() {
            if at >= offset {
                break;
            }
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
            chars.next();
        }
        out[i] = (line, col);
    }
    out
}

/// The readable report for one draft.
pub fn render_text(name: &str, text: &str, r: &Review, colour: bool) -> String {
    let paint = |code: &str, s: &str| if colour { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() };
    let verdict = match r.verdict {
        Verdict::Block => paint("1;31", "BLOCK"),
        Verdict::Revise => paint("1;33", "REVISE"),
        Verdict::Ok => paint("1;32", "OK"),
    };
    let mut s = format!("{name}: {verdict} (weighted length {}/280)\n", r.weighted_length);
    if r.findings.is_empty() {
        s.push_str("  no findings\n");
    }
    let starts: Vec<usize> = r.findings.iter().filter_map(|f| f.span.map(|sp| sp.start)).collect();
    let mut places = line_cols(text, &starts).into_iter();
    for f in &r.findings {
        let sev = match f.severity {
            Severity::Error => paint("31", "error  "),
            Severity::Warning => paint("33", "warning"),
            Severity::Info => paint("36", "info   "),
        };
        let at = match f.span.and_then(|_| places.next()) {
            Some((l, c)) => format!("{l}:{c}"),
            None => "-".to_string(),
        };
        s.push_str(&format!("  {sev} {:<28} {:>6}  {}\n", f.rule, at, f.message));
        if let Some(sug) = &f.suggestion {
            s.push_str(&format!("  {:>44}{}\n", "→ ", sug));
        }
    }
    s
}

pub fn run_rules(args: &RulesArgs, rules: &RuleSet) -> i32 {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let res = match args.format {
        Format::Json => {
            let v: Vec<Value> = rules
                .rules()
                .iter()
                .map(|r| {
                    json!({
                        "id": r.id,
                        "category": r.category.as_str(),
                        "severity": r.severity.map(|s| s.as_str()).unwrap_or("off"),
                        "default_severity": r.default_severity.as_str(),
                        "source": match r.source { crate::engine::registry::RuleSource::Code => "code", crate::engine::registry::RuleSource::Lexicon => "lexicon" },
                        "what": r.what, "why": r.why, "example": r.example,
                    })
                })
                .collect();
            writeln!(out, "{}", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Text => {
            let mut s = format!("rules version {}\n\n", rules.version);
            for r in rules.rules() {
                let level = r.severity.map(|s| s.as_str()).unwrap_or("off");
                s.push_str(&format!("{} [{}, {}]\n", r.id, r.category, level));
                s.push_str(&format!("  What: {}\n  Why: {}\n  Example: {}\n\n", r.what, r.why, r.example));
            }
            out.write_all(s.as_bytes())
        }
    };
    if res.is_err() {
        return 2;
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_line_is_reported_and_rest_go_on() {
        let rules = RuleSet::builtin().unwrap();
        let input = "{\"id\":\"a\",\"text\":\"hello\"}\nnot json\n\n{\"id\":\"b\",\"text\":\"x\",\"extra\":1}\n";
        let mut out = Vec::new();
        let tally = check_jsonl(input.as_bytes(), &rules, &mut out).unwrap();
        assert_eq!(
            tally,
            JsonlTally { reviewed: 2, blocked: 0, not_reviewed: 1, first_not_reviewed: Some(2) },
            "the blank line is neither"
        );
        assert_eq!(tally.exit_code(), 3, "nothing blocked, but a line went unreviewed");
        let lines: Vec<Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["id"], "a");
        assert_eq!(lines[1]["line"], 2);
        assert!(lines[1]["error"].as_str().unwrap().contains("malformed"));
        assert_eq!(lines[2]["id"], "b");
    }

    /// Many more lines than may be in flight, of very different lengths:
    /// the reviewing threads hold answers back while drafts are queued for
    /// them, and the reader waits for room; neither may leave the other
    /// waiting for good. Bounded: a stall fails the test instead of hanging.
    #[test]
    fn a_long_stream_is_answered_to_the_end() {
        let mut input = String::new();
        for i in 0..(12 * LINES_IN_FLIGHT) {
            let text = match i % 4 {
                0 => "Flu shots today!".to_string(),
                1 => "Call Ana Ruiz at 555-201-8834 about her results. ".repeat(20),
                2 => "@kay stop the lisinopril".to_string(),
                _ => "Heart health tip: walk after meals. ".repeat(5),
            };
            input.push_str(&serde_json::to_string(&json!({"id": format!("d{i}"), "text": text})).unwrap());
            input.push('\n');
        }
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rules = RuleSet::builtin().unwrap();
            let mut out = Vec::new();
            let tally = check_jsonl(input.as_bytes(), &rules, &mut out).unwrap();
            let _ = tx.send((tally.reviewed, out));
        });
        let (reviewed, out) =
            rx.recv_timeout(std::time::Duration::from_secs(120)).expect("every line answered in time");
        assert_eq!(reviewed, 12 * LINES_IN_FLIGHT);
        let ids: Vec<String> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = (0..12 * LINES_IN_FLIGHT).map(|i| format!("d{i}")).collect();
        assert_eq!(ids, want, "in input order");
    }

    #[test]
    fn drafts_reviewed_in_parallel_are_answered_in_input_order() {
        // drafts of very different lengths (a long one takes longer, so
        // answers come back out of order) among bad and blank lines: the
        // output is what reviewing them one by one gives, line for line
        let rules = RuleSet::builtin().unwrap();
        let mut input = String::new();
        let mut expected = Vec::new();
        let mut reviewed = 0;
        for i in 0..300 {
            match i % 7 {
                3 => {
                    input.push_str("{\"id\": 1\n");
                    expected.push(None);
                }
                5 => {
                    input.push_str("   \n");
                }
                k => {
                    let text = format!("Call Ana Ruiz at 555-201-88{:02} ", i % 100).repeat(1 + (k * 37 + i) % 40);
                    input.push_str(&format!("{}\n", json!({"id": format!("d{i}"), "text": text})));
                    let mut line = Vec::new();
                    let r = review(&Draft::new(text), &rules);
                    write_review_json(&mut line, &format!("d{i}"), &r, &mut EscapedStrings::default());
                    expected.push(Some(line));
                    reviewed += 1;
                }
            }
        }
        let mut out = Vec::new();
        let tally = check_jsonl(input.as_bytes(), &rules, &mut out).unwrap();
        assert_eq!(tally.reviewed, reviewed);
        assert_eq!(tally.blocked, reviewed, "every draft names a patient's phone");
        assert_eq!(tally.first_not_reviewed, Some(4));
        let out = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), expected.len(), "one answer per line that is not blank");
        for (got, want) in lines.iter().zip(&expected) {
            match want {
                Some(want) => assert_eq!(format!("{got}\n").as_bytes(), &want[..]),
                None => assert!(got.contains("malformed draft"), "{got}"),
            }
        }
    }

    #[test]
    fn each_draft_is_answered_before_the_next_line_comes() {
        // a program that writes one draft and waits for its answer: each
        // answer must come without the next line (or the end of input)
        use std::sync::mpsc;
        use std::time::Duration;
        struct Lines {
            rx: mpsc::Receiver<Vec<u8>>,
            buf: Vec<u8>,
            at: usize,
        }
        impl Read for Lines {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = self.fill_buf()?.len().min(out.len());
                out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
                self.consume(n);
                Ok(n)
            }
        }
        impl BufRead for Lines {
            fn fill_buf(&mut self) -> io::Result<&[u8]> {
                if self.at == self.buf.len() {
                    // blocks until the next line; an empty slice at the end
                    self.buf = self.rx.recv().unwrap_or_default();
                    self.at = 0;
                }
                Ok(&self.buf[self.at..])
            }
            fn consume(&mut self, n: usize) {
                self.at += n;
            }
        }
        struct Answers(mpsc::Sender<Vec<u8>>, Vec<u8>);
        impl Write for Answers {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.1.extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                if !self.1.is_empty() {
                    let _ = self.0.send(std::mem::take(&mut self.1));
                }
                Ok(())
            }
        }
        let (send_line, lines) = mpsc::channel();
        let (answers, answer) = mpsc::channel();
        let checker = std::thread::spawn(move || {
            let rules = RuleSet::builtin_without_model().unwrap();
            let reader = Lines { rx: lines, buf: Vec::new(), at: 0 };
            check_jsonl(reader, &rules, &mut Answers(answers, Vec::new())).unwrap()
        });
        for i in 0..3 {
            send_line
                .send(format!("{}\n", json!({"id": format!("d{i}"), "text": "Flu shots today!"})).into_bytes())
                .unwrap();
            let got = answer.recv_timeout(Duration::from_secs(30)).expect("the answer came before the next line");
            let got: Value = serde_json::from_slice(&got).unwrap();
            assert_eq!(got["id"], format!("d{i}"));
        }
        drop(send_line);
        assert_eq!(checker.join().unwrap().reviewed, 3);
    }

    #[test]
    fn samples_are_text_on_a_terminal_and_json_lines_when_piped() {
        assert_eq!(SampleOutput::for_stdout(true), SampleOutput::Text);
        assert_eq!(SampleOutput::for_stdout(false), SampleOutput::Jsonl);
        let rules = RuleSet::builtin().unwrap();
        let samples =
            "{\"id\":\"a\",\"text\":\"Call me at 555-201-8834\"}\n{\"id\":\"b\",\"text\":\"Tip: drink water.\"}\n";
        let mut text = Vec::new();
        assert_eq!(review_samples(samples, &rules, SampleOutput::Text, &mut text).unwrap(), 1);
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("a: \x1b[1;31mBLOCK\x1b[0m"), "{text}");
        assert!(text.contains("\nb: "), "one block per draft: {text}");
        assert!(text.contains("2 sample drafts: \x1b[1;31m1 blocked"), "{text}");
        assert!(!text.contains("555-201-8834"), "identifiers stay masked: {text}");
        let mut json = Vec::new();
        assert_eq!(review_samples(samples, &rules, SampleOutput::Jsonl, &mut json).unwrap(), 1);
        let lines: Vec<Value> =
            String::from_utf8(json).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["verdict"], "block");
    }

    #[test]
    fn exit_code_puts_blocked_before_unreviewed() {
        let t = |blocked, not_reviewed| JsonlTally { reviewed: 5, blocked, not_reviewed, first_not_reviewed: None };
        assert_eq!(t(0, 0).exit_code(), 0);
        assert_eq!(t(2, 0).exit_code(), 1);
        assert_eq!(t(2, 1).exit_code(), 1);
        assert_eq!(t(0, 1).exit_code(), 3);
    }

    #[test]
    fn the_jsonl_writer_writes_review_json() {
        let rules = RuleSet::builtin().unwrap();
        for text in [
            "Patient DOB 04/12/1961, MRN 00482913, called \"Ana\" at 555-201-8834 \u{1F389}: https://bit.ly/3xYz12",
            "Flu shots today!",
            "",
        ] {
            let r = review(&Draft::new(text), &rules);
            let mut out = Vec::new();
            write_review_json(&mut out, "id \"1\"", &r, &mut EscapedStrings::default());
            assert_eq!(String::from_utf8(out).unwrap(), format!("{}\n", review_json("id \"1\"", &r)));
        }
    }

    proptest::proptest! {
        /// Any string, escaped by hand, is what serde_json makes of it:
        /// quotes, backslashes, every control byte, DEL, non-ASCII, and runs
        /// long enough for the 8-byte skip to start, stop and start again.
        #[test]
        fn strings_are_escaped_as_serde_json_escapes_them(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::string::string_regex("[ -~]{0,20}").unwrap(),
                    proptest::string::string_regex("[\\x00-\\x1f\\x7f\"\\\\]{1,3}").unwrap(),
                    proptest::string::string_regex("[é→🎉\\u{200B}]{1,3}").unwrap(),
                ],
                0..12,
            )
        ) {
            let s: String = parts.concat();
            let mut out = Vec::new();
            push_json_str(&mut out, &s);
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&s).unwrap());
        }

        /// Whole reviews of drafts built from pieces with many findings
        /// (quotes in ids, control bytes, no suggestion, no span) come out
        /// as `review_json` prints them.
        #[test]
        fn the_jsonl_writer_agrees_with_review_json_on_any_draft(
            pieces in proptest::collection::vec(0usize..8, 0..8),
            id in "[ -~\\t]{0,12}",
        ) {
            const PIECES: &[&str] = &[
                "Patient DOB 04/12/1961, MRN 00482913 ",
                "call \"Ana\" at 555-201-8834 ",
                "\u{1F389} https://bit.ly/3xYz12 ",
                "@jdavis22 stop taking the lisinopril ",
                "cures fatigue, guaranteed!\t",
                "#a #b #c #d ",
                "tab\there\\ back ",
                "Flu shots today! ",
            ];
            static RULES: std::sync::LazyLock<RuleSet> = std::sync::LazyLock::new(|| RuleSet::builtin().unwrap());
            let text: String = pieces.iter().map(|&k| PIECES[k]).collect();
            let r = review(&Draft::new(text), &RULES);
            let mut out = Vec::new();
            // one set of kept strings across the cases, as a reviewing
            // thread keeps them across its drafts
            thread_local!(static STRINGS: std::cell::RefCell<EscapedStrings> = Default::default());
            STRINGS.with_borrow_mut(|strings| write_review_json(&mut out, &id, &r, strings));
            proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), format!("{}\n", review_json(&id, &r)));
        }
    }

    /// [`read_line_capped`] as first written: the newline looked for a byte
    /// at a time in each chunk the reader holds.
    fn read_line_capped_reference(
        reader: &mut impl BufRead,
        buf: &mut Vec<u8>,
        cap: usize,
    ) -> io::Result<Option<bool>> {
        let mut read_any = false;
        let mut whole = true;
        loop {
            let chunk = match reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(read_any.then_some(whole));
            }
            read_any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if whole && buf.len() + take <= cap {
                buf.extend_from_slice(&chunk[..take]);
            } else {
                whole = false;
                buf.clear();
            }
            reader.consume(take);
            if done {
                return Ok(Some(whole));
            }
        }
    }

    proptest::proptest! {
        /// Lines of any length around the cap (with and without a last
        /// newline, blank ones, reader buffers smaller and larger than a
        /// line, something already in the buffer) are read as the
        /// reference reads them: the same answers, bytes and rest.
        #[test]
        fn lines_are_read_as_the_reference_reads_them(
            lines in proptest::collection::vec(proptest::string::string_regex("[ab\n]{0,12}").unwrap(), 0..6),
            cap in 0usize..10,
            capacity in 1usize..16,
            prefix in 0usize..3,
        ) {
            let input: String = lines.concat();
            let mut ours = io::BufReader::with_capacity(capacity, input.as_bytes());
            let mut theirs = io::BufReader::with_capacity(capacity, input.as_bytes());
            let (mut a, mut b) = (vec![b'x'; prefix], vec![b'x'; prefix]);
            loop {
                let got = read_line_capped(&mut ours, &mut a, cap).unwrap();
                let want = read_line_capped_reference(&mut theirs, &mut b, cap).unwrap();
                proptest::prop_assert_eq!(got, want);
                proptest::prop_assert_eq!(&a, &b);
                if got.is_none() {
                    break;
                }
                a.clear();
                b.clear();
            }
        }
    }

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_cols("ab\ncé d", &[7]), [(2, 4)]);
        assert_eq!(line_cols("ab\ncé d", &[7, 0, 3, 2, 99]), [(2, 4), (1, 1), (2, 1), (1, 3), (2, 5)]);
    }

    #[test]
    fn report_places_every_finding_of_a_long_draft() {
        // the report of a draft at the limit full of phone numbers: one line
        // per finding, each at its own column
        let rules = RuleSet::builtin_without_model().unwrap();
        let text = "Call 555-201-8834 ".repeat(MAX_DRAFT_BYTES / 18);
        let r = review(&Draft::new(text.clone()), &rules);
        assert_eq!(r.findings.iter().filter(|f| f.rule == "phi.phone").count(), MAX_DRAFT_BYTES / 18);
        let report = render_text("d", &text, &r, false);
        let last = (MAX_DRAFT_BYTES / 18 - 1) * 18 + 6;
        assert!(report.contains(&format!("1:{last} ")), "the last number's column");
        assert!(!report.contains("555-201"), "masked");
    }

    #[test]
    fn long_lines_are_refused_without_being_held() {
        let big = format!("{{\"id\": \"big\", \"text\": \"{}\"}}\n", "a".repeat(MAX_LINE_BYTES));
        let input = format!("{big}{{\"id\": \"ok\", \"text\": \"hello there\"}}\n");
        let rules = RuleSet::builtin_without_model().unwrap();
        let mut out = Vec::new();
        check_jsonl(io::BufReader::with_capacity(4096, input.as_bytes()), &rules, &mut out).unwrap();
        let lines: Vec<Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["line"], 1);
        assert!(lines[0]["error"].as_str().unwrap().contains("over 1048576 bytes"), "{}", lines[0]);
        assert_eq!(lines[1]["id"], "ok");
        assert_eq!(lines[1]["verdict"], "ok");
    }

    #[test]
    fn drafts_over_the_limit_get_an_error_line_naming_them() {
        let rules = RuleSet::builtin_without_model().unwrap();
        let at = "a ".repeat(MAX_DRAFT_BYTES / 2);
        let over = format!("{at}b");
        let input = format!(
            "{}\n{}\n{}\n",
            json!({"id": "at-limit", "text": at}),
            json!({"id": "one-over", "text": over}),
            json!({"id": "after", "text": "hello"})
        );
        let mut out = Vec::new();
        check_jsonl(input.as_bytes(), &rules, &mut out).unwrap();
        let lines: Vec<Value> =
            String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["id"], "at-limit");
        assert!(lines[0]["verdict"].is_string(), "a draft at the limit is reviewed");
        assert_eq!(lines[1]["id"], "one-over");
        assert_eq!(lines[1]["line"], 2);
        let error = lines[1]["error"].as_str().unwrap();
        assert!(error.contains("\"one-over\"") && error.contains("65536 bytes") && error.contains("65537"), "{error}");
        assert!(lines[1].get("verdict").is_none());
        assert_eq!(lines[2]["id"], "after");
    }
}
