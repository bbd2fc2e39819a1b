//! Attachment fixtures made by the tests themselves: images with burned-in
//! text drawn with DejaVu Sans (Debian's `fonts-dejavu-core`), DICOM files
//! written by dicom-rs, a JPEG with EXIF GPS tags. Nothing is committed as a
//! binary; every byte is generated here.
//!
//! Used by `tests/attach.rs`, `tests/bot_e2e.rs` (through `support`) and the
//! `attach_ocr` benchmark (by path).
#![allow(dead_code)]

use ab_glyph::{point, Font, FontVec, PxScale, ScaleFont};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use image::GrayImage;
use std::sync::OnceLock;

pub const FONT_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// What the film and the DICOM pixels carry burned in.
pub const FILM_LINES: [&str; 3] = ["DOE, MARGARET", "DOB 04/17/1956", "MRN 00482913"];
/// What the bedside monitor shows.
pub const MONITOR_LINES: [&str; 2] = ["BED 4   DOE, JOHN", "MRN 00517731"];
/// Pieces that must never appear unmasked in findings, logs or replies.
pub const SECRETS: &[&str] =
    &["MARGARET", "04/17/1956", "00482913", "00517731", "DOE^", "19560417", "Oakwood", "555-0143", "ACC99812"];
/// What the clean flyer says.
pub const FLYER_LINES: [&str; 4] =
    ["Flu shots now available", "Walk-ins welcome", "Monday to Friday, 8am to 6pm", "Community Health Clinic"];

fn font() -> &'static FontVec {
    static FONT: OnceLock<FontVec> = OnceLock::new();
    FONT.get_or_init(|| {
        let bytes = std::fs::read(FONT_PATH)
            .unwrap_or_else(|e| panic!("{FONT_PATH}: {e} (install Debian's fonts-dejavu-core)"));
        FontVec::try_from_vec(bytes).expect("DejaVuSans.ttf parses")
    })
}

/// Draws `text` with its top-left corner at (x, y), `px` pixels high, in grey `ink`.
pub fn draw_text(img: &mut GrayImage, x: f32, y: f32, px: f32, text: &str, ink: u8) {
    let font = font();
    let scaled = font.as_scaled(PxScale::from(px));
    let mut caret = x;
    let mut prev = None;
    for ch in text.chars() {
        let id = font.glyph_id(ch);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(px, point(caret, y + scaled.ascent()));
        caret += scaled.h_advance(id);
        prev = Some(id);
        let Some(outline) = font.outline_glyph(glyph) else { continue };
        let bounds = outline.px_bounds();
        outline.draw(|gx, gy, coverage| {
            let (px, py) = (bounds.min.x as i64 + i64::from(gx), bounds.min.y as i64 + i64::from(gy));
            if px < 0 || py < 0 || px >= i64::from(img.width()) || py >= i64::from(img.height()) {
                return;
            }
            let p = img.get_pixel_mut(px as u32, py as u32);
            let bg = f32::from(p.0[0]);
            p.0[0] = (bg + (f32::from(ink) - bg) * coverage.clamp(0.0, 1.0)).round() as u8;
        });
    }
}

/// A small deterministic noise source (film grain, sensor noise).
fn noise(seed: u32) -> impl FnMut() -> i32 {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 17) as i32 - 8
    }
}

/// A chest film: grey background darkening towards the edges, a lighter
/// body with darker lungs, grain, and the patient's name, birth date and
/// record number burned into the top-left corner in white, small.
pub fn film(size: u32) -> GrayImage {
    let s = size as f32;
    let mut grain = noise(7);
    let mut img = GrayImage::from_fn(size, size, |x, y| {
        let (fx, fy) = (x as f32 / s - 0.5, y as f32 / s - 0.55);
        let body = (fx / 0.36).powi(2) + (fy / 0.42).powi(2);
        let lung = |cx: f32| ((fx - cx) / 0.12).powi(2) + ((fy + 0.03) / 0.28).powi(2);
        let base = if lung(-0.15) < 1.0 || lung(0.15) < 1.0 {
            45.0 + 30.0 * lung(-0.15).min(lung(0.15))
        } else if body < 1.0 {
            165.0 - 30.0 * body
        } else {
            80.0 - 40.0 * (fx.abs() + fy.abs())
        };
        image::Luma([(base as i32 + grain()).clamp(0, 255) as u8])
    });
    let px = s * 0.026;
    for (i, line) in FILM_LINES.iter().enumerate() {
        draw_text(&mut img, s * 0.03, s * 0.03 + i as f32 * px * 1.5, px, line, 230);
    }
    draw_text(&mut img, s * 0.88, s * 0.03, px * 1.6, "R", 230);
    draw_text(&mut img, s * 0.70, s * 0.95, px * 0.8, "PORTABLE  AP  SUPINE", 200);
    img
}

