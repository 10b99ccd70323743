//! Promotion codes through the admin forms: each kind and scope created, edited, disabled; every
//! refusal on its field with nothing changed; what the shopper's cart and checkout then do with
//! a code made this way; uses and revenue after paid checkouts; access.

use diesel::prelude::*;

use crate::common::builders::UserBuilder;
use crate::common::commerce::{APPROVED, DECLINED, add_to_cart, buyer, uses_count};
use crate::common::promotions::*;
use crate::common::settings::{audit_actions, shop_with_shopper};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::checkout::Outcome;
use shopwave::db::schema::{categories, products, promotions};
use shopwave::money::Money;

/// The shop's one category (Kitchen) and product (Copper Kettle): (category id, product id, slug).
fn kitchen(app: &TestApp) -> (i64, i64, String) {
    let conn = &mut app.conn();
    let category = categories::table
        .filter(categories::name.eq("Kitchen"))
        .select(categories::id)
        .first(conn)
        .unwrap();
    let (product, slug) = products::table
        .filter(products::name.eq("Copper Kettle"))
        .select((products::id, products::slug))
        .first(conn)
        .unwrap();
    (category, product, slug)
}

fn set_uses(app: &TestApp, code: &str, uses: i32) {
    diesel::update(promotions::table.filter(promotions::code.eq(code)))
        .set(promotions::uses_count.eq(uses))
        .execute(&mut app.conn())
        .unwrap();
}

on_both_backends! {
    async fn each_kind_and_scope_is_created_edited_and_disabled(db: TestDb) {
        let shop = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shop.admin);
        let (kitchen, kettle, slug) = kitchen(&app);
        app.get("/admin/promotions/new").await.assert_status(200)
            .assert_contains("<h1>New promotion</h1>").assert_contains(">Kitchen</option>");

        let site = create_promotion(&app, &[("code", " spring-10_a "), ("percent", "12.5")]).await;
        app.get(&format!("/admin/promotions/{site}")).await.assert_status(200)
            .assert_contains("Promotion created.").assert_contains("<h1>Promotion <span class=\"code\">SPRING-10_A</span></h1>")
            .assert_contains("12.50 % off");
        let category = kitchen.to_string();
        create_promotion(&app, &[("code", "FIVE"), ("kind", "fixed_amount"), ("percent", ""), ("amount_off", "5.00"),
            ("min_subtotal", "25"), ("max_uses", "100"), ("per_customer_limit", "3"),
            ("scope", "category"), ("category", &category)]).await;
        let address = format!("/p/{slug}");
        create_promotion(&app, &[("code", "KETTLE"), ("scope", "product"), ("product", &address)]).await;
        let by_id = kettle.to_string();
        create_promotion(&app, &[("code", "KETTLE2"), ("scope", "product"), ("product", &by_id)]).await;

        assert_eq!(stored(&app, "SPRING-10_A"),
            ("SPRING-10_A".into(), "percentage".into(), Some(1250), None, "site".into(), None, None));
        assert_eq!(stored(&app, "FIVE"),
            ("FIVE".into(), "fixed_amount".into(), None, Some(500), "category".into(), Some(kitchen), None));
        assert_eq!(stored(&app, "KETTLE"),
            ("KETTLE".into(), "percentage".into(), Some(1000), None, "product".into(), None, Some(kettle)));
        assert_eq!(stored(&app, "KETTLE2").6, Some(kettle));
        let limits: (i64, Option<i32>, i32) = promotions::table.filter(promotions::code.eq("FIVE"))
            .select((promotions::min_subtotal, promotions::max_uses, promotions::per_customer_limit))
            .first(&mut app.conn()).unwrap();
        assert_eq!(limits, (2500, Some(100), 3));
        app.get("/admin/promotions").await.assert_status(200)
            .assert_contains("Whole shop").assert_contains("Category: Kitchen").assert_contains("Product: Copper Kettle")
            .assert_contains("$5.00 off on $25.00 or more").assert_contains("0 of 100").assert_contains("Live");

        // Edit: the form shows what is stored; a product code turns into a category code.
        let edit = app.get(&format!("/admin/promotions/{site}")).await;
        edit.assert_contains("value=\"12.50\"").assert_contains("value=\"2020-01-01T00:00\"");
        let changed = promotion_form(&[("code", "spring-10_a"), ("percent", "15"), ("max_uses", "7"),
            ("scope", "category"), ("category", &category)]);
        app.post(&format!("/admin/promotions/{site}"), &changed).await
            .assert_redirect_to(&format!("/admin/promotions/{site}"));
        assert_eq!(stored(&app, "SPRING-10_A").2, Some(1500));
        assert_eq!((stored(&app, "SPRING-10_A").4, stored(&app, "SPRING-10_A").5), ("category".into(), Some(kitchen)));

        app.post(&format!("/admin/promotions/{site}/disable"), &[]).await.assert_redirect_to("/admin/promotions");
        app.get("/admin/promotions").await.assert_contains("Disabled").assert_contains("Enable SPRING-10_A");
        // A second disable changes nothing and records nothing.
        app.post(&format!("/admin/promotions/{site}/disable"), &[]).await.assert_status(303);
        app.post(&format!("/admin/promotions/{site}/enable"), &[]).await.assert_status(303);
        assert!(all_rows(&app).iter().all(|row| row.3), "all active again");
        assert_eq!(audit_actions(&app), ["promotion.create", "promotion.create", "promotion.create", "promotion.create",
            "promotion.update", "promotion.disable", "promotion.enable"]);
    }
}

