//! An order's life: which statuses count as paid, their words for the shopper, and the one
//! function that moves an order from one status to another.

use diesel::prelude::*;

use crate::audit::{self, Entity};
use crate::db::DbConn;
use crate::db::schema::{order_status_history, orders};
use crate::db::types::OrderStatus;
use crate::error::{Error, Result};

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
/// the other gets `Ok(false)` and must not do the move's side effects. Writes the history row
/// and, when a person (`actor_id`) made the change, an audit row. Leaving `pending_payment` clears
/// the payment deadline; ending unfulfilled keeps `note` as the order's cancel reason. A pair the
/// transition table does not allow is `Error::IllegalTransition`, and nothing is written.
pub fn transition(
    conn: &mut DbConn,
    order_id: i64,
    from: OrderStatus,
    to: OrderStatus,
    actor_id: Option<i64>,
    note: &str,
) -> Result<bool> {
    if !from.may_become(to) {
        return Err(Error::IllegalTransition { from, to });
    }
    let moved = diesel::update(
        orders::table
            .filter(orders::id.eq(order_id))
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
            order_status_history::actor_id.eq(actor_id),
            order_status_history::note.eq(note),
        ))
        .execute(conn)?;
    if let Some(actor_id) = actor_id {
        audit::record(
            conn,
            actor_id,
            "order.status",
            Entity {
                kind: "order",
                id: order_id,
            },
            &format!("{from} → {to}: {note}"),
        )?;
    }
    Ok(true)
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
        let refused = transition(&mut conn, 1, Shipped, Cancelled, Some(1), "too late");
        assert!(matches!(
            refused,
            Err(Error::IllegalTransition {
                from: Shipped,
                to: Cancelled
            })
        ));
    }
}
