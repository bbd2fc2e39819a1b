//! Unit tests of the context rules: positive and negative cases per rule,
//! evasions, spans and masking. The sentences are invented for these tests.
//! They run without the learned model (`RuleSet::builtin_without_model`): they
//! test the context rules alone; the model and the whole engine are tested in
//! `engine::model` and measured on the labelled corpora in CI.

use crate::engine::{review, Category, Draft, Finding, Identifier, RuleSet};
use proptest::prelude::*;
use std::sync::LazyLock;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin_without_model().expect("built-in rules"));

fn findings(d: &Draft) -> Vec<Finding> {
    review(d, &RULES).findings
}

/// The text each finding of `rule` covers.
fn hits(text: &str, rule: &str) -> Vec<String> {
    findings(&Draft::new(text))
        .into_iter()
        .filter(|f| f.rule == rule)
        .map(|f| f.span.map(|s| text[s.start..s.end].to_string()).unwrap_or_default())
        .collect()
}

fn categories(d: &Draft) -> Vec<Category> {
    findings(d).into_iter().map(|f| f.category).collect()
}

fn has_category(text: &str, c: Category) -> bool {
    categories(&Draft::new(text)).contains(&c)
}

// ---------------------------------------------------------------- phi.name

#[test]
fn names_after_patient_triggers() {
    assert_eq!(hits("So glad my patient Rosalind Okafor is home for the holidays.", "phi.name"), ["Rosalind Okafor"]);
    assert_eq!(hits("Welcome to the world, baby Mateo Quispe!", "phi.name"), ["Mateo Quispe"]);
    assert_eq!(hits("Follow-up for pt Delgado tomorrow.", "phi.name"), ["Delgado"]);
    assert_eq!(hits("Pt. Harold Finch, 71, CHF exacerbation", "phi.name"), ["Harold Finch"]);
    assert_eq!(hits("Our newest little one, named Harriet Voss, is doing well.", "phi.name"), ["Harriet Voss"]);
    assert_eq!(hits("patient name: Omar Haddad, bed 4", "phi.name"), ["Omar Haddad"]);
    assert_eq!(hits("so proud of my patient jessica today", "phi.name"), ["jessica"]);
    assert_eq!(hits("my patient margaret wilson finally went home", "phi.name"), ["margaret wilson"]);
    assert!(hits("my patient will be fine", "phi.name").is_empty(), "an ordinary word");
    let t = "Our patient's daughter Emily flew in; she asked about the discharge plan.";
    assert_eq!(hits(t, "phi.name"), ["Emily"], "a relative's name in a care draft");
    assert!(hits("Our nurse Kelly and her daughter Emma ran the 5k together!", "phi.name").is_empty());
}

#[test]
fn child_patients_named_after_a_tender_word() {
    let t = "Little Amara Okonkwo went home today after 6 weeks in our NICU!";
    assert_eq!(hits(t, "phi.name"), ["Amara Okonkwo"]);
    assert!(has_category(t, Category::PatientReference));
    let t = "Sweet Sofia Hernandez finished chemo today, so proud of her";
    assert_eq!(hits(t, "phi.name"), ["Sofia Hernandez"], "staff-news words do not silence it");
    assert!(has_category(t, Category::PatientReference));
    let t = "Our little fighter Mateo Rossi rang the bell this morning!";
    assert_eq!(hits(t, "phi.name"), ["Mateo Rossi"]);
    assert!(has_category(t, Category::PatientReference));
    let t = "tiny Chukwuemeka Eze graduated from the NICU after 94 days";
    assert_eq!(hits(t, "phi.name"), ["Chukwuemeka Eze"], "no word list needed");
    assert!(has_category(t, Category::PatientReference));
    let t = "Brave little Aiyana Begay finished her last round of chemo";
    assert_eq!(hits(t, "phi.name"), ["Aiyana Begay"]);
    assert!(has_category(t, Category::PatientReference));
    let t = "Our little warrior Nguyen Thi Lan headed home from the PICU today";
    assert_eq!(hits(t, "phi.name"), ["Nguyen Thi Lan"]);
    assert_eq!(hits("So happy: brave Tomasz Kowalczyk rings the bell at noon", "phi.name"), ["Tomasz Kowalczyk"]);
    let t = "Sweet little Zainab Hussain is finally home after 3 months in the NICU";
    assert_eq!(hits(t, "phi.name"), ["Zainab Hussain"]);
    assert!(has_category(t, Category::PatientReference), "a few words between the name and the story");
    let t = "Our brave Santiago Morales beat leukemia and rang the bell today";
    assert_eq!(hits(t, "phi.name"), ["Santiago Morales"]);
    assert!(has_category(t, Category::PatientReference));
}

#[test]
fn tender_words_without_a_child_patient() {
    for t in [
        "Congrats to little league coach Tom Reed on 20 years",
        "Congrats to Little League coach Tom Reed, who volunteers in our NICU",
        "Little Rock clinic opens Monday; ICU tours at noon",
        "We sang Sweet Caroline in the PICU today",
        "Little Rock Central High students toured our NICU",
        "Our little league team rang the bell at the fundraiser",
        "Sweet Jane Doyle retires after 30 years in our NICU",
        "Brave New World book club meets in the ICU family lounge",
        "A little Olive Oil Festival raised funds for the NICU",
        "Tiny Tim went home happy after the NICU holiday play",
        "Brave Hearts Walk went great, thanks to everyone who raised funds for the hospital",
        "Little Italy Street Fair raises money for our PICU",
        "Tiny Miracles Foundation donated blankets to our NICU",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}");
        assert!(!has_category(t, Category::PatientReference), "{t}");
    }
    // without a care unit or a care word, a full name after "little" is not a patient
    assert!(hits("Little Women star Amy March visits the library", "phi.name").is_empty());
}

#[test]
fn staff_profiles_with_a_job_clause_are_colleagues() {
    for t in [
        "Meet Mr. Jenkins, who has driven our shuttle for 20 years",
        "Meet Ms. Adebayo, who has run our cafeteria since 1999. Lunch on us today!",
        "Say hi to Mrs. Kowalczyk, who greets every visitor at our front desk",
        "Mr. Takahashi, who has maintained our MRI suite for a decade, retires Friday",
        "Meet Ms. Nwosu, who cooks for our patients every morning",
        "Mr. Ruiz, who has been working here since the clinic opened, knows every patient by name",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}");
    }
    // a clause about the person's own care, or work elsewhere, keeps the patient
    let t = "Mr. Jenkins, who drives for a rideshare company, was admitted with chest pain";
    assert_eq!(hits(t, "phi.name"), ["Mr. Jenkins"]);
    let t = "Mrs. Tanaka, who has been coming to our clinic for 20 years, finally met her A1C goal";
    assert_eq!(hits(t, "phi.name"), ["Mrs. Tanaka"]);
    let t = "Mr. Haddad, who was treated here last spring, sent us a card";
    assert_eq!(hits(t, "phi.name"), ["Mr. Haddad"]);
}

