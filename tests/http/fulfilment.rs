//! Fulfilment through the seller pages: two sellers ship one order in two parcels, the order
//! follows, the shopper sees both tracking numbers; ownership (404), refused tracking numbers,
//! a seller's line cancel (refund of the line's share, stock back), the shopper's cancel after
//! shipment, and the packing slip.

use diesel::prelude::*;

use crate::common::builders::seller;
use crate::common::commerce::{order_status, stock_of};
use crate::common::fulfilment::*;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{audit_log, order_items, sellers};

const UPS: &str = "1Z999AA10123456784";
const FEDEX: &str = "123456789012";

async fn ship(app: &TestApp, user_id: i64, number: &str, carrier: &str, tracking: &str) -> u16 {
    app.sign_in_as(user_id);
    let page = app
        .post(
            &format!("/seller/orders/{number}/ship"),
            &[("carrier", carrier), ("tracking_number", tracking)],
        )
        .await;
    page.status.as_u16()
}

async fn seller_post(app: &TestApp, user_id: i64, path: &str) -> u16 {
    app.sign_in_as(user_id);
    app.post(path, &[]).await.status.as_u16()
}

on_both_backends! {
    async fn an_order_in_two_parcels_ships_and_arrives_when_both_do(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        let conn = &mut app.conn();
        app.sign_in_as(o.a.user_id);
        app.get("/seller/orders?tab=to_ship").await.assert_status(200).assert_contains(&o.number);

        assert_eq!(ship(&app, o.a.user_id, &o.number, "UPS", "1z999 aa1 0123456784").await, 303);
        assert_eq!(parcel(conn, o.order_id, o.a.seller_id), ("shipped".into(), Some("UPS".into()), Some(UPS.into())));
        assert_eq!(order_status(conn, &o.number), "processing", "one parcel of two shipped");
        app.get("/seller/orders?tab=shipped").await.assert_contains(&o.number);

        let pack = format!("/seller/orders/{}/pack", o.number);
        assert_eq!(seller_post(&app, o.b.user_id, &pack).await, 303);
        assert_eq!(parcel(conn, o.order_id, o.b.seller_id).0, "packed");
        assert_eq!(seller_post(&app, o.b.user_id, &pack).await, 409, "packed twice");
        assert_eq!(ship(&app, o.b.user_id, &o.number, "FedEx", FEDEX).await, 303);
        assert_eq!(order_status(conn, &o.number), "shipped", "both parcels shipped");
        assert!(mail_subjects(conn).iter().any(|s| s.ends_with(": shipped")), "{:?}", mail_subjects(conn));
        let order_page = format!("/orders/{}", o.number);
        assert_eq!(app.db.mailed_link(&app.db.email_of(o.buyer_id)), order_page, "the mail links to the order page");

        let deliver = format!("/seller/orders/{}/deliver", o.number);
        assert_eq!(seller_post(&app, o.a.user_id, &deliver).await, 303);
        assert_eq!(order_status(conn, &o.number), "shipped", "one parcel of two delivered");
        assert_eq!(seller_post(&app, o.b.user_id, &deliver).await, 303);
        assert_eq!(order_status(conn, &o.number), "delivered");
        assert!(mail_subjects(conn).iter().any(|s| s.ends_with(": delivered")));

        let audited: i64 = audit_log::table
            .filter(audit_log::action.like("shipment.%"))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(audited, 5, "pack, two ships, two deliveries");

        app.sign_in_as(o.buyer_id);
        app.get(&format!("/orders/{}", o.number))
            .await
            .assert_status(200)
            .assert_contains(UPS)
            .assert_contains(FEDEX)
            .assert_contains("Delivered");
    }
}

on_both_backends! {
    async fn another_sellers_order_and_lines_are_not_found(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        let conn = &mut app.conn();
        let outsider_seller = seller(conn);
        let outsider: i64 = sellers::table.find(outsider_seller).select(sellers::user_id).first(conn).unwrap();
        app.sign_in_as(outsider);
        app.get(&format!("/seller/orders/{}", o.number)).await.assert_status(404);
        app.get(&format!("/seller/orders/{}/packing-slip", o.number)).await.assert_status(404);
        assert_eq!(ship(&app, outsider, &o.number, "UPS", UPS).await, 404);
        let line = format!("/seller/orders/{}/lines/{}/cancel", o.number, o.a.line_id);
        assert_eq!(seller_post(&app, outsider, &line).await, 404);
        // A seller of the order with the other seller's line id, or an id that is no line.
        let forged = format!("/seller/orders/{}/lines/{}/cancel", o.number, o.b.line_id);
        assert_eq!(seller_post(&app, o.a.user_id, &forged).await, 404);
        let junk = format!("/seller/orders/{}/lines/99x/cancel", o.number);
        assert_eq!(seller_post(&app, o.a.user_id, &junk).await, 404);
        app.sign_in_as(o.a.user_id);
        let page = app.get(&format!("/seller/orders/{}", o.number)).await;
        page.assert_status(200).assert_contains("Lamp");
        assert!(!page.body.contains("Chair"), "only this seller's lines");

        assert_eq!(parcel(conn, o.order_id, o.b.seller_id).0, "pending");
        assert_eq!(order_status(conn, &o.number), "confirmed");
        let cancelled: i64 = order_items::table
            .filter(order_items::order_id.eq(o.order_id))
            .filter(order_items::cancelled_at.is_not_null())
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(cancelled, 0);
        assert!(refunds_of(conn, o.order_id).is_empty());
    }
}

