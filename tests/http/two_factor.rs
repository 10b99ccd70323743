//! Two-factor sign-in: enrolment, the second sign-in step, replay and recovery codes, and the
//! admin panel's requirement for it.

use actix_web::{HttpResponse, web};
use diesel::prelude::*;

use crate::accounts::{PASSWORD, log_in};
use crate::common::builders::UserBuilder;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{user_recovery_codes, users};
use shopwave::web::auth::AdminUser;

/// The authenticator secret stored for the user, as the shop keeps it (sealed).
fn stored_secret(app: &TestApp, email: &str) -> (i64, String) {
    let (id, secret): (i64, Option<String>) = users::table
        .filter(users::email.eq(email))
        .select((users::id, users::totp_secret))
        .first(&mut app.conn())
        .unwrap();
    (id, secret.expect("a secret was issued"))
}

/// The code an authenticator app would show now for the user's secret.
pub fn current_code(app: &TestApp, email: &str) -> String {
    let (id, sealed) = stored_secret(app, email);
    let sealer = shopwave::accounts::sealed::Sealer::new(&crate::common::TEST_SECRET, &[]);
    let secret = sealer
        .open(id, &sealed)
        .expect("sealed under the shop's key");
    let secret = totp_rs::Secret::try_from_base32(secret).unwrap();
    let totp = totp_rs::Builder::new().with_secret(secret).build().unwrap();
    totp.generate(u64::try_from(chrono::Utc::now().timestamp()).unwrap())
        .to_string()
}

/// Lets the next code be accepted as though the time step had moved on.
fn forget_last_step(app: &TestApp) {
    diesel::update(users::table)
        .set(users::totp_last_step.eq(None::<i64>))
        .execute(&mut app.conn())
        .unwrap();
}

/// Enrols the signed-in user through the pages; returns the recovery codes shown.
async fn enrol(app: &TestApp, email: &str) -> Vec<String> {
    app.get("/account/two-factor")
        .await
        .assert_status(200)
        .assert_contains("is <strong>off</strong>");
    app.post("/account/two-factor/start", &[])
        .await
        .assert_redirect_to("/account/two-factor");
    let page = app.get("/account/two-factor").await;
    page.assert_status(200)
        .assert_contains("otpauth://totp/ShopWave:");
    let shown = page
        .body
        .split("secret=")
        .nth(1)
        .expect("the secret in the URI");
    let shown: String = shown
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect();
    let (_, stored) = stored_secret(app, email);
    assert!(
        shown.len() >= 32 && !stored.contains(&shown),
        "the secret is sealed at rest: {stored}"
    );
    app.post("/account/two-factor/confirm", &[("code", "000000")])
        .await
        .assert_status(422);
    let page = app
        .post(
            "/account/two-factor/confirm",
            &[("code", &current_code(app, email))],
        )
        .await;
    page.assert_status(200).assert_contains("shown only now");
    page.body
        .split("<li><code>")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap().to_owned())
        .collect()
}

on_both_backends! {
    async fn enrolment_then_sign_in_with_a_code_once_and_a_recovery_code_once(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        let codes = enrol(&app, "ann@example.com").await;
        assert_eq!(codes.len(), shopwave::accounts::totp::RECOVERY_CODE_COUNT);
        let stored: Vec<String> = user_recovery_codes::table.select(user_recovery_codes::code_hash).load(&mut app.conn()).unwrap();
        assert!(codes.iter().all(|c| !stored.contains(c)), "recovery codes are stored hashed");
        app.get("/account/two-factor").await.assert_contains("is <strong>on</strong>").assert_contains("10 unused recovery codes");

        app.post("/account/logout", &[]).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/account/login/two-factor");
        app.get("/account").await.assert_status(303);
        let replayed = current_code(&app, "ann@example.com");
        app.post("/account/login/two-factor", &[("code", &replayed)]).await.assert_status(422);
        forget_last_step(&app);
        app.post("/account/login/two-factor", &[("code", &current_code(&app, "ann@example.com"))]).await
            .assert_redirect_to("/");
        app.get("/account").await.assert_status(200);

        app.post("/account/logout", &[]).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/account/login/two-factor");
        app.post("/account/login/two-factor", &[("code", &codes[0].to_uppercase())]).await.assert_redirect_to("/");
        app.post("/account/logout", &[]).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/account/login/two-factor");
        app.post("/account/login/two-factor", &[("code", &codes[0])]).await.assert_status(422);
    }
}

