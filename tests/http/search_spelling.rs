//! Typos are forgiven when the words as typed find too little, and only then: a search whose
//! words match a page of products shows those, not their near spellings.

use crate::common::builders::{ProductBuilder, category, seller};
#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use crate::search::{find, names};
use shopwave::search::PAGE_SIZE as PAGE;

on_both_backends! {
    async fn near_spellings_fill_in_only_when_the_words_as_typed_find_less_than_a_page(db: TestDb) {
        let mut conn = db.conn();
        let (shop, furniture) = (seller(&mut conn), category(&mut conn, "Furniture"));
        ProductBuilder::new("Walnut Desk").insert(&mut conn, shop, furniture);
        ProductBuilder::new("Walnat Shelf").insert(&mut conn, shop, furniture);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        let mut conn = app.conn();
        // One product as typed: the near spelling ("walnat", one letter off) joins it, after it.
        assert_eq!(names(&find(&mut conn, &app.search, "walnut")), ["Walnut Desk", "Walnat Shelf"]);
        // A typo alone still finds what was meant.
        assert!(names(&find(&mut conn, &app.search, "walnutt")).contains(&"Walnut Desk".to_owned()));

        let (shop, furniture) = (seller(&mut conn), category(&mut conn, "Tables"));
        for n in 1..PAGE {
            ProductBuilder::new(&format!("Walnut Table {n}")).insert(&mut conn, shop, furniture);
        }
        drop(conn);
        app.drain_search();
        let mut conn = app.conn();
        // A full page as typed: the near spelling is left out, and the total counts only them.
        let found = find(&mut conn, &app.search, "walnut");
        assert_eq!(found.total, PAGE);
        assert!(!names(&found).contains(&"Walnat Shelf".to_owned()));
    }
}

on_both_backends! {
    async fn a_search_that_finds_nothing_offers_the_spelling_the_shop_uses(db: TestDb) {
        let mut conn = db.conn();
        let (shop, lighting) = (seller(&mut conn), category(&mut conn, "Lighting"));
        ProductBuilder::new("Quokka Night Lamp").insert(&mut conn, shop, lighting);
        ProductBuilder::new("Brass Desk Lamp").insert(&mut conn, shop, lighting);
        ProductBuilder::new("Coffee Grinder").insert(&mut conn, shop, lighting);
        drop(conn);
        let app = TestApp::new(db).await;
        app.drain_search();
        // "lmap" is too short to be forgiven a typo, so it finds nothing; the page offers the
        // word the names use, and that search finds both lamps.
        let page = app.get("/search?q=lmap").await;
        page.assert_status(200).assert_contains("Nothing matched").assert_contains("Did you mean <a href=\"/search?q=lamp\">lamp</a>?");
        app.get("/search?q=lamp").await.assert_contains("Quokka Night").assert_contains("Brass Desk").assert_contains("2 products found");
        // Every word is mended on its own; words the names use are kept.
        app.get("/search?q=quokka+lmap").await.assert_contains("Did you mean <a href=\"/search?q=quokka%20lamp\">quokka lamp</a>?");
        // A search that finds something offers nothing, nor does one with no near word.
        assert!(!app.get("/search?q=lamp").await.body.contains("Did you mean"));
        let nothing = app.get("/search?q=zzyzx").await;
        nothing.assert_contains("Nothing matched");
        assert!(!nothing.body.contains("Did you mean"));
    }
}
