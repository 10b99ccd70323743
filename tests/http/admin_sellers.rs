//! The admin's seller pages: the list (applications first, by status, keyset pages), approving
//! at a commission rate, rejecting, changing the rate, and suspending, which takes the seller's
//! products off the shop at once until reactivation puts back exactly those.

use crate::admin_reviews::admin_app;
use crate::common::builders::UserBuilder;
use crate::common::sellers::{
    application, audit_rows, commission_bps, contact_of, mail_subjects, product_state, role_of,
    seller_in, seller_status, session_count, shop,
};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;

on_both_backends! {
    async fn the_list_puts_applications_first_and_filters_by_status(db: TestDb) {
        let mut conn = db.conn();
        let active: Vec<i64> = (0..50).map(|_| seller_in(&mut conn, "active", "seller").0).collect();
        let (suspended, _) = seller_in(&mut conn, "suspended", "seller");
        let (pending, _) = application(&mut conn);
        drop(conn);
        let (app, _) = admin_app(db).await;
        let first = app.get("/admin/sellers").await;
        first.assert_status(200).assert_contains("<h1>Sellers</h1>");
        let at = |page: &str, id: i64| page.find(&format!("/admin/sellers/{id}\"")).unwrap_or(usize::MAX);
        assert!(at(&first.body, pending) < at(&first.body, active[0]), "pending first");
        assert_eq!(at(&first.body, suspended), usize::MAX, "51 rows: the suspended one is on page 2");
        let next = format!("/admin/sellers?after=active-{}", active[48]);
        first.assert_contains(&next.replace('&', "&amp;"));
        let second = app.get(&next).await;
        second.assert_status(200);
        assert!(at(&second.body, active[49]) < at(&second.body, suspended));
        assert_eq!(at(&second.body, pending), usize::MAX);
        assert!(!second.body.contains("Next page"));

        let only = app.get("/admin/sellers?status=suspended").await;
        only.assert_status(200);
        assert!(at(&only.body, suspended) < usize::MAX);
        assert_eq!(at(&only.body, pending), usize::MAX);
        app.get("/admin/sellers?status=closed").await.assert_status(400);
        app.get("/admin/sellers?after=nonsense").await.assert_status(400);
    }
}

on_both_backends! {
    async fn approving_sets_the_rate_and_the_role_and_tells_the_applicant(db: TestDb) {
        let (seller, user) = application(&mut db.conn());
        let (app, admin) = admin_app(db).await;
        let page = format!("/admin/sellers/{seller}");
        app.get(&page).await.assert_status(200).assert_contains("an application waiting")
            .assert_contains("Approve and open the shop");
        // The applicant is signed in on two devices.
        app.sign_in_as(user);
        app.sign_in_as(user);
        assert_eq!(session_count(&app, user), 2);
        app.sign_in_as(admin);

        // A bad rate: 422 beside the field, what was typed kept, nothing changed.
        for bad in ["", "101", "12.345", "ten"] {
            app.post(&format!("{page}/approve"), &[("commission", bad)]).await
                .assert_status(422).assert_contains("percentage from 0 to 100");
        }
        app.post(&format!("{page}/approve"), &[("commission", "ten")]).await.assert_contains("value=\"ten\"");
        assert_eq!(seller_status(&app, seller).as_deref(), Some("pending"));

        app.post(&format!("{page}/approve"), &[("commission", "12.5")]).await.assert_redirect_to(&page);
        assert_eq!(seller_status(&app, seller).as_deref(), Some("active"));
        assert_eq!(commission_bps(&app, seller), 1250);
        assert_eq!(role_of(&app, user), "seller");
        assert_eq!(session_count(&app, user), 0, "the old role's sessions ended");
        assert_eq!(mail_subjects(&app, &contact_of(&app, seller)).len(), 1);
        assert_eq!(app.db.mailed_link(&contact_of(&app, seller)), "/seller", "the mail links to the seller panel");
        let (action, details) = audit_rows(&app).pop().unwrap();
        assert_eq!(action, "seller.approve");
        assert!(details.contains("12.50 %") && details.contains("customer → seller"), "{details}");

        // Twice: 409, nothing changed.
        app.post(&format!("{page}/approve"), &[("commission", "30")]).await
            .assert_status(409).assert_contains("cannot be approved");
        assert_eq!(commission_bps(&app, seller), 1250);
        app.post(&format!("{page}/reject"), &[]).await.assert_status(409);

        // The rate changes later, audited; the same rate again writes nothing.
        app.post(&format!("{page}/commission"), &[("commission", "20")]).await.assert_redirect_to(&page);
        assert_eq!(commission_bps(&app, seller), 2000);
        app.post(&format!("{page}/commission"), &[("commission", "20.00 %")]).await.assert_redirect_to(&page);
        app.post(&format!("{page}/commission"), &[("commission", "-5")]).await.assert_status(422);
        let actions: Vec<String> = audit_rows(&app).into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions, ["seller.approve", "seller.commission"]);
        app.get("/admin/sellers/999999").await.assert_status(404);
        app.post("/admin/sellers/999999/approve", &[("commission", "10")]).await.assert_status(404);
    }
}

