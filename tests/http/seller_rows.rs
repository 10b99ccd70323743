//! Row-level security on PostgreSQL (migrations/postgres/2026-12-06-00002[0-5]_*,
//! src/db/seller_rows.rs): while a seller acts, a query that forgets its ownership filter still
//! sees and changes only that seller's products, variants, order lines, parcels and payouts.
//! The test's connections are the shop's role, never the owner (tests/http/least_privilege.rs).

use diesel::prelude::*;
use shopwave::db::schema::{
    order_items, product_variants, products, seller_payouts, sellers, shipments,
};
use shopwave::db::{self, DbConn};

use crate::common::builders::{self, Line, ProductBuilder, UserBuilder, category, seller};
use crate::common::{TestApp, TestDb};

/// The seller ids on every row of the five confined tables, table by table, as `conn` sees them.
fn seller_ids(conn: &mut DbConn) -> QueryResult<[Vec<i64>; 5]> {
    Ok([
        products::table.select(products::seller_id).load(conn)?,
        product_variants::table
            .inner_join(products::table)
            .select(products::seller_id)
            .load(conn)?,
        order_items::table
            .select(order_items::seller_id)
            .load(conn)?,
        shipments::table.select(shipments::seller_id).load(conn)?,
        seller_payouts::table
            .select(seller_payouts::seller_id)
            .load(conn)?,
    ])
}

/// A payout statement and a parcel of `seller` on `order`, written as rows.
fn parcel_and_payout(conn: &mut DbConn, seller: i64, order: i64) {
    let now = shopwave::util::now();
    diesel::insert_into(shipments::table)
        .values((
            shipments::order_id.eq(order),
            shipments::seller_id.eq(seller),
            shipments::status.eq("pending"),
        ))
        .execute(conn)
        .expect("parcel");
    diesel::insert_into(seller_payouts::table)
        .values((
            seller_payouts::seller_id.eq(seller),
            seller_payouts::period_start.eq(now - chrono::TimeDelta::days(7)),
            seller_payouts::period_end.eq(now),
            seller_payouts::gross.eq(1_000),
            seller_payouts::commission.eq(100),
            seller_payouts::net.eq(900),
            seller_payouts::status.eq("pending"),
        ))
        .execute(conn)
        .expect("payout");
}

#[actix_web::test]
async fn an_unscoped_query_as_a_seller_sees_and_changes_only_that_sellers_rows() {
    let Some(db) = TestDb::postgres() else { return };
    let conn = &mut db.conn();
    let shelf = category(conn, "Lamps");
    let (ann, bob) = (seller(conn), seller(conn));
    let mut lines = Vec::new();
    for shop in [ann, bob] {
        let (product_id, variant_id) = ProductBuilder::new("Lamp").insert(conn, shop, shelf);
        lines.push(Line {
            product_id,
            variant_id,
            seller_id: shop,
            unit_price: 1_000,
            quantity: 1,
            tax: 0,
        });
    }
    let shopper = UserBuilder::customer().insert(conn);
    let order = builders::order(conn, shopper, "confirmed", shopwave::util::now(), &lines);
    parcel_and_payout(conn, ann, order);
    parcel_and_payout(conn, bob, order);
    let ann_user: i64 = sellers::table
        .find(ann)
        .select(sellers::user_id)
        .first(conn)
        .unwrap();

    // No seller acting (the storefront, admins, jobs): every row.
    for ids in seller_ids(conn).unwrap() {
        assert_eq!(ids.len(), 2, "both sellers' rows: {ids:?}");
    }

    // Ann acting: the same unfiltered queries find only her rows, and an unfiltered update
    // changes only her product.
    let (seen, renamed) = db::as_seller(conn, ann_user, |conn| {
        let seen = seller_ids(conn)?;
        let renamed = diesel::update(products::table)
            .set(products::name.eq("Renamed"))
            .execute(conn)?;
        QueryResult::Ok((seen, renamed))
    })
    .unwrap();
    for ids in seen {
        assert_eq!(ids, vec![ann], "only Ann's rows");
    }
    assert_eq!(renamed, 1);
    let bobs: String = products::table
        .filter(products::seller_id.eq(bob))
        .select(products::name)
        .first(conn)
        .unwrap();
    assert_eq!(bobs, "Lamp", "Bob's product is untouched");

    // A user who sells nothing, acting as a seller, sees no seller rows at all.
    let nothing = db::as_seller(conn, shopper, seller_ids).unwrap();
    assert!(nothing.iter().all(Vec::is_empty), "{nothing:?}");

    // After the transaction, nothing of Ann's scope stays on the connection.
    for ids in seller_ids(conn).unwrap() {
        assert_eq!(ids.len(), 2);
    }
}

#[actix_web::test]
async fn a_sellers_pages_show_their_own_rows_under_row_level_security() {
    let Some(db) = TestDb::postgres() else { return };
    let (ann_user, shelf) = {
        let conn = &mut db.conn();
        let shelf = category(conn, "Lamps");
        let (ann, bob) = (seller(conn), seller(conn));
        ProductBuilder::new("Ann Lamp").insert(conn, ann, shelf);
        ProductBuilder::new("Bob Lamp").insert(conn, bob, shelf);
        let ann_user: i64 = sellers::table
            .find(ann)
            .select(sellers::user_id)
            .first(conn)
            .unwrap();
        (ann_user, shelf)
    };
    let app = TestApp::new(db).await;
    app.sign_in_as(ann_user);
    let listed = app.get("/seller/products").await;
    listed.assert_status(200).assert_contains("Ann Lamp");
    assert!(!listed.body.contains("Bob Lamp"));
    // The storefront, with no seller acting, still shows both.
    app.drain_search();
    let shelf_page = format!(
        "/c/{}",
        crate::common::builders::category_slug(&mut app.conn(), shelf)
    );
    let shown = app.get(&shelf_page).await;
    shown
        .assert_contains("Ann Lamp")
        .assert_contains("Bob Lamp");
}
