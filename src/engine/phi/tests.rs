//! Unit tests for the structured identifier detectors: positives and
//! negatives per rule, evasions, masking and span mapping.

use super::RULES;
use crate::engine::{review, Draft, Finding, Identifier, RuleSet};
use std::sync::LazyLock;

static BUILTIN: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin_without_model().expect("built-in rules"));

fn ours(f: &Finding) -> bool {
    RULES.iter().any(|r| r.id == f.rule)
}

fn findings_with(rules: &RuleSet, text: &str) -> Vec<Finding> {
    review(&Draft::new(text), rules).findings.into_iter().filter(ours).collect()
}

/// (rule, original text of the span) for each of this module's findings.
fn found(text: &str) -> Vec<(String, String)> {
    findings_with(&BUILTIN, text)
        .into_iter()
        .map(|f| {
            let s = f.span.expect("phi text findings have spans");
            (f.rule, text[s.start..s.end].to_string())
        })
        .collect()
}

#[track_caller]
fn assert_rule(text: &str, rule: &str, span_text: &str) {
    let got = found(text);
    assert!(
        got.iter().any(|(r, s)| r == rule && s == span_text),
        "expected {rule} on {span_text:?} in {text:?}, got {got:?}"
    );
}

#[track_caller]
fn assert_hit(text: &str, rule: &str) {
    let got = found(text);
    assert!(got.iter().any(|(r, _)| r == rule), "expected {rule} in {text:?}, got {got:?}");
}

#[track_caller]
fn assert_clean(text: &str) {
    let got = found(text);
    assert!(got.is_empty(), "expected no phi in {text:?}, got {got:?}");
}

// ------------------------------------------------------------------- docs

#[test]
fn every_rule_is_documented_and_phi() {
    assert!(RULES.len() >= 15);
    for r in RULES.iter() {
        assert!(r.id.starts_with("phi."), "{}", r.id);
        assert_eq!(r.category, crate::engine::Category::Phi);
        assert_eq!(r.severity, crate::engine::Severity::Error);
        assert!(!r.what.is_empty() && !r.why.is_empty() && !r.example.is_empty(), "{}", r.id);
    }
}

#[test]
fn every_rule_example_fires_its_rule() {
    for r in RULES.iter() {
        if r.id == "phi.image" {
            continue; // an attachment rule; its example names the file
        }
        assert_hit(r.example, r.id);
    }
}

#[test]
fn the_recognizer_table_has_one_entry_per_kind_in_rule_order() {
    use super::{Kind, CTX_GROUPS, RECOGNIZERS};
    let kinds = [
        Kind::Phone,
        Kind::Fax,
        Kind::Email,
        Kind::Ssn,
        Kind::Mrn,
        Kind::HealthPlan,
        Kind::Account,
        Kind::License,
        Kind::Vehicle,
        Kind::Device,
        Kind::Ip,
        Kind::Address,
        Kind::Zip,
        Kind::Age,
        Kind::Other,
    ];
    assert_eq!(kinds.len(), RECOGNIZERS.len());
    for (k, r) in kinds.iter().zip(RECOGNIZERS.iter()) {
        assert_eq!(k.rule(), r.doc.id);
        assert!(!r.context.is_empty() || !r.shapes.is_empty(), "{} is found by nothing", r.doc.id);
        assert!(!r.suggestion.is_empty(), "{}", r.doc.id);
    }
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    assert_eq!(ids.last(), Some(&"phi.image"));
    assert_eq!(ids.len(), RECOGNIZERS.len() + 1);
    // the keyword pattern's groups are exactly the table's context groups
    // (and so the groups of config/phi/context-words.txt)
    let mut groups: Vec<&str> = RECOGNIZERS.iter().flat_map(|r| r.context.iter().copied()).collect();
    groups.retain(|g| *g != "phone"); // read by the phone scan's own pattern
    groups.sort_unstable();
    let mut listed: Vec<&str> = CTX_GROUPS.iter().map(|(g, _)| *g).collect();
    listed.sort_unstable();
    assert_eq!(groups, listed);
}

#[test]
fn every_shape_compiles_and_every_validator_rejects_a_blank_number() {
    for r in super::RECOGNIZERS.iter() {
        for shape in r.shapes {
            assert!(!shape.as_str().is_empty(), "{}", r.doc.id);
        }
        for v in r.validators {
            assert!(!v("0000000000") && !v(""), "{}", r.doc.id);
        }
    }
}

#[test]
fn a_recognizer_reports_its_identifier_and_suggestion() {
    let f = findings_with(&BUILTIN, "SSN 123-45-6789 keeps showing up on faxed referrals.");
    let ssn = f.iter().find(|f| f.rule == "phi.ssn").expect("an SSN finding");
    let r = &super::RECOGNIZERS[super::Kind::Ssn as usize];
    assert_eq!(ssn.identifier, Some(r.identifier));
    assert_eq!(ssn.suggestion.as_deref(), Some(r.suggestion));
    assert!(ssn.message.contains(r.identifier.label()), "{}", ssn.message);
}

// ------------------------------------------------------------------ phone

#[test]
fn phone_us_formats() {
    assert_rule("Reminder: your follow-up is moved to 555-201-8834, call to confirm.", "phi.phone", "555-201-8834");
    assert_rule("Call (617) 555-0143 today", "phi.phone", "(617) 555-0143");
    assert_rule("reach me on 555.201.8834 tonight", "phi.phone", "555.201.8834");
    assert_rule("Her cell +1 617 555 0143", "phi.phone", "+1 617 555 0143");
    assert_rule("call 1-617-555-0199 now", "phi.phone", "1-617-555-0199");
    assert_rule("US: (415)555-0132", "phi.phone", "(415)555-0132");
    assert_rule("Her number is 617 555 0143.", "phi.phone", "617 555 0143");
    // punctuated like a phone number: reported even outside the NANP ranges
    assert_rule("at 555-123-4567 after six", "phi.phone", "555-123-4567");
    assert_rule("+1-555-123-4567", "phi.phone", "+1-555-123-4567");
    assert_rule("She is reachable at 555 123 4567", "phi.phone", "555 123 4567");
}

#[test]
fn phone_with_context_accepts_non_nanp_and_short() {
    assert_rule("Her phone number is (123) 456-7890.", "phi.phone", "(123) 456-7890");
    assert_rule("Contact phone: 123-456-7890.", "phi.phone", "123-456-7890");
    assert_rule("text me at 555-0143", "phi.phone", "555-0143");
    assert_rule("My Japanese number is 090-1234-5678", "phi.phone", "090-1234-5678");
    assert_rule("My CN number is 13812345678", "phi.phone", "13812345678");
}

#[test]
fn phone_international() {
    assert_rule("UK office +44 20 7123 4567 after 9", "phi.phone", "+44 20 7123 4567");
    assert_rule("ring +44 (20) 7123 4567", "phi.phone", "+44 (20) 7123 4567");
    assert_rule("Brazil: +55 11 98456 5666", "phi.phone", "+55 11 98456 5666");
    assert_rule("+33 1 42 68 53 00 is the desk", "phi.phone", "+33 1 42 68 53 00");
}

#[test]
fn phone_negatives() {
    for t in [
        "1 in 3 adults has high blood pressure.",
        "45% of patients improved, p=0.003.",
        "Join us Saturday 9am-1pm at the market.",
        "Tickets cost $125.00 and sell out fast.",
        "Take 20mg twice daily for 10 days.",
        "Enrolment ran 2019-2023 across 120 sites.",
        "Born in 1961, diagnosed in 2021.",
        "Recorded at 10:30:45 on the monitor.",
        "Version 2.10.3 of the app is out.",
        "We screened 1,250,000 people in 2024.",
        "Costs rose to 12,555-201-8834 units",
        "#Top10Tips #HeartMonth2025 #SSN #MRN",
        "ICD-10 E11.9 and I21.4 are the codes.",
        "Study NCT01234567 is recruiting.",
        "Read https://www.ahajournals.org/doi/10.1161/CIR.0000000000000351 today",
        "Source: doi:10.1056/NEJMoa2034577",
        "Our clinic serves 555 families across 201 towns.",
        "Results: 123 456 7890 cells counted",
        "Scores went from 100-200 to 300-400.",
        "Call volume rose 12% this week.",
        "PMID: 31234567 has the details",
        "Our nurse line answered 1250000 calls in 2024.",
        "Call our team: we have served 4500000 members since 1990.",
    ] {
        assert_clean(t);
    }
}

