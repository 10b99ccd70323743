//! Changing a signed-in account's e-mail address: a link to the new address (single use, 30
//! minutes, stored hashed) and a notice to the old one; the old address signs in until the
//! link is followed; following it changes the address if still free, ends the other sessions
//! and writes an audit row. Wrong passwords, taken addresses and a fourth ask in an hour are
//! refused with their message.

use diesel::prelude::*;

use crate::accounts::{PASSWORD, log_in};
use crate::common::builders::UserBuilder;
use crate::common::reset::mails_to;
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb, form_field, plant_session};
use crate::on_both_backends;
use shopwave::db::schema::{audit_log, email_changes};

const NEW: &str = "ann.new@example.com";

fn ann(db: &TestDb) -> i64 {
    UserBuilder::customer()
        .email("ann@example.com")
        .password(PASSWORD)
        .insert(&mut db.conn())
}

async fn ask(app: &TestApp, new_email: &str, password: &str) -> Page {
    app.post(
        "/account/email",
        &[("new_email", new_email), ("current_password", password)],
    )
    .await
}

/// The token of the latest link mailed to `to`, read off the page the link opens.
async fn mailed_token(app: &TestApp, to: &str) -> String {
    let link = app.db.mailed_link(to);
    assert!(link.starts_with("/account/email/confirm?token="), "{link}");
    form_field(&app.get(&link).await.assert_status(200).body, "token")
}

async fn confirm(app: &TestApp, token: &str) -> Page {
    app.post("/account/email/confirm", &[("token", token)])
        .await
}

