//! Orders by month on PostgreSQL (migrations/postgres/2026-12-07-000001_monthly_orders,
//! src/orders/months.rs): each order and its lines live in their month's partition, the
//! database refuses an id of another month and a number used in any month, the server makes
//! the coming months itself (as the shop's role, which may not create tables), and a query over
//! dates reads only those months, an order found by its number only its own (src/orders/numbers.rs).
//! SQLite keeps one table; the same id bounds hold there.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestDb, execute};
use crate::on_both_backends;
use shopwave::db::DbConn;
use shopwave::db::schema::{order_items, orders};
use shopwave::orders::months::{self, LEGACY_END, MONTH_SPAN};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn day(y: i32, m: u32, d: u32) -> chrono::NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

/// One order of one line, for a new customer, placed at `at`; returns its id.
fn order_at(conn: &mut DbConn, at: chrono::NaiveDateTime) -> i64 {
    let (seller, category) = (
        builders::seller(conn),
        builders::category(conn, &format!("C{}", shopwave::util::random_hex(3))),
    );
    let (product_id, variant_id) = ProductBuilder::new("Lamp").insert(conn, seller, category);
    let user = UserBuilder::customer().insert(conn);
    let line = Line {
        product_id,
        variant_id,
        seller_id: seller,
        unit_price: 1000,
        quantity: 1,
        tax: 0,
    };
    builders::order(conn, user, "confirmed", at, &[line])
}