#[test]
fn toll_free_lines_are_organisations() {
    for t in [
        "Call or text 988, or the Lifeline at 1-800-273-8255.",
        "Questions? Call 888.555.0100 any time.",
        "Reach the nurse line at (877) 555-0123.",
        "+1 866 555 0199 is our pharmacy line",
    ] {
        assert_clean(t);
    }
}

#[test]
fn phone_date_shapes_are_not_phones_even_with_context() {
    assert_clean("Call us on 04/12/2023 about the event.");
    assert_clean("Call back 2023-04-25 please.");
    assert_clean("Rates fell from 123 456 7890 to zero");
}

#[test]
fn allowlisted_phone_email_domain_are_not_reported() {
    let rules = RuleSet::from_toml(
        "[allowlist]\nphones = [\"(617) 555-0100\"]\nemails = [\"press@other.org\"]\ndomains = [\"example-clinic.org\"]\n",
        "t.toml",
    )
    .expect("config");
    assert!(findings_with(&rules, "Questions? Call our nurse line at 617-555-0100.").is_empty());
    assert!(findings_with(&rules, "Call +1 617 555 0100 for appointments").is_empty());
    assert!(findings_with(&rules, "Email info@example-clinic.org or press@other.org").is_empty());
    assert!(findings_with(&rules, "Write to team@blog.example-clinic.org").is_empty());
    assert!(findings_with(&rules, "Write to press [at] other [dot] org").is_empty());
    // other numbers and addresses still are
    assert_eq!(findings_with(&rules, "Call 617-555-0101.").len(), 1);
    assert_eq!(findings_with(&rules, "Email jane@gmail.com").len(), 1);
}

// -------------------------------------------------------------------- fax

#[test]
fn fax_context() {
    assert_rule("Fax results for Ana Ruiz to (617) 555-0143 before 5pm.", "phi.fax", "(617) 555-0143");
    assert_rule("(Fax: 650-123-4567)?", "phi.fax", "650-123-4567");
    assert_rule("send it to 617-555-0143 (fax) today", "phi.fax", "617-555-0143");
    assert_rule("Dr. Lee's office T: 617-555-0142 F: 617-555-0143", "phi.fax", "617-555-0143");
    assert_rule("Dr. Lee's office T: 617-555-0142 F: 617-555-0143", "phi.phone", "617-555-0142");
    assert_rule("M: (123) 456-7890", "phi.phone", "(123) 456-7890");
    // nearest context word decides
    let got = found("Fax 617-555-0143, or call 617-555-0144 to check.");
    assert!(got.contains(&("phi.fax".into(), "617-555-0143".into())), "{got:?}");
    assert!(got.contains(&("phi.phone".into(), "617-555-0144".into())), "{got:?}");
}

#[test]
fn fax_findings_name_the_fax_identifier() {
    let f = findings_with(&BUILTIN, "Fax to 617-555-0143");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].identifier, Some(Identifier::Fax));
    assert!(f[0].message.starts_with("fax number ***-***-0143"), "{}", f[0].message);
}

// ------------------------------------------------------------------ email

#[test]
fn emails() {
    assert_rule("Email me at r.hughes@gmail.com and I'll send it.", "phi.email", "r.hughes@gmail.com");
    assert_rule("(email: john.doe@example.com)", "phi.email", "john.doe@example.com");
    assert_rule("contact thomas.lee45@email.co.uk.", "phi.email", "thomas.lee45@email.co.uk");
    assert_rule("a@xn--d1acufc.xn--p1ai", "phi.email", "a@xn--d1acufc.xn--p1ai");
    // spelled out to dodge filters
    assert_rule("write jdoe [at] gmail [dot] com", "phi.email", "jdoe [at] gmail [dot] com");
    assert_rule("r.hughes(at)gmail.com", "phi.email", "r.hughes(at)gmail.com");
    assert_rule("mail jdoe at gmail dot com tonight", "phi.email", "jdoe at gmail dot com");
}

#[test]
fn email_negatives() {
    for t in [
        "Thanks @jdavis22 for the question!",
        "my email is info@presidio.",
        "this is not an email: hello-world here",
        "Ratio 3@5 is odd",
        "Follow @AHAScience and @ACCinTouch",
        "Find us at example.org for more",
        "Meet us at noon, dot your calendars",
        "Learn more at heart.org",
    ] {
        assert_clean(t);
    }
}

// -------------------------------------------------------------------- SSN

#[test]
fn ssn_shapes() {
    assert_rule("SSN 123-45-6789 keeps showing up on faxed referrals.", "phi.ssn", "123-45-6789");
    assert_rule("ref# 784-55-2943.", "phi.ssn", "784-55-2943");
    assert_rule("abc 078 05 1123 abc", "phi.ssn", "078 05 1123");
    assert_rule("number 078.05.1123 here", "phi.ssn", "078.05.1123");
}

#[test]
fn ssn_context_takes_any_nine_digits() {
    assert_rule("(SSN: 987-65-4321)?", "phi.ssn", "987-65-4321");
    assert_rule("social security number 078051121", "phi.ssn", "078051121");
    assert_rule("Pt's SSN: 123 45 6789.", "phi.ssn", "123 45 6789");
}

#[test]
fn ssn_negatives() {
    for t in [
        "000-12-3456 is not valid",
        "666-12-3456 is not valid",
        "912-34-5678 is an ITIN range",
        "123-00-4567 has a zero group",
        "123-45-0000 has a zero serial",
        "078051121 bare nine digits",
        "693-09.4444 mixed separators",
        "SSN: 000-00-0000 placeholder",
    ] {
        assert_clean(t);
    }
}

// -------------------------------------------------------------------- MRN

#[test]
fn mrn_context_words() {
    assert_rule("Patient DOB 04/12/1961, MRN 00482913, presented with chest pain.", "phi.mrn", "00482913");
    assert_rule("(MRN: #UPMC-231500JR)? Risks", "phi.mrn", "UPMC-231500JR");
    assert_rule("M.R.N. 4471-22 is on the wristband", "phi.mrn", "4471-22");
    assert_rule("MR# 77812 labs pending", "phi.mrn", "77812");
    assert_rule("with medical record 123-45-6789, diagnosed", "phi.mrn", "123-45-6789");
    assert_rule("with a medical record number MRN-11335577?", "phi.mrn", "MRN-11335577");
    assert_rule("Med Rec#: CC-789654", "phi.mrn", "CC-789654");
    assert_rule("MedRec# CM-112233.", "phi.mrn", "CM-112233");
    assert_rule("chart number 556677 pulled", "phi.mrn", "556677");
    assert_rule("EMR: 456123789.", "phi.mrn", "456123789");
    assert_rule("patient ID 67890, seen at", "phi.mrn", "67890");
    assert_rule("Her MRN is CG-123987.", "phi.mrn", "CG-123987");
    assert_rule("under MRN UCSF-20210930-567?", "phi.mrn", "UCSF-20210930-567");
    assert_rule("mrn 22334455, Jane", "phi.mrn", "22334455");
    assert_rule("Medical record #: 00-44-1289.", "phi.mrn", "00-44-1289");
    assert_rule("patient identifier QX-55120 on the label", "phi.mrn", "QX-55120");
}