on_both_backends! {
    async fn the_link_to_the_new_address_moves_the_account(db: TestDb) {
        let ann = ann(&db);
        let other_device = plant_session(&mut db.conn(), ann);
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        app.get("/account").await.assert_status(200).assert_contains(r#"<a href="/account/email">"#);
        app.get("/account/email").await.assert_status(200)
            .assert_contains("<h1>Change e-mail address</h1>").assert_contains("ann@example.com");
        ask(&app, " Ann.New@Example.COM ", PASSWORD).await.assert_redirect_to("/account");
        app.get("/account").await.assert_contains(&format!("We sent a link to {NEW}."));
        assert_eq!((mails_to(&app, NEW), mails_to(&app, "ann@example.com")), (1, 1));
        let token = mailed_token(&app, NEW).await;
        let stored: Vec<String> = email_changes::table.select(email_changes::token_hash).load(&mut app.conn()).unwrap();
        assert_eq!(stored, vec![shopwave::util::sha256_hex(&token)]);

        // Until the link is followed, the old address is the one that signs in.
        assert_eq!(app.db.email_of(ann), "ann@example.com");
        app.clear_cookies();
        log_in(&app, NEW, PASSWORD).await.assert_status(422);
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");

        // Followed while signed in: this browser stays signed in, the other device does not.
        app.get(&format!("/account/email/confirm?token={token}")).await.assert_status(200)
            .assert_contains(NEW).assert_contains("Use this address");
        confirm(&app, &token).await.assert_redirect_to("/account");
        app.get("/account").await.assert_status(200).assert_contains(&format!("Your e-mail address is now {NEW}."));
        assert_eq!(app.db.email_of(ann), NEW);
        let logged: Vec<(Option<i64>, String, Option<i64>)> = audit_log::table
            .select((audit_log::actor_id, audit_log::action, audit_log::entity_id))
            .load(&mut app.conn()).unwrap();
        assert!(logged.contains(&(Some(ann), "user.email_changed".to_owned(), Some(ann))), "{logged:?}");

        app.clear_cookies();
        app.set_cookie("sw_session", &other_device);
        let account = app.get("/account").await;
        assert_eq!(account.status, 303, "the other device was signed out");
        log_in(&app, "ann@example.com", PASSWORD).await.assert_status(422);
        log_in(&app, NEW, PASSWORD).await.assert_redirect_to("/");
    }
}

on_both_backends! {
    async fn used_expired_and_forged_links_change_nothing(db: TestDb) {
        let ann = ann(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        ask(&app, NEW, PASSWORD).await.assert_redirect_to("/account");
        let token = mailed_token(&app, NEW).await;
        // Followed in a browser that is not signed in: the change is made, then sign in.
        app.clear_cookies();
        confirm(&app, &token).await.assert_redirect_to("/account/login");
        assert_eq!(app.db.email_of(ann), NEW);
        confirm(&app, &token).await.assert_status(404).assert_contains("This link has expired or was already used");
        app.get(&format!("/account/email/confirm?token={token}")).await.assert_status(404);

        app.sign_in_as(ann);
        ask(&app, "ann.third@example.com", PASSWORD).await.assert_redirect_to("/account");
        let token = mailed_token(&app, "ann.third@example.com").await;
        diesel::update(email_changes::table.filter(email_changes::used_at.is_null()))
            .set(email_changes::expires_at.eq(shopwave::util::now() - chrono::Duration::minutes(1)))
            .execute(&mut app.conn()).unwrap();
        app.get(&format!("/account/email/confirm?token={token}")).await.assert_status(404);
        confirm(&app, &token).await.assert_status(404);
        let forged = "0".repeat(64);
        for token in [forged.as_str(), ""] {
            confirm(&app, token).await.assert_status(404);
        }
        assert_eq!(app.db.email_of(ann), NEW);
    }
}

on_both_backends! {
    async fn a_taken_address_is_refused_when_asked_and_when_confirmed(db: TestDb) {
        let ann = ann(&db);
        UserBuilder::customer().email("bob@example.com").insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        ask(&app, "Bob@example.com", PASSWORD).await.assert_status(422)
            .assert_contains("That address belongs to another account.");
        ask(&app, "ann@example.com", PASSWORD).await.assert_status(422)
            .assert_contains("That is already your address.");
        assert_eq!(mails_to(&app, "bob@example.com"), 0);

        // Free when asked, taken by the time the link is followed.
        ask(&app, "carol@example.com", PASSWORD).await.assert_redirect_to("/account");
        let token = mailed_token(&app, "carol@example.com").await;
        UserBuilder::customer().email("carol@example.com").insert(&mut app.conn());
        confirm(&app, &token).await.assert_status(409).assert_contains("That address belongs to another account.");
        assert_eq!(app.db.email_of(ann), "ann@example.com");
    }
}

on_both_backends! {
    async fn a_wrong_password_or_address_is_a_form_error(db: TestDb) {
        let ann = ann(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        ask(&app, NEW, "not my password at all").await.assert_status(422)
            .assert_contains("Your current password is not correct.").assert_contains(NEW);
        ask(&app, "not an address", PASSWORD).await.assert_status(422)
            .assert_contains("Please enter a valid e-mail address.").assert_contains(r#"aria-describedby="new_email-error""#);
        ask(&app, NEW, "").await.assert_status(422).assert_contains("Please enter your current password.");
        assert_eq!(mails_to(&app, NEW), 0);
        let rows: i64 = email_changes::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(rows, 0);
        assert_eq!(app.db.email_of(ann), "ann@example.com");

        // Signed out, the form is not there to use.
        app.clear_cookies();
        assert_eq!(app.get("/account/email").await.status, 303);
        assert_eq!(ask(&app, NEW, PASSWORD).await.status, 303);
        assert_eq!(mails_to(&app, NEW), 0);
    }
}

on_both_backends! {
    async fn at_most_three_links_an_hour(db: TestDb) {
        let ann = ann(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        for _ in 0..3 {
            ask(&app, NEW, PASSWORD).await.assert_redirect_to("/account");
        }
        ask(&app, NEW, PASSWORD).await.assert_status(429).assert_contains("You asked for 3 links in the last hour.");
        assert_eq!(mails_to(&app, NEW), 3);
        // Every link of the account dies with the one followed.
        let token = mailed_token(&app, NEW).await;
        confirm(&app, &token).await.assert_redirect_to("/account");
        let live: i64 = email_changes::table.filter(email_changes::used_at.is_null()).count().get_result(&mut app.conn()).unwrap();
        assert_eq!(live, 0);
    }
}
