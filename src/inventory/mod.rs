//! The inventory ledger, and the one function that changes stock. Every change is a conditional
//! update of `product_variants.stock` plus an append-only movement row in the same transaction,
//! so stock on hand always equals the sum of a variant's movements and never goes below zero.
//! When a change alters what a product page says about stock, the product's `in_stock` flag is
//! refreshed and a search outbox row written, which is also how every node's catalog cache hears
//! of it.
//!
//! What shoppers can buy is `stock - held`: units in open checkouts are set aside (`holds`). A
//! sale takes only units nobody else holds, and gives its buyer's own hold back in the same
//! conditional update, so the hold and the sale never disagree.

pub mod holds;

use diesel::prelude::*;

use crate::catalog::product::stock_note_changes;
use crate::db::DbConn;
use crate::db::schema::{inventory_movements, product_variants, products};
use crate::error::Result;

pub use crate::db::types::MovementReason;

impl MovementReason {
    /// Units an order took coming back. They fitted before the order took them, so the ceiling
    /// is not applied: a cancellation is never refused because a seller restocked meanwhile.
    fn gives_back(self) -> bool {
        matches!(
            self,
            MovementReason::Cancellation | MovementReason::PaymentFailed | MovementReason::Return
        )
    }
}

/// The most units one variant can hold, and the largest single stock change.
pub const MAX_STOCK: i32 = 1_000_000;

/// One variant's stock change, by a delta that is never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    pub variant_id: i64,
    pub delta: i32,
}

/// What every ledger row of one call records: why, for which order, by whom, in their words.
#[derive(Debug, Clone, Copy)]
pub struct Why<'a> {
    pub reason: MovementReason,
    pub order_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub note: &'a str,
    /// For a sale, the shopper whose holds it ends (`holds`): their units held on a variant the
    /// sale takes count as theirs to buy and are used up; their other holds are given back.
    pub buyer: Option<i64>,
}

impl Why<'_> {
    pub fn of(reason: MovementReason) -> Why<'static> {
        Why {
            reason,
            order_id: None,
            actor_id: None,
            note: "",
            buyer: None,
        }
    }
}

/// A move the stock cannot take: it would go below zero (for a sale: below what others hold),
/// or above `MAX_STOCK`. `on_hand` is what the mover could have had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub variant_id: i64,
    pub on_hand: i32,
}

/// Applies the moves in ascending variant id order (so that two transactions never wait on each
/// other crosswise), each a conditional update with its ledger row; then refreshes, in ascending
/// product id order, the products whose shown stock changed. Returns each variant's new stock in
/// the order the moves were given, or the first move refused; the caller's transaction must then
/// be rolled back, as moves before it were already applied.
pub fn move_stock(
    conn: &mut DbConn,
    moves: &[Move],
    why: Why,
) -> Result<std::result::Result<Vec<i32>, Refused>> {
    let mut order: Vec<usize> = (0..moves.len()).collect();
    order.sort_by_key(|&i| moves[i].variant_id);
    let mut stock = vec![0; moves.len()];
    let mut shown_changed = Vec::new();
    let now = crate::util::now();
    // One statement ends all the buyer's holds, before any variant row is locked.
    let mut own_holds = match why.buyer {
        Some(buyer) if why.reason == MovementReason::Sale => holds::end_all(conn, buyer)?,
        _ => Vec::new(),
    };
    for i in order {
        let Move { variant_id, delta } = moves[i];
        let own_hold = match own_holds.iter().position(|&(held, _)| held == variant_id) {
            Some(at) => own_holds.remove(at).1,
            None => 0,
        };
        let ceiling = if why.reason.gives_back() {
            i32::MAX
        } else {
            MAX_STOCK.saturating_sub(delta)
        };
        // A sale may not take units someone else holds; other moves (a seller's count, a
        // return) change what is on hand whatever is held.
        let counts_holds = i32::from(why.reason == MovementReason::Sale);
        let moved: Option<(i32, i32, i64)> = diesel::update(
            product_variants::table
                .filter(product_variants::id.eq(variant_id))
                .filter(
                    (product_variants::stock - product_variants::held * counts_holds + own_hold)
                        .ge(delta.saturating_neg()),
                )
                .filter(product_variants::stock.le(ceiling)),
        )
        .set((
            product_variants::stock.eq(product_variants::stock + delta),
            product_variants::held.eq(product_variants::held - own_hold),
            product_variants::updated_at.eq(now),
        ))
        .returning((
            product_variants::stock,
            product_variants::held,
            product_variants::product_id,
        ))
        .get_result(conn)
        .optional()?;
        let Some((after, held, product_id)) = moved else {
            let (stock, held): (i32, i32) = product_variants::table
                .find(variant_id)
                .select((product_variants::stock, product_variants::held))
                .first(conn)?;
            let on_hand = (stock - held * counts_holds + own_hold).max(0);
            return Ok(Err(Refused {
                variant_id,
                on_hand,
            }));
        };
        record(conn, variant_id, delta, &why)?;
        if stock_note_changes(after - delta - (held + own_hold), after - held) {
            shown_changed.push(product_id);
        }
        stock[i] = after;
    }
    holds::give_back(conn, &own_holds)?;
    shown_changed_for(conn, shown_changed)?;
    Ok(Ok(stock))
}

/// Refreshes, in ascending id order, the products whose page now says something else about
/// stock, and tells search and every node's catalog cache.
fn shown_changed_for(conn: &mut DbConn, mut products: Vec<i64>) -> Result<()> {
    products.sort_unstable();
    products.dedup();
    for product_id in products {
        refresh_in_stock(conn, product_id)?;
        crate::search::enqueue(conn, product_id)?;
    }
    Ok(())
}

fn record(conn: &mut DbConn, variant_id: i64, delta: i32, why: &Why) -> Result<()> {
    diesel::insert_into(inventory_movements::table)
        .values((
            inventory_movements::variant_id.eq(variant_id),
            inventory_movements::delta.eq(delta),
            inventory_movements::reason.eq(why.reason),
            inventory_movements::order_id.eq(why.order_id),
            inventory_movements::actor_id.eq(why.actor_id),
            inventory_movements::note.eq(why.note),
        ))
        .execute(conn)?;
    Ok(())
}

/// A product is in stock when any of its active variants has a unit nobody holds. Also called
/// after a
/// variant is added, removed or deactivated (`sellers::products::refresh_summary`), and when
/// holds change what can be bought (`holds`).
pub fn refresh_in_stock(conn: &mut DbConn, product_id: i64) -> Result<()> {
    let in_stock: bool = diesel::select(diesel::dsl::exists(
        product_variants::table
            .filter(product_variants::product_id.eq(product_id))
            .filter(product_variants::is_active.eq(true))
            .filter((product_variants::stock - product_variants::held).gt(0)),
    ))
    .get_result(conn)?;
    diesel::update(products::table.find(product_id))
        .set(products::in_stock.eq(in_stock))
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
    Ok(differing(variants, &ledger))
}

/// Of `(id, SKU, count)` per variant, those whose count is not the sum kept for them elsewhere
/// (none kept: 0), as (SKU, count, sum).
fn differing(
    variants: Vec<(i64, String, i32)>,
    sums: &std::collections::HashMap<i64, i64>,
) -> Vec<(String, i32, i64)> {
    variants
        .into_iter()
        .filter_map(|(id, sku, count)| {
            let total = sums.get(&id).copied().unwrap_or(0);
            (i64::from(count) != total).then_some((sku, count, total))
        })
        .collect()
}
