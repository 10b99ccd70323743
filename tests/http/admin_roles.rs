//! An administrator changes a user's role at `/admin/users/{id}`: audited (old → new), the
//! account's sessions ended so the new role holds from its next request on every node, and the
//! refusals (a seller role without an approved shop, one's own role, an open shop's owner).

use crate::admin_reviews::admin_app;
use crate::common::builders::UserBuilder;
use crate::common::sellers::{application, audit_rows, role_of, seller_in, session_count};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;

on_both_backends! {
    async fn a_role_change_is_audited_and_holds_from_the_next_request(db: TestDb) {
        let customer = UserBuilder::customer().insert(&mut db.conn());
        let (app, admin) = admin_app(db).await;
        app.sign_in_as(customer);
        let customer_cookie = app.cookie("sw_session").unwrap();
        app.get("/admin").await.assert_status(403);
        app.sign_in_as(admin);
        let page = format!("/admin/users/{customer}");
        app.get("/admin/users").await.assert_contains(&format!("href=\"{page}\""));
        app.get(&page).await.assert_status(200).assert_contains("Change role");

        app.post(&format!("{page}/role"), &[("role", "root")]).await
            .assert_status(422).assert_contains("Choose a role from the list");
        app.post(&format!("{page}/role"), &[("role", "admin")]).await.assert_redirect_to(&page);
        assert_eq!(role_of(&app, customer), "admin");
        assert_eq!(session_count(&app, customer), 0);
        let (action, details) = audit_rows(&app).pop().unwrap();
        assert_eq!(action, "user.role");
        assert!(details.starts_with("role customer → admin"), "{details}");

        // The old sign-in is gone: the old cookie is a visitor's now.
        app.set_cookie("sw_session", &customer_cookie);
        app.get("/admin").await.assert_redirect_to("/account/login?next=%2Fadmin");
        app.sign_in_as(customer);
        app.get("/admin").await.assert_status(200);

        // Back to customer, by the other administrator.
        app.sign_in_as(admin);
        app.post(&format!("{page}/role"), &[("role", "customer")]).await.assert_redirect_to(&page);
        assert_eq!(role_of(&app, customer), "customer");
        assert_eq!(audit_rows(&app).len(), 2);
        app.get("/admin/users/999999").await.assert_status(404);
    }
}

on_both_backends! {
    async fn refusals_say_why_and_change_nothing(db: TestDb) {
        let mut conn = db.conn();
        let customer = UserBuilder::customer().insert(&mut conn);
        let (_, applicant) = application(&mut conn);
        let (_, open_shop) = seller_in(&mut conn, "active", "seller");
        let (_, closed_shop) = seller_in(&mut conn, "suspended", "seller");
        drop(conn);
        let (app, admin) = admin_app(db).await;
        for user in [customer, applicant] {
            app.post(&format!("/admin/users/{user}/role"), &[("role", "seller")]).await
                .assert_status(422).assert_contains("no approved seller profile")
                .assert_contains("/admin/sellers");
            assert_eq!(role_of(&app, user), "customer");
        }
        app.post(&format!("/admin/users/{admin}/role"), &[("role", "customer")]).await
            .assert_status(409).assert_contains("You cannot change your own role");
        assert_eq!(role_of(&app, admin), "admin");
        app.get(&format!("/admin/users/{admin}")).await.assert_contains("another administrator must change its role");
        app.post(&format!("/admin/users/{open_shop}/role"), &[("role", "customer")]).await
            .assert_status(409).assert_contains("Suspend the shop");
        assert_eq!(role_of(&app, open_shop), "seller");
        assert!(audit_rows(&app).is_empty());

        // A suspended shop's owner may become a shopper, and a seller again later.
        app.post(&format!("/admin/users/{closed_shop}/role"), &[("role", "customer")]).await.assert_status(303);
        app.post(&format!("/admin/users/{closed_shop}/role"), &[("role", "seller")]).await.assert_status(303);
        assert_eq!(role_of(&app, closed_shop), "seller");
    }
}

on_both_backends! {
    async fn only_administrators_change_roles(db: TestDb) {
        let mut conn = db.conn();
        let customer = UserBuilder::customer().insert(&mut conn);
        let (_, seller) = seller_in(&mut conn, "active", "seller");
        drop(conn);
        let app = TestApp::with(db, true, |_| {}).await;
        for user in [customer, seller] {
            app.sign_in_as(user);
            app.get(&format!("/admin/users/{customer}")).await.assert_status(403);
            app.post(&format!("/admin/users/{user}/role"), &[("role", "admin")]).await.assert_status(403);
            assert_ne!(role_of(&app, user), "admin");
        }
        assert!(audit_rows(&app).is_empty());
    }
}
