//! Line charts as SVG text (plotters' SVG backend: no system fonts needed).

use plotters::prelude::*;
use thiserror::Error;

/// A drawing failure (plotters' own error, as text).
#[derive(Debug, Error)]
#[error("cannot draw the chart '{title}': {reason}")]
pub struct PlotError {
    title: String,
    reason: String,
}

/// One curve: `(x, y)` points joined in order. Non-finite points are skipped.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text.
    pub label: String,
    /// The points.
    pub points: Vec<(f64, f64)>,
}

/// A horizontal reference line, such as a theoretical bound.
#[derive(Clone, Debug)]
pub struct Level {
    /// Legend text.
    pub label: String,
    /// Where the line sits.
    pub y: f64,
}

/// A chart of curves and reference lines on shared axes.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Caption above the plot.
    pub title: String,
    /// Horizontal axis name.
    pub x_label: String,
    /// Vertical axis name.
    pub y_label: String,
    /// The curves.
    pub series: Vec<Series>,
    /// The reference lines.
    pub levels: Vec<Level>,
    /// Plot `y` on a logarithmic scale (non-positive values are skipped).
    pub log_y: bool,
    /// Plot `x` on a logarithmic scale (non-positive values are skipped).
    pub log_x: bool,
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];
const LEVEL_COLOUR: RGBColor = RGBColor(120, 120, 120);

impl Chart {
    /// An empty chart with a title and axis names.
    pub fn new(title: impl Into<String>, x_label: impl Into<String>, y_label: impl Into<String>) -> Self {
        Chart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            ..Chart::default()
        }
    }

    /// Adds a curve.
    pub fn series(mut self, label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        self.series.push(Series {
            label: label.into(),
            points,
        });
        self
    }

    /// Adds a horizontal reference line.
    pub fn level(mut self, label: impl Into<String>, y: f64) -> Self {
        self.levels.push(Level { label: label.into(), y });
        self
    }

    /// Switches the vertical axis to a logarithmic scale.
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }

    /// Switches the horizontal axis to a logarithmic scale.
    pub fn log_x(mut self) -> Self {
        self.log_x = true;
        self
    }

    /// The chart as an SVG document of 800 x 500 pixels.
    pub fn to_svg(&self) -> Result<String, PlotError> {
        stacked_svg(std::slice::from_ref(self))
    }

    /// Maps a data value to the plotted coordinate (log10 on a log axis).
    fn plotted(&self, y: f64) -> Option<f64> {
        axis_coordinate(y, self.log_y)
    }

    /// Maps an `x` value to the plotted coordinate (log10 on a log axis).
    fn plotted_x(&self, x: f64) -> Option<f64> {
        axis_coordinate(x, self.log_x)
    }

    fn error(&self, reason: impl ToString) -> PlotError {
        PlotError {
            title: self.title.clone(),
            reason: reason.to_string(),
        }
    }
}

/// `value`, or its log10 on a log axis; `None` where it cannot be plotted
/// (not finite, or not positive on a log axis).
fn axis_coordinate(value: f64, log: bool) -> Option<f64> {
    match log {
        true if value > 0.0 && value.is_finite() => Some(value.log10()),
        true => None,
        false if value.is_finite() => Some(value),
        false => None,
    }
}

/// Several charts stacked vertically in one SVG document, 800 pixels wide
/// and 500 (one chart) or 350 (each of several) pixels tall per chart.
pub fn stacked_svg(charts: &[Chart]) -> Result<String, PlotError> {
    let panel_height = if charts.len() > 1 { 350 } else { 500 };
    let height = panel_height * charts.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, height)).into_drawing_area();
        let first = charts.first().cloned().unwrap_or_default();
        root.fill(&WHITE).map_err(|e| first.error(e))?;
        for (area, chart) in root.split_evenly((charts.len().max(1), 1)).iter().zip(charts) {
            draw(area, chart).map_err(|e| chart.error(e))?;
        }
        root.present().map_err(|e| first.error(e))?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn draw(area: &Area<'_>, chart: &Chart) -> Result<(), Box<dyn std::error::Error>> {
    let xs = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let ys = chart
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(chart.levels.iter().map(|l| l.y))
        .filter_map(|y| chart.plotted(y));
    let (x_lo, x_hi) = padded_range(xs.filter_map(|x| chart.plotted_x(x)), 0.0);
    let (y_lo, y_hi) = padded_range(ys, 0.05);

    let log_y = chart.log_y;
    let mut context = ChartBuilder::on(area)
        .caption(&chart.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    let x_log_label = |x: &f64| tick_label(*x, true);
    let y_label = |y: &f64| tick_label(*y, log_y);
    let mut mesh = context.configure_mesh();
    mesh.x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .y_label_formatter(&y_label);
    if chart.log_x {
        mesh.x_label_formatter(&x_log_label);
    }
    mesh.draw()?;

    for level in &chart.levels {
        let Some(y) = chart.plotted(level.y) else { continue };
        context
            .draw_series(LineSeries::new([(x_lo, y), (x_hi, y)], LEVEL_COLOUR.stroke_width(1)))?
            .label(&level.label)
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], LEVEL_COLOUR));
    }
    for (k, series) in chart.series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let plotted = series
            .points
            .iter()
            .filter_map(|&(x, y)| Some((chart.plotted_x(x)?, chart.plotted(y)?)));
        // A point on the pixel of the one before it draws nothing: a long
        // run's curve (3,000 epochs on 700 pixels) keeps only the points
        // that move the line, and the file shrinks with it.
        let mut last_pixel = None;
        let points: Vec<_> = plotted
            .filter(|point| {
                let pixel = Some(context.backend_coord(point));
                let moved = pixel != last_pixel;
                last_pixel = pixel;
                moved
            })
            .collect();
        context
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))?
            .label(&series.label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    context
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()?;
    Ok(())
}

