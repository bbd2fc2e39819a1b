//! The recognizer table: each Safe Harbor identifier with a shape in one
//! place, the way Presidio keeps one recognizer per entity: its rule (id and
//! What / Why / Example), the Safe Harbor identifier it reports, the context
//! words that name it, the shapes it is found by, the validators (check
//! digits, ranges) that can reject a shape, and the suggestion its findings
//! carry.
//!
//! The context words themselves are data (`config/phi/context-words.txt`,
//! one group per context, overridable with `--config DIR`); an entry names
//! its groups. The scan in `mod.rs` builds its keyword pattern from the file
//! in the precedence order of `CTX_GROUPS`, reads each finding's rule,
//! identifier and suggestion here, and applies the shapes and validators
//! listed here, gated by cheap byte counts and combined with the exclusions
//! (URLs, DOIs, trial ids) and priorities that live in the scan.
//!
//! Adding an identifier: a `Kind`, its entry here (in `Kind` order), its
//! scan step, and, when words name it, a group in `CTX_GROUPS` and in
//! `config/phi/context-words.txt`.

use super::validate;
use super::{
    ADDRESS, AGE, CARD, DEA_SHAPE, EMAIL, EMAIL_SPELLED, IPV4, IPV6, MAC, MBI_SHAPE, NPI_SHAPE, PHONE_INTL,
    PHONE_LOOSE, PHONE_NANP, SPACED_DIGITS, SSN_SHAPE, VIN_SHAPE, ZIP_STATE, ZIP_WORD,
};
use crate::engine::registry::RuleDoc;
use crate::engine::{Category, Identifier, Severity};
use regex::Regex;
use std::sync::LazyLock;

/// One identifier's recognizer.
pub struct Recognizer {
    /// The rule its findings are reported under, with its docs.
    pub doc: RuleDoc,
    /// The Safe Harbor identifier it is.
    pub identifier: Identifier,
    /// The groups of `config/phi/context-words.txt` whose words name it.
    pub context: &'static [&'static str],
    /// The patterns that find its shape.
    pub shapes: &'static [&'static LazyLock<Regex>],
    /// Checks that can reject a shape (Luhn, check digits, ranges).
    pub validators: &'static [fn(&str) -> bool],
    /// What its findings suggest.
    pub suggestion: &'static str,
}

const fn rule(id: &'static str, what: &'static str, why: &'static str, example: &'static str) -> RuleDoc {
    RuleDoc { id, category: Category::Phi, severity: Severity::Error, what, why, example }
}

