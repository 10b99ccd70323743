//! The seller pages' input, checked once at the edge: the commission rate typed as a
//! percentage, the list's status filter and its keyset cursor.

use serde::Deserialize;

use crate::admin::settings::taxes::parse_percent;
use crate::error::{Error, Result};
use crate::forms::FieldErrors;
use crate::sellers::SellerStatus;

/// The approve and commission forms as posted.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct CommissionInput {
    #[serde(default)]
    pub commission: String,
}

/// A commission rate in basis points, 0 to 10,000 (the table's CHECK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commission(pub i32);

impl Commission {
    /// "12.5" (or "12.5 %") is 1,250 basis points: 0 to 100 with at most two decimals.
    pub fn parse(input: &CommissionInput) -> Result<Commission, FieldErrors> {
        parse_percent(&input.commission)
            .map(Commission)
            .ok_or_else(|| {
                FieldErrors::single(
                    "commission",
                    "Please enter the commission as a percentage from 0 to 100 with at most two \
                 decimals, like 12.5.",
                )
            })
    }
}

/// The list's query: a status to show ("" for all, pending first) and where the page starts.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub after: String,
}

/// Where a page of the list starts: after this seller, in the order pending, active, suspended,
/// then id. Written in addresses as `pending-42`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub status: SellerStatus,
    pub id: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}-{}", self.status, self.id)
    }
}

/// The list's query, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListFilter {
    pub status: Option<SellerStatus>,
    pub after: Option<Cursor>,
}

impl ListFilter {
    pub fn parse(query: &ListQuery) -> Result<ListFilter> {
        let status = match query.status.trim() {
            "" => None,
            raw => Some(SellerStatus::parse(raw).ok_or_else(|| {
                Error::Invalid(
                    "Choose a status from the list: pending, active or suspended.".into(),
                )
            })?),
        };
        let after = match query.after.trim() {
            "" => None,
            raw => Some(
                raw.split_once('-')
                    .and_then(|(status, id)| {
                        Some(Cursor {
                            status: SellerStatus::parse(status)?,
                            id: id.parse().ok().filter(|id| *id > 0)?,
                        })
                    })
                    .ok_or_else(|| {
                        Error::Invalid("That page of the seller list does not exist.".into())
                    })?,
            ),
        };
        Ok(ListFilter { status, after })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commission(raw: &str) -> Result<Commission, FieldErrors> {
        Commission::parse(&CommissionInput {
            commission: raw.into(),
        })
    }

    #[test]
    fn a_percentage_becomes_basis_points() {
        assert_eq!(commission("12.5").unwrap(), Commission(1250));
        assert_eq!(commission(" 15 % ").unwrap(), Commission(1500));
        assert_eq!(commission("0").unwrap(), Commission(0));
        assert_eq!(commission("100").unwrap(), Commission(10_000));
        for bad in ["", "-1", "100.01", "12.345", "abc", "1e2", "12,5"] {
            assert!(
                commission(bad).unwrap_err().get("commission").is_some(),
                "{bad}"
            );
        }
    }

    fn filter(status: &str, after: &str) -> Result<ListFilter> {
        ListFilter::parse(&ListQuery {
            status: status.into(),
            after: after.into(),
        })
    }

    #[test]
    fn the_list_query_is_checked() {
        assert_eq!(
            filter("", "").unwrap(),
            ListFilter {
                status: None,
                after: None
            }
        );
        let parsed = filter("suspended", "active-42").unwrap();
        assert_eq!(parsed.status, Some(SellerStatus::Suspended));
        let cursor = parsed.after.unwrap();
        assert_eq!(cursor.encode(), "active-42");
        for (status, after) in [
            ("closed", ""),
            ("", "active"),
            ("", "gone-3"),
            ("", "pending--3"),
        ] {
            assert!(filter(status, after).is_err(), "{status} {after}");
        }
    }
}