#[test]
fn mrn_wins_over_ssn_shape() {
    let f = findings_with(&BUILTIN, "MRN: 123-45-6789");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, "phi.mrn");
    assert_eq!(f[0].identifier, Some(Identifier::MedicalRecordNumber));
}

#[test]
fn mrn_negatives() {
    for t in [
        "MRN lookup is down again this morning.",
        "MRN: 04/12/2023 is a date, not a record",
        "Patient ID bracelets save lives.",
        "Our EHR 2024 upgrade went live.",
        "Medical records from 2021 show improvement.",
        "Update your medical record online.",
        "Chart number 12 of 40 reviewed",
        "Mr. Thompson and Mr. Smith were thrilled.",
    ] {
        assert_clean(t);
    }
}

#[test]
fn mrn_evasions() {
    // spaced letters and digits are joined by the normalizer
    let t = "M R N: 0 0 7 7 3 4 1 2 \u{2014} please pull her labs.";
    assert_rule(t, "phi.mrn", "0 0 7 7 3 4 1 2");
    // Cyrillic М in "MRN", zero-width space inside the number
    let t = "\u{041C}RN 0048\u{200B}2913 labs";
    assert_rule(t, "phi.mrn", "0048\u{200B}2913");
    // fullwidth digits
    let t = "MRN \u{FF10}\u{FF10}\u{FF14}\u{FF18}\u{FF12}\u{FF19}";
    assert_rule(t, "phi.mrn", "\u{FF10}\u{FF10}\u{FF14}\u{FF18}\u{FF12}\u{FF19}");
}

// ------------------------------------------------------------ health plan

#[test]
fn health_plan_context() {
    assert_rule("Just sent the referral for member ID XKH493028817 to the insurer.", "phi.health-plan", "XKH493028817");
    assert_rule("her insurance is HPN-987654.", "phi.health-plan", "HPN-987654");
    assert_rule("ins: ZY-567890.", "phi.health-plan", "ZY-567890");
    assert_rule("(HICN: B123456789)?", "phi.health-plan", "B123456789");
    assert_rule("Health Plan ID: 54321-XYZ", "phi.health-plan", "54321-XYZ");
    assert_rule("His insurance # is NP-1234AB.", "phi.health-plan", "NP-1234AB");
    assert_rule("Insurance ID: 54321-7890", "phi.health-plan", "54321-7890");
    assert_rule("policy number: HP-987654", "phi.health-plan", "HP-987654");
    assert_rule("Medicaid #123456789 renewal", "phi.health-plan", "123456789");
    assert_rule("group no. G-44821", "phi.health-plan", "G-44821");
    assert_rule("Insurance card number: BCX 8841 2290", "phi.health-plan", "BCX 8841 2290");
    assert_rule("member identifier 88120455", "phi.health-plan", "88120455");
    assert_rule("Insurance: BlueCross #12345678", "phi.health-plan", "12345678");
    assert_rule("insurance: Blue Cross Blue Shield ID XEH44120987", "phi.health-plan", "XEH44120987");
    assert_clean("Insurance: Blue Cross covers 12 visits");
}

#[test]
fn mbi_format() {
    assert_rule("Medicare ID: 3CD5-FG7-HJ89", "phi.health-plan", "3CD5-FG7-HJ89");
    assert_rule("Patient 1EG4-TE5-MK73 and", "phi.health-plan", "1EG4-TE5-MK73");
    assert_rule("The MBI is 4EF6GH8JK12 for this patient", "phi.health-plan", "4EF6GH8JK12");
    for t in ["1SG4-TE5-MK73", "1EG4-LE5-MK73", "AEG4-TE5-MK73", "1EG4TE5MK7", "1EG4TE5MK734"] {
        assert_clean(t);
    }
}

#[test]
fn health_plan_negatives() {
    for t in [
        "Insulin prices fell 30% this year.",
        "Medicare 2025 changes explained in our blog.",
        "Check your insurance plan before open enrollment.",
        "ins and outs of prior authorization",
        "Treatment plan: 5000 steps a day",
        "Medicare covers 80% of the cost.",
        "Member of the month: our 3 night nurses!",
        "Medicaid 1115 waivers explained",
        "Insurance 2500 claims processed",
    ] {
        assert_clean(t);
    }
}

// ---------------------------------------------------- account and cards

#[test]
fn accounts_and_cards() {
    assert_rule("(Acct#: GRM-998877). worried", "phi.account", "GRM-998877");
    assert_rule("(Account Number: 9876543210)?", "phi.account", "9876543210");
    assert_rule("acct no. 4451-0982 overdue", "phi.account", "4451-0982");
    assert_rule("card 4111 1111 1111 1111 on file", "phi.account", "4111 1111 1111 1111");
    assert_rule("4012-8888-8888-1881", "phi.account", "4012-8888-8888-1881");
    assert_rule("amex 371449635398431", "phi.account", "371449635398431");
}

#[test]
fn card_negatives() {
    for t in [
        "4012-8888-8888-1882",
        "my credit card number is 36168002586008",
        "timestamp 1748503543012",
        "order 2023041512345678",
        "Follow our account for 12 tips",
        "Our account has 12000 followers",
        "Take into account 250000 readmissions a year",
        "on account of 300000 visits",
        "Account 4521 is ours",
    ] {
        assert_clean(t);
    }
}

// ---------------------------------------------------------------- license

#[test]
fn licenses() {
    assert_rule("(License No: CLN-112233)?", "phi.license", "CLN-112233");
    assert_rule("medical license 12-345678 verified", "phi.license", "12-345678");
    assert_rule("DEA number GL0285191", "phi.license", "GL0285191");
    assert_rule("K92993548", "phi.license", "K92993548");
    assert_rule("NPI: 1234567893", "phi.license", "1234567893");
    assert_rule("NPI 1234567890", "phi.license", "1234567890");
    assert_rule("Provider identifier 1245319599", "phi.license", "1245319599");
    assert_rule("1234-567-893", "phi.license", "1234-567-893");
    assert_rule("Board certification no. ABIM-77881.", "phi.license", "ABIM-77881");
}

#[test]
fn license_negatives() {
    for t in [
        "The DEA number is  BG8207031",
        "1234567890",
        "0234567893",
        "Licensed in 2015 and still going strong.",
        "CC BY 4.0 license applies",
        "Certificate of completion for 30 nurses",
    ] {
        assert_clean(t);
    }
}

// ---------------------------------------------------------------- vehicle

#[test]
fn vehicles() {
    assert_rule("VIN 1M8GDM9AXKP042788 towed", "phi.vehicle", "1M8GDM9AXKP042788");
    assert_rule("the truck 1M8GDM9AXKP042788 was", "phi.vehicle", "1M8GDM9AXKP042788");
    assert_rule("car plate 7ABC123, now stable", "phi.vehicle", "7ABC123");
    assert_rule("license plate # XYZ 4821", "phi.vehicle", "XYZ 4821");
    assert_clean("1M8GDM9A1KP042788 wrong check digit");
    assert_clean("Plate of 12 cookies for the team!");
}

// ----------------------------------------------------------------- device

#[test]
fn devices() {
    assert_rule("Her pacemaker, serial no. PJN123456, was recalled.", "phi.device", "PJN123456");
    assert_rule("S/N: 4471X-2290 pump", "phi.device", "4471X-2290");
    assert_rule("IMEI 490154203237518 on her phone", "phi.device", "490154203237518");
    assert_rule("lot # 08A221C vaccine", "phi.device", "08A221C");
    assert_rule("device ID: AB-77120", "phi.device", "AB-77120");
    assert_rule("My MAC address is 00:1A:2B:3C:4D:5E", "phi.device", "00:1A:2B:3C:4D:5E");
    assert_rule("Hardware address: AA-BB-CC-DD-EE-FF", "phi.device", "AA-BB-CC-DD-EE-FF");
    assert_rule("Cisco MAC: 0012.3456.789A", "phi.device", "0012.3456.789A");
    for t in [
        "Not a MAC: 00:1A:2B:3C:4D",
        "Broadcast: FF:FF:FF:FF:FF:FF",
        "Invalid: 00:00:00:00:00:00",
        "10:2F:33-AC-29-C3",
        "A lot of 2023 was hard",
    ] {
        assert_clean(t);
    }
}

