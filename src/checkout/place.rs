//! Placing an order: a look at the cart that refuses a line already short, then one write
//! transaction that either does everything or nothing (see "Transactions" in
//! docs/architecture.md): the cart re-read under its owner's row lock, the
//! order with its snapshot lines, status history and pending payment record, the cart emptied,
//! the shopper's holds ended, and last the contended rows: conditional stock decrements in
//! ascending variant id order with their ledger rows (and an outbox row for each product that
//! sold out), then the conditional voucher use. A repeated idempotency key returns the order the
//! first submit made.

use diesel::prelude::*;

use super::price::{Orderable, Priced, empty_cart, orderable, orderable_cart};
use super::{PAYMENT_WINDOW, PaymentChoice, PlaceOrder, payment_key};
use crate::cart::{self, CartLine};
use crate::db::models::{NewOrder, NewOrderItem, NewPayment, Order};
use crate::db::schema::{order_items, orders, payments};
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::money::Money;
use crate::orders::{OrderStatus, months};
use crate::payments::{PaymentStatus, methods};
use crate::pricing;

/// What the transaction made, and what the payment step needs.
#[derive(Debug, Clone)]
pub struct Placed {
    pub order_id: i64,
    pub number: String,
    pub grand_total: Money,
    pub payment_key: String,
    /// The gateway token to charge; `None` when this submit repeated an earlier one.
    pub charge_token: Option<String>,
}

/// How many times the order transaction is tried in all (`place`).
const ATTEMPTS: usize = 3;

