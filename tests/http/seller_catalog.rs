//! The seller's catalog forms: variants added (options, unique SKU, opening stock through the
//! ledger), edited (price through the price history), removed (deleted, or kept off sale when
//! orders or carts hold it; never the last one); the category changed; a product archived for
//! good; a variant's price and stock history. Every refusal changes nothing, another seller gets
//! 404 on every form, and stock = ledger after every change.

use diesel::prelude::*;

use crate::common::builders::{self, Line, UserBuilder};
use crate::common::catalog_admin::{
    Shop, assert_consistent, outbox_rows, shop, snapshot, variant_by_sku, variant_form,
};
use crate::common::commerce;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{
    inventory_movements, orders, price_history, product_categories, product_variants, products,
};

async fn seller_app(db: TestDb) -> (TestApp, Shop) {
    let shop = shop(&db);
    let app = TestApp::new(db).await;
    app.sign_in_as(shop.seller_user);
    (app, shop)
}

fn edit_url(shop: &Shop) -> String {
    format!("/seller/products/{}", shop.product)
}

fn range(app: &TestApp, product: i64) -> (i64, i64, bool) {
    products::table
        .find(product)
        .select((products::price_min, products::price_max, products::in_stock))
        .first(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn a_seller_adds_a_variant_that_shoppers_see(db: TestDb) {
        let (app, shop) = seller_app(db).await;
        let outbox = outbox_rows(&app, shop.product);
        let added = app.post(&format!("{}/variants", edit_url(&shop)),
            &variant_form("SHIRT-L-BLUE", ["Size: L", "Colour: Blue", ""], "24.50", "4")).await;
        added.assert_redirect_to(&edit_url(&shop));
        let variant = variant_by_sku(&app, "SHIRT-L-BLUE");
        let (options, price, stock, active): (String, i64, i32, bool) = product_variants::table.find(variant)
            .select((product_variants::options, product_variants::price, product_variants::stock, product_variants::is_active))
            .first(&mut app.conn()).unwrap();
        assert_eq!((options.as_str(), price, stock, active), (r#"{"Colour":"Blue","Size":"L"}"#, 2450, 4, true));
        let opening: Vec<(i32, String)> = inventory_movements::table.filter(inventory_movements::variant_id.eq(variant))
            .select((inventory_movements::delta, inventory_movements::reason)).load(&mut app.conn()).unwrap();
        assert_eq!(opening, [(4, "initial".to_owned())]);
        let prices: Vec<(Option<i64>, i64, Option<i64>)> = price_history::table.filter(price_history::variant_id.eq(variant))
            .select((price_history::old_price, price_history::new_price, price_history::changed_by)).load(&mut app.conn()).unwrap();
        assert_eq!(prices, [(None, 2450, Some(shop.seller_user))]);
        assert_eq!(range(&app, shop.product), (1999, 2450, true));
        assert!(outbox_rows(&app, shop.product) > outbox);
        assert_consistent(&app);
        app.get(&edit_url(&shop)).await.assert_contains("Variant SHIRT-L-BLUE added.").assert_contains("Colour: Blue · Size: L");

        // A variant without opening stock needs no ledger row.
        app.post(&format!("{}/variants", edit_url(&shop)), &variant_form("SHIRT-XS", ["Size: XS", "", ""], "9", "")).await.assert_status(303);
        assert_eq!(range(&app, shop.product), (900, 2450, true));
        assert_consistent(&app);

        app.clear_cookies();
        let slug = builders::product_slug(&mut app.conn(), shop.product);
        app.get(&format!("/p/{slug}")).await.assert_status(200)
            .assert_contains("Colour: Blue · Size: L").assert_contains("$24.50").assert_contains("Size: XS");
    }
}

on_both_backends! {
    async fn adding_refuses_bad_input_a_taken_sku_and_a_lookalike_and_changes_nothing(db: TestDb) {
        let (app, shop) = seller_app(db).await;
        let taken: String = product_variants::table.find(shop.variant).select(product_variants::sku).first(&mut app.conn()).unwrap();
        let url = format!("{}/variants", edit_url(&shop));
        app.post(&url, &variant_form("SHIRT-M", ["Size: M", "", ""], "10", "1")).await.assert_status(303);
        let before = snapshot(&app, shop.product);
        let refusals: [(Vec<(&str, &str)>, &str); 8] = [
            (variant_form(&taken, ["Size: S", "", ""], "10", ""), "is already in use"),
            (variant_form("shirt m", ["", "", ""], "10", ""), "letters, digits"),
            (variant_form("SHIRT-S", ["Size S", "", ""], "10", ""), "name: value"),
            (variant_form("SHIRT-S", ["Size: S", "size: XL", ""], "10", ""), "given twice"),
            (variant_form("SHIRT-S", ["Size: S", "", ""], "1.999", ""), "at most two decimals"),
            (variant_form("SHIRT-S", ["Size: S", "", ""], "10", "-3"), "whole number"),
            (variant_form("SHIRT-S", ["Size: S", "", ""], "10", "1000001"), "whole number"),
            (variant_form("SHIRT-S", ["Size: M", "", ""], "12", ""), "could not tell them apart"),
        ];
        for (fields, message) in refusals {
            app.post(&url, &fields).await.assert_status(422).assert_contains(message).assert_contains("field-error");
        }
        // What was typed stays in the form.
        app.post(&url, &variant_form("SHIRT-S", ["Size S", "", ""], "10", "")).await.assert_contains("value=\"Size S\"");
        assert_eq!(snapshot(&app, shop.product), before);
        assert_consistent(&app);
    }
}

on_both_backends! {
    async fn editing_a_variant_records_its_price_and_moves_the_range(db: TestDb) {
        let (app, shop) = seller_app(db).await;
        let url = format!("{}/variants/{}", edit_url(&shop), shop.variant);
        let edit = |name: &'static str, option1: &'static str, price: &'static str| {
            vec![("name", name), ("option1", option1), ("option2", ""), ("option3", ""), ("price", price)]
        };
        app.post(&url, &edit("Classic", "Fit: Regular", "29")).await.assert_redirect_to(&edit_url(&shop));
        let (name, options, price): (String, String, i64) = product_variants::table.find(shop.variant)
            .select((product_variants::name, product_variants::options, product_variants::price)).first(&mut app.conn()).unwrap();
        assert_eq!((name.as_str(), options.as_str(), price), ("Classic", r#"{"Fit":"Regular"}"#, 2900));
        let history: Vec<(Option<i64>, i64)> = price_history::table.filter(price_history::variant_id.eq(shop.variant))
            .select((price_history::old_price, price_history::new_price)).load(&mut app.conn()).unwrap();
        assert_eq!(history, [(Some(1999), 2900)]);
        assert_eq!(range(&app, shop.product), (2900, 2900, true));

        // Renaming alone writes no price row.
        app.post(&url, &edit("Classic cut", "Fit: Regular", "29.00")).await.assert_status(303);
        let rows: i64 = price_history::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(rows, 1);

        // Refusals: bad fields, and the same name and options as another variant.
        app.post(&format!("{}/variants", edit_url(&shop)), &variant_form("SHIRT-SLIM", ["Fit: Slim", "", ""], "31", "2")).await.assert_status(303);
        let before = snapshot(&app, shop.product);
        for (fields, message) in [
            (edit("Classic cut", "Fit: Regular", "-1"), "field-error"),
            (edit("Classic cut", "Fit", "29"), "name: value"),
            (edit("", "Fit: Slim", "29"), "could not tell them apart"),
        ] {
            app.post(&url, &fields).await.assert_status(422).assert_contains(message);
        }
        assert_eq!(snapshot(&app, shop.product), before);
        // The old price form goes through the same price history.
        app.post(&format!("{url}/price"), &[("price", "30")]).await.assert_status(303);
        assert_eq!(range(&app, shop.product), (3000, 3100, true));
        assert_consistent(&app);
    }
}

on_both_backends! {
    async fn removing_deletes_a_fresh_variant_and_keeps_an_ordered_or_carted_one_off_sale(db: TestDb) {
        let shop = shop(&db);
        let shopper = commerce::buyer(&db, "4242424242424242");
        let shipping = commerce::shipping_method(&mut db.conn(), 500, None);
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let variants = format!("{}/variants", edit_url(&shop));

        // The last live variant cannot go.
        let before = snapshot(&app, shop.product);
        app.post(&format!("{variants}/{}/remove", shop.variant), &[]).await
            .assert_status(409).assert_contains("at least one variant");
        assert_eq!(snapshot(&app, shop.product), before);

        // A fresh variant (with stock and a price row) is deleted with its history.
        app.post(&variants, &variant_form("SHIRT-FRESH", ["Size: S", "", ""], "5", "3")).await.assert_status(303);
        let fresh = variant_by_sku(&app, "SHIRT-FRESH");
        assert_eq!(range(&app, shop.product), (500, 1999, true));
        app.post(&format!("{variants}/{fresh}/remove"), &[]).await.assert_redirect_to(&edit_url(&shop));
        let left: i64 = product_variants::table.filter(product_variants::id.eq(fresh)).count().get_result(&mut app.conn()).unwrap();
        assert_eq!(left, 0);
        assert_eq!(range(&app, shop.product), (1999, 1999, true));
        assert_consistent(&app);

        // One in an order is kept, off sale; one in a cart too, and the cart says so.
        app.post(&variants, &variant_form("SHIRT-SOLD", ["Size: M", "", ""], "25", "5")).await.assert_status(303);
        app.post(&variants, &variant_form("SHIRT-CART", ["Size: L", "", ""], "3", "5")).await.assert_status(303);
        let (sold, carted) = (variant_by_sku(&app, "SHIRT-SOLD"), variant_by_sku(&app, "SHIRT-CART"));
        let line = Line { product_id: shop.product, variant_id: sold, seller_id: shop.seller, unit_price: 2500, quantity: 1, tax: 0 };
        let order = builders::order(&mut app.conn(), shopper.id, "delivered", shopwave::util::now(), &[line]);
        commerce::add_to_cart(&mut app.conn(), shopper.id, carted, 2);
        for variant in [sold, carted] {
            app.post(&format!("{variants}/{variant}/remove"), &[]).await.assert_status(303);
            let active: bool = product_variants::table.find(variant).select(product_variants::is_active).first(&mut app.conn()).unwrap();
            assert!(!active);
        }
        app.get(&edit_url(&shop)).await.assert_contains("off sale");
        assert_eq!(range(&app, shop.product), (1999, 1999, true));
        assert_consistent(&app);
        // Removed variants take no further edits or removals.
        app.post(&format!("{variants}/{sold}"), &[("name", "x"), ("price", "1")]).await.assert_status(409);
        app.post(&format!("{variants}/{sold}/remove"), &[]).await.assert_status(409);
        app.post(&format!("{variants}/{sold}/price"), &[("price", "1")]).await.assert_status(409);

        let slug = builders::product_slug(&mut app.conn(), shop.product);
        app.sign_in_as(shopper.id);
        let page = app.get(&format!("/p/{slug}")).await;
        assert!(!page.body.contains("Size: L") && !page.body.contains("Size: M"), "removed variants are not for sale");
        app.get("/cart").await.assert_status(200).assert_contains("No longer available; please remove it.");
        match shopwave::checkout::price(&mut app.conn(), shopper.id, shopper.address, shipping) {
            Err(shopwave::error::Error::Conflict(message)) => assert!(message.contains("no longer available"), "{message}"),
            Err(other) => panic!("checkout refused otherwise: {other:?}"),
            Ok(_) => panic!("checkout priced a removed variant"),
        }
        let number: String = orders::table.find(order).select(orders::number).first(&mut app.conn()).unwrap();
        app.get(&format!("/orders/{number}")).await.assert_status(200).assert_contains("Snapshot name");
    }
}

on_both_backends! {
    async fn a_product_moves_to_another_category(db: TestDb) {
        let shop = shop(&db);
        let (tops, bogus) = {
            let mut conn = db.conn();
            (builders::category(&mut conn, "Tops"), 999_999)
        };
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let url = format!("{}/category", edit_url(&shop));
        let before = snapshot(&app, shop.product);
        for bad in [bogus.to_string(), "abc".to_owned(), String::new()] {
            app.post(&url, &[("category_id", &bad)]).await.assert_status(422).assert_contains("choose a category");
        }
        assert_eq!(snapshot(&app, shop.product), before);
        app.post(&url, &[("category_id", &tops.to_string())]).await.assert_redirect_to(&edit_url(&shop));
        let after = snapshot(&app, shop.product);
        assert_eq!((after.product.2, after.filed_under.clone()), (tops, vec![tops]));
        assert!(after.outbox_rows > before.outbox_rows);
        app.drain_search();
        let (old_slug, new_slug) = (builders::category_slug(&mut app.conn(), shop.category), builders::category_slug(&mut app.conn(), tops));
        app.get(&format!("/c/{new_slug}")).await.assert_status(200).assert_contains("Linen Shirt");
        let old = app.get(&format!("/c/{old_slug}")).await;
        assert!(!old.body.contains("Linen Shirt"), "left its old category");
        let filed: i64 = product_categories::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(filed, 1);
    }
}

on_both_backends! {
    async fn an_archived_product_leaves_the_shop_and_stays_in_orders(db: TestDb) {
        let shop = shop(&db);
        let shopper = UserBuilder::customer().insert(&mut db.conn());
        let line = Line { product_id: shop.product, variant_id: shop.variant, seller_id: shop.seller, unit_price: 1999, quantity: 1, tax: 0 };
        let order = builders::order(&mut db.conn(), shopper, "delivered", shopwave::util::now(), &[line]);
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let slug = builders::product_slug(&mut app.conn(), shop.product);
        app.drain_search();
        app.get("/search?q=linen").await.assert_contains(&format!("/p/{slug}"));
        app.get(&format!("/p/{slug}")).await.assert_status(200);

        // Archiving is its own form, never the status menu.
        let before = snapshot(&app, shop.product);
        app.post(&edit_url(&shop), &[("name", "Linen Shirt"), ("description", ""), ("status", "archived")]).await
            .assert_status(422).assert_contains("Archive this product");
        assert_eq!(snapshot(&app, shop.product), before);

        app.post(&format!("{}/archive", edit_url(&shop)), &[]).await.assert_redirect_to(&edit_url(&shop));
        let after = snapshot(&app, shop.product);
        assert_eq!((after.product.1.as_str(), after.product.7), ("archived", true));
        assert_eq!(after.variants, before.variants, "variants, stock and ledger stay");
        app.get(&edit_url(&shop)).await.assert_status(200)
            .assert_contains("can no longer be changed or put on sale again").assert_contains("Product archived");
        app.get("/seller/products").await.assert_contains("Archived");

        // Gone from the shop at once (the cache sees the change: 410 Gone) and from search.
        app.get(&format!("/p/{slug}")).await.assert_status(410);
        app.drain_search();
        let found = app.get("/search?q=linen").await;
        assert!(!found.body.contains(&format!("/p/{slug}")), "archived products are not found");
        let category = builders::category_slug(&mut app.conn(), shop.category);
        assert!(!app.get(&format!("/c/{category}")).await.body.contains("Linen Shirt"));

        // Nothing about it can change any more, bad input or not.
        let archived = snapshot(&app, shop.product);
        let variant = format!("{}/variants/{}", edit_url(&shop), shop.variant);
        for (url, fields) in [
            (edit_url(&shop), vec![("name", "Back"), ("status", "active")]),
            (edit_url(&shop), vec![("name", ""), ("status", "active")]),
            (format!("{}/archive", edit_url(&shop)), vec![]),
            (format!("{}/category", edit_url(&shop)), vec![("category_id", "1")]),
            (format!("{}/variants", edit_url(&shop)), variant_form("NEW-1", ["", "", ""], "1", "")),
            (variant.clone(), vec![("name", "x"), ("price", "1")]),
            (format!("{variant}/price"), vec![("price", "1")]),
            (format!("{variant}/stock"), vec![("change", "1"), ("reason", "restock")]),
            (format!("{variant}/remove"), vec![]),
        ] {
            app.post(&url, &fields).await.assert_status(409).assert_contains("archived");
        }
        assert_eq!(snapshot(&app, shop.product), archived);

        // Orders keep their lines.
        let number: String = orders::table.find(order).select(orders::number).first(&mut app.conn()).unwrap();
        app.sign_in_as(shopper);
        app.get(&format!("/orders/{number}")).await.assert_status(200).assert_contains("Snapshot name");
        assert_consistent(&app);
    }
}

on_both_backends! {
    async fn the_history_page_shows_prices_and_the_ledger_in_pages(db: TestDb) {
        let (app, shop) = seller_app(db).await;
        let variant = format!("{}/variants/{}", edit_url(&shop), shop.variant);
        for price in ["21", "22"] {
            app.post(&format!("{variant}/price"), &[("price", price)]).await.assert_status(303);
        }
        for _ in 0..26 {
            app.post(&format!("{variant}/stock"), &[("change", "+1"), ("reason", "restock")]).await.assert_status(303);
        }
        app.post(&format!("{variant}/stock"), &[("change", "-6"), ("reason", "adjustment"), ("note", "Water damage")]).await.assert_status(303);
        assert_consistent(&app);
        let page = app.get(&format!("{variant}/history")).await;
        page.assert_status(200).assert_contains("History of SKU-").assert_contains("$21.00").assert_contains("$22.00")
            .assert_contains("Water damage").assert_contains("<td class=\"num\">-6</td>").assert_contains("<td class=\"num\">30</td>");
        // 28 movements: the opening one and the oldest two restocks are on the next page.
        let next = page.body.split("href=\"").find(|s| s.contains("moves_after=")).unwrap().split('"').next().unwrap().replace("&#38;", "&");
        let older = app.get(&next).await;
        older.assert_status(200).assert_contains("initial").assert_contains("<td class=\"num\">10</td>");
        assert!(!older.body.contains("Water damage"));
        app.get(&format!("{variant}/history?moves_after=abc")).await.assert_status(400);
    }
}

on_both_backends! {
    async fn another_seller_or_a_customer_gets_nothing(db: TestDb) {
        let shop = shop(&db);
        let (intruder, own) = {
            let mut conn = db.conn();
            let other = builders::seller(&mut conn);
            let (own, _) = crate::common::builders::ProductBuilder::new("Own Hat").insert(&mut conn, other, shop.category);
            (crate::common::catalog_admin::user_of(&mut conn, other), own)
        };
        let app = TestApp::new(db).await;
        let before = snapshot(&app, shop.product);
        let product = edit_url(&shop);
        let variant = format!("{product}/variants/{}", shop.variant);
        let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
            (format!("{product}/variants"), variant_form("HACK-1", ["", "", ""], "1", "5")),
            (format!("{product}/variants"), variant_form("bad sku", ["", "", ""], "x", "")),
            (variant.clone(), vec![("name", "x"), ("price", "1")]),
            (variant.clone(), vec![("price", "bad")]),
            (format!("{variant}/remove"), vec![]),
            (format!("{product}/category"), vec![("category_id", "1")]),
            (format!("{product}/category"), vec![("category_id", "x")]),
            (format!("{product}/archive"), vec![]),
            // Their variant under my own product's address is no better.
            (format!("/seller/products/{own}/variants/{}", shop.variant), vec![("name", "x"), ("price", "1")]),
            (format!("/seller/products/{own}/variants/{}/remove", shop.variant), vec![]),
        ];
        app.sign_in_as(intruder);
        app.get(&format!("{variant}/history")).await.assert_status(404);
        app.get(&format!("/seller/products/{own}/variants/{}/history", shop.variant)).await.assert_status(404);
        for (url, fields) in &forms {
            app.post(url, fields).await.assert_status(404);
        }
        app.sign_in_as(UserBuilder::customer().insert(&mut app.conn()));
        app.get(&format!("{variant}/history")).await.assert_status(403);
        for (url, fields) in &forms {
            app.post(url, fields).await.assert_status(403);
        }
        app.clear_cookies();
        app.get(&format!("{variant}/history")).await.assert_status(303);
        assert_eq!(snapshot(&app, shop.product), before);
    }
}
