//! A seller's own listings: list, create, edit details, change a variant's price and adjust
//! its stock. Each write locks the product row first (which also proves ownership), keeps the
//! product's denormalised price range and in-stock flag true in the same transaction, and
//! writes a search outbox row so search sees the change.

use diesel::prelude::*;
use serde::Deserialize;

use super::{Checked, active_profile_of, profile_of};
use crate::accounts::form::{self, FieldErrors};
use crate::accounts::ownership::owned_by;
use crate::catalog::ProductStatus;
use crate::catalog::slug::slug;
use crate::db::models::{Category, Product, Variant};
use crate::db::schema::{
    categories, price_history, product_categories, product_variants, products,
};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::inventory::{self, MAX_STOCK, Move, MovementReason, Why};
use crate::money::Money;
use crate::paging::KeysetPage;
use crate::util::{now, random_hex};

pub const PAGE_SIZE: usize = 25;
/// The most a single variant can cost: $1,000,000.00. Anything above is a typo.
pub const MAX_PRICE: Money = Money::from_minor(100_000_000);
pub const MAX_NAME_CHARS: usize = 255;
pub const MAX_DESCRIPTION_CHARS: usize = 20_000;
pub const MAX_SKU_CHARS: usize = 64;
pub const MAX_NOTE_CHARS: usize = 500;

/// A listing state chosen on a form.
fn status(errors: &mut FieldErrors, field: &'static str, raw: &str) -> ProductStatus {
    ProductStatus::parse(raw.trim()).unwrap_or_else(|| {
        errors.add(field, "Please choose draft, active or archived.");
        ProductStatus::Draft
    })
}

/// A typed price: dollars and cents, not negative, at most `MAX_PRICE`.
fn price(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Money {
    match Money::parse(raw) {
        Some(amount) if amount <= MAX_PRICE => amount,
        Some(_) => {
            errors.add(field, format!("Prices can be at most {MAX_PRICE}."));
            Money::ZERO
        }
        None => {
            errors.add(
                field,
                "Please enter a price such as 12.99: not negative, at most two decimals.",
            );
            Money::ZERO
        }
    }
}

/// A whole number of units between `min` and `MAX_STOCK`, signs allowed when `min` is negative.
fn units(errors: &mut FieldErrors, field: &'static str, raw: &str, min: i32) -> i32 {
    match raw.trim().trim_start_matches('+').parse::<i32>() {
        Ok(n) if (min..=MAX_STOCK).contains(&n) => n,
        _ => {
            errors.add(
                field,
                format!("Please enter a whole number from {min} to {MAX_STOCK}."),
            );
            0
        }
    }
}

/// The seller's live products, newest first, continuing after product `after`.
pub fn list(conn: &mut DbConn, user_id: i64, after: Option<i64>) -> Result<KeysetPage<Product>> {
    let seller = profile_of(conn, user_id)?;
    let rows = products::table
        .filter(products::seller_id.eq(seller.id))
        .filter(products::deleted_at.is_null())
        .filter(products::id.lt(after.unwrap_or(i64::MAX)))
        .order(products::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .select(Product::as_select())
        .load(conn)?;
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |p| p.id))
}

/// A product with its variants, for the edit page.
pub struct Listing {
    pub product: Product,
    pub variants: Vec<Variant>,
}

/// One of the seller's own products; another seller's product is `NotFound`, like a missing one.
pub fn listing(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<Listing> {
    let seller = profile_of(conn, user_id)?;
    let row = products::table
        .find(product_id)
        .filter(products::deleted_at.is_null())
        .select(Product::as_select())
        .first(conn)
        .optional()?;
    let product = owned_by(row, seller.id)?;
    let variants = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .order((product_variants::position, product_variants::id))
        .select(Variant::as_select())
        .load(conn)?;
    Ok(Listing { product, variants })
}

/// Categories a product can be filed under, in tree order.
pub fn categories(conn: &mut DbConn) -> Result<Vec<Category>> {
    Ok(categories::table
        .order(categories::path)
        .select(Category::as_select())
        .load(conn)?)
}

/// Locks the seller's product row for the rest of the transaction, so concurrent changes to
/// its variants recompute the price range and stock flag one after another. Another seller's
/// product is `NotFound`.
fn lock_own_product(conn: &mut DbConn, seller_id: i64, product_id: i64) -> Result<()> {
    let locked = diesel::update(
        products::table
            .find(product_id)
            .filter(products::seller_id.eq(seller_id))
            .filter(products::deleted_at.is_null()),
    )
    .set(products::updated_at.eq(now()))
    .execute(conn)?;
    if locked == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

/// A variant of the product; a variant of any other product is `NotFound`.
fn variant_of(conn: &mut DbConn, product_id: i64, variant_id: i64) -> Result<Variant> {
    Ok(product_variants::table
        .find(variant_id)
        .filter(product_variants::product_id.eq(product_id))
        .select(Variant::as_select())
        .first(conn)?)
}

/// Recomputes the cheapest and dearest active variant.
fn refresh_price_range(conn: &mut DbConn, product_id: i64) -> Result<()> {
    use diesel::dsl::{max, min};
    let (low, high): (Option<i64>, Option<i64>) = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .filter(product_variants::is_active.eq(true))
        .select((min(product_variants::price), max(product_variants::price)))
        .first(conn)?;
    diesel::update(products::table.find(product_id))
        .set((
            products::price_min.eq(low.unwrap_or(0)),
            products::price_max.eq(high.unwrap_or(0)),
        ))
        .execute(conn)?;
    Ok(())
}

/// The details form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct DetailsInput {
    pub name: String,
    pub description: String,
    pub status: String,
}

impl DetailsInput {
    pub fn of(product: &Product) -> DetailsInput {
        DetailsInput {
            name: product.name.clone(),
            description: product.description.clone(),
            status: product.status.as_str().to_owned(),
        }
    }
}

pub struct ValidDetails {
    name: String,
    description: String,
    status: ProductStatus,
}

impl ValidDetails {
    pub fn parse(input: &DetailsInput) -> std::result::Result<ValidDetails, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", "Name", &input.name, MAX_NAME_CHARS, true);
        let description = multiline(&mut e, "description", &input.description);
        let status = status(&mut e, "status", &input.status);
        e.or_ok(ValidDetails {
            name,
            description,
            status,
        })
    }
}

