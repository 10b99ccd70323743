//! Accounts and sessions through the real app: register (by the mailed link), sign in and out,
//! password change, session renewal, revocation and expiry, throttling, and what cookies look like.

use diesel::prelude::*;

use crate::common::builders::UserBuilder;
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{login_attempts, pending_registrations, sessions, users};

pub const PASSWORD: &str = "correct horse battery staple";

pub async fn log_in(app: &TestApp, email: &str, password: &str) -> Page {
    app.post(
        "/account/login",
        &[("email", email), ("password", password)],
    )
    .await
}

/// Sends the registration form; the shop answers by e-mail.
pub async fn send_registration(app: &TestApp, email: &str, first_name: &str) -> Page {
    app.post(
        "/account/register",
        &[
            ("email", email),
            ("first_name", first_name),
            ("last_name", "Tester"),
            ("password", PASSWORD),
        ],
    )
    .await
}

/// Presses "Finish creating my account" on the page of the link last mailed to `email`.
pub async fn follow_registration_link(app: &TestApp, email: &str) -> Page {
    let link = app.db.mailed_link(&email.to_lowercase());
    let page = app.get(&link).await;
    page.assert_status(200)
        .assert_contains("Finish creating my account");
    let token = crate::common::form_field(&page.body, "token");
    app.post("/account/register/confirm", &[("token", &token)])
        .await
}

/// Registers through the form and the link it mails; the visitor is signed in afterwards.
pub async fn register(app: &TestApp, email: &str, first_name: &str) -> Page {
    send_registration(app, email, first_name)
        .await
        .assert_redirect_to("/account/register/sent");
    follow_registration_link(app, email).await
}

pub fn session_cookie(app: &TestApp) -> String {
    app.cookie("sw_session").expect("a session cookie")
}

fn user_id(app: &TestApp, email: &str) -> i64 {
    users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first(&mut app.conn())
        .expect("user exists")
}

/// Rewrites one key of every session row of the user, as time passing would.
fn set_session_value(app: &TestApp, user: i64, key: &str, value: i64) {
    let mut conn = app.conn();
    let rows: Vec<(String, String)> = sessions::table
        .filter(sessions::user_id.eq(user))
        .select((sessions::id, sessions::state))
        .load(&mut conn)
        .unwrap();
    assert!(!rows.is_empty(), "the user has a session");
    for (id, state) in rows {
        let mut map: std::collections::HashMap<String, String> =
            serde_json::from_str(&state).unwrap();
        map.insert(key.to_owned(), value.to_string());
        diesel::update(sessions::table.find(id))
            .set(sessions::state.eq(serde_json::to_string(&map).unwrap()))
            .execute(&mut conn)
            .unwrap();
    }
}

on_both_backends! {
    async fn register_sign_out_and_sign_in_again(db: TestDb) {
        let app = TestApp::new(db).await;
        app.get("/account/register").await.assert_status(200).assert_contains("Create an account");
        register(&app, "Ann@Example.com", "Ann").await.assert_redirect_to("/account");
        let page = app.get("/account").await;
        page.assert_status(200).assert_contains("Welcome to ShopWave, Ann!").assert_contains("ann@example.com");
        assert_eq!(page.header("cache-control"), Some("no-store"));
        let hash: String = users::table.select(users::password_hash).first(&mut app.conn()).unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");

        app.post("/account/logout", &[]).await.assert_redirect_to("/");
        app.get("/").await.assert_contains("Sign in");
        app.get("/account").await.assert_redirect_to("/account/login?next=%2Faccount");

        log_in(&app, "ANN@example.com", PASSWORD).await.assert_redirect_to("/");
        app.get("/account").await.assert_status(200).assert_contains("Welcome back, Ann.");
    }
}

