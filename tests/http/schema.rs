//! The schema: the database itself refuses what the shop must never hold, on both backends.

use diesel::prelude::*;

use crate::common::builders::{self, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestDb, execute};
use crate::on_both_backends;
use shopwave::db::models::*;
use shopwave::db::schema::*;
use shopwave::db::{self, is_constraint_violation};

#[track_caller]
fn assert_refused(result: Result<(), diesel::result::Error>, what: &str) {
    match result {
        Err(e) if is_constraint_violation(&e) => {}
        Err(e) => panic!("{what}: refused, but not as a constraint violation: {e:?}"),
        Ok(()) => panic!("{what}: the database accepted it"),
    }
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |dir: &str| {
        let mut names: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .expect("migrations folder")
                .map(|entry| {
                    entry
                        .expect("entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"));
}

on_both_backends! {
    async fn migrations_run_twice_without_harm(db: TestDb) {
        let mut conn = db.owner_conn();
        assert_eq!(db::migrate(&mut conn).expect("second run"), 0);
        assert_eq!(db::migrate(&mut conn).expect("third run"), 0);
    }
}

on_both_backends! {
    /// Loads a row of every table through its model: schema.rs, the models and both migration
    /// folders agree on every column and type.
    async fn every_table_matches_its_model(db: TestDb) {
        let mut conn = db.conn();
        shopwave::seed::demo(&mut conn, None).expect("demo data");
        macro_rules! loads {
            ($($table:ident => $model:ty),* $(,)?) => {$(
                let rows: Vec<$model> = $table::table.select(<$model>::as_select()).limit(3).load(&mut conn)
                    .unwrap_or_else(|e| panic!("{}: {e}", stringify!($table)));
                let _ = rows;
            )*};
        }
        loads!(
            users => User, user_recovery_codes => RecoveryCode, sessions => SessionRow,
            login_attempts => LoginAttempt,
            pending_registrations => PendingRegistration, addresses => Address, payment_methods => PaymentMethod,
            audit_log => AuditEntry, sellers => Seller, categories => Category, products => Product,
            product_variants => Variant, product_categories => ProductCategory,
            product_images => ProductImage, price_history => PriceChange, reviews => Review,
            wishlist_items => WishlistItem, search_outbox => OutboxEntry,
            shipping_methods => ShippingMethod, tax_rates => TaxRate, promotions => Promotion,
            carts => Cart, cart_items => CartItem, orders => Order, order_items => OrderItem,
            order_status_history => StatusChange, promotion_redemptions => Redemption,
            inventory_movements => InventoryMovement, payments => Payment, refunds => Refund,
            seller_payouts => Payout,
        );
        let orders: i64 = orders::table.count().get_result(&mut conn).expect("count");
        assert!(orders > 0, "the demo shop has past orders");
        assert!(shopwave::inventory::drift(&mut conn).expect("drift").is_empty(), "stock equals the ledger");
    }
}

on_both_backends! {
    async fn the_database_refuses_negative_stock(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Toys"));
        let (_, variant) = ProductBuilder::new("Kite").stock(1).insert(&mut conn, seller, category);
        let result = diesel::update(product_variants::table.find(variant))
            .set(product_variants::stock.eq(product_variants::stock - 2))
            .execute(&mut conn)
            .map(|_| ());
        assert_refused(result, "stock below zero");
        let stock: i32 = product_variants::table.find(variant).select(product_variants::stock).first(&mut conn).unwrap();
        assert_eq!(stock, 1);
    }
}

on_both_backends! {
    async fn the_database_refuses_a_rating_of_six(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Books"));
        let (product, _) = ProductBuilder::new("Atlas").insert(&mut conn, seller, category);
        let user = UserBuilder::customer().insert(&mut conn);
        for rating in [0, 6, -1] {
            let result = diesel::insert_into(reviews::table)
                .values((reviews::user_id.eq(user), reviews::product_id.eq(product), reviews::rating.eq(rating)))
                .execute(&mut conn)
                .map(|_| ());
            assert_refused(result, &format!("rating {rating}"));
        }
    }
}

on_both_backends! {
    async fn the_database_refuses_a_duplicate_email_in_any_case(db: TestDb) {
        let mut conn = db.conn();
        UserBuilder::customer().email("ann@example.test").insert(&mut conn);
        let duplicate = execute(
            &mut conn,
            "INSERT INTO users (email, password_hash, first_name, last_name) VALUES ('ann@example.test', 'x', 'A', 'B')",
        );
        assert_refused(duplicate, "duplicate email");
        let upper = execute(
            &mut conn,
            "INSERT INTO users (email, password_hash, first_name, last_name) VALUES ('Ann@Example.test', 'x', 'A', 'B')",
        );
        assert_refused(upper, "an email not stored lower-cased");
    }
}

on_both_backends! {
    async fn the_database_refuses_a_duplicate_sku(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Audio"));
        let (product, variant) = ProductBuilder::new("Speaker").insert(&mut conn, seller, category);
        let sku: String = product_variants::table.find(variant).select(product_variants::sku).first(&mut conn).unwrap();
        let result = diesel::insert_into(product_variants::table)
            .values((product_variants::product_id.eq(product), product_variants::sku.eq(sku), product_variants::price.eq(100)))
            .execute(&mut conn)
            .map(|_| ());
        assert_refused(result, "duplicate SKU");
    }
}

on_both_backends! {
    async fn the_database_refuses_an_order_item_without_its_order(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Lamps"));
        let (product, variant) = ProductBuilder::new("Lamp").insert(&mut conn, seller, category);
        let result = execute(
            &mut conn,
            &format!(
                "INSERT INTO order_items (order_id, variant_id, product_id, seller_id, product_name, sku, unit_price, quantity, line_subtotal, line_total) \
                 VALUES (999999, {variant}, {product}, {seller}, 'Lamp', 'SKU', 100, 1, 100, 100)"
            ),
        );
        assert_refused(result, "order item of a missing order");
    }
}

on_both_backends! {
    async fn the_database_refuses_unknown_statuses_and_inconsistent_totals(db: TestDb) {
        let mut conn = db.conn();
        let user = UserBuilder::customer().insert(&mut conn);
        let order = |status: &str, total: i64| {
            format!(
                "INSERT INTO orders (number, user_id, status, subtotal, grand_total, shipping_method_name, ship_name, ship_line1, ship_city, ship_postal_code, ship_country, idempotency_key) \
                 VALUES ('N-{status}-{total}', {user}, '{status}', 1000, {total}, 'Standard', 'A', 'B', 'C', '1', 'US', 'k-{status}-{total}')"
            )
        };
        assert_refused(execute(&mut conn, &order("teleported", 1000)), "unknown order status");
        assert_refused(execute(&mut conn, &order("confirmed", 999)), "grand total not equal to its parts");
        execute(&mut conn, &order("confirmed", 1000)).expect("a consistent order is accepted");
        assert_refused(
            execute(&mut conn, &format!("UPDATE users SET role = 'superuser' WHERE id = {user}")),
            "unknown role",
        );
        assert_refused(
            execute(&mut conn, &format!("INSERT INTO addresses (user_id, full_name, line1, city, postal_code, country) VALUES ({user}, 'A', 'B', 'C', '1', 'us')")),
            "a country that is not ISO 3166-1 alpha-2",
        );
    }
}
