//! A seller's stock form: a restock or an adjustment, through the inventory ledger.

use super::forms::StockChange;
use super::{lock_own_product, variant_of};
use crate::db::{self, DbConn};
use crate::error::Result;
use crate::forms::FieldErrors;
use crate::inventory::{self, MAX_STOCK, Move, Why};
use crate::sellers::{Checked, active_profile_of};

/// Moves a variant's stock by the change, never below zero nor above `MAX_STOCK`, with its
/// ledger row; returns the new stock, or a message on the `change` field when the stock on hand
/// cannot cover a removal.
pub fn adjust_stock(
    conn: &mut DbConn,
    user_id: i64,
    product_id: i64,
    variant_id: i64,
    change: &StockChange,
) -> Result<Checked<i32>> {
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        lock_own_product(conn, seller.id, product_id)?;
        let variant = variant_of(conn, product_id, variant_id)?;
        let why = Why {
            actor_id: Some(user_id),
            note: &change.note,
            ..Why::of(change.reason)
        };
        let moved = inventory::move_stock(
            conn,
            &[Move {
                variant_id: variant.id,
                delta: change.delta,
            }],
            why,
        )?;
        // A sale that committed since the page was drawn is taken into account here.
        match moved {
            Ok(stock) => Ok(Ok(stock[0])),
            Err(refused) => {
                let on_hand = refused.on_hand;
                let message = if change.delta < 0 {
                    format!(
                        "Only {on_hand} in stock, so {} cannot be removed.",
                        -change.delta
                    )
                } else {
                    format!("Stock can be at most {MAX_STOCK}; there are {on_hand} already.")
                };
                Ok(Err(FieldErrors::single("change", message)))
            }
        }
    })
}
