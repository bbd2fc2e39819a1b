//! DICOM files (dicom-rs): the header's identifying and free-text
//! attributes, and the first frame of the pixel data as an 8-bit grey image
//! for OCR.
//!
//! Pixel data is decoded here without dicom-pixeldata (which brings a whole
//! imaging stack): native (uncompressed) data, 8 or 16 bits, monochrome or
//! RGB/YBR, and JPEG baseline/extended fragments through the `image` crate's
//! decoder. Other compressions (JPEG 2000, JPEG-LS, RLE, lossless JPEG the
//! decoder refuses) are reported as not checked, never guessed at.

use crate::engine::attachments::{dicom_rule, DicomAttribute, DICOM_FREE_TEXT};
use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_core::Tag;
use dicom_object::file::ReadPreamble;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use image::GrayImage;

/// How deep sequences are searched for identifying attributes.
const MAX_DEPTH: usize = 4;
/// Frames larger than this (pixels) are not decoded.
const MAX_PIXELS: u64 = 12_000 * 12_000;

/// What a DICOM file holds that the engine can review.
pub struct DicomContent {
    /// Identifying attributes, in file order (sequences included).
    pub attributes: Vec<DicomAttribute>,
    /// Free-text attributes (descriptions, comments), one per line.
    pub free_text: String,
    /// The first frame, or `None` without pixel data, or why it cannot be decoded.
    pub pixels: Result<Option<GrayImage>, String>,
}

/// Reads a DICOM file (preamble, `DICM`, meta group, data set).
pub fn read(bytes: &[u8]) -> Result<DicomContent, String> {
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Always)
        .from_reader(bytes)
        .map_err(|_| "its DICOM structure is damaged or cut short".to_string())?;
    let mut attributes = Vec::new();
    let mut free_text = Vec::new();
    collect(&obj, 0, &mut attributes, &mut free_text);
    let ts = obj.meta().transfer_syntax().to_string();
    let pixels = pixels(&obj, &ts);
    Ok(DicomContent { attributes, free_text: free_text.join("\n"), pixels })
}

fn collect(obj: &InMemDicomObject, depth: usize, attributes: &mut Vec<DicomAttribute>, free_text: &mut Vec<String>) {
    for elem in obj.iter() {
        let tag = elem.tag();
        let key = (tag.group(), tag.element());
        if let Value::Sequence(seq) = elem.value() {
            if depth < MAX_DEPTH {
                for item in seq.items() {
                    collect(item, depth + 1, attributes, free_text);
                }
            }
            continue;
        }
        if let Some(rule) = dicom_rule(key) {
            if let Ok(v) = elem.to_str() {
                attributes.push(DicomAttribute { tag: key, keyword: rule.keyword.to_string(), value: v.into_owned() });
            }
        } else if DICOM_FREE_TEXT.iter().any(|(t, _)| *t == key) {
            if let Ok(v) = elem.to_str() {
                let v = v.trim().trim_end_matches('\0');
                if !v.is_empty() {
                    free_text.push(v.replace('\\', " "));
                }
            }
        }
    }
}

fn uint(obj: &InMemDicomObject, group: u16, element: u16) -> Option<u32> {
    obj.get(Tag(group, element)).and_then(|e| e.to_int::<u32>().ok())
}

fn text(obj: &InMemDicomObject, group: u16, element: u16) -> Option<String> {
    obj.get(Tag(group, element)).and_then(|e| e.to_str().ok()).map(|s| s.trim().trim_end_matches('\0').to_string())
}

/// The name of a compressed transfer syntax, for "not checked" messages.
fn ts_name(ts: &str) -> &'static str {
    match ts {
        "1.2.840.10008.1.2.4.57" | "1.2.840.10008.1.2.4.70" => "lossless JPEG",
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => "JPEG-LS",
        "1.2.840.10008.1.2.4.90" | "1.2.840.10008.1.2.4.91" => "JPEG 2000",
        "1.2.840.10008.1.2.5" => "RLE",
        "1.2.840.10008.1.2.1.99" => "deflate",
        "1.2.840.10008.1.2.2" => "big-endian",
        _ => "a compressed format",
    }
}

