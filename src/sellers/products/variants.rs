//! A product's variants as its seller changes them: add one (a SKU unique across the shop, its
//! options, price, opening stock through the ledger), edit its name, options and price (through
//! `edit::set_price`, so the price history records it), remove one. Each call is one transaction
//! that ends with the product's price range and stock flag refreshed and a search outbox row.
//! The seller's forms call these, and so can an import, with inputs parsed by `variant_forms`;
//! `*_in` do the same inside the caller's write transaction (write transactions never nest:
//! `db::write_tx`).

use diesel::prelude::*;

use super::edit::set_price;
use super::variant_forms::{NewVariant, Options, VariantEdit};
use super::{checked_tx, live_variant_of, lock_own_product, refresh_summary};
use crate::db::models::{self, Variant};
use crate::db::schema::{cart_items, order_items, price_history, product_variants};
use crate::db::{self, DbConn};
use crate::edits::{self, Version};
use crate::error::{Error, Result};
use crate::forms::FieldErrors;
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
use crate::search;
use crate::sellers::{Checked, active_profile_of};
use crate::util::now;

/// What removing a variant did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// Never ordered and in no cart: the row is gone, with its price history and ledger.
    Deleted,
    /// Ordered, or waiting in a cart: kept for the orders (and shown in the cart as no longer
    /// available), but off sale.
    Deactivated,
}

/// Adds a variant to the seller's product; returns its id, or a message on the field to fix
/// (the SKU already in use, the same options as another variant). A SKU taken by a concurrent
/// request between the check and the insert is `Error::Conflict` (409).
pub fn add(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    new: &NewVariant,
) -> Result<Checked<i64>> {
    checked_tx(conn, |conn| add_in(conn, user_id, product_id, new))
}

/// `add` inside the caller's write transaction (an import of many rows in one).
pub fn add_in(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    new: &NewVariant,
) -> Result<Checked<i64>> {
    let seller = active_profile_of(conn, user_id)?;
    lock_own_product(conn, seller.id, product_id)?;
    if sku_taken(conn, &new.sku)? {
        return Ok(Err(sku_in_use(&new.sku)));
    }
    if let Some(clash) = same_options(conn, product_id, None, &new.name, &new.options)? {
        return Ok(Err(clash));
    }
    let options = new.options.to_json();
    let variant_id = insert_variant(
        conn,
        user_id,
        product_id,
        &Opening {
            sku: &new.sku,
            name: Some(&new.name),
            options: Some(&options),
            price: new.price,
            stock: new.stock,
        },
    )?;
    refresh_summary(conn, product_id)?;
    search::enqueue(conn, product_id)?;
    Ok(Ok(variant_id))
}

/// Changes a live variant's name, options and price, if no edit was saved since the form was
/// opened at `opened_at` (`edits`); a price change is recorded in the price history. Returns a message on the option field when another variant has the same options.
pub fn update(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
    opened_at: Version,
    edit: &VariantEdit,
) -> Result<Checked<()>> {
    checked_tx(conn, |conn| {
        update_in(conn, user_id, product_id, variant_id, opened_at, edit)
    })
}

/// `update` inside the caller's write transaction (an import of many rows in one).
pub fn update_in(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
    opened_at: Version,
    edit: &VariantEdit,
) -> Result<Checked<()>> {
    let seller = active_profile_of(conn, user_id)?;
    lock_own_product(conn, seller.id, product_id)?;
    let variant = live_variant_of(conn, product_id, variant_id)?;
    if let Some(clash) = same_options(
        conn,
        product_id,
        Some(variant_id),
        &edit.name,
        &edit.options,
    )? {
        return Ok(Err(clash));
    }
    let rows = diesel::update(product_variants::table.find(variant_id))
        .filter(product_variants::version.eq(opened_at.0))
        .set((
            product_variants::name.eq(&edit.name),
            product_variants::options.eq(edit.options.to_json()),
            product_variants::updated_at.eq(now()),
            product_variants::version.eq(product_variants::version + 1),
        ))
        .execute(conn)?;
    edits::saved(rows)?;
    set_price(conn, user_id, &variant, edit.price)?;
    search::enqueue(conn, product_id)?;
    Ok(Ok(()))
}

/// Takes a variant off sale. One never ordered and in no cart is deleted; otherwise it is
/// deactivated, so past orders keep pointing at it and a cart holding it says it is no longer
/// available (`cart::CartLine::problem`) and checkout refuses it. The last live variant of a
/// product cannot be removed: a product is archived instead.
pub fn remove(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
) -> Result<Removed> {
    db::write_tx(conn, |conn| {
        remove_in(conn, user_id, product_id, variant_id)
    })
}

