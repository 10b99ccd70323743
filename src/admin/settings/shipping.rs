//! Shipping methods: list, create, edit. A method is never deleted, only made inactive, because
//! orders point at it (`ON DELETE RESTRICT`); they keep their own name and price snapshot.

use diesel::prelude::*;
use serde::Deserialize;

use crate::audit::{self, Actor, Entity};
use crate::db::models::ShippingMethod;
use crate::db::schema::shipping_methods;
use crate::db::{self, DbConn};
use crate::edits::{self, Version};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::numbers::parse_whole;
use crate::pricing::Shipping;

/// The two carts each shipping page prices, in cents: a small one and a large one.
pub const EXAMPLE_CARTS: [i64; 2] = [2_500, 10_000];

/// The form as typed; every field is text so a bad value comes back to be corrected.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ShippingFields {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub free_over: String,
    #[serde(default)]
    pub min_days: String,
    #[serde(default)]
    pub max_days: String,
    /// A checkbox: present ("on") when ticked.
    #[serde(default)]
    pub is_active: Option<String>,
    #[serde(default)]
    pub position: String,
    /// The method's version when the edit form was opened (`edits`); empty on the new form.
    #[serde(default)]
    pub version: String,
}

impl ShippingFields {
    /// The form filled in from a stored method, for its edit page.
    pub fn of(method: &ShippingMethod) -> ShippingFields {
        ShippingFields {
            code: method.code.clone(),
            name: method.name.clone(),
            price: Money::from_minor(method.price).plain(),
            free_over: method
                .free_over
                .map(|m| Money::from_minor(m).plain())
                .unwrap_or_default(),
            min_days: method.min_days.to_string(),
            max_days: method.max_days.to_string(),
            is_active: method.is_active.then(|| "on".to_owned()),
            position: method.position.to_string(),
            version: method.version.to_string(),
        }
    }

    /// A blank form for a new method: active, at the end of the list.
    pub fn blank() -> ShippingFields {
        ShippingFields {
            is_active: Some("on".to_owned()),
            position: "0".to_owned(),
            ..ShippingFields::default()
        }
    }
}

impl crate::edits::EditForm for ShippingFields {
    fn labelled(&self) -> Vec<(&'static str, String)> {
        let active = if self.is_active.is_some() {
            "yes"
        } else {
            "no"
        };
        vec![
            ("Code", self.code.clone()),
            ("Name", self.name.clone()),
            ("Price", self.price.clone()),
            ("Free over", self.free_over.clone()),
            ("Fewest days", self.min_days.clone()),
            ("Most days", self.max_days.clone()),
            ("Offered", active.to_owned()),
            ("Position", self.position.clone()),
        ]
    }

    fn version(&self) -> &str {
        &self.version
    }

    fn set_version(&mut self, version: String) {
        self.version = version;
    }
}

/// A shipping method as it may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippingInput {
    pub code: String,
    pub name: String,
    pub price: Money,
    pub free_over: Option<Money>,
    pub min_days: i32,
    pub max_days: i32,
    pub is_active: bool,
    pub position: i32,
}

impl ShippingInput {
    pub fn parse(fields: &ShippingFields) -> Result<ShippingInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = forms::text(&mut errors, "code", "Code", &fields.code, 32, true);
        let code_ok = code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !code_ok {
            errors.add("code", "Use letters, digits, - and _ only.");
        }
        let name = forms::text(&mut errors, "name", "Name", &fields.name, 100, true);
        let price = money(&mut errors, "price", &fields.price);
        let free_over = if fields.free_over.trim().is_empty() {
            None
        } else {
            money(&mut errors, "free_over", &fields.free_over)
        };
        let min_days = small_whole(&mut errors, "min_days", &fields.min_days, 365);
        let max_days = small_whole(&mut errors, "max_days", &fields.max_days, 365);
        if let (Some(min), Some(max)) = (min_days, max_days)
            && max < min
        {
            errors.add(
                "max_days",
                "The longest delivery time cannot be shorter than the shortest.",
            );
        }
        let position = small_whole(&mut errors, "position", &fields.position, 10_000);
        match (price, min_days, max_days, position) {
            (Some(price), Some(min_days), Some(max_days), Some(position)) if errors.is_empty() => {
                Ok(ShippingInput {
                    code: code.to_lowercase(),
                    name,
                    price,
                    free_over,
                    min_days,
                    max_days,
                    is_active: fields.is_active.is_some(),
                    position,
                })
            }
            _ => Err(errors),
        }
    }
}

fn money(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Option<Money> {
    Money::parse_typed(raw)
        .map_err(|e| errors.add(field, e.to_string()))
        .ok()
}

/// A whole number from 0 to `max`.
fn small_whole(errors: &mut FieldErrors, field: &'static str, raw: &str, max: i32) -> Option<i32> {
    let value = parse_whole(raw)
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| (0..=max).contains(n));
    if value.is_none() {
        errors.add(
            field,
            format!("Please enter a whole number from 0 to {max}."),
        );
    }
    value
}

/// What a cart of each `EXAMPLE_CARTS` amount would pay for shipping by `method`.
pub fn example(price: Money, free_over: Option<Money>) -> Vec<(Money, Money)> {
    EXAMPLE_CARTS
        .iter()
        .map(|&cents| {
            let cart = Money::from_minor(cents);
            let totals = super::example_totals(cart, Shipping { price, free_over }, 0);
            (cart, totals.shipping)
        })
        .collect()
}

