//! The cart, checkout, orders and saved-card pages through the real router: the happy path, and
//! bad input that must change nothing and get a clear answer.

use diesel::prelude::*;

use crate::common::builders::{ProductBuilder, UserBuilder, category, seller, subcategory};
use crate::common::card_page::typed;
use crate::common::commerce::*;
use crate::common::{TestApp, TestDb, place_order_fields};
use crate::on_both_backends;
use shopwave::cart::{self, CartOwner};
use shopwave::db::schema::{orders, payment_methods, product_variants};

fn order_count(app: &TestApp) -> i64 {
    orders::table
        .count()
        .get_result(&mut app.conn())
        .expect("count")
}

struct Shop {
    variant: i64,
    hidden_variant: i64,
    shipping: i64,
}

fn shop(db: &TestDb) -> Shop {
    let conn = &mut db.conn();
    let (s, c) = (seller(conn), category(conn, "Kitchen"));
    let (_, variant) = ProductBuilder::new("Copper Kettle")
        .price(1999)
        .stock(10)
        .insert(conn, s, c);
    let (_, hidden_variant) = ProductBuilder::new("Secret Draft")
        .status("draft")
        .insert(conn, s, c);
    let shipping = shipping_method(conn, 499, Some(10_000));
    tax_rate(conn, "US", "CA", 825);
    Shop {
        variant,
        hidden_variant,
        shipping,
    }
}

on_both_backends! {
    async fn a_visitor_fills_a_cart_and_sees_count_and_price_changes(db: TestDb) {
        let shop = shop(&db);
        let app = TestApp::new(db).await;
        let v = shop.variant.to_string();
        app.post("/cart/add", &[("variant_id", &v), ("quantity", "2")]).await.assert_redirect_to("/cart");
        let page = app.get("/cart").await;
        page.assert_status(200).assert_contains("Copper Kettle").assert_contains("Added to your cart.");
        page.assert_contains("aria-label=\"items in cart\">2<").assert_contains("$39.98");

        diesel::update(product_variants::table.find(shop.variant))
            .set(product_variants::price.eq(2500))
            .execute(&mut app.conn())
            .expect("reprice");
        app.get("/cart").await.assert_contains("went up from $19.99 to $25.00").assert_contains("$50.00");

        app.post("/cart/update", &[("variant_id", &v), ("quantity", "3")]).await.assert_redirect_to("/cart");
        app.get("/cart").await.assert_contains("aria-label=\"items in cart\">3<");
        app.post("/cart/remove", &[("variant_id", &v)]).await.assert_redirect_to("/cart");
        app.get("/cart").await.assert_contains("Your cart is empty").assert_contains("aria-label=\"items in cart\">0<");
    }
}

on_both_backends! {
    async fn bad_quantities_and_hidden_products_change_nothing(db: TestDb) {
        let shop = shop(&db);
        let app = TestApp::new(db).await;
        let v = shop.variant.to_string();
        for quantity in ["0", "-1", "9223372036854775808", "18446744073709551616", "1.5", "NaN", "", "+-1", "1e2", "2.0", "1_0", " "] {
            app.post("/cart/add", &[("variant_id", &v), ("quantity", quantity)]).await
                .assert_status(422)
                .assert_contains("Please choose a quantity from 1 to 999.");
        }
        app.post("/cart/add", &[("variant_id", &v), ("quantity", "11")]).await
            .assert_status(409)
            .assert_contains("Only 10 of Copper Kettle left in stock");
        app.post("/cart/add", &[("variant_id", &shop.hidden_variant.to_string()), ("quantity", "1")]).await
            .assert_status(422)
            .assert_contains("not available to buy");
        app.post("/cart/add", &[("variant_id", "not-a-number"), ("quantity", "1")]).await.assert_status(400);
        app.get("/cart").await.assert_contains("Your cart is empty");
    }
}

on_both_backends! {
    async fn an_add_past_999_of_an_item_or_of_nothing_in_stock_says_why_and_changes_nothing(db: TestDb) {
        let conn = &mut db.conn();
        let (s, c) = (seller(conn), category(conn, "Garden"));
        let (_, rake) = ProductBuilder::new("Rake").stock(5_000).insert(conn, s, c);
        let (_, hoe) = ProductBuilder::new("Hoe").stock(0).insert(conn, s, c);
        let app = TestApp::new(db).await;
        let (rake, hoe) = (rake.to_string(), hoe.to_string());
        app.post("/cart/add", &[("variant_id", &rake), ("quantity", "998")]).await.assert_redirect_to("/cart");
        app.post("/cart/add", &[("variant_id", &rake), ("quantity", "2")]).await
            .assert_status(422)
            .assert_contains("A cart holds at most 999 of one item; you already have 998.");
        app.post("/cart/add", &[("variant_id", &hoe), ("quantity", "1")]).await
            .assert_status(409)
            .assert_contains("Hoe is out of stock.");
        app.get("/cart").await.assert_contains("aria-label=\"items in cart\">998<");
    }
}

