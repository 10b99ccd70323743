//! The main journeys in a real headless Chromium against the shop on a real socket: what a
//! shopper sees, types and clicks, with real cookies and redirects. Skipped with a message when
//! chromedriver is not installed (never in CI).

use crate::common::browser::{Browser, JavaScript};
use crate::on_both_backends;

const PASSWORD: &str = "plum kettle harbour";

on_both_backends! {
    async fn a_visitor_registers_signs_out_and_signs_back_in(db: TestDb) {
        let Some(browser) = Browser::open(db).await else { return };
        browser.visit("/").await;
        browser.click_link("Register").await;
        assert_eq!(browser.heading().await, "Create an account");

        browser.sign_up("Ann", "ann@example.test", PASSWORD).await;
        assert_eq!(browser.path().await, "/account");
        assert_eq!(browser.heading().await, "Your account");
        browser.expect_text("Welcome to ShopWave, Ann! Your account is ready.").await;
        let header = browser.text_of("header").await;
        assert!(header.contains("Ann") && header.contains("Sign out"), "signed in: {header}");

        browser.sign_out().await;
        assert_eq!(browser.path().await, "/");
        let header = browser.text_of("header").await;
        assert!(header.contains("Sign in") && !header.contains("Ann"), "signed out: {header}");

        // The account page now asks for a sign-in, and comes back to it afterwards.
        browser.visit("/account").await;
        assert_eq!(browser.path().await, "/account/login?next=%2Faccount");
        browser.sign_in("ann@example.test", PASSWORD).await;
        assert_eq!(browser.path().await, "/account");
        browser.expect_text("Welcome back, Ann.").await;
        assert!(browser.text_of("header").await.contains("Ann"));
    }
}

on_both_backends! {
    async fn a_shopper_adds_an_address_after_fixing_a_missing_country(db: TestDb) {
        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_up("Ben", "ben@example.test", PASSWORD).await;
        browser.click_link("Addresses").await;
        browser.expect_text("You have no saved addresses yet.").await;
        browser.click_link("Add an address").await;

        browser.fill("Label (e.g. Home, Work)", "Home").await;
        browser.fill("Full name", "Ben Baker").await;
        browser.fill("Address line 1", "12 Elm Road").await;
        browser.fill("City", "Leipzig").await;
        browser.fill("Postal code", "04109").await;
        browser.submit("Save address").await;
        browser.expect_text("Please correct the fields marked below.").await;
        browser.expect_text("Please choose a country from the list.").await;

        // What was typed is still there; only the country needs fixing.
        browser.choose("Country", "Germany").await;
        browser.submit("Save address").await;
        assert_eq!(browser.path().await, "/account/addresses");
        browser.expect_text("Address saved.").await;
        let listed = browser.text_of("main").await;
        for line in ["Ben Baker", "12 Elm Road", "Leipzig", "04109", "Germany", "Default"] {
            assert!(listed.contains(line), "{line:?} missing from:\n{listed}");
        }
    }
}

on_both_backends! {
    async fn the_home_page_shows_the_demo_shop_and_works_without_javascript(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let Some(browser) = Browser::open_with(db, JavaScript::Off).await else { return };
        browser.visit("/").await;

        let categories = browser.text_of("section[aria-labelledby=cats]").await;
        for name in ["Shop by category", "Electronics", "Home & Kitchen", "Fashion", "Books"] {
            assert!(categories.contains(name), "{name:?} missing from:\n{categories}");
        }
        let featured = browser.text_of("section[aria-labelledby=featured]").await;
        assert!(featured.starts_with("Featured"), "{featured}");
        assert!(featured.contains('$') && featured.contains("In stock"), "product cards with prices: {featured}");
        browser.expect_text("Top rated").await;

        // Search and category links are plain HTML: they work with scripts off.
        browser.fill("Search products", "lamp").await;
        browser.submit("Search").await;
        assert_eq!(browser.path().await, "/search?q=lamp");
        browser.visit("/").await;
        browser.click_link("Books").await;
        assert_eq!(browser.path().await, "/c/books");
    }
}

