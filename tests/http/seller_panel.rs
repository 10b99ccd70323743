//! The seller panel: the dashboard's orders, revenue and low stock; listings, price and stock
//! changes with their history and ledger; ownership; and hostile input.

use diesel::prelude::*;

use crate::common::builders::{self, Line, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::DbConn;
use shopwave::db::schema::{
    inventory_movements, price_history, product_variants, products, search_outbox, sellers,
};

/// The user behind a seller profile, to sign in as.
fn user_of(conn: &mut DbConn, seller: i64) -> i64 {
    sellers::table
        .find(seller)
        .select(sellers::user_id)
        .first(conn)
        .unwrap()
}

/// Everything a seller form can change about a product, to prove a refused form changed nothing.
#[derive(Debug, PartialEq)]
struct Snapshot {
    product: (String, String, i64, i64, bool),
    /// (price, stock) of each variant.
    variants: Vec<(i64, i32)>,
    price_changes: i64,
    ledger_rows: i64,
    outbox_rows: i64,
}

fn snapshot(app: &TestApp, product_id: i64) -> Snapshot {
    let mut conn = app.conn();
    let product = products::table
        .find(product_id)
        .select((
            products::name,
            products::status,
            products::price_min,
            products::price_max,
            products::in_stock,
        ))
        .first(&mut conn)
        .unwrap();
    let variants: Vec<(i64, i32)> = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .order(product_variants::id)
        .select((product_variants::price, product_variants::stock))
        .load(&mut conn)
        .unwrap();
    Snapshot {
        product,
        variants,
        price_changes: price_history::table.count().get_result(&mut conn).unwrap(),
        ledger_rows: inventory_movements::table
            .count()
            .get_result(&mut conn)
            .unwrap(),
        outbox_rows: search_outbox::table.count().get_result(&mut conn).unwrap(),
    }
}

async fn post_new(app: &TestApp, fields: Vec<(&'static str, String)>) -> crate::common::Page {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post("/seller/products", &borrowed).await
}

fn add_variant(conn: &mut DbConn, product: i64, sku: &str, price: i64) -> i64 {
    diesel::insert_into(product_variants::table)
        .values((
            product_variants::product_id.eq(product),
            product_variants::sku.eq(sku),
            product_variants::price.eq(price),
        ))
        .returning(product_variants::id)
        .get_result(conn)
        .unwrap()
}

on_both_backends! {
    async fn a_price_change_is_recorded_and_moves_the_price_range(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Lamps"));
        let (lamp, small) = ProductBuilder::new("Lamp").price(1999).insert(&mut conn, seller, category);
        let large = add_variant(&mut conn, lamp, "LAMP-L", 2999);
        diesel::update(products::table.find(lamp)).set(products::price_max.eq(2999)).execute(&mut conn).unwrap();
        let me = user_of(&mut conn, seller);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(me);
        app.get(&format!("/seller/products/{lamp}")).await.assert_status(200).assert_contains("LAMP-L");

        app.post(&format!("/seller/products/{lamp}/variants/{small}/price"), &[("price", "35")]).await
            .assert_redirect_to(&format!("/seller/products/{lamp}"));
        let (low, high): (i64, i64) = products::table.find(lamp).select((products::price_min, products::price_max))
            .first(&mut app.conn()).unwrap();
        assert_eq!((low, high), (2999, 3500));
        let history: Vec<(i64, Option<i64>, i64, Option<i64>)> = price_history::table
            .select((price_history::variant_id, price_history::old_price, price_history::new_price, price_history::changed_by))
            .load(&mut app.conn()).unwrap();
        assert_eq!(history, vec![(small, Some(1999), 3500, Some(me))]);
        app.get(&format!("/seller/products/{lamp}")).await.assert_contains("Price set to $35.00");

        app.post(&format!("/seller/products/{lamp}/variants/{large}/price"), &[("price", "$1,000.5")]).await.assert_status(303);
        let (low, high): (i64, i64) = products::table.find(lamp).select((products::price_min, products::price_max))
            .first(&mut app.conn()).unwrap();
        assert_eq!((low, high), (3500, 100_050));

        // The same price again is not a change.
        let before = snapshot(&app, lamp);
        app.post(&format!("/seller/products/{lamp}/variants/{large}/price"), &[("price", "1000.50")]).await.assert_status(303);
        assert_eq!(snapshot(&app, lamp), before);
    }
}

on_both_backends! {
    async fn stock_moves_with_the_ledger_and_never_below_zero(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Mugs"));
        let (mug, variant) = ProductBuilder::new("Mug").stock(10).insert(&mut conn, seller, category);
        let me = user_of(&mut conn, seller);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(me);
        let stock_url = format!("/seller/products/{mug}/variants/{variant}/stock");

        app.post(&stock_url, &[("change", "+5"), ("reason", "restock")]).await.assert_status(303);
        app.post(&stock_url, &[("change", "-15"), ("reason", "adjustment"), ("note", "Stock count")]).await.assert_status(303);
        let (stock, in_stock): (i32, bool) = product_variants::table.find(variant).inner_join(products::table)
            .select((product_variants::stock, products::in_stock)).first(&mut app.conn()).unwrap();
        assert_eq!((stock, in_stock), (0, false));
        let moves: Vec<(i32, String, String, Option<i64>)> = inventory_movements::table
            .filter(inventory_movements::variant_id.eq(variant)).order(inventory_movements::id)
            .select((inventory_movements::delta, inventory_movements::reason, inventory_movements::note, inventory_movements::actor_id))
            .load(&mut app.conn()).unwrap();
        assert_eq!(moves[1..], [(5, "restock".into(), String::new(), Some(me)), (-15, "adjustment".into(), "Stock count".into(), Some(me))]);
        assert!(shopwave::inventory::drift(&mut app.conn()).unwrap().is_empty());

        let before = snapshot(&app, mug);
        let refused = app.post(&stock_url, &[("change", "-1"), ("reason", "adjustment"), ("note", "Broken")]).await;
        refused.assert_status(409).assert_contains("Only 0 in stock, so 1 cannot be removed.");
        assert_eq!(snapshot(&app, mug), before);
        app.post(&stock_url, &[("change", "-1"), ("reason", "restock")]).await.assert_status(422);
        app.post(&stock_url, &[("change", "3"), ("reason", "sale"), ("note", "x")]).await.assert_status(422);
        app.post(&stock_url, &[("change", "99999999999"), ("reason", "restock")]).await.assert_status(422);
        app.post(&stock_url, &[("change", "abc"), ("reason", "restock")]).await.assert_status(422);
        app.post(&stock_url, &[("change", "1000000"), ("reason", "restock")]).await.assert_status(303);
        app.post(&stock_url, &[("change", "1"), ("reason", "restock")]).await
            .assert_status(409).assert_contains("at most 1000000");
        assert!(shopwave::inventory::drift(&mut app.conn()).unwrap().is_empty());
    }
}

on_both_backends! {
    async fn a_seller_cannot_touch_another_sellers_product(db: TestDb) {
        let mut conn = db.conn();
        let (mine, theirs) = (builders::seller(&mut conn), builders::seller(&mut conn));
        let category = builders::category(&mut conn, "Chairs");
        let (chair, variant) = ProductBuilder::new("Their Chair").insert(&mut conn, theirs, category);
        let (own, _) = ProductBuilder::new("My Stool").insert(&mut conn, mine, category);
        let me = user_of(&mut conn, mine);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(me);
        let before = snapshot(&app, chair);
        app.get(&format!("/seller/products/{chair}")).await.assert_status(404);
        app.post(&format!("/seller/products/{chair}"), &[("name", "Mine now"), ("status", "archived")]).await.assert_status(404);
        app.post(&format!("/seller/products/{chair}"), &[("name", ""), ("status", "bogus")]).await.assert_status(404);
        app.post(&format!("/seller/products/{chair}/variants/{variant}/price"), &[("price", "1")]).await.assert_status(404);
        app.post(&format!("/seller/products/{chair}/variants/{variant}/stock"), &[("change", "-1"), ("reason", "adjustment"), ("note", "x")]).await.assert_status(404);
        // Their variant under my own product's address is no better.
        app.post(&format!("/seller/products/{own}/variants/{variant}/price"), &[("price", "1")]).await.assert_status(404);
        assert_eq!(snapshot(&app, chair), before);
        let list = app.get("/seller/products").await;
        list.assert_status(200).assert_contains("My Stool");
        assert!(!list.body.contains("Their Chair"));

        app.clear_cookies();
        app.get("/seller/products").await.assert_redirect_to("/account/login?next=%2Fseller%2Fproducts");
        app.sign_in_as(UserBuilder::customer().insert(&mut app.conn()));
        app.get("/seller").await.assert_status(403);
        app.post(&format!("/seller/products/{own}/variants/{variant}/price"), &[("price", "1")]).await.assert_status(403);
    }
}

on_both_backends! {
    async fn bad_input_is_a_form_error_and_changes_nothing(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Rugs"));
        let (rug, variant) = ProductBuilder::new("Rug").insert(&mut conn, seller, category);
        let me = user_of(&mut conn, seller);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(me);
        let before = snapshot(&app, rug);
        let price_url = format!("/seller/products/{rug}/variants/{variant}/price");
        for bad in ["-1", "1.999", "1000000.01", "99999999999999999999999", "abc", "", "NaN"] {
            app.post(&price_url, &[("price", bad)]).await.assert_status(422).assert_contains("field-error");
        }
        for (name, status) in [("Rug", "deleted"), ("", "active"), ("Rug\u{0}", "active")] {
            app.post(&format!("/seller/products/{rug}"), &[("name", name), ("status", status), ("description", "")]).await
                .assert_status(422);
        }
        app.post(&format!("/seller/products/{rug}"), &[("name", &"x".repeat(256)), ("status", "active")]).await.assert_status(422);
        assert_eq!(snapshot(&app, rug), before);

        let taken: String = product_variants::table.find(variant).select(product_variants::sku).first(&mut app.conn()).unwrap();
        let cat = category.to_string();
        let new = |sku: &str, price: &str| vec![("name", "Runner".to_owned()), ("category_id", cat.clone()),
                                                  ("sku", sku.to_owned()), ("price", price.to_owned()),
                                                  ("stock", "3".to_owned()), ("status", "active".to_owned())];
        post_new(&app, new("RUN-1", "1.234")).await.assert_status(422).assert_contains("at most two decimals");
        post_new(&app, new("RUN 1", "12")).await.assert_status(422);
        post_new(&app, new(&taken, "12")).await.assert_status(409).assert_contains("already in use");
        let mut no_category = new("RUN-1", "12");
        no_category[1].1 = "999999".into();
        post_new(&app, no_category).await.assert_status(409).assert_contains("choose a category");
        assert_eq!(snapshot(&app, rug), before);
        let products_now: i64 = products::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(products_now, 1);
    }
}

on_both_backends! {
    async fn a_new_product_starts_with_ledger_history_and_outbox(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Kettles"));
        let me = user_of(&mut conn, seller);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(me);
        app.get("/seller/products/new").await.assert_status(200).assert_contains("Kettles");
        let created = app.post("/seller/products", &[("name", "Steel Kettle"), ("description", "Boils.\nQuickly."),
            ("category_id", &category.to_string()), ("sku", "KETTLE-1"), ("price", "39.90"), ("stock", "7"), ("status", "active")]).await;
        created.assert_status(303);
        let product: i64 = created.location().unwrap().rsplit('/').next().unwrap().parse().unwrap();
        let (owner, low, high, in_stock, description): (i64, i64, i64, bool, String) = products::table.find(product)
            .select((products::seller_id, products::price_min, products::price_max, products::in_stock, products::description))
            .first(&mut app.conn()).unwrap();
        assert_eq!((owner, low, high, in_stock, description.as_str()), (seller, 3990, 3990, true, "Boils.\nQuickly."));
        let (sku, stock): (String, i32) = product_variants::table.filter(product_variants::product_id.eq(product))
            .select((product_variants::sku, product_variants::stock)).first(&mut app.conn()).unwrap();
        assert_eq!((sku.as_str(), stock), ("KETTLE-1", 7));
        assert!(shopwave::inventory::drift(&mut app.conn()).unwrap().is_empty());
        let history: i64 = price_history::table.count().get_result(&mut app.conn()).unwrap();
        let outbox: i64 = search_outbox::table.filter(search_outbox::product_id.eq(product)).count().get_result(&mut app.conn()).unwrap();
        assert_eq!((history, outbox), (1, 1));
        app.get("/seller/products").await.assert_contains("Steel Kettle").assert_contains("$39.90");
        app.post(&format!("/seller/products/{product}"), &[("name", "Copper Kettle"), ("description", ""), ("status", "draft")]).await
            .assert_redirect_to(&format!("/seller/products/{product}"));
        let (name, status): (String, String) = products::table.find(product).select((products::name, products::status)).first(&mut app.conn()).unwrap();
        assert_eq!((name.as_str(), status.as_str()), ("Copper Kettle", "draft"));
    }
}

on_both_backends! {
    async fn the_dashboard_shows_own_orders_net_revenue_and_low_stock(db: TestDb) {
        let mut conn = db.conn();
        let (seller, other) = (builders::seller(&mut conn), builders::seller(&mut conn));
        let category = builders::category(&mut conn, "Pens");
        let (pen, pen_variant) = ProductBuilder::new("Fountain Pen").stock(2).insert(&mut conn, seller, category);
        let (ink, _) = ProductBuilder::new("Ink Pot").stock(50).insert(&mut conn, seller, category);
        let (paper, paper_variant) = ProductBuilder::new("Their Paper").insert(&mut conn, other, category);
        diesel::update(product_variants::table).set(product_variants::reorder_point.eq(5)).execute(&mut conn).unwrap();
        let shopper = UserBuilder::customer().insert(&mut conn);
        let now = shopwave::util::now();
        let mine = |quantity: i32, unit_price: i64, tax: i64| Line { product_id: pen, variant_id: pen_variant, seller_id: seller, unit_price, quantity, tax };
        let theirs = Line { product_id: paper, variant_id: paper_variant, seller_id: other, unit_price: 5000, quantity: 1, tax: 0 };
        builders::order(&mut conn, shopper, "confirmed", now, &[mine(2, 1000, 0), theirs]);
        builders::order(&mut conn, shopper, "delivered", now - chrono::Duration::days(40), &[mine(1, 3333, 275)]);
        builders::order(&mut conn, shopper, "cancelled", now, &[mine(1, 9999, 0)]);
        let me = user_of(&mut conn, seller);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(me);
        let page = app.get("/seller").await;
        page.assert_status(200);
        // Last 30 days: $20.00, commission 15 % = $3.00, net $17.00. All time adds $33.33 before
        // its $2.75 tax: $53.33 gross, 15 % = 799.95 cents → $8.00, net $45.33. The cancelled
        // order is not revenue, and tax is neither revenue nor charged commission: with it the
        // gross would be $56.08 and the commission $8.41.
        for amount in ["$20.00", "$3.00", "$17.00", "$53.33", "$8.00", "$45.33", "15.00 %"] {
            page.assert_contains(amount);
        }
        assert!(!page.body.contains("$56.08") && !page.body.contains("$8.41"), "no commission on tax");
        assert!(!page.body.contains("$50.00"), "another seller's line is not shown");
        assert_eq!(page.body.matches("<td>Cancelled</td>").count(), 1);
        assert_eq!(page.body.matches("<td>Confirmed</td>").count() + page.body.matches("<td>Delivered</td>").count(), 2);
        // Low stock: the pen (2 ≤ 5), not the ink (50) nor the other seller's paper.
        page.assert_contains(&format!("/seller/products/{pen}\">Fountain Pen"));
        assert!(!page.body.contains(&format!("/seller/products/{ink}\"")));
        assert!(!page.body.contains("Their Paper"));
    }
}