/// A bedside monitor screen: black, a small header with the patient's name
/// and record number, big vital-sign numbers, waveforms; all light on dark.
pub fn monitor(width: u32, height: u32) -> GrayImage {
    let (w, h) = (width as f32, height as f32);
    let mut grain = noise(11);
    let mut img = GrayImage::from_fn(width, height, |_, _| image::Luma([(14 + grain()).clamp(0, 255) as u8]));
    // Header: small text.
    let small = h * 0.035;
    draw_text(&mut img, w * 0.02, h * 0.02, small, MONITOR_LINES[0], 200);
    draw_text(&mut img, w * 0.45, h * 0.02, small, MONITOR_LINES[1], 200);
    // Waveforms on the left, big numbers on the right.
    for (band, top) in [(0, 0.15), (1, 0.40), (2, 0.65)] {
        for x in 0..(width * 62 / 100) {
            let phase = x as f32 / (7.0 + band as f32 * 3.0);
            let spike = if (x / 90) % 2 == 0 && x % 90 < 6 { -0.08 } else { 0.0 };
            let y = (h * (top + 0.08) + (phase.sin() * 0.03 + spike) * h) as u32;
            for dy in 0..3 {
                if y + dy < height {
                    img.put_pixel(x, y + dy, image::Luma([190]));
                }
            }
        }
    }
    draw_text(&mut img, w * 0.66, h * 0.13, small, "HR", 190);
    draw_text(&mut img, w * 0.70, h * 0.14, h * 0.16, "72", 220);
    draw_text(&mut img, w * 0.66, h * 0.38, small, "SpO2", 190);
    draw_text(&mut img, w * 0.70, h * 0.39, h * 0.16, "98", 220);
    draw_text(&mut img, w * 0.66, h * 0.63, small, "NIBP", 190);
    draw_text(&mut img, w * 0.70, h * 0.66, h * 0.09, "118/76", 220);
    img
}

/// A clinic flyer: dark text on white, no identifiers.
pub fn flyer(width: u32, height: u32) -> GrayImage {
    let mut img = GrayImage::from_pixel(width, height, image::Luma([250]));
    let px = height as f32 * 0.055;
    for (i, line) in FLYER_LINES.iter().enumerate() {
        draw_text(&mut img, width as f32 * 0.08, height as f32 * 0.12 + i as f32 * px * 2.0, px, line, 20);
    }
    img
}

/// A screenshot of a records screen: a dark title bar, a patient banner and
/// some twenty lines of dark text on light grey (what OCR time is measured on).
pub fn screenshot(width: u32, height: u32) -> GrayImage {
    let (w, h) = (width as f32, height as f32);
    let mut img = GrayImage::from_pixel(width, height, image::Luma([236]));
    for y in 0..(height / 16) {
        for x in 0..width {
            img.put_pixel(x, y, image::Luma([52]));
        }
    }
    let px = h * 0.022;
    draw_text(&mut img, w * 0.02, h * 0.015, px, "Clinical Viewer - Radiology Worklist", 240);
    draw_text(&mut img, w * 0.03, h * 0.09, px * 1.2, "DOE, MARGARET   DOB 04/17/1956   MRN 00482913", 15);
    let body = [
        "Exam: CHEST 2 VIEWS PA AND LATERAL",
        "Ordering: Emergency Department",
        "Clinical history: cough and fever for five days",
        "Comparison: none available",
        "Findings:",
        "The cardiomediastinal silhouette is within normal limits.",
        "There is patchy opacity in the right lower lobe.",
        "No pleural effusion or pneumothorax is seen.",
        "The visualized osseous structures are unremarkable.",
        "Impression:",
        "Right lower lobe pneumonia. Follow-up imaging advised",
        "after treatment to document resolution.",
        "Dictated by: Radiology Resident",
        "Signed by: Attending Radiologist",
        "Status: Final      Priority: Routine",
        "Room: Reading Room 2     Station: RR2-WS4",
    ];
    for (i, line) in body.iter().enumerate() {
        draw_text(&mut img, w * 0.03, h * 0.16 + i as f32 * px * 2.0, px, line, 30);
    }
    img
}

pub fn png(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode PNG");
    out.into_inner()
}

pub fn jpeg(img: &GrayImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).expect("encode JPEG");
    out.into_inner()
}