pub fn list(conn: &mut DbConn) -> Result<Vec<ShippingMethod>> {
    Ok(shipping_methods::table
        .order((shipping_methods::position.asc(), shipping_methods::id.asc()))
        .select(ShippingMethod::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, id: i64) -> Result<ShippingMethod> {
    Ok(shipping_methods::table
        .find(id)
        .select(ShippingMethod::as_select())
        .first(conn)?)
}

/// Creates a method; a code already in use is refused on its field.
pub fn create(
    conn: &mut DbConn,
    admin: &Actor,
    input: &ShippingInput,
) -> Result<Result<i64, FieldErrors>> {
    db::write_tx(conn, |conn| {
        if let Some(errors) = code_taken(conn, &input.code, None)? {
            return Ok(Err(errors));
        }
        let id: i64 = diesel::insert_into(shipping_methods::table)
            .values(columns(input))
            .returning(shipping_methods::id)
            .get_result(conn)
            .map_err(clash)?;
        audit::record(conn, admin, "shipping.create", entity(id), &describe(input))?;
        Ok(Ok(id))
    })
}

/// Saves every field of method `id`, unless another admin saved it since the form was opened at
/// `opened_at` (`edits`).
pub fn update(
    conn: &mut DbConn,
    admin: &Actor,
    id: i64,
    opened_at: Version,
    input: &ShippingInput,
) -> Result<Result<(), FieldErrors>> {
    db::write_tx(conn, |conn| {
        get(conn, id)?;
        if let Some(errors) = code_taken(conn, &input.code, Some(id))? {
            return Ok(Err(errors));
        }
        let rows = diesel::update(shipping_methods::table.find(id))
            .filter(shipping_methods::version.eq(opened_at.0))
            .set((
                columns(input),
                shipping_methods::version.eq(shipping_methods::version + 1),
            ))
            .execute(conn)
            .map_err(clash)?;
        edits::saved(rows)?;
        audit::record(conn, admin, "shipping.update", entity(id), &describe(input))?;
        Ok(Ok(()))
    })
}

/// The stored columns; `free_over` left empty clears the threshold.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = shipping_methods, treat_none_as_null = true)]
struct Row<'a> {
    code: &'a str,
    name: &'a str,
    price: i64,
    free_over: Option<i64>,
    min_days: i32,
    max_days: i32,
    is_active: bool,
    position: i32,
}

fn columns(input: &ShippingInput) -> Row<'_> {
    Row {
        code: &input.code,
        name: &input.name,
        price: input.price.minor(),
        free_over: input.free_over.map(Money::minor),
        min_days: input.min_days,
        max_days: input.max_days,
        is_active: input.is_active,
        position: input.position,
    }
}

/// Codes are stored lower-case, like the seeded ones (`standard`), so "STD" and "std" are one code.
fn code_taken(conn: &mut DbConn, code: &str, except: Option<i64>) -> Result<Option<FieldErrors>> {
    let other: Option<i64> = shipping_methods::table
        .filter(shipping_methods::code.eq(code))
        .filter(shipping_methods::id.ne(except.unwrap_or(0)))
        .select(shipping_methods::id)
        .first(conn)
        .optional()?;
    Ok(other.map(|_| FieldErrors::single("code", "Another shipping method has that code.")))
}

/// Another admin saved the same code between our check and our write.
fn clash(error: diesel::result::Error) -> Error {
    if db::is_unique_violation(&error) {
        Error::Conflict(
            "Another shipping method has just taken that code; please try again.".into(),
        )
    } else {
        error.into()
    }
}

fn entity(id: i64) -> Entity<'static> {
    Entity {
        kind: "shipping_method",
        id,
    }
}

fn describe(input: &ShippingInput) -> String {
    format!(
        "{} {}: {} (free over {}), {}-{} days, {}",
        input.code,
        input.name,
        input.price,
        input
            .free_over
            .map_or("never".to_owned(), |m| m.to_string()),
        input.min_days,
        input.max_days,
        if input.is_active {
            "active"
        } else {
            "inactive"
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ShippingFields {
        ShippingFields {
            code: "Express".into(),
            name: "Express".into(),
            price: "12.99".into(),
            free_over: "".into(),
            min_days: "1".into(),
            max_days: "2".into(),
            is_active: Some("on".into()),
            position: "3".into(),
            version: String::new(),
        }
    }

    #[test]
    fn a_good_form_parses_with_the_code_lower_cased() {
        let input = ShippingInput::parse(&fields()).unwrap();
        assert_eq!(input.code, "express");
        assert_eq!(input.price, Money::from_minor(1299));
        assert_eq!(
            (input.free_over, input.min_days, input.max_days),
            (None, 1, 2)
        );
        assert!(input.is_active);
    }

    type Spoil = fn(&mut ShippingFields);

    #[test]
    fn bad_fields_are_each_named() {
        let cases: [(&str, Spoil); 6] = [
            ("price", |f| f.price = "-1.00".into()),
            ("price", |f| f.price = "12,99".into()),
            ("free_over", |f| f.free_over = "abc".into()),
            ("max_days", |f| f.max_days = "0".into()),
            ("code", |f| f.code = "two words".into()),
            ("min_days", |f| f.min_days = "1.5".into()),
        ];
        for (field, spoil) in cases {
            let mut f = fields();
            spoil(&mut f);
            let errors = ShippingInput::parse(&f).unwrap_err();
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
    }

    #[test]
    fn the_example_uses_the_free_shipping_threshold() {
        let shown = example(Money::from_minor(499), Some(Money::from_minor(5_000)));
        assert_eq!(
            shown,
            vec![
                (Money::from_minor(2_500), Money::from_minor(499)),
                (Money::from_minor(10_000), Money::ZERO),
            ]
        );
    }
}
