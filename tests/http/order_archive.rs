//! `shopwave archive --before YYYY-MM DEST` (src/archive.rs) on PostgreSQL: settled orders of
//! past months leave the database for files, their partitions are detached and dropped, the
//! stock ledger, voucher uses and payout statements still add up, and an order still open
//! refuses the whole run with nothing changed. SQLite, the shop's role and the current month
//! are refused.

use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use serde_json::Value;

use super::backup::{said, shopwave};
use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
use crate::common::commerce::PromotionBuilder;
use crate::common::{TestDb, assert_checks_clean};
use shopwave::db::DbConn;
use shopwave::db::schema::*;
use shopwave::payouts::{self, Period};
use shopwave::util::random_hex;

/// One seller's product and a voucher, sold in orders of one unit.
struct Stall {
    seller: i64,
    product: i64,
    variant: i64,
    promotion: i64,
}

fn stall(conn: &mut DbConn) -> Stall {
    let seller = builders::seller(conn);
    let category = builders::category(conn, "Lamps");
    let (product, variant) = ProductBuilder::new("Lamp")
        .price(2000)
        .stock(10)
        .insert(conn, seller, category);
    let code = PromotionBuilder::percent(1000).insert(conn);
    let promotion = promotions::table
        .filter(promotions::code.eq(code))
        .select(promotions::id)
        .first(conn)
        .unwrap();
    Stall {
        seller,
        product,
        variant,
        promotion,
    }
}

/// An order of one unit placed at `at` and now `status`, with the rows the shop keeps for
/// one: its payment, its status change and, once paid, its parcel (delivered or on its way, a
/// day later), its stock movement and a voucher use. Returns (id, number).
fn order(
    conn: &mut DbConn,
    stall: &Stall,
    at: chrono::NaiveDateTime,
    status: &str,
) -> (i64, String) {
    let user = UserBuilder::customer().insert(conn);
    let line = Line {
        product_id: stall.product,
        variant_id: stall.variant,
        seller_id: stall.seller,
        unit_price: 2000,
        quantity: 1,
        tax: 0,
    };
    let id = builders::order(conn, user, status, at, &[line]);
    let paid = status != "payment_failed";
    diesel::insert_into(payments::table)
        .values((
            payments::order_id.eq(id),
            payments::gateway.eq("simulator"),
            payments::idempotency_key.eq(random_hex(8)),
            payments::status.eq(if paid { "captured" } else { "declined" }),
            payments::amount.eq(2000),
            payments::currency.eq("USD"),
            payments::created_at.eq(at),
            payments::updated_at.eq(at),
        ))
        .execute(conn)
        .unwrap();
    diesel::insert_into(order_status_history::table)
        .values((
            order_status_history::order_id.eq(id),
            order_status_history::to_status.eq(status),
            order_status_history::created_at.eq(at),
        ))
        .execute(conn)
        .unwrap();
    if paid {
        let delivered = status == "delivered";
        let next_day = at + chrono::Duration::days(1);
        diesel::insert_into(shipments::table)
            .values((
                shipments::order_id.eq(id),
                shipments::seller_id.eq(stall.seller),
                shipments::status.eq(if delivered { "delivered" } else { "shipped" }),
                shipments::carrier.eq("UPS"),
                shipments::tracking_number.eq("1Z999AA10123456784"),
                shipments::shipped_at.eq(at),
                shipments::delivered_at.eq(delivered.then_some(next_day)),
                shipments::created_at.eq(at),
                shipments::updated_at.eq(at),
            ))
            .execute(conn)
            .unwrap();
        diesel::insert_into(inventory_movements::table)
            .values((
                inventory_movements::variant_id.eq(stall.variant),
                inventory_movements::delta.eq(-1),
                inventory_movements::reason.eq("sale"),
                inventory_movements::order_id.eq(id),
                inventory_movements::created_at.eq(at),
            ))
            .execute(conn)
            .unwrap();
        diesel::update(product_variants::table.find(stall.variant))
            .set(product_variants::stock.eq(product_variants::stock - 1))
            .execute(conn)
            .unwrap();
        diesel::insert_into(promotion_redemptions::table)
            .values((
                promotion_redemptions::promotion_id.eq(stall.promotion),
                promotion_redemptions::user_id.eq(user),
                promotion_redemptions::order_id.eq(id),
            ))
            .execute(conn)
            .unwrap();
        diesel::update(promotions::table.find(stall.promotion))
            .set(promotions::uses_count.eq(promotions::uses_count + 1))
            .execute(conn)
            .unwrap();
    }
    let number = orders::table
        .find(id)
        .select(orders::number)
        .first(conn)
        .unwrap();
    (id, number)
}

