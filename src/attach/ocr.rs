//! OCR of burned-in text with Tesseract 5, run as a subprocess (`tesseract
//! stdin stdout … tsv`) with a deadline: past it the process is killed.
//!
//! Screenshots and films need more than one reading: corner text on a grey
//! film reads with the default page segmentation, light text on a black
//! monitor screen only with `--psm 11` (sparse text), and some dark images
//! read better inverted. Each image is read in a few ways ([`PASSES`]) and
//! the reading with the most confidently read characters is kept.
//!
//! Tesseract gets an 8-bit grey PGM on stdin: the adapter decodes every
//! format itself, so damaged files are told apart from empty readings and
//! the pixels can be inverted or scaled. `OMP_THREAD_LIMIT=1` keeps each run
//! on one core; concurrency is the caller's (a semaphore in the bot).

use image::GrayImage;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A Tesseract found on this machine, with English data.
#[derive(Debug, Clone)]
pub struct Tesseract {
    program: PathBuf,
    version: String,
}

/// One way of reading an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub invert: bool,
    /// Tesseract's page segmentation mode: 3 automatic, 11 sparse text.
    pub psm: u8,
}

/// The readings tried, in order. A pass starts only while the deadline
/// allows; the best finished reading is kept. The inverted pass runs only
/// on mostly dark images (light text on dark: films, monitors), where
/// dark-on-light is what Tesseract was trained on.
pub const PASSES: &[Pass] =
    &[Pass { invert: false, psm: 3 }, Pass { invert: false, psm: 11 }, Pass { invert: true, psm: 11 }];

/// Text read from an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub text: String,
    /// Characters in words read with confidence (what "reads best" means).
    pub score: usize,
    /// The deadline stopped some passes: other text may have been missed.
    pub partly: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcrError {
    TimedOut,
    Failed(String),
}

/// Words read with less confidence than this (0-100) are left out.
const MIN_WORD_CONF: f32 = 30.0;
/// Words at least this confident count toward a reading's score.
const SCORE_CONF: f32 = 60.0;
/// Images are scaled so their longer side is at least / at most this.
const MIN_SIDE: u32 = 1000;
const MAX_SIDE: u32 = 3000;

impl Tesseract {
    /// Checks that `program` runs and has the English data (`eng`).
    pub fn probe(program: &Path) -> Result<Tesseract, String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let version = run(program, &["--version"], &[], deadline)
            .map_err(|e| match e {
                RunError::Spawn(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    format!("{} not found", program.display())
                }
                e => format!("{} does not run: {e}", program.display()),
            })?
            .stdout;
        let version = String::from_utf8_lossy(&version).lines().next().unwrap_or("tesseract").trim().to_string();
        let langs = run(program, &["--list-langs"], &[], deadline)
            .map_err(|e| format!("{} --list-langs failed: {e}", program.display()))?;
        let langs = String::from_utf8_lossy(&langs.stdout).into_owned() + &String::from_utf8_lossy(&langs.stderr);
        if !langs.lines().any(|l| l.trim() == "eng") {
            return Err(format!("{version} has no English data (install tesseract-ocr-eng)"));
        }
        Ok(Tesseract { program: program.to_path_buf(), version })
    }

    /// "tesseract 5.3.0".
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Reads the text in `img` in every pass the deadline allows, keeping
    /// the reading that reads best.
    pub fn read(&self, img: &GrayImage, deadline: Instant) -> Result<Reading, OcrError> {
        let img = prepare(img);
        let dark = mean(&img) < 110;
        let mut best: Option<Reading> = None;
        let mut failed = None;
        let mut cut = false;
        for pass in PASSES.iter().filter(|p| dark || !p.invert) {
            if Instant::now() >= deadline {
                cut = true;
                break;
            }
            let mut view = img.clone();
            if pass.invert {
                image::imageops::invert(&mut view);
            }
            match self.read_once(&view, pass.psm, deadline) {
                Ok(r) => {
                    if best.as_ref().is_none_or(|b| r.score > b.score) {
                        best = Some(r);
                    }
                }
                Err(OcrError::TimedOut) => {
                    cut = true;
                    break;
                }
                Err(e) => failed = Some(e),
            }
        }
        match (best, failed) {
            (Some(mut b), _) => {
                b.partly = cut;
                Ok(b)
            }
            (None, _) if cut => Err(OcrError::TimedOut),
            (None, Some(e)) => Err(e),
            (None, None) => Err(OcrError::Failed("no reading".into())),
        }
    }

    /// One run of Tesseract on an 8-bit grey image.
    pub fn read_once(&self, img: &GrayImage, psm: u8, deadline: Instant) -> Result<Reading, OcrError> {
        let mut pgm = format!("P5\n{} {}\n255\n", img.width(), img.height()).into_bytes();
        pgm.extend_from_slice(img.as_raw());
        let psm = psm.to_string();
        let args = ["stdin", "stdout", "--psm", psm.as_str(), "--dpi", "300", "-l", "eng", "tsv"];
        match run(&self.program, &args, &pgm, deadline) {
            Ok(out) if out.success => Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout))),
            Ok(out) => {
                let err = String::from_utf8_lossy(&out.stderr);
                let line =
                    err.lines().find(|l| !l.trim().is_empty() && !l.contains("Warning")).unwrap_or("exit status");
                Err(OcrError::Failed(line.chars().take(120).collect()))
            }
            Err(RunError::TimedOut) => Err(OcrError::TimedOut),
            Err(e) => Err(OcrError::Failed(e.to_string())),
        }
    }
}

