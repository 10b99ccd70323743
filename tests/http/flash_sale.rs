//! The flash-sale benchmark: 500 signed-in shoppers each place an order for one unit of a
//! variant that has 100 in stock, all released at once, over real HTTP to the real server on
//! loopback. Reports orders per second, place-order latency and the oversell count (must be 0).
//!
//! `cargo test --test http flash_sale -- --ignored --nocapture --test-threads 1`
//! (with TEST_DATABASE_URL set for the PostgreSQL run).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
use crate::common::{TEST_SECRET, TestDb, plant_session};
use shopwave::db::schema::{order_items, orders};

const SHOPPERS: usize = 500;
const UNITS: i32 = 100;
const PRICE: i64 = 4999;
/// Shoppers browsing at once before the sale opens (`browse_before_the_sale`).
const WAITING: usize = 32;

/// Starts the real server on a free loopback port, in its own thread and runtime.
pub(crate) fn start_server(db: &TestDb) -> SocketAddr {
    crate::common::serve_on_loopback(db, crate::common::web_config())
}

/// One HTTP/1.1 request (`GET`, or `POST` of `body`) on a fresh connection; returns the status
/// code.
fn request(addr: SocketAddr, method: &str, path: &str, cookie: &str, body: &str) -> u16 {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

async fn run(db: TestDb) {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Deals"));
    let (_, variant) = ProductBuilder::new("Flash Deal")
        .price(PRICE)
        .stock(UNITS)
        .insert(conn, s, c);
    let shipping = shipping_method(conn, 0, None);
    let signer = shopwave::web::csrf::CsrfSigner::new(&TEST_SECRET, false);
    let shoppers: Vec<(String, String)> = (0..SHOPPERS)
        .map(|_| {
            let b = buyer(&db, APPROVED);
            add_to_cart(conn, b.id, variant, 1);
            let seed = shopwave::util::random_hex(16);
            let session = plant_session(conn, b.id);
            let token = signer.token(&seed, Some(&session));
            let cookie = format!("sw_session={session}; sw_csrf={seed}");
            let body = format!(
                "address_id={}&shipping_method_id={shipping}&payment=saved%3A{}&idempotency_key={}&expected_total={PRICE}&csrf_token={}",
                b.address,
                b.card,
                shopwave::util::random_hex(16),
                token
            );
            (cookie, body)
        })
        .collect();
    let addr = start_server(&db);
    browse_before_the_sale(addr, &shoppers);

    let barrier = Arc::new(Barrier::new(SHOPPERS));
    let started = Instant::now();
    let handles: Vec<_> = shoppers
        .into_iter()
        .map(|(cookie, body)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let t = Instant::now();
                let status = request(addr, "POST", "/checkout/place", &cookie, &body);
                (status, t.elapsed())
            })
        })
        .collect();
    let mut results: Vec<(u16, Duration)> = handles
        .into_iter()
        .map(|h| h.join().expect("shopper"))
        .collect();
    let wall = started.elapsed();

    results.sort_by_key(|r| r.1);
    let pct = |p: f64| results[((results.len() as f64 * p).ceil() as usize).saturating_sub(1)].1;
    let count = |code: u16| results.iter().filter(|r| r.0 == code).count();
    let sold: Option<i64> = order_items::table
        .inner_join(orders::table)
        .filter(orders::status.eq_any(["pending_payment", "confirmed"]))
        .select(diesel::dsl::sum(order_items::quantity))
        .first(conn)
        .expect("sold");
    let sold = sold.unwrap_or(0);
    let stock = stock_of(conn, variant);
    let oversell = (sold - i64::from(UNITS)).max(0);
    println!(
        "flash sale on {}: {SHOPPERS} shoppers, {UNITS} units: {} orders (303), {} sold out (409), {} other; \
         {:.1} orders/s over {:.2} s; place-order latency p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; \
         stock left {stock}, oversell {oversell}",
        if db.is_sqlite() {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        count(303),
        count(409),
        SHOPPERS - count(303) - count(409),
        count(303) as f64 / wall.as_secs_f64(),
        wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        results.last().expect("results").1.as_secs_f64() * 1000.0,
    );
    assert_eq!(oversell, 0);
    assert_eq!(
        count(303),
        UNITS as usize,
        "every unit sold, each to one shopper"
    );
    assert_eq!(
        count(409),
        SHOPPERS - UNITS as usize,
        "everyone else told it sold out"
    );
    assert_eq!(stock, 0);
    assert_orders_complete(conn);
}

/// Every shopper is on the site before the sale opens and looks at their cart and their orders,
/// `WAITING` at once: the server's connections are then open and have read the tables the sale
/// writes, and each sign-in has been seen lately, as on a shop that has been serving. The sale
/// then measures selling, not a cold start or the first use of a sign-in.
fn browse_before_the_sale(addr: SocketAddr, shoppers: &[(String, String)]) {
    for wave in shoppers.chunks(WAITING) {
        let browsing: Vec<_> = wave
            .iter()
            .map(|(cookie, _)| {
                let cookie = cookie.clone();
                std::thread::spawn(move || {
                    for path in ["/cart", "/orders"] {
                        assert_eq!(request(addr, "GET", path, &cookie, ""), 200, "{path}");
                    }
                })
            })
            .collect();
        for shopper in browsing {
            shopper.join().expect("a waiting shopper");
        }
    }
}

#[actix_web::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn flash_sale_sqlite() {
    run(TestDb::sqlite()).await
}

#[actix_web::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn flash_sale_postgres() {
    if let Some(db) = TestDb::postgres() {
        run(db).await
    }
}
