//! Running the shop: the health answer anyone may read says only up or down, the details and
//! `/metrics` are for operators; the retention job removes what is past its age and nothing
//! else, in bounded batches; a node whose search index missed removed outbox rows rebuilds it.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::test::TestRequest;
use chrono::Duration;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use shopwave::db::schema::{cart_items, carts, login_attempts, search_outbox, sessions};
use shopwave::retention::{Ages, BATCH, Removed, sweep};
use shopwave::search::{Indexer, SearchIndex};
use shopwave::util::now;

use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
use crate::common::commerce::add_to_cart;
use crate::common::{TestApp, TestDb, from_this_machine};
use crate::on_both_backends;

/// A GET of `path` from another machine on the internet.
fn from_afar(path: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .peer_addr("203.0.113.9:5000".parse().expect("an address"))
}

on_both_backends! {
    async fn the_public_health_answer_says_only_up_and_operators_see_the_details(db: TestDb) {
        let app = TestApp::new(db).await;
        let public = app.send(from_afar("/healthz")).await;
        public.assert_status(200);
        assert_eq!(public.body, r#"{"status":"ok"}"#);
        let local = app.send(from_this_machine("/healthz")).await;
        local.assert_status(200).assert_contains(r#""database":"ok""#).assert_contains(r#""behind":"#);

        app.send(from_afar("/metrics")).await.assert_status(403);
        app.send(from_this_machine("/metrics"))
            .await
            .assert_status(200)
            .assert_contains(r#"shopwave_retention_removed_total{kind="sessions"}"#);
    }
}

on_both_backends! {
    async fn with_an_ops_token_only_its_bearer_reads_the_details(db: TestDb) {
        let mut state = db.app_state(false);
        state.ops_token = Some("0ps-token-for-the-test".into());
        let app = TestApp::from_state(db, state, |_| {}).await;
        let bearer = |token: &str| {
            from_afar("/metrics").insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
        };
        app.send(bearer("0ps-token-for-the-test")).await.assert_status(200);
        app.send(bearer("0ps-token-for-the-tesT")).await.assert_status(403);
        // A proxy on the same machine makes every request loopback: the token is still needed.
        app.send(from_this_machine("/metrics")).await.assert_status(403);
        let local = app.send(from_this_machine("/healthz")).await;
        assert_eq!(local.body, r#"{"status":"ok"}"#);
    }
}

fn session(conn: &mut shopwave::db::DbConn, id: &str, expires_in: Duration) {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(id),
            sessions::state.eq("{}"),
            sessions::created_at.eq(now() - Duration::days(2)),
            sessions::expires_at.eq(now() + expires_in),
        ))
        .execute(conn)
        .expect("a session");
}

fn attempt(conn: &mut shopwave::db::DbConn, age: Duration) {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::email.eq("someone@example.test"),
            login_attempts::client_ip.eq("203.0.113.9"),
            login_attempts::succeeded.eq(false),
            login_attempts::purpose.eq("login"),
            login_attempts::created_at.eq(now() - age),
        ))
        .execute(conn)
        .expect("an attempt");
}

fn cart(conn: &mut shopwave::db::DbConn, user_id: Option<i64>, idle: Duration) -> i64 {
    diesel::insert_into(carts::table)
        .values((
            carts::user_id.eq(user_id),
            carts::session_token.eq(user_id
                .is_none()
                .then(|| format!("guest-{}", idle.num_days()))),
            carts::created_at.eq(now() - idle),
            carts::updated_at.eq(now() - idle),
        ))
        .returning(carts::id)
        .get_result(conn)
        .expect("a cart")
}

on_both_backends! {
    async fn retention_removes_only_what_is_past_its_age_in_bounded_batches(db: TestDb) {
        let conn = &mut db.conn();
        for i in 0..(BATCH + 20) {
            session(conn, &format!("expired-{i}"), -Duration::minutes(1));
        }
        session(conn, "alive", Duration::hours(1));
        attempt(conn, Duration::days(31));
        attempt(conn, Duration::days(29));
        let shop = seller(conn);
        let shelf = category(conn, "Kept");
        let (product, variant) = ProductBuilder::new("Kept Lamp").insert(conn, shop, shelf);
        let abandoned = cart(conn, None, Duration::days(31));
        diesel::insert_into(cart_items::table)
            .values((
                cart_items::cart_id.eq(abandoned),
                cart_items::variant_id.eq(variant),
                cart_items::quantity.eq(1),
                cart_items::unit_price.eq(2_500),
                cart_items::added_at.eq(now() - Duration::days(31)),
            ))
            .execute(conn)
            .expect("a line in the abandoned cart");
        cart(conn, None, Duration::days(2));
        let shopper = UserBuilder::customer().insert(conn);
        add_to_cart(conn, shopper, variant, 1);
        diesel::update(carts::table.filter(carts::user_id.eq(shopper)))
            .set(carts::updated_at.eq(now() - Duration::days(400)))
            .execute(conn)
            .expect("a signed-in shopper's old cart");
        shopwave::search::enqueue(conn, product).expect("a new outbox row");
        diesel::update(search_outbox::table)
            .set(search_outbox::created_at.eq(now() - Duration::days(8)))
            .execute(conn)
            .expect("old outbox rows");
        shopwave::search::enqueue(conn, product).expect("a fresh outbox row");

        let first = sweep(conn, &Ages::default(), now(), 1).expect("a round");
        assert_eq!(
            first,
            Removed { sessions: BATCH as usize, login_attempts: 1, guest_carts: 1, search_outbox: 2 },
            "one batch of each kind per round here"
        );
        let second = sweep(conn, &Ages::default(), now(), 1).expect("the next round");
        assert_eq!(second, Removed { sessions: 20, ..Removed::default() });
        assert_eq!(sweep(conn, &Ages::default(), now(), 1).expect("a quiet round"), Removed::default());

        let left: Vec<String> = sessions::table.select(sessions::id).load(conn).expect("sessions");
        assert_eq!(left, ["alive"]);
        assert_eq!(login_attempts::table.count().get_result::<i64>(conn).expect("a count"), 1);
        assert_eq!(carts::table.count().get_result::<i64>(conn).expect("a count"), 2, "the recent guest cart and the shopper's cart stay");
        assert_eq!(cart_items::table.count().get_result::<i64>(conn).expect("a count"), 1, "the abandoned cart's line went with it");
        assert_eq!(search_outbox::table.count().get_result::<i64>(conn).expect("a count"), 1, "the fresh outbox row stays");
    }
}

