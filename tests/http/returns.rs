//! Returns: a shopper sends delivered units back within 30 days, the seller accepts or refuses,
//! and receiving them refunds exactly the units' share of the line and, when asked, restocks
//! them through the ledger. Every refusal changes nothing; another shopper's line or another
//! seller's return is "not found".

use diesel::prelude::*;

use crate::common::commerce::{saga, stock_of};
use crate::common::returns::*;
use crate::common::{TestApp, assert_checks_clean};
use crate::on_both_backends;
use shopwave::audit::Actor;
use shopwave::db::schema::{inventory_movements, mail_outbox, payments, refunds, returns};
use shopwave::money::Money;
use shopwave::returns::ReturnRequest;

fn form(item_id: i64, quantity: &str, reason: &str) -> Vec<(&'static str, String)> {
    vec![
        ("order_item_id", item_id.to_string()),
        ("quantity", quantity.to_owned()),
        ("reason", reason.to_owned()),
    ]
}

async fn ask(app: &TestApp, number: &str, item_id: i64, quantity: &str) -> crate::common::Page {
    let fields = form(item_id, quantity, "It does not fit");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post(&format!("/orders/{number}/returns"), &fields)
        .await
}

/// Asks for `quantity` units back as the buyer, then accepts and receives them (put back in
/// stock when `restock`) as the seller, all through the pages; returns the return's id.
async fn send_back(
    app: &TestApp,
    order: &PaidOrder,
    line: PaidLine,
    quantity: i32,
    restock: bool,
) -> i64 {
    app.clear_cookies();
    app.sign_in_as(order.buyer);
    let number = &order.number;
    ask(app, number, line.item_id, &quantity.to_string())
        .await
        .assert_redirect_to(&format!("/orders/{number}/returns"));
    let id = last_return(&mut app.conn(), line.item_id);
    app.clear_cookies();
    app.sign_in_as(line.seller.user_id);
    let page = format!("/seller/returns/{id}");
    app.post(
        &format!("{page}/decide"),
        &[("decision", "accept"), ("message", "")],
    )
    .await
    .assert_redirect_to(&page);
    let ticked: &[(&str, &str)] = if restock { &[("restock", "1")] } else { &[] };
    app.post(&format!("{page}/receive"), ticked)
        .await
        .assert_redirect_to(&page);
    id
}