on_both_backends! {
    async fn browsing_while_signed_in_does_not_rewrite_the_session_on_every_page(db: TestDb) {
        let app = TestApp::new(db).await;
        register(&app, "Bea@Example.com", "Bea").await.assert_redirect_to("/account");
        // The first page after the redirect takes the welcome flash, from the frame cookie.
        app.get("/account").await.assert_contains("Welcome to ShopWave, Bea!");
        let state_now = || -> (String, chrono::NaiveDateTime) {
            sessions::table.select((sessions::state, sessions::expires_at)).first(&mut app.conn()).unwrap()
        };
        let before = state_now();
        for path in ["/", "/account", "/orders", "/cart"] {
            let page = app.get(path).await;
            page.assert_status(200);
            let rewrote = page.headers.get_all("set-cookie").any(|c| c.to_str().unwrap_or("").starts_with("sw_session="));
            assert!(!rewrote, "{path} rewrote the session");
        }
        assert_eq!(state_now(), before, "no page view changed the stored session");
    }
}

on_both_backends! {
    async fn an_email_is_taken_whatever_its_letter_case(db: TestDb) {
        let app = TestApp::new(db).await;
        register(&app, "ann@example.com", "Ann").await.assert_redirect_to("/account");
        app.clear_cookies();
        // Answered as a new address would be, so the form tells nobody who has an account; the
        // owner hears of it by e-mail instead.
        send_registration(&app, "ANN@Example.COM", "Impostor").await.assert_redirect_to("/account/register/sent");
        let count: i64 = users::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 1);
        assert!(app.cookie("sw_session").is_none(), "the impostor is not signed in");
        let mail: Vec<String> = std::fs::read_dir(app.db.data_dir().join("mail")).expect("mail dir")
            .map(|entry| std::fs::read_to_string(entry.expect("entry").path()).expect("mail text"))
            .collect();
        assert!(mail.iter().any(|m| m.contains("To: ann@example.com") && m.contains("already have an account")), "{mail:?}");
    }
}

on_both_backends! {
    async fn passwords_are_judged_by_length_and_commonness_only(db: TestDb) {
        let app = TestApp::new(db).await;
        let attempt = |email: &'static str, password: String| {
            let app = &app;
            async move {
                app.clear_cookies();
                app.post("/account/register", &[("email", email), ("first_name", "A"), ("password", &password)]).await
            }
        };
        attempt("a@example.com", "x".repeat(11)).await.assert_status(422).assert_contains("at least 12 characters");
        attempt("b@example.com", "y".repeat(129)).await.assert_status(422).assert_contains("at most 128 characters");
        attempt("c@example.com", "qwerty123456".into()).await.assert_status(422).assert_contains("too easy to guess");
        attempt("d@example.com", "abcd efgh ij".into()).await.assert_redirect_to("/account/register/sent");
        attempt("e@example.com", "Zz9 ".repeat(32)).await.assert_redirect_to("/account/register/sent");
        attempt("f@example.com", "ünïcödé pässwörd".into()).await.assert_redirect_to("/account/register/sent");
        let pending: i64 = pending_registrations::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(pending, 3);
    }
}

on_both_backends! {
    async fn signing_in_replaces_the_session_so_a_planted_one_is_worthless(db: TestDb) {
        let mut conn = db.conn();
        let planted = UserBuilder::customer().insert(&mut conn);
        UserBuilder::customer().email("bob@example.com").password(PASSWORD).insert(&mut conn);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(planted);
        let before = session_cookie(&app);
        let page = log_in(&app, "bob@example.com", PASSWORD).await;
        page.assert_redirect_to("/");
        let set_cookie: Vec<&str> = page.headers.get_all("set-cookie").filter_map(|v| v.to_str().ok()).collect();
        let session_header = set_cookie.iter().find(|c| c.starts_with("sw_session=")).expect("a new session cookie");
        for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
            assert!(session_header.contains(flag), "{flag} missing in {session_header}");
        }
        let after = session_cookie(&app);
        assert_ne!(before, after, "the session id must change at sign-in");
        app.get("/account").await.assert_status(200).assert_contains("bob@example.com");
        app.set_cookie("sw_session", &before);
        app.get("/account").await.assert_status(303);
    }
}

