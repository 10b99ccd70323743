//! The flash and the header's cart count ride in the frame cookie, not in the session row: a
//! form post commits only its own change, and the count shown is always the count of the
//! browser's current cart.

use diesel::prelude::*;

use crate::accounts::{PASSWORD, log_in};
use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::sessions;

/// A kettle with stock, and Ann, a customer; returns the kettle's variant and Ann's id.
fn kettle_and_ann(db: &TestDb) -> (String, i64) {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Kitchen"));
    let (_, variant) = ProductBuilder::new("Copper Kettle")
        .price(1999)
        .stock(10)
        .insert(conn, s, c);
    let ann = UserBuilder::customer()
        .email("ann@example.com")
        .password(PASSWORD)
        .insert(conn);
    (variant.to_string(), ann)
}

fn count_in_header(page: &Page) -> &str {
    let at = page
        .body
        .find("aria-label=\"items in cart\">")
        .expect("the header's count")
        + "aria-label=\"items in cart\">".len();
    let rest = &page.body[at..];
    &rest[..rest.find('<').expect("the count's end")]
}

fn sets_cookie(page: &Page, name: &str) -> bool {
    page.headers
        .get_all("set-cookie")
        .any(|c| c.to_str().unwrap_or("").starts_with(&format!("{name}=")))
}

on_both_backends! {
    async fn adding_to_the_cart_commits_the_cart_and_leaves_the_session_row_alone(db: TestDb) {
        let (kettle, _) = kettle_and_ann(&db);
        let app = TestApp::new(db).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        app.get("/").await.assert_status(200);
        let stored = || -> Vec<(String, chrono::NaiveDateTime)> {
            sessions::table.select((sessions::state, sessions::expires_at)).load(&mut app.conn()).unwrap()
        };
        let before = stored();
        assert_eq!(before.len(), 1, "Ann's one session");

        let added = app.post("/cart/add", &[("variant_id", &kettle), ("quantity", "2")]).await;
        added.assert_redirect_to("/cart");
        assert!(!sets_cookie(&added, "sw_session"), "the add rewrote the session");
        assert!(sets_cookie(&added, "sw_frame"), "the add leaves its flash and count");
        let cart = app.get("/cart").await;
        cart.assert_status(200).assert_contains("Added to your cart.");
        assert_eq!(count_in_header(&cart), "2");
        let home = app.get("/").await;
        assert_eq!(count_in_header(&home), "2");
        assert!(!home.body.contains("Added to your cart."), "a flash is shown once");
        assert!(!sets_cookie(&home, "sw_frame"), "a page that changes nothing sends nothing");
        assert_eq!(stored(), before, "neither the add nor its pages wrote the session row");
    }
}

on_both_backends! {
    async fn the_header_counts_only_the_cart_of_the_browser_s_current_session(db: TestDb) {
        let (kettle, ann) = kettle_and_ann(&db);
        let app = TestApp::new(db).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        app.post("/cart/add", &[("variant_id", &kettle), ("quantity", "3")]).await.assert_redirect_to("/cart");
        assert_eq!(count_in_header(&app.get("/").await), "3");

        // Ann signs out everywhere from another device: this browser is a visitor again, and
        // its header does not show Ann's cart.
        shopwave::accounts::sessions::end_all_sessions(&mut app.conn(), ann).unwrap();
        let home = app.get("/").await;
        home.assert_contains("Sign in");
        assert_eq!(count_in_header(&home), "0");

        app.post("/cart/add", &[("variant_id", &kettle), ("quantity", "1")]).await.assert_redirect_to("/cart");
        assert_eq!(count_in_header(&app.get("/").await), "1", "the visitor's own cart");
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        assert_eq!(count_in_header(&app.get("/").await), "4", "the visitor's kettle joined Ann's cart");
        app.post("/account/logout", &[]).await.assert_redirect_to("/");
        assert_eq!(count_in_header(&app.get("/").await), "0");
    }
}

on_both_backends! {
    async fn a_forged_or_damaged_frame_cookie_is_ignored(db: TestDb) {
        let (kettle, _) = kettle_and_ann(&db);
        let app = TestApp::new(db).await;
        app.post("/cart/add", &[("variant_id", &kettle), ("quantity", "2")]).await.assert_redirect_to("/cart");
        let sealed = app.cookie("sw_frame").expect("a frame cookie");
        let forged = r#"{"flash":{"kind":"error","message":"Call us now"},"cart":{"of":"u1","count":99}}"#;
        for cookie in [forged, "x", &sealed[1..]] {
            app.set_cookie("sw_frame", cookie);
            let home = app.get("/").await;
            home.assert_status(200);
            assert!(!home.body.contains("Call us now") && !home.body.contains("Added to your cart."));
            assert_eq!(count_in_header(&home), "0", "{cookie}");
        }
    }
}
