//! The uncontended checkout benchmark: one signed-in shopper at a time buys one unit the way a
//! browser does, over real HTTP to the real server on loopback, on one keep-alive connection
//! that follows every redirect: the product page, add to cart (then the cart page), the checkout
//! form (address, shipping, payment), the test card typed on the processor's card page (a second
//! connection, as a browser's to another site) and the review page it returns to, then place the
//! order (then the order page), the same steps as django-oscar's measured checkout. `ORDERS`
//! checkouts in a row, never two at once, after `WARMUP` untimed ones. Reports the latency of
//! place-order (the order's transaction, the charge over HTTP to the card processor simulator,
//! the payment's confirmation)
//! and of the whole sequence, each step's spread, and orders per second. Asserts correctness
//! only: every order placed and paid, stock down by exactly the units sold, nothing else touched.
//!
//! `cargo test --release --test http checkout_latency -- --ignored --nocapture --test-threads 1`
//! (with TEST_DATABASE_URL set for the PostgreSQL run).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::common::builders::{ProductBuilder, UserBuilder, category, product_slug, seller};
use crate::common::card_page::{type_card, typed};
use crate::common::commerce::*;
use crate::common::{PUBLIC_URL, TestDb, form_field, place_order_fields, plant_session};
use crate::flash_sale::start_server;
use shopwave::db::schema::{cart_items, order_items, orders, payments};

const ORDERS: usize = 300;
const WARMUP: usize = 20;
const STOCK: i32 = 1_000;
const PRICE: i64 = 2_499;

/// A response, read to its end.
struct Response {
    status: u16,
    location: Option<String>,
    body: String,
}

/// One browser: a keep-alive connection to the shop and a cookie jar.
struct Browser {
    addr: SocketAddr,
    connection: Option<BufReader<TcpStream>>,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new(addr: SocketAddr) -> Browser {
        Browser {
            addr,
            connection: None,
            cookies: BTreeMap::new(),
        }
    }

    fn get(&mut self, path: &str) -> Response {
        self.send("GET", path, "")
    }

    /// Submits a form with the page's CSRF token added, as the page's own form would.
    fn post(&mut self, path: &str, token: &str, fields: &[(&str, &str)]) -> Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .append_pair("csrf_token", token)
            .finish();
        self.send("POST", path, &body)
    }

    /// A request and the GETs of any redirects after it, as a browser follows a 303.
    fn follow(&mut self, first: Response) -> Response {
        let mut response = first;
        while let (303, Some(location)) = (response.status, response.location.take()) {
            response = self.get(&location);
        }
        response
    }

    fn send(&mut self, method: &str, path: &str, body: &str) -> Response {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request =
            format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n");
        if method == "POST" {
            request += &format!(
                "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
                body.len()
            );
        }
        request += "\r\n";
        request += body;
        let addr = self.addr;
        let connection = self.connection.get_or_insert_with(|| {
            let stream = TcpStream::connect(addr).expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            stream
                .set_read_timeout(Some(Duration::from_secs(60)))
                .expect("timeout");
            BufReader::new(stream)
        });
        connection
            .get_mut()
            .write_all(request.as_bytes())
            .expect("send");
        let (response, set_cookies, keep_alive) = read_response(connection);
        if !keep_alive {
            self.connection = None;
        }
        for set_cookie in set_cookies {
            let Some((name, value)) = set_cookie.split(';').next().and_then(|c| c.split_once('='))
            else {
                continue;
            };
            let expired = set_cookie.to_ascii_lowercase().contains("max-age=0");
            if value.is_empty() || expired {
                self.cookies.remove(name.trim());
            } else {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
        response
    }
}

/// Reads one HTTP/1.1 response (sized or chunked body); returns it with its Set-Cookie values
/// and whether the connection stays open.
fn read_response(reader: &mut BufReader<TcpStream>) -> (Response, Vec<String>, bool) {
    let mut line = String::new();
    reader.read_line(&mut line).expect("status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP status line: {line:?}"));
    let (mut length, mut chunked, mut keep_alive) = (0usize, false, true);
    let (mut location, mut set_cookies) = (None, Vec::new());
    loop {
        line.clear();
        reader.read_line(&mut line).expect("header");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').expect("a header");
        let (name, value) = (name.to_ascii_lowercase(), value.trim().to_owned());
        match name.as_str() {
            "content-length" => length = value.parse().expect("length"),
            "transfer-encoding" => chunked = value.eq_ignore_ascii_case("chunked"),
            "connection" => keep_alive = !value.eq_ignore_ascii_case("close"),
            "location" => location = Some(value),
            "set-cookie" => set_cookies.push(value),
            _ => {}
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).expect("chunk size");
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).expect("chunk");
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        body.resize(length, 0);
        reader.read_exact(&mut body).expect("body");
    }
    let response = Response {
        status,
        location,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    (response, set_cookies, keep_alive)
}

#[track_caller]
fn expect(response: &Response, status: u16, step: &str) {
    assert_eq!(
        response.status, status,
        "{step}: unexpected status; page:\n{}",
        response.body
    );
}

/// Each step's duration in one checkout.
#[derive(Clone, Copy)]
struct Steps {
    product: Duration,
    add: Duration,
    form: Duration,
    review: Duration,
    place: Duration,
    order_page: Duration,
    whole: Duration,
}

