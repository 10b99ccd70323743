//! A shopper's orders: history with keyset paging, the detail page, cancelling before shipment,
//! giving stock and voucher back (the compensation every cancel path shares), and the
//! confirmation e-mail. Every read is scoped to the owner: another user's order is "not found".

use diesel::prelude::*;

use crate::audit::Actor;
use crate::db::models::{Order, OrderItem};
use crate::db::schema::{order_items, orders, payments, shipments, users};
use crate::db::types::ShipmentStatus;
use crate::db::{self, DbConn, Pool, write_tx};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::mail::{Email, shop_link};
use crate::money::Money;
use crate::payments::{Gateway, PaymentStatus};

mod detail;
mod history;
pub mod months;
mod numbers;
mod refunds;
mod status;

pub use crate::db::types::OrderStatus;
pub use detail::{MoneyState, OrderDetail, ParcelView, cancellable, detail};
pub use history::{OrderPage, OrderSummary, list};
pub use numbers::numbered;
pub use refunds::{GiveBack, close_after_late_refund, give_back};
pub(crate) use status::placed;
pub use status::transition;

/// How long after its parcel is delivered a line may be sent back, in days.
pub const RETURN_WINDOW_DAYS: i64 = 30;

pub const PAGE_SIZE: i64 = 20;

/// Who cancels an order: its shopper (only their own) or an administrator (any order).
#[derive(Clone, Copy)]
pub enum Canceller<'a> {
    Shopper(&'a Actor),
    Admin(&'a Actor),
}

impl Canceller<'_> {
    fn actor(&self) -> &Actor {
        match self {
            Canceller::Shopper(actor) | Canceller::Admin(actor) => actor,
        }
    }

    fn note(&self) -> &'static str {
        match self {
            Canceller::Shopper(_) => "Cancelled by the customer",
            Canceller::Admin(_) => "Cancelled by the shop",
        }
    }
}

/// Cancels a paid order before it ships: stock and voucher go back in one transaction, then
/// what is left of the payment is refunded and the refund recorded.
pub fn cancel(pool: &Pool, gateway: &Gateway, by: Canceller, number: &str) -> Result<()> {
    let order_id = write_tx(&mut *pool.get()?, |c| cancel_unshipped(c, by, number))?;
    let mut conn = pool.get()?;
    let left: Option<i64> = payments::table
        .filter(payments::order_id.eq(order_id))
        .filter(payments::status.eq(PaymentStatus::Captured))
        .select(payments::id)
        .first(&mut conn)
        .optional()?;
    let Some(payment_id) = left else {
        return Ok(());
    };
    let amount = crate::payments::refundable(&mut conn, payment_id)?;
    if amount == Money::ZERO {
        return Ok(());
    }
    give_back(
        &mut conn,
        gateway,
        &GiveBack {
            order_id,
            amount,
            reason: by.note(),
            order_item_id: None,
            return_id: None,
            by: Some(by.actor()),
        },
    )?;
    Ok(())
}

/// Cancels a paid order that has not shipped, inside the caller's transaction: stock and voucher
/// go back. Returns the order id. A shopper asking for someone else's order finds nothing.
fn cancel_unshipped(conn: &mut DbConn, by: Canceller, number: &str) -> Result<i64> {
    let mut query = orders::table
        .filter(numbered(conn, number)?)
        .select(Order::as_select())
        .into_boxed();
    if let Canceller::Shopper(shopper) = by {
        query = query.filter(orders::user_id.eq(shopper.user_id));
    }
    let order: Order = query.first(conn)?;
    take_order_turn(conn, order.id)?;
    let left: i64 = shipments::table
        .filter(shipments::order_id.eq(order.id))
        .filter(shipments::status.eq_any([ShipmentStatus::Shipped, ShipmentStatus::Delivered]))
        .count()
        .get_result(conn)?;
    if left > 0 {
        return Err(Error::Conflict(
            "A parcel of this order has already shipped, so the order can no longer be cancelled."
                .into(),
        ));
    }
    // Read again under the turn: nobody else can move a paid order now. Stock goes back first
    // and the move (with its audit row) comes last, so the audit log's turn is held only while
    // committing; were the move lost all the same, everything rolls back.
    let status: OrderStatus = orders::table
        .filter(months::the_order(order.id))
        .select(orders::status)
        .first(conn)?;
    if matches!(status, OrderStatus::Confirmed | OrderStatus::Processing) {
        release(
            conn,
            order.id,
            MovementReason::Cancellation,
            Some(by.actor().user_id),
        )?;
        close_open_parcels(conn, order.id)?;
        let to = OrderStatus::Cancelled;
        if transition(conn, order.id, status, to, Some(by.actor()), by.note())? {
            return Ok(order.id);
        }
        return Err(Error::Conflict(
            "This order changed while we were cancelling it; please look at it again.".into(),
        ));
    }
    Err(Error::Conflict(match status {
        OrderStatus::PendingPayment => {
            "We are still confirming your payment; you can cancel once it is confirmed.".into()
        }
        OrderStatus::Shipped | OrderStatus::Delivered => {
            "This order has already shipped, so it can no longer be cancelled.".into()
        }
        _ => format!(
            "This order is {} and cannot be cancelled.",
            status.label().to_lowercase()
        ),
    }))
}

