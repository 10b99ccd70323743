//! The inventory ledger: every stock change is a movement row written in the same transaction
//! as the change, so stock on hand always equals the sum of a variant's movements.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{inventory_movements, product_variants};
use crate::error::Result;

/// Why stock moved; the closed set the database's CHECK constraint also holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Initial,
    Restock,
    Sale,
    Cancellation,
    PaymentFailed,
    Return,
    Adjustment,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Initial => "initial",
            Reason::Restock => "restock",
            Reason::Sale => "sale",
            Reason::Cancellation => "cancellation",
            Reason::PaymentFailed => "payment_failed",
            Reason::Return => "return",
            Reason::Adjustment => "adjustment",
        }
    }
}

/// Appends one movement. Callers change `product_variants.stock` by the same delta in the same
/// transaction.
pub fn record(
    conn: &mut DbConn,
    variant_id: i64,
    delta: i32,
    reason: Reason,
    order_id: Option<i64>,
    actor_id: Option<i64>,
) -> Result<()> {
    record_with_note(conn, variant_id, delta, reason, order_id, actor_id, "")
}

/// `record` with the person's own words on why (a seller's stock adjustment, say).
pub fn record_with_note(
    conn: &mut DbConn,
    variant_id: i64,
    delta: i32,
    reason: Reason,
    order_id: Option<i64>,
    actor_id: Option<i64>,
    note: &str,
) -> Result<()> {
    diesel::insert_into(inventory_movements::table)
        .values((
            inventory_movements::variant_id.eq(variant_id),
            inventory_movements::delta.eq(delta),
            inventory_movements::reason.eq(reason.as_str()),
            inventory_movements::order_id.eq(order_id),
            inventory_movements::actor_id.eq(actor_id),
            inventory_movements::note.eq(note),
        ))
        .execute(conn)?;
    Ok(())
}

/// Variants whose stock differs from their ledger sum: (SKU, stock, ledger sum). Empty is healthy.
pub fn drift(conn: &mut DbConn) -> Result<Vec<(String, i32, i64)>> {
    use diesel::dsl::sum;
    let ledger: Vec<(i64, Option<i64>)> = inventory_movements::table
        .group_by(inventory_movements::variant_id)
        .select((
            inventory_movements::variant_id,
            sum(inventory_movements::delta),
        ))
        .load::<(i64, Option<i64>)>(conn)?;
    let ledger: std::collections::HashMap<i64, i64> = ledger
        .into_iter()
        .map(|(id, total)| (id, total.unwrap_or(0)))
        .collect();
    let variants: Vec<(i64, String, i32)> = product_variants::table
        .select((
            product_variants::id,
            product_variants::sku,
            product_variants::stock,
        ))
        .load(conn)?;
    Ok(variants
        .into_iter()
        .filter_map(|(id, sku, stock)| {
            let total = ledger.get(&id).copied().unwrap_or(0);
            (i64::from(stock) != total).then_some((sku, stock, total))
        })
        .collect())
}

/// A product's shown stock changed (sold out, came back, "only 2 left"): refresh its flag and
/// tell the search indexer, whose outbox also tells every node's catalog cache.
pub(crate) fn availability_changed(conn: &mut DbConn, product_id: i64) -> Result<()> {
    use crate::db::schema::products;
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
