//! The catalog pages' in-memory cache: pages are served from memory while nothing changes, and a
//! change shoppers can see reaches them at once on this node and through the outbox on any node.

use diesel::prelude::*;

use crate::common::builders::{self, ProductBuilder, category, product_slug, seller};
use crate::common::commerce::*;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::checkout;
use shopwave::db::DbConn;
use shopwave::db::schema::{products, search_outbox, sellers};

fn rename(conn: &mut DbConn, product: i64, name: &str) {
    diesel::update(products::table.find(product))
        .set(products::name.eq(name))
        .execute(conn)
        .unwrap();
}

fn outbox_rows(conn: &mut DbConn, product: i64) -> i64 {
    search_outbox::table
        .filter(search_outbox::product_id.eq(product))
        .count()
        .get_result(conn)
        .unwrap()
}

on_both_backends! {
    async fn a_page_is_served_from_memory_until_the_outbox_announces_a_change(db: TestDb) {
        let mut conn = db.conn();
        let (shop, teapots) = (seller(&mut conn), category(&mut conn, "Teapots"));
        let (teapot, _) = ProductBuilder::new("Blue Teapot").insert(&mut conn, shop, teapots);
        let slug = product_slug(&mut conn, teapot);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        app.get(&format!("/p/{slug}")).await.assert_status(200).assert_contains("Blue Teapot");

        // A write that bypasses the outbox (no real writer does this) is not seen: the page
        // comes from memory, not from the database.
        rename(&mut app.conn(), teapot, "Green Teapot");
        app.get(&format!("/p/{slug}")).await.assert_contains("Blue Teapot");

        // Once the change is announced and this node's indexer applies it, every page shows it,
        // as another node's write would reach this one.
        shopwave::search::enqueue(&mut app.conn(), teapot).unwrap();
        app.drain_search();
        let page = app.get(&format!("/p/{slug}")).await;
        page.assert_contains("Green Teapot");
        assert!(!page.body.contains("Blue Teapot"));
    }
}

on_both_backends! {
    async fn a_seller_sees_a_new_price_on_the_product_page_at_once(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lamps) = (seller(&mut conn), category(&mut conn, "Lamps"));
        let (lamp, variant) = ProductBuilder::new("Desk Lamp").price(1999).insert(&mut conn, shop, lamps);
        let slug = product_slug(&mut conn, lamp);
        let listing = format!("/c/{}", builders::category_slug(&mut conn, lamps));
        let owner: i64 = sellers::table.find(shop).select(sellers::user_id).first(&mut conn).unwrap();
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        app.sign_in_as(owner);
        app.get(&format!("/p/{slug}")).await.assert_contains("$19.99");
        app.get(&listing).await.assert_contains("$19.99");

        app.post(&format!("/seller/products/{lamp}/variants/{variant}/price"), &[("price", "35")]).await
            .assert_status(303);
        // No waiting for the indexer: the node that made the change forgets its pages at once.
        let page = app.get(&format!("/p/{slug}")).await;
        page.assert_contains("$35.00");
        assert!(!page.body.contains("$19.99"));
        app.get(&listing).await.assert_contains("$35.00");
    }
}

on_both_backends! {
    async fn sales_that_change_the_stock_note_reach_the_page_and_others_do_not_churn_it(db: TestDb) {
        let mut conn = db.conn();
        let (shop, mugs) = (seller(&mut conn), category(&mut conn, "Mugs"));
        let (mug, variant) = ProductBuilder::new("Stoneware Mug").stock(7).insert(&mut conn, shop, mugs);
        let slug = product_slug(&mut conn, mug);
        let shipping = shipping_method(&mut conn, 499, None);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        app.get(&format!("/p/{slug}")).await.assert_contains("In stock");
        let buy_one = |db: &TestDb| {
            let shopper = buyer(db, APPROVED);
            add_to_cart(&mut db.conn(), shopper.id, variant, 1);
            checkout::place(&mut db.conn(), &order_request(shopper.id, shopper.address, shipping, shopper.card), "test")
                .expect("order placed");
        };

        // 7 → 6: the page still says "In stock", so nothing is announced.
        let before = outbox_rows(&mut app.conn(), mug);
        buy_one(&app.db);
        assert_eq!(outbox_rows(&mut app.conn(), mug), before);

        // 6 → 5: now the page says how many are left.
        buy_one(&app.db);
        assert_eq!(outbox_rows(&mut app.conn(), mug), before + 1);
        app.drain_search();
        app.get(&format!("/p/{slug}")).await.assert_contains("Only 5 left");
    }
}

