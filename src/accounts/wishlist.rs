//! The wishlist: products a shopper keeps for later. Entries are addressed by (user, product),
//! so a shopper can only ever add to or remove from their own list.

use diesel::prelude::*;

use crate::catalog::{self, ProductCard};
use crate::db::schema::{products, wishlist_items};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};

/// More entries than this is a bot, not a shopper.
pub const MAX_ITEMS: i64 = 500;

/// The user's wishlisted products that are still on sale, most recently added first.
pub fn list(conn: &mut DbConn, user_id: i64) -> Result<Vec<ProductCard>> {
    let ids: Vec<i64> = wishlist_items::table
        .filter(wishlist_items::user_id.eq(user_id))
        .order((wishlist_items::added_at.desc(), wishlist_items::id.desc()))
        .select(wishlist_items::product_id)
        .load(conn)?;
    Ok(catalog::published_in_order(conn, &ids)?
        .into_iter()
        .map(|(_, card)| card)
        .collect())
}

/// Adds a product on sale; adding it twice keeps one entry. Err(NotFound) for a product that
/// is not on sale.
pub fn add(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<()> {
    let on_sale: i64 = products::table
        .filter(products::id.eq(product_id))
        .filter(products::status.eq(crate::catalog::ProductStatus::Active))
        .filter(products::deleted_at.is_null())
        .count()
        .get_result(conn)?;
    if on_sale == 0 {
        return Err(Error::NotFound);
    }
    let held: i64 = wishlist_items::table
        .filter(wishlist_items::user_id.eq(user_id))
        .count()
        .get_result(conn)?;
    if held >= MAX_ITEMS {
        return Err(Error::Invalid(format!(
            "Your wishlist holds at most {MAX_ITEMS} products; please remove some first."
        )));
    }
    let inserted = diesel::insert_into(wishlist_items::table)
        .values((
            wishlist_items::user_id.eq(user_id),
            wishlist_items::product_id.eq(product_id),
        ))
        .execute(conn);
    match inserted {
        Err(e) if !db::is_unique_violation(&e) => Err(e.into()),
        // Already on the list (a double click included): nothing to change.
        _ => Ok(()),
    }
}

/// Removes the product from this user's list; Err(NotFound) when it is not on it.
pub fn remove(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<()> {
    let removed = diesel::delete(
        wishlist_items::table
            .filter(wishlist_items::user_id.eq(user_id))
            .filter(wishlist_items::product_id.eq(product_id)),
    )
    .execute(conn)?;
    if removed == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}