on_both_backends! {
    async fn rejecting_removes_the_application_and_lets_the_shopper_apply_again(db: TestDb) {
        let mut conn = db.conn();
        let (seller, user) = application(&mut conn);
        let (active, _) = seller_in(&mut conn, "active", "seller");
        drop(conn);
        let (app, _) = admin_app(db).await;
        let contact = contact_of(&app, seller);
        app.post(&format!("/admin/sellers/{seller}/reject"), &[]).await.assert_redirect_to("/admin/sellers");
        assert_eq!(seller_status(&app, seller), None);
        assert_eq!(mail_subjects(&app, &contact).len(), 1);
        assert_eq!(app.db.mailed_link(&contact), "/seller/apply", "the mail links to the application form");
        let (action, details) = audit_rows(&app).pop().unwrap();
        assert_eq!(action, "seller.reject");
        assert!(details.contains(&contact), "{details}");
        app.post(&format!("/admin/sellers/{active}/reject"), &[]).await.assert_status(409);
        app.post(&format!("/admin/sellers/{seller}/reject"), &[]).await.assert_status(404);

        app.sign_in_as(user);
        app.get("/seller/apply").await.assert_contains("Apply to sell");
        app.post("/seller/apply", &[("shop_name", "Second Try"), ("contact_email", &contact)]).await
            .assert_redirect_to("/seller/apply");
    }
}

