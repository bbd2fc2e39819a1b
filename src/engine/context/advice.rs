//! `advice.individual`: clinical advice aimed at one person.
//!
//! Advice is individual when the draft speaks to one person — an @mention
//! reply, `to the mom who messaged me`, `to the dad of the 4-year-old who
//! DM'ed me`, `to the mom in my DMs`, `DM me`, `in your case` — and a
//! sentence both directs (`you should stop`, `double your`, `I'd take`,
//! `keep him home`, `give her…`, `he needs…`) or diagnoses (`sounds like…`,
//! `you probably have…`, `that's a torn meniscus`) and names a medicine, a
//! dose or a condition. Without an addressee, only advice that cannot be
//! public guidance is reported: a diagnosis "to me", a titration to a number
//! (`go up to 20mg`), `double your ibuprofen`, `you should stop taking the
//! lisinopril` — and not when the sentence speaks to everyone (`adults`,
//! `never`, `talk to your doctor`, `if you…`).
//!
//! Offers of individual advice that are advice by their words alone (`DM me
//! your symptoms`, `I'll tell you what dose to take`) are the `advice.offer`
//! lexicon entry in `config/rules.toml`.

use super::vocab::role;
use super::{sentence_end, sentence_start, Context};
use crate::engine::{Input, Sink};
use regex::Regex;
use std::sync::LazyLock;

pub(super) const RULE: &str = "advice.individual";

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("invalid built-in advice pattern: {e}"))
}

/// Someone in particular is being spoken to.
static ADDRESSEE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?:(?:^\s*|(?-u:\b)(?:to|dear|hey|hi) )(?:the |that |this |my )?(?:[a-z'-]+ ){0,2}?(?:mom|mum|mama|momma|dad|papa|parent|person|lady|guy|woman|man|gentleman|reader|follower|friend|user|one|caregiver|poster|commenter|runner|patient|nurse|girl|boy|teen|grandma|grandpa|gal|dude|fella|wife|husband|daughter|son)s?(?: [a-z0-9'-]+){0,5}? (?:who|that) (?:just |kindly |recently )?(?:messaged|dm'?e?d|pm'?e?d|inboxed|texted|asked|emailed|wrote|commented|tweeted|reached out|sent|contacted|replied|posted|tagged|called|slid into)|(?-u:\b)to whoever (?:messaged|dm'?e?d|asked|wrote|emailed|sent)|(?-u:\b)in my (?:dms|inbox|mentions)|(?-u:\b)(?:dm|pm|message|msg|email|text|inbox|ping) me(?-u:\b)|(?-u:\b)in your case|(?-u:\b)for you specifically|(?-u:\b)(?:based on|from) (?:what you (?:described|said|wrote|told me|sent)|your (?:symptoms|photo|pic|picture|description|labs|numbers)))",
    )
});

/// A directive: change, start or stop something.
static DIRECTIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?-u:\b)(?:you(?:'ll| will)? (?:should|need to|must|have to|gotta|got to|ought to|'d better|had better|want to|may want to|might want to|can|could)(?: (?:definitely|probably|just|really|also|now|immediately|honestly|seriously|safely|totally))? (?:stop|start|quit|take|try|increase|decrease|lower|raise|reduce|double|triple|halve|cut|switch|skip|go|up|bump|drop|wean|taper|add|use|come off|get off|avoid|hold|restart|resume|discontinue)|you (?:need|should be on|should get|could use|might need|probably need)(?-u:\b)|(?:stop|start|quit|increase|decrease|lower|raise|reduce|double|triple|halve|cut|switch|skip|bump|drop|wean|taper|add|hold|restart|resume|discontinue|up|take|try)(?: taking| using| on)? (?:your|the|that|this|to|off|an?|\d|one|two|three|four|half|some)|(?:give|giving|put|apply|rub|use) (?:him|her|them|it|your|the|some|an?|\d)|keep (?:him|her|them|the baby|your (?:son|daughter|kid|child|baby|little one)) (?:home|out of|off|in bed|hydrated|away from|upright|elevated|on)|(?:have|let|get|make) (?:him|her|them) (?:take|drink|use|try|rest|stay|sleep|seen|checked|see|wear|skip|stop|start)|push (?:fluids|pedialyte|water)|(?:don'?t|do not) send (?:him|her|them) (?:to|back)|(?:he|she|they|your (?:son|daughter|kid|child|baby|husband|wife|mom|dad|mother|father)) (?:needs?|should|must|has to|have to|ought to)(?: to)? (?:stop|start|take|try|be on|go on|come off|double|increase|decrease|skip|use)|(?:he|she|they) (?:needs?|should be on|probably needs?)(?-u:\b)|alternate [a-z]|go (?:up|down) (?:to|on) (?:\d|your|the)|i(?:'d| would) (?:stop|start|take|try|increase|up|double|switch|go|cut|lower|drop|add|hold)|i'?ll tell you (?:what|which|how much))",
    )
});