on_both_backends! {
    async fn every_refusal_is_on_its_field_and_changes_nothing(db: TestDb) {
        let shop = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shop.admin);
        let id = create_promotion(&app, &[("code", "TAKEN"), ("max_uses", "10")]).await;
        let other = create_promotion(&app, &[("code", "OTHER")]).await;
        set_uses(&app, "OTHER", 4);
        let (rows, audited) = (all_rows(&app), audit_actions(&app));

        let refusals: [(&str, &str, &str); 19] = [
            ("code", "", "Please enter code"),
            ("code", "two words", "letters A–Z, digits"),
            ("code", "taken", "Another promotion already has the code TAKEN."),
            ("kind", "", "Choose a percentage or a fixed amount"),
            ("percent", "0", "above 0 and up to 100"),
            ("percent", "100.5", "above 0 and up to 100"),
            ("percent", "12.345", "above 0 and up to 100"),
            ("min_subtotal", "-5", "Please enter an amount"),
            ("valid_from", "tomorrow", "like 2026-12-24T18:00"),
            ("valid_until", "2019-12-31T23:59", "The end must come after the start."),
            ("valid_until", "2020-01-01T00:00", "The end must come after the start."),
            ("max_uses", "0", "from 1 to"),
            ("max_uses", "lots", "from 1 to"),
            ("per_customer_limit", "0", "from 1 to 1000"),
            ("per_customer_limit", "", "from 1 to 1000"),
            ("scope", "planet", "Choose what the code applies to."),
            ("scope", "category", "Choose a category from the list."),
            ("scope", "product", "Enter the product&#39;s address"),
            ("category", "", "Choose a category from the list."),
        ];
        for (field, value, message) in refusals {
            let mut form = promotion_form(&[(field, value)]);
            if field == "category" {
                form = promotion_form(&[("scope", "category"), ("category", "999999")]);
            }
            let shown_on = if field == "scope" && value != "planet" { if value == "category" { "category" } else { "product" } } else { field };
            app.post("/admin/promotions/new", &form).await.assert_status(422)
                .assert_contains(message).assert_contains(&format!("id=\"{shown_on}-error\""));
            if field != "code" || value != "taken" {
                app.post(&format!("/admin/promotions/{other}"), &form).await.assert_status(422).assert_contains(message);
            }
        }
        for (typed, message) in [("0", "must be more than $0.00"), ("5,00", "Please enter an amount")] {
            let form = promotion_form(&[("kind", "fixed_amount"), ("amount_off", typed)]);
            app.post("/admin/promotions/new", &form).await.assert_status(422).assert_contains(message)
                .assert_contains("id=\"amount_off-error\"");
        }
        // A product named by an unknown or deleted slug or id, and a duplicate in another case.
        for product in ["no-such-thing", "/p/no-such-thing", "999999"] {
            app.post("/admin/promotions/new", &promotion_form(&[("scope", "product"), ("product", product)])).await
                .assert_status(422).assert_contains("No product has the address");
        }
        app.post(&format!("/admin/promotions/{other}"), &promotion_form(&[("code", "taken")])).await
            .assert_status(422).assert_contains("Another promotion already has the code TAKEN.");
        // The limit may not go below the 4 uses so far; 4 itself is fine.
        let below = promotion_form(&[("code", "OTHER"), ("max_uses", "3")]);
        app.post(&format!("/admin/promotions/{other}"), &below).await.assert_status(422)
            .assert_contains("This code has been used 4 times; the limit cannot be lower.")
            .assert_contains("id=\"max_uses-error\"");
        assert_eq!(all_rows(&app), rows);
        assert_eq!(audit_actions(&app), audited);
        // The typed values come back to be corrected.
        app.post(&format!("/admin/promotions/{id}"), &promotion_form(&[("percent", "abc")])).await
            .assert_status(422).assert_contains("value=\"abc\"").assert_contains("<h1>Promotion <span class=\"code\">TAKEN</span></h1>");

        app.post(&format!("/admin/promotions/{other}"), &promotion_form(&[("code", "OTHER"), ("max_uses", "4")])).await
            .assert_status(303);
        for missing in ["/admin/promotions/999999", "/admin/promotions/999999/disable"] {
            app.post(missing, &promotion_form(&[])).await.assert_status(404);
        }
        app.get("/admin/promotions/999999").await.assert_status(404);
    }
}

