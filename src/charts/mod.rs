//! Charts drawn on the server as SVG markup, so a report reads with JavaScript off and each
//! chart sits beside a table holding the same numbers.
//!
//! Every function here is pure: data in, markup out. Labels are escaped here (the markup is
//! put into pages unescaped); each chart is an image with a text summary (`role="img"`, a
//! `<title>` and a `<desc>` it is labelled by) and scales through its `viewBox`, so it fits a
//! phone screen as well as a desktop one. A chart with nothing to show is a sentence instead.

mod bars;
mod columns;

pub use bars::bar_chart;
pub use columns::column_chart;

use std::fmt::Write;

use crate::money::Money;

/// What the values of a chart count: it decides how axis labels and summaries read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Minor units, shown through `Money`'s own formatting.
    Money,
    /// Plain counts (orders, units).
    Count,
}

impl Measure {
    pub fn format(self, value: i64) -> String {
        match self {
            Measure::Money => Money::from_minor(value).to_string(),
            Measure::Count => value.to_string(),
        }
    }

    /// An axis label: as `format`, less the cents of a whole amount (ticks are round).
    pub fn axis(self, value: i64) -> String {
        let text = self.format(value);
        match text.strip_suffix(".00") {
            Some(whole) if self == Measure::Money => whole.to_owned(),
            _ => text,
        }
    }
}

/// One bar or column: its label and its value (in the chart's `Measure`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub label: String,
    pub value: i64,
}

impl Point {
    pub fn new(label: impl Into<String>, value: i64) -> Point {
        Point {
            label: label.into(),
            value,
        }
    }
}

/// What a chart is about: `id` names its title and description elements (unique on the
/// page), `title` is read first by a screen reader.
#[derive(Debug, Clone, Copy)]
pub struct Caption<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub measure: Measure,
}

/// The sentence shown in place of a chart with nothing to draw.
pub const NO_SALES: &str = "No sales in this period.";

/// The value axis: from zero up to `top` in `step`s of 1, 2 or 5 times a power of ten, about
/// four of them, so tick labels are round numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub top: i64,
    pub step: i64,
}

impl Scale {
    const TICKS: i64 = 4;

    /// The scale for values up to `max` (at least 1).
    pub fn up_to(max: i64) -> Scale {
        let max = max.max(1);
        let rough = (max - 1) / Self::TICKS + 1;
        let mut magnitude = 1i64;
        while magnitude.saturating_mul(10) <= rough {
            magnitude *= 10;
        }
        let step = [1, 2, 5, 10]
            .into_iter()
            .map(|m| magnitude.saturating_mul(m))
            .find(|step| *step >= rough)
            .unwrap_or(rough);
        let top = ((max - 1) / step + 1).saturating_mul(step);
        Scale { top, step }
    }

    /// The tick values, zero first and `top` last.
    pub fn ticks(self) -> Vec<i64> {
        (0..=self.top / self.step).map(|i| i * self.step).collect()
    }

    /// Where `value` falls along an axis `length` long (negative values sit at zero).
    pub fn place(self, value: i64, length: f64) -> f64 {
        value.clamp(0, self.top) as f64 * length / self.top as f64
    }
}

/// Text made safe for SVG element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `text`, an ellipsis marking a cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Whether a chart has anything to draw: no points, or only zeros, is "no sales".
fn is_empty(points: &[Point]) -> bool {
    points.iter().all(|p| p.value <= 0)
}

fn no_sales() -> String {
    format!("<p class=\"chart-empty\">{NO_SALES}</p>")
}

/// The summary a screen reader announces: how many points, the highest and the total.
fn summary(points: &[Point], measure: Measure) -> String {
    let total: i64 = points.iter().map(|p| p.value).sum();
    // The first of equal highest values: `max_by_key` keeps the last, so look from the end.
    let highest = points
        .iter()
        .rev()
        .max_by_key(|p| p.value)
        .map(|p| format!("; highest {} ({})", measure.format(p.value), p.label))
        .unwrap_or_default();
    format!(
        "{} bars{highest}; total {}. The table beside the chart lists every value.",
        points.len(),
        measure.format(total)
    )
}

/// The opening of a chart: the element, its title and its description.
fn open_svg(out: &mut String, caption: Caption<'_>, points: &[Point], width: u32, height: u32) {
    let id = escape(caption.id);
    let _ = write!(
        out,
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMinYMin meet\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(caption.title),
        escape(&summary(points, caption.measure)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_end_on_a_round_tick_above_the_highest_value() {
        assert_eq!(Scale::up_to(1), Scale { top: 1, step: 1 });
        assert_eq!(Scale::up_to(7), Scale { top: 8, step: 2 });
        assert_eq!(Scale::up_to(100), Scale { top: 100, step: 50 });
        assert_eq!(Scale::up_to(101), Scale { top: 150, step: 50 });
        assert_eq!(
            Scale::up_to(285_899),
            Scale {
                top: 300_000,
                step: 100_000
            }
        );
        assert_eq!(Scale::up_to(0), Scale { top: 1, step: 1 });
        assert!(Scale::up_to(i64::MAX).ticks().len() >= 2);
    }

    #[test]
    fn ticks_run_from_zero_to_the_top() {
        assert_eq!(Scale::up_to(7).ticks(), vec![0, 2, 4, 6, 8]);
        assert_eq!(Scale::up_to(42).ticks(), vec![0, 20, 40, 60]);
        for max in [1, 3, 9, 11, 99, 12_345, 9_999_999] {
            let scale = Scale::up_to(max);
            let ticks = scale.ticks();
            assert!(
                scale.top >= max && ticks.len() <= 6 && ticks.len() >= 2,
                "{max}: {ticks:?}"
            );
        }
    }

    #[test]
    fn places_are_proportional_and_clamped() {
        let scale = Scale::up_to(100);
        assert_eq!(scale.place(50, 200.0), 100.0);
        assert_eq!(scale.place(-5, 200.0), 0.0);
        assert_eq!(scale.place(500, 200.0), 200.0);
    }

    #[test]
    fn labels_are_escaped_and_money_is_formatted() {
        assert_eq!(
            escape("<b>\"Tom & Jerry's\"</b>\u{7}"),
            "&lt;b&gt;&quot;Tom &amp; Jerry&#39;s&quot;&lt;/b&gt; "
        );
        assert_eq!(Measure::Money.format(123_456), "$1,234.56");
        assert_eq!(Measure::Count.format(12), "12");
        assert_eq!(Measure::Money.axis(300_000), "$3,000");
        assert_eq!(Measure::Money.axis(250), "$2.50");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten("abc", 4), "abc");
    }

    #[test]
    fn nothing_to_draw_is_a_sentence_not_a_chart() {
        let caption = Caption {
            id: "c",
            title: "Revenue",
            measure: Measure::Money,
        };
        for points in [vec![], vec![Point::new("Mon", 0)]] {
            assert!(bar_chart(caption, &points).contains(NO_SALES));
            assert!(column_chart(caption, &points).contains(NO_SALES));
            assert!(!column_chart(caption, &points).contains("<svg"));
        }
    }
}
