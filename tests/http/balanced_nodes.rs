//! Two `shopwave serve` nodes as production runs them on PostgreSQL: connecting as the
//! least-privilege role through pgbouncer in transaction mode, behind HAProxy sending each
//! request to the next node in turn (tests/common/cluster.rs). A shopper's session, cart and
//! checkout carry across the nodes, a sign-out on one ends the session on both, a seller's change
//! is found by search on the other node, and killing a node in the middle of checkouts loses no
//! order while the other serves on; two sweepers at once settle each order once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use shopwave::db::Backend;
use shopwave::db::schema::{orders, sellers};

use crate::accounts::PASSWORD;
use crate::common::builders::{ProductBuilder, UserBuilder, category, product_slug, seller};
use crate::common::cluster::{Cluster, NODES};
use crate::common::commerce::*;
use crate::common::edit_forms::version_in;
use crate::common::nodes::{
    Response, Visitor, assert_each_order_paid_or_closed, check_out, shoppers_with_mixed_cards,
    wait_until,
};
use crate::common::{TestDb, place_order_fields, plant_session};

fn location(page: &Response) -> String {
    page.header("location").unwrap_or_default().to_owned()
}

#[actix_web::test]
async fn a_shopper_signs_in_fills_a_cart_and_checks_out_across_both_nodes() {
    let Some(db) = TestDb::postgres() else { return };
    let shopper = UserBuilder::customer()
        .email("nell@example.com")
        .password(PASSWORD)
        .insert(&mut db.conn());
    let (slug, variant, shipping) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
        let (product, variant) = ProductBuilder::new("Balanced Lamp")
            .price(2_500)
            .stock(5)
            .insert(conn, shop, shelf);
        tax_rate(conn, "US", "CA", 825);
        (
            product_slug(conn, product),
            variant,
            shipping_method(conn, 499, None),
        )
    };
    let address = address(&mut db.conn(), shopper, "US", "CA");
    let card = saved_card(&db, shopper, APPROVED);
    let Some(cluster) = Cluster::start(&db) else {
        return;
    };

    let mut nell = Visitor::new(cluster.balancer);
    nell.get("/account/login");
    let signed_in = nell.post(
        "/account/login",
        &[("email", "nell@example.com"), ("password", PASSWORD)],
    );
    assert_eq!(
        (signed_in.status, location(&signed_in).as_str()),
        (303, "/")
    );
    nell.get(&format!("/p/{slug}"));
    let added = nell.post(
        "/cart/add",
        &[("variant_id", &variant.to_string()), ("quantity", "2")],
    );
    assert_eq!(added.status, 303, "{}", added.body);
    let cart = nell.get("/cart");
    assert!(
        cart.body.contains("Balanced Lamp"),
        "the cart is the same on the other node"
    );
    nell.get("/checkout");
    let choices = [
        ("address_id", address.to_string()),
        ("shipping_method_id", shipping.to_string()),
        ("payment", format!("saved:{card}")),
    ];
    let choices: Vec<(&str, &str)> = choices.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let review = nell.post("/checkout/review", &choices);
    assert_eq!(review.status, 200, "{}", review.body);
    let fields = place_order_fields(&review.body);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let placed = nell.post("/checkout/place", &fields);
    assert_eq!(placed.status, 303, "{}", placed.body);
    let confirmation = nell.get(&location(&placed));
    assert_eq!(confirmation.status, 200);
    let number: String = orders::table
        .filter(orders::user_id.eq(shopper))
        .select(orders::number)
        .first(&mut db.conn())
        .expect("the order");
    assert!(
        confirmation.body.contains(&number),
        "the other node shows the order"
    );
    assert_eq!(order_status(&mut db.conn(), &number), "confirmed");
    assert_eq!(stock_of(&mut db.conn(), variant), 3);

    // Signed out on node A, the very next page, on node B, is a visitor's.
    nell.at = cluster.nodes[1];
    assert_eq!(nell.get("/account").status, 200, "signed in on node B");
    nell.at = cluster.nodes[0];
    let out = nell.post("/account/logout", &[]);
    assert_eq!(out.status, 303);
    nell.at = cluster.nodes[1];
    let account = nell.get("/account");
    assert_eq!(account.status, 303);
    assert!(
        location(&account).starts_with("/account/login"),
        "{}",
        location(&account)
    );

    // Round-robin over the shopper's pages and the processor's webhook: each node served a
    // good share of the journey.
    for node in NODES {
        let share = nell.served_by.iter().filter(|s| *s == node).count();
        assert!(
            share >= nell.served_by.len() / 3,
            "node {node}: {:?}",
            nell.served_by
        );
    }
}

