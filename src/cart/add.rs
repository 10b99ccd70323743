//! Adding to a cart, and the checks every change of a line's quantity shares: whether the
//! variant may be bought, and how many of it the shopper may have.
//!
//! An add is one rule in two runnings. On SQLite it is a write transaction here: the variant,
//! the cart's row (locked), the cart's units, the line. On PostgreSQL those same steps are one
//! call of the database function `cart_add` (migrations/postgres/2026-12-10-000001_cart_add),
//! since there each statement is a round trip to another process and the round trips, not the
//! work, bounded the adds a second (BENCHMARKS.md, "Cart adds in one call"). The function
//! decides as `after_adding` does and returns what the refusal needs; `after_adding` words it.
//! The HTTP tests of every refusal run on both backends.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};

use super::{CartOwner, MAX_QUANTITY, Quantity, put_line, touch_or_create};
use crate::db::schema::{cart_items, product_variants, products, stock_holds};
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};

/// A variant a shopper may buy: its product is published and it is on sale; `stock` is what
/// they can have, on hand less what others hold.
pub(super) struct Buyable {
    name: String,
    price: i64,
    stock: i32,
}

impl Buyable {
    fn new(product: String, variant: String, price: i64, stock: i32) -> Buyable {
        let name = if variant.is_empty() {
            product
        } else {
            format!("{product} ({variant})")
        };
        Buyable { name, price, stock }
    }
}

fn unavailable() -> Error {
    Error::Invalid("That product is not available to buy.".into())
}

pub(super) fn buyable(conn: &mut DbConn, owner: &CartOwner, variant_id: i64) -> Result<Buyable> {
    // The shopper's own hold counts as theirs to buy; a guest (user 0, nobody) holds nothing.
    let holder = owner.user_id().unwrap_or(0);
    let row: Option<(String, String, i64, i32, Option<i32>)> = product_variants::table
        .inner_join(products::table)
        .left_join(
            stock_holds::table.on(stock_holds::variant_id
                .eq(product_variants::id)
                .and(stock_holds::user_id.eq(holder))),
        )
        .filter(product_variants::id.eq(variant_id))
        .filter(product_variants::is_active.eq(true))
        .filter(products::status.eq(crate::catalog::ProductStatus::Active))
        .filter(products::deleted_at.is_null())
        .select((
            products::name,
            product_variants::name,
            product_variants::price,
            product_variants::stock - product_variants::held,
            stock_holds::quantity.nullable(),
        ))
        .first(conn)
        .optional()?;
    let (product, variant, price, free, own) = row.ok_or_else(unavailable)?;
    Ok(Buyable::new(
        product,
        variant,
        price,
        (free + own.unwrap_or(0)).max(0),
    ))
}

pub(super) fn check_stock(item: &Buyable, wanted: i32) -> Result<()> {
    match item.stock {
        0 => Err(Error::Conflict(format!("{} is out of stock.", item.name))),
        stock if wanted > stock => Err(Error::Conflict(format!(
            "Only {stock} of {} left in stock; you asked for {wanted}.",
            item.name
        ))),
        _ => Ok(()),
    }
}

/// The add's rule: the units the line holds once `quantity` is added to the `in_cart` already
/// there, or why it may not.
fn after_adding(item: &Buyable, in_cart: i32, quantity: Quantity) -> Result<i32> {
    let wanted = in_cart.saturating_add(quantity.get());
    if wanted > MAX_QUANTITY {
        return Err(Error::Invalid(format!(
            "A cart holds at most {MAX_QUANTITY} of one item; you already have {in_cart}."
        )));
    }
    check_stock(item, wanted)?;
    Ok(wanted)
}

/// Adds `quantity` of a variant (on top of any already in the cart); returns the new count.
pub fn add(
    conn: &mut DbConn,
    owner: &CartOwner,
    variant_id: i64,
    quantity: Quantity,
) -> Result<i64> {
    if !conn.is_sqlite() {
        return add_in_one_call(conn, owner, variant_id, quantity);
    }
    write_tx(conn, |c| {
        let item = buyable(c, owner, variant_id)?;
        let cart = touch_or_create(c, owner)?;
        let (in_cart, count) = holding(c, cart.id, variant_id)?;
        let wanted = after_adding(&item, in_cart, quantity)?;
        put_line(c, cart.id, variant_id, wanted, item.price)?;
        // The cart's row is locked since `touch_or_create`, so nothing else changed its lines.
        Ok(count - i64::from(in_cart) + i64::from(wanted))
    })
}

