//! Sales per day, week or month: one query grouped by period in the database
//! (`db::period_start`), then every period of the range listed, those without sales as zeros,
//! so a chart's columns and a table's rows line up with the calendar.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::AggregateExpressionMethods;
use diesel::dsl::count;
use diesel::prelude::*;

use super::ReportParams;
use crate::db::schema::{order_items, orders};
use crate::db::{DbConn, Granularity, period_start, sum_bigint};
use crate::error::Result;
use crate::money::Money;
use crate::orders::OrderStatus;

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
    let period = period_start(params.granularity, orders::created_at);
    let rows: Vec<(String, i64, Option<i64>, Option<i64>)> = order_items::table
        .inner_join(orders::table)
        .filter(orders::status.eq_any(OrderStatus::PAID))
        .filter(orders::created_at.ge(params.range.start()))
        .filter(orders::created_at.lt(params.range.end_exclusive()))
        .group_by(period)
        .select((
            period,
            count(orders::id).aggregate_distinct(),
            sum_bigint(order_items::quantity),
            sum_bigint(order_items::line_total),
        ))
        .load(conn)?;
    Ok(periods(params)
        .into_iter()
        .map(|start| {
            let key = start.format("%Y-%m-%d").to_string();
            let found = rows.iter().find(|(period, ..)| *period == key);
            PeriodSales {
                start,
                label: label(params.granularity, start),
                orders: found.map_or(0, |row| row.1),
                units: found.and_then(|row| row.2).unwrap_or(0),
                revenue: Money::from_minor(found.and_then(|row| row.3).unwrap_or(0)),
            }
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

/// The first day of the period holding `day`, as `db::period_start` computes it in SQL.
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