on_both_backends! {
    async fn a_form_made_code_discounts_the_cart_and_its_paid_sales_are_listed(db: TestDb) {
        let shop = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shop.admin);
        let (_, _, slug) = kitchen(&app);
        let id = create_promotion(&app, &[("code", "kettle10"), ("scope", "product"), ("product", &slug),
            ("max_uses", "2"), ("per_customer_limit", "1")]).await;

        app.sign_in_as(shop.buyer.id);
        app.post("/cart/promotion", &[("code", "Kettle10")]).await.assert_redirect_to("/cart");
        // 10 % of 2 × $19.99 = $3.998, so $4.00 off.
        app.get("/cart").await.assert_contains("Code KETTLE10 applied.").assert_contains("−$4.00").assert_contains("$35.98");
        let (first, outcome) = check_out(&app.db, &shop.buyer);
        assert!(matches!(outcome, Outcome::Confirmed { .. }), "{outcome:?}");
        let (grand, discount) = totals(&app.db, &first);
        assert_eq!(discount, 400);

        // The customer limit: once each.
        add_to_cart(&mut app.conn(), shop.buyer.id, kitchen_variant(&app), 1);
        app.post("/cart/promotion", &[("code", "KETTLE10")]).await.assert_status(422)
            .assert_contains("You have already used this code the maximum number of times.");

        // A declined card uses the code and gives the use back: not a sale.
        let declined = buyer(&app.db, DECLINED);
        add_to_cart(&mut app.conn(), declined.id, kitchen_variant(&app), 1);
        shopwave::cart::apply_promotion(&mut app.conn(), &shopwave::cart::CartOwner::User(declined.id), "KETTLE10").unwrap();
        assert!(matches!(check_out(&app.db, &declined).1, Outcome::Declined { .. }));

        // The total limit: the second paying customer takes the last use; the third is refused.
        let second = buyer(&app.db, APPROVED);
        add_to_cart(&mut app.conn(), second.id, kitchen_variant(&app), 1);
        app.sign_in_as(second.id);
        app.post("/cart/promotion", &[("code", "kettle10")]).await.assert_redirect_to("/cart");
        let (next, _) = check_out(&app.db, &second);
        let (next_grand, next_discount) = totals(&app.db, &next);
        assert_eq!(uses_count(&mut app.conn(), "KETTLE10"), 2);
        let third = buyer(&app.db, APPROVED);
        add_to_cart(&mut app.conn(), third.id, kitchen_variant(&app), 1);
        app.sign_in_as(third.id);
        app.post("/cart/promotion", &[("code", "KETTLE10")]).await.assert_status(422)
            .assert_contains("This code has been used the maximum number of times.");

        app.sign_in_as(shop.admin);
        let revenue = Money::from_minor(grand + next_grand).to_string();
        let given = Money::from_minor(discount + next_discount).to_string();
        app.get("/admin/promotions").await
            .assert_contains("2 of 2").assert_contains("Used up")
            .assert_contains(&format!("<td class=\"num\">{revenue}</td>"))
            .assert_contains(&format!("<td class=\"num\">{given}</td>"));
        app.get(&format!("/admin/promotions/{id}")).await
            .assert_contains(&format!("2 paid orders, revenue {revenue}, discount given {given}"));
    }
}

