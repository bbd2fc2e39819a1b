//! What is inside an attachment, as findings (rules `attach.*`).
//!
//! The engine never reads bytes: the attachment adapter (`crate::attach`)
//! sniffs the real type, parses DICOM headers, reads EXIF metadata and runs
//! OCR, and hands the result over as [`Extracted`] in
//! [`super::Attachment::extracted`]. This module turns that content into
//! findings:
//!
//! - `attach.dicom`: any DICOM file is a clinical image (by its bytes, whatever
//!   its name says), even with an empty header;
//! - `attach.dicom-header`: the header's identifying attributes (PatientName,
//!   PatientID, PatientBirthDate, AccessionNumber, addresses, phones,
//!   institution, dates...), one finding per Safe Harbor identifier, naming
//!   the attributes, values masked;
//! - text read from the attachment (OCR of burned-in text, DICOM free-text
//!   attributes, EXIF descriptions, plain-text files) is reviewed by
//!   [`super::review`] itself, and its findings come back under their own rule
//!   ids, saying where they were found ("In attachment 1's text: …"), with no
//!   span (the draft's byte offsets are not the image's);
//! - `attach.overlay-name`: a name written the way scanners burn it into
//!   images (`DOE, MARGARET`, `DOE^MARGARET`) next to other identifiers;
//! - `attach.metadata`: a GPS position, a camera serial number or an owner's
//!   name in the image metadata;
//! - `attach.unreadable` / `attach.unchecked`: the bytes could not be decoded,
//!   or the content was not looked at (no OCR engine, over the size cap, past
//!   the time limit, a format the bot cannot read): a warning the manager
//!   sees, never silence.
//!
//! An attachment without [`Extracted`] (only its name and declared type are
//! known, e.g. `check --attach NAME:TYPE`) adds nothing here; the name-based
//! rules (`phi.image`, `patient.image`) still see it.
//!
//! Pure like the rest of the engine: no files, no processes, no tokio.

use super::registry::RuleDoc;
use super::{mask, review, Category, Draft, Finding, Identifier, RuleSet, Severity, Sink};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

pub const RULE_DICOM: &str = "attach.dicom";
pub const RULE_DICOM_HEADER: &str = "attach.dicom-header";
pub const RULE_OVERLAY_NAME: &str = "attach.overlay-name";
pub const RULE_METADATA: &str = "attach.metadata";
pub const RULE_UNREADABLE: &str = "attach.unreadable";
pub const RULE_UNCHECKED: &str = "attach.unchecked";

/// The code rules of this module.
pub const RULES: &[RuleDoc] = &[
    RuleDoc {
        id: RULE_DICOM,
        category: Category::PatientReference,
        severity: Severity::Error,
        what: "Flags an attachment whose bytes are a DICOM file (the `DICM` marker), whatever its name or \
               declared type (`study.bin`, `image.png`), even when its header names nobody.",
        why: "A DICOM file is a clinical image of one patient: besides its header it carries acquisition \
              details and pixels that can be traced back to the person (a head scan can be rendered into a face).",
        example: "`Interesting case for Friday's teaching round` with `study.bin` (a DICOM file) → attach a \
                  de-identified export that compliance has reviewed, or no image.",
    },
    RuleDoc {
        id: RULE_DICOM_HEADER,
        category: Category::Phi,
        severity: Severity::Error,
        what: "Reports the identifying attributes of a DICOM attachment's header, by Safe Harbor identifier and \
               attribute name, values masked: PatientName, OtherPatientNames, PatientID, OtherPatientIDs, \
               PatientBirthDate, PatientAddress, PatientTelephoneNumbers, AccessionNumber, InstitutionName and \
               address, referring physician, study/series/acquisition dates, device serial number, ages over 89; \
               also inside sequences.",
        why: "The header holds the patient's name, record number and birth date in plain text; anyone who saves \
              the attachment can read them.",
        example: "`CT_0042.dcm` with PatientName `DOE^MARGARET`, PatientID `00482913` → remove the file; export a \
                  de-identified image.",
    },
    RuleDoc {
        id: RULE_OVERLAY_NAME,
        category: Category::Phi,
        severity: Severity::Error,
        what: "In text read from an attachment (OCR of an image, DICOM pixel data), finds a name written the way \
               scanners and monitors burn it in: `DOE, MARGARET`, `DOE^MARGARET J`, `Doe, Margaret`, when the same \
               text carries another identifier or a cue such as DOB, MRN, ID, patient or name.",
        why: "Films, scans and bedside monitors print the patient's name as `LAST, FIRST` in a corner; a caption \
              can be clean while the picture names the patient.",
        example: "A chest film with `DOE, MARGARET  DOB 04/17/1956  MRN 00482913` in its corner → crop or \
                  redact the burned-in text.",
    },
    RuleDoc {
        id: RULE_METADATA,
        category: Category::Phi,
        severity: Severity::Warning,
        what: "Reports what an image's metadata (EXIF) gives away: a GPS position, a camera or lens serial \
               number, the owner's or artist's name.",
        why: "A photo's GPS position can locate a patient's home or room, and serial numbers and owner names \
              tie the picture to a device and a person. Some platforms strip EXIF on upload; many do not, and \
              files shared elsewhere keep it.",
        example: "`wound-day3.jpg` taken with location on → share the photo without its location (most phones: \
                  Options → Location off) or strip its metadata.",
    },
    RuleDoc {
        id: RULE_UNREADABLE,
        category: Category::Content,
        severity: Severity::Warning,
        what: "Flags an attachment whose bytes could not be decoded as what they are (a damaged or cut-short \
               image or DICOM file): its content was not checked.",
        why: "The bot cannot vouch for what it could not read; a manager should open the file before approving.",
        example: "`xray.png` cut short during upload → post the file again, or check it by eye.",
    },
    RuleDoc {
        id: RULE_UNCHECKED,
        category: Category::Content,
        severity: Severity::Warning,
        what: "Says that an attachment's content (or part of it) was not checked, and why: no OCR engine \
               (Tesseract) installed, larger than the size cap, past the time limit, the download failed, a \
               format the bot does not read (PDF, video, HEIC), DICOM pixel data in a compression the bot cannot \
               decode.",
        why: "Silence would read as \"nothing found\". A manager must know that the picture itself was not looked \
              at before approving it.",
        example: "A 40 MB TIFF with a 25 MB cap → check the image by eye, or attach a smaller export.",
    },
];