// --------------------------------------------------------------------- IP

#[test]
fn ipv4() {
    assert_rule("The portal login came from 203.0.113.42.", "phi.ip", "203.0.113.42");
    assert_rule("(192.168.1.1)", "phi.ip", "192.168.1.1");
    assert_rule("192.168.2.1@eth0", "phi.ip", "192.168.2.1");
    assert_rule("Subnet: 192.168.1.0/24", "phi.ip", "192.168.1.0/24");
    for t in [
        "256.256.256.256",
        "192.168.1",
        "IP192.168.1.1text",
        "text192.168.1.1",
        "Version 1.2.3",
        "version 1.2.3.4 shipped",
        "See section 4.1.2.3 of the guideline",
    ] {
        assert_clean(t);
    }
}

#[test]
fn ipv6() {
    assert_rule("Server IP: 2001:db8::1", "phi.ip", "2001:db8::1");
    assert_rule("my ip is 2400:c401::5054:ff:fe1b:b031.", "phi.ip", "2400:c401::5054:ff:fe1b:b031");
    assert_rule("Connect to [2001:db8::1]:8080", "phi.ip", "2001:db8::1");
    assert_rule("Mapped: ::ffff:192.168.1.1", "phi.ip", "::ffff:192.168.1.1");
    assert_rule("fe80::1%eth0/64", "phi.ip", "fe80::1%eth0/64");
    for t in [
        "Time 12:34:56",
        "Ratio 1:2:3:4",
        "Port 80:443",
        "std::cout",
        "MyClass::toString",
        ":::",
        "fe80::1text",
        "2001::db8::1",
        "2001:db8::256.1.1.1",
        "News :: Heart Month :: 2025",
        "684D:1111:222:3333:4444:5555:77",
    ] {
        assert_clean(t);
    }
}

// -------------------------------------------------------------- geography

#[test]
fn street_addresses() {
    assert_rule(
        "Fascinating case: 92-year-old woman from 14 Birch Lane, Springfield with a rare valve defect.",
        "phi.address",
        "14 Birch Lane",
    );
    assert_rule("lives at 221B Baker Street now", "phi.address", "221B Baker Street");
    assert_rule("moved to 1200 W. Main St., Apt 4 last week", "phi.address", "1200 W. Main St., Apt 4");
    assert_rule("resident of 123 Maple Street, Chicago, IL", "phi.address", "123 Maple Street");
    assert_rule("found at 350 5th Avenue yesterday", "phi.address", "350 5th Avenue");
    assert_rule("our clinic patient who lives at 14 Birch Lane", "phi.address", "14 Birch Lane");
}

#[test]
fn address_negatives() {
    for t in [
        "Join us at the Main Street farmers market.",
        "Visit our clinic at 100 Main Street for flu shots.",
        "Join us at 45 Park Avenue on Saturday.",
        "We walked 5 miles down the road.",
        "Top 10 Heart Healthy Foods list",
        "Welcome 3 New Doctors this fall",
        "Top 10 Tips On The Way To Better Sleep",
        "Run 5K On Park Avenue this Sunday",
        "Shuttles leave 5 Hospital Drive every 15 minutes",
        "Our new clinic opens at 200 Main Street next month!",
        "Blood drive Sept 12, 9-3, at the Civic Center, 500 Elm Street. Sign up at the link.",
    ] {
        assert_clean(t);
    }
}

#[test]
fn zip_codes() {
    assert_rule("Lives in Boston, MA 02115, works nights.", "phi.zip", "02115");
    assert_rule("zip code 60614 has the cases", "phi.zip", "60614");
    assert_rule("ZIP: 94110-1234", "phi.zip", "94110-1234");
    assert_rule("9 Elm Court, Boise, ID 83702.", "phi.zip", "83702");
    for t in ["We raised $25000 this year", "25000 steps", "the 2024 MA results", "Ranked #1 of 12345 hospitals"] {
        assert_clean(t);
    }
}

// -------------------------------------------------------------------- age

#[test]
fn ages_over_89() {
    assert_rule("A 92-year-old woman with a rare defect", "phi.age", "92-year-old");
    assert_rule("Patient aged 91 admitted", "phi.age", "aged 91");
    assert_rule("94 yo male with CHF", "phi.age", "94 yo");
    assert_rule("a 97 year old man walked in", "phi.age", "97 year old");
    assert_rule("she's 102 years old and sharp", "phi.age", "102 years old");
    assert_rule("celebrating her 100th birthday on the ward", "phi.age", "100th birthday");
    assert_rule("My grandma just turned 95!", "phi.age", "grandma just turned 95");
    assert_rule("96yo F, fall at home", "phi.age", "96yo");
    assert_rule("a man 93 years of age presented", "phi.age", "93 years of age");
    assert_rule("Our volunteer Edna, 94, still knits for the NICU.", "phi.age", "Edna, 94,");
    // Spanish
    assert_rule("Hoy un abuelito de 92 años nos cantó en la sala de espera", "phi.age", "de 92 años");
    assert_rule("la paciente tiene 91 anos y vive sola", "phi.age", "tiene 91 anos");
    assert_rule("Doña Rosa cumplió 100 ayer en el piso 3", "phi.age", "cumplió 100");
    // said outright, and as a greeting
    assert_rule("The sweetest couple came in today, he's 96 and she's 94.", "phi.age", "96");
    assert_rule("pt today was 93 and walked 200 ft", "phi.age", "93");
    assert_rule("caught the 94-y/o's dissection", "phi.age", "94-y/o");
    assert_rule("Room 340, happy 91st, sir!", "phi.age", "happy 91st");
    assert_rule("He's 91 and cried on the phone.", "phi.age", "91");
}

#[test]
fn ages_said_outright_need_a_pause_after() {
    // a weight, a reading or a score is no age
    for t in [
        "she's 94 lbs soaking wet",
        "he was 93% on room air",
        "pt is 98.6 this morning",
        "she was 92/60 on arrival",
        "Happy 100th anniversary to our hospital!",
        "he's 95 minutes out",
    ] {
        assert_clean(t);
    }
}

#[test]
fn age_negatives() {
    for t in [
        "Our 90-day readmission rate fell.",
        "Thanks for 100 years of service!",
        "A 45-year-old runner collapsed.",
        "Adults aged 90 and older need extra care.",
        "Patients over 90 years old are at higher risk.",
        "Risk rises for ages 90+.",
        "Among 95-year-olds, falls are common.",
        "The 100-year-old hospital is getting a new wing.",
        "Our hospital is turning 90 in 2030!",
        "age 90 or older",
        "aged 90-99 cohort",
        "Call volume was 90% yesterday",
        "In March, 95 patients enrolled.",
        "Edna, 84, still knits.",
        "Personas de 90 años o más: vacúnense contra la gripe.",
        "Adultos mayores de 90 años tienen más riesgo.",
        "hace 100 años abrimos nuestra primera clínica",
        "de 65 años en adelante",
    ] {
        assert_clean(t);
    }
}

// ------------------------------------------------------ other identifiers

#[test]
fn other_identifiers() {
    assert_rule("(Site ID: 98765).", "phi.identifier", "98765");
    assert_rule("reference his notes on case #JH-998877.", "phi.identifier", "JH-998877");
    assert_rule("(ID#: LUP-98765)?", "phi.identifier", "LUP-98765");
    for t in [
        "Trial ID: NCT01234567 is recruiting",
        "PubMed ID: 31234567",
        "ORCID ID: 0000-0002-1825-0097",
        "idea 12345",
        "Join on Zoom, meeting ID: 812 3456 7890, passcode 4411",
        "Webinar ID 88120455123 opens at noon",
        "ID 2024 conference",
    ] {
        assert_clean(t);
    }
}

