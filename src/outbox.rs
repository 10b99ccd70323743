//! The search outbox as the panels write it: one row per change search must see, inside the
//! change's own transaction, so the indexer can never miss a committed change.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::search_outbox;
use crate::error::Result;

/// Tells the search indexer that `product_id` changed (name, status, price, stock or rating).
pub fn enqueue_product(conn: &mut DbConn, product_id: i64) -> Result<()> {
    diesel::insert_into(search_outbox::table)
        .values(search_outbox::product_id.eq(product_id))
        .execute(conn)?;
    Ok(())
}
