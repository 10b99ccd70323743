//! The seller forms' limits and field parsers: each reads one typed field, records a message
//! on the field when it cannot, and returns a placeholder so the rest of the form is still read.

use crate::catalog::ProductStatus;
use crate::forms::{self, FieldErrors};
use crate::inventory::MAX_STOCK;
use crate::money::{AmountError, Money};
use crate::numbers::parse_whole;

/// The most a single variant can cost: $1,000,000.00. Anything above is a typo.
pub const MAX_PRICE: Money = Money::from_minor(100_000_000);
pub const MAX_NAME_CHARS: usize = 255;
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_SKU_CHARS: usize = 64;
pub const MAX_NOTE_CHARS: usize = 500;

/// A listing state chosen on a form: draft or active. Archiving is its own form
/// (`products::archive`), because it cannot be undone.
pub(super) fn status(errors: &mut FieldErrors, field: &'static str, raw: &str) -> ProductStatus {
    match ProductStatus::parse(raw.trim()) {
        Some(status @ (ProductStatus::Draft | ProductStatus::Active)) => status,
        Some(ProductStatus::Archived) => {
            errors.add(
                field,
                "To archive the product, use \"Archive this product\" below; it cannot be undone.",
            );
            ProductStatus::Draft
        }
        None => {
            errors.add(field, "Please choose draft or active.");
            ProductStatus::Draft
        }
    }
}

/// A typed price: an amount in the shop's own form, at most `MAX_PRICE`.
pub(super) fn price(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Money {
    match Money::parse_typed(raw) {
        Ok(amount) if amount <= MAX_PRICE => amount,
        Ok(_) | Err(AmountError::TooLarge) => {
            errors.add(field, format!("Prices can be at most {MAX_PRICE}."));
            Money::ZERO
        }
        Err(refusal @ AmountError::Format) => {
            errors.add(field, refusal.to_string());
            Money::ZERO
        }
    }
}

/// A whole number of units between `min` and `MAX_STOCK`, a sign allowed when `min` is negative.
pub(super) fn units(errors: &mut FieldErrors, field: &'static str, raw: &str, min: i32) -> i32 {
    match parse_whole(raw).and_then(|n| i32::try_from(n).ok()) {
        Some(n) if (min..=MAX_STOCK).contains(&n) => n,
        _ => {
            errors.add(
                field,
                format!("Please enter a whole number from {min} to {MAX_STOCK}."),
            );
            0
        }
    }
}

/// A description may hold line breaks and tabs, but no other control characters.
pub(super) fn multiline(errors: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    forms::paragraphs(errors, field, "Description", raw, MAX_DESCRIPTION_CHARS)
}
