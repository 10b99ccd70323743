//! The admin's orders: search and keyset pages, an order's whole story, refunds of a line or an
//! amount that never exceed what was captured (even with two admins at once), bad refunds
//! refused with nothing changed, a failed refund retried, the confirmation resent, and the
//! audit log naming who did it from where. `shopwave check` stays clean throughout.

use diesel::prelude::*;

use crate::admin_reviews::admin_app;
use crate::common::admin_orders::*;
use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb, assert_checks_clean};
use crate::on_both_backends;
use shopwave::admin::orders::{self as admin_orders, RefundInput};
use shopwave::audit::Actor;
use shopwave::db::schema::{audit_log, mail_outbox, orders, shipments};
use shopwave::error::Error;
use shopwave::money::Money;

/// A form's fields as posted.
type Fields<'a> = &'a [(&'a str, &'a str)];

fn status_of(app: &TestApp, number: &str) -> String {
    crate::common::commerce::order_status(&mut app.conn(), number)
}

on_both_backends! {
    async fn search_by_each_filter_and_keyset_pages(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Goods"));
        let (product_id, variant_id) = ProductBuilder::new("Thing").insert(&mut conn, seller, category);
        let line = || Line { product_id, variant_id, seller_id: seller, unit_price: 1000, quantity: 1, tax: 0 };
        let ada = UserBuilder::customer().email("ada@example.test").insert(&mut conn);
        let bob = UserBuilder::customer().insert(&mut conn);
        let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 3, d).unwrap().and_hms_opt(12, 0, 0).unwrap();
        // 27 of Ada's orders, one a day (two on 3 March), and three of Bob's, shipped.
        for d in 1..=26 {
            builders::order(&mut conn, ada, "confirmed", day(d), &[line()]);
        }
        builders::order(&mut conn, ada, "delivered", day(3), &[line()]);
        for d in 10..=12 {
            builders::order(&mut conn, bob, "shipped", day(d), &[line()]);
        }
        let newest: String = orders::table
            .filter(orders::user_id.eq(ada))
            .order((orders::created_at.desc(), orders::id.desc()))
            .select(orders::number)
            .first(&mut conn)
            .unwrap();
        drop(conn);
        let (app, _) = admin_app(db).await;

        let page = app.get(&format!("/admin/orders?number={newest}")).await;
        page.assert_status(200).assert_contains(&newest);
        assert_eq!(page.body.matches("href=\"/admin/orders/SW-").count(), 1);

        let by_email = app.get("/admin/orders?email=ADA%40Example.test").await;
        by_email.assert_status(200).assert_contains("ada@example.test");
        assert_eq!(by_email.body.matches("href=\"/admin/orders/SW-").count(), 25);
        let next = by_email.body.split("href=\"").find(|s| s.contains("rel=\"next\"")).unwrap();
        let next = next.split('"').next().unwrap().replace("&#38;", "&");
        assert!(next.starts_with("/admin/orders?email=ADA%40Example.test&after="), "{next}");
        let second = app.get(&next).await;
        second.assert_status(200);
        assert_eq!(second.body.matches("href=\"/admin/orders/SW-").count(), 2);
        assert!(!second.body.contains("rel=\"next\""));
        assert!(!second.body.contains(&newest), "no order appears on two pages");

        let shipped = app.get("/admin/orders?status=shipped").await;
        assert_eq!(shipped.body.matches("href=\"/admin/orders/SW-").count(), 3);
        let in_range = app.get("/admin/orders?from=2026-03-03&to=2026-03-04").await;
        assert_eq!(in_range.body.matches("href=\"/admin/orders/SW-").count(), 3);
        let combined = app.get("/admin/orders?status=delivered&from=2026-03-03&to=2026-03-03").await;
        assert_eq!(combined.body.matches("href=\"/admin/orders/SW-").count(), 1);

        app.get("/admin/orders?status=partially_refunded").await
            .assert_status(422).assert_contains("Please choose a status from the list.");
        app.get("/admin/orders?from=2026-02-30").await
            .assert_status(422).assert_contains("Please enter the start date as YYYY-MM-DD.");
        app.get("/admin/orders?from=2026-03-05&to=2026-03-01").await
            .assert_status(422).assert_contains("The end date must not be before the start date.");
        app.get("/admin").await.assert_contains("href=\"/admin/orders\"").assert_contains("href=\"/admin/audit\"");
    }
}

