//! Zero-downtime migrations (docs/migrations.md): the previous release's binary keeps serving,
//! and taking orders, while this release's migrations apply to its database. No request fails,
//! and no order, unit or charge is lost. `.ci/run` builds the previous release from the commit
//! in `.ci/previous-release` and names its binary in SHOPWAVE_PREVIOUS_BIN; without that the
//! test is skipped outside CI and fails in CI.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use diesel::prelude::*;
use shopwave::db::schema::{cart_items, carts};

use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
use crate::common::nodes::{
    Shopper, charges_kept, check_out, node_settings, request, serve_release, wait_until,
};
use crate::common::{TestDb, assert_checks_clean, plant_session};

/// Shoppers who each place one order, and the threads they come in on.
const SHOPPERS: usize = 30;
const THREADS: usize = 3;

/// The previous release's binary, as `.ci/run` built it.
fn previous_release() -> Option<String> {
    let binary = std::env::var("SHOPWAVE_PREVIOUS_BIN").ok();
    if binary.is_none() {
        assert!(
            std::env::var("CI").is_err(),
            "CI must build the previous release and set SHOPWAVE_PREVIOUS_BIN (.ci/run)"
        );
        eprintln!("SHOPWAVE_PREVIOUS_BIN is not set: skipping the rolling-upgrade test");
    }
    binary
}

/// A cart holding one unit of `variant`, written as rows: the cart's code in this release may
/// read columns the previous release's schema does not have yet.
fn cart_with(conn: &mut shopwave::db::DbConn, user_id: i64, variant: i64, price: i64) {
    let cart: i64 = diesel::insert_into(carts::table)
        .values(carts::user_id.eq(user_id))
        .returning(carts::id)
        .get_result(conn)
        .expect("cart");
    diesel::insert_into(cart_items::table)
        .values((
            cart_items::cart_id.eq(cart),
            cart_items::variant_id.eq(variant),
            cart_items::quantity.eq(1),
            cart_items::unit_price.eq(price),
        ))
        .execute(conn)
        .expect("cart line");
}

#[actix_web::test]
async fn the_previous_release_takes_orders_while_this_release_migrates_its_database() {
    let Some(previous) = previous_release() else {
        return;
    };
    let Some(db) = TestDb::postgres_unmigrated() else {
        return;
    };
    let url = db.backend.url().to_owned();
    let migrated = Command::new(&previous)
        .arg("migrate")
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "error")
        .status()
        .expect("run the previous release");
    assert!(
        migrated.success(),
        "the previous release migrates: {migrated}"
    );
    let next = shopwave::db::unapplied_migrations(&mut db.conn()).expect("migrations read");
    assert!(
        !next.is_empty(),
        "this release has no migration the previous one lacks: point .ci/previous-release at \
         a release before the newest migration"
    );

    const PRICE: i64 = 1_800;
    let (variant, shipping, stock_before) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Kettles"));
        let (_, variant) = ProductBuilder::new("Upgrade Kettle")
            .price(PRICE)
            .stock(500)
            .insert(conn, shop, shelf);
        (variant, shipping_method(conn, 0, None), 500)
    };
    let shoppers: Vec<Shopper> = (0..SHOPPERS)
        .map(|_| {
            let b = buyer(&db, APPROVED);
            cart_with(&mut db.conn(), b.id, variant, PRICE);
            Shopper {
                id: b.id,
                session: plant_session(&mut db.conn(), b.id),
                address: b.address,
                card: b.card,
            }
        })
        .collect();
    let mut settings = node_settings(db.simulator());
    settings.push(("SHOPWAVE_MIGRATIONS", "check".to_owned()));
    let (_node, addr, _data) = serve_release(&previous, &url, &settings);

    let answered = Arc::new(AtomicUsize::new(0));
    let streams: Vec<_> = shoppers
        .chunks(SHOPPERS / THREADS)
        .map(|row| {
            let (row, answered) = (row.to_vec(), answered.clone());
            thread::spawn(move || {
                row.iter()
                    .map(|shopper| {
                        let placed = check_out(addr, shopper, shipping);
                        answered.fetch_add(1, Ordering::SeqCst);
                        thread::sleep(Duration::from_millis(40));
                        placed
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();

    wait_until(|| answered.load(Ordering::SeqCst) >= SHOPPERS / 4);
    let applied = shopwave::db::migrate(&mut db.conn()).expect("this release's migrations");
    let after_migrating = answered.load(Ordering::SeqCst);
    let placed: Vec<Option<u16>> = streams
        .into_iter()
        .flat_map(|stream| stream.join().expect("no panic"))
        .collect();
    eprintln!(
        "{applied} migrations applied while the previous release served; {after_migrating} of \
         {SHOPPERS} checkouts answered when they were done"
    );
    assert_eq!(applied, next.len());
    assert!(
        after_migrating < SHOPPERS,
        "orders were still taken by the previous release on the migrated schema"
    );
    assert!(
        placed.iter().all(|status| *status == Some(303)),
        "every order was placed: {placed:?}"
    );
    let health = request(addr, "GET /healthz", "", None).expect("the node answers");
    assert_eq!(health.status, 200, "{}", health.body);

    let conn = &mut db.conn();
    let confirmed: i64 = shopwave::db::schema::orders::table
        .filter(shopwave::db::schema::orders::status.eq("confirmed"))
        .count()
        .get_result(conn)
        .expect("orders");
    assert_eq!(
        confirmed as usize, SHOPPERS,
        "each checkout is a confirmed order"
    );
    assert_eq!(
        charges_kept(db.simulator()),
        SHOPPERS,
        "each order charged once"
    );
    assert_eq!(stock_of(conn, variant), stock_before - SHOPPERS as i32);
    assert_orders_complete(conn);
    assert_checks_clean(conn);
}
