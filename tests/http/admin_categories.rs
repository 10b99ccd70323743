//! The category tree through the admin forms: create, rename, move a subtree, delete; the
//! category pages and search follow each change.

use diesel::prelude::*;

use crate::admin_reviews::admin_app;
use crate::common::builders::{self, ProductBuilder, UserBuilder};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{audit_log, categories, search_outbox};

/// (parent_id, slug, path, depth) as stored.
fn stored(app: &TestApp, id: i64) -> (Option<i64>, String, String, i32) {
    categories::table
        .find(id)
        .select((
            categories::parent_id,
            categories::slug,
            categories::path,
            categories::depth,
        ))
        .first(&mut app.conn())
        .unwrap()
}

fn id_of(app: &TestApp, slug: &str) -> i64 {
    categories::table
        .filter(categories::slug.eq(slug))
        .select(categories::id)
        .first(&mut app.conn())
        .unwrap()
}

fn actions(app: &TestApp) -> Vec<String> {
    audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.conn())
        .unwrap()
}

on_both_backends! {
    async fn create_rename_and_refuse_a_taken_slug(db: TestDb) {
        let (app, _) = admin_app(db).await;
        app.post("/admin/categories", &[("name", "Garden Tools"), ("parent", "")]).await.assert_status(303);
        let garden = id_of(&app, "garden-tools");
        assert_eq!(stored(&app, garden), (None, "garden-tools".into(), format!("/{garden}/"), 0));
        app.post("/admin/categories", &[("name", "Hand Saws"), ("parent", &garden.to_string())]).await
            .assert_redirect_to(&format!("/admin/categories/{}", garden + 1));
        let saws = id_of(&app, "hand-saws");
        assert_eq!(stored(&app, saws), (Some(garden), "hand-saws".into(), format!("/{garden}/{saws}/"), 1));
        app.get("/admin/categories").await.assert_status(200)
            .assert_contains("Garden Tools").assert_contains("/c/hand-saws");
        app.get("/c/hand-saws").await.assert_status(200);

        // Same slug from another spelling: refused on the name field, nothing added.
        app.post("/admin/categories", &[("name", "garden  tools!"), ("parent", "")]).await
            .assert_status(422).assert_contains("already has the address /c/garden-tools");
        app.post("/admin/categories", &[("name", "!!!"), ("parent", "")]).await.assert_status(422);
        app.post("/admin/categories", &[("name", "Pots"), ("parent", "999999")]).await.assert_status(422);
        let count: i64 = categories::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 2);

        // Rename: the page moves to the new address, the old one redirects; a taken slug is refused.
        app.post(&format!("/admin/categories/{saws}/rename"), &[("name", "Saws & Blades")]).await.assert_status(303);
        app.get("/c/saws-blades").await.assert_status(200).assert_contains("<h1>Saws &#38; Blades</h1>");
        assert_eq!(app.get("/c/hand-saws").await.assert_status(301).location(), Some("/c/saws-blades"));
        app.post(&format!("/admin/categories/{saws}/rename"), &[("name", "Garden tools")]).await
            .assert_status(422).assert_contains("already has the address");
        assert_eq!(stored(&app, saws).1, "saws-blades");
        assert_eq!(actions(&app), ["category.create", "category.create", "category.rename"]);
    }
}

