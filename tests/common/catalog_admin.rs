//! Fixtures for the seller catalog and admin product tests: a seller signed in over a product,
//! the stored state a refused form must leave alone, and the invariants every change keeps
//! (stock = ledger, price range and stock flag = the live variants).

use diesel::prelude::*;

use super::builders::{self, ProductBuilder};
use super::{TestApp, TestDb};
use shopwave::db::DbConn;
use shopwave::db::schema::{
    audit_log, inventory_movements, price_history, product_categories, product_variants, products,
    search_outbox, sellers,
};

/// The user behind a seller profile, to sign in as.
pub fn user_of(conn: &mut DbConn, seller: i64) -> i64 {
    sellers::table
        .find(seller)
        .select(sellers::user_id)
        .first(conn)
        .expect("seller")
}

/// A seller with one product (one variant, 10 in stock at $19.99) in category "Shirts".
pub struct Shop {
    pub seller: i64,
    pub seller_user: i64,
    pub category: i64,
    pub product: i64,
    pub variant: i64,
}

pub fn shop(db: &TestDb) -> Shop {
    let mut conn = db.conn();
    let seller = builders::seller(&mut conn);
    let category = builders::category(&mut conn, "Shirts");
    let (product, variant) = ProductBuilder::new("Linen Shirt").insert(&mut conn, seller, category);
    Shop {
        seller_user: user_of(&mut conn, seller),
        seller,
        category,
        product,
        variant,
    }
}

/// Everything the catalog forms can change, to prove a refused form changed nothing.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    /// (name, status, primary category, price_min, price_max, in_stock, featured, archived)
    pub product: (String, String, i64, i64, i64, bool, bool, bool),
    /// (id, sku, name, options, price, stock, active) of each variant.
    pub variants: Vec<(i64, String, String, String, i64, i32, bool)>,
    pub filed_under: Vec<i64>,
    pub price_changes: i64,
    pub ledger_rows: i64,
    pub outbox_rows: i64,
    pub audit_rows: i64,
}

pub fn snapshot(app: &TestApp, product_id: i64) -> Snapshot {
    let mut conn = app.conn();
    let count = |n: QueryResult<i64>| n.expect("count");
    Snapshot {
        product: products::table
            .find(product_id)
            .select((
                products::name,
                products::status,
                products::primary_category_id,
                products::price_min,
                products::price_max,
                products::in_stock,
                products::is_featured,
                products::deleted_at.is_not_null(),
            ))
            .first(&mut conn)
            .expect("product"),
        variants: product_variants::table
            .filter(product_variants::product_id.eq(product_id))
            .order(product_variants::id)
            .select((
                product_variants::id,
                product_variants::sku,
                product_variants::name,
                product_variants::options,
                product_variants::price,
                product_variants::stock,
                product_variants::is_active,
            ))
            .load(&mut conn)
            .expect("variants"),
        filed_under: product_categories::table
            .filter(product_categories::product_id.eq(product_id))
            .order(product_categories::category_id)
            .select(product_categories::category_id)
            .load(&mut conn)
            .expect("categories"),
        price_changes: count(price_history::table.count().get_result(&mut conn)),
        ledger_rows: count(inventory_movements::table.count().get_result(&mut conn)),
        outbox_rows: count(search_outbox::table.count().get_result(&mut conn)),
        audit_rows: count(audit_log::table.count().get_result(&mut conn)),
    }
}

/// Stock equals the ledger for every variant, and every product's price range and stock flag
/// agree with its live variants: what `shopwave check` verifies.
#[track_caller]
pub fn assert_consistent(app: &TestApp) {
    let mut conn = app.conn();
    let stock = shopwave::checks::stock(&mut conn).expect("stock check");
    assert!(stock.is_empty(), "stock differs from the ledger: {stock:?}");
    let summaries = shopwave::checks::product_summaries(&mut conn).expect("summary check");
    assert!(
        summaries.is_empty(),
        "product summaries are stale: {summaries:?}"
    );
}

/// Outbox rows written for `product_id` so far.
pub fn outbox_rows(app: &TestApp, product_id: i64) -> i64 {
    search_outbox::table
        .filter(search_outbox::product_id.eq(product_id))
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

/// The variant of `product_id` with `sku`.
pub fn variant_by_sku(app: &TestApp, sku: &str) -> i64 {
    product_variants::table
        .filter(product_variants::sku.eq(sku))
        .select(product_variants::id)
        .first(&mut app.conn())
        .expect("variant")
}

/// The add-variant form's fields.
pub fn variant_form<'a>(
    sku: &'a str,
    options: [&'a str; 3],
    price: &'a str,
    stock: &'a str,
) -> Vec<(&'static str, &'a str)> {
    vec![
        ("sku", sku),
        ("name", ""),
        ("option1", options[0]),
        ("option2", options[1]),
        ("option3", options[2]),
        ("price", price),
        ("stock", stock),
    ]
}
