//! Product search: relevance features, facets, filters, hostile input, and the outbox that keeps
//! each node's index in step with the database, through restarts and beside other nodes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::prelude::*;

use crate::common::builders::{
    ProductBuilder, category, category_slug, product_slug, seller, subcategory,
};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use shopwave::catalog::search_results::{SearchResults, search_results};
use shopwave::db::schema::{products, sellers};
use shopwave::db::{DbConn, write_tx};
use shopwave::listing::{ListingParams, Sort};
use shopwave::search::{Indexer, SearchIndex, SearchRequest};

fn request(text: &str, params: ListingParams) -> SearchRequest {
    SearchRequest {
        text: text.to_owned(),
        category: None,
        listing: params.parse(Sort::Relevance).expect("valid listing"),
        page: 1,
    }
}

pub(crate) fn find(conn: &mut DbConn, index: &SearchIndex, text: &str) -> SearchResults {
    search_results(conn, index, &request(text, ListingParams::default())).expect("search runs")
}

pub(crate) fn names(results: &SearchResults) -> Vec<String> {
    results.hits.iter().map(|h| h.card.name.clone()).collect()
}

/// Changes a product and announces it to search in one transaction, as every writer must.
fn change_product(conn: &mut DbConn, id: i64, change: impl FnOnce(&mut DbConn)) {
    write_tx(conn, |c| {
        change(c);
        shopwave::search::enqueue(c, id)
    })
    .expect("product change commits");
}

/// Polls `done` until it holds, for at most five seconds.
async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        actix_web::rt::time::sleep(Duration::from_millis(10)).await;
    }
}

on_both_backends! {
    async fn search_finds_a_product_right_after_its_creation_commits(db: TestDb) {
        let app = TestApp::new(db).await;
        let mut conn = app.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Coffee");
        ProductBuilder::new("Zanzibar Espresso Grinder").insert(&mut conn, shop, cat);
        drop(conn);
        // The background indexer polls every 20 ms in tests; no fixed sleep.
        eventually("the new product is searchable", async || {
            app.get("/search?q=zanzibar").await.body.contains("Espresso Grinder")
        }).await;
    }
}

on_both_backends! {
    async fn an_edited_or_unpublished_product_leaves_old_results(db: TestDb) {
        let app = TestApp::new(db).await;
        let mut conn = app.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Lighting");
        let (lamp, _) = ProductBuilder::new("Quokka Desk Lamp").insert(&mut conn, shop, cat);
        let (bulb, _) = ProductBuilder::new("Quokka Bulb").insert(&mut conn, shop, cat);
        app.drain_search();
        assert_eq!(find(&mut conn, &app.search, "quokka").total, 2);

        change_product(&mut conn, bulb, |c| {
            diesel::update(products::table.find(bulb)).set(products::status.eq("archived")).execute(c).unwrap();
        });
        // Even before the indexer runs, the database has the last word: no unpublished product shows.
        assert_eq!(names(&find(&mut conn, &app.search, "quokka")), ["Quokka Desk Lamp"]);

        change_product(&mut conn, lamp, |c| {
            diesel::update(products::table.find(lamp)).set(products::name.eq("Wombat Desk Lamp")).execute(c).unwrap();
        });
        app.drain_search();
        let old = find(&mut conn, &app.search, "quokka");
        assert_eq!(old.total, 0, "{:?}", names(&old));
        assert_eq!(names(&find(&mut conn, &app.search, "wombat")), ["Wombat Desk Lamp"]);
    }
}

