//! Fixtures for seller applications and the admin's seller pages: applicants, sellers in each
//! status, a shop with products for sale and a draft, and what the tests read back.

use diesel::prelude::*;

use super::builders::{self, ProductBuilder, UserBuilder};
use super::{TestApp, TestDb};
use shopwave::db::DbConn;
use shopwave::db::schema::{audit_log, mail_outbox, products, sellers, sessions, users};
use shopwave::util::random_hex;

/// A seller profile in `status` for a new account of `role`; returns (seller id, user id).
pub fn seller_in(conn: &mut DbConn, status: &str, role: &'static str) -> (i64, i64) {
    let user_id = UserBuilder::customer().role(role).insert(conn);
    let tag = random_hex(4);
    let seller_id = diesel::insert_into(sellers::table)
        .values((
            sellers::user_id.eq(user_id),
            sellers::display_name.eq(format!("Shop {tag}")),
            sellers::slug.eq(format!("shop-{tag}")),
            sellers::contact_email.eq(format!("shop-{tag}@example.test")),
            sellers::status.eq(status),
        ))
        .returning(sellers::id)
        .get_result(conn)
        .expect("insert seller");
    (seller_id, user_id)
}

/// An application waiting for an answer, from a shopper; returns (seller id, user id).
pub fn application(conn: &mut DbConn) -> (i64, i64) {
    seller_in(conn, "pending", "customer")
}

/// An open shop with two products for sale and one draft, in one category.
pub struct Shop {
    pub seller_id: i64,
    pub user_id: i64,
    pub category_slug: String,
    /// (id, slug) of the products for sale.
    pub for_sale: Vec<(i64, String)>,
    pub draft: (i64, String),
}

pub fn shop(db: &TestDb) -> Shop {
    let mut conn = db.conn();
    let (seller_id, user_id) = seller_in(&mut conn, "active", "seller");
    let category = builders::category(&mut conn, "Pottery");
    let mut product = |name: &str, status: &'static str| {
        let (id, _) = ProductBuilder::new(name)
            .status(status)
            .insert(&mut conn, seller_id, category);
        (id, String::new())
    };
    let mut for_sale = vec![
        product("Wombat Teapot", "active"),
        product("Wombat Mug", "active"),
    ];
    let mut draft = product("Wombat Vase", "draft");
    for (id, slug) in for_sale.iter_mut().chain(std::iter::once(&mut draft)) {
        *slug = builders::product_slug(&mut conn, *id);
    }
    Shop {
        seller_id,
        user_id,
        category_slug: builders::category_slug(&mut conn, category),
        for_sale,
        draft,
    }
}

pub fn seller_status(app: &TestApp, seller_id: i64) -> Option<String> {
    sellers::table
        .find(seller_id)
        .select(sellers::status)
        .first(&mut app.conn())
        .optional()
        .unwrap()
}

pub fn commission_bps(app: &TestApp, seller_id: i64) -> i32 {
    sellers::table
        .find(seller_id)
        .select(sellers::commission_bps)
        .first(&mut app.conn())
        .unwrap()
}

pub fn role_of(app: &TestApp, user_id: i64) -> String {
    users::table
        .find(user_id)
        .select(users::role)
        .first(&mut app.conn())
        .unwrap()
}

/// (status, held) of a product as stored.
pub fn product_state(app: &TestApp, product_id: i64) -> (String, bool) {
    let (status, held): (String, Option<chrono::NaiveDateTime>) = products::table
        .find(product_id)
        .select((products::status, products::held_at))
        .first(&mut app.conn())
        .unwrap();
    (status, held.is_some())
}

pub fn session_count(app: &TestApp, user_id: i64) -> i64 {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .count()
        .get_result(&mut app.conn())
        .unwrap()
}

/// Every audit row as (action, details), oldest first.
pub fn audit_rows(app: &TestApp) -> Vec<(String, String)> {
    audit_log::table
        .order(audit_log::id)
        .select((audit_log::action, audit_log::details))
        .load(&mut app.conn())
        .unwrap()
}

/// Subjects of the mail queued for `to`, oldest first.
pub fn mail_subjects(app: &TestApp, to: &str) -> Vec<String> {
    mail_outbox::table
        .filter(mail_outbox::to_address.eq(to))
        .order(mail_outbox::id)
        .select(mail_outbox::subject)
        .load(&mut app.conn())
        .unwrap()
}

pub fn contact_of(app: &TestApp, seller_id: i64) -> String {
    sellers::table
        .find(seller_id)
        .select(sellers::contact_email)
        .first(&mut app.conn())
        .unwrap()
}
