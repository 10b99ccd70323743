//! The periods a report groups days into. Weeks start on Monday (ISO 8601); days are UTC.

/// The length of one period of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Week,
    Month,
}
