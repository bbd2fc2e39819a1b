//! The attachment adapter: reads what is inside an attachment and hands it to
//! the engine as [`Extracted`] (the engine itself never sees bytes, files or
//! processes).
//!
//! - [`sniff`]: the real type from the magic bytes, never the name or the
//!   declared type;
//! - [`dicom`]: a DICOM header's identifying and free-text attributes, and
//!   the first frame of its pixel data (dicom-rs);
//! - [`metadata`]: EXIF facts (GPS position, serial numbers, owner) and
//!   descriptions (kamadak-exif);
//! - [`ocr`]: burned-in text, by Tesseract run as a subprocess with a
//!   deadline;
//! - [`fetch`]: downloads from Discord's CDN only, capped in size and time.
//!
//! [`Inspector`] is the blocking core (decoding and OCR take CPU seconds):
//! the CLI calls it directly, the bot through [`Reader`], which downloads,
//! runs the inspection on tokio's blocking pool under a semaphore (bounded
//! concurrency, off the gateway's event loop) and remembers results by
//! attachment id, so an edit of the caption does not read the image again.
//!
//! Never logs or stores what it reads: OCR text and header values stay in
//! the [`Extracted`] handed to the engine, whose findings mask them.

pub mod dicom;
pub mod fetch;
pub mod metadata;
pub mod ocr;
pub mod sniff;

use crate::engine::attachments::{ExtractedText, FileKind, NotChecked, TextSource};
use crate::engine::{Attachment, Extracted};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Default size cap (bytes) and time limit of one attachment.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Text files larger than this are not reviewed as text.
const MAX_TEXT_BYTES: usize = 1024 * 1024;
/// The environment variable naming the Tesseract program (default `tesseract`).
pub const TESSERACT_ENV: &str = "SAFETWEET_TESSERACT";

/// How much of an attachment is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Larger attachments are not read (their content is reported as not checked).
    pub max_bytes: u64,
    /// For one attachment: the download, and again the reading (decoding and OCR).
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: DEFAULT_MAX_BYTES, timeout: DEFAULT_TIMEOUT }
    }
}

/// Reads attachments' bytes into [`Extracted`]. Blocking.
#[derive(Debug, Clone)]
pub struct Inspector {
    ocr: Result<ocr::Tesseract, String>,
    pub limits: Limits,
}

/// The Tesseract program to use: `$SAFETWEET_TESSERACT`, else `tesseract` on the PATH.
pub fn tesseract_program() -> PathBuf {
    std::env::var_os(TESSERACT_ENV).filter(|v| !v.is_empty()).map(PathBuf::from).unwrap_or_else(|| "tesseract".into())
}

impl Inspector {
    /// Probes `tesseract` once; without it images are still decoded, their
    /// metadata read and DICOM headers parsed, and their text is reported as
    /// not checked.
    pub fn new(limits: Limits, tesseract: &Path) -> Inspector {
        Inspector { ocr: ocr::Tesseract::probe(tesseract), limits }
    }

    /// With the Tesseract of [`tesseract_program`].
    pub fn from_env(limits: Limits) -> Inspector {
        Inspector::new(limits, &tesseract_program())
    }

    /// The OCR engine, or why there is none.
    pub fn ocr(&self) -> Result<&ocr::Tesseract, &str> {
        self.ocr.as_ref().map_err(String::as_str)
    }

    /// Reads a local file (size checked before reading).
    pub fn inspect_file(&self, path: &Path) -> std::io::Result<Extracted> {
        let size = std::fs::metadata(path)?.len();
        if size > self.limits.max_bytes {
            return Ok(Extracted::not_read(NotChecked::TooLarge { size, max: self.limits.max_bytes }));
        }
        let bytes = std::fs::read(path)?;
        Ok(self.inspect(&bytes))
    }

    /// Reads an attachment's bytes within the time limit.
    pub fn inspect(&self, bytes: &[u8]) -> Extracted {
        self.inspect_until(bytes, Instant::now() + self.limits.timeout)
    }

