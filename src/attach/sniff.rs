//! The real type of a file from its first bytes (magic numbers), never from
//! its name or declared type: a DICOM file named `image.png` is a DICOM file.

use crate::engine::attachments::FileKind;

/// What the bytes are.
pub fn sniff(b: &[u8]) -> FileKind {
    let starts = |m: &[u8]| b.starts_with(m);
    if b.len() >= 132 && &b[128..132] == b"DICM" {
        FileKind::Dicom
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        FileKind::Png
    } else if starts(b"\xFF\xD8\xFF") {
        FileKind::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        FileKind::Gif
    } else if b.len() >= 12 && starts(b"RIFF") && &b[8..12] == b"WEBP" {
        FileKind::Webp
    } else if b.len() >= 12 && starts(b"RIFF") && &b[8..12] == b"AVI " {
        FileKind::Video
    } else if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        FileKind::Tiff
    } else if starts(b"BM") && b.len() >= 26 && bmp_header_ok(b) {
        FileKind::Bmp
    } else if starts(b"%PDF-") {
        FileKind::Pdf
    } else if starts(b"\x1A\x45\xDF\xA3") {
        FileKind::Video // WebM / Matroska
    } else if b.len() >= 12 && &b[4..8] == b"ftyp" {
        match &b[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" | b"avif" | b"avis" => {
                FileKind::Heif
            }
            _ => FileKind::Video, // mp4, qt, m4v, 3gp...
        }
    } else if is_text(b) {
        FileKind::Text
    } else {
        FileKind::Unknown
    }
}

/// "BM" is also how some text starts: check the header's sizes.
fn bmp_header_ok(b: &[u8]) -> bool {
    let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let dib = u32_at(14);
    matches!(dib, 12 | 40 | 52 | 56 | 64 | 108 | 124) && u32_at(10) >= 14 + dib
}

/// UTF-8 without NUL or other control bytes (tabs and line ends allowed).
fn is_text(b: &[u8]) -> bool {
    // A cut in the middle of a multi-byte character at the end is fine.
    let valid = match std::str::from_utf8(b) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && b.len() - e.valid_up_to() < 4,
    };
    !b.is_empty() && valid && !b.iter().any(|&c| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0C))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes_decide() {
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM\x02\x00");
        assert_eq!(sniff(&dicom), FileKind::Dicom);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), FileKind::Png);
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), FileKind::Jpeg);
        assert_eq!(sniff(b"GIF89a\x01\x00"), FileKind::Gif);
        assert_eq!(sniff(b"RIFF\x10\0\0\0WEBPVP8 "), FileKind::Webp);
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), FileKind::Tiff);
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), FileKind::Tiff);
        assert_eq!(sniff(b"%PDF-1.7\n"), FileKind::Pdf);
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), FileKind::Heif);
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0"), FileKind::Video);
        assert_eq!(sniff("Patient list:\nDOE, MARGARET\t1956\n".as_bytes()), FileKind::Text);
        assert_eq!(sniff("BMI charts for the clinic".as_bytes()), FileKind::Text);
        assert_eq!(sniff(b"\x00\x01\x02\x03garbage"), FileKind::Unknown);
        assert_eq!(sniff(b""), FileKind::Unknown);
    }

    #[test]
    fn a_bmp_header_is_checked() {
        let mut bmp = b"BM".to_vec();
        bmp.extend_from_slice(&[0; 8]);
        bmp.extend_from_slice(&54u32.to_le_bytes());
        bmp.extend_from_slice(&40u32.to_le_bytes());
        bmp.extend_from_slice(&[0; 12]);
        assert_eq!(sniff(&bmp), FileKind::Bmp);
    }
}
