//! Fixtures for the admin's order pages: a shop with tax and shipping, paid orders of several
//! lines placed through the real checkout, the money state read back, a gateway told to refuse
//! the next refund, and a form posted from a given client address.

use diesel::prelude::*;

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;

use shopwave::db::DbConn;
use shopwave::db::schema::{order_items, orders, payments, refunds, users};
use shopwave::money::Money;
use shopwave::util::random_hex;

use super::builders::{ProductBuilder, category, seller};
use super::commerce::{
    APPROVED, add_to_cart, buyer, order_request, saga, shipping_method, tax_rate,
};
use super::{Page, TestApp, TestDb};
use shopwave::checkout::Outcome;

/// One seller's shop in the US/CA tax zone (8.25 %) with a 4.99 shipping method.
pub struct Shop {
    pub seller: i64,
    pub category: i64,
    pub shipping: i64,
}

/// A confirmed order as the checkout left it.
pub struct Paid {
    pub buyer: i64,
    pub email: String,
    pub number: String,
    pub order_id: i64,
    /// Its lines' ids, in the order given.
    pub lines: Vec<i64>,
    pub payment_id: i64,
    pub captured: Money,
}

impl Shop {
    pub fn open(db: &TestDb) -> Shop {
        let conn = &mut db.conn();
        let shop = Shop {
            seller: seller(conn),
            category: category(conn, "Goods"),
            shipping: shipping_method(conn, 499, None),
        };
        tax_rate(conn, "US", "CA", 825);
        shop
    }

    /// A new shopper buys one product per `(unit price in cents, quantity)` and pays by card.
    pub fn paid_order(&self, db: &TestDb, lines: &[(i64, i32)]) -> Paid {
        let conn = &mut db.conn();
        let b = buyer(db, APPROVED);
        for (price, quantity) in lines {
            let (_, variant) = ProductBuilder::new(&format!("Item {}", random_hex(3)))
                .price(*price)
                .stock(50)
                .insert(conn, self.seller, self.category);
            add_to_cart(conn, b.id, variant, *quantity);
        }
        let Ok(Outcome::Confirmed { number }) =
            saga(db).submit(&order_request(b.id, b.address, self.shipping, b.card))
        else {
            panic!("an approved card confirms the order");
        };
        let (order_id, email): (i64, String) = orders::table
            .inner_join(users::table)
            .filter(orders::number.eq(&number))
            .select((orders::id, users::email))
            .first(conn)
            .expect("order");
        let lines = order_items::table
            .filter(order_items::order_id.eq(order_id))
            .order(order_items::id.asc())
            .select(order_items::id)
            .load(conn)
            .expect("lines");
        let (payment_id, captured) = payments::table
            .filter(payments::order_id.eq(order_id))
            .select((payments::id, payments::amount))
            .first(conn)
            .expect("payment");
        Paid {
            buyer: b.id,
            email,
            number,
            order_id,
            lines,
            payment_id,
            captured,
        }
    }
}

/// Every refund row, oldest first: (amount, status, line, reason).
pub fn all_refunds(conn: &mut DbConn) -> Vec<(Money, String, Option<i64>, String)> {
    refunds::table
        .order(refunds::id.asc())
        .select((
            refunds::amount,
            refunds::status,
            refunds::order_item_id,
            refunds::reason,
        ))
        .load(conn)
        .expect("refunds")
}

/// What the payment records as given back or reserved.
pub fn refunded_amount(conn: &mut DbConn, payment_id: i64) -> Money {
    payments::table
        .find(payment_id)
        .select(payments::refunded_amount)
        .first(conn)
        .expect("payment")
}

pub fn line_total(conn: &mut DbConn, line: i64) -> Money {
    order_items::table
        .find(line)
        .select(order_items::line_total)
        .first(conn)
        .expect("line")
}

/// Makes the test gateway refuse the next refund asked of it: the gateway replays whatever its
/// record holds for an idempotency key (`refund_<id>`, the next refund row's id), and a record
/// without a reference is a refusal.
pub fn refuse_next_refund(db: &TestDb) {
    let next: Option<i64> = refunds::table
        .select(diesel::dsl::max(refunds::id))
        .first(&mut db.conn())
        .expect("max id");
    db.refuse_at_processor(
        &format!("refund_{}", next.unwrap_or(0) + 1),
        "refused by the test",
    );
}

/// Posts a form with this visitor's CSRF token, as if from the client address `from`.
pub async fn post_from(app: &TestApp, path: &str, fields: &[(&str, &str)], from: &str) -> Page {
    let token = app.csrf_token().await;
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields.iter().copied())
        .append_pair("csrf_token", &token)
        .finish();
    app.send(
        TestRequest::default()
            .method(Method::POST)
            .uri(path)
            .peer_addr(from.parse().expect("a socket address"))
            .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body),
    )
    .await
}
