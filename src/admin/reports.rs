//! The sales report: revenue and units by top-level category over a date range.
//!
//! Paid sales are read from the running totals per leaf category and day (`sales_totals`): a
//! year is at most 366 rows per category, summed per category in SQL; the few resulting rows
//! are then folded into their top-level categories through the categories' materialised paths.
//!
//! The report page adds sales over time (the shop's daily totals), the top sellers (their daily
//! totals) and the top products (the order lines of the range: `rankings`).

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{categories, category_sales_days};
use crate::db::{DbConn, sum_bigint};
use crate::error::Result;
use crate::forms::FieldErrors;
use crate::money::Money;

mod full;
mod over_time;
mod params;
mod rankings;

pub use full::{FullReport, full_report};
pub use over_time::{PeriodSales, sales_over_time};
pub use params::{MAX_DAILY_DAYS, MAX_RANGE_DAYS, ReportParams};
pub use rankings::{Ranked, TOP_ROWS, top_products, top_sellers};

/// The longest range one report covers; longer ones are several reports.
pub const MAX_DAYS: i64 = 366;

/// Whole days, both ends included, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The default report: the last 30 days up to `today`.
    pub fn last_30_days(today: NaiveDate) -> DateRange {
        DateRange {
            from: today - Duration::days(29),
            to: today,
        }
    }

    /// Checks the form's `from` and `to` (YYYY-MM-DD).
    pub fn parse(from: &str, to: &str) -> std::result::Result<DateRange, FieldErrors> {
        DateRange::parse_within(from, to, MAX_DAYS)
    }

    /// As `parse`, for a range of at most `max_days` days.
    pub fn parse_within(
        from: &str,
        to: &str,
        max_days: i64,
    ) -> std::result::Result<DateRange, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut date = |field: &'static str, label: &str, raw: &str| {
            let parsed = parse_day(raw);
            if parsed.is_none() {
                errors.add(
                    field,
                    format!("Please enter the {label} date as YYYY-MM-DD."),
                );
            }
            parsed
        };
        let (from, to) = (date("from", "start", from), date("to", "end", to));
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                errors.add("to", "The end date must not be before the start date.");
            } else if (to - from).num_days() >= max_days {
                errors.add(
                    "to",
                    format!("A report covers at most {max_days} days; please shorten the range."),
                );
            } else {
                return Ok(DateRange { from, to });
            }
        }
        Err(errors)
    }

    /// The number of days in the range, both ends counted.
    pub fn days(self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    fn start(self) -> NaiveDateTime {
        self.from.and_time(chrono::NaiveTime::MIN)
    }

    /// The first instant after the range: the end date counts whole.
    fn end_exclusive(self) -> NaiveDateTime {
        (self.to + Duration::days(1)).and_time(chrono::NaiveTime::MIN)
    }
}

/// One top-level category's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategorySales {
    pub category_id: i64,
    pub name: String,
    pub revenue: Money,
    pub units: i64,
}

#[derive(Debug, Clone)]
pub struct SalesReport {
    pub range: DateRange,
    /// Highest revenue first.
    pub rows: Vec<CategorySales>,
    pub total_revenue: Money,
    pub total_units: i64,
}

/// Revenue (line totals) and units of paid orders placed in `range`, by top-level category.
pub fn sales_by_category(conn: &mut DbConn, range: DateRange) -> Result<SalesReport> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL; the cast keeps one integer type on both backends.
    let by_leaf: Vec<(i64, Option<i64>, Option<i64>)> = category_sales_days::table
        .filter(category_sales_days::day.ge(range.from))
        .filter(category_sales_days::day.le(range.to))
        .group_by(category_sales_days::category_id)
        .select((
            category_sales_days::category_id,
            sum_bigint(category_sales_days::revenue),
            sum_bigint(category_sales_days::units),
        ))
        .load(conn)?;
    let leaf_ids: Vec<i64> = by_leaf.iter().map(|(id, _, _)| *id).collect();
    let leaf_paths: Vec<(i64, String)> = categories::table
        .filter(categories::id.eq_any(&leaf_ids))
        .select((categories::id, categories::path))
        .load(conn)?;
    let mut by_root: BTreeMap<i64, (Money, i64)> = BTreeMap::new();
    for (leaf, revenue, units) in by_leaf {
        let root = leaf_paths
            .iter()
            .find(|(id, _)| *id == leaf)
            .and_then(|(_, path)| root_of(path))
            .unwrap_or(leaf);
        let entry = by_root.entry(root).or_default();
        entry.0 += Money::from_minor(revenue.unwrap_or(0));
        entry.1 += units.unwrap_or(0);
    }
    let root_ids: Vec<i64> = by_root.keys().copied().collect();
    let names: Vec<(i64, String)> = categories::table
        .filter(categories::id.eq_any(&root_ids))
        .select((categories::id, categories::name))
        .load(conn)?;
    let mut rows: Vec<CategorySales> = by_root
        .into_iter()
        .map(|(category_id, (revenue, units))| CategorySales {
            category_id,
            name: names
                .iter()
                .find(|(id, _)| *id == category_id)
                .map(|(_, name)| name.clone())
                .unwrap_or_default(),
            revenue,
            units,
        })
        .collect();
    rows.sort_by(|a, b| b.revenue.cmp(&a.revenue).then(a.name.cmp(&b.name)));
    Ok(SalesReport {
        range,
        total_revenue: rows.iter().map(|r| r.revenue).sum(),
        total_units: rows.iter().map(|r| r.units).sum(),
        rows,
    })
}

/// Exactly `YYYY-MM-DD` in ASCII digits: the date parser on its own would also take a sign
/// (`+2026-01-01`) or single-digit months and days.
/// A day typed as YYYY-MM-DD (surrounding spaces allowed), between the years 2000 and 2100.
pub(crate) fn parse_day(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    is_iso_date_shape(raw)
        .then(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
        .flatten()
        .filter(|d| (2000..=2100).contains(&d.year()))
}

fn is_iso_date_shape(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
}

/// The top-level category of a materialised path: `/3/17/42/` → 3.
fn root_of(path: &str) -> Option<i64> {
    path.trim_start_matches('/').split('/').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn ranges_are_whole_days_in_order_and_bounded() {
        let range = DateRange::parse("2026-01-01", " 2026-01-31 ").unwrap();
        assert_eq!(
            (range.from, range.to),
            (day("2026-01-01"), day("2026-01-31"))
        );
        assert_eq!(range.end_exclusive().date(), day("2026-02-01"));
        let errors = DateRange::parse("2026-02-01", "2026-01-01").unwrap_err();
        assert!(errors.get("to").is_some());
        let errors = DateRange::parse("yesterday", "2026-13-01").unwrap_err();
        assert!(errors.get("from").is_some() && errors.get("to").is_some());
        assert!(DateRange::parse("1970-01-01", "1970-01-02").is_err());
        assert!(DateRange::parse("2024-01-01", "2026-01-01").is_err());
    }

    #[test]
    fn only_plain_iso_dates_are_read() {
        for bad in [
            "+2026-01-01",
            "2026-1-01",
            "2026-01-1",
            "2026-01-01T00:00",
            "2026/01/01",
            "２026-01-01",
            "2026-02-30",
            "",
        ] {
            let errors = DateRange::parse(bad, "2026-01-31").unwrap_err();
            assert!(errors.get("from").is_some(), "{bad:?}");
        }
    }

    #[test]
    fn the_root_is_the_first_id_of_the_path() {
        assert_eq!(root_of("/3/17/42/"), Some(3));
        assert_eq!(root_of("/9/"), Some(9));
        assert_eq!(root_of(""), None);
    }
}