on_both_backends! {
    async fn a_return_received_refunds_its_share_and_restocks(db: TestDb) {
        let app = TestApp::new(db).await;
        let s = new_seller(&mut app.conn());
        let order = paid_order(&app.db, &[Want { seller: s, price: 1000, quantity: 3 }]);
        let line = order.lines[0];
        delivered(&mut app.conn(), order.id, s, 2);

        app.sign_in_as(order.buyer);
        let order_page = format!("/orders/{}", order.number);
        assert!(!app.get(&order_page).await.body.contains("Return items"));
        {
            use shopwave::orders::{OrderStatus::*, transition};
            let conn = &mut app.conn();
            for (from, to) in [(Confirmed, Processing), (Processing, Shipped), (Shipped, Delivered)] {
                assert!(transition(conn, order.id, from, to, None, "parcel moved").expect("moved"));
            }
        }
        app.get(&order_page)
            .await
            .assert_contains(&format!("href=\"/orders/{}/returns\">Return items", order.number));
        app.get(&format!("/orders/{}/returns", order.number))
            .await
            .assert_status(200)
            .assert_contains("3 can still go back");
        let stock_before = stock_of(&mut app.conn(), line.variant_id);
        let id = send_back(&app, &order, line, 2, true).await;
        // A second click on "received" finds the return already received and refunds nothing.
        app.post(&format!("/seller/returns/{id}/receive"), &[("restock", "1")])
            .await
            .assert_status(409);
        app.get("/seller/returns").await.assert_status(200).assert_contains(&order.number);
        app.get("/seller/returns?status=received").await.assert_contains(&format!("/seller/returns/{id}"));
        app.get("/seller/returns?status=requested").await.assert_contains("No returns here");
        app.get("/seller/returns?status=lost").await.assert_status(400);

        let conn = &mut app.conn();
        let total = Money::from_minor(line_total(conn, line.item_id));
        assert_eq!(refunded(conn, order.id), [total.units_share(0, 2, 3).minor()]);
        let (refund_line, refund_return): (Option<i64>, Option<i64>) = refunds::table
            .filter(refunds::order_id.eq(order.id))
            .select((refunds::order_item_id, refunds::return_id))
            .first(conn)
            .expect("refund");
        assert_eq!((refund_line, refund_return), (Some(line.item_id), Some(id)));
        assert_eq!(stock_of(conn, line.variant_id), stock_before + 2);
        let ledger: Vec<(i32, Option<i64>)> = inventory_movements::table
            .filter(inventory_movements::variant_id.eq(line.variant_id))
            .filter(inventory_movements::reason.eq("return"))
            .select((inventory_movements::delta, inventory_movements::order_id))
            .load(conn)
            .expect("ledger");
        assert_eq!(ledger, [(2, Some(order.id))]);
        assert_eq!(line_counts(conn, line.item_id), (3, 2));
        let status: String = returns::table.find(id).select(returns::status).first(conn).expect("return");
        assert_eq!(status, "received");
        let subjects: Vec<String> = mail_outbox::table
            .filter(mail_outbox::subject.like("%return%").or(mail_outbox::subject.like("%refund%")))
            .order(mail_outbox::id.asc())
            .select(mail_outbox::subject)
            .load(conn)
            .expect("mail");
        assert_eq!(subjects.len(), 2, "{subjects:?}");
        assert!(subjects[0].ends_with("return accepted") && subjects[1].ends_with("refund issued"));
        assert_checks_clean(conn);

        // The last unit is the only one left; the page says so.
        app.clear_cookies();
        app.sign_in_as(order.buyer);
        app.get(&format!("/orders/{}/returns", order.number))
            .await
            .assert_contains("1 can still go back")
            .assert_contains("Received")
            .assert_contains(&format!("{} · succeeded", total.units_share(0, 2, 3)));
    }
}

