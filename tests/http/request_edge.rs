//! What the web layer does before and around every handler: error pages in the visitor's own
//! frame, CSRF tokens bound to the session, HEAD and wrong methods, control characters, body
//! size and time limits, and what a routine redirect logs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::Method;
use actix_web::test::TestRequest;
use diesel::prelude::*;

use crate::accounts::{PASSWORD, log_in};
use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
use crate::common::{TestApp, TestDb, form_field};
use crate::on_both_backends;
use shopwave::db::schema::{addresses, reviews};

/// A product in a category, with `stock` units: (variant id, product slug, category slug).
fn product(db: &TestDb, stock: i32) -> (i64, String, String) {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Lamps"));
    let (product, variant) = ProductBuilder::new("Brass Lamp")
        .stock(stock)
        .insert(conn, s, c);
    let slug = crate::common::builders::product_slug(conn, product);
    let category = crate::common::builders::category_slug(conn, c);
    (variant, slug, category)
}

const ADDRESS: [(&str, &str); 5] = [
    ("full_name", "Ann Tester"),
    ("line1", "1 Main St"),
    ("city", "Springfield"),
    ("postal_code", "12345"),
    ("country", "US"),
];

fn address_count(app: &TestApp) -> i64 {
    addresses::table
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

fn urlencoded(fields: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
        .into_bytes()
}

on_both_backends! {
    async fn an_error_page_shows_the_signed_in_header_and_cart(db: TestDb) {
        let (variant, _, _) = product(&db, 10);
        let user = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(user);
        app.post("/cart/add", &[("variant_id", &variant.to_string()), ("quantity", "2")]).await.assert_redirect_to("/cart");
        let page = app.get("/no/such/page").await;
        page.assert_status(404).assert_contains("Page not found").assert_contains(">Test</a>")
            .assert_contains("aria-label=\"items in cart\">2<");
        assert!(!page.body.contains("Sign in</a>"), "{}", page.body);
        assert_eq!(page.header("cache-control"), Some("no-store"));
    }
}

on_both_backends! {
    async fn a_token_from_another_browser_is_refused_with_this_session(db: TestDb) {
        let (attacker, victim) = {
            let conn = &mut db.conn();
            (UserBuilder::customer().insert(conn), UserBuilder::customer().insert(conn))
        };
        let app = TestApp::new(db).await;
        // Browser A, the attacker's own, signed in and anonymous: a seed and the tokens its pages carry.
        let mut stolen = Vec::new();
        for signed_in in [true, false] {
            app.clear_cookies();
            let page = if signed_in {
                app.sign_in_as(attacker);
                app.get("/account/addresses/new").await
            } else {
                app.get("/account/login").await
            };
            stolen.push((app.cookie("sw_csrf").expect("seed"), form_field(&page.body, "csrf_token")));
        }
        // Browser B, the victim's, with A's seed cookie and token planted.
        app.clear_cookies();
        app.sign_in_as(victim);
        for (seed, token) in &stolen {
            app.set_cookie("sw_csrf", seed);
            let mut fields = ADDRESS.to_vec();
            fields.push(("csrf_token", token));
            app.post_raw("/account/addresses", &urlencoded(&fields)).await
                .assert_status(403).assert_contains("did not come from this site");
        }
        assert_eq!(address_count(&app), 0);
        // The victim's own page works.
        let token = form_field(&app.get("/account/addresses/new").await.body, "csrf_token");
        let mut fields = ADDRESS.to_vec();
        fields.push(("csrf_token", &token));
        app.post_raw("/account/addresses", &urlencoded(&fields)).await.assert_redirect_to("/account/addresses");
        assert_eq!(address_count(&app), 1);
    }
}

on_both_backends! {
    async fn signing_in_retires_the_forms_token_and_hands_out_a_fresh_one(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        let before = form_field(&app.get("/account/login").await.body, "csrf_token");
        log_in(&app, "ann@example.com", PASSWORD).await.assert_redirect_to("/");
        let mut fields = ADDRESS.to_vec();
        fields.push(("csrf_token", &before));
        app.post_raw("/account/addresses", &urlencoded(&fields)).await.assert_status(403);
        assert_eq!(address_count(&app), 0);
        let after = form_field(&app.get("/account/addresses/new").await.body, "csrf_token");
        assert_ne!(after, before);
        fields.pop();
        fields.push(("csrf_token", &after));
        app.post_raw("/account/addresses", &urlencoded(&fields)).await.assert_redirect_to("/account/addresses");
        assert_eq!(address_count(&app), 1);
    }
}

on_both_backends! {
    async fn a_page_that_renews_the_session_carries_the_new_sessions_token(db: TestDb) {
        let user = UserBuilder::customer().email("ann@example.com").insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(user);
        app.post("/account/two-factor/start", &[]).await.assert_redirect_to("/account/two-factor");
        let before = app.cookie("sw_session");
        // Turning two-factor on renews the session and shows the recovery codes in the same answer.
        let code = crate::two_factor::current_code(&app, "ann@example.com");
        let page = app.post("/account/two-factor/confirm", &[("code", &code)]).await;
        page.assert_status(200).assert_contains("shown only now");
        assert_ne!(app.cookie("sw_session"), before);
        let token = form_field(&page.body, "csrf_token");
        assert_eq!(token, app.csrf_token().await);
        app.post_raw("/account/logout", &urlencoded(&[("csrf_token", &token)])).await.assert_redirect_to("/");
    }
}

on_both_backends! {
    async fn head_is_get_without_a_body_and_wrong_methods_get_405(db: TestDb) {
        let (_, slug, _) = product(&db, 3);
        let app = TestApp::new(db).await;
        for path in ["/", "/cart", &format!("/p/{slug}"), "/account/login", "/static/css/site.css"] {
            let get = app.get(path).await;
            let head = app.send(TestRequest::default().method(Method::HEAD).uri(path)).await;
            head.assert_status(get.status.as_u16());
            assert_eq!(head.header("content-type"), get.header("content-type"), "{path}");
            assert!(head.body.is_empty(), "HEAD {path} sent a body");
        }
        let method = |name: &str| Method::from_bytes(name.as_bytes()).expect("method");
        for (verb, path) in [("OPTIONS", "/"), ("PUT", "/"), ("DELETE", "/cart"), ("TRACE", "/"), ("PROPFIND", "/"),
                             ("POST", "/"), ("POST", "/healthz")] {
            let page = app.send(TestRequest::default().method(method(verb)).uri(path)).await;
            page.assert_status(405);
            assert_eq!(page.header("allow"), Some("GET, HEAD"), "{verb} {path}");
        }
        for (verb, path) in [("GET", "/cart/add"), ("PUT", "/cart/add"), ("DELETE", "/cart/add")] {
            let page = app.send(TestRequest::default().method(method(verb)).uri(path)).await;
            page.assert_status(405);
            assert_eq!(page.header("allow"), Some("POST"), "{verb} {path}");
        }
        let page = app.send(TestRequest::default().method(method("PUT")).uri("/account/login")).await;
        page.assert_status(405);
        let allow = page.header("allow").expect("allow");
        assert!(allow.contains("GET") && allow.contains("POST") && allow.contains("HEAD"), "{allow}");
        for verb in ["POST", "OPTIONS", "PUT"] {
            app.send(TestRequest::default().method(method(verb)).uri("/no/such/page")).await.assert_status(404);
        }
    }
}

on_both_backends! {
    async fn control_characters_are_refused_at_the_edge(db: TestDb) {
        let (variant, slug, category) = product(&db, 5);
        let user = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(user);
        for path in ["/orders/%00", "/p/%00", "/c/%00", "/p/a%00b/review", "/orders/a%1Fb", "/%00"] {
            app.get(path).await.assert_status(404).assert_contains("Page not found");
        }
        app.post("/p/a%00b/review", &[("rating", "5"), ("title", "t"), ("body", "b")]).await.assert_status(404);
        for query in [format!("/c/{category}?sort=%00"), "/search?q=a%00b".to_owned(), format!("/p/{slug}?reviews_after=%00")] {
            app.get(&query).await.assert_status(400);
        }
        app.post("/cart/add", &[("variant_id", &variant.to_string()), ("quantity", "1")]).await.assert_redirect_to("/cart");
        app.post("/cart/promotion", &[("code", "SAVE\u{0}10")]).await
            .assert_status(422).assert_contains("Code contains characters we cannot accept.");
        app.post(&format!("/p/{slug}/review"), &[("rating", "5"), ("title", "Fine"), ("body", "Bright\u{0}lamp")]).await
            .assert_status(422).assert_contains("Body contains characters we cannot accept.");
        let stored: i64 = reviews::table.count().get_result(&mut app.conn()).expect("count");
        assert_eq!(stored, 0);
    }
}

on_both_backends! {
    async fn a_body_over_the_limit_is_413(db: TestDb) {
        let app = TestApp::new(db).await;
        let huge = vec![b'a'; 10 * 1024 * 1024];
        app.post_raw("/cart/add", &huge).await.assert_status(413);
        app.post_raw("/account/login", &huge).await.assert_status(413);
    }
}

/// Everything logged while the guard lives, as text.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("log buffer")).into_owned()
    }
}