on_both_backends! {
    async fn a_node_whose_index_missed_removed_outbox_rows_rebuilds_it(db: TestDb) {
        let conn = &mut db.conn();
        let shop = seller(conn);
        let shelf = category(conn, "Lamps");
        ProductBuilder::new("Quokka Lamp").insert(conn, shop, shelf);
        let node = db.another_node();
        let index = Arc::new(SearchIndex::open(&node.data_dir()).expect("the node's index"));
        Indexer::new(index.clone()).expect("its writer").drain(conn).expect("caught up");
        assert_eq!(index.searcher().num_docs(), 1);

        // The node stops; a week passes with a new product; the retention job runs.
        ProductBuilder::new("Wombat Lamp").insert(conn, shop, shelf);
        diesel::update(search_outbox::table)
            .set(search_outbox::created_at.eq(now() - Duration::days(8)))
            .execute(conn)
            .expect("a week ago");
        let removed = sweep(conn, &Ages::default(), now(), 10).expect("retention");
        assert!(removed.search_outbox >= 1);

        let restarted = Indexer::new(index.clone()).expect("its writer again");
        restarted.drain(conn).expect("the node catches up");
        assert_eq!(index.searcher().num_docs(), 2, "the product whose outbox row was removed is found");
    }
}

/// `pg_backend_pid()` of a connection: which server process serves it.
fn backend_pid(conn: &mut shopwave::db::DbConn) -> i32 {
    diesel::select(diesel::dsl::sql::<diesel::sql_types::Integer>(
        "pg_backend_pid()",
    ))
    .get_result(conn)
    .expect("its server process")
}

#[actix_web::test]
async fn a_lost_postgres_connection_answers_503_once_and_the_pool_replaces_it() {
    let Some(db) = TestDb::postgres() else { return };
    let app = TestApp::new(db).await;
    // Every pooled connection is cut, as a server restart does.
    let pids: Vec<i32> = {
        let held: Vec<_> = (0..12)
            .map(|_| app.db.pool.get().expect("a connection"))
            .collect();
        held.into_iter()
            .map(|mut conn| backend_pid(&mut conn))
            .collect()
    };
    let mut killer = shopwave::db::establish(&app.db.backend).expect("another connection");
    for pid in &pids {
        diesel::sql_query(format!("SELECT pg_terminate_backend({pid})"))
            .execute(&mut killer)
            .expect("terminated");
    }
    let mut statuses = Vec::new();
    for _ in 0..(pids.len() + 3) {
        statuses.push(app.get("/healthz").await.status.as_u16());
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 503),
        "no 500 while connections are lost: {statuses:?}"
    );
    assert!(
        statuses.ends_with(&[200, 200, 200]),
        "the pool replaced the lost connections: {statuses:?}"
    );
}

#[actix_web::test]
async fn a_pooled_postgres_connection_stops_waiting_for_a_lock_and_the_visitor_gets_503() {
    let Some(db) = TestDb::postgres() else { return };
    let mut holder = db.conn();
    let mut waiter = db.conn();
    holder
        .batch_execute("BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
        .expect("a lock held");
    let started = std::time::Instant::now();
    let waited = sessions::table
        .count()
        .get_result::<i64>(&mut waiter)
        .expect_err("gives up");
    assert!(shopwave::db::is_timeout(&waited), "{waited}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let web = shopwave::web::error::WebError::from(shopwave::error::Error::from(waited));
    assert_eq!(
        actix_web::ResponseError::status_code(&web),
        actix_web::http::StatusCode::SERVICE_UNAVAILABLE
    );
    holder.batch_execute("ROLLBACK").expect("released");
}