// ----------------------------------------------------------------- DICOM

#[test]
fn dicom_attachments() {
    let d = Draft::new("Scan attached for the teaching conference.").with_attachment("IM-0001-0042.dcm", "");
    let f: Vec<Finding> = review(&d, &BUILTIN).findings.into_iter().filter(ours).collect();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, "phi.image");
    assert_eq!(f[0].span, None);
    assert!(!f[0].message.contains("IM-0001"), "the file name may itself be identifying");
    let d = Draft::new("x").with_attachment("scan", "application/dicom");
    assert!(review(&d, &BUILTIN).findings.iter().any(|f| f.rule == "phi.image"));
    let d = Draft::new("x").with_attachment("xray.png", "image/png");
    assert!(!review(&d, &BUILTIN).findings.iter().any(|f| f.rule == "phi.image"));
}

// ------------------------------------------------------- masks and spans

#[test]
fn messages_never_contain_the_identifier() {
    let cases = [
        "Call 555-201-8834 now",
        "Fax (617) 555-0143",
        "Email r.hughes@gmail.com",
        "SSN 123-45-6789",
        "MRN 00482913",
        "member ID XKH493028817",
        "Acct# GRM-998877",
        "card 4111111111111111",
        "NPI 1234567893",
        "VIN 1M8GDM9AXKP042788",
        "serial no. PJN123456",
        "from 203.0.113.42",
        "at 14 Birch Lane",
        "Boston, MA 02115",
        "a 92-year-old",
        "Site ID: 98765",
        "+44 20 7123 4567",
        "2001:db8::8a2e:370:7334",
    ];
    for t in cases {
        let fs = findings_with(&BUILTIN, t);
        assert!(!fs.is_empty(), "{t}");
        for f in fs {
            let s = f.span.expect("span");
            let raw = &t[s.start..s.end];
            assert!(!f.message.contains(raw), "{t}: message {:?} echoes {raw:?}", f.message);
            let ds: String = raw.chars().filter(char::is_ascii_digit).collect();
            if ds.len() >= 2 {
                let md: String = f.message.chars().filter(char::is_ascii_digit).collect();
                assert!(!md.contains(&ds), "{t}: message {:?} has all digits of {raw:?}", f.message);
            }
            assert!(f.suggestion.is_some());
            assert!(f.identifier.is_some());
        }
    }
}

#[test]
fn phone_message_masks_all_but_last_four() {
    let f = findings_with(&BUILTIN, "Call 555-201-8834 now");
    assert!(f[0].message.starts_with("phone number ***-***-8834"), "{}", f[0].message);
    assert_eq!(f[0].identifier, Some(Identifier::Phone));
}

#[test]
fn evasions_map_back_to_original_spans() {
    // Cyrillic е, non-breaking hyphens
    let t = "Call m\u{0435} at 555\u{2011}867\u{2011}5309 about your results, Mrs. Allen.";
    assert_rule(t, "phi.phone", "555\u{2011}867\u{2011}5309");
    // zero-width joiners inside an SSN
    let t = "SSN 123\u{200D}-45-\u{200B}6789";
    assert_rule(t, "phi.ssn", "123\u{200D}-45-\u{200B}6789");
    // spaced phone digits
    let t = "call 6 1 7 5 5 5 0 1 4 3 tonight";
    assert_hit(t, "phi.phone");
    // "#" for "number" ("her # is …"), far from any other phone word
    assert_hit("the daughter of the man in the corner room asked again. her # is 6 1 7 5 5 5 0 1 4 3", "phi.phone");
    assert_hit("Front desk note for later: my # is 6175550143 if anything changes", "phi.phone");
    assert_hit("Her no. is 6175550143", "phi.phone");
    assert_clean("Our team ran 6175550143 steps this year");
    // one digit at a time, with dashes the normalizer leaves alone
    assert_rule("call 5 5 5 - 2 0 1 - 8 8 3 4 now", "phi.phone", "5 5 5 - 2 0 1 - 8 8 3 4");
    assert_rule("SSN 1 2 3 - 4 5 - 6 7 8 9", "phi.ssn", "1 2 3 - 4 5 - 6 7 8 9");
    assert_clean("Rate each item 1 2 3 4 5 - 1 2 3 4 5 on the scale");
    // fullwidth @ and letters in an email
    let t = "mail j\u{FF4F}hn\u{FF20}gmail.com";
    assert_hit(t, "phi.email");
    // emoji around a number
    let t = "\u{1F4DE} 555-201-8834 \u{1F600}";
    assert_rule(t, "phi.phone", "555-201-8834");
}

#[test]
fn rule_turned_off_reports_nothing() {
    let rules = RuleSet::from_toml("[rules]\n\"phi.phone\" = \"off\"\n", "t.toml").expect("config");
    assert!(findings_with(&rules, "Call 555-201-8834 now").is_empty());
    // the shape is still seen when the context rule is off
    let rules = RuleSet::from_toml("[rules]\n\"phi.mrn\" = \"off\"\n", "t.toml").expect("config");
    let f = findings_with(&rules, "MRN: 123-45-6789");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].rule, "phi.ssn");
    let mut rules = RuleSet::from_toml("[rules]\n\"phi.email\" = \"warning\"\n", "t.toml").expect("config");
    rules.model = None; // the rule's level alone, before the model weighs whose address it is
    let f = findings_with(&rules, "Email jane@gmail.com");
    assert_eq!(f[0].severity, crate::engine::Severity::Warning);
}

#[test]
fn ok_drafts_stay_clean() {
    for t in [
        "Heart attack symptoms can look different in women: jaw pain, nausea and fatigue. https://www.ahajournals.org/doi/10.1161/CIR.0000000000000351 #HeartHealth",
        "Tip: a 10-minute walk after meals can help keep blood sugar steady. #diabetes",
        "Colorectal cancer screening now starts at 45 for average-risk adults.",
        "Flu shots at all 3 clinics this week, 8am-6pm. Walk-ins welcome!",
        "Interesting study in JAMA: https://jamanetwork.com/journals/jama/fullarticle/2812345",
        "Our #HeartMonth2025 5K raised $12,500 for 1,200 families.",
        "New data: 1 in 5 adults over 65 had a fall in 2023 (CDC, MMWR 72(15):401-405).",
        "Patients 90 and older made up 3% of admissions.",
        "Dr. Lopez joins our team; office hours Mon-Fri 9:00-17:00.",
        "A1c under 7.0% for most adults; BP goal 130/80 mmHg.",
        "",
        "\u{1F600}\u{1F600}\u{1F600}",
    ] {
        assert_clean(t);
    }
}

#[test]
fn arbitrary_unicode_does_not_panic() {
    for t in [
        "\u{0301}\u{0301}555",
        "MRN \u{1F600}12345",
        "١٢٣-٤٥-٦٧٨٩ SSN",
        "𝟓𝟓𝟓-𝟐𝟎𝟏-𝟖𝟖𝟑𝟒",
        "ID: ﹟12345",
        "\u{FEFF}+\u{FF11} 617 555 0143",
        "a@b.c@d.ee",
        "::ffff:::",
        "1:2:3:4:5:6:7:8:9:0:1:2:3:4:5",
    ] {
        let _ = found(t);
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn check(text: &str) {
        for f in findings_with(&BUILTIN, text) {
            let s = f.span.expect("span");
            assert!(s.start < s.end && s.end <= text.len(), "{s:?} in {text:?}");
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end), "{s:?} in {text:?}");
            let raw = &text[s.start..s.end];
            if raw.chars().filter(char::is_ascii_alphanumeric).count() >= 4 {
                assert!(!f.message.contains(raw), "{:?} echoes {raw:?}", f.message);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn identifier_soup_never_panics(
            prefix in prop::sample::select(vec!["", "MRN ", "SSN: ", "call ", "fax ", "ID# ", "aged ", "insurance ", "VIN ", "plate ", "S/N ", "zip ", "acct "]),
            body in "[0-9a-fA-F:.@ ()#+/\\-\u{200B}\u{2011}\u{00A0}\u{0435}\u{FF15}\u{00E9}\u{1F600}MRNSIDxyo,]{0,48}",
        ) {
            check(&format!("{prefix}{body}"));
        }

        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,120}") {
            check(&s);
        }
    }
}

