//! Links never break: a renamed product or category answers 301 from every old address to the
//! current one in one hop, an archived product answers 410 with its category, and the shopping
//! feed's price and availability are the product page's.

use diesel::prelude::*;

use crate::admin_reviews::admin_app;
use crate::common::builders::{self, ProductBuilder, category_slug, product_slug};
use crate::common::catalog_admin::{Shop, shop, user_of, variant_form};
#[allow(unused_imports)]
use crate::common::{PUBLIC_URL, Page, TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::schema::{categories, category_slug_history, product_slug_history, products};
use shopwave::sellers::products::{DetailsInput, ValidDetails, update_details};

async fn rename_product(app: &TestApp, shop: &Shop, name: &str) {
    app.post(
        &format!("/seller/products/{}", shop.product),
        &[
            ("name", name),
            ("description", "Cool linen."),
            ("status", "active"),
        ],
    )
    .await
    .assert_status(303);
}

fn assert_moved(page: &Page, to: &str) {
    page.assert_status(301);
    assert_eq!(page.location(), Some(to));
}

on_both_backends! {
    async fn a_renamed_product_answers_301_from_every_old_address_in_one_hop(db: TestDb) {
        let shop = shop(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let first = product_slug(&mut app.conn(), shop.product);

        // The same words keep the address.
        rename_product(&app, &shop, "Linen shirt!").await;
        assert_eq!(product_slug(&mut app.conn(), shop.product), first);

        rename_product(&app, &shop, "Summer Linen Shirt").await;
        let second = product_slug(&mut app.conn(), shop.product);
        assert!(second.starts_with("summer-linen-shirt-"), "{second}");
        app.clear_cookies();
        assert_moved(&app.get(&format!("/p/{first}")).await, &format!("/p/{second}"));
        app.get(&format!("/p/{second}")).await.assert_status(200);

        // Renamed again as another node would (no cache of this node told): the page this node
        // keeps for the old address goes with the outbox, and both old addresses lead straight
        // to the current one, keeping their query.
        let details = ValidDetails::parse(&DetailsInput {
            name: "Beach Shirt".into(),
            description: "Cool linen.".into(),
            status: "active".into(),
            version: String::new(),
        })
        .unwrap();
        let version: i32 = products::table.find(shop.product).select(products::version)
            .first(&mut app.conn()).unwrap();
        let opened_at = shopwave::edits::Version(version);
        update_details(&mut app.conn(), shop.seller_user, shop.product, opened_at, &details).unwrap();
        app.drain_search();
        let third = product_slug(&mut app.conn(), shop.product);
        for old in [&first, &second] {
            assert_moved(&app.get(&format!("/p/{old}")).await, &format!("/p/{third}"));
        }
        assert_moved(&app.get(&format!("/p/{first}?reviews_after=1.2")).await, &format!("/p/{third}?reviews_after=1.2"));
        app.get(&format!("/p/{third}")).await.assert_status(200).assert_contains("Beach Shirt");
        let kept: Vec<(String, i64)> = product_slug_history::table
            .order(product_slug_history::slug)
            .select((product_slug_history::slug, product_slug_history::product_id))
            .load(&mut app.conn())
            .unwrap();
        let mut expected = vec![(first.clone(), shop.product), (second.clone(), shop.product)];
        expected.sort();
        assert_eq!(kept, expected);
        app.get("/p/never-was-a-product").await.assert_status(404);
    }
}

on_both_backends! {
    async fn an_old_address_of_a_product_taken_off_sale_is_not_found_and_of_an_archived_one_gone(db: TestDb) {
        let shop = shop(&db);
        let app = TestApp::new(db).await;
        app.sign_in_as(shop.seller_user);
        let old = product_slug(&mut app.conn(), shop.product);
        rename_product(&app, &shop, "Beach Shirt").await;
        let current = product_slug(&mut app.conn(), shop.product);

        // A draft is nobody's business: 404 at its address and its old one.
        app.post(&format!("/seller/products/{}", shop.product),
            &[("name", "Beach Shirt"), ("description", ""), ("status", "draft")]).await.assert_status(303);
        app.get(&format!("/p/{old}")).await.assert_status(404);
        app.get(&format!("/p/{current}")).await.assert_status(404);

        // Archived: gone for good, in the site's frame, out of search engines, with its category.
        app.post(&format!("/seller/products/{}/archive", shop.product), &[]).await.assert_status(303);
        app.clear_cookies();
        let shirts = category_slug(&mut app.conn(), shop.category);
        for address in [&current, &old] {
            let gone = app.get(&format!("/p/{address}")).await;
            gone.assert_status(410)
                .assert_contains("Beach Shirt is no longer sold")
                .assert_contains(r#"<meta name="robots" content="noindex, follow">"#)
                .assert_contains(&format!(r#"<a href="/c/{shirts}">Shirts</a>"#))
                .assert_contains(r#"class="site-header""#);
        }
    }
}

on_both_backends! {
    async fn a_renamed_category_answers_301_and_a_new_category_may_take_its_old_address(db: TestDb) {
        let (app, _) = admin_app(db).await;
        app.post("/admin/categories", &[("name", "Lamps"), ("parent", "")]).await.assert_status(303);
        let lamps: i64 = categories::table.filter(categories::slug.eq("lamps")).select(categories::id)
            .first(&mut app.conn()).unwrap();
        app.get("/c/lamps").await.assert_status(200);
        app.post(&format!("/admin/categories/{lamps}/rename"), &[("name", "Lighting")]).await.assert_status(303);
        app.post(&format!("/admin/categories/{lamps}/rename"), &[("name", "Lights & Lamps")]).await.assert_status(303);
        for old in ["lamps", "lighting"] {
            assert_moved(&app.get(&format!("/c/{old}")).await, "/c/lights-lamps");
        }
        assert_moved(&app.get("/c/lamps?sort=price_asc").await, "/c/lights-lamps?sort=price_asc");
        app.get("/c/lights-lamps").await.assert_status(200);

        // A live slug wins: a new "Lamps" takes the address, and the history lets it go.
        app.post("/admin/categories", &[("name", "Lamps"), ("parent", "")]).await.assert_status(303);
        app.get("/c/lamps").await.assert_status(200).assert_contains("<h1>Lamps</h1>");
        let kept: Vec<(String, i64)> = category_slug_history::table
            .select((category_slug_history::slug, category_slug_history::category_id))
            .load(&mut app.conn())
            .unwrap();
        assert_eq!(kept, [("lighting".to_owned(), lamps)]);
        app.get("/c/no-such-category").await.assert_status(404);
    }
}

/// The feed's item for `sku`, as text from `<item>` to `</item>`.
fn feed_item(feed: &str, sku: &str) -> String {
    let at = feed
        .find(&format!("<g:id>{sku}</g:id>"))
        .unwrap_or_else(|| panic!("{sku} not in {feed}"));
    let start = feed[..at].rfind("<item>").unwrap();
    let end = at + feed[at..].find("</item>").unwrap();
    feed[start..end].to_owned()
}

fn tag<'a>(item: &'a str, name: &str) -> &'a str {
    let open = format!("<{name}>");
    let start = item
        .find(&open)
        .unwrap_or_else(|| panic!("no {name} in {item}"))
        + open.len();
    let end = start + item[start..].find('<').unwrap();
    &item[start..end]
}

/// What the product page says of its one variant: (price as "12.34", in stock), read from its
/// JSON-LD offer, which must agree with the stock note shoppers read.
async fn page_offer(app: &TestApp, slug: &str) -> (String, bool) {
    let page = app.get(&format!("/p/{slug}")).await;
    page.assert_status(200);
    let price = page
        .body
        .split("\"price\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let in_stock = page
        .body
        .contains("\"availability\":\"https://schema.org/InStock\"");
    assert_eq!(
        in_stock,
        !page.body.contains("Out of stock"),
        "{}",
        page.body
    );
    (price, in_stock)
}

on_both_backends! {
    async fn the_feed_says_what_the_product_pages_say_after_a_price_change_and_a_sell_out(db: TestDb) {
        let mut conn = db.conn();
        let shop = builders::seller(&mut conn);
        let shirts = builders::category(&mut conn, "Shirts");
        let (shirt, shirt_variant) = ProductBuilder::new("Linen Shirt").price(1999).stock(3).insert(&mut conn, shop, shirts);
        let (draft, _) = ProductBuilder::new("Secret Shirt").status("draft").insert(&mut conn, shop, shirts);
        let seller_user = user_of(&mut conn, shop);
        let (slug, draft_slug) = (product_slug(&mut conn, shirt), product_slug(&mut conn, draft));
        let sku: String = shopwave::db::schema::product_variants::table.find(shirt_variant)
            .select(shopwave::db::schema::product_variants::sku).first(&mut conn).unwrap();
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        let check = |feed: String, price: &str, in_stock: bool| {
            let item = feed_item(&feed, &sku);
            assert_eq!(tag(&item, "g:price"), format!("{price} USD"));
            assert_eq!(tag(&item, "g:availability"), if in_stock { "in_stock" } else { "out_of_stock" });
        };
        let feed = app.get("/feeds/google.xml").await;
        feed.assert_status(200).assert_contains(r#"<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">"#);
        assert!(feed.header("content-type").unwrap().starts_with("application/xml"));
        let item = feed_item(&feed.body, &sku);
        assert_eq!(tag(&item, "link"), format!("{PUBLIC_URL}/p/{slug}"));
        assert_eq!(tag(&item, "title"), "Linen Shirt");
        assert_eq!(tag(&item, "g:condition"), "new");
        assert!(!feed.body.contains(&draft_slug), "a draft is not for sale");
        assert_eq!(page_offer(&app, &slug).await, ("19.99".to_owned(), true));
        check(feed.body.clone(), "19.99", true);

        app.sign_in_as(seller_user);
        let variant_url = format!("/seller/products/{shirt}/variants/{shirt_variant}");
        app.post(&format!("{variant_url}/price"), &[("price", "24.50")]).await.assert_status(303);
        let (price, in_stock) = page_offer(&app, &slug).await;
        assert_eq!((price.as_str(), in_stock), ("24.50", true));
        check(app.get("/feeds/google.xml").await.body, &price, in_stock);

        app.post(&format!("{variant_url}/stock"), &[("change", "-3"), ("reason", "adjustment"), ("note", "Sold at the fair")])
            .await.assert_status(303);
        let (price, in_stock) = page_offer(&app, &slug).await;
        assert_eq!((price.as_str(), in_stock), ("24.50", false));
        check(app.get("/feeds/google.xml").await.body, &price, in_stock);

        // A second variant: both items grouped under the product, each titled by its options.
        app.post(&format!("/seller/products/{shirt}/variants"), &variant_form("SHIRT-XL", ["Size: XL", "", ""], "26.00", "2"))
            .await.assert_status(303);
        let feed = app.get("/feeds/google.xml").await.body;
        let added = feed_item(&feed, "SHIRT-XL");
        assert_eq!(tag(&added, "title"), "Linen Shirt (Size: XL)");
        assert_eq!(tag(&added, "g:price"), "26.00 USD");
        assert_eq!(tag(&added, "g:item_group_id"), shirt.to_string());
        assert_eq!(tag(&feed_item(&feed, &sku), "g:item_group_id"), shirt.to_string());

        // A product gone from the shop leaves the feed.
        app.post(&format!("/seller/products/{shirt}/archive"), &[]).await.assert_status(303);
        assert!(!app.get("/feeds/google.xml").await.body.contains(&sku));
    }
}
