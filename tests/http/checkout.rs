//! Placing orders through the service with the real pool and real threads: no oversell, no
//! voucher overuse, one order per double submit, and the payment saga's compensations.

use shopwave::audit::Actor;
use shopwave::orders::Canceller;
use std::sync::{Arc, Barrier};

use diesel::prelude::*;

use crate::common::TestDb;
use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
use crate::on_both_backends;
use shopwave::checkout::{self, Outcome, PaymentSaga, PlaceOrder};
use shopwave::db::schema::{
    order_items, orders, payments, products, promotion_redemptions, search_outbox,
};
use shopwave::error::Error;

/// Runs every request at once, released together by a barrier, one thread each.
fn race(saga: &Arc<PaymentSaga>, requests: Vec<PlaceOrder>) -> Vec<Result<Outcome, Error>> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let (saga, barrier) = (saga.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                saga.submit(&request)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("no panic"))
        .collect()
}

fn confirmed(outcomes: &[Result<Outcome, Error>]) -> usize {
    outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Outcome::Confirmed { .. })))
        .count()
}

struct Stage {
    variant: i64,
    product: i64,
    shipping: i64,
}

fn stage(db: &TestDb, price: i64, stock: i32) -> Stage {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Gadgets"));
    let (product, variant) = ProductBuilder::new("Flash Widget")
        .price(price)
        .stock(stock)
        .insert(conn, s, c);
    let shipping = shipping_method(conn, 499, None);
    tax_rate(conn, "US", "", 500);
    tax_rate(conn, "US", "CA", 825);
    Stage {
        variant,
        product,
        shipping,
    }
}

fn outbox_rows(conn: &mut shopwave::db::DbConn, product: i64) -> i64 {
    search_outbox::table
        .filter(search_outbox::product_id.eq(product))
        .count()
        .get_result(conn)
        .expect("outbox")
}

on_both_backends! {
    async fn concurrent_buyers_get_exactly_the_stock_and_never_more(db: TestDb) {
        let stage = stage(&db, 2500, 5);
        let buyers: Vec<Buyer> = (0..10).map(|_| buyer(&db, APPROVED)).collect();
        for b in &buyers {
            add_to_cart(&mut db.conn(), b.id, stage.variant, 1);
        }
        let outbox_before = outbox_rows(&mut db.conn(), stage.product);
        let requests = buyers.iter().map(|b| order_request(b.id, b.address, stage.shipping, b.card)).collect();
        let saga = Arc::new(saga(&db));
        let outcomes = race(&saga, requests);

        assert_eq!(confirmed(&outcomes), 5, "{outcomes:?}");
        for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
            assert!(matches!(refused, Error::Conflict(m) if m.contains("sold out")), "{refused:?}");
        }
        let conn = &mut db.conn();
        assert_eq!(stock_of(conn, stage.variant), 0);
        let sold: Option<i64> = order_items::table
            .select(diesel::dsl::sum(order_items::quantity))
            .first(conn)
            .expect("sum");
        assert_eq!(sold, Some(5));
        assert_orders_complete(conn);
        let in_stock: bool = products::table.find(stage.product).select(products::in_stock).first(conn).expect("product");
        assert!(!in_stock, "the sold-out product is flagged");
        // Each sale changed what the product page says (4 left ... 1 left, sold out), and the
        // outbox is how search and every node's page cache hear of it.
        assert_eq!(outbox_rows(conn, stage.product) - outbox_before, 5, "one outbox row per changed stock note");
    }
}

