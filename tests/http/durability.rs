//! Nothing is acknowledged before it is durable: the real `shopwave serve` is killed with
//! SIGKILL in the middle of a stream of concurrent cart additions, and every addition it had
//! answered with its 303 is found in the database afterwards. An answer given before the COMMIT
//! of its write (a group commit acknowledging its batch early) fails this test.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use diesel::prelude::*;

use crate::common::TestDb;
use crate::on_both_backends;
use shopwave::db::Backend;
use shopwave::db::schema::{cart_items, product_variants, products};

const SHOPPERS: usize = 8;
/// Additions answered before the kill: enough that batches are in flight when it lands.
const ANSWERED_BEFORE_KILL: usize = 80;

on_both_backends! {
    async fn every_acknowledged_cart_addition_survives_a_kill_9(db: TestDb) {
        let (mut server, addr, _dir) = start(&db);
        let variants = buyable_variants(&db);
        assert!(variants.len() >= SHOPPERS * 20, "{} variants", variants.len());
        let answered = Arc::new(Mutex::new(Vec::<i64>::new()));
        let shoppers: Vec<_> = variants
            .chunks(variants.len() / SHOPPERS)
            .take(SHOPPERS)
            .map(|share| {
                let (share, answered) = (share.to_vec(), answered.clone());
                thread::spawn(move || shop(addr, &share, &answered))
            })
            .collect();
        while answered.lock().unwrap().len() < ANSWERED_BEFORE_KILL
            && !shoppers.iter().all(|s| s.is_finished())
        {
            thread::sleep(Duration::from_millis(1));
        }
        server.kill().expect("SIGKILL the server");
        server.wait().unwrap();
        for shopper in shoppers {
            shopper.join().unwrap();
        }
        let answered = answered.lock().unwrap().clone();
        assert!(answered.len() >= ANSWERED_BEFORE_KILL, "only {} answered", answered.len());
        let kept: BTreeSet<i64> = cart_items::table
            .select(cart_items::variant_id)
            .load::<i64>(&mut db.conn())
            .unwrap()
            .into_iter()
            .collect();
        let lost: Vec<i64> = answered.iter().copied().filter(|v| !kept.contains(v)).collect();
        assert!(lost.is_empty(), "acknowledged but lost: {lost:?} of {}", answered.len());
    }
}

/// `shopwave serve` on this test's database (the demo catalogue is seeded on start) and a free
/// loopback port; returns once it answers.
fn start(db: &TestDb) -> (Child, SocketAddr, tempfile::TempDir) {
    start_with(db, &[])
}

/// `start`, with more settings in the server's environment.
pub(crate) fn start_with(
    db: &TestDb,
    settings: &[(&str, String)],
) -> (Child, SocketAddr, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap();
    let url = match &db.backend {
        Backend::Sqlite(path) => path.clone(),
        Backend::Postgres(url) => url.clone(),
    };
    let mut server = Command::new(env!("CARGO_BIN_EXE_shopwave"))
        .args(["serve", "--bind", &addr.to_string()])
        .env("DATABASE_URL", url)
        .env("SHOPWAVE_DATA_DIR", dir.path())
        .env("RUST_LOG", "error")
        .envs(settings.iter().map(|(name, value)| (name, value)))
        .stdout(Stdio::null())
        .spawn()
        .expect("start shopwave");
    for _ in 0..600 {
        if request(addr, "GET /healthz", "", None).is_some_and(|r| r.status == 200) {
            return (server, addr, dir);
        }
        thread::sleep(Duration::from_millis(100));
    }
    let _ = server.kill();
    let _ = server.wait();
    panic!("the server did not start");
}

fn buyable_variants(db: &TestDb) -> Vec<i64> {
    product_variants::table
        .inner_join(products::table)
        .filter(product_variants::is_active.eq(true))
        .filter(product_variants::stock.ge(1))
        .filter(products::status.eq(shopwave::catalog::ProductStatus::Active))
        .filter(products::deleted_at.is_null())
        .select(product_variants::id)
        .order(product_variants::id)
        .load(&mut db.conn())
        .unwrap()
}

/// One guest adding each of its variants once, until the server is gone; records each
/// addition the server acknowledged (303).
fn shop(addr: SocketAddr, variants: &[i64], answered: &Mutex<Vec<i64>>) {
    let mut cookies = HashMap::new();
    let Some(mut token) = fresh_token(addr, &mut cookies) else {
        return;
    };
    for &variant in variants {
        let body = format!("quantity=1&variant_id={variant}&csrf_token={token}");
        let Some(response) = request(addr, "POST /cart/add", &body, Some(&cookies)) else {
            return;
        };
        if response.status == 303 {
            answered.lock().unwrap().push(variant);
        }
        // The first addition opens the session the form tokens are bound to.
        if response.keep(&mut cookies) {
            match fresh_token(addr, &mut cookies) {
                Some(new) => token = new,
                None => return,
            }
        }
    }
}

fn fresh_token(addr: SocketAddr, cookies: &mut HashMap<String, String>) -> Option<String> {
    let response = request(addr, "GET /account/login", "", Some(cookies))?;
    response.keep(cookies);
    let (_, rest) = response.body.split_once("name=\"csrf_token\" value=\"")?;
    Some(rest.split('"').next()?.to_owned())
}

pub(crate) struct Response {
    pub status: u16,
    set_cookies: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    /// Keeps the cookies the response set; whether any of them changed.
    pub(crate) fn keep(&self, cookies: &mut HashMap<String, String>) -> bool {
        let mut changed = false;
        for (name, value) in &self.set_cookies {
            changed |= cookies.insert(name.clone(), value.clone()).as_ref() != Some(value);
        }
        changed
    }
}

/// One HTTP/1.1 request on a fresh connection; None once the server is gone.
pub(crate) fn request(
    addr: SocketAddr,
    line: &str,
    body: &str,
    cookies: Option<&HashMap<String, String>>,
) -> Option<Response> {
    let mut stream = TcpStream::connect(addr).ok()?;
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
        set_cookies,
        body: body.to_owned(),
    })
}