/// A description may hold line breaks and tabs, but no other control characters.
fn multiline(errors: &mut FieldErrors, field: &'static str, raw: &str) -> String {
    let flattened: String = raw
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    form::text(
        errors,
        field,
        "Description",
        &flattened,
        MAX_DESCRIPTION_CHARS,
        false,
    );
    raw.trim().replace("\r\n", "\n")
}

pub fn update_details(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    details: &ValidDetails,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        diesel::update(products::table.find(product_id))
            .set((
                products::name.eq(&details.name),
                products::description.eq(&details.description),
                products::status.eq(details.status),
            ))
            .execute(conn)?;
        crate::search::enqueue(conn, product_id)
    })
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PriceInput {
    pub price: String,
}

pub fn parse_price(input: &PriceInput) -> std::result::Result<Money, FieldErrors> {
    let mut e = FieldErrors::default();
    let amount = price(&mut e, "price", &input.price);
    e.or_ok(amount)
}

/// Sets a variant's price, records the change in the price history and moves the product's
/// price range. Setting the price it already has changes nothing.
pub fn change_price(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
    new_price: Money,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        let variant = variant_of(conn, product_id, variant_id)?;
        if variant.price == new_price.minor() {
            return Ok(());
        }
        diesel::update(product_variants::table.find(variant_id))
            .set((
                product_variants::price.eq(new_price.minor()),
                product_variants::updated_at.eq(now()),
            ))
            .execute(conn)?;
        diesel::insert_into(price_history::table)
            .values((
                price_history::variant_id.eq(variant_id),
                price_history::old_price.eq(variant.price),
                price_history::new_price.eq(new_price.minor()),
                price_history::changed_by.eq(user_id),
            ))
            .execute(conn)?;
        refresh_price_range(conn, product_id)?;
        crate::search::enqueue(conn, product_id)
    })
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
    delta: i32,
    reason: MovementReason,
    note: String,
}

impl StockChange {
    /// A restock adds units; an adjustment (a count, breakage, loss) may add or remove them.
    pub fn parse(input: &StockInput) -> std::result::Result<StockChange, FieldErrors> {
        let mut e = FieldErrors::default();
        let delta = units(&mut e, "change", &input.change, -MAX_STOCK);
        let reason = match input.reason.trim() {
            "restock" => MovementReason::Restock,
            "adjustment" => MovementReason::Adjustment,
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
        let note = form::text(&mut e, "note", "Note", &input.note, MAX_NOTE_CHARS, false);
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

/// Moves a variant's stock by the change, never below zero nor above `MAX_STOCK`, with its
/// ledger row; returns the new stock, or a message on the `change` field when the stock on hand
/// cannot cover a removal.
pub fn adjust_stock(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
    change: &StockChange,
) -> Result<Checked<i32>> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        let variant = variant_of(conn, product_id, variant_id)?;
        let why = Why {
            actor_id: Some(user_id),
            note: &change.note,
            ..Why::of(change.reason)
        };
        let moved = inventory::move_stock(
            conn,
            &[Move {
                variant_id: variant.id,
                delta: change.delta,
            }],
            why,
        )?;
        // A sale that committed since the page was drawn is taken into account here.
        match moved {
            Ok(stock) => Ok(Ok(stock[0])),
            Err(refused) => {
                let on_hand = refused.on_hand;
                let message = if change.delta < 0 {
                    format!(
                        "Only {on_hand} in stock, so {} cannot be removed.",
                        -change.delta
                    )
                } else {
                    format!("Stock can be at most {MAX_STOCK}; there are {on_hand} already.")
                };
                Ok(Err(FieldErrors::single("change", message)))
            }
        }
    })
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
    name: String,
    description: String,
    category_id: i64,
    sku: String,
    price: Money,
    stock: i32,
    status: ProductStatus,
}

