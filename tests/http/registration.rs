//! Registration confirmed by e-mail: the form answers a new address and a taken one alike, the
//! account exists only once the mailed link's button is pressed, and a link works once.

use std::collections::BTreeSet;

use diesel::prelude::*;

use crate::accounts::{PASSWORD, follow_registration_link, send_registration};
use crate::common::builders::{self, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb, form_field};
use crate::on_both_backends;
use shopwave::db::schema::{pending_registrations, users};

fn count_users(app: &TestApp) -> i64 {
    users::table.count().get_result(&mut app.conn()).unwrap()
}

fn count_pending(app: &TestApp) -> i64 {
    pending_registrations::table
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

fn cookie_names(page: &Page) -> BTreeSet<String> {
    page.headers
        .get_all("set-cookie")
        .map(|c| c.to_str().unwrap().split('=').next().unwrap().to_owned())
        .collect()
}

/// Every mail written to `to`, as text.
fn mail_to(app: &TestApp, to: &str) -> Vec<String> {
    std::fs::read_dir(app.db.data_dir().join("mail"))
        .map(|dir| {
            dir.map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
                .filter(|mail| mail.contains(&format!("To: {to}\r\n")))
                .collect()
        })
        .unwrap_or_default()
}

/// What a fresh visitor is answered when sending the form for `email`.
async fn answer_for(app: &TestApp, email: &str) -> Page {
    app.clear_cookies();
    app.get("/account/register").await.assert_status(200);
    send_registration(app, email, "Eve").await
}

on_both_backends! {
    async fn a_new_and_a_taken_address_get_the_same_answer(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        let new = answer_for(&app, "bea@example.com").await;
        let taken = answer_for(&app, "ANN@example.com").await;
        for page in [&new, &taken] {
            page.assert_redirect_to("/account/register/sent");
        }
        assert_eq!(new.status, taken.status);
        assert_eq!(new.location(), taken.location());
        assert_eq!(cookie_names(&new), cookie_names(&taken));
        assert_eq!(new.body, taken.body);
        assert!(app.cookie("sw_session").is_none(), "nobody is signed in");
        app.get("/account/register/sent").await.assert_status(200)
            .assert_contains("We sent a link to finish creating your account to your e-mail address; it is valid for 24 hours")
            // No SMTP server in tests, as in the demo: the page says where mail goes instead.
            .assert_contains("<code>DATA_DIR/mail/</code>");

        // Only the new address waits for its link; the owner of the taken one is told instead.
        assert_eq!(count_users(&app), 1);
        assert_eq!(count_pending(&app), 1);
        assert!(app.db.mailed_link("bea@example.com").starts_with("/account/register/confirm?token="));
        let notices = mail_to(&app, "ann@example.com");
        assert_eq!(notices.len(), 1, "{notices:?}");
        assert!(notices[0].contains("already have an account") && !notices[0].contains("token="), "{notices:?}");
    }
}

on_both_backends! {
    async fn the_mailed_link_opens_the_account_only_when_its_button_is_pressed(db: TestDb) {
        let kettle = {
            let conn = &mut db.conn();
            let (seller, kitchen) = (builders::seller(conn), builders::category(conn, "Kitchen"));
            ProductBuilder::new("Copper Kettle").stock(5).insert(conn, seller, kitchen).1
        };
        let app = TestApp::new(db).await;
        app.post("/cart/add", &[("variant_id", &kettle.to_string()), ("quantity", "2")]).await.assert_redirect_to("/cart");
        send_registration(&app, "Bea@Example.com", "Bea").await.assert_redirect_to("/account/register/sent");
        let link = app.db.mailed_link("bea@example.com");
        // Mail scanners open links: the page alone changes nothing.
        for _ in 0..2 {
            app.get(&link).await.assert_status(200).assert_contains("bea@example.com");
        }
        let bea = || users::table.filter(users::email.eq("bea@example.com")).select(users::password_hash).load::<String>(&mut app.conn()).unwrap();
        assert!(bea().is_empty());
        assert_eq!(count_pending(&app), 1);

        follow_registration_link(&app, "bea@example.com").await.assert_redirect_to("/account");
        app.get("/account").await.assert_status(200)
            .assert_contains("Welcome to ShopWave, Bea! Your account is ready.").assert_contains("bea@example.com");
        assert_eq!(count_pending(&app), 0, "the link is used up");
        let hashes = bea();
        assert!(hashes.len() == 1 && hashes[0].starts_with("$argon2id$"), "{hashes:?}");
        // The cart filled before registering is the new account's.
        app.get("/cart").await.assert_status(200).assert_contains("Copper Kettle");
    }
}

on_both_backends! {
    async fn a_used_bogus_or_expired_link_changes_nothing(db: TestDb) {
        let app = TestApp::new(db).await;
        send_registration(&app, "bea@example.com", "Bea").await;
        let link = app.db.mailed_link("bea@example.com");
        let token = form_field(&app.get(&link).await.body, "token");
        app.post("/account/register/confirm", &[("token", &token)]).await.assert_redirect_to("/account");
        app.clear_cookies();

        let bogus = "0".repeat(64);
        for token in [token.as_str(), bogus.as_str(), ""] {
            app.get(&format!("/account/register/confirm?token={token}")).await
                .assert_status(404).assert_contains("This link does not work").assert_contains(r#"href="/account/register""#);
            app.post("/account/register/confirm", &[("token", token)]).await
                .assert_status(404).assert_contains("This link does not work");
        }
        assert_eq!(count_users(&app), 1);
        assert!(app.cookie("sw_session").is_none(), "nobody was signed in");

        send_registration(&app, "cy@example.com", "Cy").await;
        diesel::update(pending_registrations::table)
            .set(pending_registrations::expires_at.eq(shopwave::util::now() - chrono::Duration::minutes(1)))
            .execute(&mut app.conn())
            .unwrap();
        let link = app.db.mailed_link("cy@example.com");
        app.get(&link).await.assert_status(404);
        let token = link.split("token=").nth(1).unwrap();
        app.post("/account/register/confirm", &[("token", token)]).await.assert_status(404);
        assert_eq!(count_users(&app), 1);
        // The next registration clears expired ones away.
        send_registration(&app, "dee@example.com", "Dee").await;
        assert_eq!(count_pending(&app), 1);
    }
}

on_both_backends! {
    async fn a_link_for_an_address_that_got_an_account_meanwhile_opens_no_second_one(db: TestDb) {
        let app = TestApp::new(db).await;
        send_registration(&app, "bea@example.com", "Bea").await;
        send_registration(&app, "bea@example.com", "Bea").await;
        let latest = app.db.mailed_link("bea@example.com");
        UserBuilder::customer().email("bea@example.com").password(PASSWORD).insert(&mut app.conn());
        let token = latest.split("token=").nth(1).unwrap();
        app.post("/account/register/confirm", &[("token", token)]).await
            .assert_status(409)
            .assert_contains("This address already has an account; please <a href=\"/account/login\">sign in</a>.");
        assert_eq!(count_users(&app), 1);
        assert_eq!(count_pending(&app), 1, "only the link pressed is used up");
        assert!(app.cookie("sw_session").is_none(), "nobody was signed in");
    }
}

on_both_backends! {
    async fn the_mailed_link_points_at_the_shop_whatever_host_the_request_claimed(db: TestDb) {
        let app = TestApp::new(db).await;
        let token = app.csrf_token().await;
        let body = format!(
            "email=bea%40example.com&first_name=Bea&last_name=Tester&password={}&csrf_token={token}",
            PASSWORD.replace(' ', "+")
        );
        app.send(
            actix_web::test::TestRequest::post()
                .uri("/account/register")
                .insert_header(("Host", "evil.example"))
                .insert_header(("X-Forwarded-Host", "evil.example"))
                .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                .set_payload(body),
        )
        .await
        .assert_redirect_to("/account/register/sent");
        let mail = mail_to(&app, "bea@example.com").join("\n");
        assert!(!mail.contains("evil.example"), "{mail}");
        // `mailed_link` finds the link only under the shop's configured address.
        assert!(app.db.mailed_link("bea@example.com").starts_with("/account/register/confirm?token="));
    }
}