/// The order transaction, run again (up to `ATTEMPTS` times) when PostgreSQL aborts it to break a
/// deadlock or a serialization conflict, or when the order number it drew was taken (each try
/// draws again): an aborted attempt wrote nothing, so that is safe.
pub fn place(conn: &mut DbConn, request: &PlaceOrder, gateway: &str) -> Result<Placed> {
    refuse_short_cart(conn, request.user_id)?;
    let mut attempt = 1;
    loop {
        match place_once(conn, request, gateway) {
            Err(error) if attempt < ATTEMPTS && is_transient(&error) => {
                tracing::warn!(%error, attempt, "placing an order again after a transient abort");
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// Refuses, before the write transaction, a cart that already shows a line short: in a sell-out
/// the shoppers who come too late are told in one read, without queueing with the buyers for
/// the database's writer (SQLite has one) or the cart's row lock. Whatever else the cart says
/// (empty, because this submit repeats one that already made the order; a line off sale) is left
/// to the transaction, which also looks at the lines again under the cart's lock.
fn refuse_short_cart(conn: &mut DbConn, user_id: i64) -> Result<()> {
    match orderable(conn, user_id) {
        Ok(orderable) => refuse_short(&orderable),
        Err(Error::Invalid(_) | Error::Conflict(_)) => Ok(()),
        Err(error) => Err(error),
    }
}

/// "Sold out" / "only N left" for the first line that asks for more than its shopper can have.
fn refuse_short(orderable: &Orderable) -> Result<()> {
    match orderable.lines.iter().find(|l| l.is_short()) {
        Some(short) => Err(out_of_stock(
            &orderable.lines,
            inventory::Refused {
                variant_id: short.variant_id,
                on_hand: short.stock,
            },
        )),
        None => Ok(()),
    }
}

fn is_transient(error: &Error) -> bool {
    matches!(error, Error::Db(crate::db::Error::Query(e))
        if crate::db::is_deadlock_or_serialization_failure(e) || number_taken(e))
}

fn place_once(conn: &mut DbConn, request: &PlaceOrder, gateway: &str) -> Result<Placed> {
    let user_id = request.user_id;
    write_tx(conn, |c| {
        let now = crate::util::now();
        // The cart row's lock queues this user's other checkouts (other tabs, a double click)
        // behind this one; they then find the order by key, or an empty cart.
        let cart = cart::lock(c, user_id)?;
        if let Some(order) = by_key(c, user_id, &request.idempotency_key, now)? {
            return Ok(Placed {
                order_id: order.id,
                payment_key: payment_key(&order.number),
                grand_total: order.grand_total,
                number: order.number,
                charge_token: None,
            });
        }
        let cart = cart.ok_or_else(empty_cart)?;
        let orderable = orderable_cart(c, &cart)?;
        // Looked at again under the cart's lock (the last units may have gone since the look
        // before the transaction): a short line is refused before the destination is read or
        // anything written, without queueing for the variant.
        refuse_short(&orderable)?;
        let priced = orderable.price(c, user_id, request.address_id, request.shipping_method_id)?;
        if request
            .expected_total
            .is_some_and(|t| t != priced.quote.totals.grand_total)
        {
            return Err(Error::Conflict(
                "Your order changed since you reviewed it (a price, the stock or your cart). \
                 Please check the new total and place the order again."
                    .into(),
            ));
        }
        let (payment_method_id, token, brand, last4) = match &request.payment {
            PaymentChoice::Saved(id) => {
                let card = methods::owned(c, user_id, *id)
                    .map_err(|_| Error::Invalid("Please choose one of your saved cards.".into()))?;
                (Some(card.id), card.gateway_token, card.brand, card.last4)
            }
            PaymentChoice::NewCard { card, save } => {
                let id = if *save {
                    Some(methods::insert(c, user_id, card)?)
                } else {
                    None
                };
                (
                    id,
                    card.token.clone(),
                    card.brand.to_owned(),
                    card.last4.clone(),
                )
            }
        };
        let (order_id, number) = insert_order(c, request, &priced, payment_method_id, now)?;
        for (line, priced_line) in priced.lines.iter().zip(&priced.quote.lines) {
            insert_line(c, order_id, line, priced_line, priced.tax_bps)?;
        }
        crate::orders::placed(c, order_id, user_id)?;
        let key = payment_key(&number);
        diesel::insert_into(payments::table)
            .values(&NewPayment {
                order_id,
                payment_method_id,
                gateway,
                idempotency_key: &key,
                gateway_reference: None,
                status: PaymentStatus::Pending,
                amount: priced.quote.totals.grand_total,
                card_brand: Some(&brand),
                card_last4: Some(&last4),
                created_at: None,
                updated_at: None,
            })
            .execute(c)?;
        cart::empty(c, &cart)?;
        // The rows every shopper of a sell-out wants (the variant's, the voucher's) are locked
        // last, so each sale holds them for its last few statements only, not for the whole
        // order: the next sale waits that much less. A refusal here undoes everything above.
        take_stock(c, &priced.lines, order_id, user_id)?;
        if let Some(promotion) = &priced.promotion {
            crate::promotions::record_use(c, promotion.id, user_id, order_id)?;
        }
        Ok(Placed {
            order_id,
            number,
            grand_total: priced.quote.totals.grand_total,
            payment_key: key,
            charge_token: Some(token),
        })
    })
}

/// The order this user placed with `key`, if any. A key comes back within moments (a double
/// click, a retry, the back button), so only this month's and last month's orders are looked
/// at: on PostgreSQL two month partitions (`months`) instead of every month the shop keeps,
/// each of which the planner would open and the lookup probe on every order.
fn by_key(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    now: chrono::NaiveDateTime,
) -> Result<Option<Order>> {
    Ok(orders::table
        .filter(months::placed_from(orders::id, months::months_back(now, 1)))
        .filter(orders::user_id.eq(user_id))
        .filter(orders::idempotency_key.eq(key))
        .select(Order::as_select())
        .first(conn)
        .optional()?)
}

/// Takes each line's units for the order, ending the shopper's holds (those on its lines are
/// used up, any other given back). Refused when a line asks
/// for more than is left besides what other shoppers hold.
fn take_stock(conn: &mut DbConn, lines: &[CartLine], order_id: i64, user_id: i64) -> Result<()> {
    let moves: Vec<Move> = lines
        .iter()
        .map(|line| Move {
            variant_id: line.variant_id,
            delta: -line.quantity,
        })
        .collect();
    let why = Why {
        order_id: Some(order_id),
        actor_id: Some(user_id),
        buyer: Some(user_id),
        ..Why::of(MovementReason::Sale)
    };
    match inventory::move_stock(conn, &moves, why)? {
        Ok(_) => Ok(()),
        Err(refused) => Err(out_of_stock(lines, refused)),
    }
}

fn out_of_stock(lines: &[CartLine], refused: inventory::Refused) -> Error {
    let name = lines
        .iter()
        .find(|l| l.variant_id == refused.variant_id)
        .map_or("an item", |l| l.product_name.as_str());
    let stock = refused.on_hand;
    Error::Conflict(if stock == 0 {
        format!("Sorry, {name} has just sold out. Please remove it from your cart.")
    } else {
        format!(
            "Sorry, only {stock} of {name} {} left; please lower the quantity in your cart.",
            if stock == 1 { "is" } else { "are" }
        )
    })
}

fn new_order_number(now: chrono::NaiveDateTime) -> String {
    format!(
        "SW-{}-{}",
        now.format("%y%m"),
        crate::util::random_hex(4).to_uppercase()
    )
}

/// Inserts the order under a newly drawn number and gives its id and number. A number can clash
/// with an earlier one (one draw in a few hundred, in a month of ten million orders): the insert
/// is then refused, and `place` runs the whole transaction again with a new draw, rather than
/// wrap every insert in a savepoint, which would cost every order two more round trips.
fn insert_order(
    conn: &mut DbConn,
    request: &PlaceOrder,
    priced: &Priced,
    payment_method_id: Option<i64>,
    now: chrono::NaiveDateTime,
) -> Result<(i64, String)> {
    let totals = &priced.quote.totals;
    let address = &priced.address;
    let number = new_order_number(now);
    let order = NewOrder {
        id: None,
        number: &number,
        user_id: request.user_id,
        status: OrderStatus::PendingPayment,
        subtotal: totals.subtotal,
        discount_total: totals.discount,
        shipping_total: totals.shipping,
        tax_total: totals.tax,
        grand_total: totals.grand_total,
        promotion_id: priced.promotion.as_ref().map(|p| p.id),
        promotion_code: priced.promotion.as_ref().map(|p| p.code.as_str()),
        shipping_method_id: Some(priced.shipping.id),
        shipping_method_name: &priced.shipping.name,
        shipping_address_id: Some(address.id),
        ship_name: &address.full_name,
        ship_line1: &address.line1,
        ship_line2: address.line2.as_deref(),
        ship_city: &address.city,
        ship_region: &address.region,
        ship_postal_code: &address.postal_code,
        ship_country: &address.country,
        payment_method_id,
        idempotency_key: &request.idempotency_key,
        tracking_number: None,
        payment_expires_at: Some(now + PAYMENT_WINDOW),
        created_at: None,
        updated_at: None,
    };
    let id = diesel::insert_into(orders::table)
        .values(&order)
        .returning(orders::id)
        .get_result::<i64>(conn)?;
    Ok((id, number))
}

/// PostgreSQL keeps order numbers unique in `order_numbers`, beside the month partitions
/// (migrations/postgres/2026-12-07-000001_monthly_orders); SQLite on the orders table.
fn number_taken(error: &diesel::result::Error) -> bool {
    crate::db::unique_violation_on(error, "orders", &["number"])
        || crate::db::unique_violation_on(error, "order_numbers", &["number"])
}

fn insert_line(
    conn: &mut DbConn,
    order_id: i64,
    line: &CartLine,
    priced: &pricing::PricedLine,
    tax_bps: i32,
) -> Result<()> {
    diesel::insert_into(order_items::table)
        .values(&NewOrderItem {
            id: None,
            order_id,
            variant_id: line.variant_id,
            product_id: line.product_id,
            seller_id: line.seller_id,
            product_name: &line.product_name,
            variant_name: &line.variant_name,
            sku: &line.sku,
            unit_price: line.price,
            quantity: line.quantity,
            line_subtotal: priced.subtotal,
            discount: priced.discount,
            tax_rate_bps: tax_bps,
            tax: priced.tax,
            line_total: priced.total,
        })
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::DatabaseErrorKind as Kind;

    fn refused(kind: Kind, message: &str) -> Error {
        Error::Db(crate::db::Error::Query(
            diesel::result::Error::DatabaseError(kind, Box::new(message.to_owned())),
        ))
    }

    #[test]
    fn only_deadlocks_serialization_failures_and_taken_numbers_are_tried_again() {
        assert!(is_transient(&refused(Kind::Unknown, "deadlock detected")));
        assert!(is_transient(&refused(
            Kind::SerializationFailure,
            "could not serialize access"
        )));
        assert!(!is_transient(&refused(
            Kind::UniqueViolation,
            "duplicate key value"
        )));
        assert!(!is_transient(&refused(Kind::CheckViolation, "stock >= 0")));
        assert!(
            is_transient(&refused(
                Kind::UniqueViolation,
                "UNIQUE constraint failed: orders.number"
            )),
            "a drawn order number that was taken: the next try draws again"
        );
        assert!(!is_transient(&refused(
            Kind::UniqueViolation,
            "UNIQUE constraint failed: orders.user_id, orders.idempotency_key"
        )));
        assert!(!is_transient(&Error::Conflict("sold out".into())));
    }
}