/// The real type of an attachment, from its first bytes (not its name or
/// declared type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FileKind {
    #[default]
    Unknown,
    Png,
    Jpeg,
    Gif,
    Webp,
    Tiff,
    Bmp,
    /// HEIC/HEIF/AVIF (an ISO-BMFF image).
    Heif,
    Dicom,
    Pdf,
    /// MP4/QuickTime, WebM/Matroska, AVI.
    Video,
    /// UTF-8 text without control bytes.
    Text,
}

impl FileKind {
    /// How a message names it ("a PNG image").
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Unknown => "a file of a type the bot does not know",
            FileKind::Png => "a PNG image",
            FileKind::Jpeg => "a JPEG image",
            FileKind::Gif => "a GIF image",
            FileKind::Webp => "a WebP image",
            FileKind::Tiff => "a TIFF image",
            FileKind::Bmp => "a BMP image",
            FileKind::Heif => "a HEIC/AVIF image",
            FileKind::Dicom => "a DICOM file",
            FileKind::Pdf => "a PDF document",
            FileKind::Video => "a video",
            FileKind::Text => "a text file",
        }
    }

    /// The MIME type of the real content ("" when unknown).
    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Unknown => "",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Gif => "image/gif",
            FileKind::Webp => "image/webp",
            FileKind::Tiff => "image/tiff",
            FileKind::Bmp => "image/bmp",
            FileKind::Heif => "image/heif",
            FileKind::Dicom => "application/dicom",
            FileKind::Pdf => "application/pdf",
            FileKind::Video => "video/mp4",
            FileKind::Text => "text/plain",
        }
    }

    /// A raster image the adapter decodes and reads with OCR.
    pub fn is_raster(self) -> bool {
        matches!(self, FileKind::Png | FileKind::Jpeg | FileKind::Gif | FileKind::Webp | FileKind::Tiff | FileKind::Bmp)
    }
}

/// One attribute of a DICOM header, as read: its tag, keyword and value
/// (multiple values joined by `\`, person names with `^`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DicomAttribute {
    pub tag: (u16, u16),
    pub keyword: String,
    pub value: String,
}

/// How a DICOM attribute's value is masked in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DicomMask {
    /// Person names: initials kept.
    Name,
    /// Dates and times: every digit.
    Digits,
    /// Identifiers: the last two characters kept.
    Tail2,
    /// Phone numbers: the last four digits kept.
    Tail4,
    /// Addresses and institutions: initials kept, digits masked.
    Words,
    /// Ages: reported only over 89, as "over 89".
    Age,
}

/// One identifying DICOM attribute: tag, keyword, the identifier it is.
pub struct DicomRule {
    pub tag: (u16, u16),
    pub keyword: &'static str,
    pub identifier: Identifier,
    pub mask: DicomMask,
}

const fn d(group: u16, element: u16, keyword: &'static str, identifier: Identifier, mask: DicomMask) -> DicomRule {
    DicomRule { tag: (group, element), keyword, identifier, mask }
}

