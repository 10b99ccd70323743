//! A seller's own listings: list, create, edit details, change a variant's price and adjust
//! its stock. Each write locks the product row first (which also proves ownership), keeps the
//! product's denormalised price range and in-stock flag true in the same transaction, and
//! writes a search outbox row so search sees the change.

mod create;
mod edit;
mod forms;
pub mod images;
mod stock;

use diesel::prelude::*;

use super::profile_of;
use crate::db::DbConn;
use crate::db::models::{Category, Product, Variant};
use crate::db::schema::{categories, product_variants, products};
use crate::error::{Error, Result};
use crate::ownership::owned_by;
use crate::paging::KeysetPage;
use crate::util::now;

pub use create::create;
pub use edit::{change_price, update_details};
pub use forms::{
    DetailsInput, NewProduct, NewProductInput, PriceInput, StockChange, StockInput, ValidDetails,
    parse_price,
};
pub use stock::adjust_stock;

pub const PAGE_SIZE: usize = 25;

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
