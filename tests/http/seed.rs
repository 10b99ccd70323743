//! Demo and benchmark data: both generators leave a consistent shop on both backends.

use diesel::prelude::*;

use crate::common::TestDb;
use crate::on_both_backends;
use shopwave::db::schema::*;
use shopwave::money::Money;
use shopwave::orders::OrderStatus;
use shopwave::payments::{PaymentStatus, RefundStatus};
use shopwave::reviews::ReviewStatus;

/// Every index, constraint and trigger of the schema's tables (not of month partitions, which a
/// seed adds, nor a key's copies for them), with whether each key is validated and each trigger on.
fn schema_objects(conn: &mut shopwave::db::DbConn) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Object {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let query = match conn {
        shopwave::db::DbConn::Sqlite(_) => {
            "SELECT type || ' ' || name AS name FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%' ORDER BY 1"
        }
        shopwave::db::DbConn::Postgres(_) => {
            "\
            WITH own AS (SELECT oid, relname FROM pg_class \
                         WHERE relnamespace = current_schema()::regnamespace AND NOT relispartition) \
            SELECT 'index ' || indexname AS name FROM pg_indexes JOIN own ON own.relname = tablename \
                WHERE schemaname = current_schema() \
            UNION ALL SELECT 'constraint ' || conname || ' ' || convalidated::text FROM pg_constraint JOIN own ON own.oid = conrelid WHERE conparentid = 0 \
            UNION ALL SELECT 'trigger ' || tgname || ' ' || tgenabled::text FROM pg_trigger JOIN own ON own.oid = tgrelid \
                WHERE NOT tgisinternal \
            ORDER BY 1"
        }
    };
    diesel::sql_query(query)
        .load::<Object>(conn)
        .expect("schema objects")
        .into_iter()
        .map(|o| o.name)
        .collect()
}

/// A rated product: id, review count, sum, average in hundredths, and the count per star.
type RatedProduct = (i64, i32, i64, i32, (i32, i32, i32, i32, i32));

on_both_backends! {
    async fn the_bulk_generator_fills_every_entity_consistently(db: TestDb) {
        let schema = schema_objects(&mut db.conn());
        // The bulk loader drops and rebuilds indexes: the owner's work, as `shopwave seed --scale` is.
        shopwave::seed::demo(&mut db.owner_conn(), Some(0.000_01)).expect("bulk seed at the smallest scale");
        let mut conn = db.conn();
        assert_eq!(schema_objects(&mut conn), schema, "the load gave back every index, key and trigger it put off");
        assert_eq!(products::table.count().get_result::<i64>(&mut conn).unwrap(), 100);
        assert!(orders::table.count().get_result::<i64>(&mut conn).unwrap() >= 100);
        assert!(order_items::table.count().get_result::<i64>(&mut conn).unwrap() >= 100);
        assert!(shopwave::inventory::drift(&mut conn).unwrap().is_empty(), "stock equals the ledger");
        crate::common::assert_checks_clean(&mut conn);
        let rated: i64 = products::table.filter(products::rating_count.gt(0)).count().get_result(&mut conn).unwrap();
        assert!(rated > 0, "approved reviews are reflected in product ratings");
        // Ids were given explicitly; the next ordinary insert must still get a fresh one.
        let fresh = crate::common::builders::category(&mut conn, "After bulk");
        assert!(fresh > 40);
    }
}

on_both_backends! {
    async fn seeding_refuses_a_database_that_has_data(db: TestDb) {
        let mut conn = db.conn();
        shopwave::seed::demo(&mut conn, None).expect("first demo seed");
        let again = shopwave::seed::demo(&mut conn, None);
        assert!(matches!(again, Err(shopwave::error::Error::Conflict(_))));
        let too_big = shopwave::seed::demo(&mut TestDb::sqlite().conn(), Some(2.0));
        assert!(matches!(too_big, Err(shopwave::error::Error::Invalid(_))));
    }
}

