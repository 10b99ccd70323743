//! Horizontal bars for a ranking (categories, products, sellers): each label on its own line
//! above its bar, so long names stay readable on a narrow screen.

use std::fmt::Write;

use super::{Caption, Point, Scale, escape, is_empty, no_sales, open_svg, shorten};

const WIDTH: f64 = 400.0;
const LEFT: f64 = 8.0;
/// Room right of the longest bar for its value.
const RIGHT: f64 = 84.0;
const ROW: f64 = 36.0;
const TOP: f64 = 4.0;
const AXIS: f64 = 22.0;
const LABEL_CHARS: usize = 60;

/// A bar chart of `points` in the given order, or the "no sales" sentence when all are zero.
pub fn bar_chart(caption: Caption<'_>, points: &[Point]) -> String {
    if is_empty(points) {
        return no_sales();
    }
    let scale = Scale::up_to(points.iter().map(|p| p.value).max().unwrap_or(0));
    let plot = WIDTH - LEFT - RIGHT;
    let rows_end = TOP + ROW * points.len() as f64;
    let height = rows_end + AXIS;
    let mut out = String::new();
    open_svg(
        &mut out,
        caption,
        points,
        WIDTH as u32,
        height.ceil() as u32,
    );
    for tick in scale.ticks() {
        let x = LEFT + scale.place(tick, plot);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{TOP}\" x2=\"{x:.1}\" y2=\"{rows_end:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            rows_end + 15.0,
            escape(&caption.measure.axis(tick)),
        );
    }
    for (i, point) in points.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let width = scale.place(point.value, plot);
        let value = caption.measure.format(point.value);
        let _ = write!(
            out,
            "<text class=\"label\" x=\"{LEFT}\" y=\"{:.1}\">{}</text>\
             <rect class=\"bar\" x=\"{LEFT}\" y=\"{:.1}\" width=\"{width:.1}\" height=\"14\">\
             <title>{}: {}</title></rect>\
             <text class=\"value\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y + 13.0,
            escape(&shorten(&point.label, LABEL_CHARS)),
            y + 17.0,
            escape(&point.label),
            escape(&value),
            LEFT + width + 4.0,
            y + 29.0,
            escape(&value),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::super::Measure;
    use super::*;

    fn caption() -> Caption<'static> {
        Caption {
            id: "top",
            title: "Top <products>",
            measure: Measure::Money,
        }
    }

    #[test]
    fn one_bar_per_point_longest_for_the_highest() {
        let svg = bar_chart(
            caption(),
            &[Point::new("A & B", 30_000), Point::new("<script>", 15_000)],
        );
        assert_eq!(svg.matches("<svg").count(), 1);
        assert_eq!(svg.matches("class=\"bar\"").count(), 2);
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("<title id=\"top-title\">Top &lt;products&gt;</title>"));
        assert!(svg.contains("A &amp; B") && svg.contains("&lt;script&gt;"));
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("$300.00") && svg.contains("$150.00"));
        // The scale tops out at $300 (step $100): the first bar fills the plot, the second half.
        assert!(svg.contains("width=\"308.0\"") && svg.contains("width=\"154.0\""));
        assert!(svg.ends_with("</svg>"));
    }
}