on_both_backends! {
    async fn a_crash_between_database_commit_and_index_commit_loses_nothing(db: TestDb) {
        let dir = db.data_dir().join("node");
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Tents");
        ProductBuilder::new("Alpine Tent").insert(&mut conn, shop, cat);
        let index = Arc::new(SearchIndex::open(&dir).unwrap());
        let indexer = Indexer::new(index.clone()).unwrap();
        indexer.drain(&mut conn).unwrap();
        let before = index.applied_outbox_id();

        // Committed in the database; the indexer applies it but dies before its own commit.
        ProductBuilder::new("Boreal Tent").insert(&mut conn, shop, cat);
        let staged = indexer.stage(&mut conn).unwrap();
        assert!(staged.is_some());
        drop((staged, indexer, index));

        let index = Arc::new(SearchIndex::open(&dir).unwrap());
        assert_eq!(index.applied_outbox_id(), before, "the crashed batch did not commit");
        assert_eq!(find(&mut conn, &index, "boreal").total, 0);
        let indexer = Indexer::new(index.clone()).unwrap();
        indexer.drain(&mut conn).unwrap();
        // Applied exactly once, and applying it again changes nothing.
        assert_eq!(find(&mut conn, &index, "boreal").total, 1);
        assert_eq!(find(&mut conn, &index, "tent").total, 2);
        let lag = shopwave::search::lag(&mut conn, &index).unwrap();
        assert_eq!(lag.behind, 0);
        assert_eq!(indexer.rebuild(&mut conn).unwrap(), 2);
        assert_eq!(find(&mut conn, &index, "tent").total, 2);
    }
}

on_both_backends! {
    async fn two_indexers_on_one_database_converge(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Bikes");
        drop(conn);
        let nodes: Vec<(Arc<SearchIndex>, shopwave::search::Running)> = ["a", "b"].iter().map(|name| {
            let index = Arc::new(SearchIndex::open(&db.data_dir().join(name)).unwrap());
            let indexer = Arc::new(Indexer::new(index.clone()).unwrap());
            let running = shopwave::search::spawn(indexer, db.pool.clone(), Duration::from_millis(5));
            (index, running)
        }).collect();
        // Writers on several connections at once, while both nodes index.
        let writers: Vec<_> = (0..3).map(|w| {
            let pool = db.pool.clone();
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                for n in 0..8 {
                    let (id, _) = ProductBuilder::new(&format!("Gravel Bike {w}-{n}")).insert(&mut conn, shop, cat);
                    if n % 3 == 0 {
                        change_product(&mut conn, id, |c| {
                            diesel::update(products::table.find(id)).set(products::status.eq("archived")).execute(c).unwrap();
                        });
                    }
                }
            })
        }).collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let mut conn = db.conn();
        let published: i64 = products::table.filter(products::status.eq("active")).count().get_result(&mut conn).unwrap();
        assert_eq!(published, 3 * 5);
        for (index, _) in &nodes {
            let deadline = Instant::now() + Duration::from_secs(10);
            while shopwave::search::lag(&mut conn, index).unwrap().behind > 0 {
                assert!(Instant::now() < deadline, "a node did not catch up");
                std::thread::sleep(Duration::from_millis(5));
            }
            // Counted by the index alone (archived products must be gone from it, not just filtered).
            assert_eq!(find(&mut conn, index, "gravel").total as i64, published);
        }
    }
}