on_both_backends! {
    async fn refunds_of_an_amount_and_of_a_line_then_the_rest_close_the_order(db: TestDb) {
        let shop = Shop::open(&db);
        let paid = shop.paid_order(&db, &[(1000, 2), (2500, 1)]);
        let (app, admin) = admin_app(db).await;
        diesel::update(shipments::table.filter(shipments::order_id.eq(paid.order_id)))
            .set((shipments::carrier.eq("UPS"), shipments::tracking_number.eq("1Z999AA10123456784")))
            .execute(&mut app.conn())
            .unwrap();
        let url = format!("/admin/orders/{}", paid.number);
        let page = app.get(&url).await;
        page.assert_status(200)
            .assert_contains(&paid.email)
            .assert_contains("Paid")
            .assert_contains(&format!("{}", paid.captured))
            .assert_contains("1Z999AA10123456784")
            .assert_contains("Seller ");

        post_from(&app, &format!("{url}/refund"), &[("amount", "5.00"), ("reason", "Late delivery")], "203.0.113.7:4000")
            .await
            .assert_redirect_to(&url);
        let first_line = line_total(&mut app.conn(), paid.lines[0]);
        app.post(&format!("{url}/refund"), &[("line", &paid.lines[0].to_string())]).await
            .assert_redirect_to(&url);
        assert_eq!(
            all_refunds(&mut app.conn()),
            [
                (Money::from_minor(500), "succeeded".into(), None, "Late delivery".into()),
                (first_line, "succeeded".into(), Some(paid.lines[0]), format!("Refund of line {}", sku_of(&app, paid.lines[0]))),
            ]
        );
        let given = Money::from_minor(500) + first_line;
        assert_eq!(refunded_amount(&mut app.conn(), paid.payment_id), given);
        let page = app.get(&url).await;
        page.assert_contains("The refund went through.")
            .assert_contains("Partially refunded")
            .assert_contains("Late delivery")
            .assert_contains(&format!("{}", paid.captured - given));
        assert_eq!(status_of(&app, &paid.number), "confirmed", "a partly refunded order still ships");

        app.post(&format!("{url}/refund"), &[("line", &paid.lines[0].to_string())]).await
            .assert_status(409).assert_contains("has already been refunded in full");
        let rest = paid.captured - given;
        app.post(&format!("{url}/refund"), &[("amount", &rest.plain()), ("reason", "Goodwill")]).await
            .assert_redirect_to(&url);
        assert_eq!(status_of(&app, &paid.number), "refunded");
        assert_eq!(refunded_amount(&mut app.conn(), paid.payment_id), paid.captured);
        let parcels: Vec<String> = shipments::table
            .filter(shipments::order_id.eq(paid.order_id))
            .select(shipments::status)
            .load(&mut app.conn())
            .unwrap();
        assert!(!parcels.is_empty() && parcels.iter().all(|p| p == "cancelled"), "nothing ships of a refunded order: {parcels:?}");
        let mailed: Vec<String> = mail_outbox::table
            .filter(mail_outbox::to_address.eq(&paid.email))
            .select(mail_outbox::subject)
            .load(&mut app.conn())
            .unwrap();
        assert!(mailed.iter().any(|s| s.ends_with(": refunded")), "{mailed:?}");
        app.get(&url).await.assert_contains("<span class=\"badge\">Refunded</span>").assert_contains("Nothing to refund");

        let audit = app.get(&format!("/admin/audit?actor={}", app.db.email_of(admin))).await;
        audit.assert_status(200)
            .assert_contains("refund.issue")
            .assert_contains("203.0.113.7")
            .assert_contains("Late delivery")
            .assert_contains("order.status");
        let issued: i64 = audit_log::table
            .filter(audit_log::action.eq("refund.issue"))
            .filter(audit_log::actor_id.eq(admin))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        assert_eq!(issued, 3);
        app.get("/admin/audit?action=refund.issue&entity_type=refund").await
            .assert_contains("Goodwill");
        app.get("/admin/audit?entity_id=x").await
            .assert_status(422).assert_contains("An entity id is a whole number");
        assert_checks_clean(&mut app.conn());
    }
}