fn pixels(obj: &InMemDicomObject, ts: &str) -> Result<Option<GrayImage>, String> {
    let Some(elem) = obj.get(Tag(0x7FE0, 0x0010)) else { return Ok(None) };
    let rows = uint(obj, 0x0028, 0x0010).unwrap_or(0);
    let cols = uint(obj, 0x0028, 0x0011).unwrap_or(0);
    if rows == 0 || cols == 0 || u64::from(rows) * u64::from(cols) > MAX_PIXELS {
        return Err(format!("its image size ({cols}x{rows}) is missing or too large"));
    }
    let frames = uint(obj, 0x0028, 0x0008).unwrap_or(1).max(1);
    match elem.value() {
        Value::PixelSequence(seq) => {
            let jpeg = matches!(
                ts,
                "1.2.840.10008.1.2.4.50"
                    | "1.2.840.10008.1.2.4.51"
                    | "1.2.840.10008.1.2.4.57"
                    | "1.2.840.10008.1.2.4.70"
            );
            if !jpeg {
                return Err(format!("its pixels are {}, which the bot cannot decode", ts_name(ts)));
            }
            let fragments = seq.fragments();
            // One frame: all fragments; several: one fragment per frame unless an offset table says otherwise.
            let first: Vec<u8> =
                if frames == 1 { fragments.concat() } else { fragments.first().cloned().unwrap_or_default() };
            let img = image::load_from_memory_with_format(&first, image::ImageFormat::Jpeg)
                .map_err(|_| format!("its pixels are {}, which the bot could not decode", ts_name(ts)))?;
            Ok(Some(img.to_luma8()))
        }
        Value::Primitive(_) => {
            if ts == "1.2.840.10008.1.2.2" {
                return Err("its pixels are big-endian, which the bot does not decode".into());
            }
            let bytes = elem.to_bytes().map_err(|_| "its pixel data cannot be read".to_string())?;
            native(obj, &bytes, rows, cols).map(Some)
        }
        Value::Sequence(_) => Err("its pixel data is malformed".into()),
    }
}

/// The first frame of native pixel data as 8-bit grey (min-max scaled,
/// MONOCHROME1 inverted so text reads dark-on-light or light-on-dark as shown).
fn native(obj: &InMemDicomObject, bytes: &[u8], rows: u32, cols: u32) -> Result<GrayImage, String> {
    let bits = uint(obj, 0x0028, 0x0100).unwrap_or(8);
    let samples = uint(obj, 0x0028, 0x0002).unwrap_or(1);
    let signed = uint(obj, 0x0028, 0x0103).unwrap_or(0) == 1;
    let planar = uint(obj, 0x0028, 0x0006).unwrap_or(0) == 1;
    let photometric = text(obj, 0x0028, 0x0004).unwrap_or_else(|| "MONOCHROME2".into());
    let n = rows as usize * cols as usize;
    let bytes_per = match bits {
        8 => 1,
        16 => 2,
        _ => return Err(format!("its pixels have {bits} bits allocated, which the bot does not decode")),
    };
    if samples != 1 && samples != 3 {
        return Err(format!("its pixels have {samples} samples each, which the bot does not decode"));
    }
    let need = n * samples as usize * bytes_per;
    if bytes.len() < need {
        return Err("its pixel data is shorter than its image size says".into());
    }
    let sample = |i: usize| -> i32 {
        if bytes_per == 1 {
            i32::from(bytes[i])
        } else {
            let raw = u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]);
            if signed {
                i32::from(raw as i16)
            } else {
                i32::from(raw)
            }
        }
    };
    let ybr = photometric.starts_with("YBR");
    let values: Vec<i32> = (0..n)
        .map(|p| {
            if samples == 1 {
                sample(p)
            } else {
                let at = |c: usize| if planar { sample(c * n + p) } else { sample(p * 3 + c) };
                if ybr {
                    at(0)
                } else {
                    (at(0) * 299 + at(1) * 587 + at(2) * 114) / 1000
                }
            }
        })
        .collect();
    let (lo, hi) = values.iter().fold((i32::MAX, i32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let span = (hi - lo).max(1);
    let invert = photometric == "MONOCHROME1";
    let pixels: Vec<u8> = values
        .iter()
        .map(|&v| {
            let g = ((v - lo) * 255 / span) as u8;
            if invert {
                255 - g
            } else {
                g
            }
        })
        .collect();
    GrayImage::from_raw(cols, rows, pixels).ok_or_else(|| "its image size does not match its pixels".to_string())
}