on_both_backends! {
    async fn concurrent_voucher_use_never_exceeds_max_uses(db: TestDb) {
        let stage = stage(&db, 1000, 100);
        let code = PromotionBuilder { max_uses: Some(3), ..PromotionBuilder::percent(1000) }.insert(&mut db.conn());
        let buyers: Vec<Buyer> = (0..8).map(|_| buyer(&db, APPROVED)).collect();
        for b in &buyers {
            add_to_cart(&mut db.conn(), b.id, stage.variant, 2);
            shopwave::cart::apply_promotion(&mut db.conn(), &shopwave::cart::CartOwner::User(b.id), &code)
                .expect("code applies while uses remain");
        }
        let requests = buyers.iter().map(|b| order_request(b.id, b.address, stage.shipping, b.card)).collect();
        let outcomes = race(&Arc::new(saga(&db)), requests);

        assert_eq!(confirmed(&outcomes), 3, "{outcomes:?}");
        for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
            assert!(refused.to_string().contains("maximum number of times"), "{refused:?}");
        }
        let conn = &mut db.conn();
        assert_eq!(uses_count(conn, &code), 3);
        let redemptions: i64 = promotion_redemptions::table.count().get_result(conn).expect("count");
        assert_eq!(redemptions, 3);
        let discounted: i64 = orders::table.filter(orders::discount_total.eq(200)).count().get_result(conn).expect("count");
        assert_eq!(discounted, 3, "10 % of $20.00 on each order");
        assert_eq!(stock_of(conn, stage.variant), 100 - 6);
        assert_orders_complete(conn);
    }
}

on_both_backends! {
    async fn a_double_submit_makes_one_order_and_one_charge(db: TestDb) {
        let stage = stage(&db, 1500, 10);
        let b = buyer(&db, APPROVED);
        add_to_cart(&mut db.conn(), b.id, stage.variant, 2);
        let request = order_request(b.id, b.address, stage.shipping, b.card);
        let outcomes = race(&Arc::new(saga(&db)), vec![request; 6]);

        let numbers: Vec<String> = outcomes
            .iter()
            .map(|o| match o {
                Ok(Outcome::Confirmed { number } | Outcome::Pending { number }) => number.clone(),
                other => panic!("every submit answers with the order: {other:?}"),
            })
            .collect();
        assert!(numbers.iter().all(|n| n == &numbers[0]), "{numbers:?}");
        let conn = &mut db.conn();
        assert_eq!(orders::table.count().get_result::<i64>(conn).expect("count"), 1);
        assert_eq!(payments::table.count().get_result::<i64>(conn).expect("count"), 1);
        assert_eq!(stock_of(conn, stage.variant), 8);
        assert_eq!(order_status(conn, &numbers[0]), "confirmed");
        assert_orders_complete(conn);
    }
}

on_both_backends! {
    async fn a_declined_card_returns_stock_and_voucher_and_refills_the_cart(db: TestDb) {
        let stage = stage(&db, 1000, 3);
        let code = PromotionBuilder { max_uses: Some(1), ..PromotionBuilder::fixed(300) }.insert(&mut db.conn());
        let b = buyer(&db, DECLINED);
        add_to_cart(&mut db.conn(), b.id, stage.variant, 3);
        shopwave::cart::apply_promotion(&mut db.conn(), &shopwave::cart::CartOwner::User(b.id), &code).expect("code");

        let outcome = saga(&db).submit(&order_request(b.id, b.address, stage.shipping, b.card)).expect("placed");
        let Outcome::Declined { number, reason } = outcome else { panic!("declined: {outcome:?}") };
        assert_eq!(reason, "Your card was declined.");
        let conn = &mut db.conn();
        assert_eq!(order_status(conn, &number), "payment_failed");
        assert_eq!(stock_of(conn, stage.variant), 3, "stock returned");
        assert_eq!(uses_count(conn, &code), 0, "voucher use returned");
        let reversed: Option<chrono::NaiveDateTime> = promotion_redemptions::table
            .select(promotion_redemptions::reversed_at)
            .first(conn)
            .expect("redemption");
        assert!(reversed.is_some());
        let status: String = payments::table.select(payments::status).first(conn).expect("payment");
        assert_eq!(status, "declined");
        let count = shopwave::cart::item_count(conn, &shopwave::cart::CartOwner::User(b.id)).expect("count");
        assert_eq!(count, 3, "the shopper can try another card");
        assert_orders_complete(conn);
    }
}

