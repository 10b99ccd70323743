//! Category pages and product pages, as a shopper browses them.
//!
//! Category listings come from the search index, which follows the database through the
//! outbox; tests that create products and then open a category page drain the outbox first,
//! as the background indexer would within 100 ms.

use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::common::builders::{
    ProductBuilder, UserBuilder, category, category_slug, product_slug, seller, subcategory,
};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::DbConn;
use shopwave::db::schema::{product_images, product_variants, products, reviews};

/// The product links of a page's main listing, in order.
pub(crate) fn product_links(body: &str) -> Vec<String> {
    let listing = body.split("id=\"all\"").nth(1).unwrap_or(body);
    let mut links: Vec<String> = listing
        .split("<h3><a href=\"/p/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap_or_default().to_owned())
        .collect();
    links.dedup();
    links
}

/// The product links of the category's "Top rated" block, in order.
pub(crate) fn top_rated_links(body: &str) -> Vec<String> {
    let Some(block) = body.split("id=\"toprated\"").nth(1) else {
        return Vec::new();
    };
    product_links(block.split("id=\"all\"").next().unwrap_or_default())
}

pub(crate) fn next_link(body: &str) -> Option<String> {
    let start = body.find("rel=\"next\" href=\"")? + "rel=\"next\" href=\"".len();
    let href = &body[start..];
    Some(
        href[..href.find('"')?]
            .replace("&#38;", "&")
            .replace("&amp;", "&"),
    )
}

/// Follows "Next page" from `start` to the end; returns every product link seen, page by page.
pub(crate) async fn walk(app: &TestApp, start: &str) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next = Some(start.to_owned());
    while let Some(path) = next {
        assert!(pages.len() < 20, "paging never ends: {pages:?}");
        let page = app.get(&path).await;
        page.assert_status(200);
        pages.push(product_links(&page.body));
        next = next_link(&page.body);
    }
    pages
}

pub(crate) fn id_of(conn: &mut DbConn, slug: &str) -> i64 {
    products::table
        .filter(products::slug.eq(slug))
        .select(products::id)
        .first(conn)
        .unwrap()
}

/// Polls `done` until it holds, for at most five seconds.
pub(crate) async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

on_both_backends! {
    async fn a_category_lists_its_descendants_with_breadcrumb_and_subcategories(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let home = category(&mut conn, "Home");
        let kitchen = subcategory(&mut conn, home, "Kitchen");
        let cookware = subcategory(&mut conn, kitchen, "Cookware");
        let garden = category(&mut conn, "Garden");
        ProductBuilder::new("Cast Iron Pan").insert(&mut conn, shop, cookware);
        ProductBuilder::new("Bread Knife").insert(&mut conn, shop, kitchen);
        ProductBuilder::new("Garden Hose").insert(&mut conn, shop, garden);
        ProductBuilder::new("Draft Kettle").status("draft").insert(&mut conn, shop, kitchen);
        let (kitchen_slug, home_slug) = (category_slug(&mut conn, kitchen), category_slug(&mut conn, home));
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        let page = app.get(&format!("/c/{home_slug}")).await;
        page.assert_status(200).assert_contains("Cast Iron Pan").assert_contains("Bread Knife");
        assert!(!page.body.contains("Garden Hose") && !page.body.contains("Draft Kettle"));
        page.assert_contains(&format!("href=\"/c/{kitchen_slug}\">Kitchen</a>"));

        let page = app.get(&format!("/c/{kitchen_slug}")).await;
        page.assert_contains(&format!("<a href=\"/c/{home_slug}\">Home</a>"))
            .assert_contains("aria-current=\"page\">Kitchen</span>")
            .assert_contains(">Cookware</a>");
        app.get("/c/no-such-category").await.assert_status(404);
    }
}