    /// Reads an attachment's bytes; OCR stops at `deadline`.
    pub fn inspect_until(&self, bytes: &[u8], deadline: Instant) -> Extracted {
        if bytes.len() as u64 > self.limits.max_bytes {
            return Extracted::not_read(NotChecked::TooLarge { size: bytes.len() as u64, max: self.limits.max_bytes });
        }
        let kind = sniff::sniff(bytes);
        let mut x = Extracted::of(kind);
        match kind {
            FileKind::Dicom => match dicom::read(bytes) {
                Err(why) => x.unreadable = Some(why),
                Ok(content) => {
                    x.dicom = content.attributes;
                    push_text(&mut x, TextSource::DicomHeader, content.free_text);
                    match content.pixels {
                        Ok(Some(img)) => self.read_text(&img, deadline, &mut x),
                        Ok(None) => {}
                        Err(why) => x.not_checked.push(NotChecked::Pixels(why)),
                    }
                }
            },
            k if k.is_raster() => {
                self.read_metadata(bytes, &mut x);
                match decode(bytes, k) {
                    Ok(img) => self.read_text(&img, deadline, &mut x),
                    Err(why) => x.unreadable = Some(why),
                }
            }
            FileKind::Heif => {
                self.read_metadata(bytes, &mut x);
                x.not_checked.push(NotChecked::Unsupported);
            }
            FileKind::Text if bytes.len() <= MAX_TEXT_BYTES => {
                push_text(&mut x, TextSource::File, String::from_utf8_lossy(bytes).into_owned());
            }
            _ => x.not_checked.push(NotChecked::Unsupported),
        }
        x
    }

    fn read_metadata(&self, bytes: &[u8], x: &mut Extracted) {
        let m = metadata::read(bytes);
        x.metadata = m.facts;
        push_text(x, TextSource::Metadata, m.text);
    }

    fn read_text(&self, img: &image::GrayImage, deadline: Instant, x: &mut Extracted) {
        let secs = self.limits.timeout.as_secs().max(1);
        match &self.ocr {
            Err(_) => x.not_checked.push(NotChecked::NoOcr),
            Ok(t) => match t.read(img, deadline) {
                Ok(r) => {
                    if r.partly {
                        x.not_checked.push(NotChecked::TimedOut { secs, partly: true });
                    }
                    push_text(x, TextSource::Image, r.text);
                }
                Err(ocr::OcrError::TimedOut) => x.not_checked.push(NotChecked::TimedOut { secs, partly: false }),
                Err(ocr::OcrError::Failed(why)) => x.not_checked.push(NotChecked::OcrFailed(why)),
            },
        }
    }
}

fn push_text(x: &mut Extracted, source: TextSource, text: String) {
    if !text.trim().is_empty() {
        x.texts.push(ExtractedText { source, text });
    }
}

/// Decodes a raster image (a GIF's first frame, a TIFF's first page) to 8-bit grey.
pub fn decode(bytes: &[u8], kind: FileKind) -> Result<image::GrayImage, String> {
    let format = match kind {
        FileKind::Png => image::ImageFormat::Png,
        FileKind::Jpeg => image::ImageFormat::Jpeg,
        FileKind::Gif => image::ImageFormat::Gif,
        FileKind::Webp => image::ImageFormat::WebP,
        FileKind::Tiff => image::ImageFormat::Tiff,
        FileKind::Bmp => image::ImageFormat::Bmp,
        _ => return Err("not an image format the bot decodes".into()),
    };
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(20_000);
    limits.max_image_height = Some(20_000);
    reader.limits(limits);
    reader.decode().map(|img| img.to_luma8()).map_err(|e| match e {
        image::ImageError::Limits(_) => "it is too large to decode".to_string(),
        image::ImageError::Unsupported(_) => "it uses a feature of its format the bot cannot decode".to_string(),
        _ => "the image data is damaged or cut short".to_string(),
    })
}