on_both_backends! {
    async fn relevance_stemming_phrases_and_typos(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Audio");
        ProductBuilder::new("Studio Headphones").description("Closed back, for mixing.").insert(&mut conn, shop, cat);
        ProductBuilder::new("Travel Pillow").description("Packs small; pairs well with studio headphones.").insert(&mut conn, shop, cat);
        ProductBuilder::new("Headphone Stand").description("Holds any studio gear.").insert(&mut conn, shop, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let mut conn = app.conn();
        // A name match outranks a description match; "headphone" finds "headphones" (stemming).
        let found = names(&find(&mut conn, &app.search, "headphone"));
        assert_eq!(found.len(), 3);
        assert_ne!(found[2], "Studio Headphones");
        assert_eq!(found.last().map(String::as_str), Some("Travel Pillow"));
        // A phrase needs its words together.
        let phrase = names(&find(&mut conn, &app.search, "\"studio headphones\""));
        assert_eq!(phrase.len(), 2, "{phrase:?}");
        assert!(!phrase.contains(&"Headphone Stand".to_owned()));
        // One typo in a longer word is forgiven.
        assert!(names(&find(&mut conn, &app.search, "headphnoes")).contains(&"Studio Headphones".to_owned()));
        // Exclusion.
        assert_eq!(names(&find(&mut conn, &app.search, "headphones -pillow")).len(), 2);
        let page = app.get("/search?q=mixing").await;
        page.assert_status(200).assert_contains("<mark>mixing</mark>");
    }
}

on_both_backends! {
    async fn facets_count_matching_products(db: TestDb) {
        let mut conn = db.conn();
        let (one, two) = (seller(&mut conn), seller(&mut conn));
        let outdoor = category(&mut conn, "Outdoor");
        let tents = subcategory(&mut conn, outdoor, "Tents");
        let indoor = category(&mut conn, "Indoor");
        ProductBuilder::new("Canvas Tent").price(1_000).rating(450, 3).insert(&mut conn, one, tents);
        ProductBuilder::new("Canvas Tarp").price(3_000).rating(320, 3).insert(&mut conn, one, outdoor);
        ProductBuilder::new("Canvas Chair").price(30_000).insert(&mut conn, two, indoor);
        ProductBuilder::new("Nylon Tent").price(1_500).insert(&mut conn, two, tents);
        let outdoor_slug = category_slug(&mut conn, outdoor);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let mut conn = app.conn();
        let results = find(&mut conn, &app.search, "canvas");
        assert_eq!(results.total, 3);
        let facets = &results.facets;
        let categories: Vec<(&str, u64)> = facets.categories.iter().map(|(_, n, c)| (n.as_str(), *c)).collect();
        assert_eq!(categories, [("Outdoor", 2), ("Indoor", 1)]);
        let mut seller_counts: Vec<u64> = facets.sellers.iter().map(|(_, _, c)| *c).collect();
        seller_counts.sort();
        assert_eq!(seller_counts, [1, 2]);
        let bands: Vec<u64> = facets.prices.iter().map(|(_, _, c)| *c).collect();
        assert_eq!(bands, [1, 1, 1], "under $25, $25–50, $250 and up");
        assert_eq!(facets.ratings, [(4, 1), (3, 2), (2, 2), (1, 2)], "at least n stars");
        assert_eq!(facets.sampled, None, "every match counted");

        // Drilling into a category counts its children.
        let mut drill = request("canvas", ListingParams::default());
        drill.category = Some(outdoor_slug.clone());
        let inside = search_results(&mut conn, &app.search, &drill).unwrap();
        assert_eq!(inside.total, 2);
        assert_eq!(inside.facets.categories.iter().map(|(_, n, c)| (n.as_str(), *c)).collect::<Vec<_>>(), [("Tents", 1)]);
        let page = app.get(&format!("/search?q=canvas&category={outdoor_slug}")).await;
        page.assert_status(200).assert_contains("2 products found").assert_contains("Tents</a> <span class=\"muted\">(1)</span>");
        page.assert_contains(&format!("href=\"/search?q=canvas&#38;category={outdoor_slug}\">Clear filters"));
    }
}

on_both_backends! {
    async fn facets_of_a_word_matching_more_than_the_sample_are_lower_bounds_and_say_so(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lamps, desks) = (seller(&mut conn), category(&mut conn, "Lamps"), category(&mut conn, "Desks"));
        let many = shopwave::search::FACET_SAMPLE + 3;
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            for i in 0..many {
                ProductBuilder::new(&format!("Brass Item {i}")).insert(c, shop, if i % 2 == 0 { lamps } else { desks });
            }
            Ok(())
        }).unwrap();
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let results = find(&mut app.conn(), &app.search, "brass");
        assert_eq!(results.total, many, "the total is exact");
        let facets = &results.facets;
        assert_eq!(facets.sampled, Some(shopwave::search::FACET_SAMPLE));
        let counted: u64 = facets.categories.iter().map(|(_, _, n)| n).sum();
        assert_eq!(counted as usize, shopwave::search::FACET_SAMPLE);
        for (_, name, n) in &facets.categories {
            assert!(*n as usize <= many.div_ceil(2), "{name}: {n} is at most the true count");
        }
        let page = app.get("/search?q=brass").await;
        page.assert_status(200).assert_contains(&format!("{many} products found"))
            .assert_contains(&format!("from {} of the {many} results", shopwave::search::FACET_SAMPLE))
            .assert_contains("+)</span>");
    }
}

