//! Shipping methods and tax rates edited by an admin: what the shopper's checkout then charges,
//! each edit page's example, refusals that change nothing, and access.

use crate::common::settings::*;
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb};
use crate::on_both_backends;

async fn review(app: &TestApp, shopper: &Shopper, shipping: &str) -> Page {
    let b = &shopper.buyer;
    app.post(
        "/checkout/review",
        &[
            ("address_id", &b.address.to_string()),
            ("shipping_method_id", shipping),
            ("payment", &format!("saved:{}", b.card)),
        ],
    )
    .await
}

/// Creates a shipping method through the form and returns its id.
async fn create_shipping(app: &TestApp, changes: &[(&str, &str)]) -> String {
    create_through(app, "/admin/shipping/new", &shipping_form(changes)).await
}

on_both_backends! {
    async fn a_created_and_edited_method_is_what_checkout_charges(db: TestDb) {
        let shopper = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shopper.admin);
        let id = create_shipping(&app, &[("code", "Courier")]).await;
        assert_eq!(shipping_rows(&app), vec![("courier".to_owned(), 750, true)]);
        // The edit page prices a $25 and a $100 cart: $7.50, then free from the threshold.
        app.get(&format!("/admin/shipping/{id}")).await.assert_status(200)
            .assert_contains("Shipping method created.")
            .assert_contains("<td class=\"num\">$25.00</td><td class=\"num\">$7.50</td>")
            .assert_contains("<td class=\"num\">$100.00</td><td class=\"num\">$0.00</td>");
        app.get("/admin/shipping").await.assert_contains("courier").assert_contains("$7.50");

        app.sign_in_as(shopper.buyer.id);
        review(&app, &shopper, &id).await.assert_status(200).assert_contains("$7.50");

        app.sign_in_as(shopper.admin);
        let edit = shipping_form(&[("price", "8.25"), ("free_over", "")]);
        app.post(&format!("/admin/shipping/{id}"), &edit).await.assert_redirect_to(&format!("/admin/shipping/{id}"));
        app.get(&format!("/admin/shipping/{id}")).await
            .assert_contains("<td class=\"num\">$100.00</td><td class=\"num\">$8.25</td>");
        assert_eq!(audit_actions(&app), vec!["shipping.create", "shipping.update"]);

        app.sign_in_as(shopper.buyer.id);
        review(&app, &shopper, &id).await.assert_status(200).assert_contains("$8.25");
    }
}

on_both_backends! {
    async fn a_deactivated_method_is_no_longer_offered(db: TestDb) {
        let shopper = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shopper.admin);
        let id = create_shipping(&app, &[("name", "Pigeon post")]).await;
        app.sign_in_as(shopper.buyer.id);
        app.get("/checkout").await.assert_status(200).assert_contains("Pigeon post");

        app.sign_in_as(shopper.admin);
        let off = shipping_form(&[("name", "Pigeon post"), ("is_active", "")]);
        app.post(&format!("/admin/shipping/{id}"), &off).await.assert_status(303);
        assert_eq!(shipping_rows(&app), vec![("courier".to_owned(), 750, false)]);

        app.sign_in_as(shopper.buyer.id);
        let checkout = app.get("/checkout").await;
        assert!(!checkout.body.contains("Pigeon post"), "still offered:\n{}", checkout.body);
        review(&app, &shopper, &id).await.assert_status(422);
    }
}

on_both_backends! {
    async fn a_tax_rate_change_reaches_a_new_checkout(db: TestDb) {
        let shopper = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shopper.admin);
        let shipping = create_shipping(&app, &[]).await;
        let page = app.post("/admin/taxes/new", &tax_form(&[("country", "us")])).await;
        page.assert_status(303);
        let id = created_id(page.location());
        assert_eq!(tax_rows(&app), vec![("US".to_owned(), "CA".to_owned(), 825)]);
        app.get(&format!("/admin/taxes/{id}")).await.assert_status(200)
            .assert_contains("a cart of $100.00 pays <strong>$8.25</strong> tax");
        app.get("/admin/taxes").await.assert_contains("8.25 %");

        app.sign_in_as(shopper.buyer.id);
        // 8.25 % of $39.98 is $3.298…, so $3.30.
        review(&app, &shopper, &shipping).await.assert_contains("Tax (8.25 %)").assert_contains("$3.30");

        app.sign_in_as(shopper.admin);
        app.post(&format!("/admin/taxes/{id}"), &tax_form(&[("rate", "9.5")])).await.assert_status(303);
        app.get(&format!("/admin/taxes/{id}")).await.assert_contains("pays <strong>$9.50</strong>");
        assert_eq!(audit_actions(&app), vec!["shipping.create", "tax_rate.create", "tax_rate.update"]);

        app.sign_in_as(shopper.buyer.id);
        // 9.5 % of $39.98 is $3.798…, so $3.80.
        review(&app, &shopper, &shipping).await.assert_contains("Tax (9.50 %)").assert_contains("$3.80");
    }
}

