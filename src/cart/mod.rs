//! The cart: a signed-in shopper's (one per user) or a visitor's (keyed by a random token kept in
//! their session), merged into the user's cart at sign-in. Quantities are checked against stock
//! when they change (against what nobody else holds, `inventory::holds`); checkout checks again,
//! atomically, when the order is placed. A signed-in shopper's holds end when their cart is
//! left empty.

mod add;
mod lines;
mod merge;

use diesel::prelude::*;

use crate::db::models::Cart;
use crate::db::schema::{cart_items, carts};
use crate::db::{self, DbConn, write_tx};
use crate::error::{Error, Result};

pub use add::add;
use add::{buyable, check_stock, holding};
pub use lines::{CartLine, CartView, lines, view};
pub use merge::merge_on_login;
pub(crate) use merge::refill_from_order;

/// Whose cart: a signed-in user's, or a visitor's by their session's cart token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartOwner {
    User(i64),
    Guest(String),
}

impl CartOwner {
    /// A visitor's cart, named after a secret their browser already holds (the CSRF token of
    /// `web::csrf`), so that parallel first adds from one browser that has no cart in its
    /// session yet all fill the same cart instead of one each.
    pub fn guest_for(browser_secret: &str) -> CartOwner {
        CartOwner::Guest(crate::util::sha256_hex(&format!("cart:{browser_secret}")))
    }

    fn user_id(&self) -> Option<i64> {
        match self {
            CartOwner::User(id) => Some(*id),
            CartOwner::Guest(_) => None,
        }
    }
}

/// The most of one item a cart holds (the database's CHECK says the same).
pub const MAX_QUANTITY: i32 = 999;

/// A quantity typed by a shopper, parsed once: a whole number from 1 to 999.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity(i32);

