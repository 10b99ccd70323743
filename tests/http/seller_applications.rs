//! Applying to sell at `/seller/apply`: the form, the "being reviewed" page, refusals (twice,
//! taken names, an administrator), and the approved applicant reaching the seller panel.

use diesel::prelude::*;

use crate::admin_reviews::admin_app;
use crate::common::builders::UserBuilder;
use crate::common::sellers::{audit_rows, role_of, seller_in, seller_status};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::sellers;

fn seller_of(app: &TestApp, user_id: i64) -> Option<(i64, String, String, String)> {
    sellers::table
        .filter(sellers::user_id.eq(user_id))
        .select((
            sellers::id,
            sellers::display_name,
            sellers::slug,
            sellers::status,
        ))
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

fn count(app: &TestApp) -> i64 {
    sellers::table.count().get_result(&mut app.conn()).unwrap()
}

on_both_backends! {
    async fn a_shopper_applies_once_and_waits_for_review(db: TestDb) {
        let shopper = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.get("/seller/apply").await.assert_redirect_to("/account/login?next=%2Fseller%2Fapply");
        app.sign_in_as(shopper);
        app.get("/seller/apply").await.assert_status(200)
            .assert_contains("<h1>Sell on ShopWave</h1>").assert_contains("Shop name");

        // Bad input: messages beside the fields, what was typed kept, nothing stored.
        app.post("/seller/apply", &[("shop_name", "!!!"), ("contact_email", "nope")]).await
            .assert_status(422).assert_contains("at least one letter or digit")
            .assert_contains("valid e-mail address").assert_contains("value=\"nope\"");
        app.post("/seller/apply", &[("shop_name", ""), ("contact_email", "a@b.example")]).await
            .assert_status(422).assert_contains("Please enter shop name.");
        assert_eq!(count(&app), 0);

        app.post("/seller/apply", &[("shop_name", " Quokka Ceramics "), ("contact_email", "Hello@Quokka.example")]).await
            .assert_redirect_to("/seller/apply");
        let (id, name, slug, status) = seller_of(&app, shopper).expect("a seller row");
        assert_eq!((name.as_str(), slug.as_str(), status.as_str()), ("Quokka Ceramics", "quokka-ceramics", "pending"));
        assert_eq!(role_of(&app, shopper), "customer", "a shopper until approved");
        app.get("/seller/apply").await.assert_status(200)
            .assert_contains("your application to sell has been sent")
            .assert_contains("Your application is being reviewed")
            .assert_contains("hello@quokka.example");

        // Twice: refused, saying why; still one row.
        app.post("/seller/apply", &[("shop_name", "Another Shop"), ("contact_email", "x@y.example")]).await
            .assert_status(409).assert_contains("already applied to sell; your application is being reviewed");
        assert_eq!(count(&app), 1);
        // The seller panel is not open yet.
        app.get("/seller").await.assert_status(403);
        let rows = audit_rows(&app);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "seller.apply");
        assert!(rows[0].1.contains("Quokka Ceramics"), "{}", rows[0].1);
        assert!(id > 0);
    }
}

on_both_backends! {
    async fn names_and_contacts_of_other_shops_are_refused(db: TestDb) {
        let mut conn = db.conn();
        let (taken, _) = seller_in(&mut conn, "active", "seller");
        let shopper = UserBuilder::customer().insert(&mut conn);
        drop(conn);
        let app = TestApp::new(db).await;
        let (name, contact): (String, String) = sellers::table.find(taken)
            .select((sellers::display_name, sellers::contact_email)).first(&mut app.conn()).unwrap();
        app.sign_in_as(shopper);
        // The same address from another spelling of the name.
        app.post("/seller/apply", &[("shop_name", &name.to_uppercase()), ("contact_email", "new@shop.example")]).await
            .assert_status(422).assert_contains("Another shop already has a name");
        app.post("/seller/apply", &[("shop_name", "Fresh Name"), ("contact_email", &contact.to_uppercase())]).await
            .assert_status(422).assert_contains("Another shop already uses this contact e-mail");
        assert_eq!(count(&app), 1);
        assert!(seller_of(&app, shopper).is_none());
    }
}

on_both_backends! {
    async fn sellers_go_to_their_panel_and_administrators_cannot_apply(db: TestDb) {
        let mut conn = db.conn();
        let (_, seller_user) = seller_in(&mut conn, "active", "seller");
        let (_, suspended_user) = seller_in(&mut conn, "suspended", "seller");
        drop(conn);
        let (app, admin) = admin_app(db).await;
        app.get("/seller/apply").await.assert_status(200)
            .assert_contains("Administrators cannot sell from their own account");
        app.post("/seller/apply", &[("shop_name", "Admin Shop"), ("contact_email", "a@shop.example")]).await
            .assert_status(409).assert_contains("Administrators cannot sell");
        assert!(seller_of(&app, admin).is_none());

        app.sign_in_as(seller_user);
        app.get("/seller/apply").await.assert_redirect_to("/seller");
        app.post("/seller/apply", &[("shop_name", "Second Shop"), ("contact_email", "b@shop.example")]).await
            .assert_redirect_to("/seller");
        app.sign_in_as(suspended_user);
        app.get("/seller/apply").await.assert_redirect_to("/seller");
        app.get("/seller").await.assert_status(403).assert_contains("Your shop is suspended");
        assert_eq!(count(&app), 2);
    }
}

on_both_backends! {
    async fn an_approved_applicant_signs_in_again_to_their_panel(db: TestDb) {
        let shopper = UserBuilder::customer().insert(&mut db.conn());
        let (app, admin) = admin_app(db).await;
        app.sign_in_as(shopper);
        app.post("/seller/apply", &[("shop_name", "Numbat Knits"), ("contact_email", "knits@numbat.example")]).await
            .assert_redirect_to("/seller/apply");
        let shopper_cookie = app.cookie("sw_session").unwrap();
        let (seller, ..) = seller_of(&app, shopper).unwrap();

        app.sign_in_as(admin);
        app.post(&format!("/admin/sellers/{seller}/approve"), &[("commission", "12.5")]).await
            .assert_redirect_to(&format!("/admin/sellers/{seller}"));
        assert_eq!(seller_status(&app, seller).as_deref(), Some("active"));
        assert_eq!(role_of(&app, shopper), "seller");

        // The old sign-in ended with the role change; a new one opens the panel.
        app.set_cookie("sw_session", &shopper_cookie);
        app.get("/seller").await.assert_redirect_to("/account/login?next=%2Fseller");
        app.sign_in_as(shopper);
        app.get("/seller").await.assert_status(200).assert_contains("Numbat Knits")
            .assert_contains("12.50");
        app.get("/seller/apply").await.assert_redirect_to("/seller");
    }
}
