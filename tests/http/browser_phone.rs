//! Every page of the back office and the account, on a 390 px phone and on a desktop: nothing
//! makes a page scroll sideways (wide tables scroll inside their own box).

use crate::common::back_office::{sign_in_as_admin, staff_and_shopper};
use crate::common::browser::{Browser, DESKTOP, PHONE};
use crate::common::builders::{ProductBuilder, category};
use crate::on_both_backends;

const ADMIN_PAGES: [&str; 14] = [
    "/admin",
    "/admin/categories",
    "/admin/promotions",
    "/admin/products",
    "/admin/sellers",
    "/admin/users",
    "/admin/orders",
    "/admin/reviews",
    "/admin/payouts",
    "/admin/audit",
    "/admin/reports",
    "/admin/shipping",
    "/admin/taxes",
    "/admin/shipping/new",
];

const ACCOUNT_PAGES: [&str; 7] = [
    "/account",
    "/account/addresses",
    "/account/password",
    "/account/sessions",
    "/account/email",
    "/account/two-factor",
    "/seller/apply",
];

on_both_backends! {
    async fn every_back_office_and_account_page_fits_a_phone_and_a_desktop(db: TestDb) {
        let seller = staff_and_shopper(&db);
        let mut conn = db.conn();
        let lamps = category(&mut conn, "Lamps");
        ProductBuilder::new("Quokka Night Lamp").insert(&mut conn, seller, lamps);
        drop(conn);
        let Some(browser) = Browser::open(db).await else { return };
        sign_in_as_admin(&browser).await;
        let mut too_wide = Vec::new();
        for screen in [PHONE, DESKTOP] {
            browser.use_screen(screen).await;
            for page in ADMIN_PAGES.iter().chain(ACCOUNT_PAGES.iter()) {
                browser.visit(page).await;
                assert!(!browser.heading().await.is_empty(), "{page} has its heading");
                if let Some((width, window)) = browser.sideways_overflow().await {
                    too_wide.push(format!("{page}: {width} px in {window} px"));
                }
            }
        }
        assert!(too_wide.is_empty(), "pages a phone user scrolls sideways: {too_wide:#?}");
    }
}