on_both_backends! {
    async fn promotion_codes_apply_exactly_or_say_why_not(db: TestDb) {
        let shop = shop(&db);
        let conn = &mut db.conn();
        let now = shopwave::util::now();
        let expired = PromotionBuilder { valid_from: now - chrono::Duration::days(9), valid_until: now - chrono::Duration::days(1), ..PromotionBuilder::percent(1000) }.insert(conn);
        let big_spender = PromotionBuilder { min_subtotal: 100_000, ..PromotionBuilder::fixed(500) }.insert(conn);
        let (s, c) = (seller(conn), category(conn, "Garden"));
        let (other_product, _) = ProductBuilder::new("Rake").insert(conn, s, c);
        let elsewhere = PromotionBuilder { scope_product_id: Some(other_product), ..PromotionBuilder::percent(1000) }.insert(conn);
        let used_up = PromotionBuilder { max_uses: Some(1), ..PromotionBuilder::percent(1000) }.insert(conn);
        diesel::update(shopwave::db::schema::promotions::table.filter(shopwave::db::schema::promotions::code.eq(&used_up)))
            .set(shopwave::db::schema::promotions::uses_count.eq(1))
            .execute(conn)
            .expect("use it up");
        let good = PromotionBuilder::percent(1500).insert(conn);
        let app = TestApp::new(db).await;
        app.post("/cart/add", &[("variant_id", &shop.variant.to_string()), ("quantity", "3")]).await;

        let refusals = [
            ("NOPE".to_owned(), "We do not know the code NOPE."),
            (expired.to_lowercase(), "This code expired on"),
            (big_spender, "needs a subtotal of at least $1,000.00"),
            (elsewhere, "does not apply to anything in your cart"),
            (used_up, "used the maximum number of times"),
        ];
        for (code, reason) in refusals {
            app.post("/cart/promotion", &[("code", &code)]).await.assert_status(422).assert_contains(reason);
        }
        app.post("/cart/promotion", &[("code", &good.to_lowercase())]).await.assert_redirect_to("/cart");
        // 15 % of $59.97 is 899.55 cents → $9.00, leaving $50.97.
        app.get("/cart").await.assert_contains(&format!("Code {good} applied.")).assert_contains("−$9.00").assert_contains("$50.97");
    }
}

on_both_backends! {
    async fn a_category_code_takes_off_only_what_is_filed_under_that_category_or_below_it(db: TestDb) {
        let conn = &mut db.conn();
        let s = seller(conn);
        let (kitchen, garden) = (category(conn, "Kitchen"), category(conn, "Garden"));
        let kettles = subcategory(conn, kitchen, "Kettles");
        let (_, kettle) = ProductBuilder::new("Copper Kettle").price(2000).insert(conn, s, kettles);
        let (_, rake) = ProductBuilder::new("Rake").price(1000).insert(conn, s, garden);
        let kitchen_code = PromotionBuilder { scope_category_id: Some(kitchen), ..PromotionBuilder::percent(1000) }.insert(conn);
        let app = TestApp::new(db).await;
        app.post("/cart/add", &[("variant_id", &rake.to_string()), ("quantity", "1")]).await;
        app.post("/cart/promotion", &[("code", &kitchen_code)]).await
            .assert_status(422).assert_contains("does not apply to anything in your cart");

        app.post("/cart/add", &[("variant_id", &kettle.to_string()), ("quantity", "1")]).await;
        app.post("/cart/promotion", &[("code", &kitchen_code)]).await.assert_redirect_to("/cart");
        // 10 % of the kettle's $20.00; the rake is in the garden.
        app.get("/cart").await.assert_contains("−$2.00").assert_contains("$28.00");
    }
}

