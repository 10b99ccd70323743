//! A small shop with sales on both sides of the January/February 2026 boundary, for the report
//! and chart tests. 2026-01-26 and 2026-02-02 are Mondays, so the week of 2026-01-26 holds
//! sales of two months.
//!
//! Counted (paid), line totals tax included:
//! - 2026-01-30 10:00 confirmed: Phone 1 × $100 + $10 tax = $110.00 (seller A)
//! - 2026-01-31 23:59:59 delivered: Sofa 2 × $50 = $100.00 (seller B)
//! - 2026-02-01 00:00 shipped: Lamp 3 × $10 = $30.00 and Phone 1 × $100 = $100.00 (seller A)
//! - 2026-02-03 12:00 processing: Sofa 1 × $50 = $50.00 (seller B)
//!
//! Not counted: the same day's payment_failed, cancelled, pending_payment and refunded orders.

use diesel::prelude::*;

use super::builders::{self, Line, ProductBuilder, UserBuilder};
use shopwave::db::DbConn;
use shopwave::db::schema::sellers;

pub struct ReportShop {
    pub seller_a: i64,
    pub seller_a_user: i64,
    pub seller_b: i64,
    pub seller_b_user: i64,
    pub seller_a_name: String,
    pub customer: i64,
    /// Seller A's phone: product and variant.
    pub phone: (i64, i64),
}

/// A paid sale of seller A's phone placed a minute ago, so pages that look at recent months
/// have something to draw whatever the date.
pub fn sale_now(conn: &mut DbConn, shop: &ReportShop) {
    let line = Line {
        product_id: shop.phone.0,
        variant_id: shop.phone.1,
        seller_id: shop.seller_a,
        unit_price: 10_000,
        quantity: 2,
        tax: 0,
    };
    let when = shopwave::util::now() - chrono::Duration::minutes(1);
    builders::order(conn, shop.customer, "confirmed", when, &[line]);
}

pub fn at(date: &str, time: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%Y-%m-%d %H:%M:%S").unwrap()
}

fn user_of(conn: &mut DbConn, seller: i64) -> (i64, String) {
    sellers::table
        .find(seller)
        .select((sellers::user_id, sellers::display_name))
        .first(conn)
        .unwrap()
}

pub fn report_shop(conn: &mut DbConn) -> ReportShop {
    let electronics = builders::category(conn, "Electronics");
    let home = builders::category(conn, "Home");
    let (seller_a, seller_b) = (builders::seller(conn), builders::seller(conn));
    let (phone, phone_v) = ProductBuilder::new("Phone").insert(conn, seller_a, electronics);
    let (lamp, lamp_v) = ProductBuilder::new("Lamp <Deluxe>").insert(conn, seller_a, home);
    let (sofa, sofa_v) = ProductBuilder::new("Sofa").insert(conn, seller_b, home);
    let phone_line = |quantity, tax| Line {
        product_id: phone,
        variant_id: phone_v,
        seller_id: seller_a,
        unit_price: 10_000,
        quantity,
        tax,
    };
    let sofa_line = |quantity| Line {
        product_id: sofa,
        variant_id: sofa_v,
        seller_id: seller_b,
        unit_price: 5_000,
        quantity,
        tax: 0,
    };
    let lamp_line = Line {
        product_id: lamp,
        variant_id: lamp_v,
        seller_id: seller_a,
        unit_price: 1_000,
        quantity: 3,
        tax: 0,
    };
    let customer = UserBuilder::customer().insert(conn);
    let order = |conn: &mut DbConn, status, when, lines: &[Line]| {
        builders::order(conn, customer, status, when, lines);
    };
    order(
        conn,
        "confirmed",
        at("2026-01-30", "10:00:00"),
        &[phone_line(1, 1_000)],
    );
    order(
        conn,
        "delivered",
        at("2026-01-31", "23:59:59"),
        &[sofa_line(2)],
    );
    order(
        conn,
        "shipped",
        at("2026-02-01", "00:00:00"),
        &[lamp_line, phone_line(1, 0)],
    );
    order(
        conn,
        "processing",
        at("2026-02-03", "12:00:00"),
        &[sofa_line(1)],
    );
    for status in ["payment_failed", "cancelled", "pending_payment", "refunded"] {
        order(
            conn,
            status,
            at("2026-02-02", "09:00:00"),
            &[phone_line(5, 0), sofa_line(4)],
        );
    }
    let ((seller_a_user, seller_a_name), (seller_b_user, _)) =
        (user_of(conn, seller_a), user_of(conn, seller_b));
    ReportShop {
        seller_a,
        seller_a_user,
        seller_b,
        seller_b_user,
        seller_a_name,
        customer,
        phone: (phone, phone_v),
    }
}

/// Every `<svg …>…</svg>` of a page, in order.
pub fn svgs(body: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("every <svg> is closed") + start + 6;
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

/// A loose well-formedness check of SVG markup: tags nest and close, attributes are quoted,
/// and no raw `<` or `&` hides in text.
pub fn assert_well_formed(svg: &str) {
    let mut open: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(lt) = rest.find('<') {
        assert_entities(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("a tag ends") + lt;
        let tag = &rest[lt + 1..gt];
        assert!(!tag.contains('<'), "a raw < inside a tag: {tag}");
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop(), Some(name), "</{name}> closes something else");
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().expect("a tag name"));
        }
        rest = &rest[gt + 1..];
    }
    assert!(open.is_empty(), "left open: {open:?}");
}

fn assert_entities(text: &str) {
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        let end = entity.find(';').expect("an entity ends with ;");
        assert!(end <= 6, "a raw & in text: {text}");
    }
}