/// Every recognizer, in `Kind` order (`Kind as usize` indexes it).
pub static RECOGNIZERS: [Recognizer; 15] = [
    // Kind::Phone
    Recognizer {
        doc: rule(
            "phi.phone",
            "Finds telephone numbers: US numbers in any common format ((617) 555-0143, 555.201.8834, +1 …), \
             international numbers written with +country code, and other numbers next to a word like \
             'call', 'phone' or 'text'. The organisation's own numbers (allowlist.phones) and US \
             toll-free numbers (800, 888, 877… — crisis lines, pharmacies, insurers) are skipped.",
            "A telephone number is one of the 18 HIPAA Safe Harbor identifiers; next to anything about care \
             it ties a person to their health information.",
            "Reminder for Mr. Thompson: your follow-up is moved, call 555-201-8834 to confirm.",
        ),
        identifier: Identifier::Phone,
        context: &["phone"],
        shapes: &[&PHONE_NANP, &PHONE_INTL, &SPACED_DIGITS, &PHONE_LOOSE],
        validators: &[],
        suggestion: "Remove the number; point readers to the organisation's main line or a direct message.",
    },
    // Kind::Fax
    Recognizer {
        doc: rule(
            "phi.fax",
            "Finds fax numbers: a telephone number with 'fax' next to it.",
            "Fax numbers are a separate Safe Harbor identifier, and a post naming where records are faxed \
             points straight at a patient's file.",
            "Fax results for Ana Ruiz to (617) 555-0143 before 5pm.",
        ),
        identifier: Identifier::Fax,
        // "fax", "faxed" are phone context words: the phone scan tells the two apart
        context: &[],
        shapes: &[&PHONE_NANP, &PHONE_INTL, &PHONE_LOOSE],
        validators: &[],
        suggestion: "Remove the fax number; never post where a patient's records are sent.",
    },
    // Kind::Email
    Recognizer {
        doc: rule(
            "phi.email",
            "Finds email addresses, except the organisation's own (allowlist.emails, allowlist.domains).",
            "Email addresses identify a person directly (Safe Harbor identifier).",
            "Email me at r.hughes@gmail.com and I'll send her chart.",
        ),
        identifier: Identifier::Email,
        context: &[],
        shapes: &[&EMAIL, &EMAIL_SPELLED],
        validators: &[],
        suggestion: "Remove the address; use the organisation's public contact address or a direct message.",
    },
    // Kind::Ssn
    Recognizer {
        doc: rule(
            "phi.ssn",
            "Finds Social Security numbers: 3-2-4 digit groups with valid area, group and serial, or any \
             nine digits after 'SSN' / 'social security'.",
            "An SSN is a Safe Harbor identifier and enables identity theft on its own.",
            "SSN 123-45-6789 keeps showing up on faxed referrals.",
        ),
        identifier: Identifier::Ssn,
        context: &["ssn"],
        shapes: &[&SSN_SHAPE, &SPACED_DIGITS],
        validators: &[validate::ssn],
        suggestion: "Delete the number: a Social Security number must never appear in a post.",
    },
    // Kind::Mrn
    Recognizer {
        doc: rule(
            "phi.mrn",
            "Finds medical record numbers and patient IDs: an id with digits after MRN, M.R.N., MR#, \
             medical record, med rec, chart/record number, EMR, patient ID or patient number.",
            "A medical record number points to exactly one patient's chart (Safe Harbor identifier).",
            "Patient MRN 00482913 presented with chest pain.",
        ),
        identifier: Identifier::MedicalRecordNumber,
        context: &["mrn"],
        shapes: &[],
        validators: &[],
        suggestion: "Remove the record number; describe cases only in ways no one can trace back.",
    },
    // Kind::HealthPlan
    Recognizer {
        doc: rule(
            "phi.health-plan",
            "Finds health plan beneficiary numbers: ids after insurance / member / policy / subscriber / \
             group / Medicaid / Medicare / HICN words, and Medicare Beneficiary Identifiers (MBI) by their \
             format.",
            "Health plan numbers are a Safe Harbor identifier and are used for insurance fraud.",
            "Just sent the referral for member ID XKH493028817 to the insurer.",
        ),
        identifier: Identifier::HealthPlanNumber,
        context: &["plan"],
        shapes: &[&MBI_SHAPE],
        validators: &[validate::mbi],
        suggestion: "Remove the member, policy or beneficiary number.",
    },
    // Kind::Account
    Recognizer {
        doc: rule(
            "phi.account",
            "Finds account numbers (after 'account' / 'acct') and payment card numbers (Luhn-valid, known \
             issuer prefix).",
            "Account and card numbers are a Safe Harbor identifier and a direct financial risk.",
            "Billing question on Acct# GRM-998877.",
        ),
        identifier: Identifier::AccountNumber,
        context: &["acct"],
        shapes: &[&CARD],
        validators: &[validate::credit_card],
        suggestion: "Remove the account or card number.",
    },
    // Kind::License
    Recognizer {
        doc: rule(
            "phi.license",
            "Finds certificate and licence numbers: ids after 'license' / 'certificate', DEA numbers (with \
             their check digit) and NPIs (10 digits with the 80840 Luhn check, or after 'NPI').",
            "Certificate/licence numbers are a Safe Harbor identifier; they identify the holder.",
            "Prescriber DEA number AB1234563 on the label.",
        ),
        identifier: Identifier::CertificateLicenseNumber,
        context: &["dea", "npi", "lic"],
        shapes: &[&NPI_SHAPE, &DEA_SHAPE],
        validators: &[validate::npi, validate::dea],
        suggestion: "Remove the licence, certificate or registration number.",
    },
    // Kind::Vehicle
    Recognizer {
        doc: rule(
            "phi.vehicle",
            "Finds vehicle identifiers: VINs (17 characters with a valid check digit, or after 'VIN') and \
             licence plates after 'plate'.",
            "Vehicle identifiers and serial numbers, including licence plates, are a Safe Harbor identifier.",
            "Hit-and-run victim, car plate 7ABC123, now stable in the ICU.",
        ),
        identifier: Identifier::VehicleIdentifier,
        context: &["plate", "vin"],
        shapes: &[&VIN_SHAPE],
        validators: &[validate::vin],
        suggestion: "Remove the vehicle identifier or plate.",
    },
    // Kind::Device
    Recognizer {
        doc: rule(
            "phi.device",
            "Finds device identifiers: serial numbers (serial no., S/N), IMEIs, UDI and lot numbers, device \
             IDs, and MAC addresses.",
            "Device identifiers and serial numbers (an implant's serial, a phone's IMEI) are a Safe Harbor \
             identifier.",
            "Her pacemaker, serial no. PJN123456, was recalled.",
        ),
        identifier: Identifier::DeviceIdentifier,
        context: &["imei", "dev"],
        shapes: &[&MAC],
        validators: &[validate::mac, validate::imei],
        suggestion: "Remove the serial number or device identifier.",
    },
    // Kind::Ip
    Recognizer {
        doc: rule(
            "phi.ip",
            "Finds IPv4 addresses (valid octets) and IPv6 addresses.",
            "IP addresses are a Safe Harbor identifier: they locate a person's device.",
            "The portal login came from 203.0.113.42.",
        ),
        identifier: Identifier::IpAddress,
        context: &[],
        shapes: &[&IPV4, &IPV6],
        validators: &[validate::ipv4, validate::ipv6],
        suggestion: "Remove the IP address.",
    },
    // Kind::Address
    Recognizer {
        doc: rule(
            "phi.address",
            "Finds street addresses: a house number, a street name and a street type (Street, Ave, Lane…), \
             with an optional apartment or suite.",
            "Street addresses are geographic subdivisions smaller than a state (Safe Harbor identifier).",
            "92-year-old woman from 14 Birch Lane, Springfield with a rare valve defect.",
        ),
        identifier: Identifier::Geographic,
        context: &[],
        shapes: &[&ADDRESS],
        validators: &[],
        suggestion: "Remove the street address; a state (or nothing) is enough.",
    },
    // Kind::Zip
    Recognizer {
        doc: rule(
            "phi.zip",
            "Finds ZIP codes: five (or 5+4) digits after 'ZIP' / 'postal code' or after a state \
             abbreviation (Boston, MA 02115).",
            "ZIP codes are geographic subdivisions smaller than a state (Safe Harbor identifier).",
            "Lives in Boston, MA 02115, works nights.",
        ),
        identifier: Identifier::Geographic,
        context: &[],
        shapes: &[&ZIP_WORD, &ZIP_STATE],
        validators: &[],
        suggestion: "Remove the ZIP code; a state (or nothing) is enough.",
    },
    // Kind::Age
    Recognizer {
        doc: rule(
            "phi.age",
            "Finds the age of a person over 89: '92-year-old', 'aged 91', '94 yo', 'a 97 year old man', \
             '100th birthday', 'happy 91st', an age said outright ('he's 96', 'pt today was 93', not 'she's 94 lbs'), \
             and in Spanish 'de 92 años', 'tiene 91 años', 'cumplió 100'. Aggregates such as \
             '90 or older', '90+' and 'de 90 años o más' are fine.",
            "Safe Harbor treats ages over 89 as identifying (there are few such people); they must be \
             grouped as '90 or older'.",
            "Fascinating case: 92-year-old woman with a rare valve defect.",
        ),
        identifier: Identifier::Date,
        context: &[],
        shapes: &[&AGE],
        validators: &[],
        suggestion: "Write '90 or older' instead of the exact age.",
    },
    // Kind::Other
    Recognizer {
        doc: rule(
            "phi.identifier",
            "Finds other unique identifying numbers: an id with digits after 'ID', 'case #', 'ref #'.",
            "Any other unique identifying number, characteristic or code is a Safe Harbor identifier.",
            "Follow-up on case #JH-998877 tomorrow.",
        ),
        identifier: Identifier::OtherUniqueIdentifier,
        context: &["gen"],
        shapes: &[],
        validators: &[],
        suggestion: "Remove the identifier.",
    },
];

/// `phi.image`: DICOM attachments by name or declared type (no shape in the
/// text; attachment bytes are read by `engine::attachments`).
pub const IMAGE_RULE: RuleDoc = rule(
    "phi.image",
    "Flags DICOM attachments (.dcm files or application/dicom).",
    "DICOM files carry the patient's name, ID and birth date in their header, and scans of the head \
             can be rendered into a face: a full-face/comparable image under Safe Harbor.",
    "Scan attached for the teaching conference. [IM-0001-0042.dcm]",
);

/// The phi family's rules: every recognizer's, then `phi.image`.
pub static RULES: LazyLock<Vec<RuleDoc>> =
    LazyLock::new(|| RECOGNIZERS.iter().map(|r| r.doc).chain([IMAGE_RULE]).collect());
