//! A seller's products as CSV: export, import with its preview, batches and checkpoint, and the
//! order lines download; every path refused to others.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
use crate::common::csv_import::{
    self, HEADER, apply_and_wait, big_file, history_rows, job, new_row, preview, shop, upload,
};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{
    inventory_movements, price_history, product_imports, product_variants, products,
};

const LIMIT: Duration = Duration::from_secs(120);

fn variant(app: &TestApp, sku: &str) -> (i64, String, String, i64, i32) {
    product_variants::table
        .filter(product_variants::sku.eq(sku))
        .select((
            product_variants::product_id,
            product_variants::name,
            product_variants::options,
            product_variants::price,
            product_variants::stock,
        ))
        .first(&mut app.conn())
        .unwrap()
}

fn no_drift(app: &TestApp) {
    let drift = shopwave::inventory::drift(&mut app.conn()).unwrap();
    assert!(drift.is_empty(), "stock differs from the ledger: {drift:?}");
}

on_both_backends! {
    async fn import_creates_products_then_changes_prices_and_stock(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let c = &shop.category;
        let file = format!(
            "{HEADER}{}{}{}",
            new_row(c, "Desk lamp", "LAMP-S", "Small", "Size=S", "12.50", 4),
            new_row(c, "Desk lamp", "LAMP-L", "Large", "Size=L; Colour=Red", "15.00", 0),
            new_row(c, "Floor lamp", "FLOOR-1", "", "", "80", 2),
        );
        let id = preview(&app, &file).await;
        app.get(&format!("/seller/imports/{id}")).await.assert_status(200)
            .assert_contains("New products</th><td class=\"num\">2")
            .assert_contains("New variants</th><td class=\"num\">3")
            .assert_contains("Rows with errors</th><td class=\"num\">0");
        assert_eq!(products::table.count().get_result::<i64>(&mut app.conn()).unwrap(), 0, "a preview writes nothing");
        let (_, done) = apply_and_wait(&app, id, LIMIT).await;
        done.assert_contains("3 of 3 rows applied").assert_contains("Done");
        let (small, large) = (variant(&app, "LAMP-S"), variant(&app, "LAMP-L"));
        assert_eq!(small.0, large.0, "one product for the two rows of one name");
        assert_eq!((small.1.as_str(), small.2.as_str(), small.3, small.4), ("Small", r#"{"Size":"S"}"#, 1250, 4));
        assert_eq!((large.2.as_str(), large.3, large.4), (r#"{"Colour":"Red","Size":"L"}"#, 1500, 0));
        let (low, high): (i64, i64) = products::table.find(small.0)
            .select((products::price_min, products::price_max)).first(&mut app.conn()).unwrap();
        assert_eq!((low, high), (1250, 1500));
        assert_eq!(history_rows(&mut app.conn()).0, 3, "each new variant's first price");
        no_drift(&app);

        // Export, change one price and one count, import again.
        let exported = app.get("/seller/products.csv").await;
        exported.assert_status(200);
        assert!(exported.header("content-disposition").unwrap().starts_with("attachment"));
        let changed = exported.body.replace("LAMP-S,Small,Size=S,12.50,4", "LAMP-S,Small,Size=S,13.00,10")
            .replace("FLOOR-1,,,80.00,2", "FLOOR-1,,,80.00,1");
        assert_ne!(changed, exported.body, "{}", exported.body);
        let id = preview(&app, &changed).await;
        app.get(&format!("/seller/imports/{id}")).await
            .assert_contains("Price changes</th><td class=\"num\">1")
            .assert_contains("Stock changes</th><td class=\"num\">2")
            .assert_contains("Unchanged rows</th><td class=\"num\">1")
            .assert_contains("price 12.50 → 13.00");
        apply_and_wait(&app, id, LIMIT).await.1.assert_contains("Done");
        assert_eq!(variant(&app, "LAMP-S").3, 1300);
        assert_eq!(variant(&app, "LAMP-S").4, 10);
        assert_eq!(variant(&app, "FLOOR-1").4, 1);
        let last_price: (Option<i64>, i64) = price_history::table.order(price_history::id.desc())
            .select((price_history::old_price, price_history::new_price)).first(&mut app.conn()).unwrap();
        assert_eq!(last_price, (Some(1250), 1300));
        let adjustments: Vec<i32> = inventory_movements::table
            .filter(inventory_movements::reason.eq("adjustment"))
            .order(inventory_movements::id).select(inventory_movements::delta).load(&mut app.conn()).unwrap();
        assert_eq!(adjustments, vec![6, -1]);
        no_drift(&app);
    }
}

on_both_backends! {
    async fn export_then_import_changes_nothing(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let mut conn = app.conn();
        ProductBuilder::new("=HYPERLINK(\"x\")").description("-2 for \"you\",\nsecond line").price(1999).stock(3)
            .insert(&mut conn, shop.seller_id, shop.category_id);
        ProductBuilder::new("Plain mug").price(500).stock(0).status("draft")
            .insert(&mut conn, shop.seller_id, shop.category_id);
        let other = builders::seller(&mut conn);
        ProductBuilder::new("Not mine").insert(&mut conn, other, shop.category_id);
        drop(conn);
        let exported = app.get("/seller/products.csv").await;
        exported.assert_status(200);
        assert!(exported.body.contains("\"'=HYPERLINK(\"\"x\"\")\""), "formula defused: {}", exported.body);
        assert!(exported.body.contains("'-2 for"), "{}", exported.body);
        assert!(!exported.body.contains("Not mine"));
        let before = history_rows(&mut app.conn());
        let id = preview(&app, &exported.body).await;
        app.get(&format!("/seller/imports/{id}")).await
            .assert_contains("Unchanged rows</th><td class=\"num\">2")
            .assert_contains("Rows with errors</th><td class=\"num\">0");
        apply_and_wait(&app, id, LIMIT).await.1.assert_contains("Done: 0 changes applied");
        assert_eq!(history_rows(&mut app.conn()), before);
        assert_eq!(app.get("/seller/products.csv").await.body, exported.body);
    }
}

on_both_backends! {
    async fn row_errors_are_listed_and_nothing_is_applied(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let other = builders::seller(&mut app.conn());
        let (_, theirs) = ProductBuilder::new("Their lamp").insert(&mut app.conn(), other, shop.category_id);
        let their_sku: String = product_variants::table.find(theirs).select(product_variants::sku)
            .first(&mut app.conn()).unwrap();
        let c = &shop.category;
        let file = [
            HEADER.to_owned(),
            new_row(c, "Good", "OK-1", "", "", "1.00", 1),
            new_row(c, "Bad price", "BAD-1", "", "", "12.345", 1),
            new_row("no-such-category", "Lost", "LOST-1", "", "", "1.00", 1),
            new_row(c, "Twice", "OK-1", "", "", "1.00", 1),
            new_row(c, "Theirs", &their_sku, "", "", "1.00", 1),
            format!("not-mine,Slug,{c},,active,SLUG-1,,,1.00,1\n"),
        ]
        .concat();
        let id = preview(&app, &file).await;
        let page = app.get(&format!("/seller/imports/{id}")).await;
        page.assert_status(200)
            .assert_contains("Rows with errors</th><td class=\"num\">5")
            .assert_contains("Row 3: price:")
            .assert_contains("Row 4: There is no category with the slug")
            .assert_contains("Row 5: The SKU OK-1 is also on row 2")
            .assert_contains(&format!("Row 6: The SKU {their_sku} belongs to another seller"))
            .assert_contains("Row 7: None of your products has the address")
            .assert_contains("disabled>Apply the changes");
        app.post(&format!("/seller/imports/{id}/apply"), &[]).await.assert_status(422)
            .assert_contains("correct them");
        assert_eq!(job(&mut app.conn(), id).0, "previewed");
        let mine: i64 = products::table.filter(products::seller_id.eq(shop.seller_id)).count()
            .get_result(&mut app.conn()).unwrap();
        assert_eq!(mine, 0);

        // A file that is not the import's format is refused whole, with no job.
        upload(&app, "name,price\nx,1\n").await.assert_status(422).assert_contains("first row must name");
        upload(&app, "").await.assert_status(422);
    }
}

on_both_backends! {
    async fn reapplying_a_file_or_replaying_a_batch_changes_nothing(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let file = big_file(&shop.category, 240, 5);
        let id = preview(&app, &file).await;
        let (_, done) = apply_and_wait(&app, id, LIMIT).await;
        done.assert_contains("1,200 of 1,200 rows applied");
        let after_first = history_rows(&mut app.conn());
        assert_eq!(after_first.0, 1200);

        // The same file again: every row unchanged, nothing written.
        let again = preview(&app, &file).await;
        app.get(&format!("/seller/imports/{again}")).await
            .assert_contains("Unchanged rows</th><td class=\"num\">1200");
        apply_and_wait(&app, again, LIMIT).await.1.assert_contains("Done: 0 changes applied");
        assert_eq!(history_rows(&mut app.conn()), after_first);

        // A node died after the first batch of a run: its checkpoint says 500 rows. Replaying from
        // the start (as if the checkpoint had been lost) and resuming both finish with nothing
        // written twice.
        let replay = preview(&app, &file).await;
        let user = shop.user_id;
        shopwave::sellers::bulk::start(&mut app.conn(), user, replay).unwrap();
        diesel::update(product_imports::table.find(replay))
            .set(product_imports::rows_applied.eq(500)).execute(&mut app.conn()).unwrap();
        shopwave::sellers::bulk::run(&app.db.pool, replay, &|| {}).unwrap();
        assert_eq!(job(&mut app.conn(), replay), ("done".into(), 1200, 1200, 0));
        assert_eq!(history_rows(&mut app.conn()), after_first);
        no_drift(&app);
    }
}

on_both_backends! {
    async fn a_crash_mid_import_resumes_from_its_checkpoint(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let file = big_file(&shop.category, 300, 5);
        let id = preview(&app, &file).await;
        shopwave::sellers::bulk::start(&mut app.conn(), shop.user_id, id).unwrap();
        let pool = app.db.pool.clone();
        // The "node" dies right after its second batch commits.
        let batches = std::cell::Cell::new(0);
        let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            shopwave::sellers::bulk::run(&pool, id, &|| {
                batches.set(batches.get() + 1);
                assert!(batches.get() < 2, "the node stops");
            })
        }));
        assert!(crashed.is_err());
        assert_eq!(job(&mut app.conn(), id).0, "running");
        assert_eq!(job(&mut app.conn(), id).1, 1000);
        app.get(&format!("/seller/imports/{id}")).await.assert_contains("1,000 of 1,500 rows applied")
            .assert_contains("http-equiv=\"refresh\"");
        shopwave::sellers::bulk::run(&pool, id, &|| {}).unwrap();
        let (status, applied, total, _) = job(&mut app.conn(), id);
        assert_eq!((status.as_str(), applied, total), ("done", 1500, 1500));
        assert_eq!(history_rows(&mut app.conn()).0, 1500, "one first price per variant");
        let products_made: i64 = products::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(products_made, 300);
        no_drift(&app);
    }
}

on_both_backends! {
    async fn two_thousand_rows_show_their_progress(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let id = preview(&app, &big_file(&shop.category, 400, 5)).await;
        app.post(&format!("/seller/imports/{id}/apply"), &[]).await.assert_status(303);
        let page = app.get(&format!("/seller/imports/{id}")).await;
        if job(&mut app.conn(), id).0 == "running" {
            page.assert_contains("of 2,000 rows applied").assert_contains("http-equiv=\"refresh\"");
        }
        let started = Instant::now();
        let mut seen = vec![];
        while job(&mut app.conn(), id).0 == "running" {
            seen.push(job(&mut app.conn(), id).1);
            assert!(started.elapsed() < LIMIT);
            actix_web::rt::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(seen.iter().all(|n| n % 500 == 0), "checkpoints move a batch at a time: {seen:?}");
        app.get(&format!("/seller/imports/{id}")).await.assert_contains("2,000 of 2,000 rows applied");
        no_drift(&app);
    }
}

/// 10,000 products of 5 variants: the preview and the whole import, timed. A benchmark (over a
/// minute in a debug build): `cargo test --release --test http fifty_thousand -- --ignored
/// --nocapture`.
async fn fifty_thousand_rows(db: TestDb) {
    let app = TestApp::new(db).await;
    let shop = shop(&app);
    let file = big_file(&shop.category, 10_000, 5);
    let started = Instant::now();
    let id = preview(&app, &file).await;
    app.get(&format!("/seller/imports/{id}"))
        .await
        .assert_contains("New variants</th><td class=\"num\">50000");
    let previewed = started.elapsed();
    let (_, done) = apply_and_wait(&app, id, Duration::from_secs(1800)).await;
    done.assert_contains("50,000 of 50,000 rows applied");
    eprintln!(
        "50,000-row import: preview {previewed:?}, total {:?}",
        started.elapsed()
    );
    no_drift(&app);
}

#[actix_web::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn fifty_thousand_rows_sqlite() {
    fifty_thousand_rows(TestDb::sqlite()).await
}

#[actix_web::test]
#[ignore = "benchmark: run with --ignored --nocapture"]
async fn fifty_thousand_rows_postgres() {
    if let Some(db) = TestDb::postgres() {
        fifty_thousand_rows(db).await
    }
}

on_both_backends! {
    async fn others_are_refused_and_one_import_runs_at_a_time(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let c = shop.category.clone();
        let first = preview(&app, &format!("{HEADER}{}", new_row(&c, "A", "A-1", "", "", "1", 1))).await;

        // Another seller, a customer and a visitor.
        let other = builders::seller(&mut app.conn());
        app.sign_in_as(csv_import::user_of(&mut app.conn(), other));
        app.get(&format!("/seller/imports/{first}")).await.assert_status(404);
        app.post(&format!("/seller/imports/{first}/apply"), &[]).await.assert_status(404);
        let customer = UserBuilder::customer().insert(&mut app.conn());
        app.sign_in_as(customer);
        for path in ["/seller/imports", "/seller/products.csv", "/seller/orders.csv"] {
            app.get(path).await.assert_status(403);
        }
        app.post(&format!("/seller/imports/{first}/apply"), &[]).await.assert_status(403);
        upload(&app, HEADER).await.assert_status(403);
        app.clear_cookies();
        assert_eq!(app.get("/seller/imports").await.status.as_u16(), 303);
        assert_eq!(job(&mut app.conn(), first).0, "previewed");

        // While one import runs, another waits.
        app.sign_in_as(shop.user_id);
        diesel::update(product_imports::table.find(first))
            .set(product_imports::status.eq("running")).execute(&mut app.conn()).unwrap();
        let second = preview(&app, &format!("{HEADER}{}", new_row(&c, "B", "B-1", "", "", "1", 1))).await;
        app.post(&format!("/seller/imports/{second}/apply"), &[]).await.assert_status(409)
            .assert_contains("already have an import running");

        // A file over the limit: a clear 413.
        let huge = format!("{HEADER}{}", "x".repeat(20 * 1024 * 1024 + 1));
        upload(&app, &huge).await.assert_status(413).assert_contains("larger than 20 MB");
    }
}

on_both_backends! {
    async fn sellers_download_their_order_lines(db: TestDb) {
        let app = TestApp::new(db).await;
        let shop = shop(&app);
        let mut conn = app.conn();
        let (product, variant) = ProductBuilder::new("Lamp").price(1250).stock(5)
            .insert(&mut conn, shop.seller_id, shop.category_id);
        let other = builders::seller(&mut conn);
        let (their_product, their_variant) = ProductBuilder::new("Theirs").insert(&mut conn, other, shop.category_id);
        let buyer = UserBuilder::customer().insert(&mut conn);
        let line = |product_id, variant_id, seller_id| Line { product_id, variant_id, seller_id, unit_price: 1250, quantity: 2, tax: 0 };
        let order = builders::order(&mut conn, buyer, "confirmed", chrono::Utc::now().naive_utc(),
            &[line(product, variant, shop.seller_id), line(their_product, their_variant, other)]);
        let number: String = shopwave::db::schema::orders::table.find(order)
            .select(shopwave::db::schema::orders::number).first(&mut conn).unwrap();
        drop(conn);
        let csv = app.get("/seller/orders.csv").await;
        csv.assert_status(200);
        assert!(csv.header("content-disposition").unwrap().contains("orders.csv"));
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines[0], "order_number,date,order_status,sku,name,quantity,unit_price,line_total,parcel_status,cancelled");
        assert_eq!(lines.len(), 2, "only this seller's line: {}", csv.body);
        assert!(lines[1].starts_with(&format!("{number},")), "{}", lines[1]);
        assert!(lines[1].ends_with(",confirmed,SNAP,Snapshot name,2,12.50,25.00,,no"), "{}", lines[1]);
    }
}