/// An attachment as Discord describes it: where its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Discord's attachment id (content behind an id never changes).
    pub id: u64,
    pub filename: String,
    pub content_type: String,
    pub url: String,
    /// The size Discord states, in bytes.
    pub size: u64,
}

const CACHE_MAX: usize = 512;

/// Downloads and reads attachments for the bot: off the event loop, at most
/// `concurrency` at once, each within the limits.
#[derive(Clone)]
pub struct Reader {
    inspector: Arc<Inspector>,
    fetcher: fetch::Fetcher,
    permits: Arc<tokio::sync::Semaphore>,
    cache: Arc<Mutex<HashMap<u64, Extracted>>>,
}

impl Reader {
    /// `api_url`: `DISCORD_API_URL`, whose host may serve attachments too.
    pub fn new(inspector: Inspector, api_url: Option<&str>, concurrency: usize) -> Reader {
        let limits = inspector.limits;
        Reader {
            fetcher: fetch::Fetcher::new(fetch::AllowedHosts::new(api_url), limits.max_bytes, limits.timeout),
            inspector: Arc::new(inspector),
            permits: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            cache: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    pub fn inspector(&self) -> &Inspector {
        &self.inspector
    }

    /// Every attachment of a draft, read concurrently; in the given order.
    pub async fn read_all(&self, sources: &[Source]) -> Vec<Attachment> {
        let mut set = tokio::task::JoinSet::new();
        for (i, s) in sources.iter().enumerate() {
            let (reader, s) = (self.clone(), s.clone());
            set.spawn(async move { (i, reader.extract(&s).await) });
        }
        let mut out: Vec<Attachment> = sources
            .iter()
            .map(|s| Attachment { filename: s.filename.clone(), content_type: s.content_type.clone(), extracted: None })
            .collect();
        while let Some(done) = set.join_next().await {
            match done {
                Ok((i, x)) => out[i].extracted = Some(x),
                Err(e) => tracing::error!(error = %e, "attachment task failed"),
            }
        }
        // A task that died still leaves an honest "not checked".
        for a in &mut out {
            if a.extracted.is_none() {
                a.extracted = Some(Extracted::not_read(NotChecked::OcrFailed("internal error".into())));
            }
        }
        out
    }

    /// One attachment's content, from the cache or read now.
    pub async fn extract(&self, s: &Source) -> Extracted {
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&s.id).cloned()) {
            return hit;
        }
        let started = Instant::now();
        let x = match self.fetcher.fetch(&s.url, s.size).await {
            Err(why) => Extracted::not_read(why),
            Ok(bytes) => {
                let size = bytes.len();
                let Ok(_permit) = self.permits.clone().acquire_owned().await else {
                    return Extracted::not_read(NotChecked::OcrFailed("the bot is shutting down".into()));
                };
                let inspector = Arc::clone(&self.inspector);
                let deadline = Instant::now() + inspector.limits.timeout;
                let x = tokio::task::spawn_blocking(move || inspector.inspect_until(&bytes, deadline)).await;
                let x = x.unwrap_or_else(|_| Extracted::not_read(NotChecked::OcrFailed("internal error".into())));
                tracing::debug!(attachment_id = s.id, bytes = size, kind = x.kind.mime(), "attachment read");
                x
            }
        };
        tracing::info!(
            attachment_id = s.id,
            kind = x.kind.mime(),
            texts = x.texts.len(),
            dicom_attributes = x.dicom.len(),
            not_checked = x.not_checked.len(),
            unreadable = x.unreadable.is_some(),
            ms = started.elapsed().as_millis() as u64,
            "attachment inspected"
        );
        let transient = x
            .not_checked
            .iter()
            .any(|n| matches!(n, NotChecked::NotFetched(_) | NotChecked::TimedOut { .. } | NotChecked::OcrFailed(_)));
        if !transient {
            if let Ok(mut c) = self.cache.lock() {
                if c.len() >= CACHE_MAX {
                    c.clear();
                }
                c.insert(s.id, x.clone());
            }
        }
        x
    }
}
