//! Builders for checkout tests: addresses, shipping, tax, promotions, saved cards, carts, and
//! the payment saga wired to the test's own data directory.

use diesel::prelude::*;

use shopwave::cart::{self, CartOwner, Quantity};
use shopwave::checkout::{PaymentChoice, PaymentSaga, PlaceOrder};
use shopwave::db::DbConn;
use shopwave::db::schema::*;
use shopwave::util::random_hex;

use super::TestDb;

pub const APPROVED: &str = "4242424242424242";
pub const DECLINED: &str = "4000000000000002";
pub const TIMEOUT_CAPTURED: &str = "4000000000000119";
pub const TIMEOUT_LOST: &str = "4000000000000259";

pub fn address(conn: &mut DbConn, user_id: i64, country: &str, region: &str) -> i64 {
    diesel::insert_into(addresses::table)
        .values((
            addresses::user_id.eq(user_id),
            addresses::full_name.eq("Ada Buyer"),
            addresses::line1.eq("1 Test Street"),
            addresses::city.eq("Springfield"),
            addresses::region.eq(region),
            addresses::postal_code.eq("12345"),
            addresses::country.eq(country),
        ))
        .returning(addresses::id)
        .get_result(conn)
        .expect("insert address")
}

pub fn shipping_method(conn: &mut DbConn, price: i64, free_over: Option<i64>) -> i64 {
    diesel::insert_into(shipping_methods::table)
        .values((
            shipping_methods::code.eq(format!("ship-{}", random_hex(3))),
            shipping_methods::name.eq("Standard"),
            shipping_methods::price.eq(price),
            shipping_methods::free_over.eq(free_over),
            shipping_methods::min_days.eq(2),
            shipping_methods::max_days.eq(5),
        ))
        .returning(shipping_methods::id)
        .get_result(conn)
        .expect("insert shipping method")
}

pub fn tax_rate(conn: &mut DbConn, country: &str, region: &str, bps: i32) {
    diesel::insert_into(tax_rates::table)
        .values((
            tax_rates::country.eq(country),
            tax_rates::region.eq(region),
            tax_rates::name.eq("Sales tax"),
            tax_rates::rate_bps.eq(bps),
        ))
        .execute(conn)
        .expect("insert tax rate");
}

/// A promotion valid from yesterday to next year; adjust with the setters.
pub struct PromotionBuilder {
    pub code: String,
    pub percent_bps: Option<i32>,
    pub amount_off: Option<i64>,
    pub min_subtotal: i64,
    pub max_uses: Option<i32>,
    pub per_customer_limit: i32,
    pub scope_product_id: Option<i64>,
    pub scope_category_id: Option<i64>,
    pub valid_from: chrono::NaiveDateTime,
    pub valid_until: chrono::NaiveDateTime,
}

impl PromotionBuilder {
    pub fn percent(bps: i32) -> PromotionBuilder {
        let now = shopwave::util::now();
        PromotionBuilder {
            code: format!("SAVE{}", random_hex(3).to_uppercase()),
            percent_bps: Some(bps),
            amount_off: None,
            min_subtotal: 0,
            max_uses: None,
            per_customer_limit: 1,
            scope_product_id: None,
            scope_category_id: None,
            valid_from: now - chrono::Duration::days(1),
            valid_until: now + chrono::Duration::days(365),
        }
    }

    pub fn fixed(cents: i64) -> PromotionBuilder {
        PromotionBuilder {
            percent_bps: None,
            amount_off: Some(cents),
            ..PromotionBuilder::percent(1)
        }
    }

    pub fn insert(self, conn: &mut DbConn) -> String {
        let scope = match (self.scope_product_id, self.scope_category_id) {
            (Some(_), _) => "product",
            (None, Some(_)) => "category",
            _ => "site",
        };
        diesel::insert_into(promotions::table)
            .values((
                promotions::code.eq(&self.code),
                promotions::discount_kind.eq(if self.percent_bps.is_some() {
                    "percentage"
                } else {
                    "fixed_amount"
                }),
                promotions::percent_bps.eq(self.percent_bps),
                promotions::amount_off.eq(self.amount_off),
                promotions::min_subtotal.eq(self.min_subtotal),
                promotions::max_uses.eq(self.max_uses),
                promotions::per_customer_limit.eq(self.per_customer_limit),
                promotions::scope.eq(scope),
                promotions::scope_product_id.eq(self.scope_product_id),
                promotions::scope_category_id.eq(self.scope_category_id),
                promotions::valid_from.eq(self.valid_from),
                promotions::valid_until.eq(self.valid_until),
            ))
            .execute(conn)
            .expect("insert promotion");
        self.code
    }
}

/// A test card typed on the processor's card page and saved for the user, as the saved-cards
/// page does; returns the payment method id.
pub fn saved_card(db: &TestDb, user_id: i64, number: &str) -> i64 {
    let token = super::card_page::card_via_page(&*db.gateway(), number).expect("valid card");
    shopwave::payments::methods::add(&mut db.conn(), user_id, &token).expect("save card")
}

pub fn saga(db: &TestDb) -> PaymentSaga {
    PaymentSaga::new(
        db.pool.clone(),
        db.gateway(),
        shopwave::mail::Mailer::from_env(&db.data_dir(), db.public_url()),
    )
}