on_both_backends! {
    async fn category_filters_and_sorts_are_applied(db: TestDb) {
        let mut conn = db.conn();
        let (one, two) = (seller(&mut conn), seller(&mut conn));
        let cat = category(&mut conn, "Lamps");
        ProductBuilder::new("Cheap Lamp").price(900).rating(250, 2).insert(&mut conn, one, cat);
        ProductBuilder::new("Mid Lamp").price(4_500).rating(420, 5).insert(&mut conn, one, cat);
        ProductBuilder::new("Dear Lamp").price(20_000).rating(480, 9).insert(&mut conn, two, cat);
        ProductBuilder::new("Gone Lamp").price(5_000).stock(0).insert(&mut conn, two, cat);
        let slug = category_slug(&mut conn, cat);
        let seller_two: String = shopwave::db::schema::sellers::table.find(two)
            .select(shopwave::db::schema::sellers::slug).first(&mut conn).unwrap();
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let names = |body: &str| product_links(body).into_iter()
            .map(|s| s.split('-').next().unwrap().to_owned()).collect::<Vec<_>>();

        let page = app.get(&format!("/c/{slug}?sort=price_desc")).await;
        assert_eq!(names(&page.body), ["dear", "gone", "mid", "cheap"]);
        let page = app.get(&format!("/c/{slug}?sort=rating")).await;
        assert_eq!(names(&page.body), ["dear", "mid", "cheap", "gone"]);
        let page = app.get(&format!("/c/{slug}?sort=price_asc&min_price=10&max_price=100")).await;
        assert_eq!(names(&page.body), ["mid", "gone"]);
        let page = app.get(&format!("/c/{slug}?sort=price_asc&in_stock=1")).await;
        assert_eq!(names(&page.body), ["cheap", "mid", "dear"]);
        let page = app.get(&format!("/c/{slug}?sort=price_asc&min_rating=4")).await;
        assert_eq!(names(&page.body), ["mid", "dear"]);
        let page = app.get(&format!("/c/{slug}?sort=price_asc&seller={seller_two}")).await;
        assert_eq!(names(&page.body), ["gone", "dear"]);
        app.get(&format!("/c/{slug}?min_price=lots")).await.assert_status(400).assert_contains("minimum price");
        for typed in ["12%2C99", "5%2C00", "1%2C2%2C3", "1e3", "1_000", "-0"] {
            app.get(&format!("/c/{slug}?max_price={typed}")).await.assert_status(400).assert_contains("an amount like 12.99");
        }
        let page = app.get(&format!("/c/{slug}?sort=price_asc&max_price=%2445.0")).await;
        assert_eq!(names(&page.body), ["cheap", "mid"]);
        app.get(&format!("/c/{slug}?min_rating=9")).await.assert_status(400);
    }
}

