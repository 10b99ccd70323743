//! A seller imports a product file in Chromium: an upload with an error is previewed and cannot
//! be applied; the corrected file is previewed, applied, and its progress followed to the end,
//! on a desktop and on a phone.

use crate::common::browser::{Browser, DESKTOP, PHONE};
use crate::common::builders;
use crate::common::csv_import::{HEADER, new_row, user_of};
use crate::common::fulfilment::with_password;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;

const PASSWORD: &str = "plum kettle harbour";

on_both_backends! {
    async fn a_seller_previews_applies_and_follows_an_import(db: TestDb) {
        let mut conn = db.conn();
        let seller = builders::seller(&mut conn);
        let user_id = user_of(&mut conn, seller);
        let email = with_password(&mut conn, user_id, PASSWORD);
        let category_id = builders::category(&mut conn, "Lighting");
        let c = builders::category_slug(&mut conn, category_id);
        drop(conn);
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, format!("{HEADER}{}", new_row(&c, "Lamp", "LAMP-1", "", "", "twelve", 3))).unwrap();
        let mut good_rows = String::from(HEADER);
        for i in 0..40 {
            good_rows.push_str(&new_row(&c, &format!("Lamp {}", i / 4), &format!("LAMP-{i}"), &format!("Shade {i}"), "Colour=Brass; Size=Large", "12.50", 3));
        }
        let good = dir.path().join("good.csv");
        std::fs::write(&good, good_rows).unwrap();

        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_in(&email, PASSWORD).await;
        for screen in [DESKTOP, PHONE] {
            browser.use_screen(screen).await;
            browser.visit("/seller/imports").await;
            assert_eq!(browser.heading().await, "Import and export products");
            browser.expect_no_sideways_scroll().await;

            browser.attach("CSV file (at most 20 MB)", &bad).await;
            browser.submit("Upload and preview").await;
            browser.expect_text("Row 2: price:").await;
            browser.expect_text("Rows with errors: 1.").await;
            browser.expect_no_sideways_scroll().await;

            browser.visit("/seller/imports").await;
            browser.attach("CSV file (at most 20 MB)", &good).await;
            browser.submit("Upload and preview").await;
            browser.expect_text("Preview").await;
            // The second time round the products exist, so nothing is new.
            let text = browser.text().await;
            assert_eq!(text.contains("SKU LAMP-0: new product Lamp 0"), screen == DESKTOP, "{text}");
            browser.expect_no_sideways_scroll().await;
            browser.submit("Apply the changes").await;
            browser.expect_text("of 40 rows applied").await;
            browser.expect_text("Done:").await;
            browser.expect_text("40 of 40 rows applied").await;
            browser.expect_no_sideways_scroll().await;
        }
    }
}