impl Quantity {
    pub fn parse(text: &str) -> Result<Quantity> {
        let refuse = || {
            Error::Invalid(format!(
                "Please choose a quantity from 1 to {MAX_QUANTITY}."
            ))
        };
        let value = crate::numbers::parse_whole(text).ok_or_else(refuse)?;
        if !(1..=i64::from(MAX_QUANTITY)).contains(&value) {
            return Err(refuse());
        }
        Ok(Quantity(value as i32))
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

/// The owner's cart, if they have one.
pub fn find(conn: &mut DbConn, owner: &CartOwner) -> Result<Option<Cart>> {
    let query = carts::table.select(Cart::as_select()).into_boxed();
    let query = match owner {
        CartOwner::User(id) => query.filter(carts::user_id.eq(*id)),
        CartOwner::Guest(token) => query.filter(carts::session_token.eq(token.clone())),
    };
    Ok(query.first(conn).optional()?)
}

/// The owner's cart, marked changed (`touch`, in the same statement), made if they have none.
/// Two first requests at once both insert, in one statement that does nothing on the owner's
/// unique key: on PostgreSQL the second waits for the first to commit and then reads its cart,
/// where a refused insert would abort its transaction.
fn touch_or_create(conn: &mut DbConn, owner: &CartOwner) -> Result<Cart> {
    if let Some(cart) = touch_owned(conn, owner)? {
        return Ok(cart);
    }
    let (user_id, token) = match owner {
        CartOwner::User(id) => (Some(*id), None),
        CartOwner::Guest(token) => (None, Some(token.clone())),
    };
    let insert = diesel::insert_into(carts::table)
        .values((carts::user_id.eq(user_id), carts::session_token.eq(token)))
        .on_conflict_do_nothing();
    db::execute_native(conn, insert)?;
    touch_owned(conn, owner)?.ok_or(Error::NotFound)
}

/// `touch` on the owner's cart, found by its owner; the cart as it is then.
fn touch_owned(conn: &mut DbConn, owner: &CartOwner) -> Result<Option<Cart>> {
    let now = crate::util::now();
    let touched = match owner {
        CartOwner::User(id) => diesel::update(carts::table.filter(carts::user_id.eq(*id)))
            .set(carts::updated_at.eq(now))
            .returning(carts::all_columns)
            .get_result(conn),
        CartOwner::Guest(token) => {
            diesel::update(carts::table.filter(carts::session_token.eq(token)))
                .set(carts::updated_at.eq(now))
                .returning(carts::all_columns)
                .get_result(conn)
        }
    };
    Ok(touched.optional()?)
}

/// Units in the cart, for the header.
pub fn item_count(conn: &mut DbConn, owner: &CartOwner) -> Result<i64> {
    let Some(cart) = find(conn, owner)? else {
        return Ok(0);
    };
    count_in(conn, cart.id)
}

fn count_in(conn: &mut DbConn, cart_id: i64) -> Result<i64> {
    let total: Option<i64> = cart_items::table
        .filter(cart_items::cart_id.eq(cart_id))
        .select(diesel::dsl::sum(cart_items::quantity))
        .first(conn)?;
    Ok(total.unwrap_or(0))
}

/// Sets a line's quantity; returns the new count.
pub fn set_quantity(
    conn: &mut DbConn,
    owner: &CartOwner,
    variant_id: i64,
    quantity: Quantity,
) -> Result<i64> {
    write_tx(conn, |c| {
        let cart = find(c, owner)?.ok_or(Error::NotFound)?;
        touch(c, cart.id)?;
        let item = buyable(c, owner, variant_id)?;
        check_stock(&item, quantity.get())?;
        if set_line(c, cart.id, variant_id, quantity.get())? == 0 {
            return Err(Error::NotFound);
        }
        count_in(c, cart.id)
    })
}

/// The one way a line enters a cart: sets the cart's line for the variant to `quantity`, adding
/// it at `unit_price` when the cart does not hold the variant yet (a line already there keeps
/// the price it was added at). One upsert on the line's unique key, so it never meets a
/// duplicate. On PostgreSQL an add's line is written by the same upsert inside `cart_add`
/// (`src/cart/add.rs`).
fn put_line(
    conn: &mut DbConn,
    cart_id: i64,
    variant_id: i64,
    quantity: i32,
    unit_price: i64,
) -> Result<()> {
    let upsert = diesel::insert_into(cart_items::table)
        .values((
            cart_items::cart_id.eq(cart_id),
            cart_items::variant_id.eq(variant_id),
            cart_items::quantity.eq(quantity),
            cart_items::unit_price.eq(unit_price),
        ))
        .on_conflict((cart_items::cart_id, cart_items::variant_id))
        .do_update()
        .set(cart_items::quantity.eq(quantity));
    db::execute_native(conn, upsert)?;
    Ok(())
}

fn set_line(conn: &mut DbConn, cart_id: i64, variant_id: i64, quantity: i32) -> Result<usize> {
    Ok(diesel::update(
        cart_items::table
            .filter(cart_items::cart_id.eq(cart_id))
            .filter(cart_items::variant_id.eq(variant_id)),
    )
    .set(cart_items::quantity.eq(quantity))
    .execute(conn)?)
}

/// Takes a line out (also one whose product is no longer sold); returns the new count.
pub fn remove(conn: &mut DbConn, owner: &CartOwner, variant_id: i64) -> Result<i64> {
    write_tx(conn, |c| {
        let cart = find(c, owner)?.ok_or(Error::NotFound)?;
        touch(c, cart.id)?;
        diesel::delete(
            cart_items::table
                .filter(cart_items::cart_id.eq(cart.id))
                .filter(cart_items::variant_id.eq(variant_id)),
        )
        .execute(c)?;
        let count = count_in(c, cart.id)?;
        if let (0, Some(user)) = (count, owner.user_id()) {
            crate::inventory::holds::release(c, user)?;
        }
        Ok(count)
    })
}

/// Applies a promotion code to the cart, or says exactly why it cannot be used.
pub fn apply_promotion(conn: &mut DbConn, owner: &CartOwner, code: &str) -> Result<String> {
    write_tx(conn, |c| {
        let cart = find(c, owner)?.ok_or_else(|| {
            Error::Invalid("Add something to your cart before entering a code.".into())
        })?;
        let promotion = crate::promotions::find_by_code(c, code)?;
        let cart_lines = lines(c, &cart, Some(&promotion))?;
        crate::promotions::check(
            c,
            &promotion,
            owner.user_id(),
            &cart_lines,
            crate::util::now(),
        )
        .map_err(|refusal| Error::Invalid(refusal.to_string()))?;
        diesel::update(carts::table.find(cart.id))
            .set(carts::promotion_id.eq(promotion.id))
            .execute(c)?;
        Ok(promotion.code)
    })
}

pub fn remove_promotion(conn: &mut DbConn, owner: &CartOwner) -> Result<()> {
    if let Some(cart) = find(conn, owner)? {
        diesel::update(carts::table.find(cart.id))
            .set(carts::promotion_id.eq(None::<i64>))
            .execute(conn)?;
    }
    Ok(())
}

/// Marks the cart changed. Every change does this first: the row lock it takes on PostgreSQL
/// queues the change behind a checkout of the same cart (which takes it first too), instead of
/// letting the two lock cart lines crosswise.
fn touch(conn: &mut DbConn, cart_id: i64) -> Result<()> {
    diesel::update(carts::table.find(cart_id))
        .set(carts::updated_at.eq(crate::util::now()))
        .execute(conn)?;
    Ok(())
}

/// Locks the user's cart row for the rest of the transaction (on PostgreSQL; SQLite's write
/// transactions are serial anyway) and gives the cart as it stands under the lock; `None`: the
/// user has no cart. Checkout takes it before anything else.
pub(crate) fn lock(conn: &mut DbConn, user_id: i64) -> Result<Option<Cart>> {
    touch_owned(conn, &CartOwner::User(user_id))
}

/// Empties the cart and drops its code: the order now has them. Their holds are the order's to
/// end (`inventory::holds`), with the sale that uses them up.
pub(crate) fn empty(conn: &mut DbConn, cart: &Cart) -> Result<()> {
    diesel::delete(cart_items::table.filter(cart_items::cart_id.eq(cart.id))).execute(conn)?;
    if cart.promotion_id.is_some() {
        diesel::update(carts::table.find(cart.id))
            .set(carts::promotion_id.eq(None::<i64>))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_outside_one_to_999_are_refused() {
        assert_eq!(Quantity::parse("3").map(Quantity::get).ok(), Some(3));
        assert_eq!(Quantity::parse(" 999 ").map(Quantity::get).ok(), Some(999));
        for bad in [
            "0",
            "-1",
            "1000",
            "1.5",
            "+-1",
            "1e2",
            "3.0",
            " ",
            "9223372036854775808",
            "9223372036854775807",
            "NaN",
            "",
        ] {
            assert!(Quantity::parse(bad).is_err(), "{bad}");
        }
    }
}
