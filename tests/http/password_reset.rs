//! Password reset by e-mail: the form answers alike whether or not the address has an account,
//! the mailed link works once and for 30 minutes, a refused password leaves it usable, and a
//! reset ends every session of the account.

use diesel::prelude::*;

use crate::accounts::{PASSWORD, log_in};
use crate::common::builders::UserBuilder;
use crate::common::reset::{ask_reset, mailed_reset_token, mails_to, set_password};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb, plant_session};
use crate::on_both_backends;
use shopwave::accounts::UserStatus;
use shopwave::db::schema::{audit_log, password_resets, users};

const NEW_PASSWORD: &str = "a brand new passphrase for ann";

fn ann(db: &TestDb) -> i64 {
    UserBuilder::customer()
        .email("ann@example.com")
        .password(PASSWORD)
        .insert(&mut db.conn())
}

fn password_hash(app: &TestApp, user_id: i64) -> String {
    users::table
        .find(user_id)
        .select(users::password_hash)
        .first(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn the_mailed_link_sets_a_new_password_and_ends_every_session(db: TestDb) {
        let ann = ann(&db);
        let old_client = plant_session(&mut db.conn(), ann);
        let app = TestApp::new(db).await;
        app.get("/account/login").await.assert_status(200)
            .assert_contains(r#"<a href="/account/password/forgot">Forgot your password?</a>"#);
        app.get("/account/password/forgot").await.assert_status(200).assert_contains("<h1>Forgot your password?</h1>");
        ask_reset(&app, "Ann@Example.com").await.assert_status(200)
            .assert_contains("If an account exists for that address, we have sent a link")
            .assert_contains("valid for 30 minutes");
        let token = mailed_reset_token(&app, "ann@example.com").await;
        // The link's page changes nothing: it can be opened again.
        app.get(&format!("/account/password/reset?token={token}")).await.assert_status(200)
            .assert_contains("Choose a new password");

        // Only the token's SHA-256 is kept.
        let stored: Vec<String> = password_resets::table.select(password_resets::token_hash).load(&mut app.conn()).unwrap();
        assert_eq!(stored, vec![shopwave::util::sha256_hex(&token)]);
        assert!(!stored.contains(&token));

        set_password(&app, &token, NEW_PASSWORD).await.assert_redirect_to("/account/login");
        app.get("/account/login").await.assert_status(200)
            .assert_contains("Your password was changed and every device was signed out.");
        log_in(&app, "ann@example.com", PASSWORD).await.assert_status(422);
        log_in(&app, "ann@example.com", NEW_PASSWORD).await.assert_redirect_to("/");

        // The browser that was signed in before the reset is signed out.
        app.clear_cookies();
        app.set_cookie("sw_session", &old_client);
        let account = app.get("/account").await;
        assert_eq!(account.status, 303);
        assert!(account.location().unwrap().starts_with("/account/login"), "{:?}", account.location());

        let logged: Vec<(Option<i64>, String, Option<i64>)> = audit_log::table
            .select((audit_log::actor_id, audit_log::action, audit_log::entity_id))
            .load(&mut app.conn()).unwrap();
        assert!(logged.contains(&(Some(ann), "user.password_reset".to_owned(), Some(ann))), "{logged:?}");
    }
}

on_both_backends! {
    async fn unknown_and_suspended_addresses_get_the_same_answer_and_no_mail(db: TestDb) {
        let ann = ann(&db);
        UserBuilder::customer().email("sus@example.com").password(PASSWORD).insert(&mut db.conn());
        diesel::update(users::table.filter(users::email.eq("sus@example.com")))
            .set(users::status.eq(UserStatus::Suspended))
            .execute(&mut db.conn()).unwrap();
        let app = TestApp::new(db).await;
        let known = ask_reset(&app, "ann@example.com").await;
        let unknown = ask_reset(&app, "nobody@example.com").await;
        let suspended = ask_reset(&app, "sus@example.com").await;
        for page in [&unknown, &suspended] {
            assert_eq!(page.status, known.status);
            assert_eq!(page.body, known.body);
        }
        assert_eq!(mails_to(&app, "ann@example.com"), 1);
        assert_eq!(mails_to(&app, "nobody@example.com"), 0);
        assert_eq!(mails_to(&app, "sus@example.com"), 0);
        let rows: Vec<i64> = password_resets::table.select(password_resets::user_id).load(&mut app.conn()).unwrap();
        assert_eq!(rows, vec![ann]);

        // Asking again and again mails no more than three links an hour, answered alike.
        for _ in 0..3 {
            let again = ask_reset(&app, "ann@example.com").await;
            assert_eq!(again.body, known.body);
        }
        assert_eq!(mails_to(&app, "ann@example.com"), 3);

        // A malformed address is a field to correct.
        ask_reset(&app, "not an address").await.assert_status(422)
            .assert_contains("Please enter a valid e-mail address.").assert_contains(r#"aria-invalid="true""#);
    }
}

on_both_backends! {
    async fn an_expired_or_used_link_changes_nothing(db: TestDb) {
        let ann = ann(&db);
        let app = TestApp::new(db).await;
        ask_reset(&app, "ann@example.com").await;
        let token = mailed_reset_token(&app, "ann@example.com").await;
        set_password(&app, &token, NEW_PASSWORD).await.assert_redirect_to("/account/login");
        let after_first = password_hash(&app, ann);
        // Used once: the second submit, and the page, say so.
        set_password(&app, &token, "yet another long passphrase").await.assert_status(404)
            .assert_contains("This link has expired or was already used")
            .assert_contains(r#"href="/account/password/forgot""#);
        app.get(&format!("/account/password/reset?token={token}")).await.assert_status(404);
        assert_eq!(password_hash(&app, ann), after_first);

        ask_reset(&app, "ann@example.com").await;
        let token = mailed_reset_token(&app, "ann@example.com").await;
        diesel::update(password_resets::table.filter(password_resets::used_at.is_null()))
            .set(password_resets::expires_at.eq(shopwave::util::now() - chrono::Duration::minutes(1)))
            .execute(&mut app.conn()).unwrap();
        app.get(&format!("/account/password/reset?token={token}")).await.assert_status(404)
            .assert_contains("This link has expired or was already used");
        set_password(&app, &token, "yet another long passphrase").await.assert_status(404);
        let bogus = "0".repeat(64);
        for token in [bogus.as_str(), ""] {
            set_password(&app, token, "yet another long passphrase").await.assert_status(404);
        }
        assert_eq!(password_hash(&app, ann), after_first);
    }
}

on_both_backends! {
    async fn a_refused_password_leaves_the_link_usable(db: TestDb) {
        let ann = ann(&db);
        let app = TestApp::new(db).await;
        let before = password_hash(&app, ann);
        ask_reset(&app, "ann@example.com").await;
        let token = mailed_reset_token(&app, "ann@example.com").await;
        set_password(&app, &token, "short").await.assert_status(422)
            .assert_contains("at least 12 characters").assert_contains(&format!(r#"name="token" value="{token}""#));
        assert_eq!(password_hash(&app, ann), before);
        set_password(&app, &token, NEW_PASSWORD).await.assert_redirect_to("/account/login");
        assert_ne!(password_hash(&app, ann), before);
    }
}