pub fn add_to_cart(conn: &mut DbConn, user_id: i64, variant_id: i64, quantity: i32) {
    cart::add(
        conn,
        &CartOwner::User(user_id),
        variant_id,
        Quantity::parse(&quantity.to_string()).expect("quantity"),
    )
    .expect("add to cart");
}

/// A place-order request paying with a saved card, with a fresh idempotency key.
pub fn order_request(
    user_id: i64,
    address_id: i64,
    shipping_method_id: i64,
    card_id: i64,
) -> PlaceOrder {
    PlaceOrder {
        user_id,
        address_id,
        shipping_method_id,
        payment: PaymentChoice::Saved(card_id),
        idempotency_key: random_hex(16),
        expected_total: None,
    }
}

/// An order whose charge got no answer (the card that is charged, then answered with a 500):
/// it waits for its payment. Returns its number.
pub fn waiting_order(db: &TestDb, variant: i64, shipping: i64) -> String {
    let b = buyer(db, TIMEOUT_CAPTURED);
    add_to_cart(&mut db.conn(), b.id, variant, 1);
    match saga(db).submit(&order_request(b.id, b.address, shipping, b.card)) {
        Ok(shopwave::checkout::Outcome::Pending { number }) => number,
        other => panic!("the order waits for its payment: {other:?}"),
    }
}

/// A shopper who buys one unit of `variant` and pays: a confirmed order; returns its number.
pub fn paid_order(db: &TestDb, variant: i64, shipping: i64) -> String {
    let b = buyer(db, APPROVED);
    add_to_cart(&mut db.conn(), b.id, variant, 1);
    match saga(db).submit(&order_request(b.id, b.address, shipping, b.card)) {
        Ok(shopwave::checkout::Outcome::Confirmed { number }) => number,
        other => panic!("the order is paid: {other:?}"),
    }
}

/// A signed-up shopper with an address in `country` and a saved card.
pub struct Buyer {
    pub id: i64,
    pub address: i64,
    pub card: i64,
}

pub fn buyer(db: &TestDb, card_number: &str) -> Buyer {
    let id = super::builders::UserBuilder::customer().insert(&mut db.conn());
    let address = address(&mut db.conn(), id, "US", "CA");
    let card = saved_card(db, id, card_number);
    Buyer { id, address, card }
}

pub fn stock_of(conn: &mut DbConn, variant_id: i64) -> i32 {
    product_variants::table
        .find(variant_id)
        .select(product_variants::stock)
        .first(conn)
        .expect("variant")
}

pub fn order_status(conn: &mut DbConn, number: &str) -> String {
    orders::table
        .filter(orders::number.eq(number))
        .select(orders::status)
        .first(conn)
        .expect("order")
}

pub fn uses_count(conn: &mut DbConn, code: &str) -> i32 {
    promotions::table
        .filter(promotions::code.eq(code))
        .select(promotions::uses_count)
        .first(conn)
        .expect("promotion")
}

/// Every invariant an order must keep, checked on every order in the database: lines, totals
/// equal to the sum of the lines, a status history, one payment, amounts never negative.
pub fn assert_orders_complete(conn: &mut DbConn) {
    let all: Vec<(i64, String, i64, i64, i64, i64, i64)> = orders::table
        .select((
            orders::id,
            orders::status,
            orders::subtotal,
            orders::discount_total,
            orders::shipping_total,
            orders::tax_total,
            orders::grand_total,
        ))
        .load(conn)
        .expect("orders");
    for (id, status, subtotal, discount, shipping, tax, grand) in all {
        let lines: Vec<(i64, i64, i64, i64)> = order_items::table
            .filter(order_items::order_id.eq(id))
            .select((
                order_items::line_subtotal,
                order_items::discount,
                order_items::tax,
                order_items::line_total,
            ))
            .load(conn)
            .expect("lines");
        assert!(!lines.is_empty(), "order {id} has no lines");
        assert_eq!(
            lines.iter().map(|l| l.0).sum::<i64>(),
            subtotal,
            "order {id} subtotal"
        );
        assert_eq!(
            lines.iter().map(|l| l.1).sum::<i64>(),
            discount,
            "order {id} discount"
        );
        assert_eq!(
            lines.iter().map(|l| l.2).sum::<i64>(),
            tax,
            "order {id} tax"
        );
        assert_eq!(
            grand,
            subtotal - discount + shipping + tax,
            "order {id} total"
        );
        assert!(lines.iter().all(|l| l.3 >= 0) && grand >= 0);
        let history: i64 = order_status_history::table
            .filter(order_status_history::order_id.eq(id))
            .count()
            .get_result(conn)
            .expect("history");
        assert!(history >= 1, "order {id} has no status history");
        let last: String = order_status_history::table
            .filter(order_status_history::order_id.eq(id))
            .order(order_status_history::id.desc())
            .select(order_status_history::to_status)
            .first(conn)
            .expect("history");
        assert_eq!(last, status, "order {id}: history ends at its status");
        let payments: i64 = payments::table
            .filter(payments::order_id.eq(id))
            .count()
            .get_result(conn)
            .expect("payments");
        assert_eq!(payments, 1, "order {id} payments");
    }
    assert!(
        shopwave::inventory::drift(conn).expect("drift").is_empty(),
        "stock differs from the ledger"
    );
}