on_both_backends! {
    async fn search_filters_and_sort_orders_are_right(db: TestDb) {
        let mut conn = db.conn();
        let (one, two) = (seller(&mut conn), seller(&mut conn));
        let cat = category(&mut conn, "Kettles");
        ProductBuilder::new("Kettle Alpha").price(5_000).rating(300, 1).insert(&mut conn, one, cat);
        ProductBuilder::new("Kettle Beta").price(2_000).rating(450, 1).featured().insert(&mut conn, one, cat);
        ProductBuilder::new("Kettle Gamma").price(9_000).stock(0).insert(&mut conn, two, cat);
        let two_slug: String = sellers::table.find(two).select(sellers::slug).first(&mut conn).unwrap();
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let mut conn = app.conn();
        let sorted = |conn: &mut DbConn, sort: &str| {
            let params = ListingParams { sort: Some(sort.into()), ..Default::default() };
            names(&search_results(conn, &app.search, &request("kettle", params)).unwrap())
        };
        assert_eq!(sorted(&mut conn, "price_asc"), ["Kettle Beta", "Kettle Alpha", "Kettle Gamma"]);
        assert_eq!(sorted(&mut conn, "price_desc"), ["Kettle Gamma", "Kettle Alpha", "Kettle Beta"]);
        assert_eq!(sorted(&mut conn, "rating"), ["Kettle Beta", "Kettle Alpha", "Kettle Gamma"]);
        assert_eq!(sorted(&mut conn, "featured")[0], "Kettle Beta");
        let filtered = |conn: &mut DbConn, params: ListingParams| {
            let params = ListingParams { sort: Some("price_asc".into()), ..params };
            names(&search_results(conn, &app.search, &request("kettle", params)).unwrap())
        };
        assert_eq!(filtered(&mut conn, ListingParams { in_stock: Some("1".into()), ..Default::default() }), ["Kettle Beta", "Kettle Alpha"]);
        assert_eq!(filtered(&mut conn, ListingParams { min_price: Some("30".into()), max_price: Some("90".into()), ..Default::default() }), ["Kettle Alpha", "Kettle Gamma"]);
        assert_eq!(filtered(&mut conn, ListingParams { min_rating: Some("4".into()), ..Default::default() }), ["Kettle Beta"]);
        assert_eq!(filtered(&mut conn, ListingParams { seller: Some(two_slug.clone()), ..Default::default() }), ["Kettle Gamma"]);
        let page = app.get(&format!("/search?q=&seller={two_slug}")).await;
        page.assert_status(200).assert_contains("Kettle Gamma");
        assert!(!page.body.contains("Kettle Beta"));
    }
}