fn sku_of(app: &TestApp, line: i64) -> String {
    use shopwave::db::schema::order_items;
    order_items::table
        .find(line)
        .select(order_items::sku)
        .first(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn two_admins_refunding_at_once_never_exceed_the_captured_amount(db: TestDb) {
        let shop = Shop::open(&db);
        let paid = shop.paid_order(&db, &[(1999, 3)]);
        let admins: Vec<i64> = (0..2)
            .map(|_| UserBuilder::customer().role("admin").insert(&mut db.conn()))
            .collect();
        // Each asks for a little over a third: two fit, a third never does.
        let each = Money::from_minor(paid.captured.minor() / 3 + 1);
        let saga = crate::common::commerce::saga(&db);
        let outcomes: Vec<shopwave::error::Result<bool>> = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..6)
                .map(|i| {
                    let (saga, number, admin) = (&saga, &paid.number, admins[i % 2]);
                    scope.spawn(move || {
                        let input = RefundInput { line: None, amount: Some(each), reason: format!("admin {admin}") };
                        admin_orders::refund(saga, &Actor::at(admin, "198.51.100.1"), number, &input)
                            .map(|outcome| outcome.succeeded())
                    })
                })
                .collect();
            threads.into_iter().map(|t| t.join().expect("refund thread")).collect()
        });
        let refunded = outcomes.iter().filter(|o| matches!(o, Ok(true))).count();
        let refused = outcomes.iter().filter(|o| matches!(o, Err(Error::Conflict(_)))).count();
        assert_eq!((refunded, refused), (2, 4), "{outcomes:?}");
        let conn = &mut db.conn();
        let rows = all_refunds(conn);
        let total: Money = rows.iter().map(|r| r.0).sum();
        assert!(total <= paid.captured);
        assert_eq!(refunded_amount(conn, paid.payment_id), total);
        assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn bad_refunds_are_refused_with_a_clear_message_and_change_nothing(db: TestDb) {
        let shop = Shop::open(&db);
        let paid = shop.paid_order(&db, &[(1000, 1), (500, 2)]);
        let other = shop.paid_order(&db, &[(700, 1)]);
        let cancelled = shop.paid_order(&db, &[(800, 1)]);
        let (app, _) = admin_app(db).await;
        let url = format!("/admin/orders/{}/refund", paid.number);
        let too_much = (paid.captured + Money::from_minor(1)).plain();
        let forged = other.lines[0].to_string();
        let long = "x".repeat(501);
        let cases: [(Fields, u16, &str); 8] = [
            (&[("amount", "-1"), ("reason", "r")], 422, "Please enter an amount like 12.99"),
            (&[("amount", "1.005"), ("reason", "r")], 422, "at most two decimals"),
            (&[("amount", "0"), ("reason", "r")], 422, "A refund must be more than zero."),
            (&[("amount", "3")], 422, "Please enter the reason."),
            (&[("amount", "3"), ("reason", &long)], 422, "at most 500 characters"),
            (&[("amount", &too_much), ("reason", "r")], 409, "can still be refunded"),
            (&[("line", &forged)], 404, ""),
            (&[("line", "abc")], 422, "Please choose a line of this order."),
        ];
        for (fields, status, message) in cases {
            let page = app.post(&url, fields).await;
            page.assert_status(status).assert_contains(message);
            assert!(all_refunds(&mut app.conn()).is_empty(), "{fields:?} changed nothing");
            assert_eq!(refunded_amount(&mut app.conn(), paid.payment_id), Money::ZERO);
        }
        app.post(&url, &[("line", &paid.lines[1].to_string()), ("amount", "999")]).await
            .assert_status(409).assert_contains("is left to refund");

        let cancel_url = format!("/admin/orders/{}", cancelled.number);
        app.post(&format!("{cancel_url}/cancel"), &[]).await.assert_redirect_to(&cancel_url);
        assert_eq!(status_of(&app, &cancelled.number), "cancelled");
        assert_eq!(refunded_amount(&mut app.conn(), cancelled.payment_id), cancelled.captured);
        let before = all_refunds(&mut app.conn());
        app.post(&format!("{cancel_url}/refund"), &[("amount", "1"), ("reason", "again")]).await
            .assert_status(409).assert_contains("nothing to refund");
        app.post(&format!("{cancel_url}/cancel"), &[]).await.assert_status(409);
        assert_eq!(all_refunds(&mut app.conn()), before);

        diesel::update(orders::table.filter(orders::number.eq(&other.number)))
            .set(orders::status.eq("shipped"))
            .execute(&mut app.conn())
            .unwrap();
        app.post(&format!("/admin/orders/{}/cancel", other.number), &[]).await
            .assert_status(409).assert_contains("already shipped");
        app.post("/admin/orders/SW-NOPE/refund", &[("amount", "1"), ("reason", "r")]).await.assert_status(404);
        assert_eq!(all_refunds(&mut app.conn()), before);
        assert_checks_clean(&mut app.conn());
    }
}