/// A JPEG whose EXIF says where it was taken (GPS) and with which camera.
pub fn jpeg_with_gps(img: &GrayImage) -> Vec<u8> {
    use exif::{Field, In, Rational, Tag as ExifTag, Value};
    let jpg = jpeg(img);
    let r = |n: u32| Rational { num: n, denom: 1 };
    let fields = [
        Field { tag: ExifTag::GPSLatitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"N".to_vec()]) },
        Field { tag: ExifTag::GPSLatitude, ifd_num: In::PRIMARY, value: Value::Rational(vec![r(42), r(21), r(30)]) },
        Field { tag: ExifTag::GPSLongitudeRef, ifd_num: In::PRIMARY, value: Value::Ascii(vec![b"W".to_vec()]) },
        Field { tag: ExifTag::GPSLongitude, ifd_num: In::PRIMARY, value: Value::Rational(vec![r(71), r(3), r(40)]) },
        Field {
            tag: ExifTag::BodySerialNumber,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"CX20831177".to_vec()]),
        },
    ];
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut tiff = std::io::Cursor::new(Vec::new());
    writer.write(&mut tiff, false).expect("write EXIF");
    let tiff = tiff.into_inner();
    // APP1 "Exif\0\0" + TIFF, right after SOI.
    let mut out = jpg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpg[2..]);
    out
}

fn put(obj: &mut InMemDicomObject, group: u16, element: u16, vr: VR, value: impl Into<PrimitiveValue>) {
    obj.put(DataElement::new(Tag(group, element), vr, value.into()));
}

/// A DICOM file (Explicit VR Little Endian, Secondary Capture). With
/// `patient`, its header names Margaret Doe (name, id, birth date,
/// accession number, address, phone, institution, study date); with
/// `pixels`, it carries that image as 8-bit MONOCHROME2 pixel data.
pub fn dicom(patient: bool, pixels: Option<&GrayImage>) -> Vec<u8> {
    let sop_class = "1.2.840.10008.5.1.4.1.1.7";
    let sop_instance = "1.2.826.0.1.3680043.2.1125.1.42";
    let mut obj = InMemDicomObject::new_empty();
    put(&mut obj, 0x0008, 0x0016, VR::UI, sop_class);
    put(&mut obj, 0x0008, 0x0018, VR::UI, sop_instance);
    put(&mut obj, 0x0008, 0x0060, VR::CS, "CR");
    if patient {
        put(&mut obj, 0x0008, 0x0020, VR::DA, "20240302");
        put(&mut obj, 0x0008, 0x0050, VR::SH, "ACC99812");
        put(&mut obj, 0x0008, 0x0080, VR::LO, "Oakwood General Hospital");
        put(&mut obj, 0x0008, 0x1030, VR::LO, "CHEST PA AND LATERAL");
        put(&mut obj, 0x0010, 0x0010, VR::PN, "DOE^MARGARET");
        put(&mut obj, 0x0010, 0x0020, VR::LO, "00482913");
        put(&mut obj, 0x0010, 0x0030, VR::DA, "19560417");
        put(&mut obj, 0x0010, 0x0040, VR::CS, "F");
        put(&mut obj, 0x0010, 0x1040, VR::LO, "12 Oakwood Lane, Springfield");
        put(&mut obj, 0x0010, 0x2154, VR::SH, "617-555-0143");
    } else {
        // Type 2 attributes present but empty, as de-identified files have them.
        put(&mut obj, 0x0010, 0x0010, VR::PN, "");
        put(&mut obj, 0x0010, 0x0020, VR::LO, "");
    }
    if let Some(img) = pixels {
        put(&mut obj, 0x0028, 0x0002, VR::US, 1_u16);
        put(&mut obj, 0x0028, 0x0004, VR::CS, "MONOCHROME2");
        put(&mut obj, 0x0028, 0x0010, VR::US, img.height() as u16);
        put(&mut obj, 0x0028, 0x0011, VR::US, img.width() as u16);
        put(&mut obj, 0x0028, 0x0100, VR::US, 8_u16);
        put(&mut obj, 0x0028, 0x0101, VR::US, 8_u16);
        put(&mut obj, 0x0028, 0x0102, VR::US, 7_u16);
        put(&mut obj, 0x0028, 0x0103, VR::US, 0_u16);
        put(&mut obj, 0x7FE0, 0x0010, VR::OB, img.as_raw().clone());
    }
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax("1.2.840.10008.1.2.1")
                .media_storage_sop_class_uid(sop_class)
                .media_storage_sop_instance_uid(sop_instance),
        )
        .expect("file meta");
    let mut out = Vec::new();
    file.write_all(&mut out).expect("write DICOM");
    out
}

/// Whether Tesseract can run here; `None` after a loud SKIPPED message.
/// Under CI=true a missing Tesseract fails the test instead (`.ci/run`
/// installs it).
pub fn ocr_or_skip(test: &str) -> Option<safetweet::attach::Inspector> {
    let inspector = safetweet::attach::Inspector::from_env(safetweet::attach::Limits::default());
    match inspector.ocr() {
        Ok(_) => Some(inspector),
        Err(why) => {
            let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
            if ci {
                panic!("CI=true but Tesseract cannot run ({why}): the OCR tests must run in CI (.ci/run installs tesseract-ocr)");
            }
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n!!!!! SKIPPED {test}: no Tesseract ({why}; apt-get install tesseract-ocr tesseract-ocr-eng) !!!!!\n"
            );
            None
        }
    }
}