on_both_backends! {
    async fn garbage_queries_get_a_clear_page_never_an_error(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Misc");
        ProductBuilder::new("Plain Widget").insert(&mut conn, shop, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let long = "widget ".repeat(1_500);
        let encoded = |text: &str| form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        for text in ["", "\"", "\"widget", "widget\"\"\"", "AND OR NOT", "-", "--widget", "* ~ ^ : ( ) [ ] { }",
                     "\u{0}\u{1}\u{7f}", "title:widget", "widget~2", "%%%", long.as_str()] {
            let page = app.get(&format!("/search?q={}", encoded(text))).await;
            assert!(matches!(page.status.as_u16(), 200 | 400), "{text:?} gave {}", page.status);
            assert!(!page.body.contains('\u{0}'));
        }
        app.get(&format!("/search?q={}", encoded(&long))).await.assert_contains("only its first");
        app.get("/search?q=AND+OR+NOT").await.assert_contains("could not find any words");
        app.get("/search?q=widget&page=0").await.assert_status(400);
        app.get("/search?q=widget&page=two").await.assert_status(400);
        app.get("/search?q=widget&min_price=free").await.assert_status(400);
        app.get("/search?q=widget&category=nope").await.assert_status(404);
        for typed in ["", "w", "\"", "wid"] {
            let page = app.get(&format!("/search/suggest?q={}", encoded(typed))).await;
            page.assert_status(200);
        }
        // A control character in any query value is refused before the search runs.
        app.get(&format!("/search/suggest?q={}", encoded("\u{0}"))).await.assert_status(400);
        app.get("/search/suggest?q=wid").await.assert_contains("\"name\":\"Plain Widget\"").assert_contains("\"url\":\"/p/plain-widget");
    }
}

on_both_backends! {
    async fn html_in_product_text_is_escaped(db: TestDb) {
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Risky");
        let (id, _) = ProductBuilder::new("<script>alert(1)</script> Gadget")
            .description("A <b>bold</b> gadget <img src=x onerror=alert(2)>")
            .insert(&mut conn, shop, cat);
        let slug = product_slug(&mut conn, id);
        let cat_slug = category_slug(&mut conn, cat);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        for path in ["/search?q=gadget".to_owned(), format!("/p/{slug}"), format!("/c/{cat_slug}")] {
            let page = app.get(&path).await;
            assert!(!page.body.contains("<script>alert"), "{path}");
            assert!(!page.body.contains("<img src=x"), "{path}");
            assert!(!page.body.contains("<b>bold"), "{path}");
        }
        app.get("/search?q=gadget").await
            .assert_contains("&#60;script&#62;")
            .assert_contains("<mark>gadget</mark>");
        // JSON for the suggestion script, which inserts names as text, never as markup.
        let suggest = app.get("/search/suggest?q=gadg").await;
        assert_eq!(suggest.header("content-type"), Some("application/json"));
        suggest.assert_contains("Gadget");
    }
}

on_both_backends! {
    async fn health_reports_how_far_search_lags(db: TestDb) {
        let app = TestApp::new(db).await;
        let mut conn = app.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Health");
        ProductBuilder::new("Lagging Product").insert(&mut conn, shop, cat);
        drop(conn);
        app.drain_search();
        app.send(crate::common::from_this_machine("/healthz"))
            .await
            .assert_status(200)
            .assert_contains("\"behind\":0");
    }
}

on_both_backends! {
    async fn a_late_committing_outbox_row_is_not_skipped(db: TestDb) {
        // Only PostgreSQL lets two writers overlap; SQLite queues them, so ids commit in order.
        if db.is_sqlite() {
            return;
        }
        let mut conn = db.conn();
        let shop = seller(&mut conn);
        let cat = category(&mut conn, "Boats");
        let index = Arc::new(SearchIndex::open(&db.data_dir().join("node")).unwrap());
        let indexer = Indexer::new(index.clone()).unwrap();
        indexer.drain(&mut conn).unwrap();
        let mut slow = db.conn();
        slow.transaction::<_, diesel::result::Error, _>(|slow| {
            // This writer takes the lower outbox id but commits last.
            ProductBuilder::new("Sea Kayak").insert(slow, shop, cat);
            ProductBuilder::new("River Canoe").insert(&mut conn, shop, cat);
            indexer.drain(&mut conn).unwrap();
            // The later row is searchable at once, but the position waits below the gap.
            assert_eq!(find(&mut conn, &index, "canoe").total, 1);
            assert!(shopwave::search::lag(&mut conn, &index).unwrap().behind >= 2);
            Ok(())
        }).unwrap();
        indexer.drain(&mut conn).unwrap();
        assert_eq!(find(&mut conn, &index, "kayak").total, 1, "the late row was applied");
        assert_eq!(find(&mut conn, &index, "canoe").total, 1);
        assert_eq!(shopwave::search::lag(&mut conn, &index).unwrap().behind, 0);
    }
}
