//! Changing a listing's details and a variant's price.

use diesel::prelude::*;

use super::forms::ValidDetails;
use super::{lock_own_product, variant_of};
use crate::db::schema::{price_history, product_variants, products};
use crate::db::{self, DbConn};
use crate::error::Result;
use crate::money::Money;
use crate::sellers::active_profile_of;
use crate::util::now;

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