on_both_backends! {
    async fn units_returned_in_steps_refund_exactly_the_line_total(db: TestDb) {
        let app = TestApp::new(db).await;
        let s = new_seller(&mut app.conn());
        let order = paid_order(&app.db, &[Want { seller: s, price: 1000, quantity: 3 }]);
        let line = order.lines[0];
        delivered(&mut app.conn(), order.id, s, 1);
        let stock_before = stock_of(&mut app.conn(), line.variant_id);
        send_back(&app, &order, line, 1, true).await;
        send_back(&app, &order, line, 2, false).await;
        let conn = &mut app.conn();
        assert_eq!(stock_of(conn, line.variant_id), stock_before + 1, "only the restocked unit");
        let total = line_total(conn, line.item_id);
        assert_ne!(total % 3, 0, "the fixture's line does not split evenly");
        let refunds = refunded(conn, order.id);
        assert_eq!(refunds.len(), 2);
        assert_eq!(refunds.iter().sum::<i64>(), total);
        let reserved: i64 = payments::table
            .filter(payments::order_id.eq(order.id))
            .select(payments::refunded_amount)
            .first(conn)
            .expect("payment");
        assert_eq!(reserved, total);
        assert_eq!(line_counts(conn, line.item_id), (3, 3));
        assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn lines_that_cannot_go_back_are_refused_and_nothing_changes(db: TestDb) {
        let app = TestApp::new(db).await;
        let (s, t) = (new_seller(&mut app.conn()), new_seller(&mut app.conn()));
        let order = paid_order(&app.db, &[
            Want { seller: s, price: 1000, quantity: 3 },
            Want { seller: t, price: 500, quantity: 1 },
        ]);
        let other = paid_order(&app.db, &[Want { seller: s, price: 700, quantity: 1 }]);
        let (line, undelivered) = (order.lines[0], order.lines[1]);
        delivered(&mut app.conn(), order.id, s, 3);
        delivered(&mut app.conn(), other.id, s, 3);
        app.sign_in_as(order.buyer);
        let n = &order.number;

        ask(&app, n, undelivered.item_id, "1").await.assert_status(409).assert_contains("not been delivered");
        ask(&app, n, line.item_id, "4").await.assert_status(422).assert_contains("at most 3");
        for bad in ["0", "-1", "1.5", "", "lots"] {
            ask(&app, n, line.item_id, bad).await.assert_status(422);
        }
        let long = "x".repeat(501);
        app.post(&format!("/orders/{n}/returns"), &[("order_item_id", &line.item_id.to_string()), ("quantity", "1"), ("reason", &long)])
            .await
            .assert_status(422);
        app.post(&format!("/orders/{n}/returns"), &[("order_item_id", "1.5"), ("quantity", "1"), ("reason", "x")])
            .await
            .assert_status(400);
        // Another shopper's order, and a line of it forged into the shopper's own order.
        ask(&app, &other.number, other.lines[0].item_id, "1").await.assert_status(404);
        ask(&app, n, other.lines[0].item_id, "1").await.assert_status(404);
        app.get(&format!("/orders/{}/returns", other.number)).await.assert_status(404);

        // Past the window.
        delivered(&mut app.conn(), order.id, s, 31);
        ask(&app, n, line.item_id, "1").await.assert_status(409).assert_contains("return window");

        let conn = &mut app.conn();
        assert_eq!(count_returns(conn), 0);
        for l in [line, undelivered, other.lines[0]] {
            assert_eq!(line_counts(conn, l.item_id).1, 0);
        }
        assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn a_seller_sees_and_decides_only_their_own_returns(db: TestDb) {
        let app = TestApp::new(db).await;
        let (s, t) = (new_seller(&mut app.conn()), new_seller(&mut app.conn()));
        let order = paid_order(&app.db, &[Want { seller: s, price: 1000, quantity: 2 }]);
        let line = order.lines[0];
        delivered(&mut app.conn(), order.id, s, 1);
        app.sign_in_as(order.buyer);
        ask(&app, &order.number, line.item_id, "2").await.assert_status(303);
        let id = last_return(&mut app.conn(), line.item_id);
        assert_eq!(line_counts(&mut app.conn(), line.item_id), (2, 2));

        app.clear_cookies();
        app.sign_in_as(t.user_id);
        let page = format!("/seller/returns/{id}");
        app.get(&page).await.assert_status(404);
        app.post(&format!("{page}/decide"), &[("decision", "refuse"), ("message", "no")]).await.assert_status(404);
        app.post(&format!("{page}/receive"), &[("restock", "1")]).await.assert_status(404);
        let list = app.get("/seller/returns").await;
        list.assert_status(200);
        assert!(!list.body.contains(&order.number));

        // The line's own seller: refusing needs a message, then gives the units back.
        app.clear_cookies();
        app.sign_in_as(s.user_id);
        app.get(&page).await.assert_status(200).assert_contains("It does not fit");
        app.post(&format!("{page}/decide"), &[("decision", "refuse"), ("message", " ")]).await.assert_status(422);
        app.post(&format!("{page}/receive"), &[("restock", "1")]).await.assert_status(409);
        assert_eq!(line_counts(&mut app.conn(), line.item_id), (2, 2));
        app.post(&format!("{page}/decide"), &[("decision", "refuse"), ("message", "Worn and washed")])
            .await
            .assert_redirect_to(&page);
        app.post(&format!("{page}/decide"), &[("decision", "accept"), ("message", "")]).await.assert_status(409);

        let conn = &mut app.conn();
        assert_eq!(line_counts(conn, line.item_id), (2, 0));
        let body: String = mail_outbox::table
            .filter(mail_outbox::subject.like("%return refused"))
            .select(mail_outbox::body)
            .first(conn)
            .expect("the shopper is told");
        assert!(body.contains("Worn and washed"), "{body}");
        let returns_page = format!("/orders/{}/returns", order.number);
        assert_eq!(app.db.mailed_link(&app.db.email_of(order.buyer)), returns_page, "the mail links to the returns page");
        assert!(refunded(conn, order.id).is_empty());
        assert_checks_clean(conn);

        app.clear_cookies();
        app.sign_in_as(order.buyer);
        app.get(&format!("/orders/{}/returns", order.number))
            .await
            .assert_contains("Worn and washed")
            .assert_contains("2 can still go back");
    }
}

on_both_backends! {
    async fn requests_at_once_never_return_more_than_was_bought(db: TestDb) {
        let s = new_seller(&mut db.conn());
        let order = paid_order(&db, &[Want { seller: s, price: 1000, quantity: 3 }]);
        let line = order.lines[0];
        delivered(&mut db.conn(), order.id, s, 1);
        let accepted = std::thread::scope(|scope| {
            let asks: Vec<_> = (0..6)
                .map(|_| {
                    let (pool, number) = (db.pool.clone(), &order.number);
                    scope.spawn(move || {
                        let wanted = ReturnRequest::parse(line.item_id, "1", "at once").expect("valid");
                        shopwave::returns::request(
                            &mut pool.get().expect("connection"),
                            &Actor::offline(order.buyer),
                            number,
                            &wanted,
                        )
                    })
                })
                .collect();
            asks.into_iter()
                .map(|a| a.join().expect("thread"))
                .filter(|r| match r {
                    Ok(_) => true,
                    Err(shopwave::error::Error::Conflict(_)) => false,
                    Err(other) => panic!("{other:?}"),
                })
                .count()
        });
        let conn = &mut db.conn();
        assert_eq!(accepted, 3);
        assert_eq!(line_counts(conn, line.item_id), (3, 3));
        assert_eq!(count_returns(conn), 3);
    }
}

on_both_backends! {
    async fn a_refund_left_pending_is_settled_once_with_its_own_key(db: TestDb) {
        let s = new_seller(&mut db.conn());
        let order = paid_order(&db, &[Want { seller: s, price: 1000, quantity: 1 }]);
        let conn = &mut db.conn();
        let (payment_id, reference): (i64, Option<String>) = payments::table
            .filter(payments::order_id.eq(order.id))
            .select((payments::id, payments::gateway_reference))
            .first(conn)
            .expect("payment");
        let reference = reference.expect("captured");
        let request = |amount| shopwave::payments::RefundRequest {
            payment_id,
            order_id: order.id,
            reference: &reference,
            amount: Money::from_minor(amount),
            reason: "left behind by a crash",
            created_by: None,
            order_item_id: None,
            return_id: None,
        };
        // One crash before the gateway was asked, one after it answered.
        let before = shopwave::payments::record_refund(conn, &request(300)).expect("reserved");
        let after = shopwave::payments::record_refund(conn, &request(200)).expect("reserved");
        let gateway = db.gateway();
        let shopwave::payments::RefundAnswer::Refunded { reference: first } =
            gateway.refund(&reference, Money::from_minor(200), &format!("refund_{after}"))
        else {
            panic!("refunded");
        };

        let now = shopwave::util::now();
        let resume = |conn: &mut shopwave::db::DbConn, at| {
            shopwave::payments::resume_pending(conn, &gateway, at).expect("resumed")
        };
        assert_eq!(resume(conn, now - chrono::Duration::minutes(1)).len(), 0, "fresh refunds are left to their request");
        assert_eq!(resume(conn, now + chrono::Duration::minutes(1)).len(), 2);
        assert_eq!(resume(conn, now + chrono::Duration::minutes(1)).len(), 0);
        let rows: Vec<(i64, String, i64, Option<String>)> = refunds::table
            .filter(refunds::order_id.eq(order.id))
            .order(refunds::id.asc())
            .select((refunds::id, refunds::status, refunds::amount, refunds::gateway_reference))
            .load(conn)
            .expect("refunds");
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.1 == "succeeded"), "{rows:?}");
        assert_eq!(rows[0].0, before);
        assert_eq!(rows[1].3.as_deref(), Some(first.as_str()), "the gateway's first answer is kept");
        let reserved: i64 = payments::table
            .find(payment_id)
            .select(payments::refunded_amount)
            .first(conn)
            .expect("payment");
        assert_eq!(reserved, 500);
        assert_checks_clean(conn);
        // The sweeper's own entry point leaves nothing more to do.
        assert_eq!(saga(&db).resume_refunds(now + chrono::Duration::minutes(5)).expect("sweep"), (0, 0));
    }
}