on_both_backends! {
    async fn bad_input_is_refused_on_its_field_and_changes_nothing(db: TestDb) {
        let shopper = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shopper.admin);
        let id = create_shipping(&app, &[]).await;
        let other = create_shipping(&app, &[("code", "other")]).await;
        let tax = app.post("/admin/taxes/new", &tax_form(&[])).await;
        let tax = created_id(tax.location());
        let (ships, taxes, audited) = (shipping_rows(&app), tax_rows(&app), audit_actions(&app));

        let bad_shipping: [(&str, &str, &str); 7] = [
            ("price", "-1.00", "Please enter an amount"),
            ("price", "12,99", "Please enter an amount"),
            ("free_over", "abc", "Please enter an amount"),
            ("max_days", "1", "cannot be shorter"),
            ("min_days", "", "whole number"),
            ("code", "two words", "letters, digits"),
            ("code", "OTHER", "Another shipping method has that code."),
        ];
        for (field, value, message) in bad_shipping {
            let form = shipping_form(&[(field, value)]);
            app.post("/admin/shipping/new", &form).await.assert_status(422).assert_contains(message)
                .assert_contains(&format!("id=\"{field}-error\""));
            app.post(&format!("/admin/shipping/{id}"), &form).await.assert_status(422).assert_contains(message);
        }
        app.post(&format!("/admin/shipping/{other}"), &shipping_form(&[])).await
            .assert_status(422).assert_contains("Another shipping method has that code.");

        let bad_tax: [(&str, &str, &str); 5] = [
            ("country", "ZZ", "choose a country"),
            ("country", "", "choose a country"),
            ("rate", "100.01", "from 0 to 100"),
            ("rate", "abc", "from 0 to 100"),
            ("name", "", "Please enter name"),
        ];
        for (field, value, message) in bad_tax {
            let form = tax_form(&[(field, value)]);
            app.post("/admin/taxes/new", &form).await.assert_status(422).assert_contains(message);
            app.post(&format!("/admin/taxes/{tax}"), &form).await.assert_status(422).assert_contains(message);
        }
        app.post("/admin/taxes/new", &tax_form(&[("name", "Again")])).await
            .assert_status(422).assert_contains("already have a tax rate").assert_contains("id=\"region-error\"");

        assert_eq!((shipping_rows(&app), tax_rows(&app), audit_actions(&app)), (ships, taxes, audited));
        app.get("/admin/shipping/999999").await.assert_status(404);
        app.post("/admin/taxes/999999", &tax_form(&[("region", "NY")])).await.assert_status(404);
    }
}

on_both_backends! {
    async fn only_admins_reach_the_settings(db: TestDb) {
        let shopper = shop_with_shopper(&db);
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(shopper.admin);
        let id = create_shipping(&app, &[]).await;
        let tax = created_id(app.post("/admin/taxes/new", &tax_form(&[])).await.location());
        let (ships, taxes) = (shipping_rows(&app), tax_rows(&app));
        let pages = [
            "/admin/shipping".to_owned(),
            "/admin/shipping/new".to_owned(),
            format!("/admin/shipping/{id}"),
            "/admin/taxes".to_owned(),
            "/admin/taxes/new".to_owned(),
            format!("/admin/taxes/{tax}"),
        ];
        app.sign_in_as(shopper.buyer.id);
        for path in &pages {
            app.get(path).await.assert_status(403);
        }
        for path in &pages[1..3] {
            app.post(path, &shipping_form(&[("price", "0")])).await.assert_status(403);
        }
        for path in &pages[4..] {
            app.post(path, &tax_form(&[("region", "NY")])).await.assert_status(403);
        }
        assert_eq!((shipping_rows(&app), tax_rows(&app)), (ships, taxes));

        app.clear_cookies();
        app.get("/admin/shipping").await.assert_redirect_to("/account/login?next=%2Fadmin%2Fshipping");
    }
}