impl NewProduct {
    pub fn parse(input: &NewProductInput) -> std::result::Result<NewProduct, FieldErrors> {
        let mut e = FieldErrors::default();
        let name = form::text(&mut e, "name", "Name", &input.name, MAX_NAME_CHARS, true);
        let description = multiline(&mut e, "description", &input.description);
        let category_id = input.category_id.trim().parse::<i64>().unwrap_or_else(|_| {
            e.add("category_id", "Please choose a category.");
            0
        });
        let sku = form::text(&mut e, "sku", "SKU", &input.sku, MAX_SKU_CHARS, true);
        if !sku
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            e.add("sku", "SKUs use letters, digits, '-', '_' and '.' only.");
        }
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

/// Creates the product with its first variant, its opening stock in the ledger and its first
/// price in the history; returns the new product's id, or a message on the field to fix (a SKU
/// already in use, a category that does not exist).
pub fn create(conn: &mut DbConn, user_id: i64, new: &NewProduct) -> Result<Checked<i64>> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        let category_exists: i64 = categories::table
            .find(new.category_id)
            .count()
            .get_result(conn)?;
        if category_exists == 0 {
            return Ok(Err(FieldErrors::single(
                "category_id",
                "Please choose a category.",
            )));
        }
        let sku_taken: i64 = product_variants::table
            .filter(product_variants::sku.eq(&new.sku))
            .count()
            .get_result(conn)?;
        if sku_taken > 0 {
            return Ok(Err(sku_in_use(&new.sku)));
        }
        let product_id: i64 = diesel::insert_into(products::table)
            .values((
                products::seller_id.eq(seller.id),
                products::primary_category_id.eq(new.category_id),
                products::name.eq(&new.name),
                products::slug.eq(slug_for(&new.name)),
                products::description.eq(&new.description),
                products::status.eq(new.status),
                products::price_min.eq(new.price.minor()),
                products::price_max.eq(new.price.minor()),
            ))
            .returning(products::id)
            .get_result(conn)?;
        diesel::insert_into(product_categories::table)
            .values((
                product_categories::product_id.eq(product_id),
                product_categories::category_id.eq(new.category_id),
            ))
            .execute(conn)?;
        let inserted = diesel::insert_into(product_variants::table)
            .values((
                product_variants::product_id.eq(product_id),
                product_variants::sku.eq(&new.sku),
                product_variants::price.eq(new.price.minor()),
            ))
            .returning(product_variants::id)
            .get_result::<i64>(conn);
        let variant_id = match inserted {
            Ok(id) => id,
            // Another seller took the SKU between the check and the insert.
            Err(e) if db::is_unique_violation(&e) => {
                return Err(Error::Conflict(format!(
                    "The SKU {} was just taken; please choose another.",
                    new.sku
                )));
            }
            Err(e) => return Err(e.into()),
        };
        diesel::insert_into(price_history::table)
            .values((
                price_history::variant_id.eq(variant_id),
                price_history::new_price.eq(new.price.minor()),
                price_history::changed_by.eq(user_id),
            ))
            .execute(conn)?;
        if new.stock > 0 {
            // The opening stock moves the product's stock note, so this also tells search.
            let why = Why {
                actor_id: Some(user_id),
                ..Why::of(MovementReason::Initial)
            };
            inventory::move_stock(
                conn,
                &[Move {
                    variant_id,
                    delta: new.stock,
                }],
                why,
            )?
            .map_err(|refused| Error::Internal(format!("opening stock refused: {refused:?}")))?;
        } else {
            crate::search::enqueue(conn, product_id)?;
        }
        Ok(Ok(product_id))
    })
}

fn sku_in_use(sku: &str) -> FieldErrors {
    FieldErrors::single(
        "sku",
        format!("The SKU {sku} is already in use; SKUs are unique across the shop."),
    )
}

/// A readable, unique address for the product: its name's slug plus a short random suffix, so
/// two products of the same name never clash.
fn slug_for(name: &str) -> String {
    let base = slug(name);
    let base = if base.is_empty() { "product" } else { &base };
    format!("{base}-{}", random_hex(3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_bounded_and_at_most_two_decimals() {
        let parse = |raw: &str| parse_price(&PriceInput { price: raw.into() });
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

    #[test]
    fn slugs_are_words_and_a_suffix() {
        let slug = slug_for("Desk Lamp, Brass!");
        assert!(slug.starts_with("desk-lamp-brass-"), "{slug}");
        assert!(slug_for("!!!").starts_with("product-"));
    }
}
