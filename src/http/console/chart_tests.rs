use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::{nice_ceiling, positions, render, Series, BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH};

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
        .single()
        .expect("a valid instant")
        + TimeDelta::minutes(minutes)
}

#[test]
fn axis_tops_are_round_numbers_at_or_above_the_highest_value() {
    for (max, top) in [
        (0.0, 1.0),
        (0.4, 1.0),
        (1.5, 2.0),
        (3.0, 5.0),
        (7.0, 10.0),
        (10.0, 10.0),
        (212.0, 500.0),
        (1999.0, 2000.0),
        (f64::NAN, 1.0),
    ] {
        assert_eq!(nice_ceiling(max), top, "{max}");
    }
}

#[test]
fn points_span_the_plot_left_to_right_and_zero_to_the_top() {
    let points = [(t(0), 0.0), (t(30), 50.0), (t(60), 100.0)];
    let at = positions(&points, 100.0);
    assert_eq!(at[0], (LEFT, HEIGHT - BOTTOM));
    assert_eq!(at[2], (WIDTH - RIGHT, TOP));
    let middle = LEFT + (WIDTH - LEFT - RIGHT) / 2.0;
    assert!((at[1].0 - middle).abs() < 1e-9, "{:?}", at[1]);
    assert!((at[1].1 - (TOP + (HEIGHT - BOTTOM - TOP) / 2.0)).abs() < 1e-9);
}

#[test]
fn an_empty_history_draws_axes_and_says_there_is_nothing_yet() {
    let chart = render(&Series {
        title: "Calls per minute",
        points: &[],
    });
    assert_eq!(chart.summary, "Calls per minute: not enough samples yet.");
    assert!(
        chart.svg.starts_with("<svg class=\"chart\""),
        "{}",
        chart.svg
    );
    assert!(chart.svg.contains("role=\"img\""), "{}", chart.svg);
    assert!(chart.svg.contains("aria-label=\"Calls per minute\""));
    assert!(chart.svg.contains("<title>Calls per minute</title>"));
    assert!(chart.svg.contains(">Not enough samples yet</text>"));
    assert!(!chart.svg.contains("<polyline"), "{}", chart.svg);
    assert!(chart.svg.ends_with("</svg>"));
}

#[test]
fn one_sample_is_a_dot_at_the_right_edge_with_its_time() {
    let chart = render(&Series {
        title: "Converged agents",
        points: &[(t(5), 14.0)],
    });
    assert_eq!(
        chart.summary,
        "Converged agents: one sample, 14 at 09:05 UTC."
    );
    assert!(
        chart.svg.contains(&format!(
            "<circle class=\"dot\" cx=\"{:.1}\"",
            WIDTH - RIGHT
        )),
        "{}",
        chart.svg
    );
    assert!(chart.svg.contains(">09:05 UTC</text>"), "{}", chart.svg);
    assert!(!chart.svg.contains("<polyline"), "{}", chart.svg);
}

#[test]
fn a_series_is_a_line_with_its_scale_times_and_numbers_in_words() {
    let points = [(t(0), 10.0), (t(1), 212.0), (t(2), 180.0)];
    let chart = render(&Series {
        title: "Calls per minute",
        points: &points,
    });
    assert_eq!(
        chart.summary,
        "Calls per minute: 3 samples from 09:00 to 09:02 UTC; lowest 10, highest 212, latest 180."
    );
    assert!(chart.svg.contains("<polyline class=\"line\" points=\""));
    assert!(
        chart.svg.contains("text-anchor=\"end\">500</text>"),
        "{}",
        chart.svg
    );
    assert!(chart.svg.contains("text-anchor=\"end\">0</text>"));
    assert!(chart.svg.contains(">09:00</text>") && chart.svg.contains(">09:02 UTC</text>"));
    assert!(
        !chart.svg.contains("style="),
        "the CSP forbids inline styles"
    );
}

#[test]
fn the_title_is_escaped() {
    let chart = render(&Series {
        title: "<b>\"x\" & y</b>",
        points: &[],
    });
    assert!(chart
        .svg
        .contains("<title>&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;</title>"));
    assert!(!chart.svg.contains("<b>"));
}