/// The header attributes that identify a person or an encounter (after
/// DICOM PS3.15's Basic Application Level Confidentiality Profile, limited to
/// what Safe Harbor names). UIDs are left out: every DICOM file has them, and
/// the file itself is reported by `attach.dicom`.
pub const DICOM_IDENTIFYING: &[DicomRule] = &[
    d(0x0010, 0x0010, "PatientName", Identifier::Name, DicomMask::Name),
    d(0x0010, 0x1001, "OtherPatientNames", Identifier::Name, DicomMask::Name),
    d(0x0010, 0x1005, "PatientBirthName", Identifier::Name, DicomMask::Name),
    d(0x0010, 0x1060, "PatientMotherBirthName", Identifier::Name, DicomMask::Name),
    d(0x0010, 0x2297, "ResponsiblePerson", Identifier::Name, DicomMask::Name),
    d(0x0008, 0x0090, "ReferringPhysicianName", Identifier::Name, DicomMask::Name),
    d(0x0010, 0x0020, "PatientID", Identifier::MedicalRecordNumber, DicomMask::Tail2),
    d(0x0010, 0x1000, "OtherPatientIDs", Identifier::MedicalRecordNumber, DicomMask::Tail2),
    d(0x0010, 0x1090, "MedicalRecordLocator", Identifier::MedicalRecordNumber, DicomMask::Tail2),
    d(0x0008, 0x0050, "AccessionNumber", Identifier::OtherUniqueIdentifier, DicomMask::Tail2),
    d(0x0020, 0x0010, "StudyID", Identifier::OtherUniqueIdentifier, DicomMask::Tail2),
    d(0x0038, 0x0010, "AdmissionID", Identifier::AccountNumber, DicomMask::Tail2),
    d(0x0010, 0x0050, "InsurancePlanIdentification", Identifier::HealthPlanNumber, DicomMask::Tail2),
    d(0x0010, 0x0030, "PatientBirthDate", Identifier::Date, DicomMask::Digits),
    d(0x0010, 0x0032, "PatientBirthTime", Identifier::Date, DicomMask::Digits),
    d(0x0008, 0x0020, "StudyDate", Identifier::Date, DicomMask::Digits),
    d(0x0008, 0x0021, "SeriesDate", Identifier::Date, DicomMask::Digits),
    d(0x0008, 0x0022, "AcquisitionDate", Identifier::Date, DicomMask::Digits),
    d(0x0008, 0x0023, "ContentDate", Identifier::Date, DicomMask::Digits),
    d(0x0038, 0x0020, "AdmittingDate", Identifier::Date, DicomMask::Digits),
    d(0x0038, 0x0030, "DischargeDate", Identifier::Date, DicomMask::Digits),
    d(0x0010, 0x1010, "PatientAge", Identifier::Date, DicomMask::Age),
    d(0x0010, 0x1040, "PatientAddress", Identifier::Geographic, DicomMask::Words),
    d(0x0010, 0x2152, "RegionOfResidence", Identifier::Geographic, DicomMask::Words),
    d(0x0008, 0x0080, "InstitutionName", Identifier::Geographic, DicomMask::Words),
    d(0x0008, 0x0081, "InstitutionAddress", Identifier::Geographic, DicomMask::Words),
    d(0x0008, 0x0092, "ReferringPhysicianAddress", Identifier::Geographic, DicomMask::Words),
    d(0x0010, 0x2154, "PatientTelephoneNumbers", Identifier::Phone, DicomMask::Tail4),
    d(0x0008, 0x0094, "ReferringPhysicianTelephoneNumbers", Identifier::Phone, DicomMask::Tail4),
    d(0x0010, 0x2155, "PatientTelecomInformation", Identifier::Email, DicomMask::Tail4),
    d(0x0018, 0x1000, "DeviceSerialNumber", Identifier::DeviceIdentifier, DicomMask::Tail2),
];

/// The identifying attribute with this tag, if it is one.
pub fn dicom_rule(tag: (u16, u16)) -> Option<&'static DicomRule> {
    DICOM_IDENTIFYING.iter().find(|r| r.tag == tag)
}

/// Free-text header attributes: reviewed as text, like a caption.
pub const DICOM_FREE_TEXT: &[((u16, u16), &str)] = &[
    ((0x0008, 0x1030), "StudyDescription"),
    ((0x0008, 0x103E), "SeriesDescription"),
    ((0x0020, 0x4000), "ImageComments"),
    ((0x0010, 0x4000), "PatientComments"),
    ((0x0010, 0x21B0), "AdditionalPatientHistory"),
];

/// Where a piece of text in an attachment came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    /// Read by OCR from the image (or from a DICOM file's pixels).
    Image,
    /// Free-text attributes of a DICOM header.
    DicomHeader,
    /// Descriptions and comments in the image metadata (EXIF).
    Metadata,
    /// The attachment is a text file.
    File,
}

/// A piece of text found in an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedText {
    pub source: TextSource,
    pub text: String,
}

/// What the image metadata says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataFact {
    /// A GPS position (its value is never shown).
    GpsPosition,
    /// A camera/lens serial number: (EXIF field, value).
    SerialNumber(String, String),
    /// A person named as owner, artist or copyright holder: (field, value).
    Person(String, String),
}

/// Why (part of) an attachment's content was not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotChecked {
    /// No OCR engine: the text in the image was not read.
    NoOcr,
    /// Larger than the size cap (bytes): not read at all.
    TooLarge { size: u64, max: u64 },
    /// Reading took longer than the time limit (seconds); `partly` when some
    /// text was read before it.
    TimedOut { secs: u64, partly: bool },
    /// The bytes could not be fetched (why, without the address).
    NotFetched(String),
    /// A type the bot does not look into (PDF, video, HEIC, unknown).
    Unsupported,
    /// DICOM pixel data the bot cannot decode (why: the compression).
    Pixels(String),
    /// The OCR engine failed on this image (why).
    OcrFailed(String),
}