on_both_backends! {
    async fn a_cookie_replayed_after_logout_is_anonymous(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        let captured = session_cookie(&app);
        app.post("/account/logout", &[]).await.assert_redirect_to("/");
        app.set_cookie("sw_session", &captured);
        app.get("/account").await.assert_redirect_to("/account/login?next=%2Faccount");
        app.get("/").await.assert_contains("Sign in");
    }
}

on_both_backends! {
    async fn a_password_change_ends_every_session_of_the_user(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        let other_device = session_cookie(&app);
        app.clear_cookies();
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        let this_device = session_cookie(&app);

        app.post("/account/password", &[("current_password", "wrong password here"), ("new_password", "a brand new passphrase")]).await
            .assert_status(422).assert_contains("current password is not correct");
        app.post("/account/password", &[("current_password", PASSWORD), ("new_password", "password12345")]).await
            .assert_status(422).assert_contains("too easy to guess");
        app.post("/account/password", &[("current_password", PASSWORD), ("new_password", "a brand new passphrase")]).await
            .assert_redirect_to("/account");
        app.get("/account").await.assert_status(200).assert_contains("every other device was signed out");

        for old in [other_device, this_device] {
            app.set_cookie("sw_session", &old);
            app.get("/account").await.assert_status(303);
        }
        app.clear_cookies();
        log_in(&app, "ann@example.com", PASSWORD).await.assert_status(422);
        log_in(&app, "ann@example.com", "a brand new passphrase").await.assert_redirect_to("/");
    }
}

on_both_backends! {
    async fn suspension_ends_sessions_and_refuses_sign_in(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        shopwave::accounts::sessions::suspend_user(&mut app.conn(), "ann@example.com").unwrap();
        app.get("/account").await.assert_status(303);
        log_in(&app, "ann@example.com", PASSWORD).await.assert_status(403).assert_contains("suspended");
    }
}

on_both_backends! {
    async fn idle_and_old_sign_ins_expire(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        let ann = user_id(&app, "ann@example.com");
        let now = chrono::Utc::now().timestamp();

        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        set_session_value(&app, ann, "auth.seen", now - 31 * 60);
        app.get("/account").await.assert_status(303);
        app.get("/").await.assert_contains("you were signed out").assert_contains("Sign in");

        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        set_session_value(&app, ann, "auth.since", now - 13 * 60 * 60);
        app.get("/account").await.assert_status(303);

        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        set_session_value(&app, ann, "auth.seen", now - 29 * 60);
        app.get("/account").await.assert_status(200);
    }
}

on_both_backends! {
    async fn brute_force_on_one_account_is_throttled_then_lifts(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        let known = log_in(&app, "ann@example.com", "not the password").await;
        known.assert_status(422);
        let unknown = log_in(&app, "nobody@example.com", "not the password").await;
        unknown.assert_status(422);
        assert!(known.body.contains(shopwave::accounts::login::BAD_CREDENTIALS));
        assert!(unknown.body.contains(shopwave::accounts::login::BAD_CREDENTIALS));

        for _ in 1..shopwave::accounts::throttle::MAX_FAILURES_PER_ACCOUNT {
            log_in(&app, "ann@example.com", "still not the password").await.assert_status(422);
        }
        log_in(&app, "Ann@example.com", PASSWORD).await.assert_status(429).assert_contains("Too many failed sign-in attempts");

        let window_ago = shopwave::util::now() - chrono::Duration::minutes(16);
        diesel::update(login_attempts::table).set(login_attempts::created_at.eq(window_ago)).execute(&mut app.conn()).unwrap();
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
    }
}