on_both_backends! {
    async fn a_failed_refund_is_shown_and_can_be_retried_once(db: TestDb) {
        let shop = Shop::open(&db);
        let paid = shop.paid_order(&db, &[(1200, 1)]);
        refuse_next_refund(&db);
        let (app, _) = admin_app(db).await;
        let url = format!("/admin/orders/{}", paid.number);
        app.post(&format!("{url}/refund"), &[("line", &paid.lines[0].to_string())]).await
            .assert_redirect_to(&url);
        let rows = all_refunds(&mut app.conn());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].1, "failed");
        assert_eq!(refunded_amount(&mut app.conn(), paid.payment_id), Money::ZERO);
        let failed_id: i64 = shopwave::db::schema::refunds::table
            .select(shopwave::db::schema::refunds::id)
            .first(&mut app.conn())
            .unwrap();
        app.get(&url).await
            .assert_contains("refused the refund")
            .assert_contains(&format!("Retry refund {failed_id}"));

        let retry = format!("{url}/refunds/{failed_id}/retry");
        app.post(&retry, &[]).await.assert_redirect_to(&url);
        let rows = all_refunds(&mut app.conn());
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1],
            (rows[0].0, "succeeded".into(), Some(paid.lines[0]), format!("Retry of refund {failed_id}"))
        );
        assert_eq!(refunded_amount(&mut app.conn(), paid.payment_id), rows[0].0);
        let page = app.get(&url).await;
        assert!(!page.body.contains(&format!("Retry refund {failed_id}")), "retried once, the button goes");
        app.post(&retry, &[]).await.assert_status(409).assert_contains("already been retried");
        let succeeded_id = failed_id + 1;
        app.post(&format!("{url}/refunds/{succeeded_id}/retry"), &[]).await
            .assert_status(409).assert_contains("did not fail");
        let other = shop.paid_order(&app.db, &[(300, 1)]);
        app.post(&format!("/admin/orders/{}/refunds/{failed_id}/retry", other.number), &[]).await
            .assert_status(404);
        assert_eq!(all_refunds(&mut app.conn()).len(), 2);
        assert_checks_clean(&mut app.conn());
    }
}

