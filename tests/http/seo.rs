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

/// The JSON-LD documents of a page, parsed back.
fn json_ld(body: &str) -> Vec<serde_json::Value> {
    body.split("<script type=\"application/ld+json\">")
        .skip(1)
        .map(|rest| {
            serde_json::from_str(rest.split("</script>").next().unwrap()).expect("valid JSON-LD")
        })
        .collect()
}

fn meta(body: &str, attribute: &str) -> String {
    let start = body
        .find(attribute)
        .unwrap_or_else(|| panic!("{attribute} missing"));
    let rest = &body[start..];
    let content = rest.find("content=\"").unwrap() + "content=\"".len();
    rest[content..].split('"').next().unwrap().to_owned()
}

on_both_backends! {
    async fn a_product_page_describes_itself_with_the_price_stock_and_rating_it_shows(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lamps) = (seller(&mut conn), category(&mut conn, "Lamps"));
        let (lamp, _) = ProductBuilder::new("Desk Lamp")
            .description("A brass desk lamp </script><b>with</b> a green shade.")
            .price(2450)
            .stock(3)
            .rating(400, 1)
            .insert(&mut conn, shop, lamps);
        let shopper = crate::common::builders::UserBuilder::customer().insert(&mut conn);
        crate::common::builders::review(&mut conn, shopper, lamp, 4, "approved");
        let (slug, lamps_slug) = (product_slug(&mut conn, lamp), category_slug(&mut conn, lamps));
        drop(conn);
        let app = TestApp::new(db).await;

        let page = app.get(&format!("/p/{slug}?utm_source=newsletter")).await;
        page.assert_status(200);
        let canonical = format!("{PUBLIC_URL}/p/{slug}");
        page.assert_contains(&format!("<link rel=\"canonical\" href=\"{canonical}\">"));
        assert_eq!(meta(&page.body, "name=\"description\""), "A brass desk lamp &#60;/script&#62;&#60;b&#62;with&#60;/b&#62; a green shade.");
        assert_eq!(meta(&page.body, "property=\"og:type\""), "product");
        assert_eq!(meta(&page.body, "property=\"og:url\""), canonical);
        page.assert_contains("<meta name=\"twitter:card\"");

        let documents = json_ld(&page.body);
        let product = documents.iter().find(|d| d["@type"] == "Product").expect("a Product");
        assert_eq!(product["name"], "Desk Lamp");
        assert_eq!(product["description"], "A brass desk lamp </script><b>with</b> a green shade.");
        assert_eq!(product["offers"]["@type"], "Offer");
        assert_eq!(product["offers"]["price"], "24.50");
        page.assert_contains("$24.50");
        assert_eq!(product["offers"]["priceCurrency"], "USD");
        assert_eq!(product["offers"]["availability"], "https://schema.org/InStock");
        page.assert_contains("Only 3 left");
        assert_eq!(product["aggregateRating"]["ratingValue"], "4.0");
        assert_eq!(product["aggregateRating"]["reviewCount"], 1);
        page.assert_contains("★ 4.0");
        assert_eq!(product["review"][0]["reviewRating"]["ratingValue"], 4);

        let crumbs = documents.iter().find(|d| d["@type"] == "BreadcrumbList").expect("breadcrumbs");
        let items = crumbs["itemListElement"].as_array().unwrap();
        let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Home", "Lamps", "Desk Lamp"]);
        assert_eq!(items[1]["item"], format!("{PUBLIC_URL}/c/{lamps_slug}"));
        assert_eq!(items[2]["position"], 3);
    }
}

on_both_backends! {
    async fn a_sold_out_product_with_several_variants_is_an_aggregate_offer_out_of_stock(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lamps) = (seller(&mut conn), category(&mut conn, "Lamps"));
        let (lamp, _) = ProductBuilder::new("Wall Lamp").price(1000).stock(0).insert(&mut conn, shop, lamps);
        crate::common::execute(
            &mut conn,
            &format!("INSERT INTO product_variants (product_id, sku, name, price, stock) VALUES ({lamp}, 'WALL-BIG', 'Big', 1500, 0)"),
        )
        .unwrap();
        let slug = product_slug(&mut conn, lamp);
        drop(conn);
        let app = TestApp::new(db).await;

        let page = app.get(&format!("/p/{slug}")).await;
        let documents = json_ld(&page.body);
        let product = documents.iter().find(|d| d["@type"] == "Product").unwrap();
        let offers = &product["offers"];
        assert_eq!(offers["@type"], "AggregateOffer");
        assert_eq!((offers["lowPrice"].as_str(), offers["highPrice"].as_str()), (Some("10.00"), Some("15.00")));
        assert_eq!(offers["offerCount"], 2);
        for offer in offers["offers"].as_array().unwrap() {
            assert_eq!(offer["availability"], "https://schema.org/OutOfStock");
        }
        assert!(product.get("aggregateRating").is_none(), "no reviews, no rating");
    }
}

on_both_backends! {
    async fn filtered_sorted_and_paged_listings_point_to_the_plain_category_and_search_is_noindex(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lamps) = (seller(&mut conn), category(&mut conn, "Lamps"));
        ProductBuilder::new("Desk Lamp").insert(&mut conn, shop, lamps);
        let slug = category_slug(&mut conn, lamps);
        drop(conn);
        let app = TestApp::new(db).await;

        let canonical = format!("<link rel=\"canonical\" href=\"{PUBLIC_URL}/c/{slug}\">");
        for address in [format!("/c/{slug}"), format!("/c/{slug}?sort=price_asc&min_price=5&in_stock=1")] {
            let page = app.get(&address).await;
            page.assert_status(200).assert_contains(&canonical);
            assert_eq!(meta(&page.body, "name=\"description\""), "Shop Lamps at ShopWave.");
            assert!(!page.body.contains("noindex"));
            let crumbs = json_ld(&page.body);
            assert_eq!(crumbs[0]["itemListElement"][1]["name"], "Lamps");
        }

        let search = app.get("/search?q=lamp").await;
        search.assert_status(200).assert_contains("<meta name=\"robots\" content=\"noindex, follow\">");
        assert!(!search.body.contains("rel=\"canonical\""));
    }
}
