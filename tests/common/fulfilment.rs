//! Orders ready to fulfil: a paid order with lines from two sellers, each seller's user to sign
//! in as, and reads of what fulfilment wrote (parcels, refunds, ledger rows, queued mail).

use diesel::prelude::*;

use super::TestDb;
use super::builders::{ProductBuilder, category, seller};
use super::commerce::{APPROVED, add_to_cart, buyer, order_request, saga, shipping_method};
use shopwave::checkout::Outcome;
use shopwave::db::DbConn;
use shopwave::db::schema::{
    inventory_movements, mail_outbox, order_items, orders, refunds, sellers, shipments,
};

/// One seller's side of the order: who to sign in as, their variant and their line.
pub struct SellerSide {
    pub seller_id: i64,
    pub user_id: i64,
    pub variant_id: i64,
    pub line_id: i64,
    /// The line's paid share in cents.
    pub line_total: i64,
}

pub struct TwoSellerOrder {
    pub number: String,
    pub order_id: i64,
    pub buyer_id: i64,
    pub a: SellerSide,
    pub b: SellerSide,
}

fn user_of(conn: &mut DbConn, seller_id: i64) -> i64 {
    sellers::table
        .find(seller_id)
        .select(sellers::user_id)
        .first(conn)
        .expect("seller's user")
}

/// A confirmed order: 2 units from seller A (12.50 each) and 1 from seller B (30.00).
pub fn two_seller_order(db: &TestDb) -> TwoSellerOrder {
    let conn = &mut db.conn();
    let c = category(conn, "Parcels");
    let (sa, sb) = (seller(conn), seller(conn));
    let (_, va) = ProductBuilder::new("Lamp")
        .price(1250)
        .stock(10)
        .insert(conn, sa, c);
    let (_, vb) = ProductBuilder::new("Chair")
        .price(3000)
        .stock(5)
        .insert(conn, sb, c);
    let shipping = shipping_method(conn, 499, None);
    let b = buyer(db, APPROVED);
    add_to_cart(conn, b.id, va, 2);
    add_to_cart(conn, b.id, vb, 1);
    let Ok(Outcome::Confirmed { number }) =
        saga(db).submit(&order_request(b.id, b.address, shipping, b.card))
    else {
        panic!("the order is paid");
    };
    let order_id = orders::table
        .filter(orders::number.eq(&number))
        .select(orders::id)
        .first(conn)
        .expect("order");
    let mut side = |seller_id: i64, variant_id: i64| {
        let (line_id, line_total): (i64, i64) = order_items::table
            .filter(order_items::order_id.eq(order_id))
            .filter(order_items::variant_id.eq(variant_id))
            .select((order_items::id, order_items::line_total))
            .first(conn)
            .expect("line");
        SellerSide {
            seller_id,
            user_id: user_of(conn, seller_id),
            variant_id,
            line_id,
            line_total,
        }
    };
    let (a, b_side) = (side(sa, va), side(sb, vb));
    TwoSellerOrder {
        number,
        order_id,
        buyer_id: b.id,
        a,
        b: b_side,
    }
}

/// The parcel of `seller_id` in the order: (status, carrier, tracking number).
pub fn parcel(
    conn: &mut DbConn,
    order_id: i64,
    seller_id: i64,
) -> (String, Option<String>, Option<String>) {
    shipments::table
        .filter(shipments::order_id.eq(order_id))
        .filter(shipments::seller_id.eq(seller_id))
        .select((
            shipments::status,
            shipments::carrier,
            shipments::tracking_number,
        ))
        .first(conn)
        .expect("parcel")
}

/// Succeeded refunds of the order: (amount, order_item_id).
pub fn refunds_of(conn: &mut DbConn, order_id: i64) -> Vec<(i64, Option<i64>)> {
    refunds::table
        .filter(refunds::order_id.eq(order_id))
        .filter(refunds::status.eq("succeeded"))
        .order(refunds::id)
        .select((refunds::amount, refunds::order_item_id))
        .load(conn)
        .expect("refunds")
}

/// Ledger rows of the order for `variant_id`: (reason, delta).
pub fn ledger_of(conn: &mut DbConn, order_id: i64, variant_id: i64) -> Vec<(String, i32)> {
    inventory_movements::table
        .filter(inventory_movements::order_id.eq(order_id))
        .filter(inventory_movements::variant_id.eq(variant_id))
        .order(inventory_movements::id)
        .select((inventory_movements::reason, inventory_movements::delta))
        .load(conn)
        .expect("ledger")
}

/// Subjects of the mail queued so far.
pub fn mail_subjects(conn: &mut DbConn) -> Vec<String> {
    mail_outbox::table
        .order(mail_outbox::id)
        .select(mail_outbox::subject)
        .load(conn)
        .expect("mail outbox")
}

/// Gives `user_id` a real password, to sign in through the login form; returns their e-mail.
pub fn with_password(conn: &mut DbConn, user_id: i64, password: &str) -> String {
    use shopwave::db::schema::users;
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(shopwave::accounts::password::hash(password)))
        .returning(users::email)
        .get_result(conn)
        .expect("user")
}

/// A seller, signed in, ships their parcel of order `number` from their order list.
pub async fn ship_in_browser(
    browser: &super::browser::Browser,
    number: &str,
    carrier: &str,
    tracking: &str,
) {
    browser.visit("/seller").await;
    browser.click_link("Your orders").await;
    browser.click_link(number).await;
    browser.choose("Carrier", carrier).await;
    browser.fill("Tracking number", tracking).await;
    browser.submit("Mark shipped").await;
}