on_both_backends! {
    async fn sending_a_visitor_to_sign_in_is_not_an_error_in_the_log(db: TestDb) {
        let app = TestApp::new(db).await;
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);
        for path in ["/orders", "/account", "/checkout", "/wishlist"] {
            let page = app.get(path).await;
            assert_eq!(page.status.as_u16(), 303, "{path}");
        }
        app.get("/no/such/page").await.assert_status(404);
        let text = logs.text();
        assert!(text.contains("WARN"), "the log is captured: {text}");
        assert!(!text.contains("ERROR"), "{text}");
    }
}

/// The real server on a loopback port with one-second limits for a request's head and body.
fn impatient_server(db: &TestDb) -> SocketAddr {
    let mut config = crate::common::web_config();
    config.timeouts = shopwave::web::Timeouts {
        head: Duration::from_secs(1),
        body: Duration::from_secs(1),
    };
    crate::common::serve_on_loopback(db, config)
}

/// Sends `start`, then a byte every 200 ms, and reads what comes back until the server closes;
/// returns the answer and how long the server took to close.
fn trickle(addr: SocketAddr, start: &str) -> (String, Duration) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let began = Instant::now();
    stream.write_all(start.as_bytes()).expect("send");
    let mut answer = Vec::new();
    let mut buffer = [0u8; 4096];
    while began.elapsed() < Duration::from_secs(10) {
        match stream.read(&mut buffer) {
            Ok(0) => {
                return (
                    String::from_utf8_lossy(&answer).into_owned(),
                    began.elapsed(),
                );
            }
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                let _ = stream.write_all(b"a");
            }
            Err(_) => {
                return (
                    String::from_utf8_lossy(&answer).into_owned(),
                    began.elapsed(),
                );
            }
        }
    }
    panic!(
        "the connection was still open after 10 s; got {:?}",
        String::from_utf8_lossy(&answer)
    );
}