/// The smallest and largest value, widened by `pad` of the span (and to a
/// unit interval when all values coincide or there are none).
fn padded_range(values: impl Iterator<Item = f64>, pad: f64) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 * lo.abs().max(1.0) {
        return (lo - 0.5, hi + 0.5);
    }
    let margin = (hi - lo) * pad;
    (lo - margin, hi + margin)
}

/// A tick label: the value itself, or `10^y` on a log axis, with four
/// significant digits.
fn tick_label(y: f64, log_y: bool) -> String {
    let value = if log_y { 10f64.powf(y) } else { y };
    if value != 0.0 && (value.abs() >= 1e4 || value.abs() < 1e-3) {
        format!("{value:.2e}")
    } else {
        let text = format!("{value:.4}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_curves_levels_and_labels() {
        let svg = Chart::new("loss", "epoch", "||A - UVᵀ||_F")
            .series(
                "gradient descent",
                vec![(1.0, 9.0), (2.0, 7.2), (3.0, f64::NAN), (4.0, 7.16)],
            )
            .level("SVD bound 3.9024", 3.9024)
            .to_svg()
            .unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("gradient descent"));
        assert!(svg.contains("SVD bound 3.9024"));
        assert!(svg.contains("epoch"));
        assert!(!svg.contains("NaN"));
    }

    /// The `points` of each polyline in `svg` (the series and the legend's
    /// swatches), as (x, y) pixels.
    fn polylines(svg: &str) -> Vec<Vec<(i32, i32)>> {
        svg.split("<polyline")
            .skip(1)
            .map(|line| {
                let points = line
                    .split("points=\"")
                    .nth(1)
                    .and_then(|p| p.split('"').next())
                    .unwrap_or("");
                points
                    .split_whitespace()
                    .map(|pair| {
                        let (x, y) = pair.split_once(',').expect("x,y");
                        (x.parse().expect("x"), y.parse().expect("y"))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_long_curve_keeps_only_the_points_that_move_the_line() {
        // 3,000 epochs on about 700 pixels: many land on the pixel of the one
        // before; those are dropped, the first and the last are kept.
        let points: Vec<(f64, f64)> = (0..3000).map(|k| (k as f64, 1.0 / (1.0 + k as f64))).collect();
        let svg = Chart::new("loss", "epoch", "loss")
            .series("loss", points)
            .to_svg()
            .unwrap();
        let curve = polylines(&svg).into_iter().max_by_key(Vec::len).expect("the curve");
        assert!(curve.len() > 100 && curve.len() < 3000, "{} points", curve.len());
        assert!(
            curve.windows(2).all(|pair| pair[0] != pair[1]),
            "a point repeats its predecessor"
        );
        let xs: Vec<i32> = curve.iter().map(|p| p.0).collect();
        assert!(xs.windows(2).all(|pair| pair[0] <= pair[1]));
        assert!(
            xs[xs.len() - 1] - xs[0] > 600,
            "the curve spans the plot: {:?}",
            (xs[0], xs[xs.len() - 1])
        );
    }

    #[test]
    fn stacks_panels_and_survives_empty_and_log_charts() {
        let loss = Chart::new("training loss", "epoch", "loss")
            .series("loss", vec![(1.0, 1.0), (2.0, 0.1)])
            .log_y();
        let empty = Chart::new("nothing yet", "epoch", "accuracy");
        let svg = stacked_svg(&[loss, empty]).unwrap();
        assert!(svg.contains("height=\"700\""), "{}", &svg[..120]);
        assert!(svg.contains("training loss") && svg.contains("nothing yet"));
    }

    #[test]
    fn a_log_log_chart_labels_its_decades() {
        let svg = Chart::new("error against step", "step h", "error")
            .series("error", vec![(1e-1, 2.0), (1e-6, 1.0), (1e-12, 50.0), (0.0, 1.0)])
            .log_x()
            .log_y()
            .to_svg()
            .unwrap();
        // The y values lie in [1, 50], so a label 1.00e-6 is on the x axis.
        assert!(svg.contains("1.00e-6"), "the x axis shows powers of ten");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn tick_labels_are_short() {
        assert_eq!(tick_label(3.5, false), "3.5");
        assert_eq!(tick_label(2.0, true), "100");
        assert_eq!(tick_label(1e-5, false), "1.00e-5");
        assert_eq!(tick_label(0.0, false), "0");
    }
}
