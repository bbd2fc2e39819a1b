//! What is inside an attachment (issue 8): the adapter (`safetweet::attach`)
//! on fixtures made here (images with burned-in text drawn with DejaVu Sans,
//! DICOM files written by dicom-rs, a JPEG with EXIF GPS), the engine's
//! findings on what it read, and `safetweet check --attach PATH` / JSONL
//! `"path"` through the real binary.
//!
//! Tests that need Tesseract skip loudly without it (and fail under CI=true,
//! where `.ci/run` installs it); the others run everywhere.

#[path = "support/fixtures.rs"]
mod fixtures;

use fixtures::{ocr_or_skip, SECRETS};
use safetweet::attach::{Inspector, Limits};
use safetweet::engine::attachments::{FileKind, NotChecked, TextSource};
use safetweet::engine::{review, Attachment, Category, Draft, Extracted, Review, RuleSet, Severity, Verdict};
use std::path::Path;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_safetweet");
/// A caption with nothing wrong in it.
const CAPTION: &str = "Great teaching image for Friday's radiology conference.";

fn rules() -> RuleSet {
    RuleSet::builtin().expect("built-in rules")
}

/// An inspector whose OCR is unavailable (a program that does not exist).
fn without_ocr(limits: Limits) -> Inspector {
    Inspector::new(limits, Path::new("/nonexistent/tesseract"))
}

fn draft(text: &str, filename: &str, content_type: &str, x: Extracted) -> Draft {
    let mut d = Draft::new(text);
    d.attachments.push(Attachment { filename: filename.into(), content_type: content_type.into(), extracted: Some(x) });
    d
}

fn rule_ids(r: &Review) -> Vec<&str> {
    r.findings.iter().map(|f| f.rule.as_str()).collect()
}

/// Every message of a review, one per line.
fn messages(r: &Review) -> String {
    r.findings.iter().map(|f| format!("{} {}", f.rule, f.message)).collect::<Vec<_>>().join("\n")
}

fn assert_masked(r: &Review) {
    let all = messages(r);
    for s in SECRETS {
        assert!(!all.contains(s), "{s:?} appears unmasked:\n{all}");
    }
}

fn image_text(x: &Extracted) -> String {
    x.texts.iter().filter(|t| t.source == TextSource::Image).map(|t| t.text.as_str()).collect::<Vec<_>>().join("\n")
}

// ---- OCR of burned-in text --------------------------------------------------

#[test]
fn a_film_with_burned_in_name_dob_and_mrn_is_blocked_and_masked() {
    let Some(inspector) = ocr_or_skip("a_film_with_burned_in_name_dob_and_mrn_is_blocked_and_masked") else { return };
    // A 512-pixel film: the corner text is small and is scaled up before reading.
    let png = fixtures::png(&fixtures::film(512));
    let x = inspector.inspect(&png);
    assert_eq!(x.kind, FileKind::Png);
    let text = image_text(&x);
    assert!(text.contains("00482913") && text.contains("MARGARET"), "OCR read: {text:?}");
    let r = review(&draft(CAPTION, "IMG_5521.png", "image/png", x), &rules());
    assert_eq!(r.verdict, Verdict::Block, "{}", messages(&r));
    let ids = rule_ids(&r);
    for want in ["attach.overlay-name", "phi.date", "phi.mrn"] {
        assert!(ids.contains(&want), "{want} missing:\n{}", messages(&r));
    }
    // Where they were found, and no span into the caption.
    for f in r.findings.iter().filter(|f| f.category == Category::Phi) {
        assert!(f.message.starts_with("In attachment 1's text"), "{}", f.message);
        assert_eq!(f.span, None);
    }
    assert_masked(&r);
}

