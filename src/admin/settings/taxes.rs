//! Tax rates: one per country and region (region empty for the country-wide rate), typed as a
//! percentage and stored in basis points, as `checkout::tax_rate` reads them.

use diesel::prelude::*;
use serde::Deserialize;

use crate::accounts::countries;
use crate::audit::{self, Actor, Entity};
use crate::db::models::TaxRate;
use crate::db::schema::tax_rates;
use crate::db::{self, DbConn};
use crate::edits::{self, Version};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::pricing::Shipping;

/// The cart each tax page prices, in cents.
pub const EXAMPLE_CART: i64 = 10_000;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct TaxFields {
    #[serde(default)]
    pub country: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub rate: String,
    /// The rate's version when the edit form was opened (`edits`); empty on the new form.
    #[serde(default)]
    pub version: String,
}

impl TaxFields {
    pub fn of(rate: &TaxRate) -> TaxFields {
        TaxFields {
            country: rate.country.clone(),
            region: rate.region.clone(),
            name: rate.name.clone(),
            rate: percent(rate.rate_bps),
            version: rate.version.to_string(),
        }
    }
}

impl crate::edits::EditForm for TaxFields {
    fn labelled(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Country", self.country.clone()),
            ("Region", self.region.clone()),
            ("Name", self.name.clone()),
            ("Rate (%)", self.rate.clone()),
        ]
    }

    fn version(&self) -> &str {
        &self.version
    }

    fn set_version(&mut self, version: String) {
        self.version = version;
    }
}

/// `825` as "8.25".
pub fn percent(bps: i32) -> String {
    format!("{}.{:02}", bps / 100, bps % 100)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxInput {
    pub country: String,
    /// Empty for the country-wide rate.
    pub region: String,
    pub name: String,
    pub rate_bps: i32,
}

impl TaxInput {
    pub fn parse(fields: &TaxFields) -> Result<TaxInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let country = fields.country.trim().to_ascii_uppercase();
        if countries::name_of(&country).is_none() {
            errors.add("country", "Please choose a country from the list.");
        }
        let region = forms::text(&mut errors, "region", "Region", &fields.region, 100, false);
        let name = forms::text(&mut errors, "name", "Name", &fields.name, 100, true);
        let rate_bps = parse_percent(&fields.rate);
        if rate_bps.is_none() {
            errors.add(
                "rate",
                "Please enter a percentage from 0 to 100 with at most two decimals, like 8.25.",
            );
        }
        match rate_bps {
            Some(rate_bps) if errors.is_empty() => Ok(TaxInput {
                country,
                region,
                name,
                rate_bps,
            }),
            _ => Err(errors),
        }
    }
}

/// "8.25" (or "8.25 %") as 825 basis points; 0 to 100 with at most two decimals.
pub fn parse_percent(raw: &str) -> Option<i32> {
    let text = raw.trim().trim_end_matches('%').trim_end();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 3
        || !digits(whole)
        || fraction.len() > 2
        || !digits(fraction)
    {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let hundredths: i32 = format!("{fraction:0<2}").parse().ok()?;
    Some(whole * 100 + hundredths).filter(|bps| *bps <= 10_000)
}

/// The tax checkout would charge on an `EXAMPLE_CART` cart at `rate_bps`.
pub fn example(rate_bps: i32) -> (Money, Money) {
    let cart = Money::from_minor(EXAMPLE_CART);
    (
        cart,
        super::example_totals(cart, Shipping::NONE, rate_bps).tax,
    )
}

pub fn list(conn: &mut DbConn) -> Result<Vec<TaxRate>> {
    Ok(tax_rates::table
        .order((tax_rates::country.asc(), tax_rates::region.asc()))
        .select(TaxRate::as_select())
        .load(conn)?)
}

pub fn get(conn: &mut DbConn, id: i64) -> Result<TaxRate> {
    Ok(tax_rates::table
        .find(id)
        .select(TaxRate::as_select())
        .first(conn)?)
}

/// Creates a rate; a country and region that already have one are refused on the region.
pub fn create(
    conn: &mut DbConn,
    admin: &Actor,
    input: &TaxInput,
) -> Result<Result<i64, FieldErrors>> {
    db::write_tx(conn, |conn| {
        if let Some(errors) = place_taken(conn, input, None)? {
            return Ok(Err(errors));
        }
        let id: i64 = diesel::insert_into(tax_rates::table)
            .values(columns(input))
            .returning(tax_rates::id)
            .get_result(conn)
            .map_err(clash)?;
        audit::record(conn, admin, "tax_rate.create", entity(id), &describe(input))?;
        Ok(Ok(id))
    })
}

/// Saves rate `id`, unless another admin saved it since the form was opened at `opened_at`
/// (`edits`).
pub fn update(
    conn: &mut DbConn,
    admin: &Actor,
    id: i64,
    opened_at: Version,
    input: &TaxInput,
) -> Result<Result<(), FieldErrors>> {
    db::write_tx(conn, |conn| {
        get(conn, id)?;
        if let Some(errors) = place_taken(conn, input, Some(id))? {
            return Ok(Err(errors));
        }
        let rows = diesel::update(tax_rates::table.find(id))
            .filter(tax_rates::version.eq(opened_at.0))
            .set((
                columns(input),
                tax_rates::version.eq(tax_rates::version + 1),
            ))
            .execute(conn)
            .map_err(clash)?;
        edits::saved(rows)?;
        audit::record(conn, admin, "tax_rate.update", entity(id), &describe(input))?;
        Ok(Ok(()))
    })
}

#[derive(Insertable, AsChangeset)]
#[diesel(table_name = tax_rates)]
struct Row<'a> {
    country: &'a str,
    region: &'a str,
    name: &'a str,
    rate_bps: i32,
}

