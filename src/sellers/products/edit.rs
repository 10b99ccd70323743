//! Changing a listing's details and a variant's price. Both are forms a seller may have open
//! twice (two tabs, two staff): each update matches the version the form was opened at
//! (`edits`), so the second save of the same version is refused instead of overwriting.

use diesel::prelude::*;

use super::forms::ValidDetails;
use super::{live_variant_of, lock_own_product, refresh_summary};
use crate::db::models::Variant;
use crate::db::schema::{price_history, product_variants, products};
use crate::db::{self, DbConn};
use crate::edits::{self, Version};
use crate::error::Result;
use crate::money::Money;
use crate::sellers::active_profile_of;
use crate::util::now;

pub fn update_details(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    opened_at: Version,
    details: &ValidDetails,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        crate::catalog::addresses::rename_product(conn, product_id, &details.name)?;
        let rows = diesel::update(products::table.find(product_id))
            .filter(products::version.eq(opened_at.0))
            .set((
                products::name.eq(&details.name),
                products::description.eq(&details.description),
                products::status.eq(details.status),
                products::version.eq(products::version + 1),
            ))
            .execute(conn)?;
        edits::saved(rows)?;
        crate::search::enqueue(conn, product_id)
    })
}

/// Sets a variant's price, records the change in the price history and moves the product's
/// price range. Setting the price it already has changes nothing.
pub fn change_price(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
    opened_at: Version,
    new_price: Money,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        let variant = live_variant_of(conn, product_id, variant_id)?;
        claim_variant(conn, variant_id, opened_at)?;
        set_price(conn, user_id, &variant, new_price)
    })
}

/// Counts an edit of a variant opened at `opened_at`, or refuses it as stale (`edits`).
pub(super) fn claim_variant(conn: &mut DbConn, variant_id: i64, opened_at: Version) -> Result<()> {
    let rows = diesel::update(product_variants::table.find(variant_id))
        .filter(product_variants::version.eq(opened_at.0))
        .set(product_variants::version.eq(product_variants::version + 1))
        .execute(conn)?;
    edits::saved(rows)
}

/// The one way a variant's price changes: the new price, its price-history row, the product's
/// price range and a search outbox row, in the caller's transaction. The price it already has
/// changes nothing.
pub(super) fn set_price(
    conn: &mut DbConn,
    user_id: i64,
    variant: &Variant,
    new_price: Money,
) -> Result<()> {
    let (product_id, variant_id) = (variant.product_id, variant.id);
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
    refresh_summary(conn, product_id)?;
    crate::search::enqueue(conn, product_id)
}
