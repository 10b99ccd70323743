//! An optional range of whole days (UTC) typed into a search form: either end may be left
//! empty, and the end day counts whole. Shared by the order search and the audit log filter.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::reports::parse_day;
use crate::forms::FieldErrors;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Days {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Days {
    /// Reads the `from` and `to` fields; a bad day or a start after the end is a message on
    /// its field.
    pub fn parse(errors: &mut FieldErrors, from: &str, to: &str) -> Days {
        let mut day = |field: &'static str, label: &str, raw: &str| {
            if raw.trim().is_empty() {
                return None;
            }
            let parsed = parse_day(raw);
            if parsed.is_none() {
                errors.add(
                    field,
                    format!("Please enter the {label} date as YYYY-MM-DD."),
                );
            }
            parsed
        };
        let days = Days {
            from: day("from", "start", from),
            to: day("to", "end", to),
        };
        if let (Some(from), Some(to)) = (days.from, days.to)
            && from > to
        {
            errors.add("to", "The end date must not be before the start date.");
        }
        days
    }

    /// The first instant of the range, when it has a start.
    pub fn start(self) -> Option<NaiveDateTime> {
        self.from.map(|day| day.and_time(NaiveTime::MIN))
    }

    /// The first instant after the range, when it has an end: the end day counts whole.
    pub fn end_exclusive(self) -> Option<NaiveDateTime> {
        self.to
            .map(|day| (day + Duration::days(1)).and_time(NaiveTime::MIN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn either_end_may_be_empty_and_the_end_day_counts_whole() {
        let mut errors = FieldErrors::default();
        let days = Days::parse(&mut errors, " 2026-03-01 ", "");
        assert!(errors.is_empty());
        assert_eq!(days.to, None);
        assert_eq!(days.start().unwrap().to_string(), "2026-03-01 00:00:00");
        let days = Days::parse(&mut errors, "", "2026-03-01");
        assert_eq!(
            days.end_exclusive().unwrap().to_string(),
            "2026-03-02 00:00:00"
        );
        assert!(errors.is_empty());
    }

    #[test]
    fn bad_days_and_a_backwards_range_are_refused_on_their_field() {
        let mut errors = FieldErrors::default();
        Days::parse(&mut errors, "01/03/2026", "2026-02-30");
        assert_eq!(
            errors.get("from"),
            Some("Please enter the start date as YYYY-MM-DD.")
        );
        assert_eq!(
            errors.get("to"),
            Some("Please enter the end date as YYYY-MM-DD.")
        );
        let mut errors = FieldErrors::default();
        Days::parse(&mut errors, "2026-03-02", "2026-03-01");
        assert_eq!(
            errors.get("to"),
            Some("The end date must not be before the start date.")
        );
    }
}