on_both_backends! {
    async fn suspension_takes_the_products_off_the_shop_until_reactivation(db: TestDb) {
        let shop = shop(&db);
        let (app, admin) = admin_app(db).await;
        app.drain_search();
        let category = format!("/c/{}", shop.category_slug);
        let product = |slug: &str| format!("/p/{slug}");
        // Read once so the catalog cache holds the pages.
        for (_, slug) in &shop.for_sale {
            app.get(&product(slug)).await.assert_status(200);
        }
        app.get(&category).await.assert_contains("Wombat Teapot").assert_contains("Wombat Mug");
        // Search marks the words found, so results are told apart by their addresses.
        let (teapot, mug) = (product(&shop.for_sale[0].1), product(&shop.for_sale[1].1));
        app.get("/search?q=wombat").await.assert_contains(&teapot).assert_contains(&mug);
        app.get(&product(&shop.draft.1)).await.assert_status(404);

        let page = format!("/admin/sellers/{}", shop.seller_id);
        app.post(&format!("{page}/suspend"), &[]).await.assert_redirect_to(&page);
        app.get(&page).await.assert_contains("2 product(s) taken off the shop");
        // At once, before any indexer pass: the pages and the listing.
        for (id, slug) in &shop.for_sale {
            app.get(&product(slug)).await.assert_status(404);
            assert_eq!(product_state(&app, *id), ("draft".into(), true));
        }
        assert_eq!(product_state(&app, shop.draft.0), ("draft".into(), false));
        let listing = app.get(&category).await;
        assert!(!listing.body.contains("Wombat Teapot") && !listing.body.contains("Wombat Mug"), "{}", listing.body);
        app.drain_search();
        let found = app.get("/search?q=wombat").await;
        assert!(!found.body.contains(&teapot) && !found.body.contains(&mug), "{}", found.body);
        app.post(&format!("{page}/suspend"), &[]).await.assert_status(409).assert_contains("cannot be suspended");

        // The seller may shop, but the panel says why it is closed.
        app.sign_in_as(shop.user_id);
        app.get("/seller").await.assert_status(403).assert_contains("Your shop is suspended");
        app.get("/seller/products").await.assert_status(403);
        app.post(&format!("/seller/products/{}", shop.draft.0), &[("name", "Wombat Vase"), ("description", ""), ("status", "active")]).await
            .assert_status(403);
        app.get("/").await.assert_status(200);

        app.sign_in_as(admin);
        app.post(&format!("{page}/reactivate"), &[]).await.assert_redirect_to(&page);
        for (id, slug) in &shop.for_sale {
            app.get(&product(slug)).await.assert_status(200);
            assert_eq!(product_state(&app, *id), ("active".into(), false));
        }
        assert_eq!(product_state(&app, shop.draft.0), ("draft".into(), false), "a draft stays a draft");
        app.get(&product(&shop.draft.1)).await.assert_status(404);
        app.drain_search();
        app.get(&category).await.assert_contains("Wombat Teapot").assert_contains("Wombat Mug");
        let found = app.get("/search?q=wombat").await;
        found.assert_contains(&teapot).assert_contains(&mug);
        assert!(!found.body.contains(&product(&shop.draft.1)));
        app.post(&format!("{page}/reactivate"), &[]).await.assert_status(409);
        let actions: Vec<String> = audit_rows(&app).into_iter().map(|(a, _)| a).collect();
        assert_eq!(actions, ["seller.suspend", "seller.reactivate"]);

        app.sign_in_as(shop.user_id);
        app.get("/seller").await.assert_status(200);
    }
}

on_both_backends! {
    async fn only_administrators_reach_the_seller_pages(db: TestDb) {
        let mut conn = db.conn();
        let (pending, applicant) = application(&mut conn);
        let (active, seller_user) = seller_in(&mut conn, "active", "seller");
        let customer = UserBuilder::customer().insert(&mut conn);
        drop(conn);
        let app = TestApp::with(db, true, |_| {}).await;
        app.get("/admin/sellers").await.assert_redirect_to("/account/login?next=%2Fadmin%2Fsellers");
        app.post(&format!("/admin/sellers/{pending}/approve"), &[("commission", "10")]).await.assert_status(303);
        for user in [customer, seller_user, applicant] {
            app.sign_in_as(user);
            app.get("/admin/sellers").await.assert_status(403);
            app.get(&format!("/admin/sellers/{active}")).await.assert_status(403);
            app.post(&format!("/admin/sellers/{pending}/approve"), &[("commission", "10")]).await.assert_status(403);
            app.post(&format!("/admin/sellers/{pending}/reject"), &[]).await.assert_status(403);
            app.post(&format!("/admin/sellers/{active}/commission"), &[("commission", "0")]).await.assert_status(403);
            app.post(&format!("/admin/sellers/{active}/suspend"), &[]).await.assert_status(403);
            app.post(&format!("/admin/sellers/{active}/reactivate"), &[]).await.assert_status(403);
        }
        assert_eq!(seller_status(&app, pending).as_deref(), Some("pending"));
        assert_eq!(seller_status(&app, active).as_deref(), Some("active"));
        assert_eq!(role_of(&app, applicant), "customer");
        assert!(audit_rows(&app).is_empty());
    }
}
