//! In Chromium: a shopper applies to sell, an administrator (signed in with two-factor) approves
//! the application, and the new seller signs in again to their panel. The pages are checked at
//! desktop and phone widths for sideways scrolling.

use diesel::prelude::*;

use crate::common::browser::Browser;
use crate::common::browser::{DESKTOP, PHONE};
use crate::common::builders::UserBuilder;
use crate::on_both_backends;
use shopwave::db::schema::users;

const PASSWORD: &str = "plum kettle harbour";
/// The administrator's authenticator secret (base32), so the test can compute their codes.
const ADMIN_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn admin_code() -> String {
    let secret = totp_rs::Secret::try_from_base32(ADMIN_TOTP).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    totp.generate(u64::try_from(chrono::Utc::now().timestamp()).unwrap())
        .to_string()
}

/// Checks the current page at both widths, ending at desktop width.
async fn fits_both_screens(browser: &Browser) {
    for screen in [PHONE, DESKTOP] {
        browser.use_screen(screen).await;
        browser.expect_no_sideways_scroll().await;
    }
}

on_both_backends! {
    async fn a_shopper_applies_an_admin_approves_and_the_seller_opens_the_panel(db: TestDb) {
        let mut conn = db.conn();
        UserBuilder::customer().email("ann@example.test").password(PASSWORD).insert(&mut conn);
        let admin = UserBuilder::customer().role("admin").email("root@example.test").password(PASSWORD).insert(&mut conn);
        diesel::update(users::table.find(admin))
            .set((users::totp_secret.eq(ADMIN_TOTP), users::totp_enabled.eq(true)))
            .execute(&mut conn)
            .unwrap();
        drop(conn);
        let Some(browser) = Browser::open(db).await else { return };

        browser.sign_in("ann@example.test", PASSWORD).await;
        browser.visit("/seller/apply").await;
        assert_eq!(browser.heading().await, "Sell on ShopWave");
        fits_both_screens(&browser).await;
        browser.fill("Shop name", "Ann's Pots").await;
        browser.fill("Contact e-mail", "pots@ann.example").await;
        browser.submit("Apply to sell").await;
        browser.expect_text("Your application is being reviewed").await;
        fits_both_screens(&browser).await;
        browser.sign_out().await;

        browser.sign_in("root@example.test", PASSWORD).await;
        browser.fill("Code", &admin_code()).await;
        browser.submit("Sign in").await;
        browser.visit("/admin/sellers").await;
        assert_eq!(browser.heading().await, "Sellers");
        fits_both_screens(&browser).await;
        browser.click_link("Ann's Pots").await;
        assert_eq!(browser.heading().await, "Ann's Pots");
        fits_both_screens(&browser).await;
        browser.fill("Commission (%)", "12.5").await;
        browser.submit("Approve and open the shop").await;
        browser.expect_text("Application approved").await;
        fits_both_screens(&browser).await;
        browser.sign_out().await;

        // Approval ended Ann's earlier sign-in; signing in again opens the panel.
        browser.sign_in("ann@example.test", PASSWORD).await;
        browser.visit("/seller").await;
        assert_eq!(browser.heading().await, "Ann's Pots");
        browser.expect_text("12.50 %").await;
        fits_both_screens(&browser).await;
    }
}