#[actix_web::test]
async fn a_seller_s_change_on_one_node_is_found_by_search_on_the_other() {
    let Some(db) = TestDb::postgres() else { return };
    let (product, seller_user) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
        let (product, _) = ProductBuilder::new("Plain Lamp")
            .price(1_000)
            .stock(5)
            .insert(conn, shop, shelf);
        let user: i64 = sellers::table
            .find(shop)
            .select(sellers::user_id)
            .first(conn)
            .expect("seller");
        (product, user)
    };
    let Some(cluster) = Cluster::start(&db) else {
        return;
    };
    let (node_a, node_b) = (cluster.nodes[0], cluster.nodes[1]);
    let mut on_b = Visitor::new(node_b);
    let found = |page: Response| page.body.contains(r#"class="result""#);
    assert!(!found(on_b.get("/search?q=heliotrope")));

    let mut seller_on_a = Visitor::signed_in(node_a, plant_session(&mut db.conn(), seller_user));
    let edit = format!("/seller/products/{product}");
    let opened = seller_on_a.get(&edit);
    let version = version_in(&opened.body, &edit).expect("the edit form");
    let saved = seller_on_a.post(
        &edit,
        &[
            ("name", "Heliotrope Lamp"),
            ("description", ""),
            ("status", "active"),
            ("version", &version),
        ],
    );
    assert_eq!((saved.status, location(&saved)), (303, edit));

    // Each node's indexer reads the shared outbox every 100 ms; the test waits up to 30 s so a
    // busy machine cannot fail it, and prints how long it took.
    let saved_at = Instant::now();
    while !on_b
        .get("/search?q=heliotrope")
        .body
        .contains(r#"href="/p/heliotrope-lamp"#)
    {
        assert!(
            saved_at.elapsed() < Duration::from_secs(30),
            "node B never found the new name"
        );
        thread::sleep(Duration::from_millis(20));
    }
    eprintln!("node B found the change after {:?}", saved_at.elapsed());
    assert!(
        !found(on_b.get("/search?q=plain")),
        "the old name is gone too"
    );
}

/// Checkouts each shopper thread makes in a row, and shopper threads.
const IN_A_ROW: usize = 4;
const THREADS: usize = 8;

#[actix_web::test]
async fn killing_a_node_mid_checkout_loses_no_order_and_the_other_serves_on() {
    let Some(db) = TestDb::postgres() else { return };
    let (variant, shipping) = {
        let conn = &mut db.conn();
        let (s, c) = (seller(conn), category(conn, "Kettles"));
        let (_, variant) = ProductBuilder::new("Node Kettle")
            .price(1500)
            .stock(1_000)
            .insert(conn, s, c);
        (variant, shipping_method(conn, 500, None))
    };
    let shoppers = shoppers_with_mixed_cards(&db, THREADS * IN_A_ROW, variant);
    let Some(mut cluster) = Cluster::start(&db) else {
        return;
    };

    let (answered, placed_after_kill) =
        (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let threads: Vec<_> = shoppers
        .chunks(IN_A_ROW)
        .map(|row| {
            let (row, balancer) = (row.to_vec(), cluster.balancer);
            let (answered, placed_after_kill, killed) =
                (answered.clone(), placed_after_kill.clone(), killed.clone());
            thread::spawn(move || {
                for shopper in row {
                    let was_killed = killed.load(Ordering::SeqCst);
                    let status =
                        check_out(balancer, &shopper, shipping).expect("the balancer answers");
                    if was_killed && status == 303 {
                        placed_after_kill.fetch_add(1, Ordering::SeqCst);
                    }
                    answered.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    wait_until(|| answered.load(Ordering::SeqCst) >= THREADS * IN_A_ROW / 3);
    killed.store(true, Ordering::SeqCst);
    cluster.kill(0);
    for thread in threads {
        thread.join().expect("shopper");
    }
    assert!(
        placed_after_kill.load(Ordering::SeqCst) > 0,
        "node B kept taking orders"
    );

    // Both sweepers at once, through pgbouncer as the nodes' role, once the payment window has
    // passed: each waiting order is settled by one of them.
    let later =
        shopwave::util::now() + shopwave::checkout::PAYMENT_WINDOW + chrono::Duration::minutes(1);
    let sweepers: Vec<_> = (0..2)
        .map(|_| {
            let pool =
                shopwave::db::connect(&cluster.pooled, Some(2)).expect("a pool through pgbouncer");
            let saga = shopwave::checkout::PaymentSaga::new(
                pool,
                db.gateway(),
                shopwave::mail::Mailer::from_env(&db.data_dir(), db.public_url()),
            );
            thread::spawn(move || saga.sweep(later).expect("sweep"))
        })
        .collect();
    let settled: usize = sweepers
        .into_iter()
        .map(|s| {
            let report = s.join().expect("sweeper");
            report.confirmed + report.cancelled
        })
        .sum();
    let ids: Vec<i64> = shoppers.iter().map(|s| s.id).collect();
    let pending_left: i64 = orders::table
        .filter(orders::user_id.eq_any(&ids))
        .filter(orders::status.eq(shopwave::orders::OrderStatus::PendingPayment))
        .count()
        .get_result(&mut db.conn())
        .expect("count");
    assert_eq!(
        pending_left, 0,
        "the sweepers settled every waiting order ({settled} between them)"
    );
    let placed = assert_each_order_paid_or_closed(&db, &ids, variant, 1_000);
    assert!(
        placed >= THREADS * IN_A_ROW / 3,
        "enough checkouts ran: {placed}"
    );
    drop(cluster);
}

#[actix_web::test]
async fn a_node_behind_a_transaction_pooler_refuses_a_role_without_limits() {
    let Some(db) = TestDb::postgres() else { return };
    // The test server's postgres user carries no limits of its own.
    let owner_url = db.owner_url().to_owned();
    let refused = shopwave::db::connect(&Backend::PostgresViaPooler(owner_url), Some(1))
        .expect_err("a role without limits is refused");
    assert!(
        refused.to_string().contains("lock_timeout is off"),
        "{refused}"
    );
}
