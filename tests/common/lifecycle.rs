//! Fixtures for the order-lifecycle property test: one paid order with a line of two units from
//! each of two sellers, an admin, what the shop held before the sale, and the invariants that
//! must hold whatever sequence of actions was taken on the order afterwards.

use diesel::prelude::*;

use shopwave::db::DbConn;
use shopwave::db::schema::*;
use shopwave::db::types::{OrderStatus, ReturnStatus, ShipmentStatus};

use super::TestDb;
use super::commerce::stock_of;
use super::returns::{PaidLine, PaidOrder, Want, new_seller, paid_order};

/// Units bought on each line.
pub const UNITS: i32 = 2;

/// The order under test and who may act on it.
pub struct Lifecycle {
    pub order: PaidOrder,
    pub admin: i64,
    /// Per line (seller A's, then seller B's): stock before the sale.
    pub stock_before: [i32; 2],
    pub line_totals: [i64; 2],
    pub captured: i64,
}

impl Lifecycle {
    /// A new buyer pays for two units from each of two new sellers (8.25 % tax, so the line
    /// totals do not split evenly into units).
    pub fn new(db: &TestDb, admin: i64) -> Lifecycle {
        let (a, b) = (new_seller(&mut db.conn()), new_seller(&mut db.conn()));
        let order = paid_order(
            db,
            &[
                Want {
                    seller: a,
                    price: 1999,
                    quantity: UNITS,
                },
                Want {
                    seller: b,
                    price: 3450,
                    quantity: UNITS,
                },
            ],
        );
        let conn = &mut db.conn();
        let stock_before = [0, 1].map(|i| stock_of(conn, order.lines[i].variant_id) + UNITS);
        let line_totals = [0, 1].map(|i| {
            order_items::table
                .find(order.lines[i].item_id)
                .select(order_items::line_total)
                .first::<i64>(conn)
                .expect("line")
        });
        let captured = payments::table
            .filter(payments::order_id.eq(order.id))
            .select(payments::amount)
            .first(conn)
            .expect("payment");
        Lifecycle {
            order,
            admin,
            stock_before,
            line_totals,
            captured,
        }
    }

    pub fn line(&self, side: usize) -> PaidLine {
        self.order.lines[side]
    }

    /// What is left of the payment to give back, in cents.
    pub fn refundable(&self, conn: &mut DbConn) -> i64 {
        let reserved: i64 = payments::table
            .filter(payments::order_id.eq(self.order.id))
            .select(payments::refunded_amount)
            .first(conn)
            .expect("payment");
        self.captured - reserved
    }

    /// The ids of a line's returns, oldest first.
    pub fn returns_of(&self, conn: &mut DbConn, side: usize) -> Vec<i64> {
        self.returns_with_status(conn, side)
            .into_iter()
            .map(|r| r.0)
            .collect()
    }

    fn returns_with_status(&self, conn: &mut DbConn, side: usize) -> Vec<(i64, ReturnStatus)> {
        returns::table
            .filter(returns::order_item_id.eq(self.line(side).item_id))
            .order(returns::id.asc())
            .select((returns::id, returns::status))
            .load(conn)
            .expect("returns")
    }

    /// Where one side stands now, for choosing an action that moves it on.
    pub fn side(&self, conn: &mut DbConn, side: usize) -> Side {
        let parcel = shipments::table
            .filter(shipments::order_id.eq(self.order.id))
            .filter(shipments::seller_id.eq(self.line(side).seller.id))
            .select(shipments::status)
            .first(conn)
            .expect("parcel");
        let (quantity, returned): (i32, i32) = order_items::table
            .find(self.line(side).item_id)
            .select((order_items::quantity, order_items::returned_quantity))
            .first(conn)
            .expect("line");
        Side {
            parcel,
            returnable: quantity - returned,
            returns: self
                .returns_with_status(conn, side)
                .into_iter()
                .map(|r| r.1)
                .collect(),
        }
    }
}

/// One seller's side of the order: their parcel, the units not yet in a return, and the
/// statuses of the line's returns, oldest first.
pub struct Side {
    pub parcel: ShipmentStatus,
    pub returnable: i32,
    pub returns: Vec<ReturnStatus>,
}

/// Every invariant of the order, whatever was done to it; `ctx` (seed and actions) is printed
/// with any failure.
pub fn assert_invariants(conn: &mut DbConn, lc: &Lifecycle, ctx: &str) {
    let status: OrderStatus = orders::table
        .find(lc.order.id)
        .select(orders::status)
        .first(conn)
        .expect("order");
    assert_history(conn, lc.order.id, status, ctx);
    assert_parcels(conn, lc.order.id, status, ctx);
    assert_money(conn, lc, ctx);
    assert_stock(conn, lc, status, ctx);
    for check in shopwave::checks::run_all(conn).expect("checks run") {
        assert!(
            check.findings.is_empty(),
            "{ctx}\n{}: {:?}",
            check.name,
            check.findings
        );
    }
}

/// The history starts at `pending_payment`, each row leaves the status the one before reached
/// by a move the table allows, and the last reaches the order's status.
fn assert_history(conn: &mut DbConn, order_id: i64, status: OrderStatus, ctx: &str) {
    let rows: Vec<(Option<OrderStatus>, OrderStatus)> = order_status_history::table
        .filter(order_status_history::order_id.eq(order_id))
        .order(order_status_history::id.asc())
        .select((
            order_status_history::from_status,
            order_status_history::to_status,
        ))
        .load(conn)
        .expect("history");
    assert_eq!(
        rows.first(),
        Some(&(None, OrderStatus::PendingPayment)),
        "{ctx}\nhistory {rows:?}"
    );
    for pair in rows.windows(2) {
        let ((_, before), (from, to)) = (pair[0], pair[1]);
        assert_eq!(from, Some(before), "{ctx}\nhistory {rows:?}");
        assert!(
            before.may_become(to),
            "{ctx}\n{before} → {to} is not in the table; history {rows:?}"
        );
    }
    assert_eq!(
        rows.last().map(|r| r.1),
        Some(status),
        "{ctx}\nhistory {rows:?}"
    );
}