/// A diagnosis of the person spoken to.
static DIAGNOSIS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?-u:\b)(?:sounds? like|looks? like|seems? like|you (?:probably |definitely |likely |clearly |most likely |almost certainly )?(?:have|'ve got|got)|(?:that|it)(?:'s| is) (?:definitely |probably |likely |almost certainly |classic |textbook |clearly )?(?:a |an )?)",
    )
});

/// Advice that is individual by itself.
static STANDALONE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?-u:\b)(?:go (?:up|down) to \d+(?:\.\d+)? ?(?:mg|mcg|units?|ml|tabs?|tablets?|pills?)|(?:double|triple|halve)(?: up)?(?: on)? your|you (?:should|need to|must|have to|gotta|ought to)(?: (?:definitely|probably|just|really|immediately))? (?:stop|quit|start|double|increase|decrease|cut|switch|taper|wean|come off|get off|discontinue|up|lower|raise)(?: taking| using| on)?(?: the| your| that| this)?|sounds like (?:a |an |you have |you've got |you got )?[a-z' -]{2,40}? to me)",
    )
});

/// A medicine or a dose.
static MEDICINE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?-u:\b)(?:\d+(?:\.\d+)? ?(?:mg|mcg|g|ml|cc|units?|iu|tabs?|tablets?|pills?|capsules?|caps|puffs?|drops?|doses?)|ibuprofen|advil|motrin|tylenol|sudafed|mucinex|robitussin|dayquil|nyquil|pedialyte|miralax|imodium|pepto(?:-bismol)?|zofran|hydrocortisone|neosporin|calamine|cortisone|cough (?:syrup|medicine|drops)|(?:antibiotic|antifungal|steroid|zinc|diaper) (?:cream|ointment)|acetaminophen|paracetamol|aspirin|naproxen|aleve|insulin|prednisone|steroids?|antibiotics?|metformin|benadryl|zyrtec|claritin|allegra|melatonin|xanax|adderall|zoloft|prozac|lexapro|wellbutrin|synthroid|levothyroxine|warfarin|coumadin|eliquis|xarelto|ozempic|wegovy|mounjaro|inhalers?|epipen|birth control|antidepressants?|antihistamines?|painkillers?|opioids?|oxycodone|tramadol|gabapentin|lithium|sertraline|fluoxetine|doxycycline|amoxicillin|azithromycin|z-?pack|nitro(?:glycerin)?|lasix|diuretics?|statins?|blood thinners?|beta[- ]blockers?|dose|doses|dosage|dosing|meds|medications?|medicines?|pills|tablets|prescription|[a-z]{2,}(?:pril|sartan|olol|statin|prazole|tidine|cillin|mycin|cycline|floxacin|conazole|dipine|formin|gliptin|gliflozin|glutide|oxetine|azepam|azolam|codone|profen|fenac|solone|lukast|terol|parin|xaban|gatran|grel|thiazide|semide|umab|imab|tinib))(?-u:\b)",
    )
});

/// A condition someone could be told they have.
static CONDITION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?-u:\b)(?:fracture|sprain|strain|torn (?:acl|meniscus|ligament|muscle|rotator cuff)|tear|infection|uti|strep|flu|covid|migraine|concussion|pneumonia|bronchitis|sinusitis|shingles|gout|tendinitis|tendonitis|appendicitis|ulcer|reflux|gerd|ibs|anxiety|depression|adhd|allerg(?:y|ies|ic reaction)|eczema|psoriasis|dermatitis|cellulitis|kidney stones?|gallstones?|vertigo|plantar fasciitis|carpal tunnel|sciatica|herniated disc|hernia|diabetes|hypothyroidism|hyperthyroidism|lupus|lyme|mono|pink ?eye|conjunctivitis|yeast infection|shin splints|cancer|melanoma|cyst|hives|asthma|anemia|arthritis|bursitis|virus|viral|bacterial|pulled muscle|whiplash|dehydration|heat stroke|heat exhaustion|food poisoning|stomach bug|norovirus|rsv|tonsillitis|mastitis|colic|thrush|scabies|ringworm|impetigo|palsy|blood clot|dvt|clot|croup|hand[- ]foot[- ](?:and[- ])?mouth|hfmd|chicken ?pox|roseola|fifth disease|whooping cough|pertussis|measles|mumps|scarlet fever|bronchiolitis|teething|constipation|diaper rash|cradle cap|(?:a|the|just a|bad|nasty) (?:common )?cold|stomach flu|gastro(?:enteritis)?|pinworms?|head lice|lice|laryngitis|pharyngitis|otitis(?: media)?|anaphylaxis|sepsis|(?:viral |heat |contact )?rash|growing pains|ear infection|swimmer'?s ear|styes?|warts?|athlete'?s foot|jock itch|cold sores?|canker sores?|tennis elbow|golfer'?s elbow|ingrown (?:toe)?nail|sunburn|sun poisoning|poison (?:ivy|oak)|tension headaches?|panic attacks?|sleep apnea|hypertension|high blood pressure|iron deficiency|low iron|costochondritis|frozen shoulder|runner'?s knee|it band syndrome|achilles tendinitis|stress fracture|nursemaid'?s elbow)(?-u:\b)",
    )
});

