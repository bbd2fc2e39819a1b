//! The report's four charts, drawn with plotters on any backend: the bitmap
//! backend for the PNG (encoded by `image`), the SVG backend for the HTML.
//!
//! Text is drawn with the bundled DejaVu Sans (`assets/fonts/`, Bitstream
//! Vera licence beside it) through ab_glyph: no system font library, no
//! fontconfig, the same glyphs on every machine. Stored text (a category
//! someone wrote into the log) goes through [`super::printable`] first.

use super::{human_duration, printable, DayCounts, Report, ReportError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use std::sync::OnceLock;

/// DejaVu Sans 2.37 (Debian's fonts-dejavu-core).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// The PNG's size: four panels of 700 x 475 under a title line.
pub const PNG_SIZE: (u32, u32) = (1400, 1000);
/// Each SVG chart's size.
pub const SVG_SIZE: (u32, u32) = (720, 460);

const OK: RGBColor = RGBColor(46, 160, 67);
const REVISE: RGBColor = RGBColor(219, 171, 9);
const BLOCK: RGBColor = RGBColor(207, 34, 46);
const FINDING: RGBColor = RGBColor(9, 105, 218);
const MEDIAN: RGBColor = RGBColor(9, 105, 218);
const P90: RGBColor = RGBColor(130, 80, 223);
const OURS: RGBColor = RGBColor(9, 105, 218);
const RECOMMENDED: RGBColor = RGBColor(175, 184, 193);

fn font_registered() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ReportError::Draw("the bundled font does not load".into()))
    }
}

fn draw_err(e: impl std::fmt::Display) -> ReportError {
    ReportError::Draw(e.to_string())
}

/// The four charts in one PNG under a title line.
pub fn png(r: &Report) -> Result<Vec<u8>, ReportError> {
    font_registered()?;
    let (w, h) = PNG_SIZE;
    let mut buf = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (title, body) = root.split_vertically(50);
        let heading = format!(
            "SafeTweet review report, {} to {} (UTC): {} drafts, {} records",
            r.period.since.format("%Y-%m-%d"),
            r.period.until.min(r.generated_at).format("%Y-%m-%d"),
            r.drafts(),
            r.records_in_period()
        );
        title.draw(&Text::new(heading, (20, 14), (FAMILY, 24).into_font())).map_err(draw_err)?;
        let panels = body.split_evenly((2, 2));
        per_day(&panels[0], r)?;
        findings(&panels[1], r)?;
        decision_times(&panels[2], r)?;
        content_mix(&panels[3], r)?;
        root.present().map_err(draw_err)?;
    }
    let img = image::RgbImage::from_raw(w, h, buf).ok_or_else(|| ReportError::Encode("buffer size".into()))?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| ReportError::Encode(e.to_string()))?;
    Ok(out.into_inner())
}

/// Each chart as an SVG document (for inlining in the HTML), in the order
/// per day, findings, decision times, content mix.
pub fn svgs(r: &Report) -> Result<Vec<String>, ReportError> {
    font_registered()?;
    Ok(vec![
        svg(|a| per_day(a, r))?,
        svg(|a| findings(a, r))?,
        svg(|a| decision_times(a, r))?,
        svg(|a| content_mix(a, r))?,
    ])
}

fn svg(draw: impl Fn(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), ReportError>) -> Result<String, ReportError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SVG_SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        draw(&root)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Stacked bars: drafts submitted per UTC day, by verdict.
fn per_day<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Report) -> Result<(), ReportError> {
    let days = &r.per_day;
    let n = days.len().max(1);
    let max = days.iter().map(DayCounts::total).max().unwrap_or(0).max(1) as u32;
    let mut chart = ChartBuilder::on(area)
        .caption("Drafts per day by verdict", (FAMILY, 20))
        .margin(14)
        .x_label_area_size(34)
        .y_label_area_size(46)
        .build_cartesian_2d((0u32..n as u32).into_segmented(), 0u32..max + max.div_ceil(5))
        .map_err(draw_err)?;
    let label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
            days.get(*i as usize).map(|d| d.day.format("%m-%d").to_string()).unwrap_or_default()
        }
        SegmentValue::Last => String::new(),
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n.min(10))
        .x_label_formatter(&label)
        .y_desc("drafts submitted")
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(draw_err)?;
    type Count = fn(&DayCounts) -> usize;
    let layers: [(&str, RGBColor, Count, Count); 3] = [
        ("ok", OK, |_| 0, |d| d.ok),
        ("revise", REVISE, |d| d.ok, |d| d.ok + d.revise),
        ("block", BLOCK, |d| d.ok + d.revise, DayCounts::total),
    ];
    for (name, colour, below, top) in layers {
        let bars: Vec<Rectangle<(SegmentValue<u32>, u32)>> = days
            .iter()
            .enumerate()
            .filter(|(_, d)| top(d) > below(d))
            .map(|(i, d)| {
                let x = i as u32;
                let margin = if n > 60 { 0 } else { 3 };
                let mut bar = Rectangle::new(
                    [(SegmentValue::Exact(x), below(d) as u32), (SegmentValue::Exact(x + 1), top(d) as u32)],
                    colour.filled(),
                );
                bar.set_margin(0, 0, margin, margin);
                bar
            })
            .collect();
        chart
            .draw_series(bars)
            .map_err(draw_err)?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled()));
    }
    legend(&mut chart)
}

fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> Result<(), ReportError> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(208, 215, 222))
        .label_font((FAMILY, 13))
        .draw()
        .map_err(draw_err)
}

/// Horizontal bars: one row per label (first at the top), one bar per
/// series in each row.
struct Bars<'a> {
    title: &'a str,
    x_desc: &'a str,
    rows: Vec<String>,
    series: Vec<(&'a str, RGBColor, Vec<f64>)>,
    /// The text printed at a bar's end.
    value_label: &'a dyn Fn(f64) -> String,
}

fn bars<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, b: &Bars<'_>) -> Result<(), ReportError> {
    let n = b.rows.len().max(1);
    let k = b.series.len().max(1);
    let m = (n * k) as u32;
    let max = b.series.iter().flat_map(|(_, _, v)| v.iter().copied()).fold(0.0, f64::max);
    let x_max = if max > 0.0 { max * 1.25 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(b.title, (FAMILY, 20))
        .margin(14)
        .x_label_area_size(34)
        .y_label_area_size(130)
        .build_cartesian_2d(0f64..x_max, (0u32..m).into_segmented())
        .map_err(draw_err)?;
    // Sub-row j (row j / k, series j % k) sits at position m - 1 - j: the
    // first row at the top. A row's label goes on its first sub-row.
    let rows = &b.rows;
    let row_label = |v: &SegmentValue<u32>| match v {
        SegmentValue::CenterOf(p) | SegmentValue::Exact(p) if *p < m => {
            let j = (m - 1 - p) as usize;
            if j % k == 0 {
                rows.get(j / k).map(|s| format!("{}  ", printable(s))).unwrap_or_default()
            } else {
                String::new()
            }
        }
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .set_tick_mark_size(LabelAreaPosition::Left, 0)
        .y_labels(m as usize)
        .y_label_formatter(&row_label)
        .x_label_formatter(&|v| (b.value_label)(*v))
        .x_labels(6)
        .x_desc(b.x_desc)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 14))
        .draw()
        .map_err(draw_err)?;
    let gap = if k > 1 { 1 } else { 4 };
    for (s, (name, colour, values)) in b.series.iter().enumerate() {
        let colour = *colour;
        let place = |i: usize| m - 1 - (i * k + s) as u32;
        let rects = values.iter().enumerate().map(|(i, v)| {
            let p = place(i);
            let mut bar =
                Rectangle::new([(0.0, SegmentValue::Exact(p)), (*v, SegmentValue::Exact(p + 1))], colour.filled());
            bar.set_margin(gap, gap, 0, 0);
            bar
        });
        let anno = chart.draw_series(rects).map_err(draw_err)?;
        if b.series.len() > 1 {
            anno.label(*name).legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], colour.filled()));
        }
        let texts = values.iter().enumerate().filter(|(_, v)| **v > 0.0).map(|(i, v)| {
            Text::new(
                format!(" {}", (b.value_label)(*v)),
                (*v, SegmentValue::CenterOf(place(i))),
                TextStyle::from((FAMILY, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        });
        chart.draw_series(texts).map_err(draw_err)?;
    }
    if b.series.len() > 1 {
        legend(&mut chart)?;
    }
    Ok(())
}

fn findings<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Report) -> Result<(), ReportError> {
    bars(
        area,
        &Bars {
            title: "Findings by category",
            x_desc: "findings in reviews",
            rows: r.findings.iter().map(|c| c.category.clone()).collect(),
            series: vec![("findings", FINDING, r.findings.iter().map(|c| c.count as f64).collect())],
            value_label: &|v| format!("{v:.0}"),
        },
    )
}

fn decision_times<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Report) -> Result<(), ReportError> {
    let hours = |s: Option<i64>| s.unwrap_or(0).max(0) as f64 / 3600.0;
    bars(
        area,
        &Bars {
            title: "Time from submission to decision",
            x_desc: "hours",
            rows: r.decision_times.iter().map(|d| format!("{} ({})", d.decision, d.count)).collect(),
            series: vec![
                ("median", MEDIAN, r.decision_times.iter().map(|d| hours(d.median_seconds)).collect()),
                ("p90", P90, r.decision_times.iter().map(|d| hours(d.p90_seconds)).collect()),
            ],
            value_label: &|h| if h == 0.0 { "0".into() } else { human_duration((h * 3600.0).round() as i64) },
        },
    )
}

fn content_mix<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, r: &Report) -> Result<(), ReportError> {
    bars(
        area,
        &Bars {
            title: "Content mix of approved posts",
            x_desc: "% of approved posts",
            rows: r.content_mix.iter().map(|m| m.kind.label().to_string()).collect(),
            series: vec![
                ("ours", OURS, r.content_mix.iter().map(|m| m.share * 100.0).collect()),
                ("recommended", RECOMMENDED, r.content_mix.iter().map(|m| m.recommended * 100.0).collect()),
            ],
            value_label: &|v| format!("{v:.0}%"),
        },
    )
}
