//! Keyset paging of category listings (every product once, in order, whatever ties, filters or
//! products leaving the shop between pages) and the "Top rated" block of the first page.

use diesel::prelude::*;

use crate::catalog::{id_of, top_rated_links, walk};
use crate::common::builders::{ProductBuilder, category, category_slug, product_slug, seller};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::db::DbConn;
use shopwave::db::schema::products;

on_both_backends! {
    async fn keyset_pages_walk_every_product_once_in_price_order(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Mugs");
        // Thirty products, some sharing a price, so ties are broken by id across pages.
        for n in 0..30 {
            ProductBuilder::new(&format!("Mug {n:02}")).price(1000 + (n % 7) * 100).insert(&mut conn, shop, cat);
        }
        let slug = category_slug(&mut conn, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        let seen = walk(&app, &format!("/c/{slug}?sort=price_asc")).await.concat();
        assert_eq!(seen.len(), 30, "{seen:?}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 30);
        let mut conn = app.conn();
        let prices: Vec<i64> = seen.iter().map(|s| {
            products::table.filter(products::slug.eq(s)).select(products::price_min).first(&mut conn).unwrap()
        }).collect();
        assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
        app.get(&format!("/c/{slug}?sort=price_asc&after=bogus")).await.assert_status(400);
    }
}

on_both_backends! {
    async fn paging_a_category_where_every_product_ties_visits_each_once_newest_id_first(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Socks");
        // Sixty products, none featured: the Featured order ties on all of them, so only the id
        // decides, and it must carry across page boundaries.
        let mut ids: Vec<i64> = (0..60)
            .map(|n| ProductBuilder::new(&format!("Sock {n:02}")).insert(&mut conn, shop, cat).0)
            .collect();
        let slug = category_slug(&mut conn, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        let pages = walk(&app, &format!("/c/{slug}")).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [24, 24, 12]);
        let mut conn = app.conn();
        let seen: Vec<i64> = pages.concat().iter().map(|s| id_of(&mut conn, s)).collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(seen, ids);
    }
}

on_both_backends! {
    async fn paging_by_price_breaks_equal_prices_by_id_in_the_same_direction(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Candles");
        // Fifty products at only two prices, so every page boundary falls inside a tie.
        let mut expected: Vec<(i64, i64)> = (0..50)
            .map(|n| {
                let price = if n % 2 == 0 { 1_500 } else { 2_500 };
                let (id, _) = ProductBuilder::new(&format!("Candle {n:02}")).price(price).insert(&mut conn, shop, cat);
                (price, id)
            })
            .collect();
        let slug = category_slug(&mut conn, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let mut conn = app.conn();
        let places = |pages: Vec<Vec<String>>, conn: &mut DbConn| -> Vec<(i64, i64)> {
            pages.concat().iter().map(|s| {
                products::table.filter(products::slug.eq(s))
                    .select((products::price_min, products::id)).first(conn).unwrap()
            }).collect()
        };

        let descending = places(walk(&app, &format!("/c/{slug}?sort=price_desc")).await, &mut conn);
        expected.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(descending, expected);

        let ascending = places(walk(&app, &format!("/c/{slug}?sort=price_asc")).await, &mut conn);
        expected.reverse();
        assert_eq!(ascending, expected);
    }
}

on_both_backends! {
    async fn a_product_unpublished_before_the_index_hears_of_it_is_hidden_and_paging_goes_on(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Kites");
        let ids: Vec<i64> = (0..30)
            .map(|n| ProductBuilder::new(&format!("Kite {n:02}")).rating(300 + n, 1).insert(&mut conn, shop, cat).0)
            .collect();
        let slug = category_slug(&mut conn, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        // Newest id first: ids[6] is the last product of page one, ids[29] the first, and also
        // the best rated. Archive both without telling search (no outbox row), as if the
        // indexer had not got to them yet: the index still lists them, the database does not.
        let (last_on_first_page, best_rated) = (ids[6], ids[29]);
        let mut conn = app.conn();
        diesel::update(products::table.filter(products::id.eq_any([last_on_first_page, best_rated])))
            .set(products::status.eq("archived"))
            .execute(&mut conn).unwrap();
        let hidden: Vec<String> = [last_on_first_page, best_rated].iter().map(|id| product_slug(&mut conn, *id)).collect();

        let first = app.get(&format!("/c/{slug}")).await;
        let top = top_rated_links(&first.body);
        assert_eq!(top.len(), 3, "{top:?}");
        assert!(hidden.iter().all(|h| !top.contains(h)), "{top:?}");
        let pages = walk(&app, &format!("/c/{slug}")).await;
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [22, 6]);
        let seen: Vec<i64> = pages.concat().iter().map(|s| id_of(&mut conn, s)).collect();
        let mut expected: Vec<i64> = ids.iter().copied().filter(|id| ![last_on_first_page, best_rated].contains(id)).collect();
        expected.reverse();
        assert_eq!(seen, expected);
    }
}

on_both_backends! {
    async fn filters_hold_on_every_page_a_cursor_leads_to(db: TestDb) {
        let mut conn = db.conn();
        let (one, two) = (seller(&mut conn), seller(&mut conn));
        let cat = category(&mut conn, "Rugs");
        let mut wanted = Vec::new();
        for n in 0..120i64 {
            let shop = if n % 4 == 0 { two } else { one };
            let price = 1_000 + (n % 5) * 1_000;
            let stock = if n % 3 == 0 { 0 } else { 5 };
            let (id, _) = ProductBuilder::new(&format!("Rug {n:02}")).price(price).stock(stock).insert(&mut conn, shop, cat);
            if shop == one && stock > 0 && (2_000..=4_000).contains(&price) {
                wanted.push((price, id));
            }
        }
        let slug = category_slug(&mut conn, cat);
        let seller_one: String = shopwave::db::schema::sellers::table.find(one)
            .select(shopwave::db::schema::sellers::slug).first(&mut conn).unwrap();
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();

        let start = format!("/c/{slug}?sort=price_asc&in_stock=1&min_price=20&max_price=40&seller={seller_one}");
        let pages = walk(&app, &start).await;
        assert!(pages.len() > 1, "the filtered listing spans pages: {pages:?}");
        let mut conn = app.conn();
        let seen: Vec<(i64, i64)> = pages.concat().iter().map(|s| {
            products::table.filter(products::slug.eq(s))
                .select((products::price_min, products::id)).first(&mut conn).unwrap()
        }).collect();
        wanted.sort_unstable();
        assert_eq!(seen, wanted);
    }
}
