//! PostgreSQL is away for thirty seconds while shoppers keep the real `shopwave serve` busy: no
//! request hangs or meets a 500, each is answered 503 with the friendly page (or served, if it
//! needs no database), the shop serves again by itself once the database is back, and every
//! cart addition it acknowledged is in the database. The database is reached through a relay
//! the test cuts (tests/common/relay.rs).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use shopwave::db::schema::cart_items;

use crate::common::builders::{ProductBuilder, UserBuilder, category, product_slug, seller};
use crate::common::nodes::{request, serve};
use crate::common::relay::{Relay, server_of, through};
use crate::common::{TEST_SECRET, TestDb, form_field, plant_session};

const SHOPPERS: usize = 6;
const OUTAGE: Duration = Duration::from_secs(30);

/// One answer: its status, when it was asked, and how long it took.
type Answer = (u16, Instant, Duration);

/// A signed-in shopper alternating the product page and a cart addition of the next of its
/// variants, round and round, until told to stop; records every answer and every addition
/// acknowledged.
fn shop(
    at: SocketAddr,
    session: String,
    page: String,
    variants: Vec<i64>,
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<Answer>>>,
    acknowledged: Arc<Mutex<Vec<i64>>>,
) {
    let mut cookies = HashMap::from([("sw_session".to_owned(), session)]);
    let mut token = String::new();
    for &variant in variants.iter().cycle() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let asked = Instant::now();
        let shown = request(at, &format!("GET {page}"), "", Some(&cookies)).expect("an answer");
        answers
            .lock()
            .unwrap()
            .push((shown.status, asked, asked.elapsed()));
        shown.keep(&mut cookies);
        if shown.status == 200 {
            token = form_field(&shown.body, "csrf_token");
        }
        let body = format!("variant_id={variant}&quantity=1&csrf_token={token}");
        let asked = Instant::now();
        let added = request(at, "POST /cart/add", &body, Some(&cookies)).expect("an answer");
        answers
            .lock()
            .unwrap()
            .push((added.status, asked, asked.elapsed()));
        if added.status == 303 {
            acknowledged.lock().unwrap().push(variant);
        }
        thread::sleep(Duration::from_millis(20));
    }
}

#[actix_web::test]
async fn thirty_seconds_without_the_database_under_load_and_back() {
    let Some(db) = TestDb::postgres() else { return };
    let (sessions, variants, page) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
        let (product, _) = ProductBuilder::new("Outage Lamp").insert(conn, shop, shelf);
        let variants: Vec<i64> = (0..SHOPPERS * 20)
            .map(|i| {
                ProductBuilder::new(&format!("Outage Bulb {i}"))
                    .stock(10_000)
                    .insert(conn, shop, shelf)
                    .1
            })
            .collect();
        let sessions: Vec<String> = (0..SHOPPERS)
            .map(|_| {
                let shopper = UserBuilder::customer().insert(conn);
                plant_session(conn, shopper)
            })
            .collect();
        (
            sessions,
            variants,
            format!("/p/{}", product_slug(conn, product)),
        )
    };
    let relay = Relay::to(server_of(db.backend.url()));
    let secret = String::from_utf8(TEST_SECRET.to_vec()).expect("text");
    let (mut server, at, _data) = serve(
        &through(&relay, db.backend.url()),
        &[("SHOPWAVE_SECRET_KEY", secret)],
    );

    let stop = Arc::new(AtomicBool::new(false));
    let (answers, acknowledged) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    );
    let shoppers: Vec<_> = sessions
        .into_iter()
        .zip(variants.chunks(variants.len() / SHOPPERS))
        .map(|(session, share)| {
            let (page, share) = (page.clone(), share.to_vec());
            let (stop, answers, acknowledged) =
                (stop.clone(), answers.clone(), acknowledged.clone());
            thread::spawn(move || shop(at, session, page, share, stop, answers, acknowledged))
        })
        .collect();

    thread::sleep(Duration::from_secs(2));
    let before = acknowledged.lock().unwrap().len();
    relay.cut();
    let cut = Instant::now();
    thread::sleep(OUTAGE);
    let mended = Instant::now();
    relay.mend();
    let during = acknowledged.lock().unwrap().len();
    while acknowledged.lock().unwrap().len() < during + SHOPPERS * 3 {
        assert!(
            mended.elapsed() < Duration::from_secs(30),
            "the shop did not take cart additions again: {:?}",
            answers
                .lock()
                .unwrap()
                .iter()
                .rev()
                .take(12)
                .collect::<Vec<_>>()
        );
        thread::sleep(Duration::from_millis(50));
    }
    eprintln!(
        "serving again {:?} after the database came back",
        mended.elapsed()
    );
    stop.store(true, Ordering::SeqCst);
    for shopper in shoppers {
        shopper.join().expect("shopper");
    }
    server.kill();

    let answers = answers.lock().unwrap().clone();
    assert!(before > 0, "the shop served before the outage");
    assert!(
        answers.iter().all(|(status, _, _)| *status != 500),
        "no 500s"
    );
    let while_away: Vec<&Answer> = answers
        .iter()
        .filter(|(_, asked, took)| *asked > cut && *asked + *took < mended)
        .collect();
    assert!(
        while_away.len() > SHOPPERS * 10,
        "the shoppers kept asking: {}",
        while_away.len()
    );
    let others: Vec<&&Answer> = while_away
        .iter()
        .filter(|(status, _, _)| !matches!(status, 200 | 503))
        .collect();
    assert!(
        others.is_empty(),
        "each answered with the page or the 503 page: {others:?}"
    );
    assert!(
        while_away
            .iter()
            .filter(|(status, _, _)| *status == 503)
            .count()
            > SHOPPERS * 5
    );
    // Every request is answered at once (a pool without connections waits half a second), never
    // after the pool's or a client's long timeout.
    let slowest = while_away
        .iter()
        .map(|(_, _, took)| *took)
        .max()
        .expect("answers");
    assert!(
        slowest < Duration::from_millis(2_500),
        "a request waited {slowest:?}"
    );
    eprintln!(
        "{} answers while the database was away, the slowest in {slowest:?}",
        while_away.len()
    );
    // Each variant is one shopper's: its units in that cart are at least the additions answered.
    let kept: HashMap<i64, i32> = cart_items::table
        .select((cart_items::variant_id, cart_items::quantity))
        .load(&mut db.conn())
        .expect("carts")
        .into_iter()
        .collect();
    let mut answered: HashMap<i64, i32> = HashMap::new();
    for variant in acknowledged.lock().unwrap().iter() {
        *answered.entry(*variant).or_default() += 1;
    }
    let lost: Vec<(i64, i32, i32)> = answered
        .iter()
        .map(|(variant, units)| (*variant, *units, kept.get(variant).copied().unwrap_or(0)))
        .filter(|(_, answered, kept)| kept < answered)
        .collect();
    assert!(
        lost.is_empty(),
        "acknowledged but lost (variant, answered, kept): {lost:?}"
    );
}
