//! "Your sessions": a user sees where they are signed in and signs out everywhere else, keeping
//! this browser signed in and leaving other users' sessions alone.

use diesel::prelude::*;

use crate::accounts::{PASSWORD, log_in};
use crate::common::builders::UserBuilder;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb, plant_session};
use crate::on_both_backends;
use shopwave::db::schema::sessions;

fn sessions_of(app: &TestApp, user_id: i64) -> i64 {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn user(db: &TestDb, email: &str) -> i64 {
    UserBuilder::customer()
        .email(email)
        .password(PASSWORD)
        .insert(&mut db.conn())
}

on_both_backends! {
    async fn signing_out_everywhere_else_keeps_this_browser(db: TestDb) {
        let (ann, bob) = (user(&db, "ann@example.com"), user(&db, "bob@example.com"));
        let phone = plant_session(&mut db.conn(), ann);
        plant_session(&mut db.conn(), ann);
        plant_session(&mut db.conn(), bob);
        let app = TestApp::new(db).await;
        let visitor = app.get("/account/sessions").await;
        assert_eq!(visitor.status, 303);
        assert!(visitor.location().unwrap().starts_with("/account/login"), "{:?}", visitor.location());

        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        app.get("/account").await.assert_contains(r#"<a href="/account/sessions">Your sessions</a>"#);
        let page = app.get("/account/sessions").await;
        page.assert_status(200).assert_contains("<h1>Your sessions</h1>");
        assert_eq!(page.body.matches("<tr>").count(), 1 + 3, "a header and three sessions");
        assert_eq!(page.body.matches("This browser").count(), 1);

        app.post("/account/sessions/end-others", &[]).await.assert_redirect_to("/account/sessions");
        let page = app.get("/account/sessions").await;
        page.assert_status(200).assert_contains("Signed out of 2 other sessions.");
        assert_eq!(page.body.matches("<tr>").count(), 1 + 1);
        assert_eq!(sessions_of(&app, ann), 1);
        assert_eq!(sessions_of(&app, bob), 1, "another user's session is untouched");

        app.post("/account/sessions/end-others", &[]).await.assert_redirect_to("/account/sessions");
        app.get("/account/sessions").await.assert_contains("You were not signed in anywhere else.");

        // The phone that was signed in is signed out.
        app.clear_cookies();
        app.set_cookie("sw_session", &phone);
        assert_eq!(app.get("/account/sessions").await.status, 303);
    }
}

on_both_backends! {
    async fn a_sign_in_from_before_marks_keeps_itself(db: TestDb) {
        let ann = user(&db, "ann@example.com");
        plant_session(&mut db.conn(), ann);
        let app = TestApp::new(db).await;
        // A session stored without a mark, as every sign-in before this page was.
        app.sign_in_as(ann);
        app.post("/account/sessions/end-others", &[]).await.assert_redirect_to("/account/sessions");
        app.get("/account/sessions").await.assert_status(200).assert_contains("once more");
        assert_eq!(sessions_of(&app, ann), 2, "nothing ended before this session could be told apart");
        app.post("/account/sessions/end-others", &[]).await.assert_redirect_to("/account/sessions");
        app.get("/account/sessions").await.assert_status(200).assert_contains("This browser");
        assert_eq!(sessions_of(&app, ann), 1);
    }
}
