//! `storyline bench --plot FILE.svg`: the timings against corpus size, log-log, as SVG.
//!
//! plotters' SVG backend writes text as `<text>` elements, so no font library is needed: the
//! crate is used without default features (no bitmap backend, no system fonts).

use std::path::Path;

use anyhow::{Result, anyhow};
use std::ops::Range;

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::run::BenchRow;

/// The drawing's size in pixels.
const SIZE: (u32, u32) = (960, 640);

/// One plotted figure: its legend and how to read it from a row.
struct Series {
    label: &'static str,
    color: RGBColor,
    value: fn(&BenchRow) -> f64,
}

const SERIES: [Series; 4] = [
    Series {
        label: "index build (s)",
        color: RGBColor(31, 119, 180),
        value: |r| r.index_s,
    },
    Series {
        label: "batch, every list (s)",
        color: RGBColor(214, 39, 40),
        value: |r| r.batch_s,
    },
    Series {
        label: "search p99 (ms)",
        color: RGBColor(44, 160, 44),
        value: |r| r.search_p99_ms,
    },
    Series {
        label: "related p99 (ms)",
        color: RGBColor(148, 103, 189),
        value: |r| r.related_p99_ms,
    },
];

/// Writes the plot of `rows` to `path` (a temporary file renamed into place).
pub fn write_svg(path: &Path, rows: &[BenchRow]) -> Result<()> {
    let svg = render(rows)?;
    storyline_story::write_atomically(path, |w| w.write_all(svg.as_bytes()))?;
    Ok(())
}

/// A story count as the axis shows it, to three significant digits: 2k, 8.98k, 113k, 1M.
fn count_label(n: f64) -> String {
    let (value, suffix) = if n >= 1e6 {
        (n / 1e6, "M")
    } else if n >= 1e3 {
        (n / 1e3, "k")
    } else {
        (n, "")
    };
    let decimals = if value >= 100.0 {
        0
    } else if value >= 10.0 {
        1
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    format!("{text}{suffix}")
}

/// A number rounded to three significant digits, written shortest: 0.05, 2, 100.
fn trim(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let scale = 10f64.powi(2 - v.abs().log10().floor() as i32);
    format!("{}", (v * scale).round() / scale)
}

/// An axis over base-10 logarithms, ticked exactly at the given (logarithm) values.
struct LogAxis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
}

impl LogAxis {
    /// The axis from `lo` to `hi` (values, not logarithms), ticked at `ticks` (values).
    fn new(lo: f64, hi: f64, ticks: &[f64]) -> Self {
        Self {
            linear: (lo.log10()..hi.log10()).into(),
            ticks: ticks.iter().map(|v| v.log10()).collect(),
        }
    }
}

impl Ranged for LogAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

/// Tick values for a log axis over `lo..hi`: 1, 2 and 5 times the powers of ten in the range
/// (only the powers when those are too many), or the ends when the range holds none.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut ticks = Vec::new();
    for multiples in [&[1.0, 2.0, 5.0][..], &[1.0][..]] {
        ticks.clear();
        let mut decade = 10f64.powf(lo.log10().floor());
        while decade <= hi {
            for m in multiples {
                let v = decade * m;
                if v >= lo && v <= hi {
                    ticks.push(v);
                }
            }
            decade *= 10.0;
        }
        if ticks.len() <= 12 {
            break;
        }
    }
    if ticks.is_empty() {
        ticks = vec![lo, hi];
    }
    ticks
}

/// The lowest and highest of `values` widened by the factor `pad`; (1, 10) for none.
fn padded_range(values: &[f64], pad: f64) -> (f64, f64) {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() && hi.is_finite() {
        (lo / pad, hi * pad)
    } else {
        (1.0, 10.0)
    }
}

