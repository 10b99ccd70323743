//! Every page of the back office and the account, on a 390 px phone and on a desktop: nothing
//! makes a page scroll sideways (wide tables scroll inside their own box).

use crate::common::back_office::{PASSWORD, sign_in_as_admin, staff_and_shopper};
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

/// Where each element matching a selector sits: `[bottom, width, height]` in CSS px.
const BOXES: &str = "return Object.fromEntries(SELECTORS.map(css => [css,
    Array.from(document.querySelectorAll(css)).map(e => {
        const r = e.getBoundingClientRect(); return [r.bottom, r.width, r.height];
    })]));";

async fn boxes(browser: &Browser, selectors: &[&str]) -> serde_json::Value {
    let list = serde_json::to_string(selectors).expect("JSON");
    browser.measure(&BOXES.replace("SELECTORS", &list)).await
}

on_both_backends! {
    async fn on_a_phone_the_buy_box_is_in_the_first_screen_and_the_pictures_scroll_sideways(db: TestDb) {
        use diesel::dsl::count_star;
        use diesel::prelude::*;
        use shopwave::db::schema::{product_variants, products};
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let (slug, category) = {
        let conn = &mut db.conn();
        let (most_options, _): (i64, i64) = product_variants::table
            .group_by(product_variants::product_id)
            .select((product_variants::product_id, count_star()))
            .order((count_star().desc(), product_variants::product_id))
            .first(conn)
            .expect("a demo product");
        let slug: String = products::table.find(most_options).select(products::slug).first(conn).expect("slug");
        let category: String = shopwave::db::schema::categories::table
            .select(shopwave::db::schema::categories::slug)
            .first(conn)
            .expect("a category");
        (slug, category)
        };
        let Some(browser) = Browser::open(db).await else { return };
        browser.use_screen(PHONE).await;
        browser.visit(&format!("/p/{slug}")).await;
        let screen = browser.measure("return window.innerHeight;").await.as_f64().expect("height");
        let buy = [".buy-box h1", ".buy-box > .price", ".add-to-cart fieldset", ".add-to-cart button[type=submit]"];
        let found = boxes(&browser, &buy).await;
        for css in buy {
            let bottom = found[css][0][0].as_f64().unwrap_or_else(|| panic!("{css} is on the page"));
            assert!(bottom <= screen, "{css} ends at {bottom} px, below the first {screen} px screen");
        }
        let targets = [".buy-box button", ".buy-box input[type=number]", ".buy-box label.variant"];
        let found = boxes(&browser, &targets).await;
        for css in targets {
            for target in found[css].as_array().expect("a list") {
                let (width, height) = (target[1].as_f64().unwrap_or(0.0), target[2].as_f64().unwrap_or(0.0));
                assert!(width >= 44.0 && height >= 44.0, "{css} is {width} × {height} px, under 44 × 44");
            }
        }
        let gallery = browser.measure("const g = document.querySelector('.gallery'); return [g.scrollWidth, g.clientWidth];").await;
        assert!(gallery[0].as_f64() > gallery[1].as_f64(), "the pictures scroll sideways: {gallery}");
        browser.expect_no_sideways_scroll().await;

        // Filters fold away on a phone, and are simply there on a desktop.
        let filters = "const d = document.querySelector('details.refine');
            const shown = e => e && e.checkVisibility();
            return [d.open, shown(d.querySelector('summary')), shown(d.querySelector('form'))];";
        browser.visit(&format!("/c/{category}")).await;
        assert_eq!(browser.measure(filters).await, serde_json::json!([false, true, false]));
        browser.visit("/search?q=lamp").await;
        assert_eq!(browser.measure(filters).await, serde_json::json!([false, true, false]));
        browser.use_screen(DESKTOP).await;
        browser.visit(&format!("/c/{category}")).await;
        assert_eq!(browser.measure(filters).await, serde_json::json!([false, false, true]));
    }
}

on_both_backends! {
    async fn every_seller_page_fits_a_phone_and_a_desktop(db: TestDb) {
        use crate::common::fulfilment::{two_seller_order, with_password};
        use diesel::prelude::*;
        use shopwave::db::schema::product_variants;
        let order = two_seller_order(&db);
        let seller = with_password(&mut db.conn(), order.a.user_id, PASSWORD);
        let product: i64 = product_variants::table
            .find(order.a.variant_id)
            .select(product_variants::product_id)
            .first(&mut db.conn())
            .expect("the seller's product");
        let pages = [
            "/seller".to_owned(),
            "/seller/products".to_owned(),
            "/seller/products/new".to_owned(),
            format!("/seller/products/{product}"),
            format!("/seller/products/{product}/images"),
            format!("/seller/products/{product}/variants/{}/history", order.a.variant_id),
            "/seller/orders".to_owned(),
            format!("/seller/orders/{}", order.number),
            "/seller/returns".to_owned(),
            "/seller/payouts".to_owned(),
            "/seller/imports".to_owned(),
        ];
        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_in(&seller, PASSWORD).await;
        let mut too_wide = Vec::new();
        for screen in [PHONE, DESKTOP] {
            browser.use_screen(screen).await;
            // Each visit also runs axe-core on the page.
            for page in &pages {
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

on_both_backends! {
    async fn on_a_phone_every_control_of_the_shopper_pages_is_big_enough_to_tap(db: TestDb) {
        use diesel::prelude::*;
        use shopwave::db::schema::{categories, products, users};
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let conn = &mut db.conn();
        let category: String = categories::table.select(categories::slug).first(conn).expect("a category");
        let product: String = products::table.select(products::slug).first(conn).expect("a product");
        let shopper_id = users::table
            .filter(users::email.eq("shopper1@shopwave.test"))
            .select(users::id)
            .first(conn)
            .expect("the demo shopper");
        let shopper = crate::common::fulfilment::with_password(conn, shopper_id, PASSWORD);
        let Some(browser) = Browser::open(db).await else { return };
        browser.use_screen(PHONE).await;
        let visitor = ["/".to_owned(), format!("/c/{category}"), format!("/p/{product}"), "/search?q=lamp".to_owned(), "/cart".to_owned(), "/account/login".to_owned(), "/account/register".to_owned(), "/no-such-page".to_owned()];
        // Folded filters are opened first, so their checkboxes are measured too.
        const UNFOLD: &str = "document.querySelectorAll('details').forEach(d => d.open = true); return null;";
        let mut small = Vec::new();
        for page in &visitor {
            browser.visit(page).await;
            browser.measure(UNFOLD).await;
            small.extend(browser.small_targets().await.into_iter().map(|t| format!("{page}: {t}")));
        }
        browser.sign_in(&shopper, PASSWORD).await;
        for page in ["/account", "/orders", "/wishlist", "/account/addresses", "/account/payment-methods"] {
            browser.visit(page).await;
            browser.measure(UNFOLD).await;
            small.extend(browser.small_targets().await.into_iter().map(|t| format!("{page}: {t}")));
        }
        assert!(small.is_empty(), "controls under 44 × 44 px on a phone: {small:#?}");
    }
}
