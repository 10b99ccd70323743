//! Lines that come into a user's cart from elsewhere: a visitor's cart at sign-in, and an
//! order whose payment was declined.

use diesel::prelude::*;

use super::{CartOwner, MAX_QUANTITY, count_in, find, holding, put_line, touch_or_create};
use crate::db::schema::{cart_items, carts, product_variants};
use crate::db::{DbConn, write_tx};
use crate::error::Result;
use crate::orders::months;

/// At sign-in: moves the visitor's cart into the user's, adding quantities of the same item
/// (up to the per-item maximum) and keeping the user's promotion, else the visitor's. Returns the
/// user's new item count. Stock is checked again at checkout, so it is not refused here.
pub fn merge_on_login(conn: &mut DbConn, session_token: &str, user_id: i64) -> Result<i64> {
    write_tx(conn, |c| {
        let guest = CartOwner::Guest(session_token.to_owned());
        let user = CartOwner::User(user_id);
        // Locked before the visitor's cart is read: a second sign-in of the same browser waits
        // here and then finds the visitor's cart already merged and gone.
        let cart = touch_or_create(c, &user)?;
        let Some(guest_cart) = find(c, &guest)? else {
            return count_in(c, cart.id);
        };
        let items: Vec<(i64, i32, i64)> = cart_items::table
            .filter(cart_items::cart_id.eq(guest_cart.id))
            .select((
                cart_items::variant_id,
                cart_items::quantity,
                cart_items::unit_price,
            ))
            .load(c)?;
        for (variant_id, quantity, unit_price) in items {
            let (in_cart, _) = holding(c, cart.id, variant_id)?;
            let merged = in_cart.saturating_add(quantity).min(MAX_QUANTITY);
            put_line(c, cart.id, variant_id, merged, unit_price)?;
        }
        if cart.promotion_id.is_none() && guest_cart.promotion_id.is_some() {
            diesel::update(carts::table.find(cart.id))
                .set(carts::promotion_id.eq(guest_cart.promotion_id))
                .execute(c)?;
        }
        diesel::delete(carts::table.find(guest_cart.id)).execute(c)?;
        count_in(c, cart.id)
    })
}

/// Puts an order's lines back into its owner's cart, at today's prices: used when payment is
/// declined while the shopper is still at checkout, so they can try another card.
pub(crate) fn refill_from_order(conn: &mut DbConn, user_id: i64, order_id: i64) -> Result<()> {
    use crate::db::schema::order_items;
    let cart = touch_or_create(conn, &CartOwner::User(user_id))?;
    let ordered: Vec<(i64, i32, i64)> = order_items::table
        .inner_join(product_variants::table)
        .filter(months::lines_of_order(order_id))
        .select((
            order_items::variant_id,
            order_items::quantity,
            product_variants::price,
        ))
        .load(conn)?;
    for (variant_id, quantity, price) in ordered {
        put_line(conn, cart.id, variant_id, quantity, price)?;
    }
    Ok(())
}