on_both_backends! {
    async fn an_add_answers_with_every_unit_in_the_cart(db: TestDb) {
        let shop = shop(&db);
        let conn = &mut db.conn();
        let (s, garden) = (seller(conn), category(conn, "Garden"));
        let (_, rake) = ProductBuilder::new("Rake").stock(5).insert(conn, s, garden);
        let guest = CartOwner::Guest("guest-token-2".into());
        let add = |conn: &mut shopwave::db::DbConn, variant, quantity: &str| {
            cart::add(conn, &guest, variant, cart::Quantity::parse(quantity).expect("qty"))
        };
        assert_eq!(add(conn, shop.variant, "2").expect("kettles"), 2);
        assert_eq!(add(conn, rake, "3").expect("rakes"), 5);
        assert_eq!(add(conn, shop.variant, "4").expect("more kettles"), 9);
        assert_eq!(cart::item_count(conn, &guest).expect("count"), 9);
        let refused = add(conn, rake, "3").expect_err("only 5 rakes");
        assert!(refused.to_string().contains("left"), "{refused}");
        assert_eq!(cart::item_count(conn, &guest).expect("count"), 9, "a refused add changes nothing");
    }
}

on_both_backends! {
    async fn a_visitors_cart_merges_into_the_users_at_sign_in(db: TestDb) {
        let shop = shop(&db);
        let conn = &mut db.conn();
        let user = UserBuilder::customer().insert(conn);
        let guest = CartOwner::Guest("guest-token-1".into());
        cart::add(conn, &guest, shop.variant, cart::Quantity::parse("2").expect("qty")).expect("guest add");
        add_to_cart(conn, user, shop.variant, 1);
        let code = PromotionBuilder::percent(1000).insert(conn);
        cart::apply_promotion(conn, &guest, &code).expect("guest code");

        assert_eq!(cart::merge_on_login(conn, "guest-token-1", user).expect("merge"), 3);
        let merged = cart::view(conn, &CartOwner::User(user)).expect("view");
        assert_eq!(merged.lines.len(), 1);
        assert_eq!(merged.lines[0].quantity, 3);
        assert_eq!(merged.promotion.map(|p| p.code), Some(code));
        assert!(cart::find(conn, &guest).expect("find").is_none(), "the visitor's cart is gone");
        assert_eq!(cart::merge_on_login(conn, "no-such-token", user).expect("nothing to merge"), 3);
    }
}

/// Signs a shopper with an address and a saved card in, with two kettles in the cart.
async fn ready_to_check_out(db: TestDb, card_number: &str) -> (TestApp, Shop, Buyer) {
    let shop = shop(&db);
    let buyer = buyer(&db, card_number);
    let app = TestApp::new(db).await;
    app.sign_in_as(buyer.id);
    app.post(
        "/cart/add",
        &[("variant_id", &shop.variant.to_string()), ("quantity", "2")],
    )
    .await
    .assert_redirect_to("/cart");
    (app, shop, buyer)
}

async fn review(app: &TestApp, shop: &Shop, address: i64, payment: &str) -> crate::common::Page {
    app.post(
        "/checkout/review",
        &[
            ("address_id", &address.to_string()),
            ("shipping_method_id", &shop.shipping.to_string()),
            ("payment", payment),
        ],
    )
    .await
}