/// What the attachment adapter read from an attachment's bytes. Everything
/// in here stays in memory: it is never logged or stored, and findings show
/// it only masked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Extracted {
    /// The real type, from the magic bytes.
    pub kind: FileKind,
    /// A DICOM header's identifying attributes, in file order.
    pub dicom: Vec<DicomAttribute>,
    /// Text found in the attachment.
    pub texts: Vec<ExtractedText>,
    /// Facts from the image metadata.
    pub metadata: Vec<MetadataFact>,
    /// `Some(why)` when the bytes could not be decoded as what they are.
    pub unreadable: Option<String>,
    /// What was not checked, and why.
    pub not_checked: Vec<NotChecked>,
}

impl Extracted {
    /// Content of `kind`, nothing found yet.
    pub fn of(kind: FileKind) -> Extracted {
        Extracted { kind, ..Extracted::default() }
    }

    /// An attachment whose bytes were never read, and why.
    pub fn not_read(why: NotChecked) -> Extracted {
        Extracted { not_checked: vec![why], ..Extracted::default() }
    }
}

/// Categories of findings in an attachment's text that are reported: what
/// is about the content. Length, links, hashtags and disclaimers are about
/// the post itself, not about text inside a picture.
const TEXT_CATEGORIES: [Category; 5] =
    [Category::Phi, Category::PatientReference, Category::ClinicalAdvice, Category::HealthClaim, Category::Content];

/// The attachment rules as a family: their docs. [`super::review`] runs
/// [`detect`] after the learned model, on what the attachment adapter read.
pub struct Family;

impl super::check::Check for Family {
    fn name(&self) -> &'static str {
        "attachments"
    }
    fn docs(&self) -> &'static [RuleDoc] {
        RULES
    }
}

/// The findings of a draft's attachments (empty when no attachment was read).
/// The draft's own text is reviewed by the caller.
pub fn detect(draft: &Draft, rules: &RuleSet) -> Vec<Finding> {
    let mut sink = Sink::new(rules);
    let mut from_text = Vec::new();
    for (i, a) in draft.attachments.iter().enumerate() {
        let Some(x) = &a.extracted else { continue };
        let n = i + 1;
        // By number only: a file name can itself carry a name ("DOE_M_xray.png").
        let label = format!("Attachment {n}");
        if x.kind == FileKind::Dicom {
            let by_content = !looks_like_dicom_by_name(&a.filename, &a.content_type);
            sink.push(
                RULE_DICOM,
                None,
                format!(
                    "{label} is a DICOM file{}: a clinical image of one patient, with their details in its header",
                    if by_content { " (by its content, whatever its name and type say)" } else { "" }
                ),
                Some("Attach a de-identified export (PNG/JPEG, no burned-in text) that compliance has reviewed, or no image.".into()),
                None,
            );
            dicom_header(n, &x.dicom, &mut sink);
        }
        for fact in &x.metadata {
            metadata(n, fact, &mut sink);
        }
        for t in &x.texts {
            text_findings(n, t, rules, &mut sink, &mut from_text);
        }
        if let Some(why) = &x.unreadable {
            sink.push(
                RULE_UNREADABLE,
                None,
                format!("{label} could not be read ({}: {why}): its content was not checked", x.kind.describe()),
                Some("Post the file again, or open it and check it by eye before approving.".into()),
                None,
            );
        }
        for nc in &x.not_checked {
            let (what, suggestion) = not_checked(nc, x.kind);
            sink.push(RULE_UNCHECKED, None, format!("{label}: {what}"), Some(suggestion.into()), None);
        }
    }
    let mut findings = sink.into_findings();
    findings.extend(from_text);
    findings
}

fn looks_like_dicom_by_name(filename: &str, content_type: &str) -> bool {
    let name = filename.to_ascii_lowercase();
    name.ends_with(".dcm")
        || name.ends_with(".dicom")
        || content_type.to_ascii_lowercase().starts_with("application/dicom")
}

fn mask_dicom(value: &str, how: DicomMask) -> Option<String> {
    let v = value.trim().trim_matches(char::from(0)).trim();
    if v.is_empty() || v.chars().all(|c| c == '^' || c == '\\' || c == '=' || c.is_whitespace()) {
        return None;
    }
    let v = v.replace('\\', ", ");
    Some(match how {
        DicomMask::Name => {
            let spaced: String = v.replace(['^', '='], " ");
            mask::mask_words(spaced.split_whitespace().collect::<Vec<_>>().join(" ").as_str())
        }
        DicomMask::Digits => v.chars().map(|c| if c.is_ascii_alphanumeric() { '*' } else { c }).collect(),
        DicomMask::Tail2 => mask::mask_tail(&v, 2),
        DicomMask::Tail4 => mask::mask_tail(&v, 4),
        DicomMask::Words => mask::mask_words(&v).chars().map(|c| if c.is_ascii_digit() { '*' } else { c }).collect(),
        DicomMask::Age => {
            // "092Y": only ages over 89 are identifiers.
            let years: u32 = v.strip_suffix('Y').unwrap_or("").trim_start_matches('0').parse().ok()?;
            if years <= 89 {
                return None;
            }
            "over 89".to_string()
        }
    })
}