on_both_backends! {
    async fn bad_tracking_numbers_are_refused_and_change_nothing(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        let conn = &mut app.conn();
        let huge = "1".repeat(10 * 1024);
        for (carrier, tracking, says) in [
            ("UPS", huge.as_str(), "far too long"),
            ("UPS", "1Z123", "does not look like a UPS tracking number"),
            ("DHL", "ABCDEFGHIJ", "does not look like a DHL"),
            ("Pigeon", "ABC-123456", "choose a carrier"),
            ("Other", "", "enter the tracking number"),
        ] {
            app.sign_in_as(o.a.user_id);
            let page = app
                .post(
                    &format!("/seller/orders/{}/ship", o.number),
                    &[("carrier", carrier), ("tracking_number", tracking)],
                )
                .await;
            page.assert_status(422).assert_contains(says);
        }
        assert_eq!(parcel(conn, o.order_id, o.a.seller_id), ("pending".into(), None, None));
        assert_eq!(order_status(conn, &o.number), "confirmed");
        let audited: i64 = audit_log::table.filter(audit_log::action.like("shipment.%")).count().get_result(conn).unwrap();
        assert_eq!(audited, 0);
    }
}

on_both_backends! {
    async fn a_seller_cancels_a_line_they_cannot_fill(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        let conn = &mut app.conn();
        let stock_before = stock_of(conn, o.a.variant_id);
        let line = format!("/seller/orders/{}/lines/{}/cancel", o.number, o.a.line_id);
        assert_eq!(seller_post(&app, o.a.user_id, &line).await, 303);
        assert_eq!(refunds_of(conn, o.order_id), [(o.a.line_total, Some(o.a.line_id))]);
        assert_eq!(stock_of(conn, o.a.variant_id), stock_before + 2);
        assert_eq!(
            ledger_of(conn, o.order_id, o.a.variant_id),
            [("sale".into(), -2), ("cancellation".into(), 2)]
        );
        assert_eq!(parcel(conn, o.order_id, o.a.seller_id).0, "cancelled");
        assert_eq!(order_status(conn, &o.number), "confirmed", "seller B still has a line");
        assert_eq!(seller_post(&app, o.a.user_id, &line).await, 409, "already cancelled");

        app.sign_in_as(o.buyer_id);
        app.get(&format!("/orders/{}", o.number))
            .await
            .assert_contains("Partially refunded")
            .assert_contains("cancelled by the seller");

        // The one parcel left ships the order on its own.
        assert_eq!(ship(&app, o.b.user_id, &o.number, "DHL", "1234567890").await, 303);
        assert_eq!(order_status(conn, &o.number), "shipped");
    }
}

