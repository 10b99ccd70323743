//! A judged set of shoppers' searches on the demo shop: words as typed, plurals, typos, several
//! words, a seller's name, an option's SKU. What each query should find is judged from the catalogue itself: the
//! products whose name holds every meant word, or that the meant seller sells. Recall at 10 is
//! the share of the first ten results (or of all the relevant products, when there are fewer)
//! that are relevant. `RECALL_REPORT=1` prints each query's figure, for BENCHMARKS.md.

use std::collections::HashSet;

use diesel::prelude::*;

#[allow(unused_imports)]
use crate::common::{TestApp, TestDb};
use crate::on_both_backends;
use crate::search::find;
use shopwave::db::schema::{product_variants, products, sellers};

/// What a shopper meant by a query.
enum Meant {
    /// Products whose name holds each of these words.
    Named(&'static [&'static str]),
    /// Products this seller sells.
    SoldBy(&'static str),
    /// The product with an option of this SKU.
    Sku(&'static str),
}

use Meant::{Named, Sku, SoldBy};

const JUDGED: &[(&str, Meant)] = &[
    // As the names spell them.
    ("walnut desk", Named(&["walnut", "desk"])),
    ("leather bag", Named(&["leather", "bag"])),
    ("bamboo chair", Named(&["bamboo", "chair"])),
    ("skillet", Named(&["skillet"])),
    ("novel", Named(&["novel"])),
    ("field guide", Named(&["field", "guide"])),
    ("bike light", Named(&["bike", "light"])),
    ("phone case", Named(&["phone", "case"])),
    ("headphones", Named(&["headphones"])),
    ("desk lamp", Named(&["desk", "lamp"])),
    // Plurals and other forms.
    ("desks", Named(&["desk"])),
    ("bags", Named(&["bag"])),
    ("tents", Named(&["tent"])),
    ("chairs", Named(&["chair"])),
    ("laptops", Named(&["laptop"])),
    ("monitors", Named(&["monitor"])),
    ("speakers", Named(&["speaker"])),
    ("puzzles", Named(&["puzzle"])),
    ("backpacks", Named(&["backpack"])),
    ("shirts", Named(&["shirt"])),
    ("novels", Named(&["novel"])),
    ("skillets", Named(&["skillet"])),
    // One typo in a word of five letters or more, two from nine.
    ("wallnut desk", Named(&["walnut", "desk"])),
    ("lether bag", Named(&["leather", "bag"])),
    ("bambo chair", Named(&["bamboo", "chair"])),
    ("laptpo", Named(&["laptop"])),
    ("moniter", Named(&["monitor"])),
    ("backpak", Named(&["backpack"])),
    ("puzzel", Named(&["puzzle"])),
    ("speeker", Named(&["speaker"])),
    ("cotten shirt", Named(&["cotton", "shirt"])),
    ("aluminum skillet", Named(&["aluminium", "skillet"])),
    ("linnen dress", Named(&["linen", "dress"])),
    ("ruged walnut chair", Named(&["rugged", "walnut", "chair"])),
    ("nordik chair", Named(&["nordic", "chair"])),
    ("smarphone", Named(&["smartphone"])),
    ("headphnoes", Named(&["headphones"])),
    ("ceramc desk", Named(&["ceramic", "desk"])),
    ("lightwieght puzzle", Named(&["lightweight", "puzzle"])),
    // Several words, some of them the adjective.
    ("premium leather bag", Named(&["premium", "leather", "bag"])),
    (
        "compact leather desk",
        Named(&["compact", "leather", "desk"]),
    ),
    (
        "nordic leather shirt",
        Named(&["nordic", "leather", "shirt"]),
    ),
    (
        "deluxe wool backpack",
        Named(&["deluxe", "wool", "backpack"]),
    ),
    ("rugged cotton tent", Named(&["rugged", "cotton", "tent"])),
    (
        "modern bamboo puzzle",
        Named(&["modern", "bamboo", "puzzle"]),
    ),
    ("studio headphones", Named(&["studio", "headphones"])),
    ("coffee maker", Named(&["coffee", "maker"])),
    ("running shoe", Named(&["running", "shoe"])),
    // A seller's name.
    ("Northwind Traders", SoldBy("Northwind Traders")),
    ("Summit Outfitters", SoldBy("Summit Outfitters")),
    ("Volt Electronics", SoldBy("Volt Electronics")),
    ("Page Turner Books", SoldBy("Page Turner Books")),
    // An option's SKU, as printed or typed in lower case.
    ("SW-000001-1", Sku("SW-000001-1")),
    ("sw-000042-1", Sku("SW-000042-1")),
];

/// The lowest mean recall at 10 the set may have.
const RECALL_FLOOR: f64 = 0.95;

/// A published product as the judgments read it: id, name, seller, its options' SKUs.
type Listed = (i64, String, String, Vec<String>);

fn catalogue(conn: &mut shopwave::db::DbConn) -> Vec<Listed> {
    let products: Vec<(i64, String, String)> = products::table
        .inner_join(sellers::table)
        .filter(products::status.eq(shopwave::catalog::ProductStatus::Active))
        .filter(products::deleted_at.is_null())
        .select((products::id, products::name, sellers::display_name))
        .load(conn)
        .expect("the catalogue");
    let skus: Vec<(i64, String)> = product_variants::table
        .select((product_variants::product_id, product_variants::sku))
        .load(conn)
        .expect("options");
    products
        .into_iter()
        .map(|(id, name, seller)| {
            let own = skus
                .iter()
                .filter(|(p, _)| *p == id)
                .map(|(_, s)| s.clone())
                .collect();
            (id, name, seller, own)
        })
        .collect()
}

fn relevant(catalogue: &[Listed], meant: &Meant) -> HashSet<i64> {
    catalogue
        .iter()
        .filter(|(_, name, seller, skus)| match meant {
            Named(words) => {
                let name: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
                words.iter().all(|word| name.iter().any(|w| w == word))
            }
            SoldBy(who) => seller == who,
            Sku(sku) => skus.iter().any(|s| s == sku),
        })
        .map(|(id, ..)| *id)
        .collect()
}

on_both_backends! {
    async fn a_judged_set_of_fifty_searches_finds_what_shoppers_meant(db: TestDb) {
        shopwave::seed::demo(&mut db.conn(), None).expect("demo seed");
        let app = TestApp::new(db).await;
        app.drain_search();
        assert!(JUDGED.len() >= 50);
        let conn = &mut app.conn();
        let catalogue = catalogue(conn);
        let mut total = 0.0;
        let mut misses = Vec::new();
        for (query, meant) in JUDGED {
            let wanted = relevant(&catalogue, meant);
            assert!(!wanted.is_empty(), "{query:?}: the demo shop sells what it means");
            let found = find(conn, &app.search, query);
            let top: Vec<i64> = found.hits.iter().take(10).map(|h| h.card.id).collect();
            let hits = top.iter().filter(|id| wanted.contains(id)).count();
            let recall = hits as f64 / wanted.len().min(10) as f64;
            if std::env::var("RECALL_REPORT").is_ok() {
                eprintln!("| {query} | {} | {recall:.2} |", wanted.len());
            }
            if recall < 1.0 {
                misses.push(format!("{query:?}: {recall:.2}"));
            }
            total += recall;
        }
        let mean = total / JUDGED.len() as f64;
        assert!(mean >= RECALL_FLOOR, "mean recall at 10 is {mean:.3}; below 1.0: {misses:#?}");
    }
}
