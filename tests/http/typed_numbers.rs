//! Numbers typed by a person, read by one rule everywhere: an amount in the form the shop prints,
//! a whole number as one optional sign and digits. Anything read two ways is refused with a
//! message and a 4xx, and changes nothing.

use diesel::prelude::*;

use crate::common::builders::{self, ProductBuilder, UserBuilder};
use crate::common::card_page::typed;
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{
    cart_items, payment_methods, price_history, product_variants, products, sellers, wishlist_items,
};

/// Spellings a person might use for a whole number that are not one sign and digits.
const NOT_WHOLE: [&str; 5] = ["+-1", "1e3", "1_000", "1.0", "--1"];

fn price_and_stock(app: &TestApp, variant: i64) -> (i64, i32, i64) {
    let mut conn = app.conn();
    let (price, stock) = product_variants::table
        .find(variant)
        .select((product_variants::price, product_variants::stock))
        .first(&mut conn)
        .unwrap();
    let changes = price_history::table.count().get_result(&mut conn).unwrap();
    (price, stock, changes)
}

on_both_backends! {
    async fn seller_prices_and_stock_are_read_one_way_only(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Lamps"));
        let (lamp, variant) = ProductBuilder::new("Lamp").price(1999).stock(4).insert(&mut conn, seller, category);
        let me: i64 = sellers::table.find(seller).select(sellers::user_id).first(&mut conn).unwrap();
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(me);
        let before = price_and_stock(&app, variant);
        let price_url = format!("/seller/products/{lamp}/variants/{variant}/price");
        for bad in ["12,99", "5,00", "1,2,3", "1e3", "1_000", "-0"] {
            app.post(&price_url, &[("price", bad)]).await
                .assert_status(422).assert_contains("Please enter an amount like 12.99 or 1,299.00");
            assert_eq!(price_and_stock(&app, variant), before, "{bad:?} changed something");
        }

        let stock_url = format!("/seller/products/{lamp}/variants/{variant}/stock");
        for bad in NOT_WHOLE {
            app.post(&stock_url, &[("change", bad), ("reason", "adjustment"), ("note", "Count")]).await
                .assert_status(422).assert_contains("Please enter a whole number from");
            assert_eq!(price_and_stock(&app, variant), before, "{bad:?} changed something");
        }

        fn new(category_id: &str) -> [(&'static str, &str); 6] {
            [("name", "Runner"), ("category_id", category_id), ("sku", "RUN-1"), ("price", "12"), ("stock", "1"), ("status", "active")]
        }
        let typed_category = format!("+-{category}");
        app.post("/seller/products", &new(&typed_category)).await.assert_status(422).assert_contains("choose a category");
        app.post("/seller/products", &new(&format!("{category}.0"))).await.assert_status(422);
        let count: i64 = products::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 1);

        app.post(&price_url, &[("price", "1,299.00")]).await.assert_status(303);
        assert_eq!(price_and_stock(&app, variant).0, 129_900);
        app.post(&price_url, &[("price", "12.99")]).await.assert_status(303);
        app.post(&stock_url, &[("change", "+2"), ("reason", "restock")]).await.assert_status(303);
        assert_eq!(price_and_stock(&app, variant), (1299, 6, before.2 + 2));
    }
}

on_both_backends! {
    async fn ids_and_page_numbers_in_forms_and_addresses_are_whole_numbers(db: TestDb) {
        let mut conn = db.conn();
        let (seller, category) = (builders::seller(&mut conn), builders::category(&mut conn, "Mugs"));
        let (mug, variant) = ProductBuilder::new("Mug").stock(5).insert(&mut conn, seller, category);
        let ann = UserBuilder::customer().insert(&mut conn);
        drop(conn);
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        for bad in NOT_WHOLE {
            let spelled = bad.replace('1', &variant.to_string());
            app.post("/cart/add", &[("variant_id", &spelled), ("quantity", "1")]).await
                .assert_status(400).assert_contains("a whole number such as 12 was expected");
            app.post("/cart/add", &[("variant_id", &variant.to_string()), ("quantity", bad)]).await
                .assert_status(422).assert_contains("Please choose a quantity");
            let spelled = bad.replace('1', &mug.to_string());
            app.post("/wishlist/add", &[("product_id", &spelled)]).await.assert_status(400);
            app.get(&format!("/search?q=mug&page={}", urlencode(bad))).await
                .assert_status(400).assert_contains("The page number should be a whole number.");
        }
        let lines: i64 = cart_items::table.count().get_result(&mut app.conn()).unwrap();
        let saved: i64 = wishlist_items::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!((lines, saved), (0, 0));
        app.get("/search?q=mug&page=+1").await.assert_status(200);
        app.post("/cart/add", &[("variant_id", &format!(" {variant} ")), ("quantity", "+1")]).await
            .assert_redirect_to("/cart");
    }
}

on_both_backends! {
    async fn a_card_expiry_is_a_plain_month_and_year(db: TestDb) {
        let ann = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::new(db).await;
        app.sign_in_as(ann);
        let card = |month: &str, year: &str| {
            let mut card = typed("4242424242424242");
            (card[1].1, card[2].1) = (month.to_owned(), year.to_owned());
            card
        };
        for (month, year) in [("+-7", "2031"), ("7.0", "2031"), ("1e1", "2031"), ("7", "2_031"), ("7", "2031.0"), ("7", "+-2031")] {
            let to_card_page = app.post("/account/payment-methods", &[]).await;
            let refused = app.enter_card(&to_card_page, &card(month, year)).await.expect_err("refused");
            assert_eq!(refused.status, 422);
            assert!(refused.body.contains("Please enter the expiry month and year."), "{month}/{year}");
        }
        let saved: i64 = payment_methods::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(saved, 0);
        let to_card_page = app.post("/account/payment-methods", &[]).await;
        app.enter_card(&to_card_page, &card(" 07 ", "+2031")).await.expect("taken")
            .assert_redirect_to("/account/payment-methods");
    }
}

/// Query values as a browser sends them: `+` would otherwise be read as a space.
fn urlencode(text: &str) -> String {
    text.replace('+', "%2B")
}
