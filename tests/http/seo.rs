//! What crawlers read: robots.txt keeps them out of private and duplicate pages and names the
//! sitemap; the sitemap lists every product for sale and every category, and follows changes.

use crate::common::builders::{ProductBuilder, category, category_slug, product_slug, seller};
#[allow(unused_imports)]
use crate::common::{PUBLIC_URL, TestApp, TestDb};
use crate::on_both_backends;

on_both_backends! {
    async fn robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(db: TestDb) {
        let app = TestApp::new(db).await;
        let robots = app.get("/robots.txt").await;
        robots.assert_status(200);
        assert!(robots.header("content-type").unwrap().starts_with("text/plain"));
        for private in ["/cart", "/checkout", "/account", "/orders", "/seller", "/admin", "/search"] {
            robots.assert_contains(&format!("Disallow: {private}\n"));
        }
        // Filtered, sorted and paged listings are the same category page to a crawler.
        robots.assert_contains("Disallow: /c/*?\n");
        robots.assert_contains(&format!("Sitemap: {PUBLIC_URL}/sitemap.xml"));
    }
}

on_both_backends! {
    async fn the_sitemap_lists_products_for_sale_and_every_category(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lamps) = (seller(&mut conn), category(&mut conn, "Lamps"));
        let (lamp, _) = ProductBuilder::new("Desk Lamp").insert(&mut conn, shop, lamps);
        let (draft, _) = ProductBuilder::new("Secret Lamp").status("draft").insert(&mut conn, shop, lamps);
        let (lamp_slug, draft_slug) = (product_slug(&mut conn, lamp), product_slug(&mut conn, draft));
        let lamps_slug = category_slug(&mut conn, lamps);
        drop(conn);
        let app = TestApp::new(db).await;

        let index = app.get("/sitemap.xml").await;
        index.assert_status(200);
        assert!(index.header("content-type").unwrap().starts_with("application/xml"));
        index.assert_contains(&format!("<loc>{PUBLIC_URL}/sitemap/categories.xml</loc>"));
        index.assert_contains(&format!("<loc>{PUBLIC_URL}/sitemap/products-0.xml</loc><lastmod>"));
        assert!(!index.body.contains("products-1.xml"), "only id ranges with products for sale");

        let products = app.get("/sitemap/products-0.xml").await;
        products.assert_status(200);
        products.assert_contains(&format!("<url><loc>{PUBLIC_URL}/p/{lamp_slug}</loc><lastmod>"));
        assert!(!products.body.contains(&draft_slug), "a draft is not for sale: {}", products.body);

        app.get("/sitemap/categories.xml")
            .await
            .assert_status(200)
            .assert_contains(&format!("<loc>{PUBLIC_URL}/c/{lamps_slug}</loc>"));

        // A range with nothing in it is an empty file, and a number that is not one is no file.
        let empty = app.get("/sitemap/products-7.xml").await;
        empty.assert_status(200);
        assert!(!empty.body.contains("<url>"));
        app.get("/sitemap/products-x.xml").await.assert_status(404);
        app.get("/sitemap/products-99999999999999999999999.xml").await.assert_status(404);
    }
}

on_both_backends! {
    async fn a_product_put_on_sale_joins_the_sitemap_once_the_outbox_announces_it(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lamps) = (seller(&mut conn), category(&mut conn, "Lamps"));
        let (draft, _) = ProductBuilder::new("Floor Lamp").status("draft").insert(&mut conn, shop, lamps);
        let slug = product_slug(&mut conn, draft);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        assert!(!app.get("/sitemap/products-0.xml").await.body.contains(&slug));

        crate::common::execute(&mut app.conn(), &format!("UPDATE products SET status = 'active' WHERE id = {draft}")).unwrap();
        shopwave::search::enqueue(&mut app.conn(), draft).unwrap();
        app.drain_search();
        app.get("/sitemap/products-0.xml").await.assert_contains(&format!("/p/{slug}</loc>"));
    }
}
