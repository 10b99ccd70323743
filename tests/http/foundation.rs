//! The frame every page stands on: the demo shop serves, errors are pages, forms need CSRF.

#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;

on_both_backends! {
    async fn the_demo_home_page_shows_categories_and_products(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo data");
        let app = TestApp::new(db).await;
        let page = app.get("/").await;
        page.assert_status(200).assert_contains("Shop by category").assert_contains("href=\"/c/electronics\"");
        page.assert_contains("Featured").assert_contains("href=\"/p/");
        assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    }
}

on_both_backends! {
    async fn every_response_carries_the_security_headers(db: TestDb) {
        let app = TestApp::new(db).await;
        for path in ["/", "/no-such-page", "/static/css/site.css"] {
            let page = app.get(path).await;
            let csp = page.header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}: {csp}");
            // Forms post to the shop, and lead to the card processor's page, nowhere else.
            let simulator = &app.db.simulator().url;
            assert!(csp.contains(&format!("form-action 'self' {simulator};")), "{path}: {csp}");
            assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
            assert!(page.header("referrer-policy").is_some(), "{path}");
        }
    }
}

on_both_backends! {
    async fn an_unknown_page_is_an_html_404(db: TestDb) {
        let app = TestApp::new(db).await;
        let page = app.get("/no/such/page").await;
        page.assert_status(404).assert_contains("Page not found").assert_contains("Back to the shop");
    }
}

on_both_backends! {
    async fn health_reports_the_database(db: TestDb) {
        let app = TestApp::new(db).await;
        app.send(crate::common::from_this_machine("/healthz"))
            .await
            .assert_status(200)
            .assert_contains("\"database\":\"ok\"");
    }
}

on_both_backends! {
    async fn a_post_without_a_valid_csrf_token_is_refused(db: TestDb) {
        let app = TestApp::new(db).await;
        app.get("/").await;
        let form = "/cart/promotion/remove";
        app.post_raw(form, b"anything=1").await.assert_status(403).assert_contains("did not come from this site");
        app.post_raw(form, b"csrf_token=forged").await.assert_status(403);
        app.clear_cookies();
        app.post_raw(form, b"csrf_token=forged").await.assert_status(403);
    }
}

on_both_backends! {
    async fn static_files_are_cached_for_a_week(db: TestDb) {
        let app = TestApp::new(db).await;
        let page = app.get("/static/css/site.css").await;
        page.assert_status(200);
        assert_eq!(page.header("cache-control"), Some("public, max-age=604800"));
    }
}

on_both_backends! {
    async fn a_planted_session_signs_the_visitor_in(db: TestDb) {
        let user = crate::common::builders::UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.get("/").await.assert_contains("Sign in");
        app.sign_in_as(user);
        app.get("/").await.assert_contains("Sign out").assert_contains(">Test</a>");
    }
}

on_both_backends! {
    async fn garbage_cookies_leave_a_visitor_anonymous(db: TestDb) {
        let app = TestApp::new(db).await;
        for garbage in ["x", "%FF%FE", &"A".repeat(4000), "=;=;"] {
            app.set_cookie("sw_session", garbage);
            app.set_cookie("sw_csrf", garbage);
            app.get("/").await.assert_status(200).assert_contains("Sign in");
        }
    }
}

on_both_backends! {
    async fn paths_outside_static_are_not_served(db: TestDb) {
        let app = TestApp::new(db).await;
        for path in ["/static/../Cargo.toml", "/static/%2e%2e/Cargo.toml", "/static/..%2fCargo.toml"] {
            let page = app.get(path).await;
            assert!(page.status.is_client_error(), "{path}: {}", page.status);
            assert!(!page.body.contains("[package]"), "{path} leaked Cargo.toml");
        }
    }
}

on_both_backends! {
    async fn compressed_request_bodies_are_refused(db: TestDb) {
        let app = TestApp::new(db).await;
        let token = app.csrf_token().await;
        let page = app
            .send(
                actix_web::test::TestRequest::post()
                    .uri("/")
                    .insert_header(("content-type", "application/x-www-form-urlencoded"))
                    .insert_header(("content-encoding", "gzip"))
                    .set_payload(format!("csrf_token={token}")),
            )
            .await;
        page.assert_status(415);
    }
}

on_both_backends! {
    async fn the_database_configuration_is_durable(db: TestDb) {
        shopwave::db::check_durability(&mut db.conn()).expect("WAL + synchronous=FULL, or fsync and friends on");
    }
}

on_both_backends! {
    async fn metrics_count_responses_in_prometheus_text(db: TestDb) {
        let app = TestApp::new(db).await;
        app.get("/no-such-page").await;
        let page = app.send(crate::common::from_this_machine("/metrics")).await;
        page.assert_status(200).assert_contains("shopwave_http_responses_total{class=\"4xx\"}");
        page.assert_contains("shopwave_panics_total").assert_contains("shopwave_db_connections");
    }
}
