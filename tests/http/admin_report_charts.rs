//! The admin sales report with charts, and the seller's monthly revenue: the tables hold the
//! numbers of the orders the fixture made (paid orders only), weeks and months bucket across a
//! month boundary, an empty range says so instead of drawing, bad input is a 422 with its
//! message, each chart is one well-formed SVG with a bar per row, and only admins see the
//! report while a seller sees only their own revenue.

use chrono::{Datelike, Months};

use crate::admin_reviews::admin_app;
use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
use crate::common::report_charts::{assert_well_formed, report_shop, svgs};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;

fn row(label: &str, cells: &[&str]) -> String {
    let cells: String = cells
        .iter()
        .map(|cell| format!(r#"<td class="num">{cell}</td>"#))
        .collect();
    format!(r#"<tr><th scope="row">{label}</th>{cells}</tr>"#)
}

fn bars(svg: &str) -> usize {
    svg.matches(r#"class="bar""#).count()
}

on_both_backends! {
    async fn days_weeks_and_months_count_paid_orders_across_the_month_boundary(db: TestDb) {
        let shop = report_shop(&mut db.conn());
        let (app, _) = admin_app(db).await;

        let page = app.get("/admin/reports?from=2026-01-30&to=2026-02-03&granularity=day").await;
        page.assert_status(200)
            .assert_contains(&row("2026-01-30", &["1", "1", "$110.00"]))
            .assert_contains(&row("2026-01-31", &["1", "2", "$100.00"]))
            .assert_contains(&row("2026-02-01", &["1", "4", "$130.00"]))
            .assert_contains(&row("2026-02-02", &["0", "0", "$0.00"]))
            .assert_contains(&row("2026-02-03", &["1", "1", "$50.00"]));
        let charts = svgs(&page.body);
        assert_eq!(charts.len(), 4, "over time, by category, top products, top sellers");
        for svg in &charts {
            assert_well_formed(svg);
            assert!(svg.contains(r#"role="img""#) && svg.contains("<title id="), "{svg}");
        }
        assert_eq!(bars(charts[0]), 5, "a column per day, the empty one too");

        let page = app.get("/admin/reports?from=2026-01-26&to=2026-02-08&granularity=week").await;
        page.assert_status(200)
            .assert_contains(&row("Week of 2026-01-26", &["3", "7", "$340.00"]))
            .assert_contains(&row("Week of 2026-02-02", &["1", "1", "$50.00"]))
            // By category, top products and top sellers over the same range.
            .assert_contains(&row("Electronics", &["2", "$210.00"]))
            .assert_contains(&row("Home", &["6", "$180.00"]))
            .assert_contains(&row("Phone", &["2", "$210.00"]))
            .assert_contains(&row("Sofa", &["3", "$150.00"]))
            // Askama escapes the table's copy, the chart renderer its own.
            .assert_contains(&row("Lamp &#60;Deluxe&#62;", &["3", "$30.00"]))
            .assert_contains(&row(&shop.seller_a_name, &["5", "$240.00"]));
        assert!(!page.body.contains("Lamp <Deluxe>"), "names are escaped in tables and charts");
        let charts = svgs(&page.body);
        assert_eq!(charts.iter().map(|svg| bars(svg)).collect::<Vec<_>>(), vec![2, 2, 3, 2]);
        for svg in &charts {
            assert_well_formed(svg);
        }
        // Highest first: the phone's bar comes before the sofa's, the sofa's before the lamp's.
        let products = charts[2];
        let (phone, sofa, lamp) = (products.find(">Phone<").unwrap(), products.find(">Sofa<").unwrap(),
                                   products.find("Lamp &lt;Deluxe&gt;").unwrap());
        assert!(phone < sofa && sofa < lamp);

        app.get("/admin/reports?from=2026-01-01&to=2026-02-28&granularity=month").await
            .assert_status(200)
            .assert_contains(&row("2026-01", &["2", "3", "$210.00"]))
            .assert_contains(&row("2026-02", &["2", "5", "$180.00"]))
            .assert_contains(r#"<option value="month" selected>"#);
        let _ = (shop.seller_b, shop.seller_b_user, shop.customer);
    }
}

on_both_backends! {
    async fn an_empty_range_says_so_instead_of_drawing(db: TestDb) {
        report_shop(&mut db.conn());
        let (app, _) = admin_app(db).await;
        let page = app.get("/admin/reports?from=2026-03-01&to=2026-03-31&granularity=week").await;
        page.assert_status(200).assert_contains("No sales in this period.").assert_contains("No sales in this range");
        assert!(svgs(&page.body).is_empty(), "no chart without sales");
        assert!(page.body.contains(&row("Week of 2026-03-30", &["0", "0", "$0.00"])));
        // The page as first opened: the last 30 days, day by day.
        app.get("/admin/reports").await.assert_status(200).assert_contains(r#"<option value="day" selected>"#);
    }
}

on_both_backends! {
    async fn a_bad_range_or_granularity_is_a_422_with_its_message(db: TestDb) {
        let (app, _) = admin_app(db).await;
        app.get("/admin/reports?from=2026-01-01&to=2026-01-31&granularity=hour").await
            .assert_status(422).assert_contains("Please choose day, week or month.")
            .assert_contains(r#"aria-describedby="granularity-error""#);
        app.get("/admin/reports?from=2025-01-01&to=2026-02-05&granularity=day").await
            .assert_status(422).assert_contains("Day by day covers at most 400 days");
        app.get("/admin/reports?from=2025-01-01&to=2026-02-05&granularity=month").await.assert_status(200);
        app.get("/admin/reports?from=2026-02-01&to=2026-01-01&granularity=week").await
            .assert_status(422).assert_contains("The end date must not be before the start date.");
        app.get("/admin/reports?from=2019-01-01&to=2026-01-01&granularity=month").await
            .assert_status(422).assert_contains("please shorten the range");
        app.get("/admin/reports?from=someday&to=2026-01-01").await
            .assert_status(422).assert_contains("Please enter the start date as YYYY-MM-DD.");
    }
}

on_both_backends! {
    async fn only_admins_see_the_report(db: TestDb) {
        let shop = report_shop(&mut db.conn());
        let app = TestApp::new(db).await;
        let anonymous = app.get("/admin/reports").await;
        assert_eq!(anonymous.status, 303);
        for user in [shop.customer, shop.seller_a_user] {
            app.sign_in_as(user);
            let page = app.get("/admin/reports?from=2026-01-26&to=2026-02-08&granularity=week").await;
            assert!([403, 404].contains(&page.status.as_u16()), "{}", page.status);
            assert!(!page.body.contains("$340.00"));
        }
    }
}

on_both_backends! {
    async fn a_seller_sees_their_own_revenue_month_by_month(db: TestDb) {
        let mut conn = db.conn();
        let category = builders::category(&mut conn, "Things");
        let (seller_a, seller_b) = (builders::seller(&mut conn), builders::seller(&mut conn));
        let (mine, mine_v) = ProductBuilder::new("Mine").insert(&mut conn, seller_a, category);
        let (theirs, theirs_v) = ProductBuilder::new("Theirs").insert(&mut conn, seller_b, category);
        let customer = UserBuilder::customer().insert(&mut conn);
        let line = |product_id, variant_id, seller_id, quantity, tax| Line {
            product_id, variant_id, seller_id, unit_price: 10_000, quantity, tax,
        };
        let this_month = shopwave::util::now().date().with_day(1).unwrap();
        let at = |day: chrono::NaiveDate| day.and_hms_opt(0, 0, 5).unwrap();
        // This month: A sells one at $100 (+ $10 tax, not revenue); B sells two.
        builders::order(&mut conn, customer, "confirmed", at(this_month), &[line(mine, mine_v, seller_a, 1, 1_000), line(theirs, theirs_v, seller_b, 2, 0)]);
        // Thirteen months back: outside the twelve shown. A failed payment: never counted.
        builders::order(&mut conn, customer, "delivered", at(this_month - Months::new(12)), &[line(mine, mine_v, seller_a, 7, 0)]);
        builders::order(&mut conn, customer, "payment_failed", at(this_month), &[line(mine, mine_v, seller_a, 9, 0)]);
        let user_of = |conn: &mut shopwave::db::DbConn, seller: i64| -> i64 {
            use diesel::prelude::*;
            use shopwave::db::schema::sellers;
            sellers::table.find(seller).select(sellers::user_id).first(conn).unwrap()
        };
        let (user_a, user_b) = (user_of(&mut conn, seller_a), user_of(&mut conn, seller_b));
        drop(conn);
        let app = TestApp::new(db).await;
        let label = this_month.format("%Y-%m").to_string();
        let zero = row_tail(&["0", "$0.00", "$0.00", "$0.00"]);

        app.sign_in_as(user_a);
        let page = app.get("/seller").await;
        page.assert_status(200)
            // Gross $100.00, 15 % commission $15.00, net $85.00.
            .assert_contains(&row(&label, &["1", "$100.00", "$15.00", "$85.00"]));
        let monthly = section(&page.body, "monthly");
        assert_eq!(monthly.matches(&zero).count(), 11, "the other eleven months are empty:\n{monthly}");
        let charts = svgs(monthly);
        assert_eq!(charts.len(), 1);
        assert_well_formed(charts[0]);
        assert_eq!(bars(charts[0]), 12);

        app.sign_in_as(user_b);
        let page = app.get("/seller").await;
        page.assert_status(200).assert_contains(&row(&label, &["1", "$200.00", "$30.00", "$170.00"]));
        assert!(!section(&page.body, "monthly").contains("$100.00"), "A's sales are not B's");

        app.sign_in_as(customer);
        let page = app.get("/seller").await;
        assert!([403, 404].contains(&page.status.as_u16()), "{}", page.status);
    }
}

/// The cells of a table row after its heading.
fn row_tail(cells: &[&str]) -> String {
    let full = row("", cells);
    full[full.find("</th>").unwrap()..].to_owned()
}

/// The `<section>` whose heading has the id `id`.
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!(r#"aria-labelledby="{id}""#))
        .expect("the section");
    let end = body[start..].find("</section>").unwrap() + start;
    &body[start..end]
}
