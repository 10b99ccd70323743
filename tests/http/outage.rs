//! The database goes away while the shop serves, and comes back: every request meanwhile is
//! answered with the 503 page within half a second (never a 500, never the pool's 5 s wait), the
//! shop serves again by itself once the database is back, and every write it acknowledged is
//! there. PostgreSQL is reached through a TCP relay the test cuts, as a network partition or a
//! database restart would, since the server itself is shared by the tests running beside it.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use shopwave::db::schema::cart_items;
use shopwave::db::{self, Backend};

use crate::common::builders::{ProductBuilder, UserBuilder, category, category_slug, seller};
use crate::common::relay::{Relay, server_of, through};
use crate::common::{TestApp, TestDb};

#[actix_web::test]
async fn while_the_database_is_away_pages_answer_503_at_once_and_the_shop_heals_itself() {
    let Some(db) = TestDb::postgres() else { return };
    let Backend::Postgres(url) = db.backend.clone() else {
        unreachable!()
    };
    let (shopper, variants, shelf_page) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
        let shelf_page = format!("/c/{}", category_slug(conn, shelf));
        let variants: Vec<i64> = (0..30)
            .map(|i| {
                ProductBuilder::new(&format!("Relay Lamp {i}"))
                    .stock(5)
                    .insert(conn, shop, shelf)
                    .1
            })
            .collect();
        (UserBuilder::customer().insert(conn), variants, shelf_page)
    };
    let relay = Relay::to(server_of(&url));
    let relayed = through(&relay, &url);
    let mut state = db.app_state(false);
    state.pool =
        db::connect(&Backend::Postgres(relayed), Some(4)).expect("a pool through the relay");
    let app = TestApp::from_state(db, state, |_| {}).await;
    app.sign_in_as(shopper);

    let mut acknowledged = Vec::new();
    let add = async |variant: i64| -> u16 {
        let fields = [
            ("variant_id", variant.to_string()),
            ("quantity", "1".to_owned()),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.post("/cart/add", &fields).await.status.as_u16()
    };
    for &variant in &variants[..10] {
        assert_eq!(
            add(variant).await,
            303,
            "a cart addition while the database is up"
        );
        acknowledged.push(variant);
    }

    relay.cut();
    let mut answers = Vec::new();
    for &variant in &variants[10..20] {
        let asked = Instant::now();
        let status = add(variant).await;
        let page = app.get("/account").await;
        answers.push((status, page.status.as_u16(), asked.elapsed()));
        if status == 303 {
            acknowledged.push(variant);
        }
    }
    assert!(
        answers
            .iter()
            .all(|(add, page, _)| *add != 500 && *page != 500),
        "no 500 while the database is away: {answers:?}"
    );
    assert!(
        answers.iter().filter(|(add, _, _)| *add == 503).count() >= 8,
        "{answers:?}"
    );
    // The pool's own wait is 5 s; a request to an empty pool waits half a second at most.
    let slowest = answers.iter().map(|(_, _, took)| *took).max().unwrap();
    assert!(
        slowest < Duration::from_millis(2_500),
        "a request waited {slowest:?}: {answers:?}"
    );
    app.get("/account")
        .await
        .assert_status(503)
        .assert_contains("briefly unavailable");
    app.clear_cookies();
    // A visitor without a session gets the page frame around the message.
    app.get(&shelf_page)
        .await
        .assert_status(503)
        .assert_contains("<title>")
        .assert_contains("briefly unavailable");
    app.sign_in_as(shopper);

    relay.mend();
    let back = Instant::now();
    let mut status = 0;
    for &variant in &variants[20..] {
        while back.elapsed() < Duration::from_secs(30) {
            status = add(variant).await;
            if status == 303 {
                acknowledged.push(variant);
                break;
            }
            actix_web::rt::time::sleep(Duration::from_millis(200)).await;
        }
    }
    assert_eq!(
        status, 303,
        "the shop serves again by itself once the database is back"
    );

    let kept: Vec<i64> = cart_items::table
        .select(cart_items::variant_id)
        .load(&mut app.conn())
        .expect("the cart");
    let lost: Vec<&i64> = acknowledged.iter().filter(|v| !kept.contains(v)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
}