#[test]
fn event_results_facilities_and_public_figures_are_not_patients() {
    for t in [
        "Results for Breast Cancer 5K: 1st place Maria Lopez",
        "Results for the Heart Walk: 1st place Maria Lopez, 2nd place Ahmed Khan, 3rd Priya Patel",
        "Diabetes Fun Run results are in! Winner: Oluwaseun Adeyemi; runner-up Ana Lima",
        "Cancer survivors golf outing: first place overall Kenji Watanabe",
        "Results for Mercy West",
        "Lab results from Sinai North are now in the portal",
        "Magic Johnson's HIV diagnosis changed the conversation",
        "When the NBA great Kareem Abdul-Jabbar went public with his leukemia diagnosis, screening calls rose",
        "Angelina Jolie's BRCA test and surgery raised awareness of genetic counseling",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}");
    }
    assert_eq!(hits("Results for Jane West are back, biopsy clear", "phi.name"), ["Jane West"]);
    assert_eq!(hits("Results for Maria Lopez are in, her biopsy was clear", "phi.name"), ["Maria Lopez"]);
    let t = "My patient Magic Johnson's HIV diagnosis changed the conversation in our clinic";
    assert_eq!(hits(t, "phi.name"), ["Magic Johnson's"], "a patient word wins over public words");
    let t = "Our patient Maria Lopez came in 1st place in her chemo ward's walk";
    assert_eq!(hits(t, "phi.name"), ["Maria Lopez"], "a trigger before the name wins");
    let t = "Maria Lopez's HIV diagnosis changed everything for her family";
    assert_eq!(hits(t, "phi.name"), ["Maria Lopez's"], "no public words: still a name in a care draft");
}

#[test]
fn honorifics_mark_names() {
    assert_eq!(hits("Mrs. Whitcombe, your lab results are ready.", "phi.name"), ["Mrs. Whitcombe"]);
    assert_eq!(hits("Mr Alvarado asked about his refill", "phi.name"), ["Mr Alvarado"]);
    assert_eq!(hits("Discharge summary for Mr. W. is done", "phi.name"), ["Mr. W."]);
    assert_eq!(hits("Ms. D. Farrow was admitted overnight", "phi.name"), ["Ms. D. Farrow"]);
    assert_eq!(hits("Miss Harper's labs came back normal", "phi.name"), ["Miss Harper's"]);
    assert!(hits("Don't Miss Out: flu shot appointments and lab results online!", "phi.name").is_empty());
}

#[test]
fn first_name_and_initial_in_a_care_draft() {
    let q = "Dosing for a 71yo man, Walter K., with CKD seen at Riverbend on 3/2/2024?";
    assert_eq!(hits(q, "phi.name"), ["Walter K."]);
    let q = "Options for a 40-year-old woman, Ingeborg T., with new lupus?";
    assert_eq!(hits(q, "phi.name"), ["Ingeborg T."], "an uncommon first name still has the shape");
    let q = "Management of CHF in pt w/ hx of MI, Clara B., on furosemide";
    assert_eq!(hits(q, "phi.name"), ["Clara B."]);
}

#[test]
fn first_and_last_names_in_a_care_draft() {
    let q = "Referral for Gordon Pike: labs attached, please call back.";
    assert_eq!(hits(q, "phi.name"), ["Gordon Pike"]);
    let q = "Treatment options for a 52-year-old male with gout, Tadeusz Kowalski, seen last spring?";
    assert_eq!(hits(q, "phi.name"), ["Tadeusz Kowalski"], "a common surname carries an uncommon first name");
    let q = "Interactions for a 63yo female, Oluwaseun Adebanjo, admitted with AF?";
    assert_eq!(hits(q, "phi.name"), ["Oluwaseun Adebanjo"], "set off by commas after the patient's description");
    let q = "Options for a 58-year-old with myeloma, Brannigan Thistlewood, last treated in May 2023?";
    assert_eq!(hits(q, "phi.name"), ["Brannigan Thistlewood"], "neither word listed: the position decides");
    let q = "Risks for 67yo male patients like Quillon Vantongeren, seen at Lakeview on 2/3/2024?";
    assert_eq!(hits(q, "phi.name"), ["Quillon Vantongeren"]);
    let q = "A 30yo female, Greta, seen in clinic with migraines. Next steps?";
    assert_eq!(hits(q, "phi.name"), ["Greta"]);
    let q = "Please fax Jessica's chart to the cardiology referral desk";
    assert_eq!(hits(q, "phi.name"), ["Jessica's"]);
}

#[test]
fn initials_with_age_or_trigger() {
    assert_eq!(hits("K.L., 58F, admitted with sepsis", "phi.name"), ["K.L."]);
    assert_eq!(hits("R. T. 33 yo presented with chest pain", "phi.name"), ["R. T."]);
    assert_eq!(hits("Update on pt A.B.: stable", "phi.name"), ["A.B."]);
    assert!(hits("The U.S. saw 20 million flu cases", "phi.name").is_empty());
    assert!(hits("Clinic opens at 8 a.m. sharp.", "phi.name").is_empty());
}

#[test]
fn providers_only_in_a_patient_case() {
    let q = "68yo male with COPD seen by Dr. Imani Brooks at Lakeview on 5/5/2023, next steps?";
    assert_eq!(hits(q, "phi.name"), ["Dr. Imani Brooks"]);
    assert!(hits("Dr. Imani Brooks joins our pulmonary team this spring. Welcome!", "phi.name").is_empty());
    assert!(hits("Dr. Okoro explains what the new blood pressure guidelines mean.", "phi.name").is_empty());
    assert!(hits("Prof. Hanna Berg will speak on sepsis at grand rounds.", "phi.name").is_empty());
    let t = "Meet Dr. Rachel Kim, who treated her first patient here in 2004 and retires this month.";
    assert!(hits(t, "phi.name").is_empty(), "the provider is not re-read as a patient name");
}

