//! Seller payouts: one statement per seller and month, summing to the cent, commission on the
//! amount before tax, refunds taken off, lines paid only after their return window, runs that
//! can be repeated, statements marked paid once, and each seller seeing only their own.

use chrono::Duration;
use diesel::prelude::*;

use crate::admin_reviews::admin_app;
use crate::common::builders::UserBuilder;
use crate::common::payouts::*;
use crate::on_both_backends;
use shopwave::db::schema::{audit_log, payout_lines, seller_payouts};
use shopwave::payouts::{self, Period};

fn lines_on(conn: &mut shopwave::db::DbConn, payout_id: i64) -> Vec<(i64, i64, i64, i64)> {
    payout_lines::table
        .filter(payout_lines::payout_id.eq(payout_id))
        .order(payout_lines::order_item_id)
        .select((
            payout_lines::order_item_id.assume_not_null(),
            payout_lines::sales,
            payout_lines::refunded,
            payout_lines::commission,
        ))
        .load(conn)
        .unwrap()
}

on_both_backends! {
    async fn two_sellers_statements_add_up_to_the_cent_before_tax_less_refunds_and_run_once(db: TestDb) {
        let conn = &mut db.conn();
        let shop = shop(conn);
        let (a, mug) = seller_selling(conn, 1500, "Mug", 3333);
        let (b, pen) = seller_selling(conn, 1250, "Pen", 1999);
        let (first, _) = paid_order(&db, &shop, &[(mug, 1), (pen, 3)]);
        let (second, _) = paid_order(&db, &shop, &[(mug, 1)]);
        let (_, period) = closed_months();
        let at = period.end() - Duration::days(45);
        for (order, seller) in [(first, a), (first, b), (second, a)] {
            delivered(conn, order, seller, at);
        }
        // Tax 8.25 %: the mug line is 3333 + 275 = 3608, the pens 5997 + 495 (494.75) = 6492.
        let (mug1, _, mug_tax, mug_total) = line_of(conn, first, a);
        let (pens, pens_sales, pens_tax, _) = line_of(conn, first, b);
        let (mug2, _, _, _) = line_of(conn, second, a);
        assert_eq!((mug_tax, mug_total, pens_sales, pens_tax), (275, 3608, 5997, 495));
        // Half the second mug's paid share back: its before-tax part is 3333 × 1804 / 3608 =
        // 1666.5, rounded down to 1666.
        refund_line(&db, second, mug2, 1804);
        let (app, admin) = admin_app(db).await;
        app.post("/admin/payouts", &[("period", &period.to_string())]).await.assert_redirect_to("/admin/payouts");
        app.get("/admin/payouts").await.assert_contains("2 statement(s) created");
        let conn = &mut app.conn();
        // Mug seller, 15 %: 3333 → commission 499.95 → 500 (on 3608 with tax it would be 541);
        // 3333 − 1666 = 1667 → 250.05 → 250. Gross 5000, commission 750, net 4250.
        // Pen seller, 12.5 %: 5997 → 749.625 → 750 (on 6492 it would be 812). Net 5247.
        assert_eq!(
            statements(conn, period),
            vec![(a, 5000, 750, 4250, "pending".to_owned()), (b, 5997, 750, 5247, "pending".to_owned())]
        );
        let (mine, theirs) = (statement_id(conn, a, period), statement_id(conn, b, period));
        let mut expected_a = vec![(mug1, 3333, 0, 500), (mug2, 3333, 1666, 250)];
        expected_a.sort();
        assert_eq!(lines_on(conn, mine), expected_a);
        assert_eq!(lines_on(conn, theirs), vec![(pens, 5997, 0, 750)]);
        let created: Vec<(Option<i64>, Option<i64>)> = audit_log::table
            .filter(audit_log::action.eq("payout.created"))
            .order(audit_log::id)
            .select((audit_log::actor_id, audit_log::entity_id))
            .load(conn)
            .unwrap();
        assert_eq!(created, vec![(Some(admin), Some(mine)), (Some(admin), Some(theirs))]);

        // Again, through the page and the service: nothing new.
        app.post("/admin/payouts", &[("period", &period.to_string())]).await.assert_redirect_to("/admin/payouts");
        app.get("/admin/payouts").await.assert_contains("Nothing to pay for");
        let again = payouts::generate(conn, period, None).unwrap();
        assert!(again.statements.is_empty());
        assert_eq!(statements(conn, period).len(), 2);
        let lines: i64 = payout_lines::table.count().get_result(conn).unwrap();
        assert_eq!(lines, 3);
        crate::common::assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn a_line_inside_its_return_window_or_with_an_open_return_is_paid_in_a_later_month(db: TestDb) {
        let conn = &mut db.conn();
        let shop = shop(conn);
        let (a, mug) = seller_selling(conn, 1500, "Mug", 1000);
        let (earlier, later) = closed_months();
        let (due, _) = paid_order(&db, &shop, &[(mug, 1)]);
        let (recent, _) = paid_order(&db, &shop, &[(mug, 1)]);
        let (returned, _) = paid_order(&db, &shop, &[(mug, 1)]);
        let (undelivered, _) = paid_order(&db, &shop, &[(mug, 1)]);
        delivered(conn, due, a, earlier.end() - Duration::days(45));
        // Ten days before the month ends: its 30-day window is still open then.
        delivered(conn, recent, a, earlier.end() - Duration::days(10));
        delivered(conn, returned, a, earlier.end() - Duration::days(45));
        let returned_line = line_of(conn, returned, a).0;
        let open = return_of(conn, returned_line, "requested");

        payouts::generate(conn, earlier, None).unwrap();
        let first = statement_id(conn, a, earlier);
        let due_line = line_of(conn, due, a).0;
        assert_eq!(lines_on(conn, first), vec![(due_line, 1000, 0, 150)]);

        // The seller refuses the return; both waiting lines are paid with the next month.
        diesel::update(shopwave::db::schema::returns::table.find(open))
            .set(shopwave::db::schema::returns::status.eq("refused"))
            .execute(conn)
            .unwrap();
        payouts::generate(conn, later, None).unwrap();
        let second = statement_id(conn, a, later);
        let recent_line = line_of(conn, recent, a).0;
        let mut expected = vec![(recent_line, 1000, 0, 150), (returned_line, 1000, 0, 150)];
        expected.sort();
        assert_eq!(lines_on(conn, second), expected);
        assert_eq!(statements(conn, later), vec![(a, 2000, 300, 1700, "pending".to_owned())]);
        // The parcel never delivered is on neither.
        let undelivered_line = line_of(conn, undelivered, a).0;
        let on_any: i64 = payout_lines::table
            .filter(payout_lines::order_item_id.eq(undelivered_line))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(on_any, 0);
        // A month not over yet is refused.
        let this_month = Period::containing(shopwave::util::now().date());
        let refused = payouts::generate(conn, this_month, None).unwrap_err();
        assert!(refused.to_string().contains("has not ended yet"), "{refused}");
        crate::common::assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn a_seller_sees_and_downloads_only_their_own_statements(db: TestDb) {
        let conn = &mut db.conn();
        let shop = shop(conn);
        let (a, mug) = seller_selling(conn, 1500, "Mug, \"large\"", 3333);
        let (b, pen) = seller_selling(conn, 1500, "Pen", 500);
        let (order, number) = paid_order(&db, &shop, &[(mug, 2), (pen, 1)]);
        let (_, period) = closed_months();
        delivered(conn, order, a, period.end() - Duration::days(40));
        delivered(conn, order, b, period.end() - Duration::days(40));
        payouts::generate(conn, period, None).unwrap();
        let (mine, theirs) = (statement_id(conn, a, period), statement_id(conn, b, period));
        let me = user_of_seller(conn, a);
        let shopper = UserBuilder::customer().insert(conn);
        let app = crate::common::TestApp::new(db).await;

        app.sign_in_as(shopper);
        app.get("/seller/payouts").await.assert_status(403);
        app.clear_cookies();
        app.sign_in_as(me);
        app.get("/seller").await.assert_contains("href=\"/seller/payouts\"");
        app.get("/seller/payouts").await.assert_status(200)
            .assert_contains(&format!("href=\"/seller/payouts/{mine}\">{period}</a>"));
        assert!(!app.get("/seller/payouts").await.body.contains(&format!("/seller/payouts/{theirs}")));
        // 2 × 33.33 = 66.66 before tax; 15 % = 999.9 → 10.00; net 56.66.
        app.get(&format!("/seller/payouts/{mine}")).await.assert_status(200)
            .assert_contains(&number)
            .assert_contains("Mug, &#34;large&#34;")
            .assert_contains("$66.66")
            .assert_contains("$56.66")
            .assert_contains(&format!("href=\"/seller/payouts/{mine}.csv\""));
        app.get(&format!("/seller/payouts/{theirs}")).await.assert_status(404);
        app.get(&format!("/seller/payouts/{theirs}.csv")).await.assert_status(404);
        app.get("/seller/payouts/999999").await.assert_status(404);

        let csv = app.get(&format!("/seller/payouts/{mine}.csv")).await;
        csv.assert_status(200);
        assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
        assert_eq!(
            csv.header("content-disposition"),
            Some(format!("attachment; filename=\"payout-{period}-{mine}.csv\"").as_str())
        );
        assert_eq!(
            csv.body,
            format!(
                "order,product,variant,quantity,sales_before_tax,refunded_before_tax,commission,net\r\n\
                 {number},\"Mug, \"\"large\"\"\",,2,66.66,0.00,10.00,56.66\r\n\
                 total,,,2,66.66,0.00,10.00,56.66\r\n"
            )
        );
    }
}

on_both_backends! {
    async fn an_admin_marks_a_statement_paid_once_and_no_one_else_can_run_payouts(db: TestDb) {
        let conn = &mut db.conn();
        let shop = shop(conn);
        let (a, mug) = seller_selling(conn, 1500, "Mug", 1000);
        let (order, _) = paid_order(&db, &shop, &[(mug, 1)]);
        let (_, period) = closed_months();
        delivered(conn, order, a, period.end() - Duration::days(40));
        payouts::generate(conn, period, None).unwrap();
        let id = statement_id(conn, a, period);
        let seller_user = user_of_seller(conn, a);
        let (app, admin) = admin_app(db).await;

        // A seller is not an admin: both forms answer 403 and change nothing.
        app.clear_cookies();
        app.sign_in_as(seller_user);
        app.post("/admin/payouts", &[("period", &period.previous().to_string())]).await.assert_status(403);
        app.post(&format!("/admin/payouts/{id}/paid"), &[("reference", "X")]).await.assert_status(403);
        app.get("/admin/payouts").await.assert_status(403);
        app.clear_cookies();
        app.sign_in_as(admin);
        assert_eq!(seller_payouts::table.count().get_result::<i64>(&mut app.conn()).unwrap(), 1);

        app.get("/admin").await.assert_contains("href=\"/admin/payouts\"");
        app.get("/admin/payouts").await.assert_status(200).assert_contains(&format!("/admin/payouts/{id}/paid"));
        app.post("/admin/payouts", &[("period", "2026-13")]).await.assert_status(422).assert_contains("01 to 12");
        app.post("/admin/payouts", &[("period", "soon")]).await.assert_status(422).assert_contains("YYYY-MM");
        let this_month = Period::containing(shopwave::util::now().date()).to_string();
        app.post("/admin/payouts", &[("period", &this_month)]).await.assert_status(422).assert_contains("has not ended yet");
        let paid = format!("/admin/payouts/{id}/paid");
        app.post(&paid, &[("reference", "  ")]).await.assert_status(422).assert_contains("Please enter the payment reference.");
        app.post(&paid, &[("reference", &"R".repeat(129))]).await.assert_status(422).assert_contains("at most 128 characters");
        app.post("/admin/payouts/999999/paid", &[("reference", "TRF-1")]).await.assert_status(404);
        let status: String = seller_payouts::table.find(id).select(seller_payouts::status).first(&mut app.conn()).unwrap();
        assert_eq!(status, "pending");

        app.post(&paid, &[("reference", "TRF-2026-001")]).await.assert_redirect_to("/admin/payouts");
        app.post(&paid, &[("reference", "TRF-2026-002")]).await.assert_status(409).assert_contains("already paid");
        let (status, reference, paid_at): (String, Option<String>, Option<chrono::NaiveDateTime>) = seller_payouts::table
            .find(id)
            .select((seller_payouts::status, seller_payouts::reference, seller_payouts::paid_at))
            .first(&mut app.conn())
            .unwrap();
        assert_eq!((status.as_str(), reference.as_deref(), paid_at.is_some()), ("paid", Some("TRF-2026-001"), true));
        let logged: Vec<(Option<i64>, Option<i64>)> = audit_log::table
            .filter(audit_log::action.eq("payout.paid"))
            .select((audit_log::actor_id, audit_log::entity_id))
            .load(&mut app.conn())
            .unwrap();
        assert_eq!(logged, vec![(Some(admin), Some(id))]);
        app.get("/admin/payouts").await.assert_contains("TRF-2026-001");
        app.clear_cookies();
        app.sign_in_as(seller_user);
        app.get("/seller/payouts").await.assert_contains("TRF-2026-001");
        crate::common::assert_checks_clean(&mut app.conn());
    }
}
