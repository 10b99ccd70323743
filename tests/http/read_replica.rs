//! Reports read a streaming replica of the primary (`DATABASE_REPLICA_URL`) and say how fresh
//! their figures are: up to date while it keeps up, the time they date from while it lags (the
//! primary's newer sales not in them), read from the primary while it is away. `/healthz` tells
//! operators how far behind it is. PostgreSQL only: the test makes its own primary and replica
//! (tests/common/replication.rs).

use std::time::{Duration, Instant};

use diesel::prelude::*;
use shopwave::db::schema::orders;

use crate::common::builders::{ProductBuilder, UserBuilder, category, seller};
use crate::common::commerce::*;
use crate::common::replication::Replication;
use crate::common::{TestApp, TestDb, from_this_machine};

/// Waits until the replica has every order the primary has.
fn replica_caught_up(db: &TestDb, replication: &Replication) {
    let on_primary: i64 = orders::table
        .count()
        .get_result(&mut db.conn())
        .expect("count");
    let replica = replication.replica_of(db);
    let started = Instant::now();
    loop {
        // Until the replica has replayed the creation of the shop's role, it refuses to
        // connect it: that is not caught up either.
        let on_replica: i64 = shopwave::db::establish(&replica)
            .ok()
            .and_then(|mut conn| orders::table.count().get_result(&mut conn).ok())
            .unwrap_or(-1);
        if on_replica == on_primary {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the replica never caught up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[actix_web::test]
async fn reports_read_the_replica_and_say_how_fresh_they_are() {
    if std::env::var("TEST_DATABASE_URL").is_err() && std::env::var("CI").is_err() {
        return;
    }
    let Some(replication) = Replication::start() else {
        return;
    };
    let db = TestDb::postgres_on(&replication.primary);
    let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
    let (variant, shipping, seller_user) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
        let (_, variant) = ProductBuilder::new("Replica Lamp")
            .price(1_234)
            .stock(10)
            .insert(conn, shop, shelf);
        let user: i64 = shopwave::db::schema::sellers::table
            .find(shop)
            .select(shopwave::db::schema::sellers::user_id)
            .first(conn)
            .expect("the seller's user");
        (variant, shipping_method(conn, 0, None), user)
    };
    paid_order(&db, variant, shipping);
    replica_caught_up(&db, &replication);

    // Demo mode: its admin needs no second factor.
    let mut state = db.app_state(true);
    state.replica = Some(shopwave::db::connect_replica(
        &replication.replica_of(&db),
        Some(2),
    ));
    let app = TestApp::from_state(db, state, |_| {}).await;
    app.sign_in_as(admin);
    app.get("/admin/reports")
        .await
        .assert_status(200)
        .assert_contains("reporting copy of the database, up to date")
        .assert_contains("$12.34");

    // The replica stops applying changes; a second sale is on the primary only.
    replication.pause_replay(true);
    paid_order(&app.db, variant, shipping);
    std::thread::sleep(Duration::from_millis(1_500));
    let lagging = app.get("/admin/reports").await;
    lagging
        .assert_status(200)
        .assert_contains("behind the shop: later sales are not in them yet");
    assert!(
        !lagging.body.contains("$24.68"),
        "the report read the replica, not the primary"
    );
    app.send(from_this_machine("/healthz"))
        .await
        .assert_status(200)
        .assert_contains(r#""replica":{"state":"ok","behind_seconds":"#);
    app.sign_in_as(seller_user);
    app.get("/seller").await.assert_contains("behind the shop");

    replication.pause_replay(false);
    replica_caught_up(&app.db, &replication);
    app.sign_in_as(admin);
    app.get("/admin/reports")
        .await
        .assert_contains("up to date")
        .assert_contains("$24.68");

    // The replica fails: reports read the primary and say so; the shop is still up.
    replication.stop_replica();
    app.get("/admin/reports")
        .await
        .assert_status(200)
        .assert_contains("cannot be reached")
        .assert_contains("$24.68");
    app.send(from_this_machine("/healthz"))
        .await
        .assert_status(200)
        .assert_contains(r#""status":"ok""#)
        .assert_contains(r#""replica":{"state":"unreachable"}"#);
}
