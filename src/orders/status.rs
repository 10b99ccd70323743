//! An order's life: which statuses count as paid, their words for the shopper, and the one
//! function that moves an order from one status to another.

use diesel::prelude::*;

use super::months;
use crate::audit::{self, Actor, Entity};
use crate::db::DbConn;
use crate::db::schema::{order_status_history, orders, users};
use crate::db::types::OrderStatus;
use crate::error::{Error, Result};
use crate::mail::{Email, shop_link};

impl OrderStatus {
    /// Orders whose money the shop has (paid and not cancelled, refunded or failed): what sales
    /// reports count and what lets a buyer review what they bought.
    pub const PAID: [OrderStatus; 4] = [
        OrderStatus::Confirmed,
        OrderStatus::Processing,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
    ];

    /// Words for the shopper.
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "Awaiting payment",
            OrderStatus::Confirmed => "Confirmed",
            OrderStatus::Processing => "Being prepared",
            OrderStatus::Shipped => "Shipped",
            OrderStatus::Delivered => "Delivered",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::PaymentFailed => "Payment failed",
            OrderStatus::Refunded => "Refunded",
        }
    }
    /// The transition table: every move an order may make. Anything else is a bug in the caller.
    pub fn may_become(self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (PendingPayment, Confirmed | PaymentFailed | Cancelled)
                | (Confirmed, Processing | Cancelled)
                | (Processing, Shipped | Cancelled)
                | (Shipped, Delivered)
                | (Confirmed | Processing | Shipped | Delivered, Refunded)
        )
    }

    /// The moves the shopper is e-mailed about; the confirmation is sent by checkout itself.
    fn tells_shopper(self) -> bool {
        use OrderStatus::*;
        matches!(self, Shipped | Delivered | Cancelled | Refunded)
    }

    /// Whether the order ends here without being fulfilled; its reason is kept on the order.
    fn ends_unfulfilled(self) -> bool {
        matches!(self, OrderStatus::Cancelled | OrderStatus::PaymentFailed)
    }
}

