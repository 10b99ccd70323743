//! Optimistic locking of the forms two people may have open at once (a product's details and
//! category, a variant, a category, a promotion, a shipping method, a tax rate).
//!
//! Each such row has a `version`, the number of edits saved to it. The form carries the version
//! it was opened at in a hidden field; the update matches it in its WHERE clause and adds one.
//! When no row matched, someone saved since the form was opened: the edit is refused with
//! `Error::Stale`, its transaction rolls back, and nothing is overwritten. The page then comes
//! back with the current values beside the ones typed (`differences`), the typed ones in the
//! form and the current version in its hidden field, so saving again is a deliberate choice
//! made with the other person's change in view.
//!
//! Only edits people make bump the version. What the shop changes on its own (stock, the price
//! range, rating counts) never makes an open form stale: those columns are not on the forms.

use crate::error::{Error, Result};

/// The version a form was opened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(pub i32);

impl Version {
    /// The hidden field as sent; a missing or altered one is refused rather than guessed, since
    /// guessing "the current version" would overwrite without a check.
    pub fn parse(typed: &str) -> Result<Version> {
        typed
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|v| *v >= 1)
            .map(Version)
            .ok_or_else(|| {
                Error::Invalid(
                    "This form is missing its version; please reload the page and try again."
                        .into(),
                )
            })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The outcome of a versioned update from the number of rows it changed: one, or none because
/// the version no longer matched.
pub fn saved(rows: usize) -> Result<()> {
    if rows == 0 { Err(Error::Stale) } else { Ok(()) }
}

/// One field of a stale form whose saved value is not the one typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub label: &'static str,
    pub current: String,
    pub yours: String,
}

/// The fields, as (label, saved now, typed), whose two values differ once trimmed.
pub fn differences(
    fields: impl IntoIterator<Item = (&'static str, String, String)>,
) -> Vec<Difference> {
    fields
        .into_iter()
        .filter(|(_, current, yours)| current.trim() != yours.trim())
        .map(|(label, current, yours)| Difference {
            label,
            current,
            yours,
        })
        .collect()
}

/// A form as typed that carries the version it was opened at.
pub trait EditForm {
    /// Each field with its label, in the form's order.
    fn labelled(&self) -> Vec<(&'static str, String)>;
    fn version(&self) -> &str;
    fn set_version(&mut self, version: String);
}

/// After a stale refusal: what differs between the form filled from the saved row and the form
/// as typed; the typed form then carries the saved version, so saving it again is a choice
/// made with the other person's change in view.
pub fn reconcile<F: EditForm>(saved: &F, typed: &mut F) -> Vec<Difference> {
    typed.set_version(saved.version().to_owned());
    let pairs = saved.labelled().into_iter().zip(typed.labelled());
    differences(pairs.map(|((label, current), (_, yours))| (label, current, yours)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_a_positive_whole_number() {
        assert_eq!(Version::parse(" 3 ").unwrap(), Version(3));
        for bad in ["", "0", "-1", "2.5", "x", "99999999999"] {
            assert!(
                matches!(Version::parse(bad), Err(Error::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn no_row_changed_means_someone_saved_first() {
        assert!(saved(1).is_ok());
        assert!(matches!(saved(0), Err(Error::Stale)));
    }

    #[test]
    fn only_the_fields_that_differ_are_shown() {
        let shown = differences([
            ("Name", "Mug".into(), "Mug ".into()),
            ("Price", "12.00".into(), "11.00".into()),
        ]);
        assert_eq!(
            shown,
            vec![Difference {
                label: "Price",
                current: "12.00".into(),
                yours: "11.00".into(),
            }]
        );
    }
}
