//! The seller catalog in headless Chromium: a seller adds a variant through the edit page and a
//! shopper sees it on the product page; the seller's pages fit a desktop and a 390 px phone.

use crate::common::browser::{Browser, DESKTOP, PHONE};
use crate::common::catalog_admin::shop;
use crate::common::fulfilment::with_password;
use crate::on_both_backends;

const PASSWORD: &str = "plum kettle harbour";

on_both_backends! {
    async fn a_seller_adds_a_variant_and_the_shopper_sees_it(db: TestDb) {
        let shop = shop(&db);
        let email = with_password(&mut db.conn(), shop.seller_user, PASSWORD);
        let slug = crate::common::builders::product_slug(&mut db.conn(), shop.product);
        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_in(&email, PASSWORD).await;
        let edit = format!("/seller/products/{}", shop.product);
        browser.visit(&edit).await;
        assert_eq!(browser.heading().await, "Linen Shirt");

        browser.fill("New variant's SKU", "SHIRT-XL").await;
        browser.fill("New variant's option 1", "Size XL").await;
        browser.fill("New variant's price (USD)", "27").await;
        browser.fill("Opening stock", "3").await;
        browser.submit("Add variant").await;
        browser.expect_text("Please write an option as name: value, e.g. Size: M.").await;
        browser.fill("New variant's option 1", "Size: XL").await;
        browser.submit("Add variant").await;
        assert_eq!(browser.path().await, edit);
        browser.expect_text("Variant SHIRT-XL added.").await;
        browser.expect_text("Size: XL · $27.00 · 3 in stock").await;

        for screen in [DESKTOP, PHONE] {
            browser.use_screen(screen).await;
            browser.visit(&edit).await;
            browser.expect_no_sideways_scroll().await;
            browser.visit(&format!("{edit}/variants/{}/history", shop.variant)).await;
            browser.expect_text("Stock movements").await;
            browser.expect_no_sideways_scroll().await;
            browser.visit("/seller/products").await;
            browser.expect_no_sideways_scroll().await;
        }

        browser.sign_out().await;
        browser.visit(&format!("/p/{slug}")).await;
        browser.expect_text("Size: XL").await;
        browser.expect_text("$27.00").await;
        browser.expect_no_sideways_scroll().await;
    }
}
