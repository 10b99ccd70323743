//! Fixtures for the shipping and tax settings pages: a shop with one kettle, a shopper with it
//! in their cart and an address in California, and the forms as an admin fills them in.

use diesel::prelude::*;

use shopwave::db::schema::{audit_log, shipping_methods, tax_rates};

use super::builders::{ProductBuilder, UserBuilder, category, seller};
use super::commerce::{APPROVED, Buyer, add_to_cart, buyer};
use super::{TestApp, TestDb};

/// The shopper's cart: two kettles at $19.99, $39.98 before shipping and tax.
pub struct Shopper {
    pub buyer: Buyer,
    pub admin: i64,
}

pub fn shop_with_shopper(db: &TestDb) -> Shopper {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Kitchen"));
    let (_, variant) = ProductBuilder::new("Copper Kettle")
        .price(1999)
        .stock(10)
        .insert(conn, s, c);
    let buyer = buyer(db, APPROVED);
    add_to_cart(conn, buyer.id, variant, 2);
    let admin = UserBuilder::customer().role("admin").insert(conn);
    Shopper { buyer, admin }
}

/// A complete, valid shipping form with `changes` applied over it.
pub fn shipping_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("code", "courier"),
        ("name", "Courier"),
        ("price", "7.50"),
        ("free_over", "100.00"),
        ("min_days", "2"),
        ("max_days", "4"),
        ("is_active", "on"),
        ("position", "1"),
    ];
    apply(&mut fields, changes);
    fields
}

/// A complete, valid tax form for California with `changes` applied over it.
pub fn tax_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("country", "US"),
        ("region", "CA"),
        ("name", "California sales tax"),
        ("rate", "8.25"),
    ];
    apply(&mut fields, changes);
    fields
}

fn apply<'a>(fields: &mut Vec<(&'a str, &'a str)>, changes: &[(&'a str, &'a str)]) {
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        if !value.is_empty() || *name != "is_active" {
            fields.push((name, value));
        }
    }
}

/// The shipping table as (code, price, active), in id order.
pub fn shipping_rows(app: &TestApp) -> Vec<(String, i64, bool)> {
    shipping_methods::table
        .order(shipping_methods::id)
        .select((
            shipping_methods::code,
            shipping_methods::price,
            shipping_methods::is_active,
        ))
        .load(&mut app.conn())
        .unwrap()
}

/// The tax table as (country, region, bps), in id order.
pub fn tax_rows(app: &TestApp) -> Vec<(String, String, i32)> {
    tax_rates::table
        .order(tax_rates::id)
        .select((tax_rates::country, tax_rates::region, tax_rates::rate_bps))
        .load(&mut app.conn())
        .unwrap()
}

pub fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap()
}

/// The id a "new" form redirected to: `/admin/<kind>/<id>`.
pub fn created_id(location: Option<&str>) -> String {
    location
        .and_then(|l| l.rsplit('/').next())
        .expect("a redirect to the new row")
        .to_owned()
}

/// Posts a "new" form at `path` and returns the id of the row it created.
pub async fn create_through(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
    let page = app.post(path, fields).await;
    page.assert_status(303);
    created_id(page.location())
}