fn kitchen_variant(app: &TestApp) -> i64 {
    use shopwave::db::schema::product_variants;
    product_variants::table
        .select(product_variants::id)
        .order(product_variants::id)
        .first(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn disabled_and_expired_codes_are_refused_in_the_cart(db: TestDb) {
        let shop = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shop.admin);
        let id = create_promotion(&app, &[("code", "LATER")]).await;
        create_promotion(&app, &[("code", "PAST"), ("valid_from", "2020-01-01T00:00"), ("valid_until", "2020-02-01T00:00")]).await;
        create_promotion(&app, &[("code", "FUTURE"), ("valid_from", "2098-01-01T00:00")]).await;

        app.sign_in_as(shop.buyer.id);
        app.post("/cart/promotion", &[("code", "past")]).await.assert_status(422)
            .assert_contains("This code expired on 1 February 2020 00:00 UTC.");
        app.post("/cart/promotion", &[("code", "future")]).await.assert_status(422)
            .assert_contains("This code can be used from 1 January 2098 00:00 UTC.");
        app.post("/cart/promotion", &[("code", "later")]).await.assert_redirect_to("/cart");

        // Disabled while in the cart: the cart says why and takes nothing off.
        app.sign_in_as(shop.admin);
        app.post(&format!("/admin/promotions/{id}/disable"), &[]).await.assert_status(303);
        app.sign_in_as(shop.buyer.id);
        let cart = app.get("/cart").await;
        cart.assert_contains("This code is no longer active.");
        assert!(!cart.body.contains("−$"), "no discount:\n{}", cart.body);
        app.post("/cart/promotion", &[("code", "LATER")]).await.assert_status(422)
            .assert_contains("This code is no longer active.");

        // Enabled again, then edited to a window that is over.
        app.sign_in_as(shop.admin);
        app.post(&format!("/admin/promotions/{id}/enable"), &[]).await.assert_status(303);
        app.sign_in_as(shop.buyer.id);
        app.post("/cart/promotion", &[("code", "LATER")]).await.assert_redirect_to("/cart");
        app.sign_in_as(shop.admin);
        let ended = promotion_form(&[("code", "LATER"), ("valid_until", "2021-01-01T00:00")]);
        app.post(&format!("/admin/promotions/{id}"), &ended).await.assert_status(303);
        app.get("/admin/promotions").await.assert_contains("Expired");
        app.sign_in_as(shop.buyer.id);
        app.post("/cart/promotion", &[("code", "LATER")]).await.assert_status(422)
            .assert_contains("This code expired on 1 January 2021 00:00 UTC.");
    }
}

on_both_backends! {
    async fn customers_and_sellers_get_403_and_visitors_sign_in(db: TestDb) {
        let shopper = UserBuilder::customer().insert(&mut db.conn());
        let seller = UserBuilder::customer().role("seller").insert(&mut db.conn());
        let admin = UserBuilder::customer().role("admin").insert(&mut db.conn());
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(admin);
        let id = create_promotion(&app, &[]).await;
        let rows = all_rows(&app);
        app.clear_cookies();
        for path in ["/admin/promotions", "/admin/promotions/new", &format!("/admin/promotions/{id}")] {
            let page = app.get(path).await;
            page.assert_status(303);
            assert!(page.location().unwrap().starts_with("/account/login?next="), "{:?}", page.location());
        }
        for user in [shopper, seller] {
            app.sign_in_as(user);
            for path in ["/admin/promotions", "/admin/promotions/new", &format!("/admin/promotions/{id}")] {
                app.get(path).await.assert_status(403);
            }
            let form = promotion_form(&[("code", "MINE"), ("percent", "100")]);
            app.post("/admin/promotions/new", &form).await.assert_status(403);
            app.post(&format!("/admin/promotions/{id}"), &form).await.assert_status(403);
            for action in ["disable", "enable"] {
                app.post(&format!("/admin/promotions/{id}/{action}"), &[]).await.assert_status(403);
            }
        }
        assert_eq!(all_rows(&app), rows);
    }
}