/// What `cart_add` returns (its migration says each field).
#[derive(QueryableByName)]
struct Outcome {
    #[diesel(sql_type = Bool)]
    added: bool,
    #[diesel(sql_type = Nullable<Text>)]
    product: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    variant_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    price: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    stock: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    in_cart: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    units: Option<i64>,
}

/// The add on PostgreSQL: one call of `cart_add`, committed on its own.
fn add_in_one_call(
    conn: &mut DbConn,
    owner: &CartOwner,
    variant_id: i64,
    quantity: Quantity,
) -> Result<i64> {
    let token = match owner {
        CartOwner::User(_) => None,
        CartOwner::Guest(token) => Some(token.as_str()),
    };
    let outcome: Outcome = diesel::sql_query("SELECT * FROM cart_add($1, $2, $3, $4, $5, $6)")
        .bind::<Nullable<BigInt>, _>(owner.user_id())
        .bind::<Nullable<Text>, _>(token)
        .bind::<BigInt, _>(variant_id)
        .bind::<Integer, _>(quantity.get())
        .bind::<Integer, _>(MAX_QUANTITY)
        .bind::<Timestamp, _>(crate::util::now())
        .get_result(conn)?;
    let Some(product) = outcome.product else {
        return Err(unavailable());
    };
    let units = outcome.units.unwrap_or(0);
    if outcome.added {
        return Ok(units);
    }
    let item = Buyable::new(
        product,
        outcome.variant_name.unwrap_or_default(),
        outcome.price.unwrap_or(0),
        outcome.stock.unwrap_or(0),
    );
    after_adding(&item, outcome.in_cart.unwrap_or(0), quantity)?;
    Err(Error::Internal(
        "cart_add refused an add that the add's rule allows".into(),
    ))
}

/// The units of `variant_id` in the cart (0 when none) and of all its lines, in one statement:
/// an add needs both, and each statement is a round trip inside the add's write transaction.
pub(super) fn holding(conn: &mut DbConn, cart_id: i64, variant_id: i64) -> Result<(i32, i64)> {
    use diesel::dsl::{case_when, sum};
    let (of_variant, all): (Option<i64>, Option<i64>) = cart_items::table
        .filter(cart_items::cart_id.eq(cart_id))
        .select((
            sum(
                case_when(cart_items::variant_id.eq(variant_id), cart_items::quantity).otherwise(0),
            ),
            sum(cart_items::quantity),
        ))
        .first(conn)?;
    // One line's quantity, an INTEGER column, always fits; were it not to, the add is refused.
    let of_variant = i32::try_from(of_variant.unwrap_or(0)).unwrap_or(i32::MAX);
    Ok((of_variant, all.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(stock: i32) -> Buyable {
        Buyable::new("Mug".into(), "Blue".into(), 1_200, stock)
    }

    fn quantity(text: &str) -> Quantity {
        Quantity::parse(text).expect("a quantity")
    }

    #[test]
    fn an_add_fills_the_line_up_to_the_stock() {
        assert_eq!(after_adding(&item(5), 2, quantity("3")).ok(), Some(5));
        let refused = after_adding(&item(5), 2, quantity("4")).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Only 5 of Mug (Blue) left in stock; you asked for 6."
        );
    }

    #[test]
    fn nothing_is_added_of_what_is_out_of_stock() {
        let refused = after_adding(&item(0), 0, quantity("1")).unwrap_err();
        assert_eq!(refused.to_string(), "Mug (Blue) is out of stock.");
    }

    #[test]
    fn a_line_holds_at_most_999_units_whatever_the_stock() {
        assert_eq!(
            after_adding(&item(5_000), 998, quantity("1")).ok(),
            Some(999)
        );
        let refused = after_adding(&item(5_000), 999, quantity("1")).unwrap_err();
        assert!(matches!(refused, Error::Invalid(_)), "{refused}");
        assert_eq!(
            after_adding(&item(5_000), i32::MAX, quantity("999")).ok(),
            None
        );
    }
}