#[test]
fn dates_and_decimals_are_told_from_ids() {
    use super::{is_ssn_shape, looks_like_date_or_number};
    for s in ["4/12/2023", "12-05-23", "2023-04-25", "12.05.2023", "31/1/2024", "98.6", "3.14"] {
        assert!(looks_like_date_or_number(s), "{s}");
    }
    for s in
        ["", "13/13/2023", "4/12/202", "2023-13-01", "1-2-3-4", "555-0143", "555-201-8834", "12a/05/2023", "4//2023"]
    {
        assert!(!looks_like_date_or_number(s), "{s}");
    }
    assert!(is_ssn_shape("123-45-6789"));
    assert!(is_ssn_shape("123 45 6789"));
    for s in ["123-45-678", "123-456789", "123-45.6789", "1234-5-6789", "123-45-6789-1", "000-12-3456"] {
        assert!(!is_ssn_shape(s), "{s}");
    }
}

#[test]
fn numbers_inside_links_are_not_identifiers() {
    for t in [
        "Call us, details at https://example.org/pt/555-201-8834 today",
        "Form: www.heart.org/patient-id/48213377 now",
        "Phone list: heart.org/call/617-555-0143",
        "SSN guidance: https://ssa.gov/ssn/123-45-6789?x=1",
        // the folded view differs from the original (zero-width space, Cyrillic о): spans map back
        "Call\u{200B} us: https://exаmple.org/p/555-201-8834 or see cdc.gov/flu/617-555-0143",
    ] {
        assert_clean(t);
    }
    // a number next to a link, not in it, is still found
    assert_rule("See https://example.org/flu. Call 555-201-8834 today", "phi.phone", "555-201-8834");
    assert_rule("Details: heart.org/x\u{200B} MRN 00482913", "phi.mrn", "00482913");
    assert_rule("https://example.org (SSN 123-45-6789)", "phi.ssn", "123-45-6789");
}

#[test]
fn registry_and_doi_ids_are_not_identifiers() {
    // each would be an id or a phone number without the exclusion
    for t in [
        "Registry ID NCT01234567 is recruiting",
        "Reference ID ISRCTN12345678",
        "Full text ID: PMC7654321",
        "Call about PMID: 31234567 if you want the paper",
        "Call about EudraCT 2020-001234-56 with questions",
    ] {
        assert_clean(t);
    }
}

/// `resolve` keeps what the pairwise rule keeps (highest priority, then
/// longest, then earliest of any overlapping group), also on thousands of
/// candidates, where it no longer compares each with every kept one.
#[test]
fn overlap_resolution_matches_the_pairwise_rule() {
    use super::{resolve, Candidate, Kind, Masking};
    fn pairwise(mut cands: Vec<Candidate>) -> Vec<(usize, usize)> {
        cands.sort_by(|a, b| {
            b.priority.cmp(&a.priority).then((b.end - b.start).cmp(&(a.end - a.start))).then(a.start.cmp(&b.start))
        });
        let mut kept: Vec<Candidate> = Vec::new();
        for c in cands {
            if !kept.iter().any(|k| k.start < c.end && c.start < k.end) {
                kept.push(c);
            }
        }
        kept.iter().map(|c| (c.start, c.end)).collect()
    }
    let mut seed = 0x5eed_u64;
    let mut next = |n: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for n in [1usize, 2, 5, 40, 3_000] {
        let cands: Vec<Candidate> = (0..n)
            .map(|_| {
                let start = next(n as u64 * 4) as usize;
                Candidate {
                    start,
                    end: start + 1 + next(12) as usize,
                    kind: Kind::Phone,
                    noun: "phone number",
                    priority: 60 + 10 * next(3) as u8,
                    masking: Masking::Digits,
                }
            })
            .collect();
        let fast: Vec<(usize, usize)> = resolve(cands.clone()).iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(fast, pairwise(cands), "{n} candidates");
    }
}

// ------------------------------------------------------------ data files

const CONTEXT_WORDS: &str = include_str!("../../../config/phi/context-words.txt");

#[test]
fn a_bad_context_words_line_names_the_file_and_the_line() {
    let bad = |extra: &str| {
        let text = format!("# head\nssn = ssn\n{extra}\n");
        super::context_patterns(&text, "cfg/phi/context-words.txt").unwrap_err()
    };
    for (extra, says) in [
        ("colour = red", "unknown group"),
        ("mrn = (unclosed", "invalid regular expression"),
        ("mrn = x?", "matches the empty string"),
        ("mrn chart", "expected `GROUP = PATTERN`"),
    ] {
        let e = bad(extra);
        assert_eq!((e.file.as_str(), e.line), ("cfg/phi/context-words.txt", Some(3)), "{extra}: {e}");
        assert!(e.message.contains(says), "{extra}: {e}");
    }
    // a group without a line: only the file can be named
    let e = super::context_patterns("ssn = ssn\n", "c.txt").unwrap_err();
    assert!(e.line.is_none() && e.message.contains("\"plate\""), "{e}");
    assert!(super::context_patterns(CONTEXT_WORDS, "built in").is_ok());
}

#[test]
fn a_config_folder_overrides_only_the_phi_files_it_has() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.toml"), crate::engine::config::DEFAULT_RULES_TOML).unwrap();
    let draft = "Chart code 88812345 for tomorrow's follow-up.";
    let rules = RuleSet::without_model(Some(dir.path())).unwrap();
    assert!(findings_with(&rules, draft).is_empty());
    std::fs::create_dir(dir.path().join("phi")).unwrap();
    std::fs::write(dir.path().join("phi/context-words.txt"), format!("{CONTEXT_WORDS}\nmrn = chart\\s+code\n"))
        .unwrap();
    let rules = RuleSet::without_model(Some(dir.path())).unwrap();
    let got: Vec<String> = findings_with(&rules, draft).into_iter().map(|f| f.rule).collect();
    assert_eq!(got, ["phi.mrn"]);
    // the word lists stay built in: "meeting ID" is still no person's id
    assert!(findings_with(&rules, "Zoom meeting ID 884 1234 5678").is_empty());
    std::fs::write(dir.path().join("phi/not-person-id-words.txt"), "webinar\n").unwrap();
    let rules = RuleSet::without_model(Some(dir.path())).unwrap();
    let got: Vec<String> = findings_with(&rules, "Zoom meeting ID 884 1234 5678").into_iter().map(|f| f.rule).collect();
    assert_eq!(got, ["phi.identifier"]);
}

/// The byte scan for spelled-out email cues finds what an ASCII-case-insensitive
/// automaton over the cue list finds.
#[test]
fn spelled_cue_scan_agrees_with_the_cue_list() {
    let ac = aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(super::SPELLED_CUES).unwrap();
    let pieces = [
        " dot ", " DoT ", "dot", " dot", "at]", "AT)", "aT}", "At>", "a t]", "[dot]", "(DOT)", "[dot)", "(dot]",
        "{dot}", "<dot>", "]", ")", "t]", " ", "x", "at", "é", "😀", "\n", "d", "o", "[", "(",
    ];
    let mut seed = 0x5eed_u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    for _ in 0..20_000 {
        let text: String = (0..next(8)).map(|_| pieces[next(pieces.len())]).collect();
        assert_eq!(super::has_spelled_cue(text.as_bytes()), ac.is_match(&text), "{text:?}");
    }
    for text in ["jdoe at gmail dot com", "jdoe [at] gmail [dot] com", "that) is", "no cue here", ""] {
        assert_eq!(super::has_spelled_cue(text.as_bytes()), ac.is_match(text), "{text:?}");
    }
}

