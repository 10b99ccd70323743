//! The order history over months (src/orders/history.rs): a page reads the recent months first
//! and the older ones only when they might hold one of its rows, and every page still lists the
//! shopper's orders newest first, each once, with its units. On PostgreSQL orders from before
//! partitioning (legacy ids, any date) take part too.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestDb, execute};
use crate::on_both_backends;
use shopwave::db::DbConn;
use shopwave::db::schema::orders;
use shopwave::orders::PAGE_SIZE;

/// Places an order of one line of `quantity` for `user` at `at`; on PostgreSQL with
/// `legacy_id`, the order and its line take that id, as if placed before partitioning.
fn place(
    conn: &mut DbConn,
    user: i64,
    at: NaiveDateTime,
    quantity: i32,
    legacy_id: Option<i64>,
) -> (NaiveDateTime, i64) {
    let (seller, category) = (
        builders::seller(conn),
        builders::category(conn, &format!("C{}", shopwave::util::random_hex(3))),
    );
    let (product_id, variant_id) = ProductBuilder::new("Mug").insert(conn, seller, category);
    let line = Line {
        product_id,
        variant_id,
        seller_id: seller,
        unit_price: 500,
        quantity,
        tax: 0,
    };
    let Some(legacy) = legacy_id.filter(|_| !matches!(conn, DbConn::Sqlite(_))) else {
        return (at, builders::order(conn, user, "delivered", at, &[line]));
    };
    let total = 500 * i64::from(quantity);
    execute(
        conn,
        &format!(
            "INSERT INTO orders (id, number, user_id, status, subtotal, grand_total, \
             shipping_method_name, ship_name, ship_line1, ship_city, ship_postal_code, ship_country, \
             idempotency_key, created_at, updated_at) VALUES ({legacy}, 'SW-OLD-{legacy}', {user}, \
             'delivered', {total}, {total}, 'Standard', 'Ann Smith', '1 Main St', 'Springfield', \
             '12345', 'US', 'old-{legacy}', '{at}', '{at}')"
        ),
    )
    .expect("an order from before partitioning");
    execute(
        conn,
        &format!(
            "INSERT INTO order_items (id, order_id, variant_id, product_id, seller_id, product_name, \
             sku, unit_price, quantity, line_subtotal, tax, line_total) VALUES ({legacy}, {legacy}, \
             {variant_id}, {product_id}, {seller}, 'Mug', 'MUG', 500, {quantity}, {total}, 0, {total})"
        ),
    )
    .expect("a legacy line");
    (at, legacy)
}

on_both_backends! {
    async fn every_page_of_history_is_newest_first_across_recent_older_and_legacy_orders(db: TestDb) {
        // Set up as the tables' owner, who may move an order to a legacy id; read as the shop.
        let conn = &mut db.owner_conn();
        let user = UserBuilder::customer().insert(conn);
        let now = shopwave::util::now();
        let mut placed = Vec::new();
        // Eighteen this hour, three from before partitioning (two days, three and four years
        // old) and four from five months ago. The recent months (with every legacy id) give 21
        // rows for page one, but the last two are the old legacy orders: the five-month-old
        // ones come before them, and only reading the older months shows it.
        for minute in 0..18 {
            let units = 1 + (minute as i32 % 3);
            placed.push((place(conn, user, now - Duration::minutes(minute + 1), units, None), units));
        }
        for (legacy, age) in [(41, Duration::days(2)), (42, Duration::days(3 * 365)), (43, Duration::days(4 * 365))] {
            placed.push((place(conn, user, now - age, 4, Some(legacy)), 4));
        }
        for day in 0..4 {
            placed.push((place(conn, user, now - Duration::days(150 + day), 2, None), 2));
        }
        placed.sort_by_key(|((at, id), _)| std::cmp::Reverse((*at, *id)));
        let expected: Vec<(String, i64)> = placed
            .iter()
            .map(|((_, id), units)| {
                let number: String = orders::table.find(id).select(orders::number).first(conn).expect("placed");
                (number, i64::from(*units))
            })
            .collect();

        let mut listed = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = shopwave::orders::list(&mut db.conn(), user, after.as_deref()).expect("a page");
            assert!(page.orders.len() as i64 <= PAGE_SIZE);
            listed.extend(page.orders.iter().map(|o| (o.number.clone(), o.units)));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(listed, expected, "newest first, each order once, with its units");
        assert_eq!(listed.len(), 25);
    }
}