on_both_backends! {
    async fn a_sellers_returns_come_twenty_a_page(db: TestDb) {
        let app = TestApp::new(db).await;
        let s = new_seller(&mut app.conn());
        let order = paid_order(&app.db, &[Want { seller: s, price: 100, quantity: 25 }]);
        let line = order.lines[0];
        delivered(&mut app.conn(), order.id, s, 1);
        let wanted = ReturnRequest::parse(line.item_id, "1", "one at a time").expect("valid");
        let ids: Vec<i64> = (0..25)
            .map(|_| {
                shopwave::returns::request(
                    &mut app.conn(),
                    &Actor::offline(order.buyer),
                    &order.number,
                    &wanted,
                )
                .expect("requested")
            })
            .collect();
        app.sign_in_as(s.user_id);
        let first = app.get("/seller/returns?status=requested").await;
        first.assert_status(200);
        let shown = |body: &str| ids.iter().filter(|id| body.contains(&format!("/seller/returns/{id}\""))).count();
        assert_eq!(shown(&first.body), 20);
        assert!(first.body.contains(&format!("/seller/returns/{}\"", ids[24])), "newest first");
        let next = format!("/seller/returns?status=requested&#38;after={}", ids[5]);
        first.assert_contains(&next);
        let second = app.get(&next.replace("&#38;", "&")).await;
        assert_eq!(shown(&second.body), 5);
        assert!(!second.body.contains("Next page"));
    }
}