on_both_backends! {
    async fn the_confirmation_is_sent_again_and_audited(db: TestDb) {
        let shop = Shop::open(&db);
        let paid = shop.paid_order(&db, &[(900, 1)]);
        let (app, admin) = admin_app(db).await;
        let url = format!("/admin/orders/{}", paid.number);
        post_from(&app, &format!("{url}/resend"), &[], "192.0.2.44:5000").await.assert_redirect_to(&url);
        let sent: Vec<(String, Option<chrono::NaiveDateTime>)> = mail_outbox::table
            .filter(mail_outbox::to_address.eq(&paid.email))
            .select((mail_outbox::subject, mail_outbox::sent_at))
            .load(&mut app.conn())
            .unwrap();
        assert_eq!(sent.len(), 1, "{sent:?}");
        assert_eq!(sent[0].0, format!("Your ShopWave order {}", paid.number));
        assert!(sent[0].1.is_some(), "delivered after commit");
        let page = app.get(&url).await;
        page.assert_contains("order.email").assert_contains("192.0.2.44").assert_contains(&app.db.email_of(admin));
        assert_checks_clean(&mut app.conn());
    }
}

on_both_backends! {
    async fn only_admins_see_or_touch_orders_and_the_audit_log(db: TestDb) {
        let shop = Shop::open(&db);
        let paid = shop.paid_order(&db, &[(900, 1)]);
        let seller_user: i64 = shopwave::db::schema::sellers::table
            .find(shop.seller)
            .select(shopwave::db::schema::sellers::user_id)
            .first(&mut db.conn())
            .unwrap();
        let app = TestApp::new(db).await;
        let url = format!("/admin/orders/{}", paid.number);
        let pages = ["/admin/orders", url.as_str(), "/admin/audit"];
        for page in pages {
            let wanted = page.replace('/', "%2F");
            app.get(page).await.assert_redirect_to(&format!("/account/login?next={wanted}"));
        }
        for user in [paid.buyer, seller_user] {
            app.clear_cookies();
            app.sign_in_as(user);
            for page in pages {
                app.get(page).await.assert_status(403);
            }
            for action in ["refund", "cancel", "resend"] {
                app.post(&format!("{url}/{action}"), &[("amount", "1"), ("reason", "r")]).await.assert_status(403);
            }
        }
        assert!(all_refunds(&mut app.conn()).is_empty());
        assert_eq!(status_of(&app, &paid.number), "confirmed");
    }
}

on_both_backends! {
    async fn the_audit_log_pages_newest_first_and_filters_by_day(db: TestDb) {
        let (app, admin) = admin_app(db).await;
        let mut conn = app.conn();
        for i in 1..=55 {
            shopwave::db::write_tx(&mut conn, |c| {
                shopwave::audit::record(
                    c,
                    &Actor::at(admin, "198.51.100.9"),
                    "test.entry",
                    shopwave::audit::Entity { kind: "order", id: i },
                    &format!("entry number {i}"),
                )
            })
            .unwrap();
        }
        drop(conn);
        let first = app.get("/admin/audit?action=test.entry").await;
        first.assert_status(200).assert_contains("entry number 55").assert_contains("198.51.100.9");
        assert_eq!(first.body.matches("entry number ").count(), 50);
        assert!(!first.body.contains("entry number 5<"));
        let next = first.body.split("href=\"").find(|s| s.contains("rel=\"next\"")).unwrap();
        let next = next.split('"').next().unwrap().replace("&#38;", "&");
        let second = app.get(&next).await;
        second.assert_status(200).assert_contains("entry number 5<").assert_contains("entry number 1<");
        assert_eq!(second.body.matches("entry number ").count(), 5);
        assert!(!second.body.contains("rel=\"next\""));
        app.get("/admin/audit?action=test.entry&entity_type=order&entity_id=7").await
            .assert_contains("entry number 7<");
        let today = shopwave::util::now().date();
        let tomorrow = today + chrono::Duration::days(1);
        let none = app.get(&format!("/admin/audit?action=test.entry&from={tomorrow}")).await;
        none.assert_status(200).assert_contains("No entries match this filter.");
        let all = app.get(&format!("/admin/audit?action=test.entry&from={today}&to={today}")).await;
        assert_eq!(all.body.matches("entry number ").count(), 50);
        app.get("/admin/audit?actor=nobody%40example.test").await.assert_contains("No entries match this filter.");
        app.get(&format!("/admin/audit?from={tomorrow}&to={today}")).await
            .assert_status(422).assert_contains("The end date must not be before the start date.");
    }
}