/// The `csrf_token` value of every form on a page.
fn form_tokens(body: &str) -> Vec<&str> {
    body.split("name=\"csrf_token\" value=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect()
}

/// The number in the header's cart link.
fn cart_count(body: &str) -> &str {
    body.split("aria-label=\"items in cart\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
}

on_both_backends! {
    async fn visitors_share_a_rendered_page_but_never_each_others_name_cart_or_token(db: TestDb) {
        use shopwave::db::schema::users;
        let mut conn = db.conn();
        let (shop, kettles) = (seller(&mut conn), category(&mut conn, "Kettles"));
        let (kettle, variant) = ProductBuilder::new("Copper Kettle").featured().stock(20).insert(&mut conn, shop, kettles);
        let pages = [
            "/".to_owned(),
            format!("/c/{}", builders::category_slug(&mut conn, kettles)),
            format!("/p/{}", product_slug(&mut conn, kettle)),
            "/search?q=kettle".to_owned(),
        ];
        let named = |conn: &mut DbConn, name: &str| {
            let id = builders::UserBuilder::customer().insert(conn);
            diesel::update(users::table.find(id)).set(users::first_name.eq(name)).execute(conn).unwrap();
            id
        };
        let (alicia, bartholomew) = (named(&mut conn, "Alicia"), named(&mut conn, "Bartholomew"));
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        app.sign_in_as(alicia);
        app.post("/cart/add", &[("variant_id", &variant.to_string()), ("quantity", "3")]).await.assert_status(303);
        // Each page shows the visitor's own name (if signed in), cart count, token in every form,
        // and flash (Alicia's "added" notice, on her first page after adding), and nobody else's.
        let visit = |me: Option<&'static str>, other: &'static str, cart: &'static str, flash: bool| {
            let (app, pages) = (&app, &pages);
            async move {
                let token = app.csrf_token().await;
                for (n, path) in pages.iter().enumerate() {
                    let page = app.get(path).await;
                    page.assert_status(200).assert_contains("Copper");
                    let body = &page.body;
                    assert!(!body.contains(other) && !body.contains("csrf-slot-"), "{path}: {body}");
                    assert_eq!(me.is_some_and(|name| body.contains(name)), me.is_some(), "{path}");
                    assert_eq!(cart_count(body), cart, "{path}");
                    assert_eq!(body.contains("flash-success"), flash && n == 0, "{path}");
                    let tokens = form_tokens(body);
                    assert!(tokens.iter().all(|t| *t == token), "{path}: {tokens:?}, expected {token}");
                    if path.starts_with("/p/") {
                        assert!(tokens.len() >= 2, "the product page's cart and wishlist forms");
                    }
                }
            }
        };
        visit(Some("Alicia"), "Bartholomew", "3", true).await;
        // Her browser: its session, its CSRF seed, and the frame cookie with her cart's count.
        let alicias_cookies = ["sw_session", "sw_csrf", "sw_frame"].map(|name| (name, app.cookie(name).unwrap()));

        // A write that bypasses the outbox: the next visitors get the rendering kept for Alicia.
        rename(&mut app.conn(), kettle, "Tin Kettle");
        app.clear_cookies();
        visit(None, "Alicia", "0", false).await;
        app.clear_cookies();
        app.sign_in_as(bartholomew);
        visit(Some("Bartholomew"), "Alicia", "0", false).await;
        app.clear_cookies();
        for (name, value) in &alicias_cookies {
            app.set_cookie(name, value);
        }
        visit(Some("Alicia"), "Bartholomew", "3", false).await;
    }
}