/// Random texts of number-ish, address-ish and id-ish pieces, for the tests
/// that check the byte pass's gates and cluster searches against the
/// patterns run over the whole text.
fn shape_soup(rounds: usize) -> Vec<String> {
    let pieces = [
        " ", "  ", "\t", "\n", ".", "-", "(", ")", "+", "/", ":", ",", "#", "_", "'", "é", "😀", "\u{A0}", "0", "1",
        "2", "5", "9", "12", "123", "555", "2012", "4111", "0143", "123456", "1234567", "91234567", "99", "617", "a",
        "b", "x", "AB", "Ab", "Main", "St", "Street", "Ave", "N", "NE", "North", "Oak", "1st", "22nd", "Apt", "Suite",
        "dot", "at", "[at]", "(dot)", "f", "F", "ab", "fe80", "::", "1EG4", "TE5", "MK73", "AB123456", "3xYz12",
        "jdavis22", "IP", "NPI", "call", "fax", "+1", "+44", "0.0", "192.168", ".1", "@", "%", "org", "co", "a.b",
        "0a", "1B", "1.2", "3.4",
    ];
    let mut seed = 0x0c1a_57e5_u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    (0..rounds).map(|_| (0..1 + next(24)).map(|_| pieces[next(pieces.len())]).collect()).collect()
}

/// Where a shape can match, the byte pass says so: each gate holds whenever
/// its pattern matches anywhere in the text.
#[test]
fn byte_pass_gates_hold_wherever_their_patterns_match() {
    for text in shape_soup(40_000) {
        let st = super::Stats::of(text.as_bytes(), &mut Vec::new());
        if super::MAC.is_match(&text) {
            assert!(st.mac_pair || st.dotted_hex, "MAC gate closed on {text:?}");
        }
        if super::IPV4.is_match(&text) {
            let mut clusters = Vec::new();
            super::Stats::of(text.as_bytes(), &mut clusters);
            assert!(clusters.iter().any(|c| c.dots >= 3), "IPv4 gate closed on {text:?}");
        }
        if super::MBI_SHAPE.is_match(&text) {
            assert!(st.mbi_head && st.mbi_tail, "MBI gate closed on {text:?}");
        }
        if super::DEA_SHAPE.is_match(&text) {
            assert!(st.dea_digits, "DEA gate closed on {text:?}");
        }
        if super::ADDRESS.is_match(&text) {
            assert!(st.address_start, "address gate closed on {text:?}");
        }
        if super::IPV6.is_match(&text) {
            assert!(st.colon_pair, "IPv6 gate closed on {text:?}");
        }
        if super::EMAIL.is_match(&text) {
            assert!(st.email_at, "email gate closed on {text:?}");
        }
        assert_eq!(st.spelled_cue, super::has_spelled_cue(text.as_bytes()), "{text:?}");
    }
    for text in
        ["1EG4-TE5-MK72 x", "AB1234563", "9 Main St", "12B-3 N Oak Ave", "fe80::1", "a [at] b (dot) com", "a@b.co"]
    {
        let st = super::Stats::of(text.as_bytes(), &mut Vec::new());
        let any = st.mbi_head || st.dea_digits || st.address_start || st.colon_pair || st.spelled_cue || st.email_at;
        assert!(any, "{text:?}");
    }
}

/// The number patterns searched cluster by cluster find what a search of the
/// whole text finds inside the clusters that hold enough digits.
#[test]
fn cluster_searches_find_what_whole_text_searches_find() {
    let patterns: [(&regex::Regex, usize); 8] = [
        (&super::PHONE_INTL, 8),
        (&super::PHONE_NANP, 10),
        (&super::SPACED_DIGITS, 9),
        (&super::PHONE_LOOSE, 7),
        (&super::SSN_SHAPE, 9),
        (&super::CARD, 12),
        (&super::NPI_SHAPE, 10),
        (&super::IPV4, 4),
    ];
    let mut texts = shape_soup(20_000);
    texts.extend(
        [
            "call 555-201-8834 now",
            "(617) 555-0143",
            "+44 20 7946 0958",
            "4111 1111 1111 1111",
            "10.0.0.1",
            "1234567890",
        ]
        .map(String::from),
    );
    let phi = super::Compiled::builtin().expect("built-in phi data");
    for text in texts {
        let b = text.as_bytes();
        let mut clusters = Vec::new();
        let stats = super::Stats::of(b, &mut clusters);
        let norm = crate::engine::Normalized::new(&text);
        let parsed = crate::engine::length::parse(&text);
        let scan = super::Scan {
            text: &text,
            b,
            stats,
            clusters,
            cands: Vec::new(),
            norm: &norm,
            parsed: &parsed,
            excluded: None,
            phi: &phi,
        };
        // the digits of the maximal run of number bytes around a match
        let cluster_digits = |s: usize, e: usize| {
            let mut a = s;
            while a > 0 && super::number_byte(b[a - 1]) {
                a -= 1;
            }
            let mut z = e;
            while z < b.len() && super::number_byte(b[z]) {
                z += 1;
            }
            b[a..z].iter().filter(|c| c.is_ascii_digit()).count()
        };
        for (re, min) in patterns {
            let got: Vec<(usize, usize)> = scan.in_clusters(re, min).iter().map(|m| (m.start(), m.end())).collect();
            let want: Vec<(usize, usize)> = re
                .find_iter(&text)
                .map(|m| (m.start(), m.end()))
                .filter(|&(s, e)| cluster_digits(s, e) >= min)
                .collect();
            assert_eq!(got, want, "{re:?} in {text:?}");
        }
    }
}

/// [`super::Stats::of`] as its fields are defined, one field at a time: the
/// reference for the one-pass scan.
fn stats_by_definition(b: &[u8]) -> (super::Stats, Vec<super::Cluster>) {
    let runs = |pred: &dyn Fn(u8) -> bool| -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if pred(b[i]) {
                let a = i;
                while i < b.len() && pred(b[i]) {
                    i += 1;
                }
                out.push((a, i));
            } else {
                i += 1;
            }
        }
        out
    };
    let mut s = super::Stats::default();
    let count = |x: u8| b.iter().filter(|&&c| c == x).count();
    s.digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    let local = |c: u8| c.is_ascii_alphanumeric() || b"._%+-".contains(&c);
    s.email_at =
        (1..b.len().saturating_sub(1)).any(|i| b[i] == b'@' && local(b[i - 1]) && b[i + 1].is_ascii_alphanumeric());
    s.plus = b.contains(&b'+');
    s.colons = count(b':');
    s.dashes = count(b'-');
    s.dots = count(b'.');
    let word = |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
    let letter = |c: Option<&u8>| c.is_some_and(u8::is_ascii_alphabetic);
    for (a, z) in runs(&|c: u8| c.is_ascii_digit()) {
        let len = z - a;
        s.runs[len.min(19)] = s.runs[len.min(19)].saturating_add(1);
        s.longest_run = s.longest_run.max(len);
        let value: u64 = std::str::from_utf8(&b[a..z]).unwrap().parse().unwrap_or(u64::MAX);
        s.age_number |= (2..=3).contains(&len) && (90..=125).contains(&value);
        let (before, after) = (a.checked_sub(1).map(|k| &b[k]), b.get(z));
        let (after2, after3) = (b.get(z + 1), b.get(z + 2));
        s.mbi_head |= len == 1
            && b[a] != b'0'
            && !word(before)
            && letter(after)
            && after2.is_some_and(u8::is_ascii_alphanumeric)
            && after3.is_some_and(u8::is_ascii_digit);
        s.mbi_tail |= len == 2 && letter(before) && letter(a.checked_sub(2).map(|k| &b[k])) && !word(after);
        s.dea_digits |= (len == 7 || (len == 8 && b[a] == b'9')) && letter(before) && !word(after);
        s.address_start |= len <= 6 && !word(before) && super::address_may_follow(b, z);
    }
    s.longest_token = runs(&|c: u8| c.is_ascii_alphanumeric()).iter().map(|(a, z)| z - a).max().unwrap_or(0);
    let hex = |r: std::ops::Range<usize>| b.get(r).is_some_and(|w| w.iter().all(u8::is_ascii_hexdigit));
    s.dotted_hex =
        (4..b.len()).any(|i| b[i] == b'.' && hex(i - 4..i) && hex(i + 1..i + 5) && b.get(i + 5) == Some(&b'.'));
    s.mac_pair = (2..b.len())
        .any(|i| matches!(b[i], b':' | b'-') && hex(i - 2..i) && hex(i + 1..i + 3) && b.get(i + 3) == Some(&b[i]));
    s.colon_pair =
        (0..b.len()).any(|i| b[i] == b':' && (i + 1..=(i + 5).min(b.len() - 1)).any(|j| b[j] == b':' && hex(i + 1..j)));
    s.spelled_cue = super::has_spelled_cue(b);
    let clusters = runs(&super::number_byte)
        .into_iter()
        .map(|(start, end)| super::Cluster {
            start,
            end,
            digits: b[start..end].iter().filter(|c| c.is_ascii_digit()).count(),
            dots: b[start..end].iter().filter(|&&c| c == b'.').count(),
        })
        .filter(|c| c.digits >= super::CLUSTER_MIN_DIGITS)
        .collect();
    (s, clusters)
}