on_both_backends! {
    async fn a_seller_ships_with_a_tracking_number_and_the_shopper_sees_it(db: TestDb) {
        use crate::common::fulfilment::{ship_in_browser, two_seller_order, with_password};
        let order = two_seller_order(&db);
        let seller = with_password(&mut db.conn(), order.a.user_id, PASSWORD);
        let shopper = with_password(&mut db.conn(), order.buyer_id, PASSWORD);
        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_in(&seller, PASSWORD).await;
        ship_in_browser(&browser, &order.number, "UPS", "1z999aa1 0123456784").await;
        browser.expect_text("Parcel shipped").await;
        assert_eq!(browser.path().await, format!("/seller/orders/{}", order.number));
        browser.sign_out().await;

        browser.sign_in(&shopper, PASSWORD).await;
        browser.visit(&format!("/orders/{}", order.number)).await;
        let page = browser.text_of("main").await;
        assert!(page.contains("1Z999AA10123456784"), "tracking number missing from:\n{page}");
        assert!(page.contains("UPS") && page.contains("On its way"), "{page}");
    }
}

on_both_backends! {
    async fn a_shopper_pays_with_a_new_card_typed_on_the_processors_own_page(db: TestDb) {
        use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
        use crate::common::commerce::{add_to_cart, address, shipping_method};
        let email = {
            let conn = &mut db.conn();
            let (s, c) = (seller(conn), category(conn, "Kitchen"));
            let (_, variant) = ProductBuilder::new("Copper Kettle").price(1999).stock(3).insert(conn, s, c);
            shipping_method(conn, 499, None);
            let shopper = UserBuilder::customer().insert(conn);
            address(conn, shopper, "US", "CA");
            add_to_cart(conn, shopper, variant, 1);
            crate::common::fulfilment::with_password(conn, shopper, PASSWORD)
        };
        let processor = db.simulator().url.clone();
        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_in(&email, PASSWORD).await;
        browser.visit("/checkout").await;
        browser.submit("Review order").await;
        // The card fields are the processor's page, on the processor's own address.
        assert_eq!(browser.heading().await, "Enter your card");
        let url = browser.client_url().await;
        assert!(url.starts_with(&processor), "{url}");
        browser.fill("Card number", "4242 4242 4242 4242").await;
        browser.fill("Expiry month", "12").await;
        browser.fill("Expiry year", "2099").await;
        browser.fill("Security code", "123").await;
        browser.submit("Use this card").await;
        browser.expect_text("visa ending 4242").await;
        assert!(browser.path().await.starts_with("/checkout/card-entered?session_id=cs_test_"));
        let pay = browser.text_of("main form button").await;
        assert!(pay.starts_with("Place order and pay $"), "{pay}");
        browser.submit(&pay).await;
        browser.expect_text("is confirmed").await;
    }
}

on_both_backends! {
    async fn the_pages_a_shopper_meets_first_pass_the_accessibility_rules(db: TestDb) {
        use diesel::prelude::*;
        use shopwave::db::schema::products;
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let slug: String = products::table
            .filter(products::status.eq(shopwave::catalog::ProductStatus::Active))
            .select(products::slug)
            .first(&mut db.conn())
            .expect("a demo product");
        let Some(browser) = Browser::open(db).await else { return };
        // Each visit runs axe-core (WCAG 2.2 A and AA) on the page and fails on any violation.
        let product = format!("/p/{slug}");
        for path in ["/", "/c/books", &product, "/search?q=lamp", "/search?q=lmap", "/cart", "/account/login", "/account/register"] {
            browser.visit(path).await;
        }
    }
}

on_both_backends! {
    async fn a_shopper_checks_out_with_the_keyboard_alone(db: TestDb) {
        use crate::common::builders::{ProductBuilder, category, product_slug, seller};
        use crate::common::commerce::{APPROVED, buyer, shipping_method};
        use crate::common::fulfilment::with_password;
        let shopper = buyer(&db, APPROVED);
        let email = with_password(&mut db.conn(), shopper.id, PASSWORD);
        let slug = {
            let conn = &mut db.conn();
            let (s, c) = (seller(conn), category(conn, "Kitchen"));
            let (product, _) = ProductBuilder::new("Copper Kettle").price(1999).stock(3).insert(conn, s, c);
            shipping_method(conn, 499, None);
            product_slug(conn, product)
        };
        let Some(browser) = Browser::open(db).await else { return };
        browser.sign_in(&email, PASSWORD).await;
        browser.visit(&format!("/p/{slug}")).await;
        // From here on, only Tab and Enter.
        browser.tab_to("Add to cart").await;
        browser.press_enter().await;
        browser.expect_text("Added to your cart.").await;
        browser.tab_to("Check out").await;
        browser.press_enter().await;
        browser.tab_to("Review order").await;
        browser.press_enter().await;
        browser.expect_text("visa ending 4242").await;
        browser.tab_to("Place order and pay").await;
        browser.press_enter().await;
        browser.expect_text("is confirmed").await;
    }
}
