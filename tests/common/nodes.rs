//! Real `shopwave serve` processes and plain HTTP/1.1 requests to them, for the tests that
//! kill a node mid-stream or run several behind a balancer; and what every order must be once
//! such a stream has ended.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use diesel::prelude::*;
use shopwave::db::schema::{orders, payments};
use shopwave::payments::Lookup;

use super::commerce::{
    APPROVED, DECLINED, TIMEOUT_CAPTURED, add_to_cart, assert_orders_complete, buyer, stock_of,
};
use super::{TestDb, place_order_fields, plant_session};

/// A process the test started: killed (SIGKILL) when the test ends, however it ends, since a
/// server left running would hold the test run's output open and keep it from finishing.
pub struct Process(Child);

impl Process {
    pub fn new(child: Child) -> Process {
        Process(child)
    }

    /// Kills it at once (SIGKILL), as a machine that loses power, and waits until it is gone.
    pub fn kill(&mut self) {
        self.0.kill().expect("SIGKILL");
        self.0.wait().expect("the process is gone");
    }

    /// Whether it has stopped by itself, and how.
    fn stopped(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().ok().flatten()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `shopwave serve` on this test's database (the demo catalogue is seeded on start when it has
/// no users) and a free loopback port, with more settings in its environment; returns once it
/// answers.
pub fn start_with(
    db: &TestDb,
    settings: &[(&str, String)],
) -> (Process, SocketAddr, tempfile::TempDir) {
    serve(db.backend.url(), settings)
}

/// What every test node is started with: the test secret and this test's card processor.
pub fn node_settings(simulator: &shopwave::payments_sim::Running) -> Vec<(&'static str, String)> {
    vec![
        (
            "SHOPWAVE_SECRET_KEY",
            String::from_utf8(super::TEST_SECRET.to_vec()).expect("text"),
        ),
        ("SHOPWAVE_PAYMENTS_URL", simulator.url.clone()),
        ("SHOPWAVE_PAYMENTS_KEY", simulator.api_key.clone()),
        (
            "SHOPWAVE_PAYMENTS_WEBHOOK_SECRET",
            super::WEBHOOK_SECRET.to_owned(),
        ),
    ]
}

/// `shopwave serve` on the database at `url`, with `settings` in its environment, on a free
/// loopback port with a data directory of its own; returns once it answers.
pub fn serve(url: &str, settings: &[(&str, String)]) -> (Process, SocketAddr, tempfile::TempDir) {
    serve_release(env!("CARGO_BIN_EXE_shopwave"), url, settings)
}

/// `serve` with the shop's binary at `binary`, this build's or another release's.
pub fn serve_release(
    binary: &str,
    url: &str,
    settings: &[(&str, String)],
) -> (Process, SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let mut server = Process::new(
        Command::new(binary)
            .args(["serve", "--bind", &addr.to_string()])
            .env("DATABASE_URL", url)
            .env("SHOPWAVE_DATA_DIR", dir.path())
            .env("RUST_LOG", "error")
            // The test's database is migrated already, and on PostgreSQL the node's role may
            // not migrate (docs/app_role.sql).
            .env("SHOPWAVE_MIGRATIONS", "check")
            .envs(settings.iter().map(|(name, value)| (name, value)))
            .stdout(Stdio::null())
            .spawn()
            .expect("start shopwave"),
    );
    for _ in 0..600 {
        if request(addr, "GET /healthz", "", None).is_some_and(|r| r.status == 200) {
            return (server, addr, dir);
        }
        if let Some(status) = server.stopped() {
            panic!("the server stopped: {status}");
        }
        thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not start");
}

pub struct Response {
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    set_cookies: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// The value of the header `name` (case-insensitive), if the response has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// Keeps the cookies the response set; whether any of them changed.
    pub fn keep(&self, cookies: &mut HashMap<String, String>) -> bool {
        let mut changed = false;
        for (name, value) in &self.set_cookies {
            changed |= cookies.insert(name.clone(), value.clone()).as_ref() != Some(value);
        }
        changed
    }
}

/// A browser: its cookies, the form token of its session, and which node answered each page.
pub struct Visitor {
    /// Where it sends its requests; a test may point it at another node.
    pub at: SocketAddr,
    cookies: HashMap<String, String>,
    token: String,
    /// The nodes that answered, from the balancer's `X-Served-By` header (cluster.rs).
    pub served_by: Vec<String>,
}

impl Visitor {
    pub fn new(at: SocketAddr) -> Visitor {
        Visitor {
            at,
            cookies: HashMap::new(),
            token: String::new(),
            served_by: Vec::new(),
        }
    }

    pub fn signed_in(at: SocketAddr, session: String) -> Visitor {
        Visitor {
            cookies: HashMap::from([("sw_session".to_owned(), session)]),
            ..Visitor::new(at)
        }
    }

    pub fn get(&mut self, path: &str) -> Response {
        self.send(&format!("GET {path}"), "")
    }

    /// Sends a form with the token of the page last read.
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .append_pair("csrf_token", &self.token)
            .finish();
        self.send(&format!("POST {path}"), &body)
    }

    pub fn send(&mut self, line: &str, body: &str) -> Response {
        let page = request(self.at, line, body, Some(&self.cookies)).expect("an answer");
        page.keep(&mut self.cookies);
        if let Some((_, rest)) = page.body.split_once("name=\"csrf_token\" value=\"") {
            self.token = rest.split('"').next().unwrap_or_default().to_owned();
        }
        if let Some(node) = page.header(super::cluster::SERVED_BY) {
            self.served_by.push(node.to_owned());
        }
        page
    }
}

/// A loopback port no one listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Whether this process runs as root (PostgreSQL's programs and pgbouncer refuse to): a file it
/// makes is owned by the user it runs as.
pub fn running_as_root() -> bool {
    let file = tempfile::tempfile().expect("a file");
    std::os::unix::fs::MetadataExt::uid(&file.metadata().expect("its metadata")) == 0
}

/// One HTTP/1.1 request on a fresh connection; None once the server is gone.
pub fn request(
    addr: SocketAddr,
    line: &str,
    body: &str,
    cookies: Option<&HashMap<String, String>>,
) -> Option<Response> {
    let mut stream = TcpStream::connect(addr).ok()?;
    // A server that never answers fails the test instead of hanging it.
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    let cookie: Vec<String> = cookies
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let request = format!(
        "{line} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        cookie.join("; "),
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let set_cookies = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or(l.strip_prefix("Set-Cookie: "))
        })
        .filter_map(|c| c.split(';').next()?.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Some(Response {
        status,
        head: head.to_owned(),
        set_cookies,
        body: body.to_owned(),
    })
}

/// A signed-in shopper with one unit in the cart, ready to check out on a node.
#[derive(Clone)]
pub struct Shopper {
    pub id: i64,
    pub session: String,
    pub address: i64,
    pub card: i64,
}

/// `count` signed-in shoppers, each with one unit of `variant` in the cart and a saved card:
/// most cards pay, some are declined, and some are charged and then answered with a 500.
pub fn shoppers_with_mixed_cards(db: &TestDb, count: usize, variant: i64) -> Vec<Shopper> {
    (0..count)
        .map(|i| {
            let number = match i % 7 {
                3 => DECLINED,
                5 => TIMEOUT_CAPTURED,
                _ => APPROVED,
            };
            let b = buyer(db, number);
            add_to_cart(&mut db.conn(), b.id, variant, 1);
            Shopper {
                id: b.id,
                session: plant_session(&mut db.conn(), b.id),
                address: b.address,
                card: b.card,
            }
        })
        .collect()
}

/// One checkout with the shopper's saved card: the checkout form, the review, the order placed.
/// `None` once the node is gone.
pub fn check_out(addr: SocketAddr, shopper: &Shopper, shipping: i64) -> Option<u16> {
    let mut cookies = HashMap::from([("sw_session".to_owned(), shopper.session.clone())]);
    let form = request(addr, "GET /checkout", "", Some(&cookies))?;
    if let Some(lost) = lost_to_the_balancer(&form) {
        return Some(lost);
    }
    form.keep(&mut cookies);
    let token = crate::common::form_field(&form.body, "csrf_token");
    let choices = form_urlencoded::Serializer::new(String::new())
        .append_pair("address_id", &shopper.address.to_string())
        .append_pair("shipping_method_id", &shipping.to_string())
        .append_pair("payment", &format!("saved:{}", shopper.card))
        .append_pair("csrf_token", &token)
        .finish();
    let review = request(addr, "POST /checkout/review", &choices, Some(&cookies))?;
    if let Some(lost) = lost_to_the_balancer(&review) {
        return Some(lost);
    }
    review.keep(&mut cookies);
    let place = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(place_order_fields(&review.body))
        .append_pair("csrf_token", &token)
        .finish();
    Some(request(addr, "POST /checkout/place", &place, Some(&cookies))?.status)
}

/// The balancer's own answer (502, 503) for a request whose node went away; any other answer
/// but 200 fails the test.
fn lost_to_the_balancer(page: &Response) -> Option<u16> {
    match page.status {
        200 => None,
        502 | 503 => Some(page.status),
        other => panic!("{other}: {}", page.body),
    }
}

pub fn wait_until(done: impl Fn() -> bool) {
    for _ in 0..6_000 {
        if done() {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("the checkouts did not get that far");
}

/// The charges the processor made and kept (captured, not declined), read from its books.
pub fn charges_kept(simulator: &shopwave::payments_sim::Running) -> usize {
    let books = std::fs::read_to_string(simulator.books()).expect("the processor's books");
    books
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| {
            entry["change"]["kind"] == "intent" && entry["change"]["declined"].is_null()
        })
        .count()
}

/// After a stream of checkouts by the users `buyers` and whatever kills it suffered, once the
/// webhooks and a sweeper have run: every order is paid and confirmed or unpaid and closed
/// (never charged and closed without its money back), some of each; the processor's charges
/// are exactly the confirmed orders, and `variant`'s stock fell from `stock_before` by them.
/// Returns how many orders were placed.
pub fn assert_each_order_paid_or_closed(
    db: &TestDb,
    buyers: &[i64],
    variant: i64,
    stock_before: i32,
) -> usize {
    let conn = &mut db.conn();
    let placed: Vec<(String, String, Option<String>, Option<String>)> = orders::table
        .left_join(payments::table)
        .filter(orders::user_id.eq_any(buyers))
        .select((
            orders::number,
            orders::status,
            payments::status.nullable(),
            payments::gateway_reference.nullable(),
        ))
        .load(conn)
        .expect("orders");
    let gateway = db.gateway();
    let mut confirmed = 0;
    for (number, status, payment, reference) in &placed {
        let at_processor = gateway.lookup(&format!("pay_{number}"));
        match status.as_str() {
            "confirmed" => {
                confirmed += 1;
                assert_eq!(payment.as_deref(), Some("captured"), "{number}");
                assert_eq!(
                    at_processor,
                    Lookup::Captured {
                        reference: reference.clone().expect("reference")
                    },
                    "{number}"
                );
            }
            "payment_failed" | "cancelled" => assert!(
                !matches!(at_processor, Lookup::Captured { .. })
                    || payment.as_deref() == Some("voided"),
                "order {number} was charged and closed without its money back: {at_processor:?}"
            ),
            other => panic!("order {number} was left {other}"),
        }
    }
    assert!(
        confirmed > 0 && confirmed < placed.len(),
        "{confirmed} of {} confirmed",
        placed.len()
    );
    assert_eq!(
        charges_kept(db.simulator()),
        confirmed,
        "the processor's charges are the confirmed orders"
    );
    assert_eq!(
        stock_of(conn, variant),
        stock_before - i32::try_from(confirmed).expect("few")
    );
    assert_orders_complete(conn);
    placed.len()
}
