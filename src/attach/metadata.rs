//! Image metadata (EXIF, via kamadak-exif) in JPEG, TIFF, PNG, WebP and
//! HEIF files: a GPS position, serial numbers, people's names, and the
//! free-text fields (descriptions, comments) for the engine to review.

use crate::engine::attachments::MetadataFact;
use exif::{In, Tag, Value};

/// What the metadata holds; empty when there is none (or it cannot be read:
/// a file without EXIF is the common case, not an error).
#[derive(Debug, Default)]
pub struct Metadata {
    pub facts: Vec<MetadataFact>,
    /// Descriptions, titles and comments, one per line.
    pub text: String,
}

pub fn read(bytes: &[u8]) -> Metadata {
    let mut out = Metadata::default();
    let Ok(exif) = exif::Reader::new().read_from_container(&mut std::io::Cursor::new(bytes)) else { return out };
    let has = |tag: Tag| exif.get_field(tag, In::PRIMARY).is_some();
    if has(Tag::GPSLatitude) && has(Tag::GPSLongitude) {
        out.facts.push(MetadataFact::GpsPosition);
    }
    for (tag, name) in [(Tag::BodySerialNumber, "BodySerialNumber"), (Tag::LensSerialNumber, "LensSerialNumber")] {
        if let Some(v) = ascii(&exif, tag) {
            out.facts.push(MetadataFact::SerialNumber(name.into(), v));
        }
    }
    for (tag, name) in
        [(Tag::CameraOwnerName, "CameraOwnerName"), (Tag::Artist, "Artist"), (Tag::Copyright, "Copyright")]
    {
        if let Some(v) = ascii(&exif, tag) {
            out.facts.push(MetadataFact::Person(name.into(), v));
        }
    }
    let mut text = Vec::new();
    if let Some(v) = ascii(&exif, Tag::ImageDescription) {
        text.push(v);
    }
    if let Some(v) = user_comment(&exif) {
        text.push(v);
    }
    out.text = text.join("\n");
    out
}

/// An ASCII field's text, trimmed; `None` when absent or blank.
fn ascii(exif: &exif::Exif, tag: Tag) -> Option<String> {
    let field = exif.get_field(tag, In::PRIMARY)?;
    let Value::Ascii(parts) = &field.value else { return None };
    let s: Vec<String> =
        parts.iter().map(|p| String::from_utf8_lossy(p).trim().to_string()).filter(|s| !s.is_empty()).collect();
    (!s.is_empty()).then(|| s.join(" "))
}

/// UserComment: an 8-byte character-code prefix, then the text.
fn user_comment(exif: &exif::Exif) -> Option<String> {
    let field = exif.get_field(Tag::UserComment, In::PRIMARY)?;
    let Value::Undefined(bytes, _) = &field.value else { return None };
    if bytes.len() <= 8 {
        return None;
    }
    let (code, body) = bytes.split_at(8);
    let text = if code.starts_with(b"UNICODE") {
        let units: Vec<u16> = body.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    let text = text.trim_matches(|c: char| c == '\0' || c.is_whitespace()).to_string();
    (!text.is_empty()).then_some(text)
}
