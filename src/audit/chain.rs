//! The hash chain: the canonical encoding of a record, its hash, and the walk
//! that checks a chain record by record. Pure code: no SQL, no I/O; both
//! stores (and anyone re-checking an export) use exactly this.
//!
//! # Canonical encoding, version 1
//!
//! A record's `hash` is the lowercase hex SHA-256 of the UTF-8 bytes of one
//! JSON object written with no whitespace, with exactly these keys in exactly
//! this order:
//!
//! ```text
//! {"v":1,"seq":7,"time":"2026-11-26T10:11:00.123456Z","kind":"approved",
//!  "actor_id":"…","actor_name":"…","guild_id":"…"|null,"channel_id":"…",
//!  "message_id":"…","author_id":"…","content_sha256":"…","rules_version":"…",
//!  "verdict":"…"|null,"findings":[{"rule":"…","category":"…"},…],
//!  "text":"…"|null,["sealed_text":"…",]"reason":"…"|null,"roles":["…",…],
//!  "prev_hash":"…"}
//! ```
//!
//! - `v` is the encoding version (1); `seq` a JSON integer.
//! - `time` is RFC 3339 in UTC with exactly six fractional digits and `Z`;
//!   stored times are truncated to whole microseconds (what PostgreSQL keeps).
//! - Every Discord id (actor, guild, channel, message, author, roles) is a
//!   decimal string; an absent guild is `null`.
//! - `findings` and `roles` keep the order they were appended in.
//! - Strings are escaped as RFC 8259 requires and no more: `\"`, `\\`, the
//!   short forms `\b \f \n \r \t`, other characters below U+0020 as `\u00xx`
//!   (lowercase hex); everything else, including non-ASCII, is literal UTF-8.
//! - `sealed_text` is present only in a record that has one (a sealed copy
//!   of the exact approved text, see [`super::seal`]); a record without one
//!   encodes exactly as it did before the field existed.
//! - `prev_hash` is the previous record's `hash`; the first record's is
//!   [`GENESIS_PREV_HASH`] (64 zeros).

use super::{AuditRecord, FindingRef, NewRecord, RecordKind, Verification, VerifyOptions, VerifyReport};
use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first record.
pub const GENESIS_PREV_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The version number written as `"v"` in the canonical encoding.
pub const ENCODING_VERSION: u32 = 1;

/// A time as the chain keeps it: truncated to whole microseconds. Leap-second
/// nanoseconds are folded into the last microsecond of the second. `None` when
/// the year cannot be written as four RFC 3339 digits.
pub fn chain_time(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if !(1..=9999).contains(&t.year()) {
        return None;
    }
    let nanos = t.nanosecond().min(999_999_999);
    t.with_nanosecond(nanos / 1000 * 1000)
}

/// RFC 3339 UTC with exactly six fractional digits: `2026-11-26T10:11:00.123456Z`.
pub fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses a time written by [`format_time`] (any RFC 3339 time is accepted).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// The canonical encoding of `record` at position `seq` after `prev_hash`.
pub fn canonical_encoding(seq: i64, record: &NewRecord, prev_hash: &str) -> String {
    let mut out = String::with_capacity(512 + record.text.as_ref().map_or(0, String::len));
    out.push_str("{\"v\":");
    out.push_str(&ENCODING_VERSION.to_string());
    out.push_str(",\"seq\":");
    out.push_str(&seq.to_string());
    field_str(&mut out, "time", &format_time(&record.time));
    field_str(&mut out, "kind", record.kind.as_str());
    field_str(&mut out, "actor_id", &record.actor_id.to_string());
    field_str(&mut out, "actor_name", &record.actor_name);
    field_opt(&mut out, "guild_id", record.guild_id.map(|g| g.to_string()).as_deref());
    field_str(&mut out, "channel_id", &record.channel_id.to_string());
    field_str(&mut out, "message_id", &record.message_id.to_string());
    field_str(&mut out, "author_id", &record.author_id.to_string());
    field_str(&mut out, "content_sha256", &record.content_sha256);
    field_str(&mut out, "rules_version", &record.rules_version);
    field_opt(&mut out, "verdict", record.verdict.as_deref());
    out.push_str(",\"findings\":[");
    for (i, f) in record.findings.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"rule\":");
        push_json_string(&mut out, &f.rule);
        out.push_str(",\"category\":");
        push_json_string(&mut out, &f.category);
        out.push('}');
    }
    out.push(']');
    field_opt(&mut out, "text", record.text.as_deref());
    if let Some(sealed) = &record.sealed_text {
        field_str(&mut out, "sealed_text", sealed);
    }
    field_opt(&mut out, "reason", record.reason.as_deref());
    out.push_str(",\"roles\":[");
    for (i, r) in record.roles.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(&mut out, &r.to_string());
    }
    out.push(']');
    field_str(&mut out, "prev_hash", prev_hash);
    out.push('}');
    out
}