#[test]
fn light_text_on_a_dark_monitor_screen_is_read() {
    let Some(inspector) = ocr_or_skip("light_text_on_a_dark_monitor_screen_is_read") else { return };
    let x = inspector.inspect(&fixtures::png(&fixtures::monitor(1000, 700)));
    let text = image_text(&x);
    assert!(text.contains("DOE, JOHN") && text.contains("00517731"), "OCR read: {text:?}");
    let r = review(&draft("Busy night in the unit, proud of this team!", "monitor.jpg", "image/jpeg", x), &rules());
    assert_eq!(r.verdict, Verdict::Block);
    let ids = rule_ids(&r);
    assert!(ids.contains(&"attach.overlay-name") && ids.contains(&"phi.mrn"), "{}", messages(&r));
    assert_masked(&r);
}

#[test]
fn a_clean_flyer_passes_and_its_text_is_read() {
    let Some(inspector) = ocr_or_skip("a_clean_flyer_passes_and_its_text_is_read") else { return };
    let x = inspector.inspect(&fixtures::jpeg(&fixtures::flyer(1000, 700)));
    assert_eq!(x.kind, FileKind::Jpeg);
    assert!(image_text(&x).contains("Flu shots now available"), "OCR read: {:?}", image_text(&x));
    assert!(x.not_checked.is_empty() && x.unreadable.is_none(), "{x:?}");
    let r = review(&draft("Flu shots are here: see you this week!", "flyer.jpg", "image/jpeg", x), &rules());
    assert_ne!(r.verdict, Verdict::Block, "{}", messages(&r));
    assert!(r.findings.iter().all(|f| f.category != Category::Phi), "{}", messages(&r));
}

#[test]
fn dicom_pixel_data_goes_to_ocr_too() {
    let Some(inspector) = ocr_or_skip("dicom_pixel_data_goes_to_ocr_too") else { return };
    // De-identified header, but the name is burned into the pixels.
    let film = fixtures::film(512);
    let x = inspector.inspect(&fixtures::dicom(false, Some(&film)));
    assert_eq!(x.kind, FileKind::Dicom);
    assert!(x.dicom.iter().all(|a| a.value.is_empty()), "{:?}", x.dicom);
    assert!(image_text(&x).contains("00482913"), "OCR read: {:?}", image_text(&x));
    let r = review(&draft(CAPTION, "anon.dcm", "application/dicom", x), &rules());
    let ids = rule_ids(&r);
    assert!(ids.contains(&"attach.dicom") && ids.contains(&"phi.mrn"), "{}", messages(&r));
    assert!(!ids.contains(&"attach.dicom-header"), "an empty header names nobody:\n{}", messages(&r));
    assert_masked(&r);
}

// ---- DICOM headers (no OCR needed) ------------------------------------------

#[test]
fn a_dicom_header_with_a_patient_gives_phi_findings_naming_the_attributes() {
    let x = without_ocr(Limits::default()).inspect(&fixtures::dicom(true, None));
    assert_eq!(x.kind, FileKind::Dicom);
    assert!(x.unreadable.is_none(), "{x:?}");
    let r = review(&draft(CAPTION, "IM-0001-0042.dcm", "application/dicom", x), &rules());
    assert_eq!(r.verdict, Verdict::Block);
    let header: Vec<_> = r.findings.iter().filter(|f| f.rule == "attach.dicom-header").collect();
    let all = header.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n");
    for attribute in [
        "PatientName D** M*******",
        "PatientID ******13",
        "PatientBirthDate ********",
        "AccessionNumber",
        "StudyDate",
        "InstitutionName",
        "PatientAddress",
        "PatientTelephoneNumbers",
    ] {
        assert!(all.contains(attribute), "{attribute} missing:\n{all}");
    }
    assert!(header.iter().all(|f| f.category == Category::Phi && f.severity == Severity::Error && f.span.is_none()));
    assert!(rule_ids(&r).contains(&"attach.dicom"));
    let dicom = r.findings.iter().find(|f| f.rule == "attach.dicom").expect("attach.dicom");
    assert_eq!(dicom.category, Category::PatientReference);
    assert_masked(&r);
}