on_both_backends! {
    async fn credential_stuffing_from_one_address_is_throttled(db: TestDb) {
        let app = TestApp::new(db).await;
        let now = shopwave::util::now();
        for i in 0..shopwave::accounts::throttle::MAX_FAILURES_PER_CLIENT {
            diesel::insert_into(login_attempts::table)
                .values((
                    login_attempts::email.eq(format!("victim{i}@example.com")),
                    login_attempts::client_ip.eq("unknown"),
                    login_attempts::succeeded.eq(false),
                    login_attempts::created_at.eq(now),
                ))
                .execute(&mut app.conn())
                .unwrap();
        }
        log_in(&app, "fresh@example.com", "whatever it is").await.assert_status(429);
    }
}

on_both_backends! {
    async fn registration_is_throttled_per_address(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        // Tries for an address that has an account count too, or they would tell it apart.
        for i in 0..shopwave::accounts::throttle::MAX_REGISTRATIONS_PER_CLIENT_PER_HOUR {
            app.clear_cookies();
            let email = if i % 2 == 0 { "ann@example.com".to_owned() } else { format!("user{i}@example.com") };
            send_registration(&app, &email, "Bot").await.assert_redirect_to("/account/register/sent");
        }
        app.clear_cookies();
        send_registration(&app, "one-more@example.com", "Bot").await.assert_status(429).assert_contains("Too many accounts");
        let pending: i64 = pending_registrations::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(pending, shopwave::accounts::throttle::MAX_REGISTRATIONS_PER_CLIENT_PER_HOUR / 2);
    }
}

on_both_backends! {
    async fn sign_in_returns_to_the_page_asked_for_but_only_on_this_site(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.get("/account/addresses").await.assert_redirect_to("/account/login?next=%2Faccount%2Faddresses");
        app.get("/account/login?next=%2Faccount%2Faddresses").await.assert_contains("value=\"/account/addresses\"");
        app.post("/account/login", &[("email", "ann@example.com"), ("password", PASSWORD), ("next", "/account/addresses")]).await
            .assert_redirect_to("/account/addresses");
        app.post("/account/logout", &[]).await;
        for hostile in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
            app.post("/account/login", &[("email", "ann@example.com"), ("password", PASSWORD), ("next", hostile)]).await
                .assert_redirect_to("/");
            app.post("/account/logout", &[]).await;
        }
    }
}

on_both_backends! {
    async fn the_profile_is_edited_and_names_are_escaped(db: TestDb) {
        let app = TestApp::new(db).await;
        register(&app, "ann@example.com", "Ann").await;
        app.post("/account", &[("first_name", "<script>alert(1)</script>"), ("last_name", "O'Neil"), ("phone", "+1 555 0100")]).await
            .assert_redirect_to("/account");
        let page = app.get("/account").await;
        page.assert_status(200).assert_contains("&#60;script&#62;alert(1)&#60;/script&#62;").assert_contains("Your details were saved.");
        assert!(!page.body.contains("<script>alert"), "raw script in the page");
        app.post("/account", &[("first_name", ""), ("phone", "call me maybe")]).await
            .assert_status(422).assert_contains("Please enter first name.").assert_contains("phone number using digits");
    }
}

on_both_backends! {
    async fn account_pages_carry_the_security_headers(db: TestDb) {
        let app = TestApp::new(db).await;
        for path in ["/account/login", "/account/register"] {
            let page = app.get(path).await;
            page.assert_status(200);
            let csp = page.header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
            assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
            assert_eq!(page.header("x-frame-options"), Some("DENY"));
            assert!(page.header("referrer-policy").is_some());
            assert_eq!(page.header("cache-control"), Some("no-store"));
        }
    }
}

on_both_backends! {
    async fn account_forms_refuse_a_post_without_csrf_token(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.get("/account/login").await;
        app.post_raw("/account/login", b"email=ann%40example.com&password=correct+horse+battery+staple").await.assert_status(403);
        app.post_raw("/account/register", b"email=new%40example.com&first_name=A&password=correct+horse+battery+staple").await.assert_status(403);
        let count: i64 = users::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 1);
        let pending: i64 = pending_registrations::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(pending, 0);
        let attempts: i64 = login_attempts::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(attempts, 0, "a refused form must change nothing");
    }
}
