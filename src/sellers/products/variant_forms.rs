//! The variant forms as typed, and their parse into what `variants::{add, update}` accept.
//! Anything that feeds variants in (the seller's forms, an import) fills in the typed strings
//! and parses them here, so every variant passes the same checks.

use serde::Deserialize;

use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::sellers::fields::{MAX_NAME_CHARS, MAX_SKU_CHARS, price, units};

/// How many option rows ("Size: M") a variant has at most.
pub const MAX_OPTIONS: usize = 3;
const MAX_OPTION_CHARS: usize = 50;
/// The option fields of the forms, in order.
pub const OPTION_FIELDS: [&str; MAX_OPTIONS] = ["option1", "option2", "option3"];

/// The add-variant form as typed. Options are "Name: value", one per row.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct VariantInput {
    pub sku: String,
    pub name: String,
    pub option1: String,
    pub option2: String,
    pub option3: String,
    pub price: String,
    /// Opening stock; empty is none.
    pub stock: String,
}

/// The edit-variant form as typed: everything but the SKU and stock (stock changes only
/// through the stock form and its ledger row).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct VariantEditInput {
    pub name: String,
    pub option1: String,
    pub option2: String,
    pub option3: String,
    pub price: String,
    /// The variant's version when the form was opened (`edits`).
    pub version: String,
}

impl VariantEditInput {
    /// The form filled with what the variant holds now.
    pub fn of(variant: &crate::db::models::Variant) -> VariantEditInput {
        let rows = Options::from_json(&variant.options).rows();
        let row = |i: usize| rows.get(i).cloned().unwrap_or_default();
        VariantEditInput {
            name: variant.name.clone(),
            option1: row(0),
            option2: row(1),
            option3: row(2),
            price: Money::from_minor(variant.price).plain(),
            version: variant.version.to_string(),
        }
    }
}

/// A variant's options: distinct names, each with a value; stored as a JSON object
/// (`{"Colour": "Red", "Size": "M"}`), which sorts them by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options(serde_json::Map<String, serde_json::Value>);

impl Options {
    /// Reads up to `MAX_OPTIONS` rows of "Name: value"; empty rows are skipped.
    fn parse(errors: &mut FieldErrors, rows: [&str; MAX_OPTIONS]) -> Options {
        let mut map = serde_json::Map::new();
        for (field, raw) in OPTION_FIELDS.into_iter().zip(rows) {
            let row = forms::text(
                errors,
                field,
                "Option",
                raw,
                2 * MAX_OPTION_CHARS + 2,
                false,
            );
            if row.is_empty() || errors.get(field).is_some() {
                continue;
            }
            let Some((name, value)) = row.split_once(':') else {
                errors.add(
                    field,
                    "Please write an option as name: value, e.g. Size: M.",
                );
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() || value.is_empty() {
                errors.add(
                    field,
                    "Please give both the option's name and its value, e.g. Size: M.",
                );
            } else if name.chars().count() > MAX_OPTION_CHARS
                || value.chars().count() > MAX_OPTION_CHARS
            {
                errors.add(
                    field,
                    format!(
                        "Option names and values can be at most {MAX_OPTION_CHARS} characters."
                    ),
                );
            } else if map.keys().any(|k| k.eq_ignore_ascii_case(name)) {
                errors.add(field, format!("The option {name} is given twice."));
            } else {
                map.insert(name.to_owned(), serde_json::Value::String(value.to_owned()));
            }
        }
        Options(map)
    }

    /// The stored object; unreadable text reads as no options.
    pub fn from_json(raw: &str) -> Options {
        Options(serde_json::from_str(raw).unwrap_or_default())
    }

    pub fn to_json(&self) -> String {
        serde_json::Value::Object(self.0.clone()).to_string()
    }

    /// "Name: value" rows, as the forms show them.
    pub fn rows(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|(name, value)| match value.as_str() {
                Some(text) => format!("{name}: {text}"),
                None => format!("{name}: {value}"),
            })
            .collect()
    }
}

/// A checked new variant.
#[derive(Debug, Clone)]
pub struct NewVariant {
    pub(super) sku: String,
    pub(super) name: String,
    pub(super) options: Options,
    pub(super) price: Money,
    pub(super) stock: i32,
}

