//! User management: keyset pages, and suspension that signs the user out everywhere at once.

use diesel::prelude::*;
use shopwave::audit::Actor;

use crate::admin_reviews::admin_app;
use crate::common::builders::UserBuilder;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{audit_log, sessions, users};

fn status_of(app: &TestApp, user: i64) -> String {
    users::table
        .find(user)
        .select(users::status)
        .first(&mut app.conn())
        .unwrap()
}

fn sessions_of(app: &TestApp, user: i64) -> i64 {
    sessions::table
        .filter(sessions::user_id.eq(user))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn suspension_ends_every_session_and_reactivation_undoes_it(db: TestDb) {
        let ann = UserBuilder::customer().email("ann@example.com").insert(&mut db.conn());
        let (app, admin) = admin_app(db).await;
        // Ann is signed in on another device: a session row of hers.
        app.sign_in_as(ann);
        app.clear_cookies();
        app.sign_in_as(admin);
        assert_eq!(sessions_of(&app, ann), 1);

        app.get("/admin/users").await.assert_status(200).assert_contains("ann@example.com");
        app.post(&format!("/admin/users/{ann}/suspend"), &[]).await.assert_redirect_to("/admin/users");
        assert_eq!((status_of(&app, ann), sessions_of(&app, ann)), ("suspended".to_owned(), 0));
        let logged: Vec<(Option<i64>, String, Option<i64>)> = audit_log::table
            .select((audit_log::actor_id, audit_log::action, audit_log::entity_id)).load(&mut app.conn()).unwrap();
        assert_eq!(logged, vec![(Some(admin), "user.suspend".to_owned(), Some(ann))]);
        app.get("/admin/users").await.assert_contains("Account suspended").assert_contains("Reactivate");

        app.post(&format!("/admin/users/{ann}/suspend"), &[]).await.assert_status(409);
        app.post(&format!("/admin/users/{admin}/suspend"), &[]).await.assert_status(400);
        assert_eq!(status_of(&app, admin), "active");
        app.post("/admin/users/999999/suspend", &[]).await.assert_status(404);

        app.post(&format!("/admin/users/{ann}/reactivate"), &[]).await.assert_redirect_to("/admin/users");
        assert_eq!(status_of(&app, ann), "active");
        app.post(&format!("/admin/users/{ann}/reactivate"), &[]).await.assert_status(409);
    }
}

on_both_backends! {
    async fn a_suspended_users_open_browser_is_signed_out(db: TestDb) {
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(ann);
        app.get("/account").await.assert_status(200);
        // The admin acts through the service, as another node would; Ann's cookie stays here.
        shopwave::admin::users::suspend(&mut app.conn(), &Actor::offline(admin), ann).unwrap();
        app.get("/account").await.assert_redirect_to("/account/login?next=%2Faccount");
    }
}

on_both_backends! {
    async fn users_are_listed_in_keyset_pages(db: TestDb) {
        let mut conn = db.conn();
        let total = shopwave::admin::users::PAGE_SIZE + 3;
        let emails: Vec<String> = (0..total).map(|i| format!("user{i:03}@example.com")).collect();
        for email in &emails {
            UserBuilder::customer().email(email).insert(&mut conn);
        }
        drop(conn);
        let (app, _) = admin_app(db).await;
        let first = app.get("/admin/users").await;
        first.assert_status(200).assert_contains(&emails[0]).assert_contains(&emails[total - 4]);
        assert!(!first.body.contains(&emails[total - 3]));
        let next = first.body.split("/admin/users?after=").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let second = app.get(&format!("/admin/users?after={next}")).await;
        second.assert_status(200).assert_contains(&emails[total - 1]);
        assert!(!second.body.contains(&emails[0]));
    }
}