on_both_backends! {
    async fn the_second_step_needs_a_correct_password_first(db: TestDb) {
        let app = TestApp::new(db).await;
        app.get("/account/login/two-factor").await.assert_redirect_to("/account/login");
        app.post("/account/login/two-factor", &[("code", "123456")]).await.assert_redirect_to("/account/login");
    }
}

on_both_backends! {
    async fn two_factor_is_turned_off_with_the_password(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        log_in(&app, "ann@example.com", PASSWORD).await;
        enrol(&app, "ann@example.com").await;
        app.post("/account/two-factor/disable", &[("password", "wrong password!")]).await.assert_status(422);
        app.post("/account/two-factor/disable", &[("password", PASSWORD)]).await.assert_redirect_to("/account/two-factor");
        app.post("/account/logout", &[]).await;
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
    }
}

async fn admin_probe(_: AdminUser) -> HttpResponse {
    HttpResponse::Ok().body("admin panel")
}

fn probe_routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin-probe", web::get().to(admin_probe));
}

on_both_backends! {
    async fn the_admin_panel_opens_only_after_two_factor_sign_in(db: TestDb) {
        let mut conn = db.conn();
        UserBuilder::customer().role("admin").email("root@example.com").password(PASSWORD).insert(&mut conn);
        let customer = UserBuilder::customer().insert(&mut conn);
        drop(conn);
        let app = TestApp::with(db, false, probe_routes).await;
        app.get("/admin-probe").await.assert_redirect_to("/account/login?next=%2Fadmin-probe");
        app.sign_in_as(customer);
        app.get("/admin-probe").await.assert_status(403);
        app.clear_cookies();

        log_in(&app, "root@example.com", PASSWORD).await.assert_redirect_to("/");
        app.get("/admin-probe").await.assert_redirect_to("/account/two-factor");
        app.get("/account/two-factor").await.assert_contains("Administrators must sign in with two-factor");
        enrol(&app, "root@example.com").await;
        app.get("/admin-probe").await.assert_status(200).assert_contains("admin panel");

        app.post("/account/logout", &[]).await;
        log_in(&app, "root@example.com", PASSWORD).await.assert_redirect_to("/account/login/two-factor");
        forget_last_step(&app);
        app.post("/account/login/two-factor", &[("code", &current_code(&app, "root@example.com")), ("next", "/admin-probe")]).await;
        app.get("/admin-probe").await.assert_status(200);
    }
}

on_both_backends! {
    async fn demo_mode_waives_two_factor_for_admins_and_says_so(db: TestDb) {
        let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
        let app = TestApp::with(db, true, probe_routes).await;
        app.sign_in_as(admin);
        app.get("/admin-probe").await.assert_status(200);
        app.get("/").await.assert_contains("Demo mode: administrators are not asked for two-factor sign-in");
    }
}

on_both_backends! {
    async fn secrets_stored_in_plain_or_under_an_old_key_are_sealed_again_under_the_current_one(db: TestDb) {
        use shopwave::accounts::sealed::{Sealer, reseal_all};
        let conn = &mut db.conn();
        let plain = UserBuilder::customer().insert(conn);
        let old_key = UserBuilder::customer().insert(conn);
        let old = Sealer::new(&[1; 64], &[]);
        let store = |conn: &mut shopwave::db::DbConn, id: i64, value: String| {
            diesel::update(users::table.find(id)).set(users::totp_secret.eq(value)).execute(conn).unwrap();
        };
        store(conn, plain, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into());
        store(conn, old_key, old.seal(old_key, "KRSXG5CTMVRXEZLU"));
        let rotated = Sealer::new(&[2; 64], &[vec![1; 64]]);
        assert_eq!(reseal_all(conn, &rotated).unwrap(), 2);
        assert_eq!(reseal_all(conn, &rotated).unwrap(), 0, "nothing left to seal");
        let current = Sealer::new(&[2; 64], &[]);
        for (id, secret) in [(plain, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), (old_key, "KRSXG5CTMVRXEZLU")] {
            let stored: String = users::table.find(id).select(users::totp_secret.assume_not_null()).first(conn).unwrap();
            assert!(!stored.contains(secret));
            assert_eq!(current.open(id, &stored).unwrap(), secret, "the previous key is no longer needed");
        }
    }
}