fn mean(img: &GrayImage) -> u64 {
    let raw = img.as_raw();
    raw.iter().map(|&p| u64::from(p)).sum::<u64>() / (raw.len() as u64).max(1)
}

/// Scales small images up (Tesseract wants letters 20+ pixels high; corner
/// text on a 512-pixel film is smaller) and very large ones down.
fn prepare(img: &GrayImage) -> GrayImage {
    let (w, h) = img.dimensions();
    let side = w.max(h).max(1);
    let scale = if side < MIN_SIDE {
        (f64::from(MIN_SIDE) / f64::from(side)).min(4.0)
    } else if side > MAX_SIDE {
        f64::from(MAX_SIDE) / f64::from(side)
    } else {
        return img.clone();
    };
    let nw = ((f64::from(w) * scale).round() as u32).max(1);
    let nh = ((f64::from(h) * scale).round() as u32).max(1);
    // Through DynamicImage: its methods are compiled (optimised) in the image
    // crate, where the generic imageops::resize would be compiled unoptimised
    // into a debug build of ours.
    image::DynamicImage::ImageLuma8(img.clone())
        .resize_exact(nw, nh, image::imageops::FilterType::Triangle)
        .into_luma8()
}

/// Tesseract's TSV: one row per page/block/paragraph/line/word; words are
/// level 5. Lines are rebuilt from the words' block, paragraph and line numbers.
pub fn parse_tsv(tsv: &str) -> Reading {
    let mut lines: Vec<String> = Vec::new();
    let mut current: Option<(u32, u32, u32, u32)> = None;
    let mut score = 0;
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let num = |i: usize| cols[i].parse::<u32>().unwrap_or(0);
        let conf: f32 = cols[10].parse().unwrap_or(-1.0);
        let word = cols[11].trim();
        if word.is_empty() || conf < MIN_WORD_CONF {
            continue;
        }
        if conf >= SCORE_CONF {
            score += word.chars().filter(|c| c.is_alphanumeric()).count();
        }
        let key = (num(1), num(2), num(3), num(4));
        match lines.last_mut() {
            Some(line) if current == Some(key) => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
        current = Some(key);
    }
    Reading { text: lines.join("\n"), score, partly: false }
}

struct Output {
    success: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

#[derive(Debug)]
enum RunError {
    Spawn(std::io::Error),
    Io(std::io::Error),
    TimedOut,
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Spawn(e) => write!(f, "cannot start: {e}"),
            RunError::Io(e) => write!(f, "{e}"),
            RunError::TimedOut => f.write_str("timed out"),
        }
    }
}

/// Runs `program` with `input` on stdin until it exits or `deadline` passes
/// (then it is killed). Pipes are served by threads so neither side blocks.
fn run(program: &Path, args: &[&str], input: &[u8], deadline: Instant) -> Result<Output, RunError> {
    let mut child = Command::new(program)
        .args(args)
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(RunError::Spawn)?;
    let (mut stdin, mut stdout, mut stderr) = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    std::thread::scope(|s| {
        s.spawn(move || {
            if let Some(w) = stdin.as_mut() {
                // A program that exits early closes the pipe: not our error.
                let _ = w.write_all(input);
            }
            drop(stdin);
        });
        let out = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = stdout.as_mut() {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        });
        let err = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = stderr.as_mut() {
                let _ = r.read_to_end(&mut buf);
            }
            buf
        });
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(RunError::TimedOut);
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(RunError::Io(e));
                }
            }
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = err.join().unwrap_or_default();
        status.map(|st| Output { success: st.success(), stdout, stderr })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_words_become_lines_and_low_confidence_is_dropped() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t0\t0\t10\t10\t96.5\tDOE,\n\
                   5\t1\t1\t1\t1\t2\t0\t0\t10\t10\t91.0\tMARGARET\n\
                   5\t1\t1\t1\t2\t1\t0\t0\t10\t10\t12.0\t~~\n\
                   5\t1\t1\t1\t2\t2\t0\t0\t10\t10\t88.0\tDOB\n\
                   5\t1\t2\t1\t1\t1\t0\t0\t10\t10\t45.0\t04/17/1956\n";
        let r = parse_tsv(tsv);
        assert_eq!(r.text, "DOE, MARGARET\nDOB\n04/17/1956");
        assert_eq!(r.score, 3 + 8 + 3);
    }

    #[test]
    fn small_images_are_scaled_up_and_huge_ones_down() {
        assert_eq!(prepare(&GrayImage::new(500, 250)).dimensions(), (1000, 500));
        assert_eq!(prepare(&GrayImage::new(1200, 900)).dimensions(), (1200, 900));
        assert_eq!(prepare(&GrayImage::new(6000, 3000)).dimensions(), (3000, 1500));
        assert_eq!(prepare(&GrayImage::new(10, 10)).dimensions(), (40, 40));
    }

    #[test]
    fn a_missing_program_is_reported_not_a_panic() {
        let e = Tesseract::probe(Path::new("/nonexistent/tesseract")).unwrap_err();
        assert!(e.contains("not found"), "{e}");
    }

    #[test]
    fn a_slow_program_is_killed_at_the_deadline() {
        let started = Instant::now();
        let r = run(Path::new("sleep"), &["5"], b"", Instant::now() + Duration::from_millis(200));
        assert!(matches!(r, Err(RunError::TimedOut)), "{:?}", r.err());
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