#[test]
fn a_dicom_file_with_an_empty_header_is_still_a_clinical_image() {
    let x = without_ocr(Limits::default()).inspect(&fixtures::dicom(false, None));
    assert_eq!(x.kind, FileKind::Dicom);
    let r = review(&draft(CAPTION, "export.dcm", "application/dicom", x), &rules());
    assert!(rule_ids(&r).contains(&"attach.dicom"), "{}", messages(&r));
    assert!(!rule_ids(&r).contains(&"attach.dicom-header"), "{}", messages(&r));
    assert_eq!(r.verdict, Verdict::Block);
}

// ---- lies, damage, limits ------------------------------------------------------

#[test]
fn a_name_and_type_that_lie_do_not_hide_a_dicom_file() {
    let bytes = fixtures::dicom(true, None);
    let x = without_ocr(Limits::default()).inspect(&bytes);
    let r = review(&draft("Our new lobby!", "lobby.jpg", "image/jpeg", x), &rules());
    let dicom = r.findings.iter().find(|f| f.rule == "attach.dicom").expect("attach.dicom by content");
    assert!(dicom.message.contains("by its content"), "{}", dicom.message);
    assert!(rule_ids(&r).contains(&"attach.dicom-header"));
    // The name-based rule alone would not have seen it.
    let by_name = review(&Draft::new("Our new lobby!").with_attachment("lobby.jpg", "image/jpeg"), &rules());
    assert!(!rule_ids(&by_name).iter().any(|r| r.starts_with("attach.") || *r == "phi.image"));
}

#[test]
fn an_image_named_as_text_is_still_read() {
    let Some(inspector) = ocr_or_skip("an_image_named_as_text_is_still_read") else { return };
    let x = inspector.inspect(&fixtures::png(&fixtures::film(1000)));
    assert_eq!(x.kind, FileKind::Png);
    let r = review(&draft("Minutes of the staff meeting attached.", "minutes.txt", "text/plain", x), &rules());
    assert!(rule_ids(&r).contains(&"phi.mrn"), "{}", messages(&r));
}

#[test]
fn a_truncated_image_is_a_finding_and_the_caption_is_still_reviewed() {
    let png = fixtures::png(&fixtures::flyer(600, 400));
    let cut = &png[..png.len() / 2];
    let x = without_ocr(Limits::default()).inspect(cut);
    assert_eq!(x.kind, FileKind::Png);
    assert!(x.unreadable.is_some(), "{x:?}");
    let r = review(&draft("Questions? Call me at 555-201-8834", "flyer.png", "image/png", x), &rules());
    let ids = rule_ids(&r);
    assert!(ids.contains(&"attach.unreadable") && ids.contains(&"phi.phone"), "{}", messages(&r));
    let f = r.findings.iter().find(|f| f.rule == "attach.unreadable").expect("unreadable");
    assert!(f.message.contains("could not be read") && f.severity == Severity::Warning, "{}", f.message);
    // Garbage that only starts like a PNG, and random bytes.
    let mut junk = b"\x89PNG\r\n\x1a\n".to_vec();
    junk.extend_from_slice(&[0xAB; 300]);
    assert!(without_ocr(Limits::default()).inspect(&junk).unreadable.is_some());
    let mut dicom = fixtures::dicom(true, None);
    dicom.truncate(200);
    let x = without_ocr(Limits::default()).inspect(&dicom);
    assert_eq!(x.kind, FileKind::Dicom);
    assert!(x.unreadable.is_some(), "{x:?}");
}

#[test]
fn a_file_over_the_size_cap_is_not_read_and_says_so() {
    let limits = Limits { max_bytes: 10_000, timeout: Duration::from_secs(30) };
    let png = fixtures::png(&fixtures::film(1000));
    assert!(png.len() > 10_000);
    let x = without_ocr(limits).inspect(&png);
    assert!(matches!(x.not_checked.as_slice(), [NotChecked::TooLarge { .. }]), "{x:?}");
    assert!(x.texts.is_empty());
    let r = review(&draft("Our new imaging suite opens on Monday.", "suite.png", "image/png", x), &rules());
    let f = r.findings.iter().find(|f| f.rule == "attach.unchecked").expect("unchecked");
    assert!(f.message.contains("not checked") && f.message.contains("over the 10 KB limit"), "{}", f.message);
    assert_eq!(r.verdict, Verdict::Revise, "{}", messages(&r));
}