fn dicom_header(n: usize, attrs: &[DicomAttribute], sink: &mut Sink<'_>) {
    // One finding per identifier, naming its attributes (in file order).
    let mut by_identifier: BTreeMap<Identifier, Vec<String>> = BTreeMap::new();
    for a in attrs {
        let Some(rule) = dicom_rule(a.tag) else { continue };
        let Some(masked) = mask_dicom(&a.value, rule.mask) else { continue };
        let entry = by_identifier.entry(rule.identifier).or_default();
        let item = format!("{} {masked}", rule.keyword);
        if !entry.contains(&item) {
            entry.push(item);
        }
    }
    for (identifier, items) in by_identifier {
        sink.push(
            RULE_DICOM_HEADER,
            None,
            format!("Attachment {n}'s DICOM header: {} (HIPAA identifier: {})", items.join(", "), identifier.label()),
            Some("Remove the DICOM file; attach a de-identified export whose header and pixels name nobody.".into()),
            Some(identifier),
        );
    }
}

fn metadata(n: usize, fact: &MetadataFact, sink: &mut Sink<'_>) {
    let (what, identifier) = match fact {
        MetadataFact::GpsPosition => ("a GPS position (where the photo was taken)".to_string(), Identifier::Geographic),
        MetadataFact::SerialNumber(field, v) => {
            (format!("a serial number {} ({field})", mask::mask_tail(v, 2)), Identifier::DeviceIdentifier)
        }
        MetadataFact::Person(field, v) => (format!("a name {} ({field})", mask::mask_words(v)), Identifier::Name),
    };
    sink.push(
        RULE_METADATA,
        None,
        format!("Attachment {n}'s metadata holds {what} (HIPAA identifier: {})", identifier.label()),
        Some("Share the image without its metadata (location off, or export a copy without EXIF).".into()),
        Some(identifier),
    );
}

fn where_found(n: usize, source: TextSource) -> String {
    match source {
        TextSource::Image | TextSource::File => format!("In attachment {n}'s text"),
        TextSource::DicomHeader => format!("In attachment {n}'s DICOM header text"),
        TextSource::Metadata => format!("In attachment {n}'s metadata text"),
    }
}

/// Reviews a piece of an attachment's text with the same engine as the
/// draft; its findings are reported under their own rules, one line per
/// rule, saying where they were found and carrying no span.
fn text_findings(n: usize, t: &ExtractedText, rules: &RuleSet, sink: &mut Sink<'_>, out: &mut Vec<Finding>) {
    if t.text.trim().is_empty() {
        return;
    }
    let place = where_found(n, t.source);
    let inner = review(&Draft::new(t.text.clone()), rules);
    let mut by_rule: Vec<(Finding, usize)> = Vec::new();
    for f in inner.findings.into_iter().filter(|f| TEXT_CATEGORIES.contains(&f.category)) {
        match by_rule.iter_mut().find(|(g, _)| g.rule == f.rule) {
            Some((_, more)) => *more += 1,
            None => by_rule.push((f, 0)),
        }
    }
    let has_phi = by_rule.iter().any(|(f, _)| f.category == Category::Phi);
    for (f, more) in by_rule {
        let also = match more {
            0 => String::new(),
            1 => " (and 1 more like it)".to_string(),
            k => format!(" (and {k} more like it)"),
        };
        out.push(Finding { span: None, message: format!("{place}: {}{also}", f.message), ..f });
    }
    if t.source == TextSource::Image && sink.enabled(RULE_OVERLAY_NAME) {
        overlay_names(&place, &t.text, has_phi, sink);
    }
}

/// `DOE, MARGARET` / `DOE^MARGARET J` / `Doe, Margaret`, on one line.
static OVERLAY_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)([A-Z][A-Za-z'\-]{1,24}) ?[,^] ?([A-Z][A-Za-z'\-]{1,24})(?:[ ^]([A-Z])\.?)?(?-u:\b)")
        .expect("overlay name regex")
});

/// Words that say the text around is about a patient.
static OVERLAY_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(dob|d\.o\.b|mrn|patient|pt|name|id|acc|accession|birth|born|sex|age|bed|room)(?-u:\b)")
        .expect("overlay cue regex")
});

/// Cues that, on the name's own line, make `LAST, FIRST` a name whatever the
/// name lists say.
static OVERLAY_STRONG_CUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(dob|d\.o\.b|mrn|patient|pt|name|id|birth|born)(?-u:\b)").expect("strong cue regex")
});

/// Capitalised words in films, monitors and flyers that are not names.
const OVERLAY_NOT_NAMES: &[&str] = &[
    "ABDOMEN",
    "ACC",
    "ANKLE",
    "AP",
    "APRIL",
    "AUGUST",
    "AXIAL",
    "BED",
    "CHEST",
    "COR",
    "CORONAL",
    "CT",
    "DECEMBER",
    "DOB",
    "ELBOW",
    "ERECT",
    "FEBRUARY",
    "FOOT",
    "FRIDAY",
    "HAND",
    "HEAD",
    "HIP",
    "HR",
    "ID",
    "JANUARY",
    "JULY",
    "JUNE",
    "KNEE",
    "LAT",
    "LATERAL",
    "LEFT",
    "MARCH",
    "MAY",
    "MONDAY",
    "MR",
    "MRI",
    "MRN",
    "NECK",
    "NOVEMBER",
    "OCTOBER",
    "PA",
    "PELVIS",
    "PORTABLE",
    "PRONE",
    "RIGHT",
    "ROOM",
    "RR",
    "SAG",
    "SAGITTAL",
    "SATURDAY",
    "SEPTEMBER",
    "SEX",
    "SHOULDER",
    "SPINE",
    "SPO2",
    "SUNDAY",
    "SUPINE",
    "THURSDAY",
    "TUESDAY",
    "VIEW",
    "WEDNESDAY",
    "WRIST",
    "XR",
];

