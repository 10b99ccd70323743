//! Stock holds (src/holds.rs): opening the checkout sets the cart's units aside, so what others
//! see and can buy is on hand less what is held; the hold ends with the order, with an emptied
//! cart, or with the sweeper after its time, and the ledger and `shopwave check` stay clean. In
//! a rush, whoever holds a unit gets it and nobody else is charged for one.

use std::sync::{Arc, Barrier};

use diesel::prelude::*;

use crate::common::builders::{ProductBuilder, category, product_slug, seller};
use crate::common::commerce::*;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb, assert_checks_clean};
use crate::on_both_backends;
use shopwave::checkout::{self, Outcome};
use shopwave::db::DbConn;
use shopwave::db::schema::{payments, product_variants, sellers, stock_holds};
use shopwave::error::Error;
use shopwave::inventory::holds::{self, HoldFor};

/// A product with `units` in stock, its seller and a shipping method.
struct Lamp {
    product: i64,
    variant: i64,
    slug: String,
    shipping: i64,
    seller_user: i64,
}

fn lamp(db: &TestDb, units: i32) -> Lamp {
    let conn = &mut db.conn();
    let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
    let (product, variant) = ProductBuilder::new("Brass Lamp")
        .price(2_500)
        .stock(units)
        .insert(conn, shop, shelf);
    let seller_user = sellers::table
        .find(shop)
        .select(sellers::user_id)
        .first(conn)
        .unwrap();
    Lamp {
        product,
        variant,
        slug: product_slug(conn, product),
        shipping: shipping_method(conn, 0, None),
        seller_user,
    }
}

/// (stock, held, hold rows) of a variant.
fn stock_and_holds(conn: &mut DbConn, variant: i64) -> (i32, i32, i64) {
    let (stock, held) = product_variants::table
        .find(variant)
        .select((product_variants::stock, product_variants::held))
        .first(conn)
        .unwrap();
    let rows = stock_holds::table
        .filter(stock_holds::variant_id.eq(variant))
        .count()
        .get_result(conn)
        .unwrap();
    (stock, held, rows)
}

on_both_backends! {
    async fn opening_the_checkout_holds_the_last_units_until_the_order_takes_them(db: TestDb) {
        let Lamp { product, variant, slug, shipping, seller_user } = lamp(&db, 2);
        let (ann, bob) = (buyer(&db, APPROVED), buyer(&db, APPROVED));
        add_to_cart(&mut db.conn(), ann.id, variant, 2);
        add_to_cart(&mut db.conn(), bob.id, variant, 1);
        let app = TestApp::new(db).await;
        app.drain_search();
        app.get(&format!("/p/{slug}")).await.assert_contains("Only 2 left");

        app.sign_in_as(ann.id);
        app.get("/checkout").await.assert_status(200)
            .assert_contains("keeping these items for you for the next 10 minutes");
        assert_eq!(stock_and_holds(&mut app.conn(), variant), (2, 2, 1));

        // Her seller sees why the shop says none are left.
        app.sign_in_as(seller_user);
        app.get(&format!("/seller/products/{product}")).await
            .assert_contains("2 held in shoppers' open checkouts");

        // Everyone else finds none to buy while Ann's checkout is open.
        app.drain_search();
        app.get(&format!("/p/{slug}")).await.assert_contains("Out of stock");
        app.sign_in_as(bob.id);
        app.post("/cart/add", &[("variant_id", &variant.to_string()), ("quantity", "1")]).await
            .assert_status(409).assert_contains("out of stock");
        let bobs = app.get("/checkout").await;
        bobs.assert_status(200).assert_contains("Brass Lamp: Out of stock.");
        assert!(!bobs.body.contains("keeping these items"), "nothing is held for Bob");
        let refused = checkout::place(&mut app.conn(), &order_request(bob.id, bob.address, shipping, bob.card), "test");
        assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");

        // Ann may still change her mind within what she holds, and her order takes the units.
        app.sign_in_as(ann.id);
        let cart = app.get("/cart").await;
        cart.assert_status(200);
        assert!(!cart.body.contains("left in stock"), "her own hold counts as hers");
        let placed = saga(&app.db).submit(&order_request(ann.id, ann.address, shipping, ann.card));
        assert!(matches!(placed, Ok(Outcome::Confirmed { .. })), "{placed:?}");
        assert_eq!(stock_and_holds(&mut app.conn(), variant), (0, 0, 0));
        assert_checks_clean(&mut app.conn());
    }
}

on_both_backends! {
    async fn an_abandoned_hold_frees_its_units_once_the_sweeper_finds_it_past_its_time(db: TestDb) {
        let Lamp { variant, shipping, .. } = lamp(&db, 1);
        let (ann, bob) = (buyer(&db, APPROVED), buyer(&db, APPROVED));
        add_to_cart(&mut db.conn(), ann.id, variant, 1);
        add_to_cart(&mut db.conn(), bob.id, variant, 1);
        let conn = &mut db.conn();
        checkout::open(conn, ann.id, HoldFor::minutes(10)).unwrap();
        checkout::open(conn, bob.id, HoldFor::minutes(10)).unwrap();
        assert_eq!(stock_and_holds(conn, variant), (1, 1, 1), "only Ann's checkout holds it");

        // Within its time the sweeper leaves the hold alone; after it, the unit is free again.
        assert_eq!(holds::release_expired(conn, shopwave::util::now()).unwrap(), 0);
        let later = shopwave::util::now() + chrono::TimeDelta::minutes(11);
        assert_eq!(holds::release_expired(conn, later).unwrap(), 1);
        assert_eq!(stock_and_holds(conn, variant), (1, 0, 0));

        let bobs = saga(&db).submit(&order_request(bob.id, bob.address, shipping, bob.card));
        assert!(matches!(bobs, Ok(Outcome::Confirmed { .. })), "{bobs:?}");
        // Ann comes back too late: told it sold out, and never charged.
        let anns = saga(&db).submit(&order_request(ann.id, ann.address, shipping, ann.card));
        assert!(matches!(&anns, Err(Error::Conflict(m)) if m.contains("sold out")), "{anns:?}");
        let charges: i64 = payments::table.count().get_result(conn).unwrap();
        assert_eq!(charges, 1);
        assert_checks_clean(conn);
    }
}

