//! A variant's history for its seller: every price it had (`price_history`) and every stock
//! movement (`inventory_movements`, the ledger), newest first, each list keyset-paged on its id.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{Listing, listing};
use crate::db::models::Variant;
use crate::db::schema::{inventory_movements, orders, price_history, users};
use crate::db::{DbConn, sum_bigint};
use crate::error::{Error, Result};
use crate::inventory::MovementReason;
use crate::money::Money;
use crate::paging::KeysetPage;

pub const PAGE_SIZE: usize = 25;

pub struct PriceRow {
    pub id: i64,
    pub old_price: Option<Money>,
    pub new_price: Money,
    pub changed_by: Option<String>,
    pub changed_at: NaiveDateTime,
}

pub struct MoveRow {
    pub id: i64,
    pub delta: i32,
    pub reason: MovementReason,
    pub order_number: Option<String>,
    pub note: String,
    pub created_at: NaiveDateTime,
    /// Units on hand just after this movement.
    pub balance: i64,
}

pub struct VariantHistory {
    pub listing: Listing,
    pub variant: Variant,
    pub prices: KeysetPage<PriceRow>,
    pub moves: KeysetPage<MoveRow>,
}

/// Where each list continues: the id of the last row shown.
#[derive(Debug, Default, Clone, Copy)]
pub struct Cursors {
    pub prices_after: Option<i64>,
    pub moves_after: Option<i64>,
}

/// The history of one of the seller's variants; another seller's product or a variant of
/// another product is `NotFound`. Archived products keep their history readable.
pub fn variant_history(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
    cursors: Cursors,
) -> Result<VariantHistory> {
    let listing = listing(conn, user_id, product_id)?;
    let variant = listing
        .variants
        .iter()
        .find(|v| v.id == variant_id)
        .cloned()
        .ok_or(Error::NotFound)?;
    let prices = prices(conn, variant_id, cursors.prices_after)?;
    let moves = moves(conn, &variant, cursors.moves_after)?;
    Ok(VariantHistory {
        listing,
        variant,
        prices,
        moves,
    })
}

fn prices(conn: &mut DbConn, variant_id: i64, after: Option<i64>) -> Result<KeysetPage<PriceRow>> {
    type Row = (i64, Option<i64>, i64, Option<String>, NaiveDateTime);
    let rows: Vec<Row> = price_history::table
        .left_join(users::table.on(users::id.nullable().eq(price_history::changed_by)))
        .filter(price_history::variant_id.eq(variant_id))
        .filter(price_history::id.lt(after.unwrap_or(i64::MAX)))
        .order(price_history::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            price_history::id,
            price_history::old_price,
            price_history::new_price,
            users::email.nullable(),
            price_history::changed_at,
        ))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(|(id, old, new, by, at)| PriceRow {
            id,
            old_price: old.map(Money::from_minor),
            new_price: Money::from_minor(new),
            changed_by: by,
            changed_at: at,
        })
        .collect();
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |r| r.id))
}

fn moves(conn: &mut DbConn, variant: &Variant, after: Option<i64>) -> Result<KeysetPage<MoveRow>> {
    type Row = (
        i64,
        i32,
        MovementReason,
        Option<String>,
        String,
        NaiveDateTime,
    );
    let rows: Vec<Row> = inventory_movements::table
        .left_join(orders::table)
        .filter(inventory_movements::variant_id.eq(variant.id))
        .filter(inventory_movements::id.lt(after.unwrap_or(i64::MAX)))
        .order(inventory_movements::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            inventory_movements::id,
            inventory_movements::delta,
            inventory_movements::reason,
            orders::number.nullable(),
            inventory_movements::note,
            inventory_movements::created_at,
        ))
        .load(conn)?;
    // The balance after the page's newest row: today's stock less every later movement.
    let later: Option<i64> = match rows.first() {
        Some((newest, ..)) => inventory_movements::table
            .filter(inventory_movements::variant_id.eq(variant.id))
            .filter(inventory_movements::id.gt(newest))
            .select(sum_bigint(inventory_movements::delta))
            .first(conn)?,
        None => None,
    };
    let mut balance = i64::from(variant.stock) - later.unwrap_or(0);
    let rows = rows
        .into_iter()
        .map(|(id, delta, reason, order_number, note, created_at)| {
            let row = MoveRow {
                id,
                delta,
                reason,
                order_number,
                note,
                created_at,
                balance,
            };
            balance -= i64::from(delta);
            row
        })
        .collect();
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |r| r.id))
}
