//! The card processor's webhooks: a signed event settles an order (or a refund) as soon as the
//! processor knows, exactly once, in any order; a forged, altered or stale one changes nothing.

use diesel::prelude::*;
use serde_json::{Value, json};

use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
use crate::common::{TestApp, TestDb, WEBHOOK_SECRET, serve_on_loopback, web_config};
use crate::on_both_backends;
use actix_web::test::TestRequest;
use shopwave::checkout::Outcome;
use shopwave::db::schema::{order_status_history, orders, payment_events, payments, refunds};
use shopwave::payments::webhook;

/// A product and a shipping method; returns (variant, shipping method).
fn shelf(db: &TestDb) -> (i64, i64) {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Gadgets"));
    let (_, variant) = ProductBuilder::new("Webhook Widget")
        .price(1000)
        .stock(5)
        .insert(conn, s, c);
    (variant, shipping_method(conn, 499, None))
}

fn event(id: &str, kind: &str, object: Value) -> Value {
    json!({ "id": id, "object": "event", "type": kind, "data": { "object": object } })
}

fn intent(reference: &str, number: &str, status: &str) -> Value {
    json!({
        "id": reference,
        "status": status,
        "last_payment_error": { "message": "Your card was declined." },
        "metadata": { "shop_key": format!("pay_{number}") },
    })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn deliver(app: &TestApp, body: &Value, signature: &str) -> crate::common::Page {
    app.send(
        TestRequest::post()
            .uri("/payments/webhook")
            .insert_header(("Stripe-Signature", signature))
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body.to_string()),
    )
    .await
}

async fn deliver_signed(app: &TestApp, body: &Value) -> crate::common::Page {
    let signature = webhook::sign(WEBHOOK_SECRET, now(), body.to_string().as_bytes());
    deliver(app, body, &signature).await
}

fn events_kept(conn: &mut shopwave::db::DbConn) -> i64 {
    payment_events::table
        .count()
        .get_result(conn)
        .expect("count")
}

