//! A seller's own listings: list, create, edit details, change a variant's price and adjust
//! its stock, add, edit and remove variants, change the category, archive. Each write locks the
//! product row first (which also proves ownership and refuses an archived product), keeps the
//! product's denormalised price range and in-stock flag true in the same transaction
//! (`refresh_summary`), and writes a search outbox row so search sees the change.

mod create;
mod edit;
mod forms;
pub mod history;
pub mod images;
mod lifecycle;
mod stock;
pub mod variant_forms;
pub mod variants;

use diesel::prelude::*;

use super::profile_of;
use crate::catalog::ProductStatus;
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
pub use lifecycle::{UNPUBLISH_ACTION, archive, change_category};
pub use stock::adjust_stock;
pub use variant_forms::{NewVariant, VariantEdit, VariantEditInput, VariantInput};

pub const PAGE_SIZE: usize = 25;

/// The seller's products, archived ones included (marked so), newest first, continuing after
/// product `after`.
pub fn list(conn: &mut DbConn, user_id: i64, after: Option<i64>) -> Result<KeysetPage<Product>> {
    let seller = profile_of(conn, user_id)?;
    let rows = products::table
        .filter(products::seller_id.eq(seller.id))
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
    /// When the shop unpublished it and why, until the seller changes it.
    pub unpublished: Option<(chrono::NaiveDateTime, String)>,
}

/// One of the seller's own products, archived or not; another seller's product is `NotFound`,
/// like a missing one.
pub fn listing(conn: &mut DbConn, user_id: i64, product_id: i64) -> Result<Listing> {
    let seller = profile_of(conn, user_id)?;
    let row = products::table
        .find(product_id)
        .select(Product::as_select())
        .first(conn)
        .optional()?;
    let product = owned_by(row, seller.id)?;
    let variants = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .order((product_variants::position, product_variants::id))
        .select(Variant::as_select())
        .load(conn)?;
    let unpublished = lifecycle::unpublished_note(conn, &product)?;
    Ok(Listing {
        product,
        variants,
        unpublished,
    })
}

/// Categories a product can be filed under, in tree order.
pub fn categories(conn: &mut DbConn) -> Result<Vec<Category>> {
    Ok(categories::table
        .order(categories::path)
        .select(Category::as_select())
        .load(conn)?)
}

/// What a seller is told on any change to an archived product.
pub const ARCHIVED: &str = "This product is archived: it stays in past orders and reports, \
                            but it can no longer be changed or put on sale again.";

impl Listing {
    pub fn is_archived(&self) -> bool {
        is_archived(&self.product)
    }
}

/// Archived by the seller (`archive`) or marked so by older data: either way, never for sale again.
pub fn is_archived(product: &Product) -> bool {
    product.status == ProductStatus::Archived || product.deleted_at.is_some()
}

/// Locks the seller's product row for the rest of the transaction, so concurrent changes to
/// its variants recompute the price range and stock flag one after another. Another seller's
/// product is `NotFound`; an archived one is refused with `ARCHIVED`.
fn lock_own_product(conn: &mut DbConn, seller_id: i64, product_id: i64) -> Result<Product> {
    let locked = diesel::update(
        products::table
            .find(product_id)
            .filter(products::seller_id.eq(seller_id)),
    )
    .set(products::updated_at.eq(now()))
    .execute(conn)?;
    if locked == 0 {
        return Err(Error::NotFound);
    }
    let locked = products::table
        .find(product_id)
        .select(Product::as_select())
        .first(conn)?;
    if is_archived(&locked) {
        return Err(Error::Conflict(ARCHIVED.into()));
    }
    Ok(locked)
}

/// Makes the product's price range (cheapest and dearest active variant) and in-stock flag
/// agree with its variants again; every change to a variant's price, stock or activity calls it
/// in its transaction. `shopwave check` holds the same rule against the rows.
pub(crate) fn refresh_summary(conn: &mut DbConn, product_id: i64) -> Result<()> {
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
    crate::inventory::refresh_in_stock(conn, product_id)
}

/// A variant of the product; a variant of any other product is `NotFound`.
fn variant_of(conn: &mut DbConn, product_id: i64, variant_id: i64) -> Result<Variant> {
    Ok(product_variants::table
        .find(variant_id)
        .filter(product_variants::product_id.eq(product_id))
        .select(Variant::as_select())
        .first(conn)?)
}

/// A variant still on sale; a removed (deactivated) one is kept only for past orders and is
/// refused.
fn live_variant_of(conn: &mut DbConn, product_id: i64, variant_id: i64) -> Result<Variant> {
    let variant = variant_of(conn, product_id, variant_id)?;
    if !variant.is_active {
        return Err(Error::Conflict(
            "This variant was removed from sale; it is kept only for past orders.".into(),
        ));
    }
    Ok(variant)
}

/// Runs `work` in a write transaction that is rolled back when it answers with messages for the
/// form, so a refused form changes nothing, not even the product's `updated_at`.
fn checked_tx<T>(
    conn: &mut DbConn,
    work: impl FnOnce(&mut DbConn) -> Result<super::Checked<T>>,
) -> Result<super::Checked<T>> {
    enum Undo {
        Refused(crate::forms::FieldErrors),
        Failed(Error),
    }
    impl From<diesel::result::Error> for Undo {
        fn from(error: diesel::result::Error) -> Undo {
            Undo::Failed(error.into())
        }
    }
    let outcome = crate::db::write_tx(conn, |conn| match work(conn) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(refused)) => Err(Undo::Refused(refused)),
        Err(error) => Err(Undo::Failed(error)),
    });
    match outcome {
        Ok(value) => Ok(Ok(value)),
        Err(Undo::Refused(refused)) => Ok(Err(refused)),
        Err(Undo::Failed(error)) => Err(error),
    }
}