type ParcelRow = (
    ShipmentStatus,
    Option<String>,
    Option<String>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
    Option<chrono::NaiveDateTime>,
);

/// The order's status agrees with its parcels, and each parcel's carrier and timestamps agree
/// with the parcel's own status.
fn assert_parcels(conn: &mut DbConn, order_id: i64, status: OrderStatus, ctx: &str) {
    use ShipmentStatus::*;
    let parcels: Vec<ParcelRow> = shipments::table
        .filter(shipments::order_id.eq(order_id))
        .order(shipments::id.asc())
        .select((
            shipments::status,
            shipments::carrier,
            shipments::tracking_number,
            shipments::packed_at,
            shipments::shipped_at,
            shipments::delivered_at,
        ))
        .load(conn)
        .expect("parcels");
    assert_eq!(parcels.len(), 2, "{ctx}\none parcel per seller");
    let ctx = format!("{ctx}\norder {status}, parcels {parcels:?}");
    for (parcel, carrier, tracking, packed, shipped, delivered) in &parcels {
        let sent = carrier.is_some() && tracking.is_some() && shipped.is_some();
        let ok = match parcel {
            Pending => packed.is_none() && shipped.is_none() && delivered.is_none(),
            Packed => packed.is_some() && shipped.is_none() && delivered.is_none(),
            Shipped => sent && delivered.is_none(),
            Delivered => sent && delivered.is_some() && shipped <= delivered,
            Cancelled => shipped.is_none() && delivered.is_none(),
        };
        assert!(ok, "{ctx}\na {parcel} parcel's timestamps disagree");
        if let (Some(p), Some(s)) = (packed, shipped) {
            assert!(p <= s, "{ctx}\npacked after it shipped");
        }
    }
    let live: Vec<ShipmentStatus> = parcels
        .iter()
        .map(|p| p.0)
        .filter(|s| *s != Cancelled)
        .collect();
    let all = |wanted: &[ShipmentStatus]| live.iter().all(|s| wanted.contains(s));
    let agrees = match status {
        OrderStatus::Confirmed => !live.is_empty() && all(&[Pending]),
        OrderStatus::Processing => !live.is_empty() && !all(&[Shipped, Delivered]),
        OrderStatus::Shipped => {
            !live.is_empty() && all(&[Shipped, Delivered]) && !all(&[Delivered])
        }
        OrderStatus::Delivered => !live.is_empty() && all(&[Delivered]),
        OrderStatus::Cancelled => live.is_empty(),
        OrderStatus::Refunded => !live.is_empty(),
        OrderStatus::PendingPayment | OrderStatus::PaymentFailed => false,
    };
    assert!(
        agrees,
        "{ctx}\nthe order's status disagrees with its parcels"
    );
}

/// Money is never invented: the refunds that went through stay within what was captured, and
/// the refunds of a line (through or still pending) within the line's paid share.
fn assert_money(conn: &mut DbConn, lc: &Lifecycle, ctx: &str) {
    let rows: Vec<(i64, String, Option<i64>)> = refunds::table
        .filter(refunds::order_id.eq(lc.order.id))
        .order(refunds::id.asc())
        .select((refunds::amount, refunds::status, refunds::order_item_id))
        .load(conn)
        .expect("refunds");
    let ctx = format!("{ctx}\ncaptured {}, refunds {rows:?}", lc.captured);
    let succeeded: i64 = rows
        .iter()
        .filter(|r| r.1 == "succeeded")
        .map(|r| r.0)
        .sum();
    assert!(
        succeeded <= lc.captured,
        "{ctx}\nmore refunded than captured"
    );
    for side in 0..2 {
        let on_line: i64 = rows
            .iter()
            .filter(|r| r.1 != "failed" && r.2 == Some(lc.line(side).item_id))
            .map(|r| r.0)
            .sum();
        assert!(
            on_line <= lc.line_totals[side],
            "{ctx}\nline {side} (total {}) refunded {on_line}",
            lc.line_totals[side]
        );
    }
}

/// Stock is never invented: each variant holds what it held before the sale, less the units
/// still sold (not cancelled, not returned to the shelf).
fn assert_stock(conn: &mut DbConn, lc: &Lifecycle, status: OrderStatus, ctx: &str) {
    for side in 0..2 {
        let line = lc.line(side);
        let cancelled: Option<chrono::NaiveDateTime> = order_items::table
            .find(line.item_id)
            .select(order_items::cancelled_at)
            .first(conn)
            .expect("line");
        let restocked: Vec<i32> = returns::table
            .filter(returns::order_item_id.eq(line.item_id))
            .filter(returns::status.eq("received"))
            .filter(returns::restock.eq(true))
            .select(returns::quantity)
            .load(conn)
            .expect("returns");
        let restocked: i32 = restocked.iter().sum();
        let sold = if status == OrderStatus::Cancelled || cancelled.is_some() {
            0
        } else {
            UNITS - restocked
        };
        assert!(
            (0..=UNITS).contains(&sold),
            "{ctx}\nline {side}: restocked {restocked}"
        );
        assert_eq!(
            stock_of(conn, line.variant_id),
            lc.stock_before[side] - sold,
            "{ctx}\nline {side}'s stock (cancelled {cancelled:?}, restocked {restocked})"
        );
    }
}
