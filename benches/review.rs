//! Review-engine speed on a generated corpus of 20,000 drafts of about 280
//! characters (seeded, so every run sees the same drafts), with the whole
//! default rule set on one core.
//!
//! - `review/draft`: time per draft, cycling through the corpus (criterion).
//! - `check_jsonl/20k`: the `check --jsonl` path (parse + review + JSON out)
//!   over the whole corpus, reported as drafts per second.
//! - a per-draft percentile summary (median, p99) printed before criterion runs.
//! - `adversarial/*`: drafts built to make quadratic steps show (issue 9):
//!   `Mr. Smith `, `555-201-8834 `, `@a ` repeated and one long word, at
//!   `check`'s 64 KiB limit (review, and review plus the text report) and at
//!   1 MB (the engine alone; `check` refuses drafts that long).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use safetweet::cli::check::{check_jsonl, render_text, MAX_DRAFT_BYTES};
use safetweet::engine::{review, Draft, RuleSet};
use std::hint::black_box;
use std::time::Instant;

const PIECES: &[&str] = &[
    "Heart attack symptoms can look different in women: jaw pain, nausea and fatigue are common. ",
    "Tip: a 10-minute walk after meals can help keep blood sugar steady. ",
    "New study in JAMA on sleep and heart disease: https://jamanetwork.com/journals/jama/fullarticle/2812345 ",
    "Flu shots are available at all three of our walk-in clinics this week. ",
    "Join us Saturday 9am-1pm for free blood pressure checks at the farmers market. ",
    "Proud of our nursing team for finishing the stroke course! \u{1F389}\u{1F469}\u{200D}\u{2695}\u{FE0F} ",
    "Dr. Maria Lopez joins our cardiology department this fall. ",
    "Read more on the blog: www.example-clinic.org/blog/sunscreen-myths ",
    "#HeartHealth #hcsm ",
    "My patient Jessica Moreno is walking again three weeks after her hip replacement! ",
    "Call me at 555-201-8834 about your results, Mrs. Allen. ",
    "Patient DOB 04/12/1961, MRN 00482913, presented with chest pain. ",
    "@jdavis22 you should stop taking the lisinopril until your cough clears up. ",
    "Our new IV vitamin drip cures chronic fatigue, guaranteed! ",
    "Read the full study here: http://bit.ly/3xYz12 ",
    "心臓の健康のために毎日歩きましょう。",
    "1 in 3 adults has high blood pressure; trial NCT01234567 is recruiting. ",
    "Fax results for Ana Ruiz to (617) 555-0143 before 5pm. ",
];

/// A small deterministic generator (no external randomness).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

fn corpus(n: usize) -> Vec<Draft> {
    let mut rng = Lcg(0x5afe_7eed);
    (0..n)
        .map(|_| {
            let mut s = String::new();
            while s.chars().count() < 250 {
                s.push_str(PIECES[rng.next() % PIECES.len()]);
            }
            let cut = s.char_indices().nth(280).map(|(i, _)| i).unwrap_or(s.len());
            s.truncate(cut);
            Draft::new(s)
        })
        .collect()
}

fn percentiles(drafts: &[Draft], rules: &RuleSet) {
    let mut times: Vec<f64> = drafts
        .iter()
        .map(|d| {
            let t = Instant::now();
            black_box(review(black_box(d), rules));
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(|a, b| a.total_cmp(b));
    let p = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    let chars: usize = drafts.iter().map(|d| d.text.chars().count()).sum();
    println!(
        "review per draft over {} drafts (mean {} chars): median {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        drafts.len(),
        chars / drafts.len(),
        p(0.5),
        p(0.9),
        p(0.99),
        p(1.0)
    );
}

fn bench(c: &mut Criterion) {
    let rules = RuleSet::builtin().expect("built-in rules");
    let drafts = corpus(20_000);
    percentiles(&drafts, &rules);

    let mut i = 0usize;
    c.bench_function("review/draft", |b| {
        b.iter(|| {
            i = (i + 1) % drafts.len();
            black_box(review(black_box(&drafts[i]), &rules))
        })
    });

    let jsonl: String = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| serde_json::json!({"id": i.to_string(), "text": d.text}).to_string() + "\n")
        .collect();
    let mut g = c.benchmark_group("check_jsonl");
    g.throughput(Throughput::Elements(drafts.len() as u64));
    g.sample_size(10);
    g.bench_function("20k", |b| b.iter(|| check_jsonl(jsonl.as_bytes(), &rules, &mut std::io::sink()).expect("check")));
    g.finish();
}

/// `unit` repeated up to `len` bytes.
fn repeated(unit: &str, len: usize) -> String {
    let mut s = unit.repeat(len / unit.len() + 1);
    s.truncate(len);
    s
}

fn adversarial(c: &mut Criterion) {
    let rules = RuleSet::builtin().expect("built-in rules");
    let units = [("mr-smith", "Mr. Smith "), ("phone", "555-201-8834 "), ("handle", "@a "), ("word", "x")];
    let mut g = c.benchmark_group("adversarial");
    g.sample_size(10);
    for (name, unit) in units {
        let at_limit = Draft::new(repeated(unit, MAX_DRAFT_BYTES));
        g.bench_function(format!("review_64k/{name}"), |b| b.iter(|| black_box(review(black_box(&at_limit), &rules))));
        g.bench_function(format!("check_text_64k/{name}"), |b| {
            b.iter(|| {
                let r = review(black_box(&at_limit), &rules);
                black_box(render_text("d", &at_limit.text, &r, false))
            })
        });
        let mega = Draft::new(repeated(unit, 1_000_000));
        g.bench_function(format!("review_1m/{name}"), |b| b.iter(|| black_box(review(black_box(&mega), &rules))));
    }
    g.finish();
}

criterion_group!(benches, bench, adversarial);
criterion_main!(benches);
