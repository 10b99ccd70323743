//! Keeping the catalog's view of stock current when checkout moves it: the product's `in_stock`
//! flag and a search outbox row, in the same transaction as the stock change.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{product_variants, products};
use crate::error::Result;

/// A product's shown stock changed (sold out, came back, "only 2 left"): refresh its flag and
/// tell the search indexer, whose outbox also tells every node's catalog cache.
pub(crate) fn availability_changed(conn: &mut DbConn, product_id: i64) -> Result<()> {
    let in_stock: bool = diesel::select(diesel::dsl::exists(
        product_variants::table
            .filter(product_variants::product_id.eq(product_id))
            .filter(product_variants::is_active.eq(true))
            .filter(product_variants::stock.gt(0)),
    ))
    .get_result(conn)?;
    diesel::update(products::table.find(product_id))
        .set(products::in_stock.eq(in_stock))
        .execute(conn)?;
    crate::search::enqueue(conn, product_id)
}