fn deliver(conn: &mut DbConn, order_id: i64, at: chrono::NaiveDateTime) {
    diesel::update(orders::table.find(order_id))
        .set(orders::status.eq("delivered"))
        .execute(conn)
        .unwrap();
    diesel::update(shipments::table.filter(shipments::order_id.eq(order_id)))
        .set((
            shipments::status.eq("delivered"),
            shipments::delivered_at.eq(at),
        ))
        .execute(conn)
        .unwrap();
}

fn lines_in(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut DbConn, sql: &str, text: &str) -> i64 {
    diesel::sql_query(sql)
        .bind::<Text, _>(text)
        .get_result::<Count>(conn)
        .unwrap()
        .n
}

#[actix_web::test]
async fn settled_months_leave_for_files_and_everything_left_still_adds_up() {
    let Some(db) = TestDb::postgres() else { return };
    let conn = &mut db.conn();
    let this_month = Period::containing(shopwave::util::now().date());
    let old = this_month.previous().previous().previous();
    let kept_from = old.next();
    let at = old.start() + chrono::Duration::days(3);
    let stall = stall(conn);
    let (_, delivered_number) = order(conn, &stall, at, "delivered");
    let (_, failed_number) = order(conn, &stall, at, "payment_failed");
    let (shipped, shipped_number) = order(conn, &stall, at, "shipped");
    let recent = order(conn, &stall, kept_from.start(), "payment_failed").0;
    let dest = db.data_dir().join("archive-1");
    let archive = |url: &str| {
        let before = kept_from.to_string();
        shopwave(
            url,
            &db.data_dir(),
            &["archive", "--before", &before, dest.to_str().unwrap()],
        )
    };

    let refused = archive(db.owner_url());
    assert!(!refused.status.success());
    let told = said(&refused);
    assert!(
        told.contains(&format!("{shipped_number} is shipped")),
        "{told}"
    );
    assert!(
        told.contains(&format!(
            "{delivered_number} has a delivered line its seller is not paid for yet"
        )),
        "{told}"
    );
    assert!(!dest.exists(), "a refused run leaves no files");
    assert_eq!(orders::table.count().get_result::<i64>(conn).unwrap(), 4);

    deliver(conn, shipped, at + chrono::Duration::days(2));
    // Paid out on the next month's statement, the return window having passed by its end.
    let statements = payouts::generate(conn, kept_from, None).unwrap().statements;
    assert_eq!(statements.len(), 1);
    let payout = statements[0].payout_id;
    assert_checks_clean(conn);
    let stock_before: i32 = product_variants::table
        .find(stall.variant)
        .select(product_variants::stock)
        .first(conn)
        .unwrap();

    let as_the_shop = archive(db.backend.url());
    assert!(!as_the_shop.status.success());
    assert!(
        said(&as_the_shop).contains("only their owner"),
        "{}",
        said(&as_the_shop)
    );

    let month_table = format!("orders_p{}", old.to_string().replace('-', ""));
    // Other tests' schemas on the same server have their own table of that month.
    let tables = "SELECT COUNT(*) AS n FROM pg_class \
                  WHERE relname = $1 AND relnamespace = current_schema()::regnamespace";
    assert_eq!(count(conn, tables, &month_table), 1);

    let done = archive(db.owner_url());
    assert!(done.status.success(), "{}", said(&done));
    assert!(
        said(&done).contains(&format!(
            "archived 3 order(s) and 3 line(s) placed before {kept_from}"
        )),
        "{}",
        said(&done)
    );

    assert!(said(&done).contains(&month_table), "{}", said(&done));
    assert_eq!(count(conn, tables, &month_table), 0, "detached and dropped");

    // The files hold every archived row.
    let archived_orders = lines_in(&dest.join("orders.jsonl"));
    let numbers: Vec<&str> = archived_orders
        .iter()
        .map(|o| o["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 3);
    for number in [&delivered_number, &failed_number, &shipped_number] {
        assert!(
            numbers.contains(&number.as_str()),
            "{number} in {numbers:?}"
        );
    }
    assert_eq!(lines_in(&dest.join("payments.jsonl")).len(), 3);
    assert_eq!(lines_in(&dest.join("payout_lines.jsonl")).len(), 2);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dest.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["rows"]["order_items"], 3);
    assert_eq!(manifest["rows"]["inventory_movements"], 2);

    // The database keeps the later order only, and what must go on adding up.
    let left: Vec<i64> = orders::table.select(orders::id).load(conn).unwrap();
    assert_eq!(left, vec![recent]);
    assert_eq!(payments::table.count().get_result::<i64>(conn).unwrap(), 1);
    assert_eq!(shipments::table.count().get_result::<i64>(conn).unwrap(), 0);
    let stock_after: i32 = product_variants::table
        .find(stall.variant)
        .select(product_variants::stock)
        .first(conn)
        .unwrap();
    assert_eq!(stock_after, stock_before);
    let unlinked = inventory_movements::table
        .filter(inventory_movements::reason.eq("sale"))
        .filter(inventory_movements::order_id.is_null())
        .count()
        .get_result::<i64>(conn)
        .unwrap();
    assert_eq!(unlinked, 2, "the sales stay in the ledger, unlinked");
    let uses: i32 = promotions::table
        .find(stall.promotion)
        .select(promotions::uses_count)
        .first(conn)
        .unwrap();
    assert_eq!(uses, 2);
    let seller_user: i64 = sellers::table
        .find(stall.seller)
        .select(sellers::user_id)
        .first(conn)
        .unwrap();
    let statement = payouts::seller_statement(conn, seller_user, payout).unwrap();
    assert_eq!(statement.lines.len(), 2);
    assert!(statement.lines.iter().all(|line| line.ordered.is_none()));
    assert!(
        statement
            .csv()
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("archived,,,,"),
        "{}",
        statement.csv()
    );
    assert_eq!(
        statement.sales() - statement.refunded(),
        statement.row.payout.gross
    );
    let taken = "SELECT COUNT(*) AS n FROM order_numbers WHERE number = $1";
    assert_eq!(
        count(conn, taken, &delivered_number),
        1,
        "an archived number stays taken"
    );
    assert_checks_clean(conn);

    let again = shopwave(
        db.owner_url(),
        &db.data_dir(),
        &[
            "archive",
            "--before",
            &kept_from.to_string(),
            db.data_dir().join("archive-2").to_str().unwrap(),
        ],
    );
    assert!(
        said(&again).contains("nothing to archive"),
        "{}",
        said(&again)
    );
}

#[actix_web::test]
async fn the_current_month_and_sqlite_are_not_archived() {
    let db = TestDb::sqlite();
    let dest = db.data_dir().join("archive");
    let this_month = Period::containing(shopwave::util::now().date());
    let url = db.backend.url().to_owned();
    let sqlite = shopwave(
        &url,
        &db.data_dir(),
        &[
            "archive",
            "--before",
            &this_month.to_string(),
            dest.to_str().unwrap(),
        ],
    );
    assert!(!sqlite.status.success());
    assert!(
        said(&sqlite).contains("archiving needs PostgreSQL"),
        "{}",
        said(&sqlite)
    );

    let Some(db) = TestDb::postgres() else { return };
    let next = this_month.next().to_string();
    let current = shopwave(
        db.owner_url(),
        &db.data_dir(),
        &["archive", "--before", &next, dest.to_str().unwrap()],
    );
    assert!(!current.status.success());
    assert!(
        said(&current).contains("still takes orders"),
        "{}",
        said(&current)
    );
    assert!(!dest.exists());
}
