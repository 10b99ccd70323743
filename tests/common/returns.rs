//! Fixtures for return tests: a paid order whose parcels can be marked delivered, days ago.

use diesel::prelude::*;

use shopwave::checkout::Outcome;
use shopwave::db::DbConn;
use shopwave::db::schema::*;

use super::TestDb;
use super::builders::{ProductBuilder, category, seller};
use super::commerce::*;

/// A seller: their profile id and the user who signs in for them.
#[derive(Debug, Clone, Copy)]
pub struct Seller {
    pub id: i64,
    pub user_id: i64,
}

pub fn new_seller(conn: &mut DbConn) -> Seller {
    let id = seller(conn);
    let user_id = sellers::table
        .find(id)
        .select(sellers::user_id)
        .first(conn)
        .expect("seller's user");
    Seller { id, user_id }
}

/// A confirmed order: its number and id, the buyer, and per line its id, variant and seller.
pub struct PaidOrder {
    pub number: String,
    pub id: i64,
    pub buyer: i64,
    pub lines: Vec<PaidLine>,
}

#[derive(Debug, Clone, Copy)]
pub struct PaidLine {
    pub item_id: i64,
    pub variant_id: i64,
    pub seller: Seller,
}

/// What one line of a fixture order buys: a product of `seller` at `price` cents, `quantity`
/// units (the product is stocked with ten more).
pub struct Want {
    pub seller: Seller,
    pub price: i64,
    pub quantity: i32,
}

/// Places and pays an order for `wants` by a new buyer in California, taxed at 8.25 % so that
/// line totals do not split evenly into units. Its parcels are opened (pending).
pub fn paid_order(db: &TestDb, wants: &[Want]) -> PaidOrder {
    let conn = &mut db.conn();
    let shelf = category(conn, "Returns");
    if tax_rates::table
        .count()
        .get_result::<i64>(conn)
        .expect("tax rates")
        == 0
    {
        tax_rate(conn, "US", "CA", 825);
    }
    let shipping = shipping_method(conn, 499, None);
    let b = buyer(db, APPROVED);
    let mut variants = Vec::new();
    for want in wants {
        let (_, variant) = ProductBuilder::new("Returnable thing")
            .price(want.price)
            .stock(want.quantity + 10)
            .insert(conn, want.seller.id, shelf);
        add_to_cart(conn, b.id, variant, want.quantity);
        variants.push((variant, want.seller));
    }
    let Ok(Outcome::Confirmed { number }) =
        saga(db).submit(&order_request(b.id, b.address, shipping, b.card))
    else {
        panic!("the order is paid");
    };
    let id: i64 = orders::table
        .filter(orders::number.eq(&number))
        .select(orders::id)
        .first(conn)
        .expect("order");
    let lines = variants
        .into_iter()
        .map(|(variant_id, seller)| PaidLine {
            item_id: order_items::table
                .filter(order_items::order_id.eq(id))
                .filter(order_items::variant_id.eq(variant_id))
                .select(order_items::id)
                .first(conn)
                .expect("line"),
            variant_id,
            seller,
        })
        .collect();
    PaidOrder {
        number,
        id,
        buyer: b.id,
        lines,
    }
}

/// Marks `seller`'s parcel of the order delivered `days_ago` days ago, shipped a day before.
pub fn delivered(conn: &mut DbConn, order_id: i64, seller: Seller, days_ago: i64) {
    let at = shopwave::util::now() - chrono::Duration::days(days_ago);
    let updated = diesel::update(
        shipments::table
            .filter(shipments::order_id.eq(order_id))
            .filter(shipments::seller_id.eq(seller.id)),
    )
    .set((
        shipments::status.eq("delivered"),
        shipments::carrier.eq("UPS"),
        shipments::tracking_number.eq("1Z999AA10123456784"),
        shipments::shipped_at.eq(at - chrono::Duration::days(1)),
        shipments::delivered_at.eq(at),
    ))
    .execute(conn)
    .expect("parcel delivered");
    assert_eq!(updated, 1, "the order has a parcel from this seller");
}

/// A line's `(quantity, returned_quantity)`.
pub fn line_counts(conn: &mut DbConn, item_id: i64) -> (i32, i32) {
    order_items::table
        .find(item_id)
        .select((order_items::quantity, order_items::returned_quantity))
        .first(conn)
        .expect("line")
}

/// The succeeded refunds of an order, in cents, oldest first.
pub fn refunded(conn: &mut DbConn, order_id: i64) -> Vec<i64> {
    refunds::table
        .filter(refunds::order_id.eq(order_id))
        .filter(refunds::status.eq("succeeded"))
        .order(refunds::id.asc())
        .select(refunds::amount)
        .load(conn)
        .expect("refunds")
}

pub fn line_total(conn: &mut DbConn, item_id: i64) -> i64 {
    order_items::table
        .find(item_id)
        .select(order_items::line_total)
        .first(conn)
        .expect("line")
}

/// The id of the newest return of a line.
pub fn last_return(conn: &mut DbConn, item_id: i64) -> i64 {
    returns::table
        .filter(returns::order_item_id.eq(item_id))
        .order(returns::id.desc())
        .select(returns::id)
        .first(conn)
        .expect("a return")
}

pub fn count_returns(conn: &mut DbConn) -> i64 {
    returns::table.count().get_result(conn).expect("returns")
}
