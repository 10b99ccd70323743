//! Weird input on the account forms: refused with a message or stored and escaped, never a 500
//! and never raw markup in a page.

use diesel::prelude::*;

use crate::accounts::{PASSWORD, register};
use crate::common::builders::UserBuilder;
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{addresses, users};

/// A urlencoded body with this visitor's CSRF token and one raw (already encoded) field value.
async fn raw_form(app: &TestApp, fields: &str) -> Vec<u8> {
    format!("csrf_token={}&{fields}", app.csrf_token().await).into_bytes()
}

fn assert_refused(page: &Page) {
    assert!(
        page.status.is_client_error(),
        "expected a 4xx, got {}: {}",
        page.status,
        page.body
    );
}

on_both_backends! {
    async fn nul_bytes_bad_utf8_and_huge_fields_are_refused_not_stored(db: TestDb) {
        let app = TestApp::new(db).await;
        let pw = "correct+horse+battery+staple";
        for first_name in ["A%00B", "%FF%FE", &"x".repeat(10_000), "line%0Abreak"] {
            app.clear_cookies();
            let body = raw_form(&app, &format!("email=a%40example.com&first_name={first_name}&password={pw}")).await;
            let page = app.post_raw("/account/register", &body).await;
            page.assert_status(422).assert_contains("First name");
        }
        for email in ["a%00%40example.com", "%FF%40example.com", &format!("{}%40example.com", "a".repeat(400))] {
            let body = raw_form(&app, &format!("email={email}&first_name=Ann&password={pw}")).await;
            assert_refused(&app.post_raw("/account/register", &body).await);
            let body = raw_form(&app, &format!("email={email}&password={pw}")).await;
            assert_refused(&app.post_raw("/account/login", &body).await);
        }
        let body = raw_form(&app, "email=a%40example.com&password=x%00y").await;
        app.post_raw("/account/login", &body).await.assert_status(422);
        let count: i64 = users::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 0);
    }
}

on_both_backends! {
    async fn oversized_and_malformed_bodies_get_4xx(db: TestDb) {
        let ann = UserBuilder::customer().password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        let huge = raw_form(&app, &format!("full_name={}", "x".repeat(300 * 1024))).await;
        app.post_raw("/account/addresses", &huge).await.assert_status(413);
        let missing = raw_form(&app, "first_name=Ann").await;
        app.post_raw("/account/login", &missing).await.assert_status(400);
        let body = raw_form(&app, "full_name=A%00nn&line1=x&city=y&postal_code=1&country=US").await;
        app.post_raw("/account/addresses", &body).await.assert_status(422).assert_contains("characters we cannot accept");
        let count: i64 = addresses::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 0);
    }
}

on_both_backends! {
    async fn script_tags_are_stored_as_text_and_escaped_on_every_page(db: TestDb) {
        let app = TestApp::new(db).await;
        register(&app, "ann@example.com", "<script>alert('x')</script>").await.assert_redirect_to("/account");
        let fields = [
            ("label", "<img src=x onerror=alert(1)>"),
            ("full_name", "\"><script>alert(2)</script>"),
            ("line1", "1 Main St"),
            ("city", "Springfield"),
            ("postal_code", "62701"),
            ("country", "US"),
        ];
        app.post("/account/addresses", &fields).await.assert_redirect_to("/account/addresses");
        for path in ["/", "/account", "/account/addresses", "/wishlist"] {
            let page = app.get(path).await;
            page.assert_status(200);
            assert!(!page.body.contains("<script>alert"), "{path} has raw script");
            assert!(!page.body.contains("<img src=x"), "{path} has a raw img");
        }
        let stored: String = users::table.select(users::first_name).first(&mut app.conn()).unwrap();
        assert_eq!(stored, "<script>alert('x')</script>", "text is stored as typed, escaped on output");
    }
}
