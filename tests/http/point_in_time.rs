//! Point-in-time recovery on PostgreSQL with the shop's scripts: a base backup
//! (`ops/pg-base-backup`) and the primary's WAL archive bring the shop back as it was at a chosen
//! moment (`ops/pg-recover`): the sales committed before it are there, the ones after it are not,
//! and `shopwave check` passes on the recovered database. The test makes its own primary
//! (tests/common/replication.rs).

use diesel::prelude::*;
use shopwave::db::schema::orders;

use crate::backup::{said, shopwave};
use crate::common::TestDb;
use crate::common::builders::{ProductBuilder, category, seller};
use crate::common::commerce::*;
use crate::common::replication::Replication;

fn numbers(conn: &mut shopwave::db::DbConn) -> Vec<String> {
    orders::table
        .select(orders::number)
        .order(orders::id)
        .load(conn)
        .expect("orders")
}

#[actix_web::test]
async fn the_shop_is_recovered_as_it_was_at_a_chosen_moment() {
    if std::env::var("TEST_DATABASE_URL").is_err() && std::env::var("CI").is_err() {
        return;
    }
    let Some(servers) = Replication::start() else {
        return;
    };
    let db = TestDb::postgres_on(&servers.primary);
    let (variant, shipping) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
        let (_, variant) = ProductBuilder::new("Recovered Lamp")
            .price(900)
            .stock(10)
            .insert(conn, shop, shelf);
        (variant, shipping_method(conn, 0, None))
    };
    let before_backup = paid_order(&db, variant, shipping);
    servers.base_backup("base");
    let after_backup = paid_order(&db, variant, shipping);
    let moment: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(
        "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US+00')",
    ))
    .get_result(&mut db.conn())
    .expect("the moment");
    std::thread::sleep(std::time::Duration::from_millis(50));
    let too_late = paid_order(&db, variant, shipping);
    servers.archive_now();

    let recovered = servers.recover_to("base", &moment, "recovered");
    let url = db.owner_url().replacen(&servers.primary, &recovered, 1);
    let mut conn =
        shopwave::db::establish(&shopwave::db::Backend::Postgres(url.clone())).expect("recovered");
    assert_eq!(
        numbers(&mut conn),
        vec![before_backup, after_backup],
        "{too_late} came after the moment"
    );
    assert_eq!(
        stock_of(&mut conn, variant),
        8,
        "the stock as it was at the moment"
    );
    let checked = shopwave(&url, &db.data_dir(), &["check"]);
    assert!(checked.status.success(), "{}", said(&checked));
}
