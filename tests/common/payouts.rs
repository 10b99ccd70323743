//! Fixtures for payouts: paid orders whose parcels were delivered at a chosen time, line
//! refunds through the gateway, and the months statements are made for.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use shopwave::checkout::Outcome;
use shopwave::db::DbConn;
use shopwave::db::schema::*;
use shopwave::money::Money;
use shopwave::payouts::Period;

use super::TestDb;
use super::builders::{ProductBuilder, category, seller};
use super::commerce::*;

/// Sales tax in the buyer's state: 8.25 %, so tax rounds.
pub const TAX_BPS: i32 = 825;

/// Two closed months in a row: the one before last, and last month.
pub fn closed_months() -> (Period, Period) {
    let last = Period::containing(shopwave::util::now().date()).previous();
    (last.previous(), last)
}

/// A seller at `commission_bps` with one product at `price`; returns (seller id, variant id).
pub fn seller_selling(
    conn: &mut DbConn,
    commission_bps: i32,
    name: &str,
    price: i64,
) -> (i64, i64) {
    let s = seller(conn);
    diesel::update(sellers::table.find(s))
        .set(sellers::commission_bps.eq(commission_bps))
        .execute(conn)
        .expect("commission");
    let c = category(conn, "Goods");
    let (_, variant) = ProductBuilder::new(name)
        .price(price)
        .stock(100)
        .insert(conn, s, c);
    (s, variant)
}

/// The shop's tax and shipping, set once per test.
pub struct Shop {
    pub shipping: i64,
}

pub fn shop(conn: &mut DbConn) -> Shop {
    tax_rate(conn, "US", "CA", TAX_BPS);
    Shop {
        shipping: shipping_method(conn, 500, None),
    }
}

/// A new buyer's paid order of `(variant, quantity)` lines; returns (order id, number).
pub fn paid_order(db: &TestDb, shop: &Shop, lines: &[(i64, i32)]) -> (i64, String) {
    let b = buyer(db, APPROVED);
    for &(variant, quantity) in lines {
        add_to_cart(&mut db.conn(), b.id, variant, quantity);
    }
    let Ok(Outcome::Confirmed { number }) =
        saga(db).submit(&order_request(b.id, b.address, shop.shipping, b.card))
    else {
        panic!("the payment is approved");
    };
    let id = orders::table
        .filter(orders::number.eq(&number))
        .select(orders::id)
        .first(&mut db.conn())
        .expect("order");
    (id, number)
}

/// Marks `seller_id`'s parcel of `order_id` delivered at `at` (shipped a day before).
pub fn delivered(conn: &mut DbConn, order_id: i64, seller_id: i64, at: NaiveDateTime) {
    let updated = diesel::update(
        shipments::table
            .filter(shipments::order_id.eq(order_id))
            .filter(shipments::seller_id.eq(seller_id)),
    )
    .set((
        shipments::status.eq("delivered"),
        shipments::carrier.eq("UPS"),
        shipments::tracking_number.eq("1Z999AA10123456784"),
        shipments::shipped_at.eq(at - chrono::Duration::days(1)),
        shipments::delivered_at.eq(at),
    ))
    .execute(conn)
    .expect("deliver parcel");
    assert_eq!(
        updated, 1,
        "the parcel was opened when the payment was confirmed"
    );
}

/// The order line of `seller_id` in `order_id`: (id, line_subtotal, tax, line_total).
pub fn line_of(conn: &mut DbConn, order_id: i64, seller_id: i64) -> (i64, i64, i64, i64) {
    order_items::table
        .filter(order_items::order_id.eq(order_id))
        .filter(order_items::seller_id.eq(seller_id))
        .select((
            order_items::id,
            order_items::line_subtotal,
            order_items::tax,
            order_items::line_total,
        ))
        .first(conn)
        .expect("order line")
}

/// Refunds `amount` cents of a line through the gateway, as a cancel or a return would.
pub fn refund_line(db: &TestDb, order_id: i64, order_item_id: i64, amount: i64) {
    let (payment_id, reference): (i64, Option<String>) = payments::table
        .filter(payments::order_id.eq(order_id))
        .select((payments::id, payments::gateway_reference))
        .first(&mut db.conn())
        .expect("payment");
    let outcome = shopwave::payments::refund(
        &mut db.conn(),
        &db.gateway(),
        &shopwave::payments::RefundRequest {
            payment_id,
            order_id,
            reference: reference.as_deref().expect("captured"),
            amount: Money::from_minor(amount),
            reason: "damaged",
            created_by: None,
            order_item_id: Some(order_item_id),
            return_id: None,
        },
    )
    .expect("refund");
    assert!(outcome.succeeded());
}

/// A shopper's return of one unit of a line, in `status`.
pub fn return_of(conn: &mut DbConn, order_item_id: i64, status: &str) -> i64 {
    let (order_id, seller_id, user_id): (i64, i64, i64) = order_items::table
        .inner_join(orders::table)
        .filter(order_items::id.eq(order_item_id))
        .select((
            order_items::order_id,
            order_items::seller_id,
            orders::user_id,
        ))
        .first(conn)
        .expect("line");
    diesel::insert_into(returns::table)
        .values((
            returns::order_id.eq(order_id),
            returns::order_item_id.eq(order_item_id),
            returns::user_id.eq(user_id),
            returns::seller_id.eq(seller_id),
            returns::quantity.eq(1),
            returns::reason.eq("Too small"),
            returns::status.eq(status),
        ))
        .returning(returns::id)
        .get_result(conn)
        .expect("insert return")
}

/// The statements of `period` as (seller id, gross, commission, net, status), by seller id.
pub fn statements(conn: &mut DbConn, period: Period) -> Vec<(i64, i64, i64, i64, String)> {
    seller_payouts::table
        .filter(seller_payouts::period_start.eq(period.start()))
        .order(seller_payouts::seller_id)
        .select((
            seller_payouts::seller_id,
            seller_payouts::gross,
            seller_payouts::commission,
            seller_payouts::net,
            seller_payouts::status,
        ))
        .load(conn)
        .expect("statements")
}

/// The statement id of `seller_id` for `period`.
pub fn statement_id(conn: &mut DbConn, seller_id: i64, period: Period) -> i64 {
    seller_payouts::table
        .filter(seller_payouts::seller_id.eq(seller_id))
        .filter(seller_payouts::period_start.eq(period.start()))
        .select(seller_payouts::id)
        .first(conn)
        .expect("statement")
}

/// The user account behind a seller profile.
pub fn user_of_seller(conn: &mut DbConn, seller_id: i64) -> i64 {
    sellers::table
        .find(seller_id)
        .select(sellers::user_id)
        .first(conn)
        .expect("seller")
}