/// The hash of `record` at position `seq` after `prev_hash`: lowercase hex
/// SHA-256 of [`canonical_encoding`].
pub fn record_hash(seq: i64, record: &NewRecord, prev_hash: &str) -> String {
    hex::encode(Sha256::digest(canonical_encoding(seq, record, prev_hash).as_bytes()))
}

/// Recomputes a stored record's hash.
pub fn recompute(record: &AuditRecord) -> String {
    record_hash(record.seq, &record.record, &record.prev_hash)
}

fn field_str(out: &mut String, key: &str, value: &str) {
    out.push_str(",\"");
    out.push_str(key);
    out.push_str("\":");
    push_json_string(out, value);
}

fn field_opt(out: &mut String, key: &str, value: Option<&str>) {
    match value {
        Some(v) => field_str(out, key, v),
        None => {
            out.push_str(",\"");
            out.push_str(key);
            out.push_str("\":null");
        }
    }
}

/// Writes `s` as a JSON string with the minimal RFC 8259 escaping described
/// in the module docs. Written out here (not left to serde_json) so the hash
/// depends on nothing but this file.
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A record as read from a database, before its fields are trusted: every
/// column as text (ids, kind, JSON arrays), so a tampered value becomes a
/// named problem in `verify` rather than an error that stops the walk.
#[derive(Debug, Clone)]
pub(crate) struct RawRecord {
    pub seq: i64,
    pub time: String,
    pub kind: String,
    pub actor_id: String,
    pub actor_name: String,
    pub guild_id: Option<String>,
    pub channel_id: String,
    pub message_id: String,
    pub author_id: String,
    pub content_sha256: String,
    pub rules_version: String,
    pub verdict: Option<String>,
    pub findings: String,
    pub text: Option<String>,
    pub sealed_text: Option<String>,
    pub reason: Option<String>,
    pub roles: String,
    pub prev_hash: String,
    pub hash: String,
    /// The record's MAC under `SAFETWEET_AUDIT_KEY` (not part of the hash).
    pub mac: Option<String>,
}

fn parse_id(field: &str, s: &str) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return Err(format!("{field} is not a decimal id"));
    }
    s.parse().map_err(|_| format!("{field} is not a decimal id"))
}

impl RawRecord {
    /// The stored columns of `r` (the inverse of [`RawRecord::into_record`]).
    pub fn from_record(r: &AuditRecord) -> RawRecord {
        let roles: Vec<String> = r.record.roles.iter().map(u64::to_string).collect();
        RawRecord {
            seq: r.seq,
            time: format_time(&r.record.time),
            kind: r.record.kind.as_str().to_string(),
            actor_id: r.record.actor_id.to_string(),
            actor_name: r.record.actor_name.clone(),
            guild_id: r.record.guild_id.map(|g| g.to_string()),
            channel_id: r.record.channel_id.to_string(),
            message_id: r.record.message_id.to_string(),
            author_id: r.record.author_id.to_string(),
            content_sha256: r.record.content_sha256.clone(),
            rules_version: r.record.rules_version.clone(),
            verdict: r.record.verdict.clone(),
            // Serializing plain strings cannot fail.
            findings: serde_json::to_string(&r.record.findings).unwrap_or_else(|_| "[]".into()),
            text: r.record.text.clone(),
            sealed_text: r.record.sealed_text.clone(),
            reason: r.record.reason.clone(),
            roles: serde_json::to_string(&roles).unwrap_or_else(|_| "[]".into()),
            prev_hash: r.prev_hash.clone(),
            hash: r.hash.clone(),
            mac: r.mac.clone(),
        }
    }

    /// Parses the columns; the error names the first column that does not parse.
    pub fn into_record(self) -> Result<AuditRecord, String> {
        let time = parse_time(&self.time).ok_or("time is not an RFC 3339 time")?;
        let kind = RecordKind::parse(&self.kind).ok_or_else(|| "kind is not a known record kind".to_string())?;
        let findings: Vec<FindingRef> =
            serde_json::from_str(&self.findings).map_err(|_| "findings is not a JSON list of findings")?;
        let role_strings: Vec<String> =
            serde_json::from_str(&self.roles).map_err(|_| "roles is not a JSON list of ids")?;
        let roles = role_strings.iter().map(|r| parse_id("a role", r)).collect::<Result<Vec<u64>, String>>()?;
        let guild_id = match self.guild_id.as_deref() {
            Some(g) => Some(parse_id("guild_id", g)?),
            None => None,
        };
        Ok(AuditRecord {
            seq: self.seq,
            record: NewRecord {
                time,
                kind,
                actor_id: parse_id("actor_id", &self.actor_id)?,
                actor_name: self.actor_name,
                guild_id,
                channel_id: parse_id("channel_id", &self.channel_id)?,
                message_id: parse_id("message_id", &self.message_id)?,
                author_id: parse_id("author_id", &self.author_id)?,
                content_sha256: self.content_sha256,
                rules_version: self.rules_version,
                verdict: self.verdict,
                findings,
                text: self.text,
                sealed_text: self.sealed_text,
                reason: self.reason,
                roles,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
            mac: self.mac,
        })
    }
}

/// The first column of `stored` whose text is not exactly what
/// [`RawRecord::from_record`] writes for the values it parsed to. (Ids are
/// checked by [`parse_id`] already: decimal digits, no leading zero.)
fn non_canonical_column(stored: &RawRecord, parsed: &AuditRecord) -> Option<&'static str> {
    let canonical = RawRecord::from_record(parsed);
    if stored.time != canonical.time {
        Some("time")
    } else if stored.findings != canonical.findings {
        Some("findings")
    } else if stored.roles != canonical.roles {
        Some("roles")
    } else {
        None
    }
}

