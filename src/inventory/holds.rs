//! Stock holds: opening the checkout sets the cart's units aside for a while (10 minutes unless
//! the shop says otherwise, `--stock-hold-minutes`; 0 turns holds off), so a shopper who takes
//! a few minutes over the address and the card does not lose the last unit at the final click.
//!
//! A hold is one row per (shopper, variant) with its quantity and end, and each variant keeps the
//! total of its live holds in `held`. What anyone can buy is `stock - held`; what a shopper can
//! buy adds their own hold. Taking a hold is a conditional update of the variant's row
//! (`stock - held >= quantity`), the row a sale updates with the same kind of condition
//! (`inventory::move_stock`), so no unit is ever promised twice and no sale takes a unit held for
//! someone else. Holds never change `stock` or the ledger.
//!
//! A hold ends when its shopper's order is placed (`end_all`, with the sale's updates: a hold on a
//! variant the order takes is used up, any other given back), when their cart is left empty
//! (`release`), or when the sweeper finds it past its end (`release_expired`). Deleting the hold's
//! row is the claim on its units: of two enders only the one whose delete found the row gives them
//! back, so `held` always equals the sum of the rows (`shopwave check` compares them, `drift`).

use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeDelta};
use diesel::dsl::sum;
use diesel::prelude::*;

use crate::catalog::product::stock_note_changes;
use crate::db::schema::{product_variants, stock_holds};
use crate::db::{DbConn, write_tx};
use crate::error::Result;

/// How long opening the checkout holds the cart's units; zero holds nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoldFor(pub TimeDelta);

impl HoldFor {
    pub const DEFAULT_MINUTES: u32 = 10;

    pub fn minutes(minutes: u32) -> HoldFor {
        HoldFor(TimeDelta::minutes(i64::from(minutes)))
    }

    pub fn is_off(self) -> bool {
        self.0 <= TimeDelta::zero()
    }
}

/// Holds `(variant, quantity)` of the shopper's cart from `now` for `hold_for`, in place of any
/// holds they had; returns how many lines it held. A line that cannot be held in full is held
/// not at all: the cart then shows it as short (`cart::CartLine::problem`) before the shopper
/// types anything.
pub fn hold(
    conn: &mut DbConn,
    user_id: i64,
    lines: &[(i64, i32)],
    hold_for: HoldFor,
    now: NaiveDateTime,
) -> Result<usize> {
    write_tx(conn, |conn| {
        release(conn, user_id)?;
        if hold_for.is_off() {
            return Ok(0);
        }
        let mut lines = lines.to_vec();
        lines.sort_unstable();
        let (mut held_lines, mut shown) = (0, Vec::new());
        for (variant_id, quantity) in lines {
            let taken: Option<(i32, i32, i64)> = diesel::update(
                product_variants::table
                    .filter(product_variants::id.eq(variant_id))
                    .filter((product_variants::stock - product_variants::held).ge(quantity)),
            )
            .set(product_variants::held.eq(product_variants::held + quantity))
            .returning((
                product_variants::stock,
                product_variants::held,
                product_variants::product_id,
            ))
            .get_result(conn)
            .optional()?;
            let Some((stock, held, product_id)) = taken else {
                continue;
            };
            diesel::insert_into(stock_holds::table)
                .values((
                    stock_holds::user_id.eq(user_id),
                    stock_holds::variant_id.eq(variant_id),
                    stock_holds::quantity.eq(quantity),
                    stock_holds::expires_at.eq(now + hold_for.0),
                ))
                .execute(conn)?;
            held_lines += 1;
            if stock_note_changes(stock - held + quantity, stock - held) {
                shown.push(product_id);
            }
        }
        super::shown_changed_for(conn, shown)?;
        Ok(held_lines)
    })
}

/// Ends every hold of the shopper in one statement and gives `(variant, units)` of each, in
/// ascending variant order; the caller must take the units off `held` in the same transaction
/// (`give_back`, or the sale's own update).
pub(super) fn end_all(conn: &mut DbConn, user_id: i64) -> Result<Vec<(i64, i32)>> {
    let mut ended: Vec<(i64, i32)> =
        diesel::delete(stock_holds::table.filter(stock_holds::user_id.eq(user_id)))
            .returning((stock_holds::variant_id, stock_holds::quantity))
            .get_results(conn)?;
    ended.sort_unstable();
    Ok(ended)
}

/// Gives back every hold of the shopper (their cart was left empty, or the checkout is opened
/// again); the caller's transaction makes it one change.
pub fn release(conn: &mut DbConn, user_id: i64) -> Result<()> {
    let ended = end_all(conn, user_id)?;
    give_back(conn, &ended)
}

/// Takes ended holds' units off their variants' `held`, in ascending variant order.
pub(super) fn give_back(conn: &mut DbConn, ended: &[(i64, i32)]) -> Result<()> {
    let mut shown = Vec::new();
    for &(variant_id, quantity) in ended {
        let (stock, held, product_id): (i32, i32, i64) =
            diesel::update(product_variants::table.find(variant_id))
                .set(product_variants::held.eq(product_variants::held - quantity))
                .returning((
                    product_variants::stock,
                    product_variants::held,
                    product_variants::product_id,
                ))
                .get_result(conn)?;
        if stock_note_changes(stock - held - quantity, stock - held) {
            shown.push(product_id);
        }
    }
    super::shown_changed_for(conn, shown)
}

/// Holds the sweeper ends per round; each its own short transaction.
const SWEEP_BATCH: i64 = 500;

/// Ends the holds past their end at `now` (up to `SWEEP_BATCH`); returns how many it ended.
/// Another node sweeping the same holds at once is harmless: each is ended once.
pub fn release_expired(conn: &mut DbConn, now: NaiveDateTime) -> Result<usize> {
    let expired: Vec<(i64, i64)> = stock_holds::table
        .filter(stock_holds::expires_at.le(now))
        .order(stock_holds::expires_at.asc())
        .select((stock_holds::user_id, stock_holds::variant_id))
        .limit(SWEEP_BATCH)
        .load(conn)?;
    let mut released = 0;
    for (user_id, variant_id) in expired {
        released += write_tx(conn, |conn| {
            let ended: Option<i32> = diesel::delete(
                stock_holds::table
                    .find((user_id, variant_id))
                    .filter(stock_holds::expires_at.le(now)),
            )
            .returning(stock_holds::quantity)
            .get_result(conn)
            .optional()?;
            match ended {
                Some(quantity) => give_back(conn, &[(variant_id, quantity)]).map(|()| 1),
                None => Ok(0),
            }
        })?;
    }
    Ok(released)
}

/// Variants whose `held` differs from the sum of their holds: (SKU, held, sum). Empty is healthy.
pub fn drift(conn: &mut DbConn) -> Result<Vec<(String, i32, i64)>> {
    let sums: HashMap<i64, i64> = stock_holds::table
        .group_by(stock_holds::variant_id)
        .select((stock_holds::variant_id, sum(stock_holds::quantity)))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, total)| (id, total.unwrap_or(0)))
        .collect();
    let holding: Vec<i64> = sums.keys().copied().collect();
    let variants: Vec<(i64, String, i32)> = product_variants::table
        .filter(
            product_variants::held
                .ne(0)
                .or(product_variants::id.eq_any(&holding)),
        )
        .select((
            product_variants::id,
            product_variants::sku,
            product_variants::held,
        ))
        .load(conn)?;
    Ok(super::differing(variants, &sums))
}
