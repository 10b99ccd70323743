//! The listing forms as typed, and their parse into what the services accept.

use serde::Deserialize;

use crate::catalog::ProductStatus;
use crate::db::models::Product;
use crate::forms::{self, FieldErrors};
use crate::inventory::{MAX_STOCK, MovementReason};
use crate::money::Money;
use crate::numbers::parse_whole;
use crate::sellers::fields::{MAX_NAME_CHARS, MAX_NOTE_CHARS, multiline, price, status, units};

/// The details form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DetailsInput {
    pub name: String,
    pub description: String,
    pub status: String,
    /// The product's version when the form was opened (`edits`).
    pub version: String,
}

impl DetailsInput {
    pub fn of(product: &Product) -> DetailsInput {
        DetailsInput {
            name: product.name.clone(),
            description: product.description.clone(),
            status: product.status.as_str().to_owned(),
            version: product.version.to_string(),
        }
    }
}

pub struct ValidDetails {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) status: ProductStatus,
}

impl ValidDetails {
    pub fn parse(input: &DetailsInput) -> std::result::Result<ValidDetails, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = forms::text(&mut e, "name", "Name", &input.name, MAX_NAME_CHARS, true);
        let description = multiline(&mut e, "description", &input.description);
        let status = status(&mut e, "status", &input.status);
        e.or_ok(ValidDetails {
            name,
            description,
            status,
        })
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PriceInput {
    pub price: String,
    /// The variant's version when the form was opened (`edits`).
    pub version: String,
}

pub fn parse_price(input: &PriceInput) -> std::result::Result<Money, FieldErrors> {
    let mut e = FieldErrors::default();
    let amount = price(&mut e, "price", &input.price);
    e.or_ok(amount)
}

/// The stock form as typed: a signed change, why, and an optional note.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct StockInput {
    pub change: String,
    pub reason: String,
    pub note: String,
}

#[derive(Debug)]
pub struct StockChange {
    pub(super) delta: i32,
    pub(super) reason: MovementReason,
    pub(super) note: String,
}

impl StockChange {
    /// A restock adds units; an adjustment (a count, breakage, loss) may add or remove them.
    pub fn parse(input: &StockInput) -> std::result::Result<StockChange, FieldErrors> {
        let mut e = FieldErrors::default();
        let delta = units(&mut e, "change", &input.change, -MAX_STOCK);
        let reason = match MovementReason::parse(input.reason.trim()) {
            Some(reason @ (MovementReason::Restock | MovementReason::Adjustment)) => reason,
            _ => {
                e.add("reason", "Please choose restock or adjustment.");
                MovementReason::Adjustment
            }
        };
        if delta == 0 && e.get("change").is_none() {
            e.add("change", "Please enter how many units to add or remove.");
        } else if reason == MovementReason::Restock && delta < 0 {
            e.add(
                "change",
                "A restock adds units; record a removal as an adjustment.",
            );
        }
        let note = forms::text(&mut e, "note", "Note", &input.note, MAX_NOTE_CHARS, false);
        if reason == MovementReason::Adjustment && note.is_empty() && e.get("reason").is_none() {
            e.add("note", "Please say why the stock is adjusted.");
        }
        e.or_ok(StockChange {
            delta,
            reason,
            note,
        })
    }
}

/// The new-product form as typed: the product and its first variant.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct NewProductInput {
    pub name: String,
    pub description: String,
    pub category_id: String,
    pub sku: String,
    pub price: String,
    pub stock: String,
    pub status: String,
}

pub struct NewProduct {
    pub(super) name: String,
    pub(super) description: String,
    pub(super) category_id: i64,
    pub(super) sku: String,
    pub(super) price: Money,
    pub(super) stock: i32,
    pub(super) status: ProductStatus,
}

impl NewProduct {
    pub fn parse(input: &NewProductInput) -> std::result::Result<NewProduct, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = forms::text(&mut e, "name", "Name", &input.name, MAX_NAME_CHARS, true);
        let description = multiline(&mut e, "description", &input.description);
        let category_id = parse_whole(&input.category_id).unwrap_or_else(|| {
            e.add("category_id", "Please choose a category.");
            0
        });
        let sku = super::variant_forms::sku(&mut e, &input.sku);
        let price = price(&mut e, "price", &input.price);
        let stock = if input.stock.trim().is_empty() {
            0
        } else {
            units(&mut e, "stock", &input.stock, 0)
        };
        let status = status(&mut e, "status", &input.status);
        e.or_ok(NewProduct {
            name,
            description,
            category_id,
            sku,
            price,
            stock,
            status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sellers::fields::MAX_PRICE;

    #[test]
    fn prices_are_bounded_and_at_most_two_decimals() {
        let parse = |raw: &str| {
            parse_price(&PriceInput {
                price: raw.into(),
                ..PriceInput::default()
            })
        };
        assert_eq!(parse("12.5").unwrap(), Money::from_minor(1250));
        assert_eq!(parse("1000000").unwrap(), MAX_PRICE);
        for bad in [
            "-1",
            "1.999",
            "1000000.01",
            "1e9",
            "",
            "abc",
            "99999999999999999999",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn stock_changes_need_a_direction_a_reason_and_for_adjustments_a_note() {
        let parse = |change: &str, reason: &str, note: &str| {
            StockChange::parse(&StockInput {
                change: change.into(),
                reason: reason.into(),
                note: note.into(),
            })
        };
        assert_eq!(parse("+5", "restock", "").unwrap().delta, 5);
        assert_eq!(parse("-2", "adjustment", "broken").unwrap().delta, -2);
        assert!(
            parse("-2", "restock", "")
                .unwrap_err()
                .get("change")
                .is_some()
        );
        assert!(
            parse("0", "restock", "")
                .unwrap_err()
                .get("change")
                .is_some()
        );
        assert!(
            parse("3", "adjustment", "")
                .unwrap_err()
                .get("note")
                .is_some()
        );
        assert!(parse("3", "sale", "x").unwrap_err().get("reason").is_some());
        assert!(
            parse("2000000", "restock", "")
                .unwrap_err()
                .get("change")
                .is_some()
        );
        assert!(
            parse("1.5", "restock", "")
                .unwrap_err()
                .get("change")
                .is_some()
        );
    }
}
