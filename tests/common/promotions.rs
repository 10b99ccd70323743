//! Fixtures for the promotion pages: the shop of `settings::shop_with_shopper` with a shipping
//! method, the promotion form as an admin fills it in, and what the table then holds.

use diesel::prelude::*;

use shopwave::checkout::Outcome;
use shopwave::db::schema::{orders, promotions};

use super::commerce::{Buyer, order_request, saga, shipping_method};
use super::{TestApp, TestDb};

/// A complete, valid form for a 10 % code on the whole shop, open for a year, with `changes`
/// applied over it.
pub fn promotion_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("code", "spring10"),
        ("description", "Spring sale"),
        ("kind", "percentage"),
        ("percent", "10"),
        ("amount_off", ""),
        ("min_subtotal", "0"),
        ("valid_from", "2020-01-01T00:00"),
        ("valid_until", "2099-01-01T00:00"),
        ("max_uses", ""),
        ("per_customer_limit", "1"),
        ("scope", "site"),
        ("category", ""),
        ("product", ""),
    ];
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}

/// Creates a promotion through the form and returns its id.
pub async fn create_promotion(app: &TestApp, changes: &[(&str, &str)]) -> String {
    let page = app
        .post("/admin/promotions/new", &promotion_form(changes))
        .await;
    page.assert_status(303);
    super::settings::created_id(page.location())
}

/// A promotion as stored: (code, kind, bps, amount off, scope, category, product).
pub type Stored = (
    String,
    String,
    Option<i32>,
    Option<i64>,
    String,
    Option<i64>,
    Option<i64>,
);

pub fn stored(app: &TestApp, code: &str) -> Stored {
    promotions::table
        .filter(promotions::code.eq(code))
        .select((
            promotions::code,
            promotions::discount_kind,
            promotions::percent_bps,
            promotions::amount_off,
            promotions::scope,
            promotions::scope_category_id,
            promotions::scope_product_id,
        ))
        .first(&mut app.conn())
        .unwrap()
}

/// (code, bps, max uses, active, until) of a promotion row.
pub type PromotionRow = (String, Option<i32>, Option<i32>, bool, String);

/// Every promotion row, for "nothing changed" checks.
pub fn all_rows(app: &TestApp) -> Vec<PromotionRow> {
    promotions::table
        .order(promotions::id)
        .select((
            promotions::code,
            promotions::percent_bps,
            promotions::max_uses,
            promotions::is_active,
            promotions::valid_until,
        ))
        .load::<(
            String,
            Option<i32>,
            Option<i32>,
            bool,
            chrono::NaiveDateTime,
        )>(&mut app.conn())
        .unwrap()
        .into_iter()
        .map(|(c, b, m, a, u)| (c, b, m, a, u.to_string()))
        .collect()
}

/// Places the buyer's cart as an order paid with their saved card; its number and outcome.
pub fn check_out(db: &TestDb, buyer: &Buyer) -> (String, Outcome) {
    let shipping = shipping_method(&mut db.conn(), 500, None);
    let request = order_request(buyer.id, buyer.address, shipping, buyer.card);
    let outcome = saga(db).submit(&request).expect("the order is placed");
    let number = match &outcome {
        Outcome::Confirmed { number }
        | Outcome::Pending { number }
        | Outcome::Declined { number, .. } => number.clone(),
    };
    (number, outcome)
}

/// (grand total, discount) of an order.
pub fn totals(db: &TestDb, number: &str) -> (i64, i64) {
    orders::table
        .filter(orders::number.eq(number))
        .select((orders::grand_total, orders::discount_total))
        .first(&mut db.conn())
        .unwrap()
}
