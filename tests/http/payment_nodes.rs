//! Two shop nodes (real `shopwave serve` processes over one database) and one card processor,
//! each node killed with SIGKILL in the middle of a stream of checkouts. Whatever a kill
//! interrupted — an order placed but not charged, charged but not recorded, a shopper's answer
//! lost — every order ends paid and confirmed or unpaid and closed, never charged and
//! cancelled, once the processor's webhooks and a sweeper have run; and the processor's charges
//! are exactly the confirmed orders.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
use crate::common::nodes::{
    assert_each_order_paid_or_closed, check_out, node_settings, shoppers_with_mixed_cards,
    start_with, wait_until,
};
#[allow(unused_imports)]
use crate::common::{TestDb, WEBHOOK_SECRET, plant_session};
use crate::on_both_backends;

/// Checkouts each shopper thread makes in a row, and threads per node.
const IN_A_ROW: usize = 4;
const THREADS_PER_NODE: usize = 5;

on_both_backends! {
    async fn killing_either_node_mid_checkout_leaves_no_order_charged_and_cancelled(db: TestDb) {
        let simulator = db.simulator();
        let settings = node_settings(simulator);
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
        let shoppers = shoppers_with_mixed_cards(&db, 2 * THREADS_PER_NODE * IN_A_ROW, variant);

        // Per node, the checkouts whose shopper was sent on to the order's page (303): each is
        // an order; any other answer is kept to be shown if the test fails.
        let placed_on = [Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0))];
        let other_answers = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = shoppers
            .chunks(IN_A_ROW)
            .enumerate()
            .map(|(i, row)| {
                let (addr, placed) = if i % 2 == 0 { (addr_a, placed_on[0].clone()) } else { (addr_b, placed_on[1].clone()) };
                let (row, other_answers) = (row.to_vec(), other_answers.clone());
                thread::spawn(move || {
                    for shopper in row {
                        match check_out(addr, &shopper, shipping) {
                            None => return,
                            Some(303) => {
                                placed.fetch_add(1, Ordering::SeqCst);
                            }
                            Some(status) => other_answers.lock().expect("answers").push(status),
                        }
                    }
                })
            })
            .collect();
        let per_node = THREADS_PER_NODE * IN_A_ROW;
        let told_placed = || placed_on.iter().map(|n| n.load(Ordering::SeqCst)).sum::<usize>();
        wait_until(|| placed_on[0].load(Ordering::SeqCst) >= per_node / 3);
        node_a.kill();
        // Node B goes on until the two nodes have placed a node's worth between them.
        wait_until(|| told_placed() >= per_node);
        node_b.kill();
        for thread in threads {
            thread.join().expect("shopper");
        }

        // A node started later sweeps what the kills left waiting, once the payment window has
        // passed: it asks the processor before it cancels anything.
        let later = shopwave::util::now() + shopwave::checkout::PAYMENT_WINDOW + chrono::Duration::minutes(1);
        saga(&db).sweep(later).expect("sweep");

        let ids: Vec<i64> = shoppers.iter().map(|s| s.id).collect();
        let placed = assert_each_order_paid_or_closed(&db, &ids, variant, 1_000);
        let other_answers = other_answers.lock().expect("answers");
        assert!(
            placed >= told_placed(),
            "{placed} orders, {} shoppers told theirs was placed; other answers: {other_answers:?}",
            told_placed()
        );
    }
}