#[test]
fn staff_names_are_left_alone() {
    for t in [
        "Our nurse Kelly Chen won the DAISY award. So proud of her care for patients!",
        "Congrats to Marcus Bell on 20 years in our pharmacy!",
        "New on the blog: Samantha Ortiz, RD, on eating well with diabetes.",
        "Thanks to Victor Hale, MD, for leading our sepsis results review.",
        "Our colleague Brenda Sousa presented her research on patient falls.",
        "Meet Nadia Petrov, our new patient navigator, who helps with referrals.",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
}

#[test]
fn places_facilities_and_conditions_are_not_names() {
    for t in [
        "65yo pt with CHF seen at Henry Ford Hospital, then at Mary Washington Regional.",
        "pt w/ hx of Crohn's Disease and Graves Disease, admitted at St. Luke's on 2/2/2022",
        "Transferred from Ann Arbor to Johns Hopkins; MRN pending.",
        "72yo pt on Vitamin D. and Hepatitis B. vaccine series, follow-up at Beth Israel.",
        "Follow-up for a 50yo with Lyme Disease in Salt Lake City, seen last month.",
        "Rehab after Tommy John surgery: our sports medicine team treats pitchers of all ages.",
        "Vaccines for a 65yo pt traveling to Costa Rica, who had a splenectomy?",
        "Care of a 72yo patient with Lewy Body dementia, Sundowning Behavior, who lives alone?",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
}

#[test]
fn names_without_a_care_context_are_left_alone() {
    for t in [
        "Mary Johnson from the heart association explains the warning signs of stroke.",
        "Join Linda Park and Tom Baker for a cooking demo on Saturday.",
        "Happy Nurses Week to Maria Garcia and all of our amazing nurses!",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
}

#[test]
fn name_evasions_are_caught_and_spans_point_into_the_original() {
    // zero-width space inside the name, Cyrillic letters in the trigger word
    let t = "my p\u{0430}tient Jess\u{200B}ica Moreno is walking!";
    let f: Vec<Finding> = findings(&Draft::new(t)).into_iter().filter(|f| f.rule == "phi.name").collect();
    assert_eq!(f.len(), 1);
    let s = f[0].span.unwrap();
    assert_eq!(&t[s.start..s.end], "Jess\u{200B}ica Moreno");
    assert_eq!(f[0].identifier, Some(Identifier::Name));
    assert_eq!(f[0].category, Category::Phi);
}

#[test]
fn name_messages_are_masked() {
    let f = findings(&Draft::new("Follow-up call for my patient Jessica Moreno"));
    let name = f.iter().find(|f| f.rule == "phi.name").expect("a name finding");
    assert!(!name.message.contains("Jessica") && !name.message.contains("Moreno"), "{}", name.message);
    assert!(name.message.contains("J****** M*****"), "{}", name.message);
}

#[test]
fn honorific_names_are_patients_whatever_the_draft_cheers() {
    // a draft-level "Thanks team!" or "Welcome" does not make a patient a colleague
    for (t, name) in [
        ("Thanks team! Mr. Haddad went home today after three weeks with us.", "Mr. Haddad"),
        ("Remember Ms. Kowalski from bed 4? She sent the unit cookies. Thank you!", "Ms. Kowalski"),
        ("Remember Mr Obi from bed 4?", "Mr Obi"),
        ("Huge shout-out to the night crew: Mrs. Adeyemi is breathing on her own!", "Mrs. Adeyemi"),
        ("Thank you Mr. Tanaka for the lovely card after your stay with us", "Mr. Tanaka"),
        ("So proud of Miss Nakamura, who took her first steps after the stroke!", "Miss Nakamura"),
        ("Congrats to Mx. Delacroix on ringing the bell after the last chemo today!", "Mx. Delacroix"),
        ("Congrats to Mr. Abara, who went home today after his transplant!", "Mr. Abara"),
        ("Welcome back, Mr. Haddad! We missed you at cardiac rehab.", "Mr. Haddad"),
        ("Mr. Haddad, our patient and a retired nurse, went home today", "Mr. Haddad"),
        ("Mrs. Lee, after 10 years of dialysis, got her new kidney today. Thanks team!", "Mrs. Lee"),
        ("Mrs. Kim from the ICU sent the whole unit a thank-you card!", "Mrs. Kim"),
        ("Remember Ms. de la Cruz from bed 4? Thank you, nurses!", "Ms. de la Cruz"),
        ("Mr. van der Berg went home today. Thanks team!", "Mr. van der Berg"),
    ] {
        assert_eq!(hits(t, "phi.name"), [name], "{t}");
    }
}

#[test]
fn honorific_names_tied_to_a_staff_role_are_colleagues() {
    for t in [
        "Please welcome Ms. Rivera, our new practice manager!",
        "Mr. Obi joins our billing team this week. Welcome!",
        "Congratulations to Mrs. Okafor on her retirement after 30 years!",
        "Our receptionist Mrs. Lindqvist has greeted patients for 25 years. Thank you!",
        "Thanks to Ms. Farouk, RN, for leading the flu clinic.",
        "Welcome Mr. Castellanos, the new director of our pharmacy.",
        "Ms. Abernathy has joined our front desk staff.",
        "Happy retirement, Mrs. Okafor! 30 years at the front desk.",
        "Congrats Ms. Huang on passing your boards!",
        "Join Ms. Rivera for a diabetes cooking class Tuesday, March 4 at 6pm.",
        "Ms. Johnson, the principal of Lincoln Elementary, visited our clinic.",
        "Our shuttle driver Mr. Jenkins retires Friday. Thank you!",
        "Proud of Mr. Lee, our longtime volunteer, who turns 80 today!",
        "Thank you Mrs. Patterson for 40 years of volunteering at the gift shop!",
        "Mrs. Obi and Mr. Tran from housekeeping keep our halls spotless. Thank you!",
        "Mr. Delgado's 4th grade class visited our ambulance bay today.",
        "Please join us in welcoming Mr. Kwame Asante, our new CFO.",
        "Ms. Chen, our lactation consultant, answers your questions Thursday at noon.",
        "Meet Mx. Rivera, our new patient advocate.",
        "Ms. de Souza, our new practice manager, starts Monday",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
}

#[test]
fn baby_and_a_name_is_a_newborn_patient() {
    for (t, name) in [
        ("Welcome to the world, Baby Amara Okonkwo! Thanks team", "Amara Okonkwo"),
        ("Welcome to the world, baby Liam Nguyen! Thank you to our L&D staff.", "Liam Nguyen"),
        ("Welcome to the world Baby Girl Nwosu, 7 lbs 2 oz!", "Nwosu"),
        ("Congrats to the family of baby boy Haraldsson, our first baby of the year!", "Haraldsson"),
        ("Newborn Siddharth Iyer went home today. Proud of our NICU!", "Siddharth Iyer"),
        ("Our first New Year's baby: Baby Zofia Kaminska!", "Zofia Kaminska"),
        ("Welcome to the world, Baby Aarav! 7 lbs of joy.", "Aarav"),
    ] {
        assert_eq!(hits(t, "phi.name"), [name], "{t}");
    }
    for t in [
        "Join our Baby Shower Saturday at the family center!",
        "Baby Friendly Hospital status renewed for 5 more years!",
        "Baby Steps: free parenting classes start in June.",
        "Welcome to the world, Baby! Congrats to the whole family.",
        "Baby Food Drive: drop off jars at the lobby.",
        "Our Baby Cafe meets every Tuesday for feeding support.",
        "Baby Swim classes start Monday at the rec center.",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
}

#[test]
fn a_first_name_and_initial_with_an_age_or_a_test_needs_no_word_list() {
    for (t, name) in [
        ("Ngozi R., 73, came in with chest pain", "Ngozi R."),
        ("Priya R., 73, CT shows a large bleed", "Priya R."),
        ("Lakshmi P. (73) scan shows a mass", "Lakshmi P."),
        ("Thanks team! Bartosz W., 66M, MRI shows a disc herniation.", "Bartosz W."),
        ("Update: Oluwaseun T. biopsy came back benign", "Oluwaseun T."),
        ("Thi Lan N., 81, with a hip fracture, is in surgery now", "Thi Lan N."),
        ("Kwame A., 45 with sepsis, improving on day 3", "Kwame A."),
        ("Ngozi R, 73, septic again", "Ngozi R"),
        ("Ravi K. (58M) on metformin, A1c 9", "Ravi K."),
        ("Priya R. came in last night. MRI showed a tear.", "Priya R."),
        ("Ngozi A. R., 73, back again", "Ngozi A. R."),
        ("Bao T. finally home! Her tumor is gone.", "Bao T."),
    ] {
        assert_eq!(hits(t, "phi.name"), [name], "{t}");
    }
    for t in [
        "Thanks to Anna K. for organizing the bake sale!",
        "Meet Anna K., 34, our new RN!",
        "Vitamin D. levels drop in winter; ask about testing.",
        "Results from Trial B. are in: see the CT findings on the blog.",
        "Happy birthday to Jorge M., our favorite volunteer!",
        "Parking in Lot C. is closed for MRI suite construction.",
        "Thanks to Anna K, 12 years on our unit!",
        "Thanks to Anna K. for the great talk. Slides and results on the blog.",
        "Nomvula D. turned 40 and ran a marathon. Congrats on the results!",
        "Welcome Tomasz W., our new MRI tech!",
        "Meet Lakshmi P., our new patient access rep, at the front desk!",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
}

#[test]
fn records_for_a_name_from_any_culture() {
    for (t, name) in [
        ("Discharge summary for Nguyen Thi Lan is ready for review.", "Nguyen Thi Lan"),
        ("summary for Agnieszka Wojcik, please review before rounds", "Agnieszka Wojcik"),
        ("Results for Sunil Venkataraman came back positive", "Sunil Venkataraman"),
        ("Referral for Chukwuemeka Eze to cardiology sent this morning", "Chukwuemeka Eze"),
        ("MRI results for Oluwadamilare Adeyemi look good!", "Oluwadamilare Adeyemi"),
        ("Scan results for Thi Lan N. are back", "Thi Lan N."),
        ("Still waiting on the biopsy report for Wiremu Tane", "Wiremu Tane"),
        ("Labs for Ayesha Siddiqui look much better this week", "Ayesha Siddiqui"),
        ("Biopsy results for Małgorzata Wójcik are back", "Małgorzata Wójcik"),
        ("Results for Priya Natarajan's biopsy came back", "Priya Natarajan's"),
        ("Lab results: Tran Van Duc, please call back", "Tran Van Duc"),
        ("Discharge summary - Ifeoma Chukwu", "Ifeoma Chukwu"),
        ("Labs for Siosaia Fifita came back normal.", "Siosaia Fifita"),
        ("Referral for Aroha Ngata, 34, to cardiology.", "Aroha Ngata"),
        ("Discharge summary for Zbigniew Wisniewski is done.", "Zbigniew Wisniewski"),
    ] {
        assert_eq!(hits(t, "phi.name"), [name], "{t}");
    }
    for t in [
        "Results of Sleep Apnea Study are out on our blog.",
        "Summary of Grand Rounds with Anna Smith is on the intranet.",
        "Results for Breast Cancer Awareness 5K are in!",
        "Read the summary of Medicare Advantage changes for 2025.",
        "Referral for Physical Therapy now available online.",
        "Referral for Speech Therapy Services now online",
        "See the results of Project Sunshine on our blog",
        "Referral for Planned Parenthood services",
        "Results for Ohio State researchers",
        "Referral for Hope House shelter",
        "Lab results for Healthy Start families are in the portal.",
        "Results Of Annual Quality Survey Posted",
        "Read the summary of Anna Kowalczyk's talk on sepsis.",
        "Scan results for Henry Ford Health are published.",
        "Results for Lakeside Clinic: wait times down 20%.",
        "Summary of today's town hall with CEO Linda Park: new parking, new hours.",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
}

// ---------------------------------------------------------------- phi.date

#[test]
fn dates_after_person_triggers() {
    assert_eq!(hits("Pt DOB 07/21/1958, presenting w/ syncope", "phi.date"), ["07/21/1958"]);
    assert_eq!(hits("My patient was admitted on October 3rd, 2024 with pneumonia", "phi.date"), ["October 3rd, 2024"]);
    assert_eq!(hits("my patient, discharged 2024-11-02, is back at work", "phi.date"), ["2024-11-02"]);
    assert_eq!(hits("45yo F, surgery on 9 Sep 2023, now c/o pain", "phi.date"), ["9 Sep 2023"]);
    assert_eq!(hits("pt last seen Jan. 4, '24 for a check-up", "phi.date"), ["Jan. 4, '24"]);
    assert_eq!(hits("pt chart noted on 03-Mar-2022: stable", "phi.date"), ["03-Mar-2022"]);
    assert_eq!(hits("pt chart noted on Mar-03-2022: stable", "phi.date"), ["Mar-03-2022"]);
    assert_eq!(hits("my patient was admitted on the 12th of March with sepsis", "phi.date"), ["12th of March"]);
    assert_eq!(hits("Baby girl born March 9th at 4am, 8 lbs!", "phi.date"), ["March 9th"]);
}

#[test]
fn partial_dates_need_a_patient_and_a_trigger() {
    assert_eq!(hits("58yo male diagnosed with AF in June 2021, on apixaban", "phi.date"), ["June 2021"]);
    assert_eq!(hits("Our patient was seen on Aug 14th for follow-up", "phi.date"), ["Aug 14th"]);
    assert_eq!(hits("J.M., 47M, admitted 3/14 with DKA", "phi.date"), ["3/14"]);
    assert_eq!(hits("my patient, admitted last Friday, is asking for pizza", "phi.date"), ["last Friday"]);
    assert_eq!(hits("pt w/ CHF discharged 2023/04/12 per chart", "phi.date"), ["2023/04/12"]);
    assert!(hits("my patient, admitted last week, is asking for pizza", "phi.date").is_empty());
    assert!(hits("Since March 2020 our clinics have treated thousands of patients", "phi.date").is_empty());
    assert!(hits("Seen on March 5? Our walk-in hours are changing", "phi.date").is_empty());
}

#[test]
fn a_reply_about_the_addressees_own_care_dates_it() {
    const R: &str = "phi.reply-date";
    assert_eq!(
        hits("@lizzie_b44 Liz, sorry for the mixup! Your bone density scan is rebooked for Friday 3/22 at 1:15", R),
        ["3/22"]
    );
    assert_eq!(
        hits("@shonda_c hi! Your colonoscopy is confirmed for Mon Dec 9, start clear liquids Sunday", R),
        ["Dec 9"]
    );
    assert_eq!(
        hits("@chela_reyes Chela, su resultado de Papanicolaou del 2 de octubre salió normal", R),
        ["2 de octubre"]
    );
    assert_eq!(
        hits("@shonda_c hi Shonda! Your colonoscopy is confirmed for Mon 12/9, 8am. Clear liquids Sunday", R),
        ["12/9"]
    );
    // the same words to everyone, or a reply with an event's date, date no one
    for t in [
        "Your appointment reminders now come by text, starting 3/22!",
        "@sam_k you can book your appointment online; our new hours start Monday 3/22 at 8am",
        "@sam_k thanks! The health fair is on 10/5, join us",
        "Hace 10 años, el 2 de octubre, abrimos nuestra clínica. ¡Gracias!",
    ] {
        assert!(hits(t, "phi.date").is_empty() && hits(t, R).is_empty(), "{t}: {:?}", hits(t, R));
    }
    // a date a care word ties to a patient stays phi.date in a reply too
    assert_eq!(
        hits("@dr_k my patient was admitted on October 3rd, 2024 with sepsis", "phi.date"),
        ["October 3rd, 2024"]
    );
}

#[test]
fn event_dates_and_years_are_not_phi() {
    for t in [
        "Our clinic will be closed on 12/25 and 1/1.",
        "Join us Tuesday, March 4 at 6pm for a free diabetes class.",
        "Flu shot clinic on October 12, 2024 at the library, 9am-1pm.",
        "Registration for the walk closes on 03/15/2025.",
        "A 60-year-old diagnosed back in 2021 should still get screened.",
        "Our mobile clinic visited Lincoln Elementary on Feb 12, 2025.",
        "The study was published on April 12, 2023 in JAMA.",
        "Call 555-201-8834 for appointments.",
        "INR target 2.0-3.0 for most patients on warfarin.",
    ] {
        assert!(hits(t, "phi.date").is_empty(), "{t}: {:?}", hits(t, "phi.date"));
    }
}

#[test]
fn date_messages_are_masked_and_typed() {
    let t = "pt DOB 04/12/1961";
    let f = findings(&Draft::new(t));
    let d = f.iter().find(|f| f.rule == "phi.date").expect("a date finding");
    assert_eq!(d.identifier, Some(Identifier::Date));
    assert!(!d.message.contains("1961") && d.message.contains("**/**/****"), "{}", d.message);
}

#[test]
fn dates_with_fullwidth_digits_map_back() {
    let t = "pt DOB \u{FF10}\u{FF14}/12/1961";
    let f = findings(&Draft::new(t));
    let d = f.iter().find(|f| f.rule == "phi.date").expect("a date finding");
    let s = d.span.unwrap();
    assert_eq!(&t[s.start..s.end], "\u{FF10}\u{FF14}/12/1961");
}

// ------------------------------------------------------- patient.reference

#[test]
fn my_patient_is_a_reference() {
    assert_eq!(hits("Can't stop thinking about my patient from last night.", "patient.reference"), ["my patient"]);
    assert_eq!(hits("Our patient's family sent us cookies!", "patient.reference"), ["Our patient"]);
    assert_eq!(hits("our pt finally walked the hall", "patient.reference"), ["our pt"]);
    assert_eq!(hits("Said goodbye to my favorite patient today", "patient.reference"), ["my favorite patient"]);
    assert_eq!(hits("Our 97-year-old patient beat us at chess", "patient.reference"), ["Our 97-year-old patient"]);
    assert!(has_category("One of our patients knitted hats for the whole unit.", Category::PatientReference));
    assert_eq!(hits("My 3am patient just wanted someone to talk to.", "patient.reference"), ["My 3am patient"]);
    assert_eq!(hits("our ICU patient walked out on his own", "patient.reference"), ["our ICU patient"]);
}

#[test]
fn owner_gap_holds_ages_in_any_case_and_at_most_two_words() {
    assert_eq!(hits("Our 6-Month-Old patient smiled today", "patient.reference"), ["Our 6-Month-Old patient"]);
    assert_eq!(hits("my 11PM patient finally slept", "patient.reference"), ["my 11PM patient"]);
    assert_eq!(hits("my sweet 88yo patient won at bingo", "patient.reference"), ["my sweet 88yo patient"]);
    // a number that is no age, too many digits, or a third word breaks the tie
    assert!(hits("my 12 patient rooms were full", "patient.reference").is_empty());
    assert!(hits("my 1000-year-old patient joke again", "patient.reference").is_empty());
    assert!(hits("our sweet little old patient knitted", "patient.reference").is_empty());
}

#[test]
fn physical_therapy_and_award_titles_are_no_name_triggers() {
    for t in [
        "Tired of waiting for PT? New patients are seen within 48 hrs at Example PT. Direct access, no referral.",
        "Congrats to Dr. Priya Venkataraman, named Surgeon of the Year by the state medical society!",
        "Our own Kim was named Chief of Nursing this week.",
    ] {
        assert!(hits(t, "phi.name").is_empty(), "{t}: {:?}", hits(t, "phi.name"));
    }
    // the lower-case abbreviation and a plain name after "named" still are
    assert_eq!(hits("pt Delgado back again today, same complaint", "phi.name"), ["Delgado"]);
    assert_eq!(hits("Our newest little one, named Harriet Voss, is doing well.", "phi.name"), ["Harriet Voss"]);
}

#[test]
fn generic_patient_words_are_not_references() {
    for t in [
        "Patients can now book appointments online.",
        "Log in to your patient portal to see results.",
        "Patient Safety Week starts Monday!",
        "Our patient experience team is hiring.",
        "My patients always teach me something new.",
        "We put patient-centered care first.",
        "Our patient and family advisory council meets monthly.",
        "Got my PT appointment today, knee is improving.",
        "Our new patient intake forms are online; fill them out before your visit today.",
        "This week the case count rose 20% in our county.",
        "A case of measles was confirmed today in our county.",
        "Now accepting new patients!",
    ] {
        let f = findings(&Draft::new(t));
        assert!(!f.iter().any(|f| f.category == Category::PatientReference), "{t}: {f:?}");
    }
}

#[test]
fn stories_with_a_when_are_references() {
    for t in [
        "Had a patient this morning who swore garlic cured her pneumonia.",
        "This lady walked into urgent care yesterday with a fishhook in her thumb.",
        "Wild case from my shift last night.",
        "The 80-year-old we coded on my shift is awake and joking.",
        "A sweet little girl in clinic today asked if I was a princess.",
    ] {
        assert!(has_category(t, Category::PatientReference), "{t}");
    }
}

#[test]
fn hypothetical_patients_are_not_references() {
    for t in [
        "When a patient comes in today with chest pain, every minute counts.",
        "If a child has a fever today, keep them home.",
        "Every patient deserves respect.",
        "A patient who has diabetes should check their feet daily.",
    ] {
        assert!(!has_category(t, Category::PatientReference), "{t}");
    }
}

#[test]
fn room_and_bed_references_come_from_the_lexicon() {
    assert_eq!(hits("pt in room 302 keeps asking for pudding", "patient.story"), ["pt in room 302"]);
    assert_eq!(hits("The guy in bed #7 is a legend", "patient.story"), ["guy in bed #7"]);
    assert!(hits("Our new rooms have beds for 2", "patient.story").is_empty());
}

#[test]
fn people_who_came_in_with_a_when_are_references() {
    for t in [
        "Guy came in last night with a fishhook in his eyelid.",
        "Lady came into the ER today with chest pain and a sandwich.",
        "Older lady came in this morning convinced she had the flu.",
        "Pt came in yesterday asking for antibiotics for a cold.",
        "Sweet old man came in to the ER on my shift last night.",
        "Kid walked into urgent care tonight with a crayon up his nose.",
        "Man came to the ER last night with a nail through his hand.",
        "this 70yo guy came in tonight swearing it was just heartburn",
        "Teenager? No: teen rolled in overnight after a dirt-bike crash.",
        "Guy came in at 3am with a fork in his hand.",
        "the guy who messaged me last night came in today with chest pain",
        "Girl came in tonight with a bead in her ear",
        "Man walked into urgent care yesterday carrying his own finger",
        "Woman comes in at 2am with chest pain, turns out it's her gallbladder.",
    ] {
        assert!(has_category(t, Category::PatientReference), "{t}");
    }
    for t in [
        "Kid came in with a marble up his nose once. Keep small toys away from toddlers.",
        "Mom came in today with donuts for the whole unit!",
        "If a kid comes in today with a rash, isolate first.",
        "Have your kid come in today for a flu shot.",
        "Patients came in today for flu shots at the library clinic.",
        "Our new CT scanner came in today!",
        "Kid came in today to donate his piggy bank to the NICU! Thank you!",
        "Our teen volunteers came in over the weekend to paint the playroom.",
        "To the mom who asked me yesterday: yes, we're open Saturday.",
        "To the sweet old man who messaged us last night: your lost wallet is at the front desk.",
    ] {
        assert!(!has_category(t, Category::PatientReference), "{t}: {:?}", findings(&Draft::new(t)));
    }
}

#[test]
fn bed_codes_and_from_bed_are_references() {
    for (t, m) in [
        ("pt in 5B keeps pressing the call bell", "pt in 5B"),
        ("The lady from bed 4 sent us flowers", "lady from bed 4"),
        ("Patient from bed 12 finally went home", "Patient from bed 12"),
        ("guy in B4 is asking for a sandwich again", "guy in B4"),
        ("pt in 12-A is back for the third time this month", "pt in 12-A"),
        ("Our patient in room 5B is stable", "patient in room 5B"),
        ("Remember Ms. Kowalski from bed 4?", "Ms. Kowalski from bed 4"),
        ("Remember Mrs. K from bed 4?", "Mrs. K from bed 4"),
        ("Remember Ms. de la Cruz from bed 4?", "Ms. de la Cruz from bed 4"),
        ("Mr. O'Neil from room 12 says hi to the night crew", "Mr. O'Neil from room 12"),
    ] {
        assert_eq!(hits(t, "patient.story"), [m], "{t}");
    }
    for t in [
        "Watch this boy in 3D glasses explore our new planetarium!",
        "My kid in 2nd grade loves science.",
        "Patients in room 12 get a view of the lake.",
        "Beds in 4 West are being replaced this week.",
    ] {
        assert!(hits(t, "patient.story").is_empty(), "{t}: {:?}", hits(t, "patient.story"));
    }
}

#[test]
fn patient_reference_evasions() {
    assert!(has_category("my pat\u{200B}ient is doing better", Category::PatientReference));
    assert!(has_category("My p\u{0430}t\u{0456}ent is doing better", Category::PatientReference));
    assert!(has_category("our\u{00A0}patient\u{2060} in bed 4 is stable", Category::PatientReference));
}

// ----------------------------------------------------------- patient.image

#[test]
fn clinical_images_are_references() {
    let d = Draft::new("Check out this one!").with_attachment("CXR_0412.png", "image/png");
    assert!(findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Look at this rash from clinic").with_attachment("IMG_0042.jpg", "image/jpeg");
    assert!(findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Teaching file").with_attachment("wound-day3.heic", "");
    assert!(findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Classic case").with_attachment("IM-0001-0001.dcm", "application/dicom");
    assert!(findings(&d).iter().any(|f| f.rule == "patient.image"));
}

#[test]
fn other_attachments_are_not_clinical_images() {
    let d = Draft::new("Our new MRI suite opens Monday! Come tour it.").with_attachment("mri_suite.jpg", "image/jpeg");
    assert!(!findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Team photo from the 5k!").with_attachment("team.jpg", "image/jpeg");
    assert!(!findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Scan the QR code to register for the 5k!").with_attachment("qr.png", "image/png");
    assert!(!findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Slides from my talk on sepsis").with_attachment("slides_1.png", "image/png");
    assert!(!findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Pet therapy day on 4 West!").with_attachment("IMG_2231.jpg", "image/jpeg");
    assert!(!findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Meet our MRI techs!").with_attachment("mri_team.jpg", "image/jpeg");
    assert!(!findings(&d).iter().any(|f| f.rule == "patient.image"));
    let d = Draft::new("Read the CT guidelines").with_attachment("ct_guidelines.pdf", "application/pdf");
    assert!(!findings(&d).iter().any(|f| f.rule == "patient.image"));
}

fn image_flagged(caption: &str, file: &str) -> bool {
    let d = Draft::new(caption).with_attachment(file, "image/jpeg");
    findings(&d).iter().any(|f| f.rule == "patient.image")
}

#[test]
fn camera_photos_with_case_talk_are_clinical_images() {
    for (caption, file) in [
        ("Guy came in last night with this. Pic below", "IMG_4471.jpg"),
        ("Look at this! Kid walked into urgent care today with it stuck in his ear", "IMG_4471.jpg"),
        ("Pic below: what's the diagnosis? 45yo with fever and a new rash", "PXL_20250101_0930.jpg"),
        ("X-ray of her left wrist, guess the dx", "IMG_9.jpg"),
        ("Check this out: my patient's ankle after the fall", "DSC0042.jpg"),
        ("Our ortho team fixed this fracture overnight", "IMG_9.jpg"),
        ("Case of the day: 30yo runner, see pic", "photo_3.jpg"),
        ("Look what came in tonight", "IMG_0001.HEIC"),
        ("Look at this huge kidney stone we removed today", "IMG_22.jpg"),
        ("her nasty ankle fracture from last night", "IMG_23.jpg"),
    ] {
        assert!(image_flagged(caption, file), "{caption} / {file}");
    }
    for (caption, file) in [
        ("Look at this sunrise from the helipad!", "IMG_4471.jpg"),
        ("Look at this x-ray machine we just installed", "IMG_9.jpg"),
        ("Pic below: our lobby mural is finished!", "IMG_77.jpg"),
        ("Our new CT scanner came in today!", "IMG_9.jpg"),
        ("Look at this! Our patient garden is in bloom", "IMG_2231.jpg"),
        ("Look at this cake the peds team made for Nurses Week!", "IMG_2231.jpg"),
        ("Look what came in today: our new CT scanner!", "IMG_2232.jpg"),
    ] {
        assert!(!image_flagged(caption, file), "{caption} / {file}");
    }
}

#[test]
fn imaging_teams_and_departments_are_not_clinical_images() {
    for (caption, file) in [
        ("Proud of our imaging team", "IMG_1234.jpg"),
        ("Proud of our imaging teams!", "team_photo.jpg"),
        ("Proud of our imaging folks", "mri_1.jpg"),
        ("Our new diagnostic imaging centre opens Monday", "xray_dept.jpg"),
        ("Proud of our x-ray crew today", "IMG_1.jpg"),
        ("Shout-out to our ultrasound crew for 10,000 scans this year", "IMG_2.jpg"),
        ("Imaging department holiday party!", "ct_party.jpg"),
        ("Celebrating Radiologic Technology Week with our radiographers", "xray_techs.jpg"),
        ("MRI open house Saturday!", "mri_open_house.jpg"),
        ("Our imaging team read this many scans in one night: 412!", "IMG_22.jpg"),
        ("These scans saved lives: our imaging team in numbers", "IMG_24.jpg"),
        ("Meet this year's wound care team!", "IMG_25.jpg"),
        ("So proud of our imaging crew", "mri.jpg"),
        ("Pet therapy day on 4 West!", "pet_therapy_day.jpg"),
    ] {
        assert!(!image_flagged(caption, file), "{caption} / {file}");
    }
    // a case cue outweighs the team word
    assert!(image_flagged("Our imaging team caught this bleed on her CT last night", "IMG_5.jpg"));
    // so does a file name that names a finding on a body, whatever the caption says
    for (caption, file) in [
        ("Proud of our front desk team this week!", "wound-photo-day3.jpg"),
        ("Thanks to the whole crew for a great week", "rash_forearm.png"),
        ("Celebrating our radiographers!", "fracture-l-wrist.jpeg"),
        ("Team lunch today", "lesion_0412.jpg"),
    ] {
        assert!(image_flagged(caption, file), "{caption} / {file}");
    }
    // while modality words in a file name still follow the caption
    assert!(!image_flagged("Our new MRI scanner arrived today!", "mri.jpg"));
    assert!(!image_flagged("Meet this year's wound care team!", "wound_care_team.jpg"));
    assert!(image_flagged("Proud of our team: look at this x-ray of his hand after surgery", "IMG_6.jpg"));
}

#[test]
fn image_messages_do_not_echo_file_names() {
    let d = Draft::new("x").with_attachment("john_smith_xray.png", "image/png");
    let f = findings(&d);
    let img = f.iter().find(|f| f.rule == "patient.image").expect("an image finding");
    assert!(!img.message.to_lowercase().contains("smith"), "{}", img.message);
}

// ------------------------------------------------------ advice.individual

#[test]
fn replies_with_directives_are_individual_advice() {
    for t in [
        "@runner_jo you should cut the prednisone to 10mg and see how it goes.",
        "@tiredmama88 give her 5 ml of children's Tylenol and stop the cough syrup.",
        "@bigdave I'd stop the metoprolol before the surgery.",
        "@kim_lee with numbers like that you need to start insulin.",
        ".@pat_r it's probably a UTI, take the leftover antibiotics.",
        "Replying to @mike_t: stop the metformin if your sugar drops below 70.",
        "@lou your rash sounds like shingles, get the antiviral today.",
        "@gary_p take two Advil before bed and skip the coffee.",
        "@bob45 with an A1C of 9 you need insulin, no question.",
        "@tom_r you can safely stop your atorvastatin now.",
        "Sounds like you have strep, @amy. Get some antibiotics.",
    ] {
        assert!(hits(t, "advice.individual").len() == 1, "{t}: {:?}", hits(t, "advice.individual"));
    }
}

#[test]
fn messages_to_one_person_are_individual_advice() {
    let t = "To the dad who messaged me: alternate ibuprofen and acetaminophen every 3 hours.";
    assert!(!hits(t, "advice.individual").is_empty());
    let t = "In your case I'd double the losartan.";
    assert!(!hits(t, "advice.individual").is_empty());
}

#[test]
fn diagnoses_and_directives_to_one_dmer_are_individual_advice() {
    for t in [
        "To the dad who DMed me about his son's fever: sounds like croup, keep him home from daycare.",
        "To the mom who messaged me: it sounds like an ear infection. Give her children's Motrin.",
        "To the lady who asked me about her husband's cough - sounds like bronchitis, he needs antibiotics.",
        "To the person who DM'd me: sounds like shingles to me, get the antiviral.",
        "To the guy who slid into my DMs asking about his knee: that's a torn meniscus, stay off it.",
        "To the dad of the 4-year-old who messaged me: keep him home, it's hand foot and mouth.",
        "To the mom in my DMs: sounds like a virus, push fluids and keep her home.",
        "To whoever messaged me about the rash: sounds like hand-foot-and-mouth, keep her home",
        "to the new mama who dm'ed me last night, that's classic colic, let her sleep on her tummy",
        "To the lady who asked me yesterday: sounds like a sinus thing, give her Sudafed",
        "To the dad who DMed me: sounds like pinkeye, keep him home",
        "To the mom who wrote in about her baby's rash: that's diaper rash, use zinc cream.",
        "Mom who DMed me last night: sounds like croup, keep him home.",
        "To the dad who asked about his daughter's ear: sounds like swimmer's ear, get her some drops",
        "Hey lady who messaged me about your son: don't send him to school, it's strep",
        "@kate_b she should stop the amoxicillin if the rash spreads",
    ] {
        assert!(!hits(t, "advice.individual").is_empty(), "{t}");
    }
    for t in [
        "To the dad who asked: kids with a fever should stay home. Talk to your pediatrician.",
        "To everyone who messaged me: thank you for the birthday wishes!",
        "To the lady who DMed me: yes, our clinic takes walk-ins, come see us.",
        "To the mom who messaged me: keep him home if he has a fever, and call your pediatrician.",
        "Croup season is here: keep kids home when they have a fever.",
        "Tip: Pedialyte helps kids with stomach bugs stay hydrated.",
        "Never give kids cough syrup under age 4.",
        "To the reader who asked about her daughter: kids can get strep without a fever. Talk to your pediatrician.",
        "To parents who asked: RSV season is here, wash hands often.",
        "Dear followers who asked: our flu clinic opens Monday.",
        "@jo_m they should get the flu shot at any pharmacy, no appointment needed.",
    ] {
        let f = findings(&Draft::new(t));
        assert!(!f.iter().any(|f| f.category == Category::ClinicalAdvice), "{t}: {f:?}");
    }
}

#[test]
fn standalone_individual_advice() {
    assert_eq!(
        hits("Sounds like plantar fasciitis to me. Ice it.", "advice.individual"),
        ["Sounds like plantar fasciitis to me"]
    );
    assert_eq!(hits("Go up to 50mg of the sertraline next week.", "advice.individual"), ["Go up to 50mg"]);
    assert!(!hits("Double your naproxen if the pain is bad.", "advice.individual").is_empty());
    assert!(!hits("You should stop taking the atorvastatin until the aches go away.", "advice.individual").is_empty());
}

#[test]
fn public_guidance_is_not_individual_advice() {
    for t in [
        "Everyone 6 months and older should get a flu shot.",
        "Call 911 for chest pain. Don't drive yourself.",
        "Talk to your doctor about which screening test is right for you.",
        "Adults should get screened for colon cancer at 45.",
        "Never stop taking your blood pressure meds without talking to your doctor.",
        "If you miss a dose, don't double your next dose.",
        "Sounds like a plan to me! See you Saturday.",
        "Hydration tip: double your water on hot days.",
        "@CDCgov thanks! Everyone should get their flu shot this fall.",
        "Great tips from @AHA: take your blood pressure meds at the same time every day.",
        "@jane great question: the CDC says adults need a tetanus booster every 10 years.",
        "@amy_k thanks! You should always take antibiotics exactly as prescribed.",
        "@HealthyMom22 Generally, kids can take ibuprofen every 6-8 hours, but check with your pediatrician.",
    ] {
        let f = findings(&Draft::new(t));
        assert!(!f.iter().any(|f| f.category == Category::ClinicalAdvice), "{t}: {f:?}");
    }
}

#[test]
fn advice_offers_come_from_the_lexicon() {
    assert!(has_category("DM me your symptoms and I'll tell you what to take.", Category::ClinicalAdvice));
    assert!(has_category("Send me a pic of the rash and I'll tell you what it is.", Category::ClinicalAdvice));
    assert!(!has_category("DM me if you want the recipe!", Category::ClinicalAdvice));
}

#[test]
fn advice_evasions() {
    // zero-width space inside the drug name, Cyrillic e in "should"
    assert!(has_category("@sam you sh\u{043E}uld stop taking the lis\u{200B}inopril", Category::ClinicalAdvice));
}

// ------------------------------------------------------------ whole rules

#[test]
fn rules_can_be_turned_off() {
    let toml = format!("{}\n[rules]\n\"phi.name\" = \"off\"\n", crate::engine::config::DEFAULT_RULES_TOML);
    let rs = RuleSet::from_toml(&toml, "t.toml").expect("rules parse");
    let r = review(&Draft::new("my patient Jessica Moreno"), &rs);
    assert!(!r.findings.iter().any(|f| f.rule == "phi.name"));
    assert!(r.findings.iter().any(|f| f.rule == "patient.reference"));
}

#[test]
fn every_rule_is_documented() {
    for r in super::RULES {
        assert!(!r.what.is_empty() && !r.why.is_empty() && !r.example.is_empty(), "{}", r.id);
        assert!(RULES.severity_of(r.id).is_some(), "{} is registered", r.id);
    }
}

#[test]
fn long_drafts_are_reviewed_safely() {
    // a long run without punctuation, full of cue words and multi-byte text
    let unit =
        "my patient \u{00E9}t\u{00E9} this guy today Mr. Smith admitted on 3/4/2023 @sam you should stop the 20mg ";
    let text = unit.repeat(400);
    let f = findings(&Draft::new(text.clone()));
    assert!(!f.is_empty());
    for x in &f {
        if let Some(s) = x.span {
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
        }
    }
}

#[test]
fn arbitrary_unicode_does_not_panic() {
    for t in [
        "Mr.",
        "Mr. ",
        "Dr",
        "pt",
        "my patient",
        "@",
        ".@",
        "\u{1F600}Mr. \u{1F600}",
        "J.M.,",
        "April 12,",
        "'23",
        "patient\u{0301} Ann\u{0301}a S\u{0301}.",
        "A. B. C. D. E.",
        "Ms. A",
        "sounds like ",
    ] {
        let _ = findings(&Draft::new(t));
    }
}

/// Pieces the context rules react to, mixed with arbitrary text.
const PIECES: &[&str] = &[
    "my patient ",
    "Mr. ",
    "Dr. ",
    "Anna S., ",
    "J.M., 47M ",
    "DOB ",
    "04/12/1961",
    "April 12, 2023",
    "'23",
    "pt ",
    "admitted on ",
    "last Friday",
    "@sam ",
    "you should stop taking ",
    "20mg ",
    "sounds like a fracture to me",
    "today ",
    "this guy ",
    "\u{200B}",
    "\u{0430}",
    "\u{1F600}",
    "\u{0301}",
    ", ",
    ". ",
    "\n",
    "Jessica Moreno ",
    "Smith's ",
    "St. ",
    "Hospital ",
    "é",
    "Baby ",
    "Girl ",
    "Congrats to ",
    "Ms. ",
    ", our new nurse ",
    "results for ",
    "Ngozi R., 73, ",
    "Thi Lan ",
    "guy came in ",
    "keep him home ",
    "from bed 4 ",
    "pt in 5B ",
    "to the dad who DMed me ",
    "look at this ",
    "Ł",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn context_spans_are_char_aligned(parts in prop::collection::vec(prop::sample::select(PIECES), 0..30), tail in "\\PC{0,40}") {
        let text = format!("{}{}", parts.concat(), tail);
        for f in findings(&Draft::new(text.clone())) {
            if let Some(s) = f.span {
                prop_assert!(s.start <= s.end && s.end <= text.len());
                prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
            }
        }
    }
}

// ---------------------------------------------------------------- sentences

#[test]
fn dotted_abbreviations_do_not_end_a_sentence() {
    let t = "Bring your meds, e.g. inhalers, i.e. anything daily. Next sentence.";
    let end = super::sentence_end(t, 0);
    assert_eq!(&t[..end], "Bring your meds, e.g. inhalers, i.e. anything daily");
    assert_eq!(super::sentence_start(t, t.len() - 3), end + 1);
    // an initial still does not end one, a plain word still does
    let t = "Seen by J.M. today. Then home.";
    assert_eq!(&t[..super::sentence_end(t, 0)], "Seen by J.M. today");
    let t = "Went to the lab. Then home.";
    assert_eq!(&t[..super::sentence_end(t, 0)], "Went to the lab");
}

#[test]
fn sentences_end_at_stops_but_not_after_titles() {
    let bounds = |t: &str, s: usize, e: usize| (super::sentence_start(t, s), super::sentence_end(t, e));
    let t = "Meet Dr. Ames. She is 95! Ask her why.";
    let at = t.find("95").unwrap();
    let (s0, s1) = bounds(t, at, at + 2);
    assert_eq!(&t[s0..s1], " She is 95");
    // a period after a word that follows a non-ASCII character
    let u = "Dijo ¡Olé. Ella tiene 95 años";
    let at = u.find("95").unwrap();
    assert_eq!(&u[bounds(u, at, at + 2).0..], " Ella tiene 95 años");
    let at = t.find("Ames").unwrap();
    let (s0, s1) = bounds(t, at, at + 4);
    assert_eq!(&t[s0..s1], "Meet Dr. Ames");
}

/// `ends_sentence` as first written (each abbreviation compared in turn).
fn reference_ends_sentence(b: &[u8], dot: usize) -> bool {
    if dot + 1 < b.len() && !matches!(b[dot + 1], b' ' | b'\n' | b'"' | b')') {
        return false;
    }
    let mut k = dot;
    while k > 0 && b[k - 1].is_ascii_alphanumeric() {
        k -= 1;
    }
    let word = &b[k..dot];
    if word.len() == 1 && word[0].is_ascii_uppercase() {
        return false;
    }
    while k > 1 && b[k - 1] == b'.' && b[k - 2].is_ascii_alphanumeric() {
        k -= 2;
        while k > 0 && b[k - 1].is_ascii_alphanumeric() {
            k -= 1;
        }
    }
    let dotted = &b[k..dot];
    if word.len() > super::LONGEST_ABBREVIATION && dotted.len() > super::LONGEST_ABBREVIATION {
        return true;
    }
    !super::ABBREVIATIONS
        .iter()
        .any(|a| a.as_bytes().eq_ignore_ascii_case(word) || a.as_bytes().eq_ignore_ascii_case(dotted))
}

/// `sentence_end` as first written (the whole reach scanned).
fn reference_sentence_end(text: &str, pos: usize) -> usize {
    let b = text.as_bytes();
    let mut i = pos;
    let mut ceiling = (pos + super::MAX_SENTENCE).min(b.len());
    while ceiling > pos && !text.is_char_boundary(ceiling) {
        ceiling -= 1;
    }
    while i < ceiling {
        let c = b[i];
        if matches!(c, b'!' | b'?' | b';' | b'\n') || (c == b'.' && reference_ends_sentence(b, i)) {
            return i;
        }
        i += 1;
    }
    ceiling
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..Default::default() })]

    /// The abbreviation keys and the bounded sentence end agree with the
    /// scans as first written.
    #[test]
    fn sentence_ends_agree_with_the_first_scans(
        parts in proptest::collection::vec(proptest::sample::select(&[
            "Dr", "dR", "e.g", "E.G", "i.e", "approx", "APPROX", "approxs", "sept", "x", "S", "pt", "pts", "no",
            "insur", "a.b.c", "12", "10.5", "www", ".", ". ", ".\n", ".)", "!", "?", ";", " ", "\u{e9}", "\0",
            "a long run of words without a stop to go past the reach of a sentence and further on ",
        ][..]), 0..24),
        reach in 0usize..500,
    ) {
        let text = parts.concat();
        let b = text.as_bytes();
        for (dot, _) in text.match_indices('.') {
            prop_assert_eq!(super::ends_sentence(b, dot), reference_ends_sentence(b, dot), "{:?} at {}", text, dot);
        }
        for pos in (0..=text.len()).filter(|&p| text.is_char_boundary(p)) {
            let end = reference_sentence_end(&text, pos);
            prop_assert_eq!(super::sentence_end(&text, pos), end);
            prop_assert_eq!(super::sentence_end_within(&text, pos, reach), end.min(pos + reach));
        }
    }
}

// ------------------------------------------------------- the name gazetteers

/// The given-name list (written by hand, plus the 1990 US Census given names:
/// see the head of `first_names.txt`) holds no word that drafts use for
/// something else: no month or weekday, US state (by its name; `AL` is
/// Alabama and Al a name), facility or title word, nor a virtue or season.
#[test]
fn given_names_are_not_ordinary_words() {
    let lines = |text: &'static str| -> Vec<String> {
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_lowercase).collect()
    };
    let mut not_names: Vec<String> = [
        include_str!("../../../config/words/us-states.txt"),
        include_str!("../../../config/words/facility-words.txt"),
        include_str!("../../../config/words/title-words.txt"),
    ]
    .into_iter()
    .flat_map(lines)
    .filter(|w| w.len() > 2)
    .collect();
    not_names.extend(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october"]
            .into_iter()
            .chain(["november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])
            .chain(["sunday", "hope", "grace", "faith", "joy", "will", "mark", "bill", "dawn", "summer", "mercy"])
            .map(String::from),
    );
    let names = lines(include_str!("first_names.txt"));
    assert!(names.len() > 4000, "the census names are in: {}", names.len());
    let clashes: Vec<&String> = names.iter().filter(|n| not_names.contains(n)).collect();
    assert!(clashes.is_empty(), "given names that are ordinary words: {clashes:?}");
}