/// The sentence speaks to everyone, or warns against the action.
static PUBLIC: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?-u:\b)(?:don'?t|do not|never|before you|without|if you|unless|talk (?:to|with) your|ask your|check with|consult|call 911|everyone|anyone|all adults|adults|people|patients|children|kids|parents|women|men|most)(?-u:\b)",
    )
});

/// A reply that defers to the person's own clinician or states a general
/// rule is not individual advice ("take antibiotics as prescribed").
static DEFER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i-u)(?-u:\b)(?:as prescribed|as directed|talk (?:to|with) your|ask your|check with your|call your|see your|your (?:own )?(?:doctor|provider|pharmacist|care team|clinician|pcp|pediatrician|gp)|generally|in general|most people|everyone)(?-u:\b)",
    )
});

/// Whether the draft is a reply to someone: it opens with an @mention
/// (or `Replying to @…`), or calls someone by their @mention. The date rule
/// reads it too (a reply about the addressee's own care).
pub(super) fn is_reply(text: &str) -> bool {
    let t = text.trim_start().trim_start_matches('.');
    let t = t.strip_prefix("Replying to ").or_else(|| t.strip_prefix("replying to ")).unwrap_or(t);
    (t.starts_with('@') && t[1..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')) || has_vocative(text)
}

/// An @mention used to call someone by name: `…, @amy.` / `…, @amy!` at the
/// end of a clause. A mention as attribution (`tips from @AHA:`) is not.
fn has_vocative(text: &str) -> bool {
    let b = text.as_bytes();
    // a byte search first: without an `@` there is no ", @"
    if !b.contains(&b'@') {
        return false;
    }
    let mut from = 0;
    while let Some(k) = text[from..].find(", @") {
        let at = from + k + 3;
        let mut e = at;
        while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
            e += 1;
        }
        if e > at && (e == b.len() || matches!(b[e], b'.' | b'!' | b'?' | b',')) {
            return true;
        }
        from = at;
    }
    false
}

pub(super) fn detect(input: &Input<'_>, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let text = ctx.text;
    let reply = is_reply(text);
    if !reply && !ctx.has(role::ADDRESS | role::ADVICE) {
        return;
    }
    let addressed = reply || (ctx.has(role::ADDRESS) && ADDRESSEE.is_match(text));
    if !addressed && !ctx.has(role::ADVICE) {
        return;
    }
    let mut found: Vec<(usize, usize)> = Vec::new();
    // sentences already read and turned down: the next cue in the same
    // sentence does not scan it again
    let mut turned_down: Vec<(usize, usize, bool)> = Vec::new();
    let mut consider = |s: usize, e: usize, found: &mut Vec<(usize, usize)>, standalone: bool| {
        let s0 = sentence_start(text, s);
        let s1 = sentence_end(text, e).max(e);
        // one finding per sentence is enough
        if found.iter().any(|&(fs, fe)| fs < s1 && s0 < fe) || turned_down.contains(&(s0, s1, standalone)) {
            return;
        }
        let sentence = &text[s0..s1];
        // a medicine or a condition: the condition is looked for only
        // without a medicine
        let med_or_cond = || MEDICINE.is_match(sentence) || CONDITION.is_match(sentence);
        let ok = if standalone {
            med_or_cond() && !PUBLIC.is_match(sentence)
        } else {
            addressed && med_or_cond() && !DEFER.is_match(sentence)
        };
        if ok {
            found.push((s, e));
        } else {
            turned_down.push((s0, s1, standalone));
        }
    };
    if ctx.has(role::ADVICE) {
        for m in STANDALONE.find_iter(text) {
            consider(m.start(), m.end(), &mut found, true);
        }
    }
    if addressed {
        for m in DIRECTIVE.find_iter(text) {
            consider(m.start(), m.end(), &mut found, false);
        }
        for m in DIAGNOSIS.find_iter(text) {
            // the condition must follow the diagnosing words closely
            let tail_end = (m.end() + 48).min(text.len());
            let tail_end = (tail_end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
            if CONDITION.is_match(&text[m.end()..tail_end]) {
                consider(m.start(), m.end(), &mut found, false);
            }
        }
    }
    for (s, e) in found {
        sink.push(
            RULE,
            Some(input.norm.span(s, e)),
            "Clinical advice to one person: telling someone what to take, stop or change, or what they have, \
             needs an examination and a record."
                .into(),
            Some(
                "Invite them to contact the clinic or their own clinician; share only general guidance publicly."
                    .into(),
            ),
            None,
        );
    }
}
