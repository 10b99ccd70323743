//! The wishlist: add from a product page, list, remove; only ever one's own.

use diesel::prelude::*;

use crate::common::builders::{self, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::wishlist_items;

fn entries(app: &TestApp, user: i64) -> Vec<i64> {
    wishlist_items::table
        .filter(wishlist_items::user_id.eq(user))
        .select(wishlist_items::product_id)
        .order(wishlist_items::product_id)
        .load(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn products_are_saved_listed_and_removed(db: TestDb) {
        let mut conn = db.conn();
        let ann = UserBuilder::customer().insert(&mut conn);
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Lamps"));
        let (lamp, _) = ProductBuilder::new("Desk Lamp").price(2500).insert(&mut conn, seller, category);
        let (draft, _) = ProductBuilder::new("Secret Draft").status("draft").insert(&mut conn, seller, category);
        drop(conn);
        let app = TestApp::new(db).await;
        app.get("/wishlist").await.assert_redirect_to("/account/login?next=%2Fwishlist");
        app.sign_in_as(ann);
        app.get("/wishlist").await.assert_status(200).assert_contains("Nothing saved yet");

        let lamp_id = lamp.to_string();
        app.post("/wishlist/add", &[("product_id", &lamp_id), ("next", "/p/desk-lamp")]).await.assert_redirect_to("/p/desk-lamp");
        app.post("/wishlist/add", &[("product_id", &lamp_id), ("next", "https://evil.example/")]).await.assert_redirect_to("/wishlist");
        assert_eq!(entries(&app, ann), vec![lamp], "saving twice keeps one entry");
        app.get("/wishlist").await.assert_contains("Desk Lamp").assert_contains("$25.00");

        app.post("/wishlist/add", &[("product_id", &draft.to_string())]).await.assert_status(404);
        app.post("/wishlist/add", &[("product_id", "999999")]).await.assert_status(404);
        app.post("/wishlist/add", &[("product_id", "lamp")]).await.assert_status(400);

        app.post("/wishlist/remove", &[("product_id", &lamp_id)]).await.assert_redirect_to("/wishlist");
        assert!(entries(&app, ann).is_empty());
        app.post("/wishlist/remove", &[("product_id", &lamp_id)]).await.assert_status(404);
    }
}

on_both_backends! {
    async fn one_shopper_cannot_see_or_remove_anothers_entries(db: TestDb) {
        let mut conn = db.conn();
        let (ann, bob) = (UserBuilder::customer().insert(&mut conn), UserBuilder::customer().insert(&mut conn));
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Mugs"));
        let (mug, _) = ProductBuilder::new("Bobs Mug").insert(&mut conn, seller, category);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(bob);
        app.post("/wishlist/add", &[("product_id", &mug.to_string())]).await.assert_redirect_to("/wishlist");

        app.clear_cookies();
        app.sign_in_as(ann);
        assert!(!app.get("/wishlist").await.body.contains("Bobs Mug"));
        app.post("/wishlist/remove", &[("product_id", &mug.to_string())]).await.assert_status(404);
        assert_eq!(entries(&app, bob), vec![mug]);
    }
}
