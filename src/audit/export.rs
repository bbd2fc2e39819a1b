//! Export formats for compliance archives: JSON Lines and CSV (RFC 4180).
//! Pure formatting of [`AuditRecord`]s; reading the store is the caller's job.
//!
//! Both carry every field of a record, in the same order; ids are decimal
//! strings, `time` is RFC 3339 UTC with microseconds, absent values are `null`
//! (JSONL) or empty (CSV). In CSV, `findings` is `rule (category)` items and
//! `roles` role ids, each joined with `; `. `sealed_text` (see
//! [`super::seal`]) is part of the hashed encoding only when present; `mac`
//! (HMAC of `hash` under `SAFETWEET_AUDIT_KEY`, null for records written
//! without the key) is not hashed, so an export can be re-checked with the
//! key away from the database. Field values are written exactly as
//! stored (no formula escaping), so `content_sha256` still matches `text`;
//! [`csv_row_safe`] is the formula-safe variant for spreadsheets.

use super::chain::format_time;
use super::AuditRecord;
use serde_json::{json, Value};

/// The column names, in export order.
pub const COLUMNS: [&str; 20] = [
    "seq",
    "time",
    "kind",
    "actor_id",
    "actor_name",
    "guild_id",
    "channel_id",
    "message_id",
    "author_id",
    "content_sha256",
    "rules_version",
    "verdict",
    "findings",
    "text",
    "sealed_text",
    "reason",
    "roles",
    "prev_hash",
    "hash",
    "mac",
];

/// One record as a JSON object (one JSONL line, without the newline).
pub fn to_json(r: &AuditRecord) -> Value {
    let n = &r.record;
    json!({
        "seq": r.seq,
        "time": format_time(&n.time),
        "kind": n.kind.as_str(),
        "actor_id": n.actor_id.to_string(),
        "actor_name": n.actor_name,
        "guild_id": n.guild_id.map(|g| g.to_string()),
        "channel_id": n.channel_id.to_string(),
        "message_id": n.message_id.to_string(),
        "author_id": n.author_id.to_string(),
        "content_sha256": n.content_sha256,
        "rules_version": n.rules_version,
        "verdict": n.verdict,
        "findings": n.findings.iter().map(|f| json!({"rule": f.rule, "category": f.category})).collect::<Vec<_>>(),
        "text": n.text,
        "sealed_text": n.sealed_text,
        "reason": n.reason,
        "roles": n.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "prev_hash": r.prev_hash,
        "hash": r.hash,
        "mac": r.mac,
    })
}

/// One JSONL line, newline included.
pub fn jsonl_line(r: &AuditRecord) -> String {
    let mut line = to_json(r).to_string();
    line.push('\n');
    line
}

/// The CSV header line (CRLF-terminated, as RFC 4180 has it).
pub fn csv_header() -> String {
    csv_line(COLUMNS.iter().map(|c| c.to_string()))
}

/// One record as a CSV line (CRLF-terminated), every value exactly as stored.
pub fn csv_row(r: &AuditRecord) -> String {
    csv_line(csv_cells(r).into_iter())
}

/// One record as a formula-safe CSV line (`audit export --csv-safe`): a
/// cell a spreadsheet would read as a formula gets a leading `'` (see
/// [`formula_safe`]). For viewing in a spreadsheet; the values are then no
/// longer exactly as stored (`text` may not match `content_sha256`).
pub fn csv_row_safe(r: &AuditRecord) -> String {
    csv_line(csv_cells(r).into_iter().map(|c| formula_safe(&c)))
}

/// `'` + the cell when it starts with a character spreadsheets take as the
/// start of a formula (`=`, `+`, `-`, `@`, tab, CR, or their full-width
/// forms), per OWASP's CSV-injection advice; other cells as they are.
pub fn formula_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

fn csv_cells(r: &AuditRecord) -> [String; 20] {
    let n = &r.record;
    let findings: Vec<String> = n.findings.iter().map(|f| format!("{} ({})", f.rule, f.category)).collect();
    let roles: Vec<String> = n.roles.iter().map(u64::to_string).collect();
    [
        r.seq.to_string(),
        format_time(&n.time),
        n.kind.as_str().to_string(),
        n.actor_id.to_string(),
        n.actor_name.clone(),
        n.guild_id.map(|g| g.to_string()).unwrap_or_default(),
        n.channel_id.to_string(),
        n.message_id.to_string(),
        n.author_id.to_string(),
        n.content_sha256.clone(),
        n.rules_version.clone(),
        n.verdict.clone().unwrap_or_default(),
        findings.join("; "),
        n.text.clone().unwrap_or_default(),
        n.sealed_text.clone().unwrap_or_default(),
        n.reason.clone().unwrap_or_default(),
        roles.join("; "),
        r.prev_hash.clone(),
        r.hash.clone(),
        r.mac.clone().unwrap_or_default(),
    ]
}

fn csv_line(fields: impl Iterator<Item = String>) -> String {
    let mut out = String::new();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, &f);
    }
    out.push_str("\r\n");
    out
}

/// RFC 4180: a field with a comma, quote, CR or LF is enclosed in double
/// quotes and its quotes doubled. Leading/trailing spaces are quoted too, so
/// spreadsheets keep them.
fn csv_field(out: &mut String, f: &str) {
    let needs_quotes = f.contains([',', '"', '\r', '\n']) || f.starts_with(' ') || f.ends_with(' ');
    if needs_quotes {
        out.push('"');
        out.push_str(&f.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> String {
        let mut out = String::new();
        csv_field(&mut out, s);
        out
    }

    #[test]
    fn csv_quotes_only_what_rfc_4180_needs() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field(""), "");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\rhere"), "\"cr\rhere\"");
        assert_eq!(field(" padded "), "\" padded \"");
        assert_eq!(field("émoji 🎉"), "émoji 🎉");
    }

    #[test]
    fn formula_safe_cells_start_with_a_quote_only_when_needed() {
        for (cell, safe) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\u{FF1D}1", "'\u{FF1D}1"),
            ("plain", "plain"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(formula_safe(cell), safe, "{cell:?}");
        }
    }

    #[test]
    fn header_names_every_column_once() {
        assert_eq!(csv_header(), format!("{}\r\n", COLUMNS.join(",")));
    }
}