#[test]
fn without_tesseract_the_text_is_reported_as_not_checked() {
    let x = without_ocr(Limits::default()).inspect(&fixtures::png(&fixtures::film(512)));
    assert_eq!(x.not_checked, vec![NotChecked::NoOcr]);
    let r = review(&draft(CAPTION, "IMG_5521.png", "image/png", x), &rules());
    let f = r.findings.iter().find(|f| f.rule == "attach.unchecked").expect("unchecked");
    assert!(f.message.contains("text in the image was not checked"), "{}", f.message);
    assert_eq!(f.severity, Severity::Warning);
}

/// A stand-in for Tesseract that answers the probe, then hangs.
fn hanging_tesseract(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("tesseract");
    std::fs::write(
        &path,
        "#!/bin/sh\ncase \"$1\" in\n  --version) echo 'tesseract 5.3.0 (stand-in)';;\n  --list-langs) echo 'List of available languages (1):'; echo eng;;\n  *) exec sleep 30;;\nesac\n",
    )
    .expect("write stand-in");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[test]
fn ocr_past_the_time_limit_is_stopped_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let limits = Limits { max_bytes: 25 << 20, timeout: Duration::from_millis(600) };
    let inspector = Inspector::new(limits, &hanging_tesseract(dir.path()));
    assert!(inspector.ocr().is_ok());
    let started = std::time::Instant::now();
    let x = inspector.inspect(&fixtures::png(&fixtures::flyer(400, 300)));
    assert!(started.elapsed() < Duration::from_secs(5), "the hanging OCR was not killed: {:?}", started.elapsed());
    assert!(matches!(x.not_checked.as_slice(), [NotChecked::TimedOut { partly: false, .. }]), "{x:?}");
    let r = review(&draft(CAPTION, "flyer.png", "image/png", x), &rules());
    assert!(messages(&r).contains("took longer than"), "{}", messages(&r));
}

// ---- metadata and formats ----------------------------------------------------------

#[test]
fn a_gps_position_and_serial_number_in_exif_are_reported() {
    let jpg = fixtures::jpeg_with_gps(&fixtures::flyer(400, 300));
    let x = without_ocr(Limits::default()).inspect(&jpg);
    assert_eq!(x.kind, FileKind::Jpeg);
    assert!(x.unreadable.is_none(), "{x:?}");
    let r = review(&draft("Day 3 of healing!", "wound.jpg", "image/jpeg", x), &rules());
    let meta: Vec<_> = r.findings.iter().filter(|f| f.rule == "attach.metadata").collect();
    assert_eq!(meta.len(), 2, "{}", messages(&r));
    assert!(meta[0].message.contains("GPS position"), "{}", meta[0].message);
    assert!(meta[1].message.contains("********77") && !meta[1].message.contains("CX2083"), "{}", meta[1].message);
}

#[test]
fn every_supported_image_format_is_decoded() {
    let img = fixtures::flyer(300, 200);
    let formats = [
        (image::ImageFormat::Png, FileKind::Png),
        (image::ImageFormat::Jpeg, FileKind::Jpeg),
        (image::ImageFormat::Gif, FileKind::Gif),
        (image::ImageFormat::WebP, FileKind::Webp),
        (image::ImageFormat::Tiff, FileKind::Tiff),
        (image::ImageFormat::Bmp, FileKind::Bmp),
    ];
    for (format, kind) in formats {
        let mut bytes = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageLuma8(img.clone()).to_rgb8().write_to(&mut bytes, format).expect("encode");
        let bytes = bytes.into_inner();
        assert_eq!(safetweet::attach::sniff::sniff(&bytes), kind, "{format:?}");
        let decoded = safetweet::attach::decode(&bytes, kind).unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(decoded.dimensions(), (300, 200), "{format:?}");
    }
}

