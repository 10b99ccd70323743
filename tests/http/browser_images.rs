//! A seller uploads a product image in a real Chromium (the file chosen in the file input, the
//! form sent as multipart) and a shopper sees it on the product page, at desktop and phone
//! widths, without sideways scrolling.

use crate::common::browser::{Browser, DESKTOP, PHONE};
use crate::common::builders::{self, ProductBuilder};
use crate::common::images;
use crate::on_both_backends;

const EMAIL: &str = "lamps@example.test";
const PASSWORD: &str = "brass lamp shade wick";

on_both_backends! {
    async fn a_seller_uploads_an_image_and_the_shopper_sees_it(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Lamps"));
        let (lamp, _) = ProductBuilder::new("Brass Lamp").insert(&mut conn, seller, category);
        let slug = {
            use diesel::prelude::*;
            use shopwave::db::schema::{products, sellers, users};
            let user: i64 = sellers::table.find(seller).select(sellers::user_id).first(&mut conn).unwrap();
            diesel::update(users::table.find(user))
                .set((users::email.eq(EMAIL), users::password_hash.eq(shopwave::accounts::password::hash(PASSWORD))))
                .execute(&mut conn)
                .unwrap();
            products::table.find(lamp).select(products::slug).first::<String>(&mut conn).unwrap()
        };
        drop(conn);
        let file = tempfile::Builder::new().suffix(".jpg").tempfile().unwrap();
        std::fs::write(file.path(), images::jpeg(1800, 1200)).unwrap();
        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_in(EMAIL, PASSWORD).await;

        for screen in [DESKTOP, PHONE] {
            browser.use_screen(screen).await;
            browser.visit(&format!("/seller/products/{lamp}/images")).await;
            assert_eq!(browser.heading().await, "Images of Brass Lamp");
            browser.expect_no_sideways_scroll().await;
        }
        // Alt text is required: the browser sends the form anyway (novalidate), the shop refuses it.
        browser.use_screen(DESKTOP).await;
        browser.attach("Image file", file.path()).await;
        browser.submit("Upload image").await;
        browser.expect_text("Please enter a description of the image").await;
        browser.attach("Image file", file.path()).await;
        browser.fill("Alt text: what the image shows, for people who cannot see it", "Brass lamp, lit").await;
        browser.submit("Upload image").await;
        browser.expect_text("Image added.").await;
        browser.expect_text("Images (1)").await;
        assert_eq!(browser.loaded_image_widths(".image-row img").await, [320]);

        browser.visit(&format!("/p/{slug}")).await;
        assert_eq!(browser.heading().await, "Brass Lamp");
        let widths = browser.loaded_image_widths(".gallery img[alt='Brass lamp, lit']").await;
        // With `srcset`, the natural width is the chosen file's width over its density for `sizes`.
        assert!(widths.len() == 1 && widths[0] > 0, "the gallery image loaded: {widths:?}");
        for screen in [DESKTOP, PHONE] {
            browser.use_screen(screen).await;
            browser.visit(&format!("/p/{slug}")).await;
            browser.expect_no_sideways_scroll().await;
        }
    }
}