impl NewVariant {
    pub fn parse(input: &VariantInput) -> Result<NewVariant, FieldErrors> {
        let mut e = FieldErrors::default();
        let sku = sku(&mut e, &input.sku);
        let name = forms::text(&mut e, "name", "Name", &input.name, MAX_NAME_CHARS, false);
        let options = Options::parse(&mut e, [&input.option1, &input.option2, &input.option3]);
        let price = price(&mut e, "price", &input.price);
        let stock = if input.stock.trim().is_empty() {
            0
        } else {
            units(&mut e, "stock", &input.stock, 0)
        };
        e.or_ok(NewVariant {
            sku,
            name,
            options,
            price,
            stock,
        })
    }
}

/// A checked change to a variant's name, options and price.
#[derive(Debug, Clone)]
pub struct VariantEdit {
    pub(super) name: String,
    pub(super) options: Options,
    pub(super) price: Money,
}

impl VariantEdit {
    pub fn parse(input: &VariantEditInput) -> Result<VariantEdit, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = forms::text(&mut e, "name", "Name", &input.name, MAX_NAME_CHARS, false);
        let options = Options::parse(&mut e, [&input.option1, &input.option2, &input.option3]);
        let price = price(&mut e, "price", &input.price);
        e.or_ok(VariantEdit {
            name,
            options,
            price,
        })
    }
}

/// A SKU: letters, digits, '-', '_' and '.', unique across the shop (checked by the service).
pub(super) fn sku(errors: &mut FieldErrors, raw: &str) -> String {
    let sku = forms::text(errors, "sku", "SKU", raw, MAX_SKU_CHARS, true);
    if !sku
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        errors.add("sku", "SKUs use letters, digits, '-', '_' and '.' only.");
    }
    sku
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(
        sku: &str,
        options: [&str; 3],
        price: &str,
        stock: &str,
    ) -> Result<NewVariant, FieldErrors> {
        NewVariant::parse(&VariantInput {
            sku: sku.into(),
            name: String::new(),
            option1: options[0].into(),
            option2: options[1].into(),
            option3: options[2].into(),
            price: price.into(),
            stock: stock.into(),
        })
    }

    #[test]
    fn options_are_name_value_rows_stored_as_an_object() {
        let v = new("TEE-M-RED", ["Size: M", "", " Colour :Red "], "12.50", "4").unwrap();
        assert_eq!(v.options.to_json(), r#"{"Colour":"Red","Size":"M"}"#);
        assert_eq!(v.options.rows(), ["Colour: Red", "Size: M"]);
        assert_eq!((v.price, v.stock), (Money::from_minor(1250), 4));
        assert_eq!(
            new("TEE", ["", "", ""], "1", "").unwrap().options.to_json(),
            "{}"
        );
        assert_eq!(Options::from_json("not json"), Options::default());
    }

    #[test]
    fn bad_rows_are_refused_on_their_own_field() {
        let e = new("TEE", ["Size M", "Size: L", "size: XL"], "1", "").unwrap_err();
        assert!(e.get("option1").unwrap().contains("name: value"));
        assert!(e.get("option2").is_none());
        assert!(e.get("option3").unwrap().contains("twice"));
        let e = new(
            "TEE",
            [": M", "Colour:", &format!("Size: {}", "x".repeat(51))],
            "1",
            "",
        )
        .unwrap_err();
        for field in OPTION_FIELDS {
            assert!(e.get(field).is_some(), "{field}");
        }
        assert!(
            new("TEE", ["Size: M\u{0}", "", ""], "1", "")
                .unwrap_err()
                .get("option1")
                .is_some()
        );
    }

    #[test]
    fn sku_price_and_stock_are_checked() {
        let e = new("TEE 1", ["", "", ""], "1.999", "-1").unwrap_err();
        for field in ["sku", "price", "stock"] {
            assert!(e.get(field).is_some(), "{field}");
        }
        assert!(
            new("", ["", "", ""], "1", "")
                .unwrap_err()
                .get("sku")
                .is_some()
        );
        assert!(
            new("TEE", ["", "", ""], "1", "1000001")
                .unwrap_err()
                .get("stock")
                .is_some()
        );
    }

    #[test]
    fn an_edit_reads_name_options_and_price() {
        let edit = VariantEdit::parse(&VariantEditInput {
            name: " Large ".into(),
            option1: "Size: L".into(),
            price: "$1,000".into(),
            ..VariantEditInput::default()
        })
        .unwrap();
        assert_eq!(
            (edit.name.as_str(), edit.price),
            ("Large", Money::from_minor(100_000))
        );
        assert!(
            VariantEdit::parse(&VariantEditInput::default())
                .unwrap_err()
                .get("price")
                .is_some()
        );
    }
}
