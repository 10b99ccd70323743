//! Sales per day, week or month: the shop's daily running totals of the range (`sales_totals`,
//! at most `MAX_RANGE_DAYS` rows) added up per period, every period of the range listed, those
//! without sales as zeros, so a chart's columns and a table's rows line up with the calendar.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;

use super::ReportParams;
use crate::db::schema::shop_sales_days;
use crate::db::{DbConn, Granularity};
use crate::error::Result;
use crate::money::Money;

/// One period's paid orders: how many, their units and revenue (line totals, as by category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodSales {
    /// The first day of the period (a Monday for weeks), which may be before the range starts.
    pub start: NaiveDate,
    pub label: String,
    pub orders: i64,
    pub units: i64,
    pub revenue: Money,
}

pub fn sales_over_time(conn: &mut DbConn, params: ReportParams) -> Result<Vec<PeriodSales>> {
    let days: Vec<(NaiveDate, i64, i64, i64)> = shop_sales_days::table
        .filter(shop_sales_days::day.ge(params.range.from))
        .filter(shop_sales_days::day.le(params.range.to))
        .select((
            shop_sales_days::day,
            shop_sales_days::orders,
            shop_sales_days::units,
            shop_sales_days::revenue,
        ))
        .load(conn)?;
    Ok(periods(params)
        .into_iter()
        .map(|start| {
            let mut sales = PeriodSales {
                start,
                label: label(params.granularity, start),
                orders: 0,
                units: 0,
                revenue: Money::ZERO,
            };
            for (day, orders, units, revenue) in &days {
                if first_day(params.granularity, *day) == start {
                    sales.orders += orders;
                    sales.units += units;
                    sales.revenue += Money::from_minor(*revenue);
                }
            }
            sales
        })
        .collect())
}

/// The first day of every period touching the range, in order.
fn periods(params: ReportParams) -> Vec<NaiveDate> {
    let first = first_day(params.granularity, params.range.from);
    std::iter::successors(Some(first), |start| next(params.granularity, *start))
        .take_while(|start| *start <= params.range.to)
        .collect()
}

/// The first day of the period holding `day`; weeks start on Monday (ISO 8601).
fn first_day(granularity: Granularity, day: NaiveDate) -> NaiveDate {
    match granularity {
        Granularity::Day => day,
        Granularity::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        Granularity::Month => day.with_day(1).unwrap_or(day),
    }
}

fn next(granularity: Granularity, start: NaiveDate) -> Option<NaiveDate> {
    match granularity {
        Granularity::Day => start.succ_opt(),
        Granularity::Week => start.checked_add_signed(Duration::days(7)),
        Granularity::Month => start.checked_add_months(chrono::Months::new(1)),
    }
}

fn label(granularity: Granularity, start: NaiveDate) -> String {
    match granularity {
        Granularity::Day => start.format("%Y-%m-%d").to_string(),
        Granularity::Week => start.format("Week of %Y-%m-%d").to_string(),
        Granularity::Month => start.format("%Y-%m").to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(from: &str, to: &str, granularity: &str) -> ReportParams {
        ReportParams::parse(from, to, Some(granularity)).unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_cover_the_whole_range() {
        // 2026-01-28 is a Wednesday; its week starts on Monday 2026-01-26.
        let weeks = periods(params("2026-01-28", "2026-02-09", "week"));
        let days: Vec<String> = weeks.iter().map(|d| d.to_string()).collect();
        assert_eq!(days, ["2026-01-26", "2026-02-02", "2026-02-09"]);
        assert_eq!(label(Granularity::Week, weeks[0]), "Week of 2026-01-26");
    }

    #[test]
    fn months_and_days_follow_the_calendar() {
        let months = periods(params("2026-01-31", "2026-03-01", "month"));
        assert_eq!(months.len(), 3);
        assert_eq!(label(Granularity::Month, months[1]), "2026-02");
        assert_eq!(periods(params("2026-02-27", "2026-03-02", "day")).len(), 4);
        assert_eq!(periods(params("2024-02-27", "2024-03-02", "day")).len(), 5);
    }
}
