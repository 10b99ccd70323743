//! The admin's products: search by name, address and seller in keyset pages; unpublish with a
//! reason (audited; the seller sees why and may publish again); feature on the home page, which
//! its cache shows at once. Customers and sellers get 403, unknown products 404.

use diesel::prelude::*;

use crate::admin_reviews::admin_app;
use crate::common::builders::{self, ProductBuilder, UserBuilder};
use crate::common::catalog_admin::{outbox_rows, shop, snapshot};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{audit_log, products, sellers};

/// (action, entity id, details) of every audit row, oldest first.
fn audit(app: &TestApp) -> Vec<(String, Option<i64>, String)> {
    audit_log::table
        .order(audit_log::id)
        .select((audit_log::action, audit_log::entity_id, audit_log::details))
        .load(&mut app.conn())
        .unwrap()
}

fn status(app: &TestApp, product: i64) -> String {
    products::table
        .find(product)
        .select(products::status)
        .first(&mut app.conn())
        .unwrap()
}

/// The home page's featured shelf.
fn featured(home: &str) -> String {
    let start = home.find("id=\"featured\"").expect("featured shelf");
    let end = home.find("id=\"toprated\"").expect("top rated shelf");
    home[start..end].to_owned()
}

on_both_backends! {
    async fn admins_find_products_by_name_address_and_seller_page_by_page(db: TestDb) {
        let (lamp_seller_slug, lamp) = {
            let mut conn = db.conn();
            let (one, two) = (builders::seller(&mut conn), builders::seller(&mut conn));
            let category = builders::category(&mut conn, "Home");
            let (lamp, _) = ProductBuilder::new("Brass Lamp").insert(&mut conn, one, category);
            ProductBuilder::new("Oak Table").status("draft").insert(&mut conn, two, category);
            ProductBuilder::new("50% Off Rug").insert(&mut conn, two, category);
            for n in 0..55 {
                ProductBuilder::new(&format!("Widget {n:02}")).insert(&mut conn, two, category);
            }
            let slug: String = sellers::table.find(one).select(sellers::slug).first(&mut conn).unwrap();
            (slug, lamp)
        };
        let (app, _) = admin_app(db).await;
        let page = app.get("/admin/products?q=BRASS").await;
        page.assert_status(200).assert_contains(&format!("/admin/products/{lamp}\">Brass Lamp"));
        assert!(!page.body.contains("Oak Table"));
        app.get("/admin/products?q=oak-table").await.assert_contains("Oak Table");
        let by_seller = app.get(&format!("/admin/products?seller={lamp_seller_slug}")).await;
        by_seller.assert_contains("Brass Lamp");
        assert!(!by_seller.body.contains("Widget"));
        let drafts = app.get("/admin/products?status=draft").await;
        drafts.assert_contains("Oak Table");
        assert!(!drafts.body.contains("Brass Lamp"));
        // LIKE's wildcards are plain characters here.
        let percent = app.get("/admin/products?q=50%25").await;
        percent.assert_contains("50% Off Rug");
        assert!(!percent.body.contains("Widget"));
        assert!(app.get("/admin/products?q=_").await.body.contains("No products match"));

        let first = app.get("/admin/products?q=widget").await;
        assert_eq!(first.body.matches(">Widget ").count(), 50);
        first.assert_contains("Widget 54");
        let next = first.body.split("href=\"").find(|s| s.starts_with("/admin/products?q=widget&#38;after=")).unwrap()
            .split('"').next().unwrap().replace("&#38;", "&");
        let second = app.get(&next).await;
        assert_eq!(second.body.matches(">Widget ").count(), 5);
        second.assert_contains("Widget 00");
        assert!(!second.body.contains("More products"));

        app.get("/admin/products?status=gone").await.assert_status(422).assert_contains("choose a status");
        app.get("/admin/products?after=x").await.assert_status(400);
    }
}

on_both_backends! {
    async fn an_unpublished_product_leaves_the_shop_and_its_seller_may_publish_it_again(db: TestDb) {
        let shop = shop(&db);
        let (app, _) = admin_app(db).await;
        let slug = builders::product_slug(&mut app.conn(), shop.product);
        app.get(&format!("/p/{slug}")).await.assert_status(200);
        let url = format!("/admin/products/{}", shop.product);
        app.get(&url).await.assert_status(200).assert_contains("Linen Shirt").assert_contains("may publish it again");

        let before = snapshot(&app, shop.product);
        for bad in ["", "   ", &"x".repeat(501)] {
            app.post(&format!("{url}/unpublish"), &[("reason", bad)]).await.assert_status(422).assert_contains("field-error");
        }
        // Control characters are refused at the edge, before any form is read.
        app.post(&format!("{url}/unpublish"), &[("reason", "bad\u{0}")]).await.assert_status(422);
        assert_eq!(snapshot(&app, shop.product), before);

        let outbox = outbox_rows(&app, shop.product);
        app.post(&format!("{url}/unpublish"), &[("reason", "Photos show a different shirt")]).await.assert_redirect_to(&url);
        assert_eq!(status(&app, shop.product), "draft");
        assert_eq!(audit(&app), [("product.unpublish".to_owned(), Some(shop.product), "Photos show a different shirt".to_owned())]);
        assert!(outbox_rows(&app, shop.product) > outbox);
        app.get(&format!("/p/{slug}")).await.assert_status(404);
        app.get(&url).await.assert_contains("nothing to unpublish");
        app.post(&format!("{url}/unpublish"), &[("reason", "Again")]).await.assert_status(409).assert_contains("this one is draft");
        assert_eq!(audit(&app).len(), 1);

        // The seller reads why, and may publish it again; the note then goes.
        app.sign_in_as(shop.seller_user);
        let edit = format!("/seller/products/{}", shop.product);
        app.get(&edit).await.assert_contains("The shop unpublished this product").assert_contains("Photos show a different shirt");
        app.post(&edit, &[("name", "Linen Shirt"), ("description", "Now with the right photos"), ("status", "active")]).await.assert_status(303);
        assert_eq!(status(&app, shop.product), "active");
        let page = app.get(&edit).await;
        assert!(!page.body.contains("The shop unpublished"), "the note is retired by the seller's change");
        app.get(&format!("/p/{slug}")).await.assert_status(200);
    }
}