/// How far a record's time may lie before an earlier record's (appends are
/// serialized, but each record's time is taken just before its turn, by
/// several tasks or bot instances with their own clocks).
pub const TIME_SKEW_SECONDS: i64 = 300;

/// Walks a chain in `seq` order, one record at a time, remembering only the
/// previous hash (and what the [`VerifyOptions`] need): memory stays flat
/// however long the chain is.
#[derive(Debug)]
pub(crate) struct ChainWalk {
    expected_seq: i64,
    prev_hash: String,
    records: u64,
    options: VerifyOptions,
    /// The latest time seen so far.
    latest: Option<DateTime<Utc>>,
    authenticated_from: Option<i64>,
    last_has_mac: bool,
    /// Per draft message, the content hash and text of its latest review:
    /// what an approval's masked text must be.
    reviewed: std::collections::HashMap<u64, (String, Option<String>)>,
}

impl ChainWalk {
    #[cfg(test)]
    pub fn new() -> ChainWalk {
        ChainWalk::with(VerifyOptions::default())
    }

    pub fn with(mut options: VerifyOptions) -> ChainWalk {
        options.anchors.sort();
        ChainWalk {
            expected_seq: 1,
            prev_hash: GENESIS_PREV_HASH.to_string(),
            records: 0,
            options,
            latest: None,
            authenticated_from: None,
            last_has_mac: false,
            reviewed: std::collections::HashMap::new(),
        }
    }

    /// The checks of the options, on a record whose chain links are sound.
    fn check_options(&mut self, record: &AuditRecord, mac: Option<&str>) -> Result<(), String> {
        let seq = record.seq;
        if let Some((_, anchored)) = self.options.anchors.iter().find(|(s, _)| *s == seq) {
            if !anchored.eq_ignore_ascii_case(&record.hash) {
                return Err(format!("its hash is not the anchored {anchored} (the log was rewritten from here on?)"));
            }
        }
        if self.options.content {
            let r = &record.record;
            match (r.kind, &r.text) {
                (RecordKind::Submitted | RecordKind::ReReviewed, _) => {
                    self.reviewed.insert(r.message_id, (r.content_sha256.clone(), r.text.clone()));
                }
                (RecordKind::Approved | RecordKind::Override, Some(text)) => {
                    let exact = hex::encode(Sha256::digest(text.as_bytes())) == r.content_sha256;
                    // A masked text is the one the review of that content kept.
                    let masked = self
                        .reviewed
                        .get(&r.message_id)
                        .is_some_and(|(sha, t)| *sha == r.content_sha256 && t.as_deref() == Some(text.as_str()));
                    if !exact && !masked {
                        return Err("its text neither hashes to its content_sha256 nor is the masked text of the \
                                    review of that content"
                            .to_string());
                    }
                }
                _ => {}
            }
            if let (Some(sealed), Some(officer)) = (&r.sealed_text, &self.options.unseal) {
                let exact = officer.unseal(sealed).map_err(|e| format!("its sealed text {e}"))?;
                if hex::encode(Sha256::digest(exact.as_bytes())) != r.content_sha256 {
                    return Err("its sealed text does not hash to its content_sha256".to_string());
                }
            }
            if self.latest.is_some_and(|t| r.time < t - chrono::TimeDelta::seconds(TIME_SKEW_SECONDS)) {
                return Err(format!(
                    "its time {} is more than {} minutes before an earlier record's (time went backwards)",
                    format_time(&r.time),
                    TIME_SKEW_SECONDS / 60
                ));
            }
            self.latest = self.latest.max(Some(r.time));
        }
        if let Some(key) = &self.options.key {
            match mac {
                Some(mac) if mac.eq_ignore_ascii_case(&key.mac(&record.hash)) => {
                    self.authenticated_from.get_or_insert(seq);
                }
                Some(_) => {
                    return Err(
                        "its MAC does not match SAFETWEET_AUDIT_KEY (forged, or written with another key)".into()
                    )
                }
                None if self.authenticated_from.is_some() => {
                    return Err(
                        "it has no MAC though earlier records have one (appended without the key: forged?)".into()
                    )
                }
                None => {}
            }
            self.last_has_mac = mac.is_some();
        }
        Ok(())
    }

