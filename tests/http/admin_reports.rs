//! The sales report by top-level category: sums match hand-computed totals, only paid orders
//! inside the date range count, and bad dates are a form error.

use diesel::prelude::*;

use crate::admin_reviews::admin_app;
use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::admin::reports::{self, DateRange};
use shopwave::db::schema::categories;
use shopwave::money::Money;

fn at(date: &str, time: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M:%S").unwrap()
}

on_both_backends! {
    async fn revenue_and_units_roll_up_to_top_level_categories(db: TestDb) {
        let mut conn = db.conn();
        let electronics = builders::category(&mut conn, "Electronics");
        let home = builders::category(&mut conn, "Home");
        let phones: i64 = diesel::insert_into(categories::table)
            .values((categories::parent_id.eq(electronics), categories::name.eq("Phones"),
                     categories::slug.eq("phones-report"), categories::path.eq(format!("/{electronics}/tmp/")),
                     categories::depth.eq(1)))
            .returning(categories::id).get_result(&mut conn).unwrap();
        diesel::update(categories::table.find(phones)).set(categories::path.eq(format!("/{electronics}/{phones}/")))
            .execute(&mut conn).unwrap();
        let seller = builders::seller(&mut conn);
        let (phone, phone_v) = ProductBuilder::new("Phone").insert(&mut conn, seller, phones);
        let (radio, radio_v) = ProductBuilder::new("Radio").insert(&mut conn, seller, electronics);
        let (sofa, sofa_v) = ProductBuilder::new("Sofa").insert(&mut conn, seller, home);
        let line = |product_id, variant_id, unit_price, quantity, tax| Line { product_id, variant_id, seller_id: seller, unit_price, quantity, tax };
        let shopper = UserBuilder::customer().insert(&mut conn);
        // Inside 2026-03-01..2026-03-31, paid: counted.
        builders::order(&mut conn, shopper, "confirmed", at("2026-03-01", "00:00:00"),
            &[line(phone, phone_v, 50_000, 2, 8_250), line(sofa, sofa_v, 120_000, 1, 0)]);
        builders::order(&mut conn, shopper, "delivered", at("2026-03-31", "23:59:59"), &[line(radio, radio_v, 2_550, 3, 0)]);
        builders::order(&mut conn, shopper, "shipped", at("2026-03-15", "12:00:00"), &[line(phone, phone_v, 49_999, 1, 0)]);
        // Not counted: unpaid or cancelled statuses, or outside the range by a second.
        builders::order(&mut conn, shopper, "cancelled", at("2026-03-10", "10:00:00"), &[line(sofa, sofa_v, 99_999, 1, 0)]);
        builders::order(&mut conn, shopper, "pending_payment", at("2026-03-10", "10:00:00"), &[line(sofa, sofa_v, 77_777, 1, 0)]);
        builders::order(&mut conn, shopper, "refunded", at("2026-03-10", "10:00:00"), &[line(radio, radio_v, 11_111, 1, 0)]);
        builders::order(&mut conn, shopper, "delivered", at("2026-02-28", "23:59:59"), &[line(radio, radio_v, 33_333, 1, 0)]);
        builders::order(&mut conn, shopper, "delivered", at("2026-04-01", "00:00:00"), &[line(sofa, sofa_v, 44_444, 1, 0)]);

        let range = DateRange::parse("2026-03-01", "2026-03-31").unwrap();
        let report = reports::sales_by_category(&mut conn, range).unwrap();
        drop(conn);
        // Electronics: phones 2 × 500.00 + 82.50 tax + 1 × 499.99, radio 3 × 25.50 → 1,658.99, 6 units.
        // Home: the sofa, 1,200.00, 1 unit.
        let rows: Vec<(i64, Money, i64)> = report.rows.iter().map(|r| (r.category_id, r.revenue, r.units)).collect();
        assert_eq!(rows, vec![(electronics, Money::from_minor(165_899), 6), (home, Money::from_minor(120_000), 1)]);
        assert_eq!((report.total_revenue, report.total_units), (Money::from_minor(285_899), 7));

        let (app, _) = admin_app(db).await;
        let page = app.get("/admin/reports?from=2026-03-01&to=2026-03-31").await;
        page.assert_status(200).assert_contains("Electronics").assert_contains("$1,658.99")
            .assert_contains("$1,200.00").assert_contains("$2,858.99");
        assert!(!page.body.contains("Phones"), "sub-categories roll up into their top level");
        app.get("/admin/reports?from=2026-04-02&to=2026-04-30").await.assert_status(200).assert_contains("No sales in this range");
        app.get("/admin/reports").await.assert_status(200);
    }
}

on_both_backends! {
    async fn bad_dates_are_a_form_error(db: TestDb) {
        let (app, _) = admin_app(db).await;
        for query in ["from=2026-03-31&to=2026-03-01", "from=yesterday&to=2026-03-01", "from=2026-02-30&to=2026-03-01",
                      "from=2026-03-01", "from=2020-01-01&to=2026-01-01", "from=0001-01-01&to=0001-01-02"] {
            app.get(&format!("/admin/reports?{query}")).await.assert_status(422).assert_contains("field-error");
        }
        // A control character in any query value is refused before the page reads it.
        app.get("/admin/reports?from=%00&to=2026-03-01").await.assert_status(400);
    }
}