on_both_backends! {
    async fn cancelling_every_line_cancels_the_order_and_refunds_it_all(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        let conn = &mut app.conn();
        let a = format!("/seller/orders/{}/lines/{}/cancel", o.number, o.a.line_id);
        let b = format!("/seller/orders/{}/lines/{}/cancel", o.number, o.b.line_id);
        assert_eq!(seller_post(&app, o.a.user_id, &a).await, 303);
        assert_eq!(seller_post(&app, o.b.user_id, &b).await, 303);
        assert_eq!(order_status(conn, &o.number), "cancelled");
        let refunded: i64 = refunds_of(conn, o.order_id).iter().map(|r| r.0).sum();
        let grand: i64 = shopwave::db::schema::orders::table
            .find(o.order_id)
            .select(shopwave::db::schema::orders::grand_total)
            .first(conn)
            .unwrap();
        assert_eq!(refunded, grand, "both lines and the shipping");
        assert_eq!(
            ledger_of(conn, o.order_id, o.b.variant_id),
            [("sale".into(), -1), ("cancellation".into(), 1)]
        );
        assert!(mail_subjects(conn).iter().any(|s| s.ends_with(": cancelled")));
        crate::common::assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn the_shopper_cannot_cancel_once_a_parcel_has_shipped(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        let conn = &mut app.conn();
        assert_eq!(ship(&app, o.a.user_id, &o.number, "USPS", "EA123456789US").await, 303);
        app.sign_in_as(o.buyer_id);
        let page = app.get(&format!("/orders/{}", o.number)).await;
        assert!(!page.body.contains("Cancel this order"));
        app.post(&format!("/orders/{}/cancel", o.number), &[])
            .await
            .assert_status(409)
            .assert_contains("already shipped");
        assert_eq!(order_status(conn, &o.number), "processing");
        assert_eq!(parcel(conn, o.order_id, o.b.seller_id).0, "pending");
        assert!(refunds_of(conn, o.order_id).is_empty());
    }
}

on_both_backends! {
    async fn a_shopper_cancel_before_shipping_cancels_the_parcels(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        let conn = &mut app.conn();
        // Seller A cannot fill their line; the shopper then cancels the rest.
        let a = format!("/seller/orders/{}/lines/{}/cancel", o.number, o.a.line_id);
        assert_eq!(seller_post(&app, o.a.user_id, &a).await, 303);
        let stock_a = stock_of(conn, o.a.variant_id);
        app.sign_in_as(o.buyer_id);
        app.post(&format!("/orders/{}/cancel", o.number), &[]).await.assert_status(303);
        assert_eq!(order_status(conn, &o.number), "cancelled");
        assert_eq!(parcel(conn, o.order_id, o.b.seller_id).0, "cancelled");
        assert_eq!(stock_of(conn, o.a.variant_id), stock_a, "a cancelled line gives its stock back once");
        let refunded: i64 = refunds_of(conn, o.order_id).iter().map(|r| r.0).sum();
        let grand: i64 = shopwave::db::schema::orders::table
            .find(o.order_id)
            .select(shopwave::db::schema::orders::grand_total)
            .first(conn)
            .unwrap();
        assert_eq!(refunded, grand);
    }
}

on_both_backends! {
    async fn the_packing_slip_prints_this_sellers_lines(db: TestDb) {
        let app = TestApp::new(db).await;
        let o = two_seller_order(&app.db);
        app.sign_in_as(o.b.user_id);
        let page = app.get(&format!("/seller/orders/{}/packing-slip", o.number)).await;
        page.assert_status(200)
            .assert_contains("Packing slip")
            .assert_contains("Chair")
            .assert_contains("media=\"print\"");
        assert!(!page.body.contains("Lamp"));
        app.get("/static/css/print.css").await.assert_status(200);
        app.get("/seller").await.assert_contains("/seller/orders");
    }
}

/// Every order's parcels agree with its status, and every shipped parcel's number is one the
/// ship form would accept.
fn assert_parcels_follow_orders(conn: &mut shopwave::db::DbConn) {
    use shopwave::db::schema::{orders, shipments};
    use shopwave::fulfilment::{ShipInput, Tracking};
    let rows: Vec<(String, String, Option<String>, Option<String>)> = orders::table
        .inner_join(shipments::table)
        .select((
            orders::status,
            shipments::status,
            shipments::carrier,
            shipments::tracking_number,
        ))
        .load(conn)
        .unwrap();
    assert!(!rows.is_empty(), "the seed made parcels");
    for (order, parcel, carrier, tracking) in rows {
        let expected = match order.as_str() {
            "confirmed" => "pending",
            "processing" => "packed",
            "shipped" => "shipped",
            "delivered" | "refunded" => "delivered",
            other => panic!("a {other} order has a parcel"),
        };
        assert_eq!(parcel, expected, "{order}");
        if matches!(expected, "shipped" | "delivered") {
            let input = ShipInput {
                carrier: carrier.unwrap_or_default(),
                tracking_number: tracking.clone().unwrap_or_default(),
            };
            let parsed = Tracking::parse(&input).expect("a valid tracking number");
            assert_eq!(Some(parsed.number), tracking);
        }
    }
    let unparcelled: i64 = orders::table
        .filter(orders::status.eq_any(["confirmed", "processing", "shipped", "delivered"]))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            shipments::table.filter(shipments::order_id.eq(orders::id)),
        )))
        .count()
        .get_result(conn)
        .unwrap();
    assert_eq!(unparcelled, 0, "every paid order has its parcels");
}

on_both_backends! {
    async fn seeded_orders_have_parcels_that_match_them(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        assert_parcels_follow_orders(&mut db.conn());
    }
}

on_both_backends! {
    async fn bulk_orders_have_parcels_that_match_them(db: TestDb) {
        // The bulk loader drops and rebuilds indexes: the owner's work, as `shopwave seed --scale` is.
        shopwave::seed::demo(&mut db.owner_conn(), Some(0.000_01)).expect("bulk seed");
        assert_parcels_follow_orders(&mut db.conn());
    }
}

on_both_backends! {
    async fn two_sellers_shipping_at_once_still_ship_the_order(db: TestDb) {
        use shopwave::audit::Actor;
        use shopwave::fulfilment::{Carrier, ParcelMove, Tracking, move_parcel};
        let o = two_seller_order(&db);
        let moves = [
            (o.a.user_id, Tracking { carrier: Carrier::Ups, number: UPS.into() }),
            (o.b.user_id, Tracking { carrier: Carrier::FedEx, number: FEDEX.into() }),
        ];
        std::thread::scope(|scope| {
            let running: Vec<_> = moves
                .iter()
                .map(|(user, tracking)| {
                    let (pool, number) = (db.pool.clone(), &o.number);
                    scope.spawn(move || {
                        let step = ParcelMove::Ship(tracking.clone());
                        move_parcel(&mut pool.get().unwrap(), &Actor::offline(*user), number, &step)
                    })
                })
                .collect();
            for run in running {
                run.join().expect("thread").expect("shipped");
            }
        });
        assert_eq!(order_status(&mut db.conn(), &o.number), "shipped");
    }
}
