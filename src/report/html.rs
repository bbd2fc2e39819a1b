//! The report as one self-contained HTML page for a compliance officer:
//! a header (period, generation time, rules versions, record counts, whether
//! the chain verified), then each chart as inline SVG with the table behind
//! it. No scripts at all, nothing loaded from anywhere (a Content Security
//! Policy says so to the browser), no named entities beyond XML's five: the
//! page is well-formed XML as well as HTML, which the tests rely on to parse
//! it.
//!
//! Every stored text (display names, categories, rules versions, a broken
//! chain's problem) is [`printable`] first (control, bidi and other format
//! characters shown as `\u{…}` escapes, so a name cannot reorder or hide
//! what a line shows) and then HTML-escaped.

use super::{charts, human_duration, Report};
use crate::audit::{chain, Verification};
use std::fmt::Write;

/// Control characters (ANSI escapes…), format characters (bidi overrides
/// and isolates, zero-width and invisible characters, tag characters) and
/// line/paragraph separators shown as escapes (`\u{202e}`), so stored text
/// (a display name, a reason) can neither drive a terminal nor reorder or
/// hide what a line shows.
pub fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || is_format_or_separator(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Unicode's format characters (general category Cf, as of Unicode 15.1)
/// and the line and paragraph separators (Zl, Zp).
pub fn is_format_or_separator(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// Stored text made safe for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:2em auto;max-width:76em;color:#1f2328;\
padding:0 1em}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #d0d7de}\
dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}\
table{border-collapse:collapse;margin:.8em 0}th,td{border:1px solid #d0d7de;padding:.2em .6em;text-align:right}\
th:first-child,td:first-child{text-align:left}thead th{background:#f6f8fa}.broken{color:#cf222e;font-weight:bold}\
.intact{color:#1a7f37;font-weight:bold}svg{max-width:100%;height:auto}figure{margin:0}\
.pair{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}.pair figure{flex:0 1 680px}";

/// The whole page.
pub fn page(r: &Report) -> String {
    let since = r.period.since.format("%Y-%m-%d %H:%M").to_string();
    let until = r.period.until.format("%Y-%m-%d %H:%M").to_string();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"/>\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>SafeTweet review report {since} to {until} UTC</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    h.push_str("<h1>SafeTweet review report</h1>\n<dl id=\"header\">\n");
    let fact = |h: &mut String, id: &str, name: &str, value: &str| {
        let _ = writeln!(h, "<dt>{name}</dt><dd id=\"{id}\">{value}</dd>");
    };
    fact(&mut h, "period", "Period", &format!("{since} to {until} UTC"));
    fact(&mut h, "generated", "Generated at", &chain::format_time(&r.generated_at));
    let versions = if r.rules_versions.is_empty() {
        "none (no reviews in the period)".to_string()
    } else {
        r.rules_versions.iter().map(|v| escape(v)).collect::<Vec<_>>().join(", ")
    };
    fact(&mut h, "rules", "Rules versions", &versions);
    let counts: Vec<String> =
        r.record_counts.iter().filter(|(_, n)| *n > 0).map(|(k, n)| format!("{n} {}", k.as_str())).collect();
    let counts = if counts.is_empty() { String::new() } else { format!(": {}", counts.join(", ")) };
    fact(&mut h, "records", "Records in the period", &format!("{}{counts}", r.records_in_period()));
    let chain = match &r.verification {
        None => "not checked".to_string(),
        Some(Verification::Intact { records }) => {
            format!("<span class=\"intact\">verified</span>: the whole log ({records} records) is intact")
        }
        Some(Verification::Broken { seq, problem }) => format!(
            "<span class=\"broken\">BROKEN</span> at record {seq}: {} (the numbers below may not be trustworthy)",
            escape(problem)
        ),
    };
    fact(&mut h, "chain", "Hash chain", &chain);
    h.push_str("</dl>\n");

    let svgs = charts::svgs(r);
    let svg = |i: usize| -> String {
        match &svgs {
            Ok(all) => all.get(i).map(|s| inline_svg(s)).unwrap_or_default(),
            Err(e) => format!("<p>(chart not drawn: {})</p>", escape(&e.to_string())),
        }
    };

    // Drafts per day.
    let _ = write!(
        h,
        "<section id=\"per-day\">\n<h2>Drafts per day by verdict</h2>\n<div class=\"pair\"><figure>{}</figure>\n",
        svg(0)
    );
    let mut t = Table::new("per-day-table", &["day (UTC)", "ok", "revise", "block", "total"]);
    for d in &r.per_day {
        t.row(&[d.day.to_string(), d.ok.to_string(), d.revise.to_string(), d.block.to_string(), d.total().to_string()]);
    }
    let (ok, revise, block) = r.per_day.iter().fold((0, 0, 0), |(a, b, c), d| (a + d.ok, b + d.revise, c + d.block));
    t.row(&["all".into(), ok.to_string(), revise.to_string(), block.to_string(), (ok + revise + block).to_string()]);
    h.push_str(&t.finish());
    h.push_str("<p>One draft per <code>submitted</code> record, by the verdict of its first review.</p>\n</section>\n");

    // Findings.
    let _ = write!(
        h,
        "<section id=\"findings\">\n<h2>Findings by category</h2>\n<div class=\"pair\"><figure>{}</figure>\n",
        svg(1)
    );
    let mut t = Table::new("findings-table", &["category", "findings"]);
    for c in &r.findings {
        t.row(&[escape(&c.category), c.count.to_string()]);
    }
    h.push_str(&t.finish());
    h.push_str(
        "<p>Findings of every review the bot made (first reviews and re-reviews after an edit).</p>\n</section>\n",
    );

    // Decision times.
    let _ = write!(
        h,
        "<section id=\"decision-times\">\n<h2>Time from submission to decision</h2>\n<div class=\"pair\"><figure>{}</figure>\n",
        svg(2)
    );
    let mut t = Table::new("decision-times-table", &["decision", "count", "median", "p90", "median (s)", "p90 (s)"]);
    for d in &r.decision_times {
        let human = |s: Option<i64>| s.map_or("-".to_string(), human_duration);
        let secs = |s: Option<i64>| s.map_or("-".to_string(), |s| s.to_string());
        t.row(&[
            d.decision.clone(),
            d.count.to_string(),
            human(d.median_seconds),
            human(d.p90_seconds),
            secs(d.median_seconds),
            secs(d.p90_seconds),
        ]);
    }
    h.push_str(&t.finish());
    let _ = writeln!(
        h,
        "<p>From the draft's latest <code>submitted</code> record to each approval, rejection or override. \
         Median: the middle value; p90: nine in ten decisions came at least this fast.{}</p>\n</section>",
        if r.unpaired_decisions > 0 {
            format!(" {} decision(s) without their submission in the log read are left out.", r.unpaired_decisions)
        } else {
            String::new()
        }
    );

    // Content mix.
    let _ = write!(
        h,
        "<section id=\"content-mix\">\n<h2>Content mix of approved posts</h2>\n<div class=\"pair\"><figure>{}</figure>\n",
        svg(3)
    );
    let mut t = Table::new("content-mix-table", &["kind", "approved posts", "share", "recommended"]);
    for m in &r.content_mix {
        t.row(&[
            m.kind.label().to_string(),
            m.count.to_string(),
            format!("{:.0}%", m.share * 100.0),
            format!("{:.0}%", m.recommended * 100.0),
        ]);
    }
    h.push_str(&t.finish());
    let _ = writeln!(
        h,
        "<p>Approved and overridden posts, classified from the text the bot reviewed. The recommended mix follows \
         the seed guide's posts that work (studies with a link, health tips, blog posts with a quote, an \
         occasional personal note); the guide gives no numbers, so these shares are SafeTweet's reading of it.{}</p>\n\
         </section>",
        if r.unclassified > 0 {
            format!(" {} approved post(s) without their reviewed text in the log read are left out.", r.unclassified)
        } else {
            String::new()
        }
    );

    // Approvers.
    h.push_str("<section id=\"approvers\">\n<h2>Decisions by approver</h2>\n<div class=\"pair\">\n");
    let mut t = Table::new("approvers-table", &["approver", "user id", "approved", "override", "rejected", "refused"]);
    for a in &r.approvers {
        t.row(&[
            escape(&a.name),
            a.actor_id.to_string(),
            a.approved.to_string(),
            a.overrides.to_string(),
            a.rejected.to_string(),
            a.refused.to_string(),
        ]);
    }
    h.push_str(&t.finish());
    h.push_str("<p>Refused: approvals the bot refused (missing role, own draft, blocked verdict).</p>\n</section>\n");
    h.push_str("</body>\n</html>\n");
    h
}

/// An SVG document from plotters, ready to inline: from `<svg` on.
fn inline_svg(svg: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    format!("\n{}", svg[start..].trim_end())
}

/// A table with a header row, closing the `pair` block it sits in (with its
/// chart); cells are already escaped.
struct Table {
    html: String,
}

impl Table {
    fn new(id: &str, header: &[&str]) -> Table {
        let mut html = format!("<table id=\"{id}\">\n<thead><tr>");
        for cell in header {
            let _ = write!(html, "<th>{cell}</th>");
        }
        html.push_str("</tr></thead>\n<tbody>\n");
        Table { html }
    }

    fn row(&mut self, cells: &[String]) {
        self.html.push_str("<tr>");
        for cell in cells {
            let _ = write!(self.html, "<td>{cell}</td>");
        }
        self.html.push_str("</tr>\n");
    }

    fn finish(mut self) -> String {
        self.html.push_str("</tbody>\n</table>\n</div>\n");
        self.html
    }
}
