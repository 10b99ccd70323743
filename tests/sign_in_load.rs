//! Sign-in bursts through the real router, on SQLite and (with TEST_DATABASE_URL) PostgreSQL.
//! A test binary of its own: password hashing is bounded per process, and these bursts must
//! not share that bound with the sign-ins of the other tests running beside them.

#[path = "common/mod.rs"]
mod common;

use diesel::prelude::*;
use futures_util::future::{join, join_all};

use common::builders::UserBuilder;
#[allow(unused_imports)]
use common::{Page, TestApp, TestDb};
use shopwave::accounts::throttle::MAX_FAILURES_PER_ACCOUNT;
use shopwave::db::schema::login_attempts;

const PASSWORD: &str = "correct horse battery staple";

fn statuses(pages: &[Page]) -> Vec<u16> {
    pages.iter().map(|p| p.status.as_u16()).collect()
}

on_both_backends! {
    async fn a_hundred_wrong_passwords_at_once_check_no_more_than_the_limit(db: TestDb) {
        UserBuilder::customer().email("ann@example.com").password(PASSWORD).insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.csrf_token().await;
        let guesses: Vec<String> = (0..100).map(|i| format!("wrong guess number {i}")).collect();
        let app = &app;
        let attempts = guesses.iter().map(|guess| async move {
            app.post("/account/login", &[("email", "ann@example.com"), ("password", guess)]).await
        });
        let pages = join_all(attempts).await;
        let count = |status: u16| pages.iter().filter(|p| p.status.as_u16() == status).count();
        // 422: the password was checked and was wrong; 429: refused before any check; 503: the
        // hashing slots were full, so nothing was checked.
        let (checked, throttled, busy) = (count(422), count(429), count(503));
        assert_eq!(checked + throttled + busy, pages.len(), "{:?}", statuses(&pages));
        let limit = MAX_FAILURES_PER_ACCOUNT as usize;
        assert!((1..=limit).contains(&checked), "{checked} passwords checked: {:?}", statuses(&pages));
        assert!(throttled >= pages.len() - limit - busy, "{:?}", statuses(&pages));
        let failures: i64 = login_attempts::table
            .filter(login_attempts::email.eq("ann@example.com"))
            .filter(login_attempts::succeeded.eq(false))
            .count()
            .get_result(&mut app.conn())
            .unwrap();
        assert_eq!(failures as usize, checked, "every check, and only checks, counted");
    }
}

on_both_backends! {
    async fn a_sign_in_burst_beyond_the_queue_is_asked_to_retry_and_pages_still_answer(db: TestDb) {
        let app = TestApp::new(db).await;
        app.csrf_token().await;
        let emails: Vec<String> = (0..40).map(|i| format!("nobody{i}@example.com")).collect();
        let app = &app;
        let burst = join_all(emails.iter().map(|email| async move {
            app.post("/account/login", &[("email", email.as_str()), ("password", PASSWORD)]).await
        }));
        let (pages, home) = join(burst, app.get("/")).await;
        home.assert_status(200);
        let busy: Vec<&Page> = pages.iter().filter(|p| p.status.as_u16() == 503).collect();
        assert!(!busy.is_empty(), "{:?}", statuses(&pages));
        for page in busy {
            assert_eq!(page.header("retry-after"), Some("5"));
            page.assert_contains("try again in a few seconds");
        }
        assert!(
            pages.iter().all(|p| [422, 503].contains(&p.status.as_u16())),
            "{:?}",
            statuses(&pages)
        );
        // Trying again in a moment works (other tests of this binary may be hashing meanwhile).
        let mut again = Vec::new();
        for _ in 0..50 {
            let page = app.post("/account/login", &[("email", "nobody0@example.com"), ("password", PASSWORD)]).await;
            again.push(page.status.as_u16());
            if page.status.as_u16() != 503 {
                break;
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(again.last(), Some(&422), "{again:?}");
    }
}

on_both_backends! {
    async fn registrations_at_once_from_one_address_are_taken_no_more_than_the_limit(db: TestDb) {
        use shopwave::accounts::registration::{self, Registration, RegistrationInput};
        use shopwave::accounts::throttle::MAX_REGISTRATIONS_PER_CLIENT_PER_HOUR;
        use shopwave::db::schema::pending_registrations;
        use shopwave::error::Error;

        let emails: Vec<String> = (0..30).map(|i| format!("new{i}@example.com")).collect();
        let outcomes: Vec<&'static str> = std::thread::scope(|scope| {
            let workers: Vec<_> = emails
                .iter()
                .map(|email| {
                    let pool = db.pool.clone();
                    scope.spawn(move || {
                        let input = RegistrationInput {
                            email,
                            first_name: "New",
                            last_name: "Shopper",
                            password: PASSWORD,
                        };
                        let parsed = Registration::parse(&input).expect("a valid form");
                        loop {
                            let conn = &mut pool.get().expect("connection");
                            match registration::register(conn, &parsed, "203.0.113.9") {
                                Ok(_) => return "taken",
                                Err(Error::TooManyRequests(_)) => return "refused",
                                // The hashing slots were full: a browser would be asked to retry.
                                Err(Error::Busy) => std::thread::yield_now(),
                                Err(other) => panic!("{other:?}"),
                            }
                        }
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).collect()
        });
        let taken = outcomes.iter().filter(|o| **o == "taken").count();
        assert_eq!(taken, MAX_REGISTRATIONS_PER_CLIENT_PER_HOUR as usize, "{outcomes:?}");
        let pending: i64 = pending_registrations::table.count().get_result(&mut db.conn()).unwrap();
        assert_eq!(pending as usize, taken);
    }
}
