//! Masking identifiers before they appear in any message, log or audit text.
//! Findings never echo an identifier in full: a phone number becomes
//! `***-***-8834`, an email `r*****@g****.com`.

/// Keeps the last `keep` alphanumeric characters and replaces every other
/// letter or digit with `*`, preserving punctuation so the shape stays
/// recognisable ("555-201-8834" → "***-***-8834").
pub fn mask_tail(s: &str, keep: usize) -> String {
    let total = s.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = if total <= keep * 2 { total / 3 } else { keep };
    let mut seen = 0;
    s.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen > total - keep {
                    c
                } else {
                    '*'
                }
            } else {
                c
            }
        })
        .collect()
}

/// Masks every letter and digit ("Jessica Moreno" → "J****** M*****"),
/// keeping only each word's first letter.
pub fn mask_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_word_start = true;
    for c in s.chars() {
        if c.is_alphanumeric() {
            out.push(if at_word_start { c } else { '*' });
            at_word_start = false;
        } else {
            out.push(c);
            at_word_start = true;
        }
    }
    out
}

/// Masks an email address: first character of the local part and of the
/// domain kept, top-level domain kept ("r.hughes@gmail.com" → "r*******@g****.com").
pub fn mask_email(s: &str) -> String {
    let Some((local, domain)) = s.split_once('@') else { return mask_tail(s, 0) };
    let (host, tld) = domain.rsplit_once('.').unwrap_or((domain, ""));
    // the first character shown only where it leaves something hidden ("A@e.dCy" would be echoed whole)
    let m = |p: &str| -> String {
        let keep = p.chars().count() > 2;
        p.chars().enumerate().map(|(i, c)| if i == 0 && keep { c } else { '*' }).collect()
    };
    if tld.is_empty() {
        format!("{}@{}", m(local), m(host))
    } else {
        format!("{}@{}.{}", m(local), m(host), tld)
    }
}

/// Masks everything alphanumeric.
pub fn mask_all(s: &str) -> String {
    s.chars().map(|c| if c.is_alphanumeric() { '*' } else { c }).collect()
}

/// Rewrites `text` with every given byte span replaced by its masked form
/// (`mask_all`). Spans must lie on char boundaries; overlapping spans are
/// merged. Used for audit records of blocked drafts and for logs.
pub fn redact(text: &str, spans: &[super::Span]) -> String {
    let mut spans: Vec<super::Span> =
        spans.iter().copied().filter(|s| s.start < s.end && s.end <= text.len()).collect();
    spans.sort();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for s in spans {
        let start = s.start.max(pos);
        if start >= s.end || !text.is_char_boundary(start) || !text.is_char_boundary(s.end) {
            continue;
        }
        out.push_str(&text[pos..start]);
        out.push_str(&mask_all(&text[start..s.end]));
        pos = s.end;
    }
    out.push_str(&text[pos..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Span;

    #[test]
    fn phone_keeps_last_four() {
        assert_eq!(mask_tail("555-201-8834", 4), "***-***-8834");
    }

    #[test]
    fn short_values_keep_little() {
        assert_eq!(mask_tail("1234", 4), "***4");
    }

    #[test]
    fn names_keep_initials() {
        assert_eq!(mask_words("Jessica Moreno"), "J****** M*****");
    }

    #[test]
    fn email_masked() {
        assert_eq!(mask_email("r.hughes@gmail.com"), "r*******@g****.com");
        // one- and two-letter parts are hidden whole, never echoed
        assert_eq!(mask_email("A@e.dCy"), "*@*.dCy");
        assert_eq!(mask_email("jo@ab.org"), "**@**.org");
    }

    #[test]
    fn redact_replaces_spans() {
        let t = "SSN 123-45-6789 here";
        assert_eq!(redact(t, &[Span::new(4, 15)]), "SSN ***-**-**** here");
    }
}