on_both_backends! {
    async fn an_unanswered_charge_is_settled_by_the_processors_own_webhook(db: TestDb) {
        let (variant, shipping) = shelf(&db);
        let number = waiting_order(&db, variant, shipping);
        let addr = serve_on_loopback(&db, web_config());
        db.simulator()
            .deliver_to(shopwave::payments_sim::Endpoint {
                url: format!("http://{addr}/payments/webhook"),
                secret: WEBHOOK_SECRET.into(),
            })
            .expect("deliveries start");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while order_status(&mut db.conn(), &number) != "confirmed" {
            assert!(std::time::Instant::now() < deadline, "the webhook settles the order");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let conn = &mut db.conn();
        assert_eq!(stock_of(conn, variant), 4);
        assert_orders_complete(conn);
        assert!(events_kept(conn) >= 1);
    }
}

on_both_backends! {
    async fn a_forged_altered_or_stale_event_changes_nothing_and_a_true_one_applies_once(db: TestDb) {
        let (variant, shipping) = shelf(&db);
        let number = waiting_order(&db, variant, shipping);
        let app = TestApp::new(db).await;
        let captured = event("evt_capture", "payment_intent.succeeded", intent("pi_seen", &number, "succeeded"));
        let body = captured.to_string();
        let forged = webhook::sign("whsec_forged", now(), body.as_bytes());
        deliver(&app, &captured, &forged).await.assert_status(400);
        let stale = webhook::sign(WEBHOOK_SECRET, now() - webhook::TOLERANCE_SECS - 5, body.as_bytes());
        deliver(&app, &captured, &stale).await.assert_status(400);
        deliver(&app, &captured, "").await.assert_status(400);
        let mut altered = captured.clone();
        altered["data"]["object"]["id"] = json!("pi_other");
        let signed_for_original = webhook::sign(WEBHOOK_SECRET, now(), body.as_bytes());
        deliver(&app, &altered, &signed_for_original).await.assert_status(400);
        assert_eq!(order_status(&mut app.conn(), &number), "pending_payment");
        assert_eq!(events_kept(&mut app.conn()), 0);

        deliver_signed(&app, &captured).await.assert_status(200);
        deliver_signed(&app, &captured).await.assert_status(200);
        let conn = &mut app.conn();
        assert_eq!(order_status(conn, &number), "confirmed");
        assert_eq!(events_kept(conn), 1);
        let confirmations: i64 = order_status_history::table
            .inner_join(orders::table)
            .filter(orders::number.eq(&number))
            .filter(order_status_history::to_status.eq("confirmed"))
            .count()
            .get_result(conn)
            .expect("history");
        assert_eq!(confirmations, 1);
        let reference: Option<String> = payments::table
            .inner_join(orders::table)
            .filter(orders::number.eq(&number))
            .select(payments::gateway_reference)
            .first(conn)
            .expect("payment");
        assert_eq!(reference.as_deref(), Some("pi_seen"));
    }
}

on_both_backends! {
    async fn a_decline_cancels_and_a_late_capture_is_given_back_once(db: TestDb) {
        let (variant, shipping) = shelf(&db);
        let number = waiting_order(&db, variant, shipping);
        let shopwave::payments::Lookup::Captured { reference } =
            db.gateway().lookup(&format!("pay_{number}"))
        else {
            panic!("the processor holds the capture");
        };
        let app = TestApp::new(db).await;
        let failed = event("evt_failed", "payment_intent.payment_failed", intent("pi_failed", &number, "requires_payment_method"));
        deliver_signed(&app, &failed).await.assert_status(200);
        assert_eq!(order_status(&mut app.conn(), &number), "payment_failed");
        assert_eq!(stock_of(&mut app.conn(), variant), 5);

        // The capture arrives after all, twice under two event ids (as two settlers might see it).
        for id in ["evt_late_1", "evt_late_2"] {
            let late = event(id, "payment_intent.succeeded", intent(&reference, &number, "succeeded"));
            deliver_signed(&app, &late).await.assert_status(200);
        }
        let conn = &mut app.conn();
        assert_eq!(order_status(conn, &number), "payment_failed");
        let given_back: Vec<(String, i64)> = refunds::table
            .select((refunds::status, refunds::amount))
            .load(conn)
            .expect("refunds");
        let total: i64 = orders::table
            .filter(orders::number.eq(&number))
            .select(orders::grand_total)
            .first(conn)
            .expect("order");
        assert_eq!(given_back, [("succeeded".to_owned(), total)]);
        crate::common::assert_checks_clean(conn);
    }
}

/// A refund the processor made but its node never recorded: a confirmed order, and a refund of
/// `amount` (the whole order when `None`) reserved, then made at the processor under its key.
/// Returns the order's number, the refund's id and the processor's reference for it.
fn refund_never_heard_back(db: &TestDb, amount: Option<i64>) -> (String, i64, String) {
    let (variant, shipping) = shelf(db);
    let b = buyer(db, APPROVED);
    add_to_cart(&mut db.conn(), b.id, variant, 1);
    let Ok(Outcome::Confirmed { number }) =
        saga(db).submit(&order_request(b.id, b.address, shipping, b.card))
    else {
        panic!("an approved card pays");
    };
    let (payment_id, order_id, reference, paid): (i64, i64, Option<String>, i64) = payments::table
        .inner_join(orders::table)
        .filter(orders::number.eq(&number))
        .select((
            payments::id,
            orders::id,
            payments::gateway_reference,
            payments::amount,
        ))
        .first(&mut db.conn())
        .expect("payment");
    let reference = reference.expect("captured");
    let amount = shopwave::money::Money::from_minor(amount.unwrap_or(paid));
    let refund_id = shopwave::payments::record_refund(
        &mut db.conn(),
        &shopwave::payments::RefundRequest {
            payment_id,
            order_id,
            reference: &reference,
            amount,
            reason: "goodwill",
            created_by: None,
            order_item_id: None,
            return_id: None,
        },
    )
    .expect("reserved");
    let shopwave::payments::RefundAnswer::Refunded { reference: made } =
        db.gateway()
            .refund(&reference, amount, &format!("refund_{refund_id}"))
    else {
        panic!("the processor refunds");
    };
    (number, refund_id, made)
}

fn refund_event(id: &str, refund_id: i64, made: &str) -> Value {
    event(
        id,
        "refund.created",
        json!({
            "id": made, "status": "succeeded", "metadata": { "shop_key": format!("refund_{refund_id}") },
        }),
    )
}

on_both_backends! {
    async fn a_refund_event_settles_a_refund_its_node_never_heard_back_about(db: TestDb) {
        let (number, refund_id, made) = refund_never_heard_back(&db, Some(300));
        let app = TestApp::new(db).await;
        deliver_signed(&app, &refund_event("evt_refund", refund_id, &made)).await.assert_status(200);
        let conn = &mut app.conn();
        let row: (String, Option<String>) = refunds::table
            .find(refund_id)
            .select((refunds::status, refunds::gateway_reference))
            .first(conn)
            .expect("refund");
        assert_eq!(row, ("succeeded".to_owned(), Some(made)));
        assert_eq!(order_status(conn, &number), "confirmed", "a part refunded order stays open");
        crate::common::assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn a_full_refund_settled_late_closes_the_order_as_an_answered_one_does(db: TestDb) {
        let by_webhook = refund_never_heard_back(&db, None);
        let by_sweeper = refund_never_heard_back(&db, None);
        let app = TestApp::new(db).await;
        deliver_signed(&app, &refund_event("evt_full", by_webhook.1, &by_webhook.2)).await.assert_status(200);
        let later = shopwave::util::now() + chrono::Duration::minutes(2);
        assert_eq!(saga(&app.db).resume_refunds(later).expect("sweep"), (1, 0));
        let conn = &mut app.conn();
        for (number, _, _) in [&by_webhook, &by_sweeper] {
            assert_eq!(order_status(conn, number), "refunded", "{number}");
            let payment: String = payments::table
                .inner_join(orders::table)
                .filter(orders::number.eq(number))
                .select(payments::status)
                .first(conn)
                .expect("payment");
            assert_eq!(payment, "voided");
            let closed: i64 = order_status_history::table
                .inner_join(orders::table)
                .filter(orders::number.eq(number))
                .filter(order_status_history::to_status.eq("refunded"))
                .count()
                .get_result(conn)
                .expect("history");
            assert_eq!(closed, 1, "one step to refunded, with its reason");
        }
        crate::common::assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn without_a_secret_the_endpoint_is_closed(db: TestDb) {
        let mut state = db.app_state(false);
        state.webhook_secret = None;
        let app = TestApp::from_state(db, state, |_| {}).await;
        let any = event("evt_x", "payment_intent.succeeded", json!({}));
        deliver_signed(&app, &any).await.assert_status(404);
    }
}