    /// Checks the next record. `Err` is the first problem: the seq it names is
    /// the first record that does not fit (for a gap, the first missing seq).
    pub fn step(&mut self, raw: RawRecord) -> Result<(), (i64, String)> {
        let seq = raw.seq;
        if seq != self.expected_seq {
            let problem = if seq > self.expected_seq {
                if seq == self.expected_seq + 1 {
                    format!("record {} is missing (deleted?): the chain jumps to {seq}", self.expected_seq)
                } else {
                    format!(
                        "records {}..={} are missing (deleted?): the chain jumps to {seq}",
                        self.expected_seq,
                        seq - 1
                    )
                }
            } else {
                return Err((seq, format!("record {seq} is out of order (expected {})", self.expected_seq)));
            };
            return Err((self.expected_seq, problem));
        }
        let stored_hash = raw.hash.clone();
        let stored = raw.clone();
        let mac = raw.mac.clone();
        let record = raw.into_record().map_err(|p| (seq, format!("unreadable record: {p}")))?;
        // The hash covers the parsed values: another spelling of the same
        // value (a time in another offset, JSON with spaces or extra keys)
        // hashes the same, yet text filters compare the stored spelling.
        if let Some(column) = non_canonical_column(&stored, &record) {
            return Err((seq, format!("its {column} is not stored in its canonical form (the column was rewritten)")));
        }
        if recompute(&record) != stored_hash {
            return Err((seq, "its content does not match its hash (the record was edited)".to_string()));
        }
        if record.prev_hash != self.prev_hash {
            return Err((
                seq,
                if seq == 1 {
                    "the first record's prev_hash is not 64 zeros".to_string()
                } else {
                    format!("its prev_hash is not the hash of record {} (a record before it was changed)", seq - 1)
                },
            ));
        }
        self.check_options(&record, mac.as_deref()).map_err(|problem| (seq, problem))?;
        self.prev_hash = stored_hash;
        self.expected_seq += 1;
        self.records += 1;
        Ok(())
    }