on_both_backends! {
    async fn a_return_received_just_before_a_crash_is_refunded_by_the_sweeper(db: TestDb) {
        let app = TestApp::new(db).await;
        let s = new_seller(&mut app.conn());
        let order = paid_order(&app.db, &[Want { seller: s, price: 1000, quantity: 3 }]);
        let line = order.lines[0];
        delivered(&mut app.conn(), order.id, s, 1);
        send_back(&app, &order, line, 1, false).await;
        // As if the node had stopped after the receipt committed, before the refund was asked
        // for: the processor never gives this money back (it refuses the one request made), and
        // the refund's row is then forgotten, as the crash would have left it.
        crate::common::admin_orders::refuse_next_refund(&app.db);
        let second = send_back(&app, &order, line, 2, false).await;
        let conn = &mut app.conn();
        let total = line_total(conn, line.item_id);
        let failed: String = refunds::table
            .filter(refunds::return_id.eq(second))
            .select(refunds::status)
            .first(conn)
            .expect("the second return's refund");
        assert_eq!(failed, "failed");
        diesel::delete(refunds::table.filter(refunds::return_id.eq(second))).execute(conn).expect("forget the refund");
        let later = shopwave::util::now() + chrono::Duration::minutes(5);
        assert_eq!(saga(&app.db).resume_refunds(later).expect("sweep"), (0, 1));
        assert_eq!(saga(&app.db).resume_refunds(later).expect("sweep"), (0, 0), "once");
        let conn = &mut app.conn();
        assert_eq!(refunded(conn, order.id).iter().sum::<i64>(), total, "the line's total, to the cent");
        assert_checks_clean(conn);
    }
}
