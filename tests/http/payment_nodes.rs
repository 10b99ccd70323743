//! Two shop nodes (real `shopwave serve` processes over one database) and one card processor,
//! each node killed with SIGKILL in the middle of a stream of checkouts. Whatever a kill
//! interrupted — an order placed but not charged, charged but not recorded, a shopper's answer
//! lost — every order ends paid and confirmed or unpaid and closed, never charged and
//! cancelled, once the processor's webhooks and a sweeper have run; and the processor's charges
//! are exactly the confirmed orders.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use diesel::prelude::*;

use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
#[allow(unused_imports)]
use crate::common::{TEST_SECRET, TestDb, WEBHOOK_SECRET, place_order_fields, plant_session};
use crate::durability::{request, start_with};
use crate::on_both_backends;
use shopwave::db::schema::{orders, payments};
use shopwave::payments::Lookup;

/// Checkouts each shopper thread makes in a row, and threads per node.
const IN_A_ROW: usize = 4;
const THREADS_PER_NODE: usize = 5;

/// A signed-in shopper with one unit in the cart, ready to check out on a node.
#[derive(Clone)]
struct Shopper {
    id: i64,
    session: String,
    address: i64,
    card: i64,
}

on_both_backends! {
    async fn killing_either_node_mid_checkout_leaves_no_order_charged_and_cancelled(db: TestDb) {
        let simulator = db.simulator();
        let settings = [
            ("SHOPWAVE_SECRET_KEY", String::from_utf8(TEST_SECRET.to_vec()).expect("text")),
            ("SHOPWAVE_PAYMENTS_URL", simulator.url.clone()),
            ("SHOPWAVE_PAYMENTS_KEY", simulator.api_key.clone()),
            ("SHOPWAVE_PAYMENTS_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        ];
        let (mut node_a, addr_a, _dir_a) = start_with(&db, &settings);
        let (mut node_b, addr_b, _dir_b) = start_with(&db, &settings);
        // The processor's webhooks go to one address, as to a balancer; here, node B's.
        simulator
            .deliver_to(shopwave::payments_sim::Endpoint {
                url: format!("http://{addr_b}/payments/webhook"),
                secret: WEBHOOK_SECRET.to_owned(),
            })
            .expect("webhooks");

        let (variant, shipping) = {
            let conn = &mut db.conn();
            let (s, c) = (seller(conn), category(conn, "Kettles"));
            let (_, variant) = ProductBuilder::new("Node Kettle").price(1500).stock(1_000).insert(conn, s, c);
            (variant, shipping_method(conn, 500, None))
        };
        // Most cards pay; some are declined; some are charged and then answered with a 500.
        let shoppers: Vec<Shopper> = (0..2 * THREADS_PER_NODE * IN_A_ROW)
            .map(|i| {
                let number = match i % 7 {
                    3 => DECLINED,
                    5 => TIMEOUT_CAPTURED,
                    _ => APPROVED,
                };
                let b = buyer(&db, number);
                add_to_cart(&mut db.conn(), b.id, variant, 1);
                Shopper { id: b.id, session: plant_session(&mut db.conn(), b.id), address: b.address, card: b.card }
            })
            .collect();

        let answered = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
        let threads: Vec<_> = shoppers
            .chunks(IN_A_ROW)
            .enumerate()
            .map(|(i, row)| {
                let (addr, answered) = if i % 2 == 0 { (addr_a, answered[0].clone()) } else { (addr_b, answered[1].clone()) };
                let row = row.to_vec();
                thread::spawn(move || {
                    for shopper in row {
                        if check_out(addr, &shopper, shipping).is_none() {
                            return;
                        }
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        let per_node = THREADS_PER_NODE * IN_A_ROW;
        wait_until(|| answered[0].load(Ordering::SeqCst) >= per_node / 3);
        node_a.kill().expect("SIGKILL node A");
        node_a.wait().expect("node A gone");
        wait_until(|| answered[1].load(Ordering::SeqCst) >= 2 * per_node / 3);
        node_b.kill().expect("SIGKILL node B");
        node_b.wait().expect("node B gone");
        for thread in threads {
            thread.join().expect("shopper");
        }

        // A node started later sweeps what the kills left waiting, once the payment window has
        // passed: it asks the processor before it cancels anything.
        let later = shopwave::util::now() + shopwave::checkout::PAYMENT_WINDOW + chrono::Duration::minutes(1);
        saga(&db).sweep(later).expect("sweep");

        let conn = &mut db.conn();
        let ids: Vec<i64> = shoppers.iter().map(|s| s.id).collect();
        let placed: Vec<(String, String, Option<String>, Option<String>)> = orders::table
            .left_join(payments::table)
            .filter(orders::user_id.eq_any(&ids))
            .select((orders::number, orders::status, payments::status.nullable(), payments::gateway_reference.nullable()))
            .load(conn)
            .expect("orders");
        assert!(placed.len() >= per_node, "enough checkouts ran: {}", placed.len());
        let gateway = db.gateway();
        let mut confirmed = 0;
        for (number, status, payment, reference) in &placed {
            let at_processor = gateway.lookup(&format!("pay_{number}"));
            match status.as_str() {
                "confirmed" => {
                    confirmed += 1;
                    assert_eq!(payment.as_deref(), Some("captured"), "{number}");
                    assert_eq!(at_processor, Lookup::Captured { reference: reference.clone().expect("reference") }, "{number}");
                }
                "payment_failed" | "cancelled" => assert!(
                    !matches!(at_processor, Lookup::Captured { .. }) || payment.as_deref() == Some("voided"),
                    "order {number} was charged and closed without its money back: {at_processor:?}"
                ),
                other => panic!("order {number} was left {other}"),
            }
        }
        assert!(confirmed > 0 && confirmed < placed.len(), "{confirmed} of {} confirmed", placed.len());
        assert_eq!(charges_kept(simulator), confirmed, "the processor's charges are the confirmed orders");
        assert_eq!(stock_of(conn, variant), 1_000 - i32::try_from(confirmed).expect("few"));
        assert_orders_complete(conn);
    }
}

/// One checkout with the shopper's saved card: the checkout form, the review, the order placed.
/// `None` once the node is gone.
fn check_out(addr: SocketAddr, shopper: &Shopper, shipping: i64) -> Option<u16> {
    let mut cookies = HashMap::from([("sw_session".to_owned(), shopper.session.clone())]);
    let form = request(addr, "GET /checkout", "", Some(&cookies))?;
    form.keep(&mut cookies);
    let token = crate::common::form_field(&form.body, "csrf_token");
    let choices = form_urlencoded::Serializer::new(String::new())
        .append_pair("address_id", &shopper.address.to_string())
        .append_pair("shipping_method_id", &shipping.to_string())
        .append_pair("payment", &format!("saved:{}", shopper.card))
        .append_pair("csrf_token", &token)
        .finish();
    let review = request(addr, "POST /checkout/review", &choices, Some(&cookies))?;
    assert_eq!(review.status, 200, "{}", review.body);
    review.keep(&mut cookies);
    let place = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(place_order_fields(&review.body))
        .append_pair("csrf_token", &token)
        .finish();
    Some(request(addr, "POST /checkout/place", &place, Some(&cookies))?.status)
}

fn wait_until(done: impl Fn() -> bool) {
    for _ in 0..6_000 {
        if done() {
            return;
        }
        thread::sleep(Duration::from_millis(5));
    }
    panic!("the checkouts did not get that far");
}

/// The charges the processor made and kept (captured, not declined), read from its books.
fn charges_kept(simulator: &shopwave::payments_sim::Running) -> usize {
    let books = std::fs::read_to_string(simulator.books()).expect("the processor's books");
    books
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|entry| {
            entry["change"]["kind"] == "intent" && entry["change"]["declined"].is_null()
        })
        .count()
}