fn is_overlay_word(w: &str) -> bool {
    let all_caps = w.chars().all(|c| !c.is_ascii_lowercase());
    let title = w.chars().skip(1).all(|c| !c.is_ascii_uppercase());
    (all_caps || title) && w.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2
}

/// "MARGARET" → "Margaret", as the name lists spell names.
fn title_case(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    for (i, c) in w.chars().enumerate() {
        if i == 0 {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// `LAST, FIRST` / `LAST^FIRST` in text read from an image: a name when the
/// text is about a patient (another identifier, or a cue word) and either
/// the DICOM caret form is used, a strong cue is on the same line (`DOB`,
/// `MRN`, `patient`…), or the first name or surname is a known one.
fn overlay_names(place: &str, text: &str, has_phi: bool, sink: &mut Sink<'_>) {
    // The caret form (DICOM person names) is a cue of its own.
    if !has_phi && !OVERLAY_CUE.is_match(text) && !text.contains('^') {
        return;
    }
    let mut seen: Vec<String> = Vec::new();
    for line in text.lines() {
        let strong_line = OVERLAY_STRONG_CUE.is_match(line);
        for c in OVERLAY_NAME.captures_iter(line) {
            let (Some(whole), Some(last), Some(first)) = (c.get(0), c.get(1), c.get(2)) else { continue };
            let (last, first) = (last.as_str(), first.as_str());
            let same_case =
                last.chars().all(|c| !c.is_ascii_lowercase()) == first.chars().all(|c| !c.is_ascii_lowercase());
            if !same_case || !is_overlay_word(last) || !is_overlay_word(first) {
                continue;
            }
            let up = |w: &str| w.to_ascii_uppercase();
            if OVERLAY_NOT_NAMES.contains(&up(last).as_str()) || OVERLAY_NOT_NAMES.contains(&up(first).as_str()) {
                continue;
            }
            let caret = whole.as_str().contains('^');
            let known =
                super::context::is_given_name(&title_case(first)) || super::context::is_family_name(&title_case(last));
            if !(caret || strong_line || known) {
                continue;
            }
            let masked = format!("{}, {}", mask::mask_words(last), mask::mask_words(first));
            if seen.contains(&masked) {
                continue;
            }
            seen.push(masked.clone());
            sink.push(
                RULE_OVERLAY_NAME,
                None,
                format!(
                    "{place}: a name written the way images print the patient's ({masked}) (HIPAA identifier: {})",
                    Identifier::Name.label()
                ),
                Some("Crop or redact the burned-in text, or use an image that names nobody.".into()),
                Some(Identifier::Name),
            );
        }
    }
}

fn not_checked(nc: &NotChecked, kind: FileKind) -> (String, &'static str) {
    const LOOK: &str = "Open the attachment and check it by eye before approving.";
    match nc {
        NotChecked::NoOcr => (
            "the text in the image was not checked: no OCR engine (Tesseract) was available to read it".to_string(),
            "Check the image by eye for names, dates and record numbers; ask the bot's admin to install Tesseract.",
        ),
        NotChecked::TooLarge { size, max } => (
            format!("its content was not checked: {} is over the {} limit", megabytes(*size), megabytes(*max)),
            "Check the file by eye, or attach a smaller export.",
        ),
        NotChecked::TimedOut { secs, partly: false } => {
            (format!("its content was not checked: reading it took longer than {secs} s"), LOOK)
        }
        NotChecked::TimedOut { secs, partly: true } => (
            format!("its text was only partly read before the {secs} s limit; some text may not have been checked"),
            LOOK,
        ),
        NotChecked::NotFetched(why) => {
            (format!("its content was not checked: the file could not be fetched ({why})"), LOOK)
        }
        NotChecked::Unsupported => {
            (format!("its content was not checked: it is {}, which the bot does not read", kind.describe()), LOOK)
        }
        NotChecked::Pixels(why) => {
            (format!("the image in the DICOM file was not checked for burned-in text ({why})"), LOOK)
        }
        NotChecked::OcrFailed(why) => (format!("the text in the image was not checked: OCR failed ({why})"), LOOK),
    }
}

fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / (1024.0 * 1024.0);
    if mb >= 10.0 {
        format!("{mb:.0} MB")
    } else if mb >= 1.0 {
        format!("{mb:.1} MB")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Attachment, Verdict};

    fn rules() -> RuleSet {
        RuleSet::builtin().expect("built-in rules")
    }

    fn with(filename: &str, content_type: &str, x: Extracted) -> Draft {
        let mut d = Draft::new("Teaching case for Friday's conference.");
        d.attachments.push(Attachment {
            filename: filename.into(),
            content_type: content_type.into(),
            extracted: Some(x),
        });
        d
    }

    fn attr(tag: (u16, u16), value: &str) -> DicomAttribute {
        let keyword = dicom_rule(tag).map(|r| r.keyword).unwrap_or("X").to_string();
        DicomAttribute { tag, keyword, value: value.into() }
    }

    fn image_text(text: &str) -> Extracted {
        Extracted {
            kind: FileKind::Png,
            texts: vec![ExtractedText { source: TextSource::Image, text: text.into() }],
            ..Extracted::default()
        }
    }

    fn rule_ids(fs: &[Finding]) -> Vec<&str> {
        fs.iter().map(|f| f.rule.as_str()).collect()
    }

    #[test]
    fn rules_are_documented_and_prefixed() {
        for r in RULES {
            assert!(r.id.starts_with("attach."), "{}", r.id);
            assert!(r.what.len() > 40 && r.why.len() > 40 && r.example.len() > 20, "{}", r.id);
        }
        let rs = rules();
        for r in RULES {
            assert_eq!(rs.severity_of(r.id), Some(r.severity), "{} is registered", r.id);
        }
    }

    #[test]
    fn no_extracted_content_adds_nothing() {
        let d = Draft::new("x").with_attachment("xray.png", "image/png");
        assert!(detect(&d, &rules()).is_empty());
    }

    #[test]
    fn file_names_are_never_echoed() {
        let mut x = Extracted::of(FileKind::Dicom);
        x.unreadable = Some("its DICOM structure is damaged or cut short".into());
        x.not_checked = vec![NotChecked::NoOcr];
        let d = with("DOE_MARGARET_chest.dcm", "application/dicom", x);
        for f in detect(&d, &rules()) {
            assert!(!f.message.contains("MARGARET") && !f.message.contains("DOE"), "{}", f.message);
        }
    }

    #[test]
    fn dicom_with_an_empty_header_is_still_a_clinical_image() {
        let d = with("study.bin", "application/octet-stream", Extracted::of(FileKind::Dicom));
        let f = detect(&d, &rules());
        assert_eq!(rule_ids(&f), [RULE_DICOM]);
        assert_eq!(f[0].category, Category::PatientReference);
        assert!(f[0].message.contains("by its content"), "{}", f[0].message);
        assert_eq!(review(&d, &rules()).verdict, Verdict::Block);
    }

    #[test]
    fn dicom_header_attributes_are_phi_named_and_masked() {
        let mut x = Extracted::of(FileKind::Dicom);
        x.dicom = vec![
            attr((0x0010, 0x0010), "DOE^MARGARET"),
            attr((0x0010, 0x0020), "00482913"),
            attr((0x0010, 0x0030), "19560417"),
            attr((0x0008, 0x0050), "ACC99812"),
            attr((0x0010, 0x1010), "067Y"),
            attr((0x0010, 0x2154), ""),
        ];
        let d = with("IM-0001.dcm", "application/dicom", x);
        let f = detect(&d, &rules());
        let header: Vec<&Finding> = f.iter().filter(|f| f.rule == RULE_DICOM_HEADER).collect();
        assert_eq!(header.len(), 4, "{f:#?}");
        let all: String = header.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("\n");
        for secret in ["DOE", "MARGARET", "00482913", "19560417", "ACC99812", "067"] {
            assert!(!all.contains(secret), "{secret} unmasked in {all}");
        }
        assert!(all.contains("PatientName D** M*******"), "{all}");
        assert!(all.contains("PatientID ******13"), "{all}");
        assert!(all.contains("PatientBirthDate ********"), "{all}");
        assert!(all.contains("AccessionNumber"), "{all}");
        assert!(header.iter().all(|f| f.category == Category::Phi && f.span.is_none()));
        assert!(header.iter().any(|f| f.identifier == Some(Identifier::Name)));
        assert!(header.iter().any(|f| f.identifier == Some(Identifier::Date)));
        assert!(!f[0].message.contains("by its content"), "named .dcm: {}", f[0].message);
    }

    #[test]
    fn ages_over_89_only() {
        assert_eq!(mask_dicom("092Y", DicomMask::Age).as_deref(), Some("over 89"));
        assert_eq!(mask_dicom("045Y", DicomMask::Age), None);
        assert_eq!(mask_dicom("", DicomMask::Name), None);
        assert_eq!(mask_dicom("^^", DicomMask::Name), None);
        assert_eq!(mask_dicom("DOE^JOHN\\SMITH^J", DicomMask::Name).as_deref(), Some("D** J***, S**** J"));
    }

    #[test]
    fn burned_in_text_is_reviewed_by_the_same_engine_without_spans() {
        let d = with("IMG_5521.png", "image/png", image_text("DOE, MARGARET  DOB 04/17/1956  MRN 00482913"));
        let r = review(&d, &rules());
        assert_eq!(r.verdict, Verdict::Block);
        let attach: Vec<&Finding> =
            r.findings.iter().filter(|f| f.message.starts_with("In attachment 1's text")).collect();
        let ids = rule_ids(&r.findings);
        assert!(ids.contains(&"phi.date") && ids.contains(&"phi.mrn") && ids.contains(&RULE_OVERLAY_NAME), "{ids:?}");
        assert!(attach.len() >= 3, "{:#?}", r.findings);
        assert!(attach.iter().all(|f| f.span.is_none()));
        for f in &r.findings {
            for secret in ["DOE", "MARGARET", "04/17/1956", "00482913"] {
                assert!(!f.message.contains(secret), "{secret} in {}", f.message);
            }
        }
        // Not mixed with the draft's own text: the caption alone is clean of PHI.
        assert!(r.findings.iter().filter(|f| f.span.is_some()).all(|f| f.category != Category::Phi));
    }

    #[test]
    fn post_level_rules_do_not_apply_to_text_in_images() {
        let long =
            "Flu shots are now available at every clinic #flu #vaccine #health #shots #clinic #winter. ".repeat(6);
        let d = with("flyer.png", "image/png", image_text(&long));
        let f = detect(&d, &rules());
        assert!(f.iter().all(|f| TEXT_CATEGORIES.contains(&f.category)), "{f:#?}");
    }

    #[test]
    fn overlay_names_need_a_cue_and_skip_view_labels() {
        let d = with("a.png", "image/png", image_text("CHEST, PA  PORTABLE\nHEALTH, WELLNESS"));
        assert!(detect(&d, &rules()).iter().all(|f| f.rule != RULE_OVERLAY_NAME));
        // A flyer with a cue word but no names: weekdays and unknown words are not names.
        let flyer = "Open Monday, Tuesday and Friday, Saturday\nFLU, COVID shots for every age\nBring your ID";
        let d = with("a.png", "image/png", image_text(flyer));
        assert!(detect(&d, &rules()).iter().all(|f| f.rule != RULE_OVERLAY_NAME), "{:#?}", detect(&d, &rules()));
        // Unknown names still count in the DICOM caret form or next to a strong cue.
        for text in ["XYZZAQ^QWERTYK", "PATIENT: XYZZAQ, QWERTYK"] {
            let d = with("a.png", "image/png", image_text(text));
            assert!(detect(&d, &rules()).iter().any(|f| f.rule == RULE_OVERLAY_NAME), "{text}");
        }
        let d = with("a.png", "image/png", image_text("BED 4   SMITH, JOHN\nHR 72  SpO2 98%"));
        let f = detect(&d, &rules());
        let names: Vec<&Finding> = f.iter().filter(|f| f.rule == RULE_OVERLAY_NAME).collect();
        assert_eq!(names.len(), 1, "{f:#?}");
        assert!(names[0].message.contains("S****, J***"), "{}", names[0].message);
    }

    #[test]
    fn metadata_and_unchecked_are_reported() {
        let mut x = Extracted::of(FileKind::Jpeg);
        x.metadata =
            vec![MetadataFact::GpsPosition, MetadataFact::SerialNumber("BodySerialNumber".into(), "CX123456".into())];
        x.not_checked = vec![NotChecked::NoOcr];
        let d = with("photo.jpg", "image/jpeg", x);
        let f = detect(&d, &rules());
        assert_eq!(rule_ids(&f), [RULE_METADATA, RULE_METADATA, RULE_UNCHECKED]);
        assert!(f[0].message.contains("GPS position"));
        assert!(f[1].message.contains("******56"), "{}", f[1].message);
        assert!(f[2].message.contains("not checked") && f[2].severity == Severity::Warning);
        assert!(f[2].message.starts_with("Attachment 1: "), "{}", f[2].message);
    }

    #[test]
    fn unreadable_and_too_large_are_warnings_and_the_caption_is_still_reviewed() {
        let mut bad = Extracted::of(FileKind::Png);
        bad.unreadable = Some("the data ends early".into());
        let big = Extracted::not_read(NotChecked::TooLarge { size: 40 * 1024 * 1024, max: 25 * 1024 * 1024 });
        let mut d = Draft::new("Call me at 555-201-8834");
        d.attachments.push(Attachment {
            filename: "x.png".into(),
            content_type: "image/png".into(),
            extracted: Some(bad),
        });
        d.attachments.push(Attachment {
            filename: "y.tif".into(),
            content_type: "image/tiff".into(),
            extracted: Some(big),
        });
        let r = review(&d, &rules());
        let ids = rule_ids(&r.findings);
        assert!(
            ids.contains(&"phi.phone") && ids.contains(&RULE_UNREADABLE) && ids.contains(&RULE_UNCHECKED),
            "{ids:?}"
        );
        let big = r.findings.iter().find(|f| f.rule == RULE_UNCHECKED).expect("unchecked");
        assert!(big.message.contains("40 MB is over the 25 MB limit"), "{}", big.message);
    }

    #[test]
    fn a_rule_turned_off_stays_off_in_attachment_text() {
        let toml = format!("{}\n[rules]\n\"phi.mrn\" = \"off\"\n", crate::engine::config::DEFAULT_RULES_TOML);
        let rs = RuleSet::from_toml(&toml, "rules.toml").expect("rules");
        let d = with("a.png", "image/png", image_text("MRN 00482913"));
        assert!(detect(&d, &rs).iter().all(|f| f.rule != "phi.mrn"));
    }
}