on_both_backends! {
    async fn emptying_the_cart_or_opening_the_checkout_again_gives_the_hold_back(db: TestDb) {
        let Lamp { variant, .. } = lamp(&db, 5);
        let ann = buyer(&db, APPROVED);
        add_to_cart(&mut db.conn(), ann.id, variant, 3);
        let app = TestApp::new(db).await;
        app.sign_in_as(ann.id);
        app.get("/checkout").await.assert_status(200);
        assert_eq!(stock_and_holds(&mut app.conn(), variant), (5, 3, 1));

        // Opening it again holds the cart as it is now, never twice.
        app.post("/cart/update", &[("variant_id", &variant.to_string()), ("quantity", "2")]).await;
        app.get("/checkout").await.assert_status(200);
        assert_eq!(stock_and_holds(&mut app.conn(), variant), (5, 2, 1));

        app.post("/cart/remove", &[("variant_id", &variant.to_string())]).await;
        assert_eq!(stock_and_holds(&mut app.conn(), variant), (5, 0, 0));
        assert_checks_clean(&mut app.conn());
    }
}

on_both_backends! {
    async fn an_order_ends_every_hold_of_its_buyer_and_gives_back_what_it_did_not_take(db: TestDb) {
        let Lamp { variant: lamp_variant, shipping, .. } = lamp(&db, 3);
        let vase = {
            let conn = &mut db.conn();
            let (shop, shelf) = (seller(conn), category(conn, "Vases"));
            ProductBuilder::new("Tall Vase").price(1_500).stock(4).insert(conn, shop, shelf).1
        };
        let ann = buyer(&db, APPROVED);
        add_to_cart(&mut db.conn(), ann.id, lamp_variant, 2);
        // Held while both were in her cart; the vase has left it since, its hold not yet.
        holds::hold(&mut db.conn(), ann.id, &[(lamp_variant, 2), (vase, 1)], HoldFor::minutes(10), shopwave::util::now()).unwrap();
        assert_eq!(stock_and_holds(&mut db.conn(), vase), (4, 1, 1));

        let placed = saga(&db).submit(&order_request(ann.id, ann.address, shipping, ann.card));
        assert!(matches!(placed, Ok(Outcome::Confirmed { .. })), "{placed:?}");
        assert_eq!(stock_and_holds(&mut db.conn(), lamp_variant), (1, 0, 0), "the lamp's hold was used up");
        assert_eq!(stock_and_holds(&mut db.conn(), vase), (4, 0, 0), "the vase's units are everyone's again");
        assert_checks_clean(&mut db.conn());
    }
}

on_both_backends! {
    async fn with_holds_turned_off_opening_the_checkout_holds_nothing(db: TestDb) {
        let Lamp { variant, .. } = lamp(&db, 1);
        let ann = buyer(&db, APPROVED);
        add_to_cart(&mut db.conn(), ann.id, variant, 1);
        checkout::open(&mut db.conn(), ann.id, HoldFor::minutes(0)).unwrap();
        assert_eq!(stock_and_holds(&mut db.conn(), variant), (1, 0, 0));
    }
}

/// Shoppers in the rush, and the units they race for.
const SHOPPERS: usize = 24;
const UNITS: i32 = 6;

on_both_backends! {
    async fn in_a_rush_everyone_who_holds_a_unit_gets_it_and_nobody_else_is_charged(db: TestDb) {
        let Lamp { variant, shipping, .. } = lamp(&db, UNITS);
        let shoppers: Vec<Buyer> = (0..SHOPPERS).map(|_| buyer(&db, APPROVED)).collect();
        for shopper in &shoppers {
            add_to_cart(&mut db.conn(), shopper.id, variant, 1);
        }
        let (saga, barrier) = (Arc::new(saga(&db)), Arc::new(Barrier::new(SHOPPERS)));
        let rushes: Vec<_> = shoppers
            .into_iter()
            .map(|shopper| {
                let (pool, saga, barrier) = (db.pool.clone(), saga.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let mut conn = shopwave::db::checkout(&pool).unwrap();
                    let opened = checkout::open(&mut conn, shopper.id, HoldFor::minutes(10)).unwrap();
                    let held = opened.cart.can_check_out();
                    drop(conn);
                    let request = order_request(shopper.id, shopper.address, shipping, shopper.card);
                    (held, saga.submit(&request))
                })
            })
            .collect();
        let outcomes: Vec<_> = rushes.into_iter().map(|r| r.join().expect("no panic")).collect();
        for (held, outcome) in &outcomes {
            match (held, outcome) {
                (true, Ok(Outcome::Confirmed { .. })) | (false, Err(Error::Conflict(_))) => {}
                other => panic!("a holder is paid and served, anyone else refused: {other:?}"),
            }
        }
        let served = outcomes.iter().filter(|(held, _)| *held).count();
        assert_eq!(served, UNITS as usize, "every unit sold, each to the shopper holding it");
        let conn = &mut db.conn();
        let charges: i64 = payments::table.count().get_result(conn).unwrap();
        assert_eq!(charges, i64::from(UNITS), "nobody charged for a unit they could not get");
        assert_eq!(stock_and_holds(conn, variant), (0, 0, 0));
        assert_orders_complete(conn);
        assert_checks_clean(conn);
    }
}