/// The SVG text of the plot. Both axes are logarithmic: the chart's coordinates are the
/// base-10 logarithms, ticked at the corpus sizes (x) and at 1, 2, 5 × 10^k (y). Synthetic
/// corpora are drawn as lines through circles, real archives as crosses in the same colours.
fn render(rows: &[BenchRow]) -> Result<String> {
    let values: Vec<f64> = rows
        .iter()
        .flat_map(|r| SERIES.iter().map(move |s| (s.value)(r)))
        .filter(|v| *v > 0.0 && v.is_finite())
        .collect();
    let mut sizes: Vec<f64> = rows
        .iter()
        .map(|r| r.stories as f64)
        .filter(|v| *v > 0.0)
        .collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let (x_lo, x_hi) = padded_range(&sizes, 1.5);
    // sizes closer than a third of each other would print their labels on top of each other
    let mut ticked: Vec<f64> = Vec::new();
    for &size in &sizes {
        if ticked.last().is_none_or(|last| size / last > 1.33) {
            ticked.push(size);
        }
    }
    let sizes = ticked;
    let (y_lo, y_hi) = padded_range(&values, 2.0);
    // a decade of headroom above the data for the legend
    let y_hi = y_hi * 5.0;
    let draw_error = |e: &dyn std::fmt::Display| anyhow!("drawing the plot: {e}");

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Storyline: time against corpus size (log-log)",
                ("sans-serif", 24),
            )
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(
                LogAxis::new(x_lo, x_hi, &sizes),
                LogAxis::new(y_lo, y_hi, &log_ticks(y_lo, y_hi)),
            )
            .map_err(|e| draw_error(&e))?;
        chart
            .configure_mesh()
            .x_desc("stories")
            .y_desc("time (s or ms, see legend)")
            .x_label_formatter(&|x| count_label(10f64.powf(*x)))
            .y_label_formatter(&|y| trim(10f64.powf(*y)))
            .axis_desc_style(("sans-serif", 18))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| draw_error(&e))?;

        let synthetic: Vec<&BenchRow> = rows
            .iter()
            .filter(|r| r.corpus.starts_with("synthetic"))
            .collect();
        let archives: Vec<&BenchRow> = rows
            .iter()
            .filter(|r| !r.corpus.starts_with("synthetic"))
            .collect();
        for series in &SERIES {
            let color = series.color;
            let points = |rows: &[&BenchRow]| -> Vec<(f64, f64)> {
                rows.iter()
                    .map(|r| (r.stories as f64, (series.value)(r)))
                    .filter(|(x, y)| *x > 0.0 && *y > 0.0 && y.is_finite())
                    .map(|(x, y)| (x.log10(), y.log10()))
                    .collect()
            };
            let line = points(&synthetic);
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
                .map_err(|e| draw_error(&e))?
                .label(series.label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2))
                });
            chart
                .draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(|e| draw_error(&e))?;
            chart
                .draw_series(
                    points(&archives)
                        .into_iter()
                        .map(|p| Cross::new(p, 6, color.stroke_width(2))),
                )
                .map_err(|e| draw_error(&e))?;
        }
        if !archives.is_empty() {
            chart
                .draw_series(std::iter::empty::<Cross<(f64, f64), i32>>())
                .map_err(|e| draw_error(&e))?
                .label("real archives (crosses)")
                .legend(|(x, y)| Cross::new((x + 12, y), 5, BLACK.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| draw_error(&e))?;
        root.present().map_err(|e| draw_error(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_are_1_2_5_per_decade() {
        assert_eq!(
            log_ticks(0.03, 30.0),
            vec![0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
        );
        assert_eq!(log_ticks(3.0, 4.0), vec![3.0, 4.0]);
        assert_eq!(log_ticks(0.001, 1e6).len(), 10);
    }

    #[test]
    fn tick_values_read_short() {
        assert_eq!(trim(10f64.powf(0.05f64.log10())), "0.05");
        assert_eq!(trim(10f64.powf(100f64.log10())), "100");
        assert_eq!(trim(0.0002), "0.0002");
    }

    #[test]
    fn counts_read_as_people_write_them() {
        assert_eq!(count_label(2000.0), "2k");
        assert_eq!(count_label(113_412.0), "113k");
        assert_eq!(count_label(8_984.0), "8.98k");
        assert_eq!(count_label(500.0), "500");
        assert_eq!(count_label(1e6), "1M");
        assert_eq!(count_label(10f64.powf(20_000f64.log10())), "20k");
    }
}