on_both_backends! {
    async fn a_timeout_is_unknown_until_the_sweeper_asks_the_gateway(db: TestDb) {
        let stage = stage(&db, 1000, 4);
        let code = PromotionBuilder::percent(500).insert(&mut db.conn());
        let captured = buyer(&db, TIMEOUT_CAPTURED);
        let lost = buyer(&db, TIMEOUT_LOST);
        for b in [&captured, &lost] {
            add_to_cart(&mut db.conn(), b.id, stage.variant, 2);
            shopwave::cart::apply_promotion(&mut db.conn(), &shopwave::cart::CartOwner::User(b.id), &code).expect("code");
        }
        let saga = saga(&db);
        let pending = |b: &Buyer| match saga.submit(&order_request(b.id, b.address, stage.shipping, b.card)) {
            Ok(Outcome::Pending { number }) => number,
            other => panic!("a timeout is not a decline: {other:?}"),
        };
        let (paid, unpaid) = (pending(&captured), pending(&lost));
        assert_eq!(stock_of(&mut db.conn(), stage.variant), 0, "pending orders hold their stock");
        assert_eq!(uses_count(&mut db.conn(), &code), 2);

        let now = shopwave::util::now();
        assert_eq!(saga.sweep(now).expect("sweep"), Default::default(), "nothing is settled inside the window");
        let report = saga.sweep(now + checkout::PAYMENT_WINDOW + chrono::Duration::seconds(1)).expect("sweep");
        assert_eq!((report.confirmed, report.cancelled), (1, 1));

        let conn = &mut db.conn();
        assert_eq!(order_status(conn, &paid), "confirmed", "captured at the gateway: paid, not cancelled");
        assert_eq!(order_status(conn, &unpaid), "payment_failed");
        assert_eq!(stock_of(conn, stage.variant), 2, "the unpaid order's stock came back");
        assert_eq!(uses_count(conn, &code), 1, "and its voucher use");
        assert_orders_complete(conn);
    }
}

on_both_backends! {
    async fn an_order_left_pending_by_a_killed_process_is_settled_after_restart(db: TestDb) {
        let stage = stage(&db, 1000, 5);
        let gone = buyer(&db, APPROVED);
        let charged = buyer(&db, APPROVED);
        add_to_cart(&mut db.conn(), gone.id, stage.variant, 1);
        add_to_cart(&mut db.conn(), charged.id, stage.variant, 1);
        // Killed after the commit, before calling the gateway: only the transaction ran.
        let before_charge = checkout::place(&mut db.conn(), &order_request(gone.id, gone.address, stage.shipping, gone.card), "test")
            .expect("placed");
        // Killed after the gateway captured, before the answer was recorded.
        let after_charge = checkout::place(&mut db.conn(), &order_request(charged.id, charged.address, stage.shipping, charged.card), "test")
            .expect("placed");
        let gateway = db.gateway();
        let charge = gateway.charge(after_charge.charge_token.as_deref().expect("token"), after_charge.grand_total, &after_charge.payment_key);
        assert!(matches!(charge, shopwave::payments::ChargeOutcome::Captured { .. }));
        assert_eq!(stock_of(&mut db.conn(), stage.variant), 3);

        let restarted = saga(&db);
        let report = restarted.sweep(shopwave::util::now() + checkout::PAYMENT_WINDOW * 2).expect("sweep");
        assert_eq!((report.confirmed, report.cancelled), (1, 1));
        let conn = &mut db.conn();
        assert_eq!(order_status(conn, &before_charge.number), "payment_failed");
        assert_eq!(order_status(conn, &after_charge.number), "confirmed");
        assert_eq!(stock_of(conn, stage.variant), 4);
        assert_orders_complete(conn);
        assert_eq!(restarted.sweep(shopwave::util::now() + checkout::PAYMENT_WINDOW * 2).expect("sweep"), Default::default());
    }
}

on_both_backends! {
    async fn a_charge_one_node_made_is_settled_by_another_nodes_sweeper(db: TestDb) {
        let stage = stage(&db, 1000, 5);
        let number = waiting_order(&db, stage.variant, stage.shipping);
        // One processor for every node: the second node finds the first node's charge.
        let other = db.another_node();
        let later = shopwave::util::now() + checkout::PAYMENT_WINDOW * 2;
        let report = saga(&other).sweep(later).expect("sweep");
        assert_eq!((report.confirmed, report.cancelled), (1, 0));
        drop(other);
        let conn = &mut db.conn();
        assert_eq!(order_status(conn, &number), "confirmed");
        assert_eq!(stock_of(conn, stage.variant), 4);
        assert_orders_complete(conn);
    }
}

