//! A line chart of one series over time as inline SVG, with a text alternative: a `<title>` and
//! an `aria-label` naming it, and a summary of its numbers for the page to put beside it. Pure: no clock, no IO.
//! Colours come from the stylesheet (classes), since the pages forbid inline styles.

use std::fmt::Write;

use chrono::{DateTime, Utc};

/// The drawing's size in SVG units; the stylesheet scales it to the page's width.
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 120.0;
/// Room for the value labels on the left and the time labels below.
const LEFT: f64 = 40.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 8.0;
const BOTTOM: f64 = 20.0;

/// A series to draw.
pub struct Series<'a> {
    /// What is measured, as a heading would say it ("Calls per minute").
    pub title: &'a str,
    /// Points, oldest first.
    pub points: &'a [(DateTime<Utc>, f64)],
}

/// A rendered chart.
pub struct Chart {
    /// The `<svg>` element, escaped and ready to embed.
    pub svg: String,
    /// The numbers in a sentence, for screen readers (and anyone who wants them).
    pub summary: String,
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `max` (and at least 1): an axis top a reader can
/// take in at a glance.
pub fn nice_ceiling(max: f64) -> f64 {
    if !max.is_finite() || max <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|step| step * magnitude)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * magnitude)
}

/// `text` safe inside SVG text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A value as labels and summaries show it: whole numbers without decimals.
fn number(value: f64) -> String {
    if (value - value.round()).abs() < 0.05 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.1}")
    }
}

fn clock(at: DateTime<Utc>) -> String {
    at.format("%H:%M").to_string()
}

/// What the chart shows, in words.
fn summarize(series: &Series<'_>) -> String {
    let (Some(first), Some(last)) = (series.points.first(), series.points.last()) else {
        return format!("{}: not enough samples yet.", series.title);
    };
    if series.points.len() == 1 {
        return format!(
            "{}: one sample, {} at {} UTC.",
            series.title,
            number(first.1),
            clock(first.0)
        );
    }
    let values = series.points.iter().map(|p| p.1);
    let low = values.clone().fold(f64::INFINITY, f64::min);
    let high = values.fold(f64::NEG_INFINITY, f64::max);
    format!(
        "{}: {} samples from {} to {} UTC; lowest {}, highest {}, latest {}.",
        series.title,
        series.points.len(),
        clock(first.0),
        clock(last.0),
        number(low),
        number(high),
        number(last.1)
    )
}

/// Where each point lies in the drawing: time left to right over the series' span (a single
/// point on the right edge), value bottom to top from 0 to `top`.
pub fn positions(points: &[(DateTime<Utc>, f64)], top: f64) -> Vec<(f64, f64)> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Vec::new();
    };
    let span = (last.0 - first.0).num_milliseconds() as f64;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    points
        .iter()
        .map(|(at, value)| {
            let x = if span > 0.0 {
                LEFT + plot_w * (*at - first.0).num_milliseconds() as f64 / span
            } else {
                LEFT + plot_w
            };
            let share = (value / top).clamp(0.0, 1.0);
            (x, TOP + plot_h * (1.0 - share))
        })
        .collect()
}

/// The chart of `series`.
pub fn render(series: &Series<'_>) -> Chart {
    let summary = summarize(series);
    let title = escape(series.title);
    let mut svg = String::new();
    // `write!` to a String cannot fail.
    let _ = write!(
        svg,
        "<svg class=\"chart\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{title}\" \
         xmlns=\"http://www.w3.org/2000/svg\"><title>{title}</title>"
    );
    let bottom = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{}\" y2=\"{bottom}\"/>",
        WIDTH - RIGHT
    );
    let top = nice_ceiling(series.points.iter().map(|p| p.1).fold(0.0, f64::max));
    let label_x = LEFT - 4.0;
    let _ = write!(
        svg,
        "<text class=\"tick\" x=\"{label_x}\" y=\"{}\" text-anchor=\"end\">{}</text>\
         <text class=\"tick\" x=\"{label_x}\" y=\"{bottom}\" text-anchor=\"end\">0</text>",
        TOP + 8.0,
        number(top)
    );
    let at = positions(series.points, top);
    match (series.points.first(), series.points.last()) {
        (Some(first), Some(last)) => {
            let time_y = HEIGHT - 4.0;
            if series.points.len() > 1 {
                let _ = write!(
                    svg,
                    "<text class=\"tick\" x=\"{LEFT}\" y=\"{time_y}\">{}</text>",
                    clock(first.0)
                );
            }
            let _ = write!(
                svg,
                "<text class=\"tick\" x=\"{}\" y=\"{time_y}\" text-anchor=\"end\">{} UTC</text>",
                WIDTH - RIGHT,
                clock(last.0)
            );
            if at.len() == 1 {
                let _ = write!(
                    svg,
                    "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"/>",
                    at[0].0, at[0].1
                );
            } else {
                let path: Vec<String> = at.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = write!(
                    svg,
                    "<polyline class=\"line\" points=\"{}\"/>",
                    path.join(" ")
                );
            }
        }
        _ => {
            let _ = write!(
                svg,
                "<text class=\"empty\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">Not enough samples yet</text>",
                LEFT + (WIDTH - LEFT - RIGHT) / 2.0,
                TOP + (bottom - TOP) / 2.0
            );
        }
    }
    svg.push_str("</svg>");
    Chart { svg, summary }
}

#[cfg(test)]
#[path = "chart_tests.rs"]
mod tests;