on_both_backends! {
    async fn the_demo_shop_keeps_the_shops_own_rules(db: TestDb) {
        let mut conn = db.conn();
        shopwave::seed::demo(&mut conn, None).expect("demo seed");
        assert!(shopwave::inventory::drift(&mut conn).unwrap().is_empty(), "stock equals the ledger");
        // A product is in stock exactly when one of its active variants has a unit, even after
        // the past orders took the last ones.
        let flags: Vec<(i64, bool)> = products::table.select((products::id, products::in_stock)).load(&mut conn).unwrap();
        let stocked: std::collections::HashSet<i64> = product_variants::table
            .filter(product_variants::is_active.eq(true))
            .filter(product_variants::stock.gt(0))
            .select(product_variants::product_id)
            .load::<i64>(&mut conn)
            .unwrap()
            .into_iter()
            .collect();
        for (id, in_stock) in flags {
            assert_eq!(in_stock, stocked.contains(&id), "product {id}'s in-stock flag");
        }
        // Ratings are the shop's integer average of the approved reviews, counted per star.
        let rated: Vec<RatedProduct> = products::table
            .filter(products::rating_count.gt(0))
            .select((
                products::id,
                products::rating_count,
                products::rating_sum,
                products::rating_avg,
                (products::rating_1, products::rating_2, products::rating_3, products::rating_4, products::rating_5),
            ))
            .load(&mut conn)
            .unwrap();
        assert!(!rated.is_empty());
        for (id, count, sum, average, stars) in rated {
            let approved: Vec<i32> = reviews::table
                .filter(reviews::product_id.eq(id))
                .filter(reviews::status.eq(ReviewStatus::Approved))
                .select(reviews::rating)
                .load(&mut conn)
                .unwrap();
            assert_eq!((count as usize, sum), (approved.len(), approved.iter().map(|r| i64::from(*r)).sum()));
            assert_eq!(average, shopwave::reviews::average_hundredths(sum, count), "product {id}");
            let with = |n: i32| approved.iter().filter(|r| **r == n).count() as i32;
            assert_eq!(stars, (with(1), with(2), with(3), with(4), with(5)), "product {id}'s stars");
        }
        // Every line's tax is the destination's rate on the line, as checkout computes it.
        let lines: Vec<(i64, i32, i64)> = order_items::table
            .select((order_items::line_subtotal, order_items::tax_rate_bps, order_items::tax))
            .load(&mut conn)
            .unwrap();
        for (subtotal, bps, tax) in lines {
            let quoted = shopwave::money::Money::from_minor(subtotal).apply_bps(bps).minor();
            assert_eq!(tax, quoted);
        }
    }
}

on_both_backends! {
    async fn the_demo_orders_went_through_the_shops_transitions_and_refunds(db: TestDb) {
        let mut conn = db.conn();
        shopwave::seed::demo(&mut conn, None).expect("demo seed");
        let orders: Vec<(i64, OrderStatus, Money, chrono::NaiveDateTime)> = orders::table
            .select((orders::id, orders::status, orders::grand_total, orders::created_at))
            .order(orders::id)
            .load(&mut conn)
            .unwrap();
        let mut given_back = 0;
        for (id, status, total, placed) in orders {
            // Placed, then one allowed move after another, ending where the order stands.
            let history: Vec<(Option<OrderStatus>, OrderStatus, chrono::NaiveDateTime)> = order_status_history::table
                .filter(order_status_history::order_id.eq(id))
                .select((order_status_history::from_status, order_status_history::to_status, order_status_history::created_at))
                .order(order_status_history::id)
                .load(&mut conn)
                .unwrap();
            assert_eq!(history[0].0, None, "order {id}");
            assert_eq!(history[0].1, OrderStatus::PendingPayment, "order {id}");
            for pair in history.windows(2) {
                assert_eq!(pair[1].0, Some(pair[0].1), "order {id}");
                assert!(pair[0].1.may_become(pair[1].1), "order {id}: {} → {}", pair[0].1, pair[1].1);
            }
            assert_eq!(history.last().unwrap().1, status, "order {id}");
            assert!(history.iter().all(|row| row.2 == placed), "order {id}'s history is dated when it was placed");
            // What was cancelled or refunded got its money back in full, as the shop refunds.
            let payment: PaymentStatus = payments::table
                .filter(payments::order_id.eq(id))
                .select(payments::status)
                .first(&mut conn)
                .unwrap();
            let refunded: Vec<(Money, RefundStatus)> = refunds::table
                .filter(refunds::order_id.eq(id))
                .select((refunds::amount, refunds::status))
                .load(&mut conn)
                .unwrap();
            if matches!(status, OrderStatus::Cancelled | OrderStatus::Refunded) {
                assert_eq!(refunded, vec![(total, RefundStatus::Succeeded)], "order {id}");
                assert_eq!(payment, PaymentStatus::Voided, "order {id}");
                given_back += 1;
            } else {
                assert!(refunded.is_empty(), "order {id}");
                assert_eq!(payment, PaymentStatus::Captured, "order {id}");
            }
        }
        assert!(given_back > 0, "the demo has cancelled and refunded orders");
    }
}