on_both_backends! {
    async fn a_moved_subtree_keeps_its_products_in_pages_and_search(db: TestDb) {
        let mut conn = db.conn();
        let home = builders::category(&mut conn, "Home");
        let lamps = builders::subcategory(&mut conn, home, "Lamps");
        let desk = builders::subcategory(&mut conn, lamps, "Desk");
        let brass = builders::subcategory(&mut conn, desk, "Brass");
        let garden = builders::category(&mut conn, "Garden");
        let seller = builders::seller(&mut conn);
        ProductBuilder::new("Quokka Lantern").insert(&mut conn, seller, brass);
        drop(conn);
        let (app, _) = admin_app(db).await;
        app.drain_search();
        let garden_slug = stored(&app, garden).1;
        // Not under Garden yet.
        let before_move = app.get(&format!("/search?q=quokka&category={garden_slug}")).await;
        assert!(!before_move.body.contains("Lantern"), "{}", before_move.body);

        // Under its own descendant: refused, nothing changed.
        let before: Vec<_> = [lamps, desk, brass].iter().map(|id| stored(&app, *id)).collect();
        let outbox: i64 = search_outbox::table.count().get_result(&mut app.conn()).unwrap();
        for target in [lamps, brass] {
            app.post(&format!("/admin/categories/{lamps}/move"), &[("parent", &target.to_string())]).await
                .assert_status(422).assert_contains("under itself or one of its own subcategories");
        }
        let after: Vec<_> = [lamps, desk, brass].iter().map(|id| stored(&app, *id)).collect();
        assert_eq!(before, after);
        assert_eq!(search_outbox::table.count().get_result::<i64>(&mut app.conn()).unwrap(), outbox);

        app.post(&format!("/admin/categories/{lamps}/move"), &[("parent", &garden.to_string())]).await
            .assert_redirect_to(&format!("/admin/categories/{lamps}"));
        assert_eq!(stored(&app, lamps).0, Some(garden));
        assert_eq!((stored(&app, lamps).2, stored(&app, lamps).3), (format!("/{garden}/{lamps}/"), 1));
        assert_eq!((stored(&app, desk).2, stored(&app, desk).3), (format!("/{garden}/{lamps}/{desk}/"), 2));
        assert_eq!((stored(&app, brass).2, stored(&app, brass).3), (format!("/{garden}/{lamps}/{desk}/{brass}/"), 3));
        assert!(search_outbox::table.count().get_result::<i64>(&mut app.conn()).unwrap() > outbox);
        app.drain_search();
        app.get(&format!("/c/{}", stored(&app, desk).1)).await.assert_contains("Quokka Lantern");
        app.get(&format!("/c/{garden_slug}")).await.assert_contains("Quokka Lantern");
        app.get(&format!("/search?q=quokka&category={garden_slug}")).await.assert_contains("<mark>Quokka</mark> Lantern");

        // To the top level: depth 0 again, the subtree follows.
        app.post(&format!("/admin/categories/{lamps}/move"), &[("parent", "")]).await.assert_status(303);
        assert_eq!((stored(&app, lamps).0, stored(&app, lamps).3), (None, 0));
        assert_eq!(stored(&app, brass).2, format!("/{lamps}/{desk}/{brass}/"));
        assert_eq!(actions(&app), ["category.move", "category.move"]);
    }
}

on_both_backends! {
    async fn only_an_empty_category_is_deleted(db: TestDb) {
        let mut conn = db.conn();
        let home = builders::category(&mut conn, "Home");
        let lamps = builders::subcategory(&mut conn, home, "Lamps");
        let empty = builders::category(&mut conn, "Empty");
        let seller = builders::seller(&mut conn);
        ProductBuilder::new("Lamp").insert(&mut conn, seller, lamps);
        drop(conn);
        let (app, _) = admin_app(db).await;
        app.post(&format!("/admin/categories/{home}/delete"), &[]).await
            .assert_status(409).assert_contains("1 subcategories");
        app.post(&format!("/admin/categories/{lamps}/delete"), &[]).await
            .assert_status(409).assert_contains("holds 1 products");
        app.post(&format!("/admin/categories/{empty}/delete"), &[]).await.assert_redirect_to("/admin/categories");
        let left: i64 = categories::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(left, 2);
        assert_eq!(actions(&app), ["category.delete"]);
        app.post("/admin/categories/999999/delete", &[]).await.assert_status(404);
    }
}

on_both_backends! {
    async fn customers_get_403_and_visitors_sign_in(db: TestDb) {
        let home = builders::category(&mut db.conn(), "Home");
        let shopper = UserBuilder::customer().insert(&mut db.conn());
        let app = TestApp::with(db, true, |_| {}).await;
        app.get("/admin/categories").await.assert_status(303);
        app.sign_in_as(shopper);
        app.get("/admin/categories").await.assert_status(403);
        app.get(&format!("/admin/categories/{home}")).await.assert_status(403);
        app.post("/admin/categories", &[("name", "X"), ("parent", "")]).await.assert_status(403);
        for action in ["rename", "move", "delete"] {
            app.post(&format!("/admin/categories/{home}/{action}"), &[("name", "X"), ("parent", "")]).await
                .assert_status(403);
        }
        let count: i64 = categories::table.count().get_result(&mut app.conn()).unwrap();
        assert_eq!(count, 1);
    }
}