on_both_backends! {
    async fn the_product_page_shows_variants_stock_reviews_and_forms(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Shirts");
        let (product, first) = ProductBuilder::new("Linen Shirt").description("Cool in summer.").insert(&mut conn, shop, cat);
        let sold_out: i64 = diesel::insert_into(product_variants::table)
            .values((
                product_variants::product_id.eq(product),
                product_variants::sku.eq("SHIRT-XL"),
                product_variants::options.eq(r#"{"Size":"XL"}"#),
                product_variants::price.eq(2_499),
                product_variants::stock.eq(0),
                product_variants::position.eq(1),
            ))
            .returning(product_variants::id)
            .get_result(&mut conn).unwrap();
        ProductBuilder::new("Wool Shirt").rating(400, 1).insert(&mut conn, shop, cat);
        let fan = UserBuilder::customer().insert(&mut conn);
        let critic = UserBuilder::customer().insert(&mut conn);
        for (user, status, title) in [(fan, "approved", "Lovely fabric"), (critic, "pending", "Unmoderated rant")] {
            diesel::insert_into(reviews::table).values((
                reviews::user_id.eq(user), reviews::product_id.eq(product), reviews::rating.eq(5),
                reviews::title.eq(title), reviews::status.eq(status), reviews::is_verified_purchase.eq(true),
            )).execute(&mut conn).unwrap();
        }
        diesel::update(products::table.find(product))
            .set((products::rating_avg.eq(500), products::rating_count.eq(1), products::rating_sum.eq(5)))
            .execute(&mut conn).unwrap();
        let slug = product_slug(&mut conn, product);
        drop(conn);
        let app = TestApp::new(db).await;

        let page = app.get(&format!("/p/{slug}")).await;
        page.assert_status(200)
            .assert_contains("Linen Shirt").assert_contains("Cool in summer.")
            .assert_contains("action=\"/cart/add\"")
            .assert_contains(&format!("name=\"variant_id\" value=\"{first}\" checked"))
            .assert_contains(&format!("name=\"variant_id\" value=\"{sold_out}\" disabled"))
            .assert_contains("Size: XL").assert_contains("SKU SHIRT-XL").assert_contains("Out of stock")
            .assert_contains("name=\"quantity\"")
            .assert_contains("action=\"/wishlist/add\"")
            .assert_contains(&format!("name=\"product_id\" value=\"{product}\""))
            .assert_contains("Lovely fabric").assert_contains("Verified purchase")
            .assert_contains("Wool Shirt");
        assert!(!page.body.contains("Unmoderated rant"));
        assert!(page.body.matches("name=\"csrf_token\"").count() >= 2);
    }
}

on_both_backends! {
    async fn reviews_page_by_keyset(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Books");
        let (product, _) = ProductBuilder::new("Thick Novel").insert(&mut conn, shop, cat);
        for n in 0..12 {
            let user = UserBuilder::customer().insert(&mut conn);
            diesel::insert_into(reviews::table).values((
                reviews::user_id.eq(user), reviews::product_id.eq(product), reviews::rating.eq(4),
                reviews::title.eq(format!("Review number {n:02}")), reviews::status.eq("approved"),
            )).execute(&mut conn).unwrap();
        }
        let slug = product_slug(&mut conn, product);
        drop(conn);
        let app = TestApp::new(db).await;
        let first = app.get(&format!("/p/{slug}")).await;
        let count = |body: &str| body.matches("Review number").count();
        assert_eq!(count(&first.body), 10);
        let start = first.body.find("?reviews_after=").expect("a link to more reviews");
        let href = &first.body[start..];
        let token = &href["?reviews_after=".len()..href.find('#').unwrap()];
        let second = app.get(&format!("/p/{slug}?reviews_after={token}")).await;
        assert_eq!(count(&second.body), 2);
        app.get(&format!("/p/{slug}?reviews_after=garbage")).await.assert_status(400);
    }
}

on_both_backends! {
    async fn drafts_are_not_found_and_archived_products_are_gone(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Toys");
        let (draft, _) = ProductBuilder::new("Secret Toy").status("draft").insert(&mut conn, shop, cat);
        let (archived, _) = ProductBuilder::new("Old Toy").status("archived").insert(&mut conn, shop, cat);
        let (deleted, _) = ProductBuilder::new("Deleted Toy").insert(&mut conn, shop, cat);
        diesel::update(products::table.find(deleted))
            .set(products::deleted_at.eq(shopwave::util::now())).execute(&mut conn).unwrap();
        let slugs: Vec<String> = [draft, archived, deleted].iter().map(|id| product_slug(&mut conn, *id)).collect();
        drop(conn);
        let app = TestApp::new(db).await;
        for (slug, status) in slugs.iter().zip([404, 410, 410]) {
            app.get(&format!("/p/{slug}")).await.assert_status(status);
        }
    }
}

on_both_backends! {
    async fn the_home_page_shows_featured_and_top_rated(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Games");
        ProductBuilder::new("Starred Game").featured().insert(&mut conn, shop, cat);
        ProductBuilder::new("Loved Game").rating(490, 12).insert(&mut conn, shop, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.get("/").await.assert_status(200)
            .assert_contains("Starred Game").assert_contains("Loved Game")
            .assert_contains(">Games</a>").assert_contains("action=\"/search\"");
    }
}

on_both_backends! {
    async fn the_product_page_links_to_writing_a_review(db: TestDb) {
        let mut conn = db.conn();
        let (shop, tea) = (seller(&mut conn), category(&mut conn, "Tea"));
        let (product, _) = ProductBuilder::new("Green Tea").insert(&mut conn, shop, tea);
        let slug = product_slug(&mut conn, product);
        drop(conn);
        let app = TestApp::new(db).await;
        app.get(&format!("/p/{slug}")).await.assert_status(200).assert_contains(&format!("href=\"/p/{slug}/review\""));
    }
}

on_both_backends! {
    async fn the_top_rated_block_shows_the_four_best_reviewed_on_the_first_unfiltered_page(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Teapots");
        let sub = subcategory(&mut conn, cat, "Glass Teapots");
        ProductBuilder::new("Unreviewed Pot").insert(&mut conn, shop, cat);
        ProductBuilder::new("Fair Pot").rating(300, 2).insert(&mut conn, shop, cat);
        ProductBuilder::new("Good Pot").rating(420, 3).insert(&mut conn, shop, sub);
        ProductBuilder::new("Great Pot").rating(480, 5).insert(&mut conn, shop, cat);
        ProductBuilder::new("Also Great Pot").rating(480, 1).insert(&mut conn, shop, sub);
        ProductBuilder::new("Best Pot").rating(500, 9).insert(&mut conn, shop, cat);
        let slug = category_slug(&mut conn, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let names = |links: Vec<String>| links.iter().map(|s| s.rsplit_once('-').unwrap().0.to_owned()).collect::<Vec<_>>();

        let page = app.get(&format!("/c/{slug}")).await;
        // Rating first, then the newer product of a tie.
        assert_eq!(names(top_rated_links(&page.body)), ["best-pot", "also-great-pot", "great-pot", "good-pot"]);
        assert_eq!(product_links(&page.body).len(), 6);
        let filtered = app.get(&format!("/c/{slug}?in_stock=1")).await;
        assert!(top_rated_links(&filtered.body).is_empty());
    }
}

on_both_backends! {
    async fn a_new_product_reaches_its_category_page_once_the_indexer_applies_it(db: TestDb) {
        let app = TestApp::new(db).await;
        let mut conn = app.conn();
        let shop = seller(&mut conn);
        let parent = category(&mut conn, "Outdoors");
        let tents = subcategory(&mut conn, parent, "Tents");
        ProductBuilder::new("Storm Tent").insert(&mut conn, shop, tents);
        let slug = category_slug(&mut conn, parent);
        drop(conn);
        // No drain: the background indexer (every 20 ms in tests) brings it in on its own.
        eventually("the new tent is listed under its parent category", async || {
            app.get(&format!("/c/{slug}")).await.body.contains("Storm Tent")
        }).await;
    }
}

on_both_backends! {
    async fn listings_show_each_product_once_with_its_first_picture(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let lamps = category(&mut conn, "Lamps");
        let (desk, _) = ProductBuilder::new("Desk Lamp").featured().insert(&mut conn, shop, lamps);
        let (floor, _) = ProductBuilder::new("Floor Lamp").featured().insert(&mut conn, shop, lamps);
        let (wall, _) = ProductBuilder::new("Wall Lamp").insert(&mut conn, shop, lamps);
        // The desk lamp has a first picture and a second; the floor lamp was left with two
        // first pictures by an edit made by hand.
        let pictures = [
            (desk, "/static/desk-front.jpg", 0),
            (desk, "/static/desk-side.jpg", 1),
            (floor, "/static/floor-a.jpg", 0),
            (floor, "/static/floor-b.jpg", 0),
        ];
        for (product, url, position) in pictures {
            diesel::insert_into(product_images::table)
                .values((
                    product_images::product_id.eq(product),
                    product_images::url.eq(url),
                    product_images::position.eq(position),
                ))
                .execute(&mut conn)
                .unwrap();
        }
        let (desk_link, floor_link) = (
            format!("href=\"/p/{}\"", product_slug(&mut conn, desk)),
            format!("href=\"/p/{}\"", product_slug(&mut conn, floor)),
        );
        let listings = [
            "/".to_owned(),
            format!("/c/{}", category_slug(&mut conn, lamps)),
            "/search?q=lamp".to_owned(),
            format!("/p/{}", product_slug(&mut conn, wall)),
        ];
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        for path in listings {
            let page = app.get(&path).await;
            page.assert_status(200).assert_contains("src=\"/static/desk-front.jpg\"");
            assert!(!page.body.contains("desk-side.jpg"), "{path} shows a second picture on a card");
            let (desks, floors) = (page.body.matches(&desk_link).count(), page.body.matches(&floor_link).count());
            assert!(desks > 0, "{path} lists the desk lamp");
            assert_eq!(floors, desks, "{path} lists the floor lamp as often as the desk lamp");
        }
    }
}