async fn place(app: &TestApp, fields: &[(&'static str, String)]) -> crate::common::Page {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post("/checkout/place", &borrowed).await
}

on_both_backends! {
    async fn a_shopper_checks_out_reviews_every_amount_and_gets_one_order(db: TestDb) {
        let (app, shop, buyer) = ready_to_check_out(db, APPROVED).await;
        app.get("/checkout").await.assert_status(200).assert_contains("1 Test Street").assert_contains("visa ending 4242");
        let page = review(&app, &shop, buyer.address, &format!("saved:{}", buyer.card)).await;
        // $39.98, 8.25 % tax = 329.835 → $3.30, shipping $4.99: $48.27.
        page.assert_status(200).assert_contains("$39.98").assert_contains("$3.30").assert_contains("$4.99").assert_contains("$48.27");
        let fields = place_order_fields(&page.body);

        let sessions = || -> Vec<(String, chrono::NaiveDateTime)> {
            use shopwave::db::schema::sessions;
            sessions::table.select((sessions::state, sessions::expires_at)).load(&mut app.conn()).unwrap()
        };
        let signed_in = sessions();
        let placed = place(&app, &fields).await;
        let location = placed.location().expect("redirect").to_owned();
        assert!(location.starts_with("/orders/SW-"), "{location}");
        assert_eq!(sessions(), signed_in, "an order paid with a saved card leaves the session row alone");
        let order = app.get(&location).await;
        order.assert_status(200).assert_contains("Confirmed").assert_contains("1 Test Street").assert_contains("$48.27")
            .assert_contains("is confirmed").assert_contains("aria-label=\"items in cart\">0<");
        place(&app, &fields).await.assert_redirect_to(&location);
        assert_eq!(order_count(&app), 1, "a double submit makes one order");
        assert_eq!(stock_of(&mut app.conn(), shop.variant), 8);
        app.get("/orders").await.assert_contains(&location[8..]).assert_contains("$48.27");

        let mail = std::fs::read_dir(app.db.data_dir().join("mail")).expect("mail dir").count();
        assert_eq!(mail, 1, "one confirmation e-mail");
        let confirmation = app.db.latest_mail(&app.db.email_of(buyer.id));
        for said in [&location[8..], "Hello Test", "2 × ", "$39.98", "$3.30", "$4.99", "$48.27", "1 Test Street"] {
            assert!(confirmation.contains(said), "the confirmation says {said}:\n{confirmation}");
        }
        assert_eq!(app.db.mailed_link(&app.db.email_of(buyer.id)), location, "the mail links to the order page");

        let stranger = UserBuilder::customer().insert(&mut app.conn());
        app.sign_in_as(stranger);
        app.get(&location).await.assert_status(404);
        app.post(&format!("{location}/cancel"), &[]).await.assert_status(404);
        assert_orders_complete(&mut app.conn());
    }
}

on_both_backends! {
    async fn checkout_refuses_other_users_things_and_tampered_totals(db: TestDb) {
        let (app, shop, buyer) = ready_to_check_out(db, APPROVED).await;
        let other = crate::common::commerce::buyer(&app.db, APPROVED);
        review(&app, &shop, other.address, &format!("saved:{}", buyer.card)).await
            .assert_status(422).assert_contains("addresses in your address book");
        review(&app, &shop, buyer.address, &format!("saved:{}", other.card)).await
            .assert_status(422).assert_contains("one of your saved cards");

        let page = review(&app, &shop, buyer.address, &format!("saved:{}", buyer.card)).await;
        let mut fields = place_order_fields(&page.body);
        let tampered: Vec<_> = fields.iter().cloned().map(|(k, v)| if k == "expected_total" { (k, "1".to_owned()) } else { (k, v) }).collect();
        place(&app, &tampered).await.assert_status(409).assert_contains("changed since you reviewed it");
        let stolen: Vec<_> = fields.iter().cloned().map(|(k, v)| if k == "payment" { (k, format!("saved:{}", other.card)) } else { (k, v) }).collect();
        place(&app, &stolen).await.assert_status(422).assert_contains("one of your saved cards");
        fields.push(("unit_price", "1".into()));
        let bad_key: Vec<_> = fields.iter().cloned().map(|(k, v)| if k == "idempotency_key" { (k, "x".to_owned()) } else { (k, v) }).collect();
        place(&app, &bad_key).await.assert_status(422);
        assert_eq!(order_count(&app), 0);
        assert_eq!(stock_of(&mut app.conn(), shop.variant), 10);

        // The extra price field is ignored: the order charges the catalogue price.
        place(&app, &fields).await.assert_status(303);
        let total: i64 = orders::table.select(orders::grand_total).first(&mut app.conn()).expect("order");
        assert_eq!(total, 4827);
    }
}

on_both_backends! {
    async fn a_declined_new_card_cancels_the_order_and_refills_the_cart(db: TestDb) {
        let (app, shop, buyer) = ready_to_check_out(db, APPROVED).await;
        let new_card = [
            ("address_id", buyer.address.to_string()),
            ("shipping_method_id", shop.shipping.to_string()),
            ("payment", "new".to_owned()),
        ];
        let new_card: Vec<(&str, &str)> = new_card.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let to_card_page = app.post("/checkout/review", &new_card).await;
        let page = app.enter_good_card(&to_card_page, "4000 0000 0000 0002").await;
        page.assert_status(200).assert_contains("visa ending 0002");
        let declined = place(&app, &place_order_fields(&page.body)).await;
        declined.assert_status(402).assert_contains("Your card was declined.").assert_contains("back in your cart");
        assert_eq!(stock_of(&mut app.conn(), shop.variant), 10);
        app.get("/cart").await.assert_contains("Copper Kettle").assert_contains("aria-label=\"items in cart\">2<");

        // A number failing its check digit is refused on the processor's page, which keeps the
        // shopper there to correct it.
        let to_card_page = app.post("/checkout/review", &new_card).await;
        let refused = app.enter_card(&to_card_page, &typed("4242 4242 4242 4241")).await.expect_err("refused");
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains("card number is not valid"), "{}", refused.body);
        assert!(!refused.body.contains("4242 4242 4242 4241"), "the page never writes the number back");
    }
}

on_both_backends! {
    async fn saved_cards_keep_only_token_brand_last4_and_expiry(db: TestDb) {
        let user = UserBuilder::customer().insert(&mut db.conn());
        let other = buyer(&db, APPROVED);
        let app = TestApp::new(db).await;
        app.sign_in_as(user);
        let to_card_page = app.post("/account/payment-methods", &[]).await;
        let card = [
            ("number", "5555 5555 5555 4444".to_owned()),
            ("exp_month", "7".to_owned()),
            ("exp_year", "2031".to_owned()),
            ("cvc", "321".to_owned()),
        ];
        app.enter_card(&to_card_page, &card).await.expect("taken").assert_redirect_to("/account/payment-methods");
        app.get("/account/payment-methods").await.assert_contains("mastercard ending 4444").assert_contains("(default)");
        let (token, last4): (String, String) = payment_methods::table
            .filter(payment_methods::user_id.eq(user))
            .select((payment_methods::gateway_token, payment_methods::last4))
            .first(&mut app.conn())
            .expect("saved");
        assert!(token.starts_with("cus_") && token.contains("/tok_test_") && !token.contains("5555"), "{token}");
        assert_eq!(last4, "4444");
        let mut expired = typed("4242424242424242");
        expired[1].1 = "1".into();
        expired[2].1 = "2020".into();
        let to_card_page = app.post("/account/payment-methods", &[]).await;
        let refused = app.enter_card(&to_card_page, &expired).await.expect_err("refused");
        assert_eq!(refused.status, 422);
        assert!(refused.body.contains("expired"), "{}", refused.body);
        app.post(&format!("/account/payment-methods/{}/delete", other.card), &[]).await.assert_status(404);
        app.post(&format!("/account/payment-methods/{}/default", other.card), &[]).await.assert_status(404);
    }
}

on_both_backends! {
    async fn order_history_pages_newest_first_by_keyset(db: TestDb) {
        let shop = shop(&db);
        let b = buyer(&db, APPROVED);
        let saga = saga(&db);
        let mut numbers = Vec::new();
        for _ in 0..23 {
            add_to_cart(&mut db.conn(), b.id, shop.variant, 1);
            let restock = shopwave::inventory::Move { variant_id: shop.variant, delta: 1 };
            let why = shopwave::inventory::Why::of(shopwave::inventory::MovementReason::Restock);
            shopwave::inventory::move_stock(&mut db.conn(), &[restock], why).expect("restock").expect("room for one more");
            match saga.submit(&order_request(b.id, b.address, shop.shipping, b.card)).expect("placed") {
                shopwave::checkout::Outcome::Confirmed { number } => numbers.push(number),
                other => panic!("{other:?}"),
            }
        }
        let app = TestApp::new(db).await;
        app.sign_in_as(b.id);
        let first = app.get("/orders").await;
        first.assert_status(200).assert_contains(&numbers[22]).assert_contains(&numbers[3]);
        assert!(!first.body.contains(&format!(">{}<", numbers[2])), "page one holds the 20 newest");
        assert!(first.body.find(&numbers[22]) < first.body.find(&numbers[21]), "newest first");
        let next = format!("/orders?after={}", numbers[3]);
        first.assert_contains(&next);
        let second = app.get(&next).await;
        second.assert_status(200).assert_contains(&numbers[2]).assert_contains(&numbers[0]);
        assert!(!second.body.contains(&numbers[3]) && !second.body.contains("Older orders"));
        app.get("/orders?after=SW-0000-NOPE").await.assert_status(404);
    }
}

on_both_backends! {
    async fn signing_in_through_the_login_form_keeps_the_visitors_cart(db: TestDb) {
        let (user, variant) = {
            let conn = &mut db.conn();
            let (s, c) = (seller(conn), category(conn, "Kites"));
            let (_, variant) = ProductBuilder::new("Box Kite").stock(5).insert(conn, s, c);
            let user = UserBuilder::customer().email("kim@example.test").password("kite flying season").insert(conn);
            (user, variant)
        };
        let app = TestApp::new(db).await;
        app.post("/cart/add", &[("variant_id", &variant.to_string()), ("quantity", "2")]).await;
        app.post("/account/login", &[("email", "kim@example.test"), ("password", "kite flying season")])
            .await
            .assert_status(303);
        let page = app.get("/cart").await;
        page.assert_status(200).assert_contains("Box Kite");
        let owned = cart::item_count(&mut app.conn(), &CartOwner::User(user)).expect("count");
        assert_eq!(owned, 2, "the visitor's two kites are now the shopper's");
    }
}