/// The partitions of `table` (`orders` or `order_items`) PostgreSQL's plan for `sql` reads.
fn partitions_read(conn: &mut DbConn, table: &str, sql: &str) -> Vec<String> {
    let legacy = format!("{table}_legacy");
    let month = format!("{table}_p");
    let plan: Vec<PlanLine> = diesel::sql_query(format!("EXPLAIN (COSTS OFF) {sql}"))
        .load(conn)
        .unwrap();
    let mut read: Vec<String> = plan
        .iter()
        .flat_map(|l| l.line.split_whitespace())
        .filter(|word| {
            *word == legacy
                || word
                    .strip_prefix(&month)
                    .is_some_and(|m| m.len() == 6 && m.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(str::to_owned)
        .collect();
    read.sort();
    read.dedup();
    read
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

on_both_backends! {
    async fn an_orders_id_says_its_month_and_date_bounds_keep_every_order_of_the_range(db: TestDb) {
        let mut conn = db.conn();
        let march = order_at(&mut conn, day(2026, 3, 31));
        let april = order_at(&mut conn, day(2026, 4, 1));
        if db.is_sqlite() {
            assert!(march < LEGACY_END && april < LEGACY_END, "SQLite's ids stay plain");
        } else {
            assert_eq!((march / MONTH_SPAN, april / MONTH_SPAN), (202603, 202604));
            let line: i64 = order_items::table
                .filter(order_items::order_id.eq(april))
                .select(order_items::id)
                .first(&mut conn)
                .unwrap();
            assert_eq!(line / MONTH_SPAN, 202604, "a line is in its order's month");
        }
        // A range of dates said in ids as well keeps every order of the range.
        let in_range = |start, end, with_ids: bool| -> Vec<i64> {
            let mut query = orders::table
                .filter(orders::created_at.ge(start))
                .filter(orders::created_at.lt(end))
                .into_boxed();
            if with_ids {
                query = query.filter(months::placed_between(orders::id, start, end));
            }
            query.order(orders::id).select(orders::id).load(&mut db.conn()).unwrap()
        };
        for (start, end, expected) in [
            (day(2026, 3, 1), day(2026, 5, 1), vec![march, april]),
            (day(2026, 4, 1), day(2026, 4, 2), vec![april]),
            (day(2026, 3, 15), day(2026, 4, 1), vec![march]),
            (day(2026, 4, 2), day(2026, 6, 1), vec![]),
        ] {
            assert_eq!(in_range(start, end, false), expected);
            assert_eq!(in_range(start, end, true), expected, "{start} to {end}");
        }
    }
}

#[actix_web::test]
async fn the_database_keeps_each_order_in_its_month_and_each_number_unique_in_all() {
    let Some(db) = TestDb::postgres() else { return };
    let conn = &mut db.conn();
    let march = order_at(conn, day(2026, 3, 10));
    let (number, user): (String, i64) = orders::table
        .find(march)
        .select((orders::number, orders::user_id))
        .first(conn)
        .unwrap();
    let insert = |number: &str, id: &str, placed: &str| {
        format!(
            "INSERT INTO orders (id, number, user_id, subtotal, grand_total, shipping_method_name, \
             ship_name, ship_line1, ship_city, ship_postal_code, ship_country, idempotency_key, created_at) \
             VALUES ({id}, '{number}', {user}, 0, 0, 'S', 'A', 'B', 'C', '1', 'US', 'k-{number}', '{placed}')"
        )
    };
    let wrong_month = execute(
        conn,
        &insert(
            "SW-NEW-1",
            &(202604 * MONTH_SPAN + 999_999).to_string(),
            "2026-03-10 12:00:00+00",
        ),
    );
    assert!(wrong_month.is_err(), "an April id dated March is refused");
    let reused = execute(conn, &insert(&number, "DEFAULT", "now()"));
    assert!(
        matches!(&reused, Err(e) if shopwave::db::unique_violation_on(e, "order_numbers", &["number"])),
        "March's number, reused this month, is refused: {reused:?}"
    );
    execute(conn, &insert("SW-NEW-2", "DEFAULT", "now()")).expect("a new number, this month");
    let lands_in: Name = diesel::sql_query(
        "SELECT tableoid::regclass::text AS name FROM orders WHERE number = 'SW-NEW-2'",
    )
    .get_result(conn)
    .unwrap();
    assert_eq!(
        lands_in.name,
        format!("orders_p{}", months::month_key(shopwave::util::now()))
    );
}

#[actix_web::test]
async fn the_server_makes_the_coming_months_as_the_shops_role() {
    let Some(db) = TestDb::postgres() else { return };
    let conn = &mut db.conn();
    assert!(
        execute(conn, "CREATE TABLE not_allowed (id INT)").is_err(),
        "the shop's role may not create tables"
    );
    let far = shopwave::util::now() + chrono::Duration::days(150);
    let made = months::make(conn, far, far).expect("a month five months ahead");
    assert_eq!(made, 1);
    assert_eq!(months::make(conn, far, far).unwrap(), 0, "made once");
    assert_eq!(
        months::make_ahead(conn).unwrap(),
        0,
        "the migration made the coming months"
    );
    let ten_years = shopwave::util::now() + chrono::Duration::days(3650);
    assert!(
        months::make(conn, shopwave::util::now(), ten_years).is_err(),
        "at most 14 months a call"
    );
}

#[actix_web::test]
async fn a_query_over_dates_reads_only_those_months() {
    let Some(db) = TestDb::postgres() else { return };
    let conn = &mut db.conn();
    for month in [1, 2, 3] {
        order_at(conn, day(2026, month, 15));
    }
    let midnight = |m: u32| {
        NaiveDate::from_ymd_opt(2026, m, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
    };
    let (start, end) = (midnight(2), midnight(3));
    let sql = format!(
        "SELECT id FROM orders WHERE created_at >= '{start}' AND created_at < '{end}' \
         AND (id >= {} OR id < {LEGACY_END}) AND id < {}",
        months::first_id_of_month(start),
        months::id_bound_before(end)
    );
    assert_eq!(
        partitions_read(conn, "orders", &sql),
        vec!["orders_legacy".to_owned(), "orders_p202602".to_owned()]
    );
    let without_ids =
        format!("SELECT id FROM orders WHERE created_at >= '{start}' AND created_at < '{end}'");
    assert!(
        partitions_read(conn, "orders", &without_ids).len() > 2,
        "dates alone read every month"
    );
}

on_both_backends! {
    async fn the_lines_of_orders_said_in_ids_are_every_line_of_those_orders(db: TestDb) {
        let mut conn = db.conn();
        let march = order_at(&mut conn, day(2026, 3, 31));
        let may = order_at(&mut conn, day(2026, 5, 1));
        let lines = |of: &[i64], with_ids: bool| -> Vec<i64> {
            let mut query = order_items::table
                .filter(order_items::order_id.eq_any(of))
                .into_boxed();
            if with_ids {
                query = query.filter(months::in_months_of(order_items::id, of));
            }
            query.order(order_items::id).select(order_items::id).load(&mut db.conn()).unwrap()
        };
        for of in [vec![march], vec![may], vec![may, march]] {
            assert_eq!(lines(&of, false).len(), of.len(), "one line an order");
            assert_eq!(lines(&of, true), lines(&of, false), "{of:?}");
        }
        let of_may: Vec<i64> = order_items::table
            .filter(months::lines_of_order(may))
            .select(order_items::id)
            .load(&mut conn)
            .unwrap();
        assert_eq!(of_may, lines(&[may], false));
    }
}

#[actix_web::test]
async fn the_lines_of_a_page_of_orders_are_read_from_their_months_only() {
    let Some(db) = TestDb::postgres() else { return };
    let conn = &mut db.conn();
    let [january, february, _march] = [1, 2, 3].map(|month| order_at(conn, day(2026, month, 15)));
    let page = [february, january];
    // The statement `months::in_months_of` makes, its bounds inlined.
    let (first, end) = months::month_ids_spanned(&page);
    let sql = format!(
        "SELECT id FROM order_items WHERE order_id IN ({february}, {january}) \
         AND (id >= {first} OR id < {LEGACY_END}) AND id < {end}"
    );
    // The legacy partition, empty here, is PostgreSQL's to read or skip; no other month is read.
    let months_read: Vec<String> = partitions_read(conn, "order_items", &sql)
        .into_iter()
        .filter(|name| name != "order_items_legacy")
        .collect();
    assert_eq!(months_read, ["order_items_p202601", "order_items_p202602"]);
}

on_both_backends! {
    /// On PostgreSQL an order found by its number is read from its month alone, the month said
    /// by the id `order_numbers` keeps beside the number; a number entered before that id was
    /// kept (NULL) still finds its order, in every month, and an unknown one finds nothing.
    async fn an_order_found_by_its_number_is_read_from_its_month(db: TestDb) {
        let conn = &mut db.conn();
        let ids = [1, 2, 3].map(|month| order_at(conn, day(2026, month, 15)));
        let number_of = |conn: &mut DbConn, id: i64| -> String {
            orders::table.find(id).select(orders::number).first(conn).unwrap()
        };
        let found = |conn: &mut DbConn, number: &str| -> Option<i64> {
            let by_number = shopwave::orders::numbered(conn, number).unwrap();
            orders::table.filter(by_number).select(orders::id).first(conn).optional().unwrap()
        };
        for id in ids {
            let number = number_of(conn, id);
            assert_eq!(found(conn, &number), Some(id), "{number}");
        }
        assert_eq!(found(conn, "SW-2602-NOSUCH"), None);
        if !months::by_month(conn) {
            return;
        }
        // The statement as the shop sends it, its number written in.
        let months_read = |conn: &mut DbConn, number: &str| -> Vec<String> {
            let query = orders::table
                .filter(shopwave::orders::numbered(conn, number).unwrap())
                .select(orders::id);
            let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
            let sql = sql.split(" -- binds").next().unwrap().replace("$1", &format!("'{number}'"));
            partitions_read(conn, "orders", &sql)
                .into_iter()
                .filter(|name| name != "orders_legacy")
                .collect()
        };
        let february = number_of(conn, ids[1]);
        assert_eq!(months_read(conn, &february), ["orders_p202602"]);

        execute(
            &mut db.owner_conn(),
            &format!("UPDATE order_numbers SET order_id = NULL WHERE number = '{february}'"),
        )
        .unwrap();
        assert_eq!(found(conn, &february), Some(ids[1]), "entered before its id was kept");
        assert!(months_read(conn, &february).len() > 2, "and looked for in every month");
    }
}
