//! Nothing is acknowledged before it is durable: the real `shopwave serve` is killed with
//! SIGKILL in the middle of a stream of concurrent cart additions, and every addition it had
//! answered with its 303 is found in the database afterwards. An answer given before the COMMIT
//! of its write (a group commit acknowledging its batch early) fails this test.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use diesel::prelude::*;

use crate::common::TestDb;
use crate::common::nodes::{Process, request, start_with};
use crate::on_both_backends;
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
        server.kill();
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
fn start(db: &TestDb) -> (Process, SocketAddr, tempfile::TempDir) {
    start_with(db, &[])
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