/// The one-pass byte scan counts what each field says it counts.
#[test]
fn byte_pass_agrees_with_the_definitions() {
    let mut texts = shape_soup(20_000);
    texts.extend(
        ["", "a", "1", "9876543210 x", "ab1234567 c", "Z91234567", "1.2.3.4", "x::y", "aaaa.bbbb.cccc."]
            .map(String::from),
    );
    for text in texts {
        let mut clusters = Vec::new();
        let stats = super::Stats::of(text.as_bytes(), &mut clusters);
        assert_eq!((stats, clusters), stats_by_definition(text.as_bytes()), "{text:?}");
    }
}

/// The exclusion-cue regex answers what an ASCII-case-insensitive automaton
/// over the cue words answers.
#[test]
fn exclusion_cue_regex_agrees_with_the_word_automaton() {
    let ac =
        aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(super::EXCLUSION_CUE_WORDS).unwrap();
    let pieces = ["nc", "t", "NCT", "pm", "C", "id", "10", ".", "1", "0", "isr", "ctn", "x", " ", "é", "K", "\u{212A}"];
    let mut seed = 0xe8c1_u64;
    let mut next = |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    for _ in 0..20_000 {
        let text: String = (0..next(8)).map(|_| pieces[next(pieces.len())]).collect();
        assert_eq!(super::EXCLUSION_CUES.is_match(&text), ac.is_match(&text), "{text:?}");
    }
}

/// The context-word search as first written: the groups of a
/// `context-words.txt` as the named capture groups of one alternation, and
/// each match's group found by its captures (the reference for
/// [`super::keyword_hits`]).
struct KeywordsAsFirstWritten {
    keywords: regex::Regex,
    keyword_groups: Vec<(usize, super::Ctx)>,
}

impl KeywordsAsFirstWritten {
    fn new(config: &str) -> KeywordsAsFirstWritten {
        let mut groups: Vec<(&str, Vec<&str>)> = super::CTX_GROUPS.iter().map(|&(g, _)| (g, Vec::new())).collect();
        for (_, entry) in crate::engine::data::entries(config, "test").unwrap() {
            let (g, p) = entry.split_once(" = ").unwrap();
            if let Some(slot) = groups.iter_mut().find(|(x, _)| *x == g.trim()) {
                slot.1.push(p.trim());
            }
        }
        let named: Vec<String> = groups.iter().map(|(g, a)| format!("(?P<{g}>{})", a.join("|"))).collect();
        let keywords = regex::Regex::new(&format!(r"(?i-u)\b(?:{})", named.join("|"))).unwrap();
        let keyword_groups = super::CTX_GROUPS
            .iter()
            .filter_map(|&(g, ctx)| keywords.capture_names().position(|n| n == Some(g)).map(|i| (i, ctx)))
            .collect();
        KeywordsAsFirstWritten { keywords, keyword_groups }
    }

    fn hits(&self, text: &str) -> Vec<(usize, usize, super::Ctx)> {
        self.keywords
            .captures_iter(text)
            .filter_map(|caps| {
                let whole = caps.get(0)?;
                let ctx = self.keyword_groups.iter().find(|&&(i, _)| caps.get(i).is_some())?.1;
                Some((whole.start(), whole.end(), ctx))
            })
            .collect()
    }
}

/// Context words: pieces of the built-in ones and of the lines
/// [`KEYWORD_CONFIGS`] adds, glued to letters, digits and separators.
const KEYWORD_PIECES: [&str; 48] = [
    " ",
    "  ",
    ":",
    "#",
    ".",
    "-",
    "/",
    "\n",
    "é",
    "😀",
    "a",
    "s",
    "x",
    "1",
    "123",
    "4567",
    "ins",
    "insurance",
    "id",
    "ID",
    "Id",
    "idea",
    "mrn",
    "M.R.N.",
    "mr",
    "med",
    "rec",
    "record",
    "number",
    "no",
    "num",
    "plate",
    "license",
    "lic",
    "cert",
    "certificate",
    "ssn",
    "SS",
    "social",
    "security",
    "acct",
    "a/c",
    "dea",
    "npi",
    "vin",
    "serial",
    "badge",
    "case",
];

/// The built-in context words, and a config that adds lines (a new word, a
/// word with its own flags), each compiled both ways.
static KEYWORD_CONFIGS: LazyLock<Vec<(regex_automata::meta::Regex, KeywordsAsFirstWritten)>> = LazyLock::new(|| {
    let extra = format!("{CONTEXT_WORDS}\ngen = badge\\s*(?:no|#)?\nmrn = (?-i:MR)\\s*rec\nlic = (?i)cert\\s+no\n");
    [CONTEXT_WORDS, extra.as_str()]
        .iter()
        .map(|config| (super::context_patterns(config, "test").unwrap().0, KeywordsAsFirstWritten::new(config)))
        .collect()
});

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

    /// The multi-pattern keyword search finds what the alternation of named
    /// groups found, with the same group.
    #[test]
    fn keyword_search_agrees_with_the_named_group_alternation(
        pieces in proptest::collection::vec(proptest::sample::select(KEYWORD_PIECES.to_vec()), 0..24),
    ) {
        let text: String = pieces.concat();
        for (keywords, first) in KEYWORD_CONFIGS.iter() {
            let got: Vec<_> = super::keyword_hits(keywords, &text).collect();
            proptest::prop_assert_eq!(got, first.hits(&text), "{:?}", text);
        }
    }
}

/// A config whose lines reuse a capture name is refused as before: with the
/// message of the alternation that would not build.
#[test]
fn a_capture_name_used_twice_is_refused_as_before() {
    let config = format!("{CONTEXT_WORDS}\nmrn = (?P<x>chart)\\s+code\ngen = (?P<x>ref)\\s+code\n");
    let e = super::context_patterns(&config, "c.txt").unwrap_err();
    assert!(e.message.starts_with("cannot build the context-word pattern: "), "{e}");
    assert!(e.message.contains("duplicate capture group name"), "{e}");
    // a named group of one's own is fine
    let config = format!("{CONTEXT_WORDS}\nmrn = (?P<x>chart)\\s+code\n");
    assert!(super::context_patterns(&config, "c.txt").is_ok());
}