on_both_backends! {
    async fn the_sweeper_cancels_nothing_while_the_processor_cannot_answer(db: TestDb) {
        let stage = stage(&db, 1000, 5);
        let number = waiting_order(&db, stage.variant, stage.shipping);
        let later = shopwave::util::now() + checkout::PAYMENT_WINDOW * 2;
        let unreachable = PaymentSaga::new(
            db.pool.clone(),
            Arc::new(shopwave::payments::Processor::new(
                "http://127.0.0.1:9",
                "sk_test_shopwave",
                std::time::Duration::from_secs(1),
            )),
            shopwave::mail::Mailer::from_env(&db.data_dir(), db.public_url()),
        );
        let report = unreachable.sweep(later).expect("sweep");
        assert_eq!(
            (report.confirmed, report.cancelled, report.unsettled),
            (0, 0, 1)
        );
        assert_eq!(order_status(&mut db.conn(), &number), "pending_payment");
        assert_eq!(stock_of(&mut db.conn(), stage.variant), 4);

        let report = saga(&db).sweep(later).expect("sweep");
        assert_eq!((report.confirmed, report.cancelled), (1, 0));
        assert_eq!(order_status(&mut db.conn(), &number), "confirmed");
    }
}

on_both_backends! {
    async fn a_customer_cancel_before_shipping_returns_stock_and_refunds(db: TestDb) {
        let stage = stage(&db, 1000, 5);
        let b = buyer(&db, APPROVED);
        add_to_cart(&mut db.conn(), b.id, stage.variant, 2);
        let saga = saga(&db);
        let Ok(Outcome::Confirmed { number }) = saga.submit(&order_request(b.id, b.address, stage.shipping, b.card)) else {
            panic!("approved");
        };
        let stranger = buyer(&db, APPROVED);
        assert!(matches!(saga.cancel_order(Canceller::Shopper(&Actor::offline(stranger.id)), &number), Err(Error::NotFound)));
        saga.cancel_order(Canceller::Shopper(&Actor::offline(b.id)), &number).expect("cancelled");
        let conn = &mut db.conn();
        assert_eq!(order_status(conn, &number), "cancelled");
        assert_eq!(stock_of(conn, stage.variant), 5);
        let refunded: i64 = shopwave::db::schema::refunds::table
            .filter(shopwave::db::schema::refunds::status.eq("succeeded"))
            .select(shopwave::db::schema::refunds::amount)
            .first(conn)
            .expect("refund");
        let total: i64 = orders::table.select(orders::grand_total).first(conn).expect("order");
        assert_eq!(refunded, total);
        assert!(matches!(saga.cancel_order(Canceller::Shopper(&Actor::offline(b.id)), &number), Err(Error::Conflict(_))), "only once");
        assert_orders_complete(conn);
    }
}

on_both_backends! {
    async fn two_tabs_with_two_keys_make_at_most_one_order_from_one_cart(db: TestDb) {
        let stage = stage(&db, 1000, 10);
        let b = buyer(&db, APPROVED);
        add_to_cart(&mut db.conn(), b.id, stage.variant, 3);
        let tabs = (0..4).map(|_| order_request(b.id, b.address, stage.shipping, b.card)).collect();
        let outcomes = race(&Arc::new(saga(&db)), tabs);

        assert_eq!(confirmed(&outcomes), 1, "{outcomes:?}");
        for refused in outcomes.iter().filter_map(|o| o.as_ref().err()) {
            assert!(matches!(refused, Error::Invalid(m) if m == "Your cart is empty."), "{refused:?}");
        }
        let conn = &mut db.conn();
        assert_eq!(stock_of(conn, stage.variant), 7);
        assert_orders_complete(conn);
    }
}
