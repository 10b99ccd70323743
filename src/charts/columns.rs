//! Vertical columns for a time series (sales per day, week or month), oldest on the left.

use std::fmt::Write;

use super::{Caption, Point, Scale, escape, is_empty, no_sales, open_svg, shorten};

const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 220.0;
/// Room left of the plot for the value axis labels.
const LEFT: f64 = 64.0;
/// Room right of the plot so the last date label is not cut.
const RIGHT: f64 = 30.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 180.0;
/// Date labels under the axis: at most this many, evenly spread, so they never overlap.
const MAX_LABELS: usize = 4;

/// A column chart of `points` in order, or the "no sales" sentence when all are zero.
pub fn column_chart(caption: Caption<'_>, points: &[Point]) -> String {
    if is_empty(points) {
        return no_sales();
    }
    let scale = Scale::up_to(points.iter().map(|p| p.value).max().unwrap_or(0));
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = BOTTOM - TOP;
    let slot = plot_width / points.len() as f64;
    let mut out = String::new();
    open_svg(&mut out, caption, points, WIDTH as u32, HEIGHT as u32);
    for tick in scale.ticks() {
        let y = BOTTOM - scale.place(tick, plot_height);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            LEFT + plot_width,
            LEFT - 4.0,
            y + 4.0,
            escape(&caption.measure.axis(tick)),
        );
    }
    let every = points.len().div_ceil(MAX_LABELS);
    for (i, point) in points.iter().enumerate() {
        let height = scale.place(point.value, plot_height);
        let x = LEFT + slot * i as f64;
        let _ = write!(
            out,
            "<rect class=\"bar\" x=\"{:.2}\" y=\"{:.1}\" width=\"{:.2}\" height=\"{height:.1}\">\
             <title>{}: {}</title></rect>",
            x + slot * 0.1,
            BOTTOM - height,
            slot * 0.8,
            escape(&point.label),
            escape(&caption.measure.format(point.value)),
        );
        if i % every == 0 {
            let _ = write!(
                out,
                "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + slot / 2.0,
                BOTTOM + 16.0,
                escape(&shorten(&point.label, 12)),
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::Measure;
    use super::*;

    #[test]
    fn one_column_per_point_with_at_most_four_date_labels() {
        let points: Vec<Point> = (1..=31)
            .map(|day| Point::new(format!("2026-03-{day:02}"), i64::from(day % 3)))
            .collect();
        let caption = Caption {
            id: "daily",
            title: "Orders per day",
            measure: Measure::Count,
        };
        let svg = column_chart(caption, &points);
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("class=\"bar\"").count(), 31);
        assert!(svg.matches("text-anchor=\"middle\">2026-03-").count() <= MAX_LABELS);
        assert!(svg.contains("aria-labelledby=\"daily-title daily-desc\""));
        assert!(svg.contains("31 bars; highest 2 (2026-03-02); total 31."));
        // Zero days still have their (empty) column, so the columns line up with the table.
        assert!(svg.contains("height=\"0.0\""));
    }
}