/// One complete checkout of one unit of `variant`, from its product page at `product`.
fn checkout(browser: &mut Browser, product: &str, variant: i64) -> Steps {
    let started = Instant::now();
    let (page, product) = timed(|| browser.get(product));
    expect(&page, 200, "product page");
    let token = form_field(&page.body, "csrf_token");
    let variant = variant.to_string();
    let (cart, add) = timed(|| {
        let added = browser.post(
            "/cart/add",
            &token,
            &[("variant_id", &variant), ("quantity", "1")],
        );
        expect(&added, 303, "add to cart");
        browser.follow(added)
    });
    expect(&cart, 200, "cart page");
    let (form, form_time) = timed(|| browser.get("/checkout"));
    expect(&form, 200, "checkout form");
    let token = form_field(&form.body, "csrf_token");
    let (address, shipping) = (
        form_field(&form.body, "address_id"),
        form_field(&form.body, "shipping_method_id"),
    );
    let (review, review_time) = timed(|| {
        let to_card_page = browser.post(
            "/checkout/review",
            &token,
            &[
                ("address_id", &address),
                ("shipping_method_id", &shipping),
                ("payment", "new"),
            ],
        );
        expect(&to_card_page, 303, "to the card page");
        let card_page = to_card_page.location.as_deref().expect("card page");
        let typed = type_card(card_page, &typed("4242 4242 4242 4242"));
        let back = typed.location.as_deref().expect("back to the shop");
        browser.get(back.strip_prefix(PUBLIC_URL).expect("this shop"))
    });
    expect(&review, 200, "review");
    let fields = place_order_fields(&review.body);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let (placed, place) = timed(|| browser.post("/checkout/place", &token, &fields));
    expect(&placed, 303, "place order");
    let number = placed
        .location
        .as_deref()
        .and_then(|l| l.strip_prefix("/orders/"))
        .unwrap_or_else(|| panic!("place order went to {:?}", placed.location))
        .to_owned();
    let (order, order_page) = timed(|| browser.follow(placed));
    expect(&order, 200, "order page");
    assert!(
        order.body.contains(&number),
        "the order page shows {number}"
    );
    Steps {
        product,
        add,
        form: form_time,
        review: review_time,
        place,
        order_page,
        whole: started.elapsed(),
    }
}

/// What `f` returned, and how long it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// "p50 / p95 / p99 / max" of one step, in milliseconds.
fn spread(samples: &[Steps], step: fn(&Steps) -> Duration) -> String {
    let mut times: Vec<Duration> = samples.iter().map(step).collect();
    times.sort();
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    format!(
        "p50 {:.1} · p95 {:.1} · p99 {:.1} · max {:.1} ms",
        ms(pct(0.50)),
        ms(pct(0.95)),
        ms(pct(0.99)),
        ms(*times.last().expect("samples"))
    )
}

async fn run(db: TestDb) {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Everyday"));
    let (product, variant) = ProductBuilder::new("Daily Widget")
        .price(PRICE)
        .stock(STOCK)
        .insert(conn, s, c);
    let (_, bystander) = ProductBuilder::new("Other Widget")
        .price(PRICE)
        .stock(STOCK)
        .insert(conn, s, c);
    shipping_method(conn, 499, None);
    tax_rate(conn, "US", "CA", 825);
    let shopper = UserBuilder::customer().insert(conn);
    address(conn, shopper, "US", "CA");
    let product = format!("/p/{}", product_slug(conn, product));
    let addr = start_server(&db);

    let mut browser = Browser::new(addr);
    browser
        .cookies
        .insert("sw_session".into(), plant_session(conn, shopper));
    let mut samples = Vec::with_capacity(ORDERS);
    let mut measured = Duration::ZERO;
    for n in 0..WARMUP + ORDERS {
        let steps = checkout(&mut browser, &product, variant);
        if n >= WARMUP {
            samples.push(steps);
            measured += steps.whole;
        }
    }

    let placed = WARMUP + ORDERS;
    let backend = if db.is_sqlite() {
        "SQLite"
    } else {
        "PostgreSQL"
    };
    println!(
        "checkout latency on {backend}: {ORDERS} checkouts one at a time (after {WARMUP} untimed), \
         {:.1} orders/s",
        ORDERS as f64 / measured.as_secs_f64()
    );
    println!("  place order      {}", spread(&samples, |s| s.place));
    println!("  whole checkout   {}", spread(&samples, |s| s.whole));
    println!("  product page     {}", spread(&samples, |s| s.product));
    println!("  add to cart+cart {}", spread(&samples, |s| s.add));
    println!("  checkout form    {}", spread(&samples, |s| s.form));
    println!("  review           {}", spread(&samples, |s| s.review));
    println!("  order page       {}", spread(&samples, |s| s.order_page));

    let statuses: Vec<String> = orders::table
        .select(orders::status)
        .load(conn)
        .expect("orders");
    assert_eq!(statuses.len(), placed, "one order per checkout");
    assert!(
        statuses.iter().all(|s| s == "confirmed"),
        "every order paid"
    );
    let units: Vec<(i64, i32)> = order_items::table
        .select((order_items::variant_id, order_items::quantity))
        .load(conn)
        .expect("lines");
    assert_eq!(units.len(), placed, "one line per order");
    assert!(units.iter().all(|&line| line == (variant, 1)));
    let captured: i64 = payments::table
        .filter(payments::status.eq("captured"))
        .count()
        .get_result(conn)
        .expect("payments");
    assert_eq!(captured, placed as i64, "one captured payment per order");
    assert_eq!(stock_of(conn, variant), STOCK - placed as i32);
    assert_eq!(stock_of(conn, bystander), STOCK, "nothing else sold");
    let in_carts: i64 = cart_items::table
        .count()
        .get_result(conn)
        .expect("cart items");
    assert_eq!(in_carts, 0, "the cart ends empty");
    assert_orders_complete(conn);
}

#[actix_web::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn checkout_latency_sqlite() {
    run(TestDb::sqlite()).await
}

#[actix_web::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn checkout_latency_postgres() {
    if let Some(db) = TestDb::postgres() {
        run(db).await
    }
}
