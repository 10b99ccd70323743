//! A payout period: one calendar month in UTC, typed as `YYYY-MM` and read once at the edge.

use std::fmt;

use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime};

/// The years a period may fall in: wide enough for any real statement, narrow enough that a
/// typo like `0226-11` is refused rather than run.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// A calendar month: from its first day at 00:00 UTC up to (not including) the first day of the
/// next month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Period {
    first_day: NaiveDate,
}

/// Why a typed period was refused; each message says what is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("Please enter the period as a year and a month, YYYY-MM (for example 2026-11).")]
    Format,
    #[error("The month must be from 01 to 12.")]
    Month,
    #[error("The year must be from 2000 to 2100.")]
    Year,
}

impl Period {
    /// Reads `YYYY-MM`: four digits, a hyphen, two digits, surrounding spaces allowed.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let text = text.trim();
        let (year, month) = text.split_once('-').ok_or(PeriodError::Format)?;
        let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(month, 2) {
            return Err(PeriodError::Format);
        }
        let (year, month): (i32, u32) = (
            year.parse().map_err(|_| PeriodError::Format)?,
            month.parse().map_err(|_| PeriodError::Format)?,
        );
        if !(1..=12).contains(&month) {
            return Err(PeriodError::Month);
        }
        if !YEARS.contains(&year) {
            return Err(PeriodError::Year);
        }
        NaiveDate::from_ymd_opt(year, month, 1)
            .map(|first_day| Period { first_day })
            .ok_or(PeriodError::Format)
    }

    /// The month containing `at`.
    pub fn containing(at: NaiveDate) -> Period {
        Period {
            first_day: at.with_day(1).unwrap_or(at),
        }
    }

    /// The month before this one.
    pub fn previous(self) -> Period {
        Period {
            first_day: self
                .first_day
                .checked_sub_months(Months::new(1))
                .unwrap_or(self.first_day),
        }
    }

    /// The month after this one.
    pub fn next(self) -> Period {
        Period {
            first_day: self.first_day_of_next(),
        }
    }

    /// Its first instant.
    pub fn start(self) -> NaiveDateTime {
        self.first_day.and_time(NaiveTime::MIN)
    }

    /// The first instant after it.
    pub fn end(self) -> NaiveDateTime {
        self.first_day_of_next().and_time(NaiveTime::MIN)
    }

    fn first_day_of_next(self) -> NaiveDate {
        self.first_day
            .checked_add_months(Months::new(1))
            .unwrap_or(self.first_day)
    }
}

/// `YYYY-MM`, the form `parse` reads.
impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first_day.format("%Y-%m"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_runs_from_its_first_day_to_the_next_months_first_day() {
        let november = Period::parse(" 2026-11 ").unwrap();
        assert_eq!(november.to_string(), "2026-11");
        assert_eq!(november.start().to_string(), "2026-11-01 00:00:00");
        assert_eq!(november.end().to_string(), "2026-12-01 00:00:00");
        let december = Period::parse("2026-12").unwrap();
        assert_eq!(december.end().to_string(), "2027-01-01 00:00:00");
        assert_eq!(december.previous(), november);
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(Period::containing(day), november);
        assert_eq!(
            Period::parse("2024-02").unwrap().end().to_string(),
            "2024-03-01 00:00:00"
        );
    }

    #[test]
    fn a_bad_month_a_bad_year_or_not_a_month_is_refused_with_its_message() {
        for bad in ["2026-00", "2026-13", "2026-99"] {
            assert_eq!(Period::parse(bad), Err(PeriodError::Month), "{bad}");
        }
        for bad in ["1999-12", "2101-01", "0226-11"] {
            assert_eq!(Period::parse(bad), Err(PeriodError::Year), "{bad}");
        }
        for bad in [
            "",
            "2026",
            "2026-1",
            "2026-011",
            "26-11",
            "2026/11",
            "2026-11-01",
            "november",
            "+2026-11",
            "2026--1",
            "２０２６-11",
            "2026-1a",
        ] {
            assert_eq!(Period::parse(bad), Err(PeriodError::Format), "{bad:?}");
        }
        assert!(PeriodError::Format.to_string().contains("YYYY-MM"));
        assert!(PeriodError::Month.to_string().contains("01 to 12"));
        assert!(PeriodError::Year.to_string().contains("2000 to 2100"));
    }
}