    /// The end of the chain: anchors beyond it were cut off, and with a key
    /// the newest record must carry a MAC.
    pub fn finish(self) -> VerifyReport {
        let last = self.expected_seq - 1;
        let head = (last > 0).then(|| (last, self.prev_hash.clone()));
        let broken = |seq: i64, problem: String| VerifyReport {
            verification: Verification::Broken { seq, problem },
            head: head.clone(),
            authenticated_from: self.authenticated_from,
        };
        if let Some((seq, _)) = self.options.anchors.iter().find(|(s, _)| *s > last) {
            return broken(
                *seq,
                format!("record {seq} is missing: the log ends at record {last} (cut after the anchor)"),
            );
        }
        if self.options.key.is_some() && last > 0 && !self.last_has_mac {
            return broken(
                last,
                "it has no MAC: the newest records were not written with SAFETWEET_AUDIT_KEY (appended by someone \
                 without the key, or the key was never set)"
                    .into(),
            );
        }
        VerifyReport {
            verification: Verification::Intact { records: self.records },
            head,
            authenticated_from: self.authenticated_from,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::AuditKey;
    use chrono::TimeZone;

    fn sample() -> NewRecord {
        NewRecord {
            time: Utc.with_ymd_and_hms(2026, 11, 26, 10, 11, 0).unwrap() + chrono::Duration::microseconds(123_456),
            kind: RecordKind::Approved,
            actor_id: 42,
            actor_name: "Dana \"QA\" Lee".into(),
            guild_id: None,
            channel_id: 7,
            message_id: 18_446_744_073_709_551_615,
            author_id: 9,
            content_sha256: "ab".repeat(32),
            rules_version: "2026.11".into(),
            verdict: None,
            findings: vec![FindingRef { rule: "phi.mrn".into(), category: "phi".into() }],
            text: Some("line\nbreak\u{1} é 🎉".into()),
            sealed_text: None,
            reason: None,
            roles: vec![1, 2],
        }
    }

    #[test]
    fn canonical_encoding_is_exactly_as_documented() {
        let enc = canonical_encoding(7, &sample(), GENESIS_PREV_HASH);
        let expected = format!(
            "{{\"v\":1,\"seq\":7,\"time\":\"2026-11-26T10:11:00.123456Z\",\"kind\":\"approved\",\
             \"actor_id\":\"42\",\"actor_name\":\"Dana \\\"QA\\\" Lee\",\"guild_id\":null,\"channel_id\":\"7\",\
             \"message_id\":\"18446744073709551615\",\"author_id\":\"9\",\"content_sha256\":\"{}\",\
             \"rules_version\":\"2026.11\",\"verdict\":null,\"findings\":[{{\"rule\":\"phi.mrn\",\"category\":\"phi\"}}],\
             \"text\":\"line\\nbreak\\u0001 é 🎉\",\"reason\":null,\"roles\":[\"1\",\"2\"],\"prev_hash\":\"{}\"}}",
            "ab".repeat(32),
            GENESIS_PREV_HASH
        );
        assert_eq!(enc, expected);
    }

    #[test]
    fn canonical_encoding_is_valid_json_with_the_same_values() {
        let r = sample();
        let v: serde_json::Value = serde_json::from_str(&canonical_encoding(3, &r, "ff")).unwrap();
        assert_eq!(v["seq"], 3);
        assert_eq!(v["text"], r.text.clone().unwrap());
        assert_eq!(v["actor_name"], r.actor_name);
        assert_eq!(v["message_id"], "18446744073709551615");
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = sample();
        let h = record_hash(1, &base, GENESIS_PREV_HASH);
        let mut variants: Vec<NewRecord> = Vec::new();
        let mut v = base.clone();
        v.time += chrono::Duration::microseconds(1);
        variants.push(v);
        let mut v = base.clone();
        v.kind = RecordKind::Override;
        variants.push(v);
        let mut v = base.clone();
        v.actor_id = 43;
        variants.push(v);
        let mut v = base.clone();
        v.actor_name.push(' ');
        variants.push(v);
        let mut v = base.clone();
        v.guild_id = Some(0);
        variants.push(v);
        let mut v = base.clone();
        v.channel_id = 8;
        variants.push(v);
        let mut v = base.clone();
        v.message_id = 1;
        variants.push(v);
        let mut v = base.clone();
        v.author_id = 10;
        variants.push(v);
        let mut v = base.clone();
        v.content_sha256 = "cd".repeat(32);
        variants.push(v);
        let mut v = base.clone();
        v.rules_version = "2026.12".into();
        variants.push(v);
        let mut v = base.clone();
        v.verdict = Some("pass".into());
        variants.push(v);
        let mut v = base.clone();
        v.findings.clear();
        variants.push(v);
        let mut v = base.clone();
        v.text = Some("line\nbreak".into());
        variants.push(v);
        let mut v = base.clone();
        v.text = None;
        variants.push(v);
        let mut v = base.clone();
        v.reason = Some(String::new());
        variants.push(v);
        let mut v = base.clone();
        v.roles = vec![2, 1];
        variants.push(v);
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(record_hash(1, v, GENESIS_PREV_HASH), h, "variant {i} kept the hash");
        }
        assert_ne!(record_hash(2, &base, GENESIS_PREV_HASH), h);
        assert_ne!(record_hash(1, &base, &"1".repeat(64)), h);
    }

    #[test]
    fn empty_text_and_no_text_differ() {
        let mut a = sample();
        a.text = Some(String::new());
        let mut b = sample();
        b.text = None;
        assert_ne!(record_hash(1, &a, GENESIS_PREV_HASH), record_hash(1, &b, GENESIS_PREV_HASH));
    }

    #[test]
    fn chain_time_truncates_to_microseconds_and_rejects_odd_years() {
        let t = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap() + chrono::Duration::nanoseconds(123_456_789);
        assert_eq!(format_time(&chain_time(t).unwrap()), "2026-01-02T03:04:05.123456Z");
        assert!(chain_time(Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap()).is_none());
        assert!(chain_time(Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap()).is_none());
        let formatted = format_time(&chain_time(t).unwrap());
        assert_eq!(parse_time(&formatted), chain_time(t));
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_PREV_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = sample();
                r.message_id = seq as u64;
                let hash = record_hash(seq, &r, &prev);
                let rec = AuditRecord { seq, record: r, prev_hash: prev.clone(), hash: hash.clone(), mac: None };
                prev = hash;
                rec
            })
            .collect()
    }

    fn walk(records: &[AuditRecord]) -> Verification {
        walk_with(records, VerifyOptions::default()).verification
    }

    fn walk_with(records: &[AuditRecord], options: VerifyOptions) -> VerifyReport {
        walk_raw(records.iter().map(RawRecord::from_record).collect(), options)
    }

    fn walk_raw(raws: Vec<RawRecord>, options: VerifyOptions) -> VerifyReport {
        let mut w = ChainWalk::with(options);
        for raw in raws {
            if let Err((seq, problem)) = w.step(raw) {
                return VerifyReport {
                    verification: Verification::Broken { seq, problem },
                    head: None,
                    authenticated_from: None,
                };
            }
        }
        w.finish()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(walk(&chain(5)), Verification::Intact { records: 5 });
        assert_eq!(walk(&[]), Verification::Intact { records: 0 });
    }

    #[test]
    fn an_edited_record_is_named() {
        let mut c = chain(5);
        c[2].record.text = Some("edited".into());
        match walk(&c) {
            Verification::Broken { seq, problem } => {
                assert_eq!(seq, 3);
                assert!(problem.contains("does not match its hash"), "{problem}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_rehashed_edit_is_caught_at_the_next_record() {
        let mut c = chain(5);
        c[2].record.text = Some("edited".into());
        c[2].hash = recompute(&c[2]);
        match walk(&c) {
            Verification::Broken { seq, problem } => {
                assert_eq!(seq, 4);
                assert!(problem.contains("prev_hash"), "{problem}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_deleted_record_is_named() {
        let mut c = chain(5);
        c.remove(1);
        match walk(&c) {
            Verification::Broken { seq, problem } => {
                assert_eq!(seq, 2);
                assert!(problem.contains("missing"), "{problem}");
            }
            other => panic!("{other:?}"),
        }
        // Deleting the first record is noticed too.
        let mut c = chain(3);
        c.remove(0);
        assert!(matches!(walk(&c), Verification::Broken { seq: 1, .. }));
    }

    #[test]
    fn an_unreadable_column_is_a_named_problem() {
        let c = chain(2);
        let mut w = ChainWalk::new();
        w.step(RawRecord::from_record(&c[0])).unwrap();
        let mut raw = RawRecord::from_record(&c[1]);
        raw.actor_id = "12x".into();
        let (seq, problem) = w.step(raw).unwrap_err();
        assert_eq!(seq, 2);
        assert!(problem.contains("actor_id"), "{problem}");
        for bad in ["", "01", "-1", "18446744073709551616", " 1"] {
            assert!(parse_id("x", bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_id("x", "0"), Ok(0));
    }

    /// Issue 9, item 6: the hash covers the parsed values, so a column
    /// rewritten to another spelling of the same value would still hash the
    /// same; `verify` requires the canonical spelling.
    #[test]
    fn a_stored_form_other_than_the_canonical_one_is_named() {
        let c = chain(2);
        type Rewrite = fn(&mut RawRecord);
        let rewrites: [(&str, Rewrite); 7] = [
            ("time", |r| r.time = "2026-11-26T12:11:00.123456+02:00".into()),
            ("time", |r| r.time = "2026-11-26T10:11:00.123456000Z".into()),
            ("time", |r| r.time = "2026-11-26t10:11:00.123456z".into()),
            ("findings", |r| r.findings = r.findings.replace("\",\"", "\", \"")),
            ("findings", |r| r.findings = r.findings.replace("}]", ",\"note\":\"x\"}]")),
            ("roles", |r| r.roles = " [\"1\",\"2\"]".into()),
            ("roles", |r| r.roles = "[\"1\",\"2\"]\n".into()),
        ];
        for (column, rewrite) in rewrites {
            let mut w = ChainWalk::new();
            w.step(RawRecord::from_record(&c[0])).unwrap();
            let mut raw = RawRecord::from_record(&c[1]);
            rewrite(&mut raw);
            // The same values: the hash alone would not notice.
            let parsed = raw.clone().into_record().expect("still parses");
            assert_eq!(recompute(&parsed), c[1].hash, "{column}: {raw:?}");
            let (seq, problem) = w.step(raw).unwrap_err();
            assert_eq!(seq, 2);
            assert!(problem.contains(column) && problem.contains("canonical"), "{column}: {problem}");
        }
    }

    /// A chain whose records carry exact texts with their hashes, a minute apart.
    fn honest_chain(n: i64, key: Option<&AuditKey>) -> Vec<RawRecord> {
        let mut prev = GENESIS_PREV_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = sample();
                r.time += chrono::Duration::minutes(seq);
                r.content_sha256 = hex::encode(Sha256::digest(r.text.as_deref().unwrap_or("").as_bytes()));
                let hash = record_hash(seq, &r, &prev);
                let rec = AuditRecord { seq, record: r, prev_hash: prev.clone(), hash: hash.clone(), mac: None };
                prev = hash;
                let mut raw = RawRecord::from_record(&rec);
                raw.mac = key.map(|k| k.mac(&rec.hash));
                raw
            })
            .collect()
    }

    /// Re-hashes `raws` from index `from` on (what someone who can write the
    /// table, but holds no key, can do after changing a record).
    fn rehash_from(raws: &mut [RawRecord], from: usize) {
        for i in from..raws.len() {
            let prev = if i == 0 { GENESIS_PREV_HASH.to_string() } else { raws[i - 1].hash.clone() };
            let rec = raws[i].clone().into_record().unwrap();
            raws[i].prev_hash = prev.clone();
            raws[i].hash = record_hash(rec.seq, &rec.record, &prev);
        }
    }

    fn broken(report: VerifyReport) -> (i64, String) {
        match report.verification {
            Verification::Broken { seq, problem } => (seq, problem),
            other => panic!("expected a broken chain: {other:?}"),
        }
    }

    fn key() -> AuditKey {
        AuditKey::from_secret(&"s".repeat(40)).unwrap()
    }

    #[test]
    fn anchors_catch_a_cut_tail_and_a_rewritten_log() {
        let raws = honest_chain(5, None);
        let (seq3, hash3) = (3, raws[2].hash.clone());
        let full = |anchors| VerifyOptions::full(None, anchors);
        let ok = walk_raw(raws.clone(), full(vec![(seq3, hash3.clone())]));
        assert_eq!(ok.verification, Verification::Intact { records: 5 });
        assert_eq!(ok.head, Some((5, raws[4].hash.clone())));
        // The newest two records deleted: the chain alone is intact, the anchor is not.
        let cut = raws[..2].to_vec();
        assert_eq!(walk_raw(cut.clone(), VerifyOptions::default()).verification, Verification::Intact { records: 2 });
        let (seq, problem) = broken(walk_raw(cut, full(vec![(seq3, hash3.clone())])));
        assert_eq!(seq, 3);
        assert!(problem.contains("missing") && problem.contains("ends at record 2"), "{problem}");
        // A record edited and the chain re-hashed from there: intact, but not the anchored one.
        let mut rewritten = raws.clone();
        rewritten[1].reason = Some("added later".into());
        rehash_from(&mut rewritten, 1);
        assert_eq!(
            walk_raw(rewritten.clone(), VerifyOptions::default()).verification,
            Verification::Intact { records: 5 }
        );
        let (seq, problem) = broken(walk_raw(rewritten, full(vec![(seq3, hash3)])));
        assert_eq!(seq, 3);
        assert!(problem.contains("anchored"), "{problem}");
    }

    #[test]
    fn content_checks_catch_backdated_times_and_texts_that_are_not_what_was_approved() {
        let full = VerifyOptions::full(None, vec![]);
        assert_eq!(walk_raw(honest_chain(3, None), full.clone()).verification, Verification::Intact { records: 3 });
        // A record re-dated an hour back (and the chain re-hashed): the time goes backwards.
        let mut backdated = honest_chain(3, None);
        backdated[2].time = "2026-11-26T09:00:00.000000Z".into();
        rehash_from(&mut backdated, 2);
        assert_eq!(
            walk_raw(backdated.clone(), VerifyOptions::default()).verification,
            Verification::Intact { records: 3 }
        );
        let (seq, problem) = broken(walk_raw(backdated, full.clone()));
        assert_eq!(seq, 3);
        assert!(problem.contains("backwards"), "{problem}");
        // A few seconds back is two tasks taking their turns: fine.
        let mut close = honest_chain(3, None);
        close[2].time = close[1].time.replace("10:13:00", "10:12:58");
        rehash_from(&mut close, 2);
        assert_eq!(walk_raw(close, full.clone()).verification, Verification::Intact { records: 3 });
        // An approved text replaced (and re-hashed): its content_sha256 is the reviewed text's.
        let mut swapped = honest_chain(3, None);
        swapped[1].text = Some("Call 555-201-8834 for results".into());
        rehash_from(&mut swapped, 1);
        let (seq, problem) = broken(walk_raw(swapped, full));
        assert_eq!(seq, 2);
        assert!(problem.contains("content_sha256"), "{problem}");
    }

    /// A draft submitted with its identifiers masked, then approved: the
    /// approval keeps the masked text and the exact text sealed to `officer`.
    fn masked_approval(officer: &crate::audit::seal::UnsealKey, exact: &str, sealed_of: &str) -> Vec<RawRecord> {
        let mut prev = GENESIS_PREV_HASH.to_string();
        let sha = hex::encode(Sha256::digest(exact.as_bytes()));
        [RecordKind::Submitted, RecordKind::Approved]
            .into_iter()
            .zip(1..)
            .map(|(kind, seq)| {
                let mut r = sample();
                r.kind = kind;
                r.time += chrono::Duration::minutes(seq);
                r.content_sha256 = sha.clone();
                r.text = Some("Call Dana at ***-***-**** about her MRI.".into());
                if kind == RecordKind::Approved {
                    r.sealed_text = Some(officer.public().seal(sealed_of));
                }
                let hash = record_hash(seq, &r, &prev);
                let rec = AuditRecord { seq, record: r, prev_hash: prev.clone(), hash: hash.clone(), mac: None };
                prev = hash;
                RawRecord::from_record(&rec)
            })
            .collect()
    }

    #[test]
    fn masked_approvals_verify_against_their_review_and_sealed_texts_against_their_hash() {
        use crate::audit::seal::UnsealKey;
        let officer = UnsealKey::generate();
        let exact = "Call Dana at 617-555-0199 about her MRI.";
        let full = VerifyOptions::full(None, vec![]);
        let with_officer = VerifyOptions { unseal: Some(officer.clone()), ..full.clone() };
        let honest = masked_approval(&officer, exact, exact);
        assert_eq!(walk_raw(honest.clone(), full.clone()).verification, Verification::Intact { records: 2 });
        assert_eq!(walk_raw(honest.clone(), with_officer.clone()).verification, Verification::Intact { records: 2 });
        // The sealed column is hashed: a sealed text swapped for another is an edit.
        let mut swapped = honest.clone();
        swapped[1].sealed_text = masked_approval(&officer, exact, exact)[1].sealed_text.clone();
        assert!(matches!(walk_raw(swapped, full.clone()).verification, Verification::Broken { seq: 2, .. }));
        // An approval whose readable text is neither the exact text nor its review's masked one.
        let mut other = honest.clone();
        other[1].text = Some("Call *** at 617-555-0199 about her MRI.".into());
        rehash_from(&mut other, 1);
        let (seq, problem) = broken(walk_raw(other, full.clone()));
        assert_eq!(seq, 2);
        assert!(problem.contains("masked text"), "{problem}");
        // A sealed text of another draft (re-hashed by someone who can write the table).
        let forged = masked_approval(&officer, exact, "Call Dana at 617-555-0100 about her MRI.");
        assert_eq!(walk_raw(forged.clone(), full).verification, Verification::Intact { records: 2 });
        let (seq, problem) = broken(walk_raw(forged, with_officer));
        assert_eq!(seq, 2);
        assert!(problem.contains("sealed text does not hash"), "{problem}");
        // Another officer's key cannot open it: named, not skipped.
        let stranger = VerifyOptions { unseal: Some(UnsealKey::generate()), ..VerifyOptions::full(None, vec![]) };
        let (_, problem) = broken(walk_raw(honest, stranger));
        assert!(problem.contains("does not open"), "{problem}");
    }

    #[test]
    fn a_record_without_a_sealed_text_encodes_as_before_the_field_existed() {
        let r = sample();
        assert!(!canonical_encoding(1, &r, GENESIS_PREV_HASH).contains("sealed_text"));
        let mut sealed = r.clone();
        sealed.sealed_text = Some(format!("{}00", crate::audit::seal::SEALED_PREFIX));
        let enc = canonical_encoding(1, &sealed, GENESIS_PREV_HASH);
        assert!(enc.contains(",\"sealed_text\":\"sealed-"), "{enc}");
        assert_ne!(record_hash(1, &r, GENESIS_PREV_HASH), record_hash(1, &sealed, GENESIS_PREV_HASH));
    }

    #[test]
    fn with_the_key_records_appended_by_someone_without_it_are_named() {
        let k = key();
        let keyed = |raws: Vec<RawRecord>| walk_raw(raws, VerifyOptions::full(Some(key()), vec![]));
        let report = keyed(honest_chain(4, Some(&k)));
        assert_eq!((report.verification, report.authenticated_from), (Verification::Intact { records: 4 }, Some(1)));
        // A correctly hashed record appended at the end without the key.
        let mut forged = honest_chain(4, Some(&k));
        forged[3].mac = None;
        assert_eq!(
            walk_raw(forged.clone(), VerifyOptions::default()).verification,
            Verification::Intact { records: 4 }
        );
        let (seq, problem) = broken(keyed(forged));
        assert_eq!(seq, 4);
        assert!(problem.contains("no MAC"), "{problem}");
        // …or with a MAC made up.
        let mut made_up = honest_chain(4, Some(&k));
        made_up[3].mac = Some("00".repeat(32));
        let (seq, problem) = broken(keyed(made_up));
        assert_eq!(seq, 4);
        assert!(problem.contains("does not match"), "{problem}");
        // Every MAC stripped and a record added: the newest record has none.
        let mut stripped = honest_chain(4, None);
        stripped.iter_mut().for_each(|r| r.mac = None);
        let (seq, problem) = broken(keyed(stripped));
        assert_eq!(seq, 4);
        assert!(problem.contains("no MAC"), "{problem}");
        // Records from before the key was set are fine, and reported as such.
        let mut adopted = honest_chain(4, Some(&k));
        adopted[0].mac = None;
        adopted[1].mac = None;
        let report = keyed(adopted);
        assert_eq!((report.verification, report.authenticated_from), (Verification::Intact { records: 4 }, Some(3)));
    }

    proptest::proptest! {
        #[test]
        fn any_text_encodes_to_json_that_reads_back_the_same(
            text in "\\PC*|[\\x00-\\x1f\\x7f\"\\\\]*",
            name in proptest::prelude::any::<String>(),
        ) {
            let mut r = sample();
            r.text = Some(text.clone());
            r.actor_name = name.clone();
            let v: serde_json::Value = serde_json::from_str(&canonical_encoding(1, &r, GENESIS_PREV_HASH)).unwrap();
            proptest::prop_assert_eq!(v["text"].as_str(), Some(text.as_str()));
            proptest::prop_assert_eq!(v["actor_name"].as_str(), Some(name.as_str()));
        }

        #[test]
        fn distinct_texts_hash_differently(a in proptest::prelude::any::<String>(), b in proptest::prelude::any::<String>()) {
            proptest::prop_assume!(a != b);
            let (mut ra, mut rb) = (sample(), sample());
            ra.text = Some(a);
            rb.text = Some(b);
            proptest::prop_assert_ne!(record_hash(1, &ra, GENESIS_PREV_HASH), record_hash(1, &rb, GENESIS_PREV_HASH));
        }
    }

    #[test]
    fn raw_round_trip_keeps_every_field() {
        for r in chain(3) {
            assert_eq!(RawRecord::from_record(&r).into_record().unwrap(), r);
        }
    }
}
