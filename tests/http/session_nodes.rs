//! Two app nodes over one database: a session ended on one node (sign-out, password change,
//! suspension) is refused by the other on its very next request, and concurrent requests whose
//! session reads share a query each get their own session.

use actix_web::http::header;
use actix_web::test::TestRequest;
use futures_util::future::join_all;

use crate::accounts::{PASSWORD, log_in};
use crate::common::builders::UserBuilder;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb, plant_session};
use crate::on_both_backends;

/// Node A (demo mode, so its admin needs no second factor) and node B, sharing `db`.
async fn two_nodes(db: TestDb) -> (TestApp, TestApp) {
    let second = db.another_node();
    let a = TestApp::with(db, true, |_| {}).await;
    let b = TestApp::new(second).await;
    (a, b)
}

/// Signs `email` in through node A's form and carries the browser's cookie to node B, which
/// serves its signed-in pages (twice, so anything B could keep of the session it has kept).
async fn signed_in_on_both(a: &TestApp, b: &TestApp, email: &str) {
    a.clear_cookies();
    b.clear_cookies();
    log_in(a, email, PASSWORD).await.assert_redirect_to("/");
    b.set_cookie(
        "sw_session",
        &a.cookie("sw_session").expect("a session cookie"),
    );
    for path in ["/account", "/orders", "/cart", "/account"] {
        b.get(path)
            .await
            .assert_status(200)
            .assert_contains("Sign out");
    }
}

/// Node B answers this browser's signed-in page as to a visitor.
async fn refused_on(b: &TestApp) {
    let page = b.get("/account").await;
    assert_eq!(page.status, 303, "node B still serves the ended session");
    assert!(
        page.location().unwrap().starts_with("/account/login"),
        "{:?}",
        page.location()
    );
}

on_both_backends! {
    async fn a_session_ended_on_one_node_is_refused_by_the_other(db: TestDb) {
        let ann = UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
        let (a, b) = two_nodes(db).await;

        signed_in_on_both(&a, &b, "ann@example.com").await;
        a.post("/account/logout", &[]).await.assert_redirect_to("/");
        refused_on(&b).await;

        signed_in_on_both(&a, &b, "ann@example.com").await;
        let new_password = "a different long passphrase 42";
        a.post("/account/password", &[("current_password", PASSWORD), ("new_password", new_password)])
            .await
            .assert_status(303);
        refused_on(&b).await;
        // Node A carried its own browser on to a fresh session; B's copy of the old one is gone.
        a.get("/account").await.assert_status(200);

        a.post("/account/password", &[("current_password", new_password), ("new_password", PASSWORD)])
            .await
            .assert_status(303);
        signed_in_on_both(&a, &b, "ann@example.com").await;
        a.clear_cookies();
        a.sign_in_as(admin);
        a.post(&format!("/admin/users/{ann}/suspend"), &[]).await.assert_redirect_to("/admin/users");
        refused_on(&b).await;
    }
}

on_both_backends! {
    async fn requests_read_together_each_get_their_own_session(db: TestDb) {
        let ann = UserBuilder::customer().email("ann@example.com").insert(&mut db.conn());
        let bob = UserBuilder::customer().email("bob@example.com").insert(&mut db.conn());
        let (anns, bobs) = (plant_session(&mut db.conn(), ann), plant_session(&mut db.conn(), bob));
        let (a, b) = two_nodes(db).await;
        a.set_cookie("sw_session", &anns);
        a.post("/account/logout", &[]).await.assert_redirect_to("/");

        // Many at once, so that node B reads several of them in one query; each brings its own
        // cookie, as separate browsers would.
        let requests = (0..24).map(|i| {
            let cookie = match i % 3 {
                0 => format!("sw_session={anns}"),
                1 => format!("sw_session={bobs}"),
                _ => "sw_session=not-a-sealed-cookie".to_owned(),
            };
            b.send(TestRequest::get().uri("/account").insert_header((header::COOKIE, cookie)))
        });
        for (i, page) in join_all(requests).await.into_iter().enumerate() {
            match i % 3 {
                1 => assert_eq!(page.status, 200, "bob's session is live"),
                _ => assert_eq!(page.status, 303, "request {i} is anonymous"),
            }
        }
    }
}
