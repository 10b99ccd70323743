//! On PostgreSQL the shop runs as a role that may only read and write rows (`docs/app_role.sql`,
//! run here as written): pages, a checkout with its payment and the retention job all work, the
//! migration check passes without writing, and the role can neither change nor destroy the
//! schema.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use shopwave::checkout::{Outcome, PaymentSaga};
use shopwave::db::{self, Backend};

use crate::common::builders::{ProductBuilder, category, product_slug, seller};
use crate::common::cluster::AppRole;
use crate::common::commerce::*;
use crate::common::{TestApp, TestDb};

#[actix_web::test]
async fn the_shop_runs_as_a_role_that_may_only_read_and_write_rows() {
    let Some(db) = TestDb::postgres() else { return };
    let role = AppRole::create(&db);
    let app_url = role.url(db.owner_url());
    let app_pool =
        db::connect(&Backend::Postgres(app_url), Some(4)).expect("the app role connects");

    let (variant, shipping, slug) = {
        let conn = &mut db.conn();
        let (shop, shelf) = (seller(conn), category(conn, "Lamps"));
        let (product, variant) = ProductBuilder::new("Least Lamp")
            .price(2_500)
            .stock(3)
            .insert(conn, shop, shelf);
        tax_rate(conn, "US", "CA", 825);
        (
            variant,
            shipping_method(conn, 499, None),
            product_slug(conn, product),
        )
    };
    let mut as_app = app_pool.get().expect("a connection");
    assert!(
        db::unapplied_migrations(&mut as_app)
            .expect("readable")
            .is_empty()
    );
    let b = buyer(&db, APPROVED);
    add_to_cart(&mut as_app, b.id, variant, 1);
    let saga = PaymentSaga::new(
        app_pool.clone(),
        db.gateway(),
        shopwave::mail::Mailer::from_env(&db.data_dir(), db.public_url()),
    );
    let placed = saga
        .submit(&order_request(b.id, b.address, shipping, b.card))
        .expect("a checkout as the app");
    assert!(matches!(placed, Outcome::Confirmed { .. }), "{placed:?}");
    shopwave::retention::sweep(&mut as_app, &Default::default(), shopwave::util::now(), 1)
        .expect("retention as the app");

    for refused in [
        "DROP TABLE orders",
        "TRUNCATE orders",
        "ALTER TABLE orders ADD COLUMN note TEXT",
        "CREATE TABLE intruders (id INTEGER)",
        "CREATE INDEX intruding ON orders (total)",
    ] {
        let error = as_app
            .batch_execute(refused)
            .expect_err(refused)
            .to_string();
        assert!(
            error.contains("permission denied") || error.contains("must be owner"),
            "{refused}: {error}"
        );
    }

    drop(as_app);
    let mut state = db.app_state(false);
    state.pool = app_pool.clone();
    let app = TestApp::from_state(db, state, |_| {}).await;
    for page in [
        "/".to_owned(),
        format!("/p/{slug}"),
        "/search?q=lamp".to_owned(),
        "/account/login".to_owned(),
    ] {
        app.get(&page).await.assert_status(200);
    }
    app.send(crate::common::from_this_machine("/healthz"))
        .await
        .assert_status(200)
        .assert_contains(r#""database":"ok""#);

    drop(app);
    drop(app_pool);
}

/// Every PostgreSQL test runs the shop and its fixtures as `common::APP_ROLE`, so a test that
/// passes only with a superuser's or an owner's rights fails.
#[actix_web::test]
async fn the_tests_themselves_run_as_neither_a_superuser_nor_an_owner() {
    let Some(db) = TestDb::postgres() else { return };
    #[derive(diesel::QueryableByName)]
    struct Rights {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        superuser: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        owns_orders: bool,
    }
    let rights: Rights = diesel::sql_query(
        "SELECT current_user::text AS name, r.rolsuper AS superuser, \
                pg_has_role(current_user, t.tableowner, 'USAGE') AS owns_orders \
         FROM pg_roles r, pg_tables t \
         WHERE r.rolname = current_user AND t.tablename = 'orders' \
           AND t.schemaname = current_schema()",
    )
    .get_result(&mut db.conn())
    .expect("the connection's rights");
    assert_eq!(rights.name, crate::common::APP_ROLE);
    assert!(!rights.superuser && !rights.owns_orders);
}