on_both_backends! {
    async fn featuring_puts_a_product_on_the_home_page_at_once(db: TestDb) {
        let shop = shop(&db);
        let (draft, archived) = {
            let mut conn = db.conn();
            let (draft, _) = ProductBuilder::new("Draft Scarf").status("draft").insert(&mut conn, shop.seller, shop.category);
            let (archived, _) = ProductBuilder::new("Old Coat").insert(&mut conn, shop.seller, shop.category);
            diesel::update(products::table.find(archived))
                .set((products::status.eq("archived"), products::deleted_at.eq(shopwave::util::now())))
                .execute(&mut conn).unwrap();
            (draft, archived)
        };
        let (app, _) = admin_app(db).await;
        // The home page is cached now; the change must still show at once.
        assert!(!featured(&app.get("/").await.body).contains("Linen Shirt"));
        let url = format!("/admin/products/{}", shop.product);
        app.post(&format!("{url}/feature"), &[]).await.assert_redirect_to(&url);
        assert!(featured(&app.get("/").await.body).contains("Linen Shirt"));
        app.get("/admin/products?q=linen").await.assert_contains("featured");
        // Asking again changes nothing.
        app.post(&format!("{url}/feature"), &[]).await.assert_status(303);
        app.post(&format!("{url}/unfeature"), &[]).await.assert_status(303);
        assert!(!featured(&app.get("/").await.body).contains("Linen Shirt"));
        let actions: Vec<String> = audit(&app).into_iter().map(|(action, _, _)| action).collect();
        assert_eq!(actions, ["product.feature", "product.unfeature"]);

        // A draft may be featured ahead of time and shows once published; an archived one may not.
        app.post(&format!("/admin/products/{draft}/feature"), &[]).await.assert_status(303);
        assert!(!featured(&app.get("/").await.body).contains("Draft Scarf"));
        let before = snapshot(&app, archived);
        app.post(&format!("/admin/products/{archived}/feature"), &[]).await.assert_status(409).assert_contains("archived");
        assert_eq!(snapshot(&app, archived), before);
        app.get(&format!("/admin/products/{archived}")).await.assert_contains("cannot be featured");
        // Archiving a featured product takes it off the home page too.
        app.post(&format!("{url}/feature"), &[]).await.assert_status(303);
        app.sign_in_as(shop.seller_user);
        app.post(&format!("/seller/products/{}/archive", shop.product), &[]).await.assert_status(303);
        assert!(!featured(&app.get("/").await.body).contains("Linen Shirt"));
    }
}

on_both_backends! {
    async fn only_admins_may_see_or_change_products(db: TestDb) {
        let shop = shop(&db);
        let (app, _) = admin_app(db).await;
        let url = format!("/admin/products/{}", shop.product);
        app.get("/admin/products/999999").await.assert_status(404);
        app.post("/admin/products/999999/unpublish", &[("reason", "x")]).await.assert_status(404);
        app.post("/admin/products/999999/feature", &[]).await.assert_status(404);
        app.post("/admin/products/999999/unfeature", &[]).await.assert_status(404);
        let before = snapshot(&app, shop.product);
        let customer = UserBuilder::customer().insert(&mut app.conn());
        for user in [customer, shop.seller_user] {
            app.sign_in_as(user);
            app.get("/admin/products").await.assert_status(403);
            app.get(&url).await.assert_status(403);
            app.post(&format!("{url}/unpublish"), &[("reason", "Mine now")]).await.assert_status(403);
            app.post(&format!("{url}/feature"), &[]).await.assert_status(403);
            app.post(&format!("{url}/unfeature"), &[]).await.assert_status(403);
        }
        app.clear_cookies();
        app.get("/admin/products").await.assert_status(303);
        app.post(&format!("{url}/feature"), &[]).await.assert_status(303);
        assert_eq!(snapshot(&app, shop.product), before);
    }
}