/// The order was placed: its first history row. The insert itself set `pending_payment`.
pub(crate) fn placed(conn: &mut DbConn, order_id: i64, user_id: i64) -> Result<()> {
    diesel::insert_into(order_status_history::table)
        .values((
            order_status_history::order_id.eq(order_id),
            order_status_history::to_status.eq(OrderStatus::PendingPayment),
            order_status_history::actor_id.eq(user_id),
            order_status_history::note.eq("Order placed"),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves an order from `from` to `to`: the only code that changes `orders.status`. The update is
/// conditional on the order still being in `from`, so of two racing writers exactly one moves it;
/// the other gets `Ok(false)` and must not do the move's side effects. Writes the history row,
/// an audit row when a person (`by`) made the change, and queues the shopper's e-mail for the
/// moves they are told about (`OrderStatus::tells_shopper`). Leaving `pending_payment` clears
/// the payment deadline; ending unfulfilled keeps `note` as the order's cancel reason. A pair the
/// transition table does not allow is `Error::IllegalTransition`, and nothing is written.
pub fn transition(
    conn: &mut DbConn,
    order_id: i64,
    from: OrderStatus,
    to: OrderStatus,
    by: Option<&Actor>,
    note: &str,
) -> Result<bool> {
    if !from.may_become(to) {
        return Err(Error::IllegalTransition { from, to });
    }
    let moved = diesel::update(
        orders::table
            .filter(months::the_order(order_id))
            .filter(orders::status.eq(from)),
    )
    .set((
        orders::status.eq(to),
        orders::updated_at.eq(crate::util::now()),
        (from == OrderStatus::PendingPayment)
            .then(|| orders::payment_expires_at.eq(None::<chrono::NaiveDateTime>)),
        to.ends_unfulfilled()
            .then(|| orders::cancel_reason.eq(note)),
    ))
    .execute(conn)?;
    if moved == 0 {
        return Ok(false);
    }
    diesel::insert_into(order_status_history::table)
        .values((
            order_status_history::order_id.eq(order_id),
            order_status_history::from_status.eq(from),
            order_status_history::to_status.eq(to),
            order_status_history::actor_id.eq(by.map(|actor| actor.user_id)),
            order_status_history::note.eq(note),
        ))
        .execute(conn)?;
    if to.tells_shopper() {
        let email = status_email(conn, order_id, to, note)?;
        crate::notices::queue(conn, &email)?;
    }
    if let Some(actor) = by {
        audit::record(
            conn,
            actor,
            "order.status",
            Entity {
                kind: "order",
                id: order_id,
            },
            &format!("{from} → {to}: {note}"),
        )?;
    }
    // Last: the day's running totals are rows every order of the day updates, so the move
    // holds their locks for as few statements as it can.
    crate::sales_totals::order_moved(conn, order_id, from, to)?;
    Ok(true)
}

/// The e-mail telling the shopper their order is now `to`; `note` says why when it matters.
fn status_email(conn: &mut DbConn, order_id: i64, to: OrderStatus, note: &str) -> Result<Email> {
    let (number, email, first_name): (String, String, String) = orders::table
        .inner_join(users::table)
        .filter(months::the_order(order_id))
        .select((orders::number, users::email, users::first_name))
        .first(conn)?;
    let news = match to {
        OrderStatus::Shipped => "has shipped. Every parcel is on its way; the order page shows each carrier and tracking number.".to_owned(),
        OrderStatus::Delivered => "has been delivered. If something is not right, you can ask to return it from the order page within 30 days.".to_owned(),
        OrderStatus::Cancelled => format!("has been cancelled ({note}). Any payment will be refunded to your card."),
        OrderStatus::Refunded => "has been refunded in full. The money goes back to the card you paid with.".to_owned(),
        _ => format!("is now: {}.", to.label().to_lowercase()),
    };
    Ok(Email {
        to: email,
        subject: format!(
            "Your ShopWave order {number}: {}",
            to.label().to_lowercase()
        ),
        body: format!(
            "Hello {first_name},\n\nYour order {number} {news}\n\nYou can follow your order at {}\n\nShopWave\n",
            shop_link(&format!("/orders/{number}"))
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn the_table_allows_exactly_these_moves() {
        let allowed = [
            (PendingPayment, Confirmed),
            (PendingPayment, PaymentFailed),
            (PendingPayment, Cancelled),
            (Confirmed, Processing),
            (Confirmed, Cancelled),
            (Confirmed, Refunded),
            (Processing, Shipped),
            (Processing, Cancelled),
            (Processing, Refunded),
            (Shipped, Delivered),
            (Shipped, Refunded),
            (Delivered, Refunded),
        ];
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn final_statuses_go_nowhere() {
        for end in [Cancelled, PaymentFailed, Refunded] {
            assert!(OrderStatus::ALL.iter().all(|to| !end.may_become(*to)));
        }
    }

    #[test]
    fn only_paid_orders_can_be_refunded() {
        for from in OrderStatus::ALL {
            assert_eq!(from.may_become(Refunded), OrderStatus::PAID.contains(&from));
        }
    }

    #[test]
    fn an_illegal_move_is_refused_before_anything_is_written() {
        use diesel::Connection;
        let mut conn = DbConn::Sqlite(
            diesel::sqlite::SqliteConnection::establish(":memory:").expect("in-memory SQLite"),
        );
        // No tables: a refusal that reached the database would fail differently.
        let refused = transition(
            &mut conn,
            1,
            Shipped,
            Cancelled,
            Some(&Actor::offline(1)),
            "too late",
        );
        assert!(matches!(
            refused,
            Err(Error::IllegalTransition {
                from: Shipped,
                to: Cancelled
            })
        ));
    }
}
