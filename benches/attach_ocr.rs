//! Reading attachments (issue 8): the time to read one 1000x1000 screenshot
//! (decode, scale, every OCR pass Tesseract makes, keep the best), a film
//! with corner text and a dark monitor screen, and the same screenshot with
//! OCR unavailable (decoding and metadata only, the adapter's own cost).
//!
//! `cargo bench --bench attach_ocr`. Needs Tesseract (`apt-get install
//! tesseract-ocr tesseract-ocr-eng`); without it only the no-OCR case runs.
//! The bot's reply latency with one image attached is in `bot_latency`.

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

use criterion::{criterion_group, criterion_main, Criterion};
use safetweet::attach::{Inspector, Limits};
use std::time::Duration;

fn ocr(c: &mut Criterion) {
    let screenshot = fixtures::png(&fixtures::screenshot(1000, 1000));
    let film = fixtures::png(&fixtures::film(1000));
    let monitor = fixtures::png(&fixtures::monitor(1000, 1000));
    let mut g = c.benchmark_group("attach");
    g.sample_size(10).measurement_time(Duration::from_secs(20)).warm_up_time(Duration::from_secs(2));
    let inspector = Inspector::from_env(Limits::default());
    match inspector.ocr() {
        Ok(t) => {
            println!("OCR: {}", t.version());
            for (name, bytes) in [("screenshot_1000", &screenshot), ("film_1000", &film), ("monitor_1000", &monitor)] {
                let x = inspector.inspect(bytes);
                assert!(x.not_checked.is_empty() && !x.texts.is_empty(), "{name}: {x:?}");
                g.bench_function(format!("ocr/{name}"), |b| b.iter(|| inspector.inspect(bytes)));
            }
        }
        Err(why) => eprintln!("\n!!!!! SKIPPED the OCR benchmarks: no Tesseract ({why}) !!!!!\n"),
    }
    let no_ocr = Inspector::new(Limits::default(), std::path::Path::new("/nonexistent/tesseract"));
    g.bench_function("decode_only/screenshot_1000", |b| b.iter(|| no_ocr.inspect(&screenshot)));
    g.finish();
}

criterion_group!(benches, ocr);
criterion_main!(benches);