/// The parcels of an order that ends before they left (cancelled, or refunded in full) will
/// never ship: they are cancelled, and drop off their sellers' lists to ship.
pub(crate) fn close_open_parcels(conn: &mut DbConn, order_id: i64) -> Result<()> {
    diesel::update(
        shipments::table
            .filter(shipments::order_id.eq(order_id))
            .filter(shipments::status.eq_any([ShipmentStatus::Pending, ShipmentStatus::Packed])),
    )
    .set((
        shipments::status.eq(ShipmentStatus::Cancelled),
        shipments::updated_at.eq(crate::util::now()),
    ))
    .execute(conn)?;
    Ok(())
}

/// Every change to an order's parcels, its lines or its status by a person runs under the
/// order's turn, so two sellers finishing at once still see each other's parcel (the last one
/// ships the order), and a cancel never passes a parcel being shipped.
pub(crate) fn take_order_turn(conn: &mut DbConn, order_id: i64) -> Result<()> {
    Ok(db::take_turn(conn, &format!("order:{order_id}"))?)
}

/// Gives an order's stock back with compensating ledger rows and returns its voucher use. The
/// caller makes this happen once: it moves the order out of a live status conditionally in the
/// same transaction, which rolls back when that move is lost. Rows are locked in the order placing an order locks them (variants, products,
/// promotion), so the two never wait on each other crosswise. Lines a seller already cancelled
/// gave their stock back then and are left out.
pub(crate) fn release(
    conn: &mut DbConn,
    order_id: i64,
    reason: MovementReason,
    actor_id: Option<i64>,
) -> Result<()> {
    let lines: Vec<(i64, i32)> = order_items::table
        .filter(months::lines_of_order(order_id))
        .filter(order_items::cancelled_at.is_null())
        .select((order_items::variant_id, order_items::quantity))
        .load(conn)?;
    let moves: Vec<Move> = lines
        .into_iter()
        .map(|(variant_id, quantity)| Move {
            variant_id,
            delta: quantity,
        })
        .collect();
    let why = Why {
        order_id: Some(order_id),
        actor_id,
        ..Why::of(reason)
    };
    inventory::move_stock(conn, &moves, why)?.map_err(|refused| {
        Error::Internal(format!(
            "returning order {order_id}'s stock was refused: {refused:?}"
        ))
    })?;
    crate::promotions::reverse_use(conn, order_id)
}

/// The order confirmation e-mail, plain text. Two reads (the order with its shopper, then its
/// lines): it is sent after every sale, so in a flash sale these reads share the database with
/// the buyers still waiting, and the order page's full detail (history, payment, parcels,
/// refunds) would be six more that the e-mail does not show.
pub fn confirmation_email(conn: &mut DbConn, order_id: i64) -> Result<Email> {
    let (o, (email, first_name)): (Order, (String, String)) = orders::table
        .inner_join(users::table)
        .filter(months::the_order(order_id))
        .select((Order::as_select(), (users::email, users::first_name)))
        .first(conn)?;
    let items: Vec<OrderItem> = order_items::table
        .filter(months::lines_of_order(order_id))
        .order(order_items::id.asc())
        .select(OrderItem::as_select())
        .load(conn)?;
    let mut body = format!(
        "Hello {first_name},\n\nThank you for your order {}. We have received your payment.\n\n",
        o.number
    );
    for item in &items {
        let name = if item.variant_name.is_empty() {
            item.product_name.clone()
        } else {
            format!("{} ({})", item.product_name, item.variant_name)
        };
        body += &format!("  {} × {}  {}\n", item.quantity, name, item.line_subtotal);
    }
    body += &format!(
        "\nSubtotal  {}\nDiscount  -{}\nShipping  {} ({})\nTax       {}\nTotal     {}\n\nShipping to:\n  {}\n  {}\n",
        o.subtotal,
        o.discount_total,
        o.shipping_total,
        o.shipping_method_name,
        o.tax_total,
        o.grand_total,
        o.ship_name,
        o.ship_line1,
    );
    if let Some(line2) = o.ship_line2.as_deref().filter(|l| !l.is_empty()) {
        body += &format!("  {line2}\n");
    }
    body += &format!(
        "  {} {} {}\n  {}\n\nYou can follow your order at {}\n\nShopWave\n",
        o.ship_postal_code,
        o.ship_city,
        o.ship_region,
        o.ship_country,
        shop_link(&format!("/orders/{}", o.number))
    );
    Ok(Email {
        to: email,
        subject: format!("Your ShopWave order {}", o.number),
        body,
    })
}
