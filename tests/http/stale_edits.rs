//! Two people with the same edit form open (src/edits.rs): the second save of the version both
//! opened is refused with 409, shows what the first saved beside what the second typed, and
//! changes nothing; saving again from that page replaces the first save deliberately. What the
//! shop changes on its own (stock) never makes an open form stale, and of two saves of one
//! version racing, exactly one lands.

use diesel::prelude::*;
use futures_util::future::join_all;

use crate::common::builders::{self, Line, UserBuilder, category};
use crate::common::catalog_admin::{shop, snapshot};
use crate::common::edit_forms::{at_version, open, version_in};
use crate::common::promotions::{create_promotion, promotion_form};
use crate::common::settings::{create_through, shipping_form, tax_form};
#[allow(unused_imports)]
use crate::common::{Page, TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{
    audit_log, categories, orders, product_variants, products, promotions, shipping_methods,
    tax_rates,
};

const CHANGED: &str = "This was changed by someone else since you opened it";

fn product_name(app: &TestApp, product: i64) -> String {
    products::table
        .find(product)
        .select(products::name)
        .first(&mut app.conn())
        .unwrap()
}

/// The row beside the field's label in the "What differs" table: saved now, then yours.
#[track_caller]
fn assert_differs(page: &Page, label: &str, saved: &str, yours: &str) {
    page.assert_contains(&format!(
        "<th scope=\"row\">{label}</th><td>{saved}</td><td>{yours}</td>"
    ));
}

on_both_backends! {
    async fn details_saved_from_a_stale_form_are_refused_shown_beside_and_then_saved_on_purpose(db: TestDb) {
        let shop = shop(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let page = format!("/seller/products/{}", shop.product);
        let opened = open(&app, &page, &page).await;

        // Another tab saves first.
        app.post(&page, &[("name", "Linen Shirt, Blue"), ("description", "Soft."), ("status", "active")]).await
            .assert_redirect_to(&page);
        let before = snapshot(&app, shop.product);

        let mine = [("name", "Linen Shirt, White"), ("description", "Soft."), ("status", "draft")];
        let refused = app.post(&page, &at_version(&mine, &opened)).await;
        refused.assert_status(409).assert_contains(CHANGED);
        assert_differs(&refused, "Name", "Linen Shirt, Blue", "Linen Shirt, White");
        assert_differs(&refused, "Status", "Active (for sale)", "Draft (hidden)");
        assert!(!refused.body.contains("<th scope=\"row\">Description</th>"), "an equal field is not shown");
        // The form holds what was typed, ready to save over the other save.
        refused.assert_contains("value=\"Linen Shirt, White\"");
        assert_eq!(snapshot(&app, shop.product), before, "a stale save changes nothing");

        let current = version_in(&refused.body, &page).unwrap();
        assert_ne!(current, opened);
        app.post(&page, &at_version(&mine, &current)).await.assert_redirect_to(&page);
        assert_eq!(product_name(&app, shop.product), "Linen Shirt, White");
    }
}

on_both_backends! {
    async fn a_variant_and_the_category_refuse_stale_saves_and_stock_changes_do_not_make_them_stale(db: TestDb) {
        let shop = shop(&db);
        let other_category = category(&mut db.conn(), "Linen");
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let page = format!("/seller/products/{}", shop.product);
        let variant = format!("{page}/variants/{}", shop.variant);
        let opened = open(&app, &page, &variant).await;

        // A restock and a sale move stock and the stock flag, not what the forms hold.
        app.post(&format!("{variant}/stock"), &[("change", "5"), ("reason", "restock"), ("note", "")]).await
            .assert_status(303);
        let edit = [("name", "Large"), ("option1", "Size: L"), ("option2", ""), ("option3", ""), ("price", "21")];
        app.post(&variant, &at_version(&edit, &opened)).await.assert_redirect_to(&page);

        // The price form of the same variant, opened before that save, is now stale.
        let refused = app.post(&format!("{variant}/price"), &at_version(&[("price", "25")], &opened)).await;
        refused.assert_status(409).assert_contains(CHANGED);
        assert_differs(&refused, "Price", "21.00", "25.00");
        let price: i64 = product_variants::table.find(shop.variant).select(product_variants::price)
            .first(&mut app.conn()).unwrap();
        assert_eq!(price, 2100);

        let category_action = format!("{page}/category");
        let opened = open(&app, &page, &category_action).await;
        app.post(&page, &[("name", "Linen Shirt"), ("description", ""), ("status", "active")]).await.assert_status(303);
        let other = other_category.to_string();
        let refused = app.post(&category_action, &at_version(&[("category_id", &other)], &opened)).await;
        refused.assert_status(409);
        assert_differs(&refused, "Category", "Shirts", "Linen");
        let filed: i64 = products::table.find(shop.product).select(products::primary_category_id)
            .first(&mut app.conn()).unwrap();
        assert_eq!(filed, shop.category);
    }
}

on_both_backends! {
    async fn of_two_saves_of_one_version_at_once_exactly_one_lands(db: TestDb) {
        let shop = shop(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let page = format!("/seller/products/{}", shop.product);
        let opened = open(&app, &page, &page).await;
        let names: Vec<String> = (0..6).map(|i| format!("Linen Shirt no. {i}")).collect();
        let (app, page, opened) = (&app, &page, &opened);
        let answers = join_all(names.iter().map(|name| async move {
            let fields = [("name", name.as_str()), ("description", ""), ("status", "active")];
            app.post(page, &at_version(&fields, opened)).await
        }))
        .await;
        let statuses: Vec<u16> = answers.iter().map(|a| a.status.as_u16()).collect();
        assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 5, "{statuses:?}");
        let winner = answers.iter().position(|a| a.status.as_u16() == 303).unwrap();
        assert_eq!(product_name(app, shop.product), names[winner]);
        let version: i32 = products::table.find(shop.product).select(products::version)
            .first(&mut app.conn()).unwrap();
        assert_eq!(version.to_string(), (opened.parse::<i32>().unwrap() + 1).to_string());
    }
}

on_both_backends! {
    async fn two_admins_on_one_category_promotion_shipping_method_or_tax_rate(db: TestDb) {
        let (ann, bob) = {
            let conn = &mut db.conn();
            let ann = UserBuilder::customer().role("admin").insert(conn);
            let bob = UserBuilder::customer().role("admin").insert(conn);
            (ann, bob)
        };
        let lamps = category(&mut db.conn(), "Lamps");
        let app = TestApp::with(db, true, |_| {}).await;
        app.sign_in_as(ann);
        let promotion = create_promotion(&app, &[]).await;
        let shipping = create_through(&app, "/admin/shipping/new", &shipping_form(&[])).await;
        let tax = create_through(&app, "/admin/taxes/new", &tax_form(&[])).await;

        let category_page = format!("/admin/categories/{lamps}");
        let rename = format!("{category_page}/rename");
        let promotion_page = format!("/admin/promotions/{promotion}");
        let shipping_page = format!("/admin/shipping/{shipping}");
        let tax_page = format!("/admin/taxes/{tax}");
        let ann_opened = [
            open(&app, &category_page, &rename).await,
            open(&app, &promotion_page, &promotion_page).await,
            open(&app, &shipping_page, &shipping_page).await,
            open(&app, &tax_page, &tax_page).await,
        ];

        app.sign_in_as(bob);
        app.post(&rename, &[("name", "Lighting")]).await.assert_status(303);
        app.post(&promotion_page, &promotion_form(&[("percent", "15")])).await.assert_status(303);
        app.post(&shipping_page, &shipping_form(&[("price", "9.00")])).await.assert_status(303);
        app.post(&tax_page, &tax_form(&[("rate", "9.5")])).await.assert_status(303);

        app.sign_in_as(ann);
        let refused = app.post(&rename, &at_version(&[("name", "Lamps & Lights")], &ann_opened[0])).await;
        refused.assert_status(409).assert_contains(CHANGED);
        assert_differs(&refused, "Name", "Lighting", "Lamps &#38; Lights");
        let refused = app.post(&promotion_page, &at_version(&promotion_form(&[("percent", "20")]), &ann_opened[1])).await;
        refused.assert_status(409).assert_contains(CHANGED);
        assert_differs(&refused, "Percent off", "15.00", "20");
        let refused = app.post(&shipping_page, &at_version(&shipping_form(&[("price", "6.00")]), &ann_opened[2])).await;
        refused.assert_status(409).assert_contains(CHANGED);
        assert_differs(&refused, "Price", "9.00", "6.00");
        let refused = app.post(&tax_page, &at_version(&tax_form(&[("rate", "7")]), &ann_opened[3])).await;
        refused.assert_status(409).assert_contains(CHANGED);
        assert_differs(&refused, "Rate (%)", "9.50", "7");

        // Bob's saves stand.
        let conn = &mut app.conn();
        let name: String = categories::table.find(lamps).select(categories::name).first(conn).unwrap();
        let bps: Option<i32> = promotions::table.find(promotion.parse::<i64>().unwrap())
            .select(promotions::percent_bps).first(conn).unwrap();
        let price: i64 = shipping_methods::table.find(shipping.parse::<i64>().unwrap())
            .select(shipping_methods::price).first(conn).unwrap();
        let rate: i32 = tax_rates::table.find(tax.parse::<i64>().unwrap())
            .select(tax_rates::rate_bps).first(conn).unwrap();
        assert_eq!((name.as_str(), bps, price, rate), ("Lighting", Some(1500), 900, 950));
    }
}

on_both_backends! {
    async fn two_admins_writing_the_staff_note_of_one_order(db: TestDb) {
        let shop = shop(&db);
        let (ann, bob, shopper, number) = {
            let conn = &mut db.conn();
            let ann = UserBuilder::customer().role("admin").insert(conn);
            let bob = UserBuilder::customer().role("admin").insert(conn);
            let shopper = UserBuilder::customer().insert(conn);
            let line = Line {
                product_id: shop.product, variant_id: shop.variant, seller_id: shop.seller,
                unit_price: 1_000, quantity: 1, tax: 0,
            };
            let id = builders::order(conn, shopper, "confirmed", shopwave::util::now(), &[line]);
            let number: String = orders::table.find(id).select(orders::number).first(conn).unwrap();
            (ann, bob, shopper, number)
        };
        let app = TestApp::with(db, true, |_| {}).await;
        let (page, save) = (format!("/admin/orders/{number}"), format!("/admin/orders/{number}/note"));
        let note_of = |app: &TestApp| -> String {
            orders::table.filter(orders::number.eq(&number)).select(orders::staff_note)
                .first(&mut app.conn()).unwrap()
        };

        app.sign_in_as(ann);
        let ann_opened = open(&app, &page, &save).await;
        app.sign_in_as(bob);
        app.post(&save, &[("note", "Customer called: leave it with the neighbour.")]).await
            .assert_redirect_to(&page);
        app.get(&page).await.assert_contains("Customer called: leave it with the neighbour.");

        app.sign_in_as(ann);
        let refused = app.post(&save, &at_version(&[("note", "Parcel re-sent on Monday.")], &ann_opened)).await;
        refused.assert_status(409).assert_contains(CHANGED);
        assert_differs(&refused, "Note", "Customer called: leave it with the neighbour.", "Parcel re-sent on Monday.");
        assert_eq!(note_of(&app), "Customer called: leave it with the neighbour.");

        // Saving from the refused page is a choice made with Bob's note in view; it lands.
        let now_at = version_in(&refused.body, &save).expect("the note form");
        let both = "Customer called: leave it with the neighbour.\nParcel re-sent on Monday.";
        app.post(&save, &at_version(&[("note", both)], &now_at)).await.assert_redirect_to(&page);
        assert_eq!(note_of(&app), both);

        // Too long: refused where it was typed, nothing saved.
        let long = "x".repeat(shopwave::admin::orders::NOTE_MAX + 1);
        app.post(&save, &[("note", &long)]).await.assert_status(422);
        assert_eq!(note_of(&app), both);

        let audited: i64 = audit_log::table.filter(audit_log::action.eq("order.note"))
            .count().get_result(&mut app.conn()).unwrap();
        assert_eq!(audited, 2, "one audit row per saved note");
        // The note is the shop's own: the shopper's order page does not show it.
        app.sign_in_as(shopper);
        let theirs = app.get(&format!("/orders/{number}")).await;
        theirs.assert_status(200);
        assert!(!theirs.body.contains("Parcel re-sent"), "the shopper sees the staff note");
    }
}

on_both_backends! {
    async fn a_form_without_its_version_is_refused_and_changes_nothing(db: TestDb) {
        let shop = shop(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let page = format!("/seller/products/{}", shop.product);
        let before = snapshot(&app, shop.product);
        for version in ["", "0", "x", "-3"] {
            let fields = [("name", "Renamed"), ("description", ""), ("status", "active")];
            app.post(&page, &at_version(&fields, version)).await
                .assert_status(400).assert_contains("missing its version");
        }
        assert_eq!(snapshot(&app, shop.product), before);
    }
}
