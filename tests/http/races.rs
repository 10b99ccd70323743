//! Requests that race: the same form sent several times at once, as impatient shoppers and
//! browsers with several tabs do. Every one of them must get its ordinary answer (no 500 on
//! either backend), and nothing any of them did may be lost or done twice.

use diesel::prelude::*;
use futures_util::future::join_all;

use crate::accounts::PASSWORD;
use crate::addresses::{address_fields, live_addresses};
use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
use crate::common::commerce::*;
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{cart_items, carts, payment_methods};

const PARALLEL: usize = 8;

/// Two products with plenty in stock; returns their variants.
fn two_variants(db: &TestDb) -> (i64, i64) {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Kitchen"));
    let (_, kettle) = ProductBuilder::new("Copper Kettle")
        .stock(500)
        .insert(conn, s, c);
    let (_, teapot) = ProductBuilder::new("Stone Teapot")
        .stock(500)
        .insert(conn, s, c);
    (kettle, teapot)
}

#[track_caller]
fn assert_all_redirect(pages: &[Page], to: &str) {
    for page in pages {
        page.assert_redirect_to(to);
    }
}

/// (cart id, variant, quantity) of every cart line there is.
fn all_lines(app: &TestApp) -> Vec<(i64, i64, i32)> {
    cart_items::table
        .select((
            cart_items::cart_id,
            cart_items::variant_id,
            cart_items::quantity,
        ))
        .order((cart_items::cart_id, cart_items::variant_id))
        .load(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn a_new_accounts_first_adds_at_once_all_land_in_its_one_cart(db: TestDb) {
        let (kettle, teapot) = two_variants(&db);
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        app.csrf_token().await;
        let (kettle_id, teapot_id) = (kettle.to_string(), teapot.to_string());
        let app = &app;
        let adds = (0..PARALLEL).map(|i| {
            let variant = if i % 2 == 0 { &kettle_id } else { &teapot_id };
            async move { app.post("/cart/add", &[("variant_id", variant), ("quantity", "1")]).await }
        });
        assert_all_redirect(&join_all(adds).await, "/cart");
        let carts: Vec<Option<i64>> = carts::table.select(carts::user_id).load(&mut app.conn()).unwrap();
        assert_eq!(carts, [Some(ann)]);
        let half = (PARALLEL / 2) as i32;
        let lines: Vec<(i64, i32)> = all_lines(app).into_iter().map(|(_, v, q)| (v, q)).collect();
        assert_eq!(lines, [(kettle, half), (teapot, half)]);
    }
}

on_both_backends! {
    async fn adds_at_once_from_a_browser_without_a_session_fill_one_cart_it_keeps(db: TestDb) {
        let (kettle, teapot) = two_variants(&db);
        let app = TestApp::new(db).await;
        app.csrf_token().await;
        assert!(app.cookie("sw_session").is_none(), "no session before the first add");
        let (kettle_id, teapot_id) = (kettle.to_string(), teapot.to_string());
        let app = &app;
        let adds = (0..PARALLEL).map(|i| {
            let variant = if i % 2 == 0 { &kettle_id } else { &teapot_id };
            async move { app.post("/cart/add", &[("variant_id", variant), ("quantity", "1")]).await }
        });
        assert_all_redirect(&join_all(adds).await, "/cart");
        let half = (PARALLEL / 2) as i32;
        let lines = all_lines(app);
        assert_eq!(lines.iter().map(|l| (l.1, l.2)).collect::<Vec<_>>(), [(kettle, half), (teapot, half)]);
        assert_eq!(carts::table.count().get_result::<i64>(&mut app.conn()).unwrap(), 1);
        // Whichever session cookie the browser kept, it reaches that one cart.
        let page = app.get("/cart").await;
        page.assert_status(200).assert_contains("Copper Kettle").assert_contains("Stone Teapot");
        assert_eq!(page.body.matches(&format!("value=\"{half}\"")).count(), 2, "{}", page.body);
    }
}

on_both_backends! {
    async fn adds_of_one_item_at_once_count_every_unit_once_up_to_the_stock(db: TestDb) {
        let conn = &mut db.conn();
        let (s, c) = (seller(conn), category(conn, "Kitchen"));
        let (_, kettle) = ProductBuilder::new("Copper Kettle").stock(5).insert(conn, s, c);
        let app = TestApp::new(db).await;
        app.sign_in_as(UserBuilder::customer().insert(&mut app.conn()));
        app.csrf_token().await;
        let (kettle_id, app) = (kettle.to_string(), &app);
        let adds = (0..2 * PARALLEL)
            .map(|_| async { app.post("/cart/add", &[("variant_id", &kettle_id), ("quantity", "1")]).await });
        let pages = join_all(adds).await;
        let added = pages.iter().filter(|page| page.status == 303).count();
        for page in pages.iter().filter(|page| page.status != 303) {
            page.assert_status(409).assert_contains("Only 5 of Copper Kettle left in stock");
        }
        // Each add reads the line after the cart is locked: none is lost to another's write.
        assert_eq!(added, 5, "five kettles in stock");
        assert_eq!(all_lines(app).iter().map(|l| (l.1, l.2)).collect::<Vec<_>>(), [(kettle, 5)]);
    }
}

on_both_backends! {
    async fn sign_ins_at_once_merge_the_visitors_cart_exactly_once(db: TestDb) {
        let (kettle, _) = two_variants(&db);
        let ann = UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.post("/cart/add", &[("variant_id", &kettle.to_string()), ("quantity", "2")]).await.assert_redirect_to("/cart");
        // Three at once: within the hashing slots and queue of a two-core machine.
        let sign_in = || app.post("/account/login", &[("email", "ann@example.com"), ("password", PASSWORD)]);
        let mut pages = join_all((0..3).map(|_| sign_in())).await;
        // Other tests in this process may hold hashing slots: a sign-in asked to come back in a
        // moment (503) comes back, as a browser's shopper would.
        for page in pages.iter_mut().filter(|p| p.status.as_u16() == 503) {
            *page = sign_in().await;
        }
        assert_all_redirect(&pages, "/");
        let carts: Vec<Option<i64>> = carts::table.select(carts::user_id).load(&mut app.conn()).unwrap();
        assert_eq!(carts, [Some(ann)], "the visitor's cart is merged and gone");
        assert_eq!(all_lines(&app).iter().map(|l| (l.1, l.2)).collect::<Vec<_>>(), [(kettle, 2)]);
    }
}

on_both_backends! {
    async fn default_address_changes_at_once_leave_exactly_one_default(db: TestDb) {
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        app.csrf_token().await;
        let names: Vec<String> = (0..PARALLEL).map(|i| format!("Ann {i}")).collect();
        let creates = names.iter().map(|name| {
            let app = &app;
            async move { app.post("/account/addresses", &address_fields(name, "US")).await }
        });
        assert_all_redirect(&join_all(creates).await, "/account/addresses");
        let saved = live_addresses(&app, ann);
        assert_eq!(saved.len(), PARALLEL);
        assert_eq!(saved.iter().filter(|a| a.is_default).count(), 1, "one of the first addresses at once is the default");

        let paths: Vec<String> = saved.iter().map(|a| format!("/account/addresses/{}/default", a.id)).collect();
        let defaults = paths.iter().map(|path| app.post(path, &[]));
        assert_all_redirect(&join_all(defaults).await, "/account/addresses");
        assert_eq!(live_addresses(&app, ann).iter().filter(|a| a.is_default).count(), 1);
    }
}

on_both_backends! {
    async fn default_card_changes_at_once_leave_exactly_one_default(db: TestDb) {
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let cards: Vec<i64> = (0..PARALLEL).map(|_| saved_card(&db, ann, APPROVED)).collect();
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        app.csrf_token().await;
        let paths: Vec<String> = cards.iter().map(|id| format!("/account/payment-methods/{id}/default")).collect();
        let defaults = paths.iter().map(|path| app.post(path, &[]));
        assert_all_redirect(&join_all(defaults).await, "/account/payment-methods");
        let defaults: i64 = payment_methods::table
            .filter(payment_methods::user_id.eq(ann))
            .filter(payment_methods::is_default.eq(true))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        assert_eq!(defaults, 1);
    }
}
