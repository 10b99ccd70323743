//! The report form (`from`, `to`, `granularity`), read once.

use chrono::NaiveDate;

use super::DateRange;
use crate::db::Granularity;
use crate::forms::FieldErrors;

/// The longest range the report page covers (five years), counted weekly or monthly.
pub const MAX_RANGE_DAYS: i64 = 5 * 366;
/// The longest range counted day by day: past this a chart has too many columns to read.
pub const MAX_DAILY_DAYS: i64 = 400;

/// A checked report request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportParams {
    pub range: DateRange,
    pub granularity: Granularity,
}

impl ReportParams {
    /// The page as first opened: the last 30 days, day by day.
    pub fn default_for(today: NaiveDate) -> ReportParams {
        ReportParams {
            range: DateRange::last_30_days(today),
            granularity: Granularity::Day,
        }
    }

    /// Checks the form. A missing granularity means `day`.
    pub fn parse(
        from: &str,
        to: &str,
        granularity: Option<&str>,
    ) -> Result<ReportParams, FieldErrors> {
        let range = DateRange::parse_within(from, to, MAX_RANGE_DAYS);
        let granularity = match granularity.map(str::trim).unwrap_or("day") {
            "day" => Some(Granularity::Day),
            "week" => Some(Granularity::Week),
            "month" => Some(Granularity::Month),
            _ => None,
        };
        let mut errors = match &range {
            Err(errors) => errors.clone(),
            Ok(_) => FieldErrors::default(),
        };
        match (range, granularity) {
            (_, None) => errors.add("granularity", "Please choose day, week or month."),
            (Ok(range), Some(Granularity::Day)) if range.days() > MAX_DAILY_DAYS => errors.add(
                "granularity",
                format!(
                    "Day by day covers at most {MAX_DAILY_DAYS} days; \
                     please choose week or month for this range."
                ),
            ),
            (Ok(range), Some(granularity)) => return Ok(ReportParams { range, granularity }),
            (Err(_), Some(_)) => {}
        }
        Err(errors)
    }

    /// The form value of the granularity.
    pub fn granularity_name(&self) -> &'static str {
        match self.granularity {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granularity_is_day_week_or_month() {
        let params = ReportParams::parse("2026-03-01", "2026-03-31", None).unwrap();
        assert_eq!(params.granularity, Granularity::Day);
        let params = ReportParams::parse("2026-03-01", "2026-03-31", Some(" month ")).unwrap();
        assert_eq!(params.granularity, Granularity::Month);
        for bad in ["hour", "", "DAY", "weeks"] {
            let errors = ReportParams::parse("2026-03-01", "2026-03-31", Some(bad)).unwrap_err();
            assert!(errors.get("granularity").is_some(), "{bad:?}");
        }
    }

    #[test]
    fn day_by_day_stops_at_400_days_week_and_month_at_five_years() {
        assert!(ReportParams::parse("2025-01-01", "2026-02-04", Some("day")).is_ok());
        let errors = ReportParams::parse("2025-01-01", "2026-02-05", Some("day")).unwrap_err();
        assert!(errors.get("granularity").unwrap().contains("week or month"));
        assert!(ReportParams::parse("2022-01-01", "2026-12-31", Some("month")).is_ok());
        let errors = ReportParams::parse("2020-01-01", "2026-01-01", Some("week")).unwrap_err();
        assert!(errors.get("to").is_some());
        let errors = ReportParams::parse("2026-02-01", "2026-01-01", Some("hour")).unwrap_err();
        assert!(errors.get("to").is_some() && errors.get("granularity").is_some());
    }
}