on_both_backends! {
    async fn a_slow_body_or_head_gets_408_and_the_connection_closes(db: TestDb) {
        let addr = impatient_server(&db);
        let body = "POST /cart/add HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                    Content-Length: 102400\r\n\r\nvariant_id=1";
        let (answer, took) = trickle(addr, body);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        assert!(took < Duration::from_secs(4), "closed after {took:?}");
        let (answer, took) = trickle(addr, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer:?}");
        assert!(took < Duration::from_secs(4), "closed after {took:?}");

        // Fifty at once, as an attacker would: each is answered 408 and closed within the bound,
        // and the shop keeps answering everyone else meanwhile.
        let slow: Vec<_> = (0..50).map(|_| std::thread::spawn(move || trickle(addr, body))).collect();
        let mut ping = TcpStream::connect(addr).expect("connect");
        ping.set_read_timeout(Some(Duration::from_secs(3))).expect("timeout");
        ping.write_all(b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").expect("send");
        let mut answer = String::new();
        let _ = ping.read_to_string(&mut answer);
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
        for connection in slow {
            let (answer, took) = connection.join().expect("slow client");
            assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
            assert!(took < Duration::from_secs(6), "closed after {took:?}");
        }
    }
}

on_both_backends! {
    async fn a_refused_field_is_tied_to_its_message(db: TestDb) {
        let user = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        let page = crate::accounts::send_registration(&app, "not-an-email", "Ann").await;
        page.assert_status(422)
            .assert_contains(r#"name="email" value="not-an-email" type='email'"#)
            .assert_contains(r#"aria-invalid="true" aria-describedby="email-error""#)
            .assert_contains(r#"<p class="field-error" id="email-error">"#);
        assert!(!page.body.contains(r#"aria-describedby="first_name-error""#));
        app.clear_cookies();
        app.sign_in_as(user);
        let page = app.post("/account/addresses", &[("full_name", ""), ("line1", "1 Main St")]).await;
        page.assert_status(422)
            .assert_contains(r#"aria-invalid="true" aria-describedby="full_name-error""#)
            .assert_contains(r#"<p class="field-error" id="full_name-error">"#);
    }
}
