//! The admin sales report and the seller dashboard in Chromium, on a desktop and on a 390 px
//! phone: the charts are drawn (an `svg` with its bars showing) and nothing scrolls sideways.

use crate::common::browser::{Browser, DESKTOP, PHONE};
use crate::common::builders::UserBuilder;
use crate::common::report_charts::{report_shop, sale_now};
use crate::on_both_backends;

on_both_backends! {
    async fn the_report_and_the_dashboard_draw_their_charts_on_any_screen(db: TestDb) {
        let shop = report_shop(&mut db.conn());
        sale_now(&mut db.conn(), &shop);
        let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
        let Some(browser) = Browser::open(db).await else { return };
        for screen in [DESKTOP, PHONE] {
            browser.use_screen(screen).await;
            browser.sign_in_as(admin).await;
            browser.visit("/admin/reports?from=2026-01-26&to=2026-02-08&granularity=day").await;
            assert_eq!(browser.heading().await, "Sales report");
            assert_eq!(browser.count_displayed("svg.chart").await, 4);
            // Fourteen days, two categories, three products, two sellers; days without sales
            // have a column of no height, which is not displayed.
            assert!(browser.count_displayed("svg.chart rect.bar").await >= 4 + 2 + 3 + 2);
            let chart = browser.width_of("svg.chart").await;
            assert!(chart > 200.0 && chart <= f64::from(screen.0), "the chart is {chart} px wide");
            browser.expect_no_sideways_scroll().await;

            browser.sign_in_as(shop.seller_a_user).await;
            browser.visit("/seller").await;
            browser.expect_text("Revenue by month").await;
            assert_eq!(browser.count_displayed("svg.chart").await, 1);
            assert!(browser.count_displayed("svg.chart rect.bar").await >= 1);
            browser.expect_no_sideways_scroll().await;
        }
    }
}