/// `remove` inside the caller's write transaction (an import of many rows in one).
pub fn remove_in(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
) -> Result<Removed> {
    let seller = active_profile_of(conn, user_id)?;
    lock_own_product(conn, seller.id, product_id)?;
    let variant = live_variant_of(conn, product_id, variant_id)?;
    let live: i64 = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .filter(product_variants::is_active.eq(true))
        .count()
        .get_result(conn)?;
    if live <= 1 {
        return Err(Error::Conflict(
            "A product keeps at least one variant on sale. Add another variant first, \
             or archive the product to stop selling it."
                .into(),
        ));
    }
    let held = diesel::select(diesel::dsl::exists(
        order_items::table.filter(order_items::variant_id.eq(variant.id)),
    ))
    .get_result::<bool>(conn)?
        || diesel::select(diesel::dsl::exists(
            cart_items::table.filter(cart_items::variant_id.eq(variant.id)),
        ))
        .get_result::<bool>(conn)?;
    // Its price history and ledger rows go with it (ON DELETE CASCADE): nothing else refers
    // to it. An order line committed since the check makes the delete fail on its foreign
    // key; its savepoint (a nested transaction) then rolls back and the variant is kept off sale
    // instead.
    let deleted = !held
        && conn
            .transaction(|conn| {
                diesel::delete(product_variants::table.find(variant.id)).execute(conn)
            })
            .map(|_| true)
            .or_else(|e| {
                if db::is_constraint_violation(&e) {
                    Ok(false)
                } else {
                    Err(Error::from(e))
                }
            })?;
    let removed = if deleted {
        Removed::Deleted
    } else {
        diesel::update(product_variants::table.find(variant.id))
            .set((
                product_variants::is_active.eq(false),
                product_variants::updated_at.eq(now()),
            ))
            .execute(conn)?;
        Removed::Deactivated
    };
    refresh_summary(conn, product_id)?;
    search::enqueue(conn, product_id)?;
    Ok(removed)
}

pub(super) fn sku_taken(conn: &mut DbConn, sku: &str) -> Result<bool> {
    Ok(diesel::select(diesel::dsl::exists(
        product_variants::table.filter(product_variants::sku.eq(sku)),
    ))
    .get_result(conn)?)
}

pub(super) fn sku_in_use(sku: &str) -> FieldErrors {
    FieldErrors::single(
        "sku",
        format!("The SKU {sku} is already in use; SKUs are unique across the shop."),
    )
}

/// A message when another live variant of the product has the same name and options, so
/// shoppers could not tell the two apart.
fn same_options(
    conn: &mut DbConn,
    product_id: i64,
    except: Option<i64>,
    name: &str,
    options: &Options,
) -> Result<Option<FieldErrors>> {
    let others: Vec<Variant> = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .filter(product_variants::is_active.eq(true))
        .filter(product_variants::id.ne(except.unwrap_or(0)))
        .select(Variant::as_select())
        .load(conn)?;
    let clash = others
        .iter()
        .any(|v| v.name == name && Options::from_json(&v.options) == *options);
    Ok(clash.then(|| {
        FieldErrors::single(
            "option1",
            "Another variant of this product has the same name and options; \
             shoppers could not tell them apart.",
        )
    }))
}

/// A variant as it is first written.
pub struct Opening<'a> {
    pub sku: &'a str,
    /// `None` leaves the column's default (no name, no options).
    pub name: Option<&'a str>,
    pub options: Option<&'a str>,
    pub price: Money,
    pub stock: i32,
}

/// The one insert of a variant (a new product's first, the variant form's, an import's): last
/// in the product's order, its first price in the history, its opening stock in the ledger
/// (which tells search, as the stock note moves). The caller has checked the SKU is free; one
/// taken since by a concurrent listing is a 409 and the caller's transaction rolls back.
pub fn insert_variant(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    opening: &Opening,
) -> Result<i64> {
    let position: Option<i32> = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .select(diesel::dsl::max(product_variants::position))
        .first(conn)?;
    let inserted = diesel::insert_into(product_variants::table)
        .values(&models::NewVariant {
            product_id,
            sku: opening.sku,
            name: opening.name,
            options: opening.options,
            price: opening.price.minor(),
            reorder_point: None,
            position: Some(position.map_or(0, |p| p + 1)),
        })
        .returning(product_variants::id)
        .get_result::<i64>(conn);
    let variant_id = match inserted {
        Ok(id) => id,
        Err(e) if db::unique_violation_on(&e, "product_variants", &["sku"]) => {
            return Err(Error::Conflict(format!(
                "The SKU {} was just taken; please choose another.",
                opening.sku
            )));
        }
        Err(e) => return Err(e.into()),
    };
    diesel::insert_into(price_history::table)
        .values((
            price_history::variant_id.eq(variant_id),
            price_history::new_price.eq(opening.price.minor()),
            price_history::changed_by.eq(user_id),
        ))
        .execute(conn)?;
    if opening.stock > 0 {
        let why = Why {
            actor_id: Some(user_id),
            ..Why::of(MovementReason::Initial)
        };
        let moves = [Move {
            variant_id,
            delta: opening.stock,
        }];
        inventory::move_stock(conn, &moves, why)?
            .map_err(|refused| Error::Internal(format!("opening stock refused: {refused:?}")))?;
    }
    Ok(variant_id)
}