fn columns(input: &TaxInput) -> Row<'_> {
    Row {
        country: &input.country,
        region: &input.region,
        name: &input.name,
        rate_bps: input.rate_bps,
    }
}

fn place_taken(
    conn: &mut DbConn,
    input: &TaxInput,
    except: Option<i64>,
) -> Result<Option<FieldErrors>> {
    let other: Option<i64> = tax_rates::table
        .filter(tax_rates::country.eq(&input.country))
        .filter(tax_rates::region.eq(&input.region))
        .filter(tax_rates::id.ne(except.unwrap_or(0)))
        .select(tax_rates::id)
        .first(conn)
        .optional()?;
    Ok(other.map(|_| {
        FieldErrors::single(
            "region",
            "That country and region already have a tax rate; edit it instead.",
        )
    }))
}

/// Another admin saved the same place between our check and our write.
fn clash(error: diesel::result::Error) -> Error {
    if db::is_unique_violation(&error) {
        Error::Conflict(
            "Another tax rate has just been saved for that place; please try again.".into(),
        )
    } else {
        error.into()
    }
}

fn entity(id: i64) -> Entity<'static> {
    Entity {
        kind: "tax_rate",
        id,
    }
}

fn describe(input: &TaxInput) -> String {
    format!(
        "{}{}{} {}: {} %",
        input.country,
        if input.region.is_empty() { "" } else { "/" },
        input.region,
        input.name,
        percent(input.rate_bps)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_become_basis_points() {
        let cases = [
            ("8.25", Some(825)),
            ("8.5", Some(850)),
            ("0", Some(0)),
            ("100", Some(10_000)),
            (" 7 % ", Some(700)),
        ];
        for (typed, bps) in cases {
            assert_eq!(parse_percent(typed), bps, "{typed}");
        }
        for bad in ["100.01", "abc", "", "-1", "8,25", "8.255", ".5", "1e2"] {
            assert_eq!(parse_percent(bad), None, "{bad}");
        }
    }

    #[test]
    fn country_must_be_known_and_a_duplicate_is_the_services_call() {
        let fields = |country: &str| TaxFields {
            country: country.into(),
            region: " CA ".into(),
            name: "Sales tax".into(),
            rate: "8.25".into(),
            version: String::new(),
        };
        let input = TaxInput::parse(&fields("us")).unwrap();
        assert_eq!(
            (
                input.country.as_str(),
                input.region.as_str(),
                input.rate_bps
            ),
            ("US", "CA", 825)
        );
        assert!(
            TaxInput::parse(&fields("ZZ"))
                .unwrap_err()
                .get("country")
                .is_some()
        );
    }

    #[test]
    fn the_example_is_checkouts_tax() {
        assert_eq!(
            example(825),
            (Money::from_minor(10_000), Money::from_minor(825))
        );
        assert_eq!(percent(825), "8.25");
    }
}
