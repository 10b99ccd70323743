//! Demo and benchmark data: both generators leave a consistent shop on both backends.

use diesel::prelude::*;

use crate::common::TestDb;
use crate::on_both_backends;
use shopwave::db::schema::*;

on_both_backends! {
    async fn the_bulk_generator_fills_every_entity_consistently(db: TestDb) {
        let mut conn = db.conn();
        shopwave::seed::demo(&mut conn, Some(0.000_01)).expect("bulk seed at the smallest scale");
        assert_eq!(products::table.count().get_result::<i64>(&mut conn).unwrap(), 100);
        assert!(orders::table.count().get_result::<i64>(&mut conn).unwrap() >= 100);
        assert!(order_items::table.count().get_result::<i64>(&mut conn).unwrap() >= 100);
        assert!(shopwave::inventory::drift(&mut conn).unwrap().is_empty(), "stock equals the ledger");
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