#[test]
fn pdf_and_unknown_files_are_reported_as_not_checked_and_text_files_are_read() {
    let x = without_ocr(Limits::default()).inspect(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n");
    assert_eq!((x.kind, x.not_checked.clone()), (FileKind::Pdf, vec![NotChecked::Unsupported]));
    let r = review(&draft(CAPTION, "discharge.pdf", "application/pdf", x), &rules());
    assert!(messages(&r).contains("it is a PDF document, which the bot does not read"), "{}", messages(&r));
    let x = without_ocr(Limits::default()).inspect(b"Patient: Margaret Doe\nMRN: 00482913\n");
    assert_eq!(x.kind, FileKind::Text);
    let r = review(&draft(CAPTION, "notes.txt", "text/plain", x), &rules());
    assert!(rule_ids(&r).contains(&"phi.mrn"), "{}", messages(&r));
    assert_masked(&r);
}

// ---- safetweet check --attach PATH and JSONL "path" ---------------------------------

fn run(args: &[&str], cwd: &Path) -> std::process::Output {
    std::process::Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env_remove("DISCORD_TOKEN")
        .env("NO_COLOR", "1")
        .output()
        .expect("run safetweet")
}

#[test]
fn check_attach_path_reads_the_file_and_name_type_stays_metadata_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("draft.txt"), CAPTION).expect("draft");
    std::fs::write(dir.path().join("study.bin"), fixtures::dicom(true, None)).expect("dicom");
    let out = run(&["check", "--format", "json", "--attach", "study.bin", "draft.txt"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let rules: Vec<&str> =
        v["findings"].as_array().expect("findings").iter().filter_map(|f| f["rule"].as_str()).collect();
    assert!(rules.contains(&"attach.dicom") && rules.contains(&"attach.dicom-header"), "{v}");
    let text = String::from_utf8_lossy(&out.stdout);
    for s in SECRETS {
        assert!(!text.contains(s), "{s} unmasked: {text}");
    }
    // NAME:TYPE: the old metadata-only form.
    let out =
        run(&["check", "--format", "json", "--attach", "study.bin:application/octet-stream", "draft.txt"], dir.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(!v.to_string().contains("attach."), "{v}");
}

#[test]
fn jsonl_attachment_paths_are_relative_to_the_jsonl_file_and_a_missing_file_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("img")).expect("dirs");
    std::fs::write(data.join("img/scan.dcm"), fixtures::dicom(true, None)).expect("dicom");
    let abs = dir.path().join("empty.dcm");
    std::fs::write(&abs, fixtures::dicom(false, None)).expect("dicom");
    let lines = [
        serde_json::json!({"id": "rel", "text": CAPTION, "attachments": [{"filename": "scan.dcm", "content_type": "application/dicom", "path": "img/scan.dcm"}]}),
        serde_json::json!({"id": "abs", "text": CAPTION, "attachments": [{"path": abs}]}),
        serde_json::json!({"id": "gone", "text": "Call 555-201-8834", "attachments": [{"filename": "x.png", "path": "img/missing.png"}]}),
        serde_json::json!({"id": "meta", "text": CAPTION, "attachments": [{"filename": "x.png", "content_type": "image/png"}]}),
    ];
    let jsonl: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(data.join("drafts.jsonl"), jsonl).expect("jsonl");
    // Run from elsewhere: paths resolve against the JSONL file's folder.
    let out = run(&["check", "--jsonl", "data/drafts.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let results: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json line")).collect();
    assert_eq!(results.len(), 4, "{results:?}\n{stderr}");
    let rules_of = |i: usize| -> Vec<String> {
        results[i]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["rule"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert!(rules_of(0).contains(&"attach.dicom-header".to_string()), "{:?}", results[0]);
    assert!(
        rules_of(1).contains(&"attach.dicom".to_string()) && !rules_of(1).contains(&"attach.dicom-header".to_string())
    );
    assert!(rules_of(2).contains(&"attach.unchecked".to_string()) && rules_of(2).contains(&"phi.phone".to_string()));
    assert!(stderr.contains("missing.png"), "{stderr}");
    assert!(!rules_of(3).iter().any(|r| r.starts_with("attach.")), "{:?}", results[3]);
}
