//! Counts of the matching products by category, by seller, by price band and by minimum rating,
//! read from the index's fast fields; then named for the page.
//!
//! A common word matches tens of thousands of products in a large shop, and counting each one
//! would make a search cost in proportion to its matches. So at most `SAMPLE` matches are
//! counted (the first ones in index order). Past that the counts are lower bounds, and the page
//! says so: "(n+)" beside each and how many of the results were counted (`Facets::sampled`).

use std::collections::HashMap;

use diesel::prelude::*;
use tantivy::columnar::Column;
use tantivy::query::Weight;
use tantivy::{DocId, DocSet, Searcher, SegmentReader, TERMINATED};

use crate::db::DbConn;
use crate::db::models::Category;
use crate::db::schema::{categories, sellers};
use crate::error::Result;
use crate::money::Money;

const TOP_SELLERS: usize = 10;

/// At most this many matches are counted for the facets of one search.
pub const SAMPLE: usize = 2_000;

/// Price bands in cents: [low, high), the last open-ended.
pub const PRICE_BANDS: [(u64, Option<u64>); 5] = [
    (0, Some(2_500)),
    (2_500, Some(5_000)),
    (5_000, Some(10_000)),
    (10_000, Some(25_000)),
    (25_000, None),
];

#[derive(Default)]
pub struct Facets {
    /// (slug, name, count): the chosen category's children, or the top level.
    pub categories: Vec<(String, String, u64)>,
    /// (slug, name, count), most products first.
    pub sellers: Vec<(String, String, u64)>,
    /// (low, high, count).
    pub prices: Vec<(Money, Option<Money>, u64)>,
    /// (stars, products rated at least that), 4 stars first.
    pub ratings: Vec<(i32, u64)>,
    /// How many matches were counted, when that is fewer than all of them: every count is then
    /// "at least".
    pub sampled: Option<usize>,
}

impl Facets {
    /// What follows each count: "+" when not every match was counted.
    pub fn at_least(&self) -> &'static str {
        if self.sampled.is_some() { "+" } else { "" }
    }
}

#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub categories: HashMap<u64, u64>,
    pub sellers: HashMap<u64, u64>,
    pub price_bands: [u64; PRICE_BANDS.len()],
    /// Index n: products rated at least n+1 stars.
    pub at_least_stars: [u64; 5],
    /// Matches counted.
    pub counted: usize,
}

impl Counts {
    fn merge(&mut self, other: Counts) {
        for (id, n) in other.categories {
            *self.categories.entry(id).or_default() += n;
        }
        for (id, n) in other.sellers {
            *self.sellers.entry(id).or_default() += n;
        }
        for (mine, theirs) in self.price_bands.iter_mut().zip(other.price_bands) {
            *mine += theirs;
        }
        for (mine, theirs) in self.at_least_stars.iter_mut().zip(other.at_least_stars) {
            *mine += theirs;
        }
        self.counted += other.counted;
    }
}

/// Counts the first `SAMPLE` matches of `weight`, segment after segment, skipping deleted
/// documents.
pub(super) fn count(searcher: &Searcher, weight: &dyn Weight) -> tantivy::Result<Counts> {
    let mut total = Counts::default();
    for reader in searcher.segment_readers() {
        let budget = SAMPLE - total.counted;
        if budget == 0 {
            break;
        }
        let mut segment = SegmentCounts::of(reader)?;
        let alive = reader.alive_bitset();
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED && segment.counts.counted < budget {
            if alive.is_none_or(|bits| bits.is_alive(doc)) {
                segment.collect(doc);
            }
            doc = scorer.advance();
        }
        total.merge(segment.counts);
    }
    Ok(total)
}

struct SegmentCounts {
    categories: Column<u64>,
    seller: Column<u64>,
    price: Column<u64>,
    rating: Column<u64>,
    counts: Counts,
}

impl SegmentCounts {
    fn of(segment: &SegmentReader) -> tantivy::Result<SegmentCounts> {
        let fast = segment.fast_fields();
        Ok(SegmentCounts {
            categories: fast.u64("category_ids")?,
            seller: fast.u64("seller_id")?,
            price: fast.u64("price")?,
            rating: fast.u64("rating")?,
            counts: Counts::default(),
        })
    }

    fn collect(&mut self, doc: DocId) {
        self.counts.counted += 1;
        for id in self.categories.values_for_doc(doc) {
            *self.counts.categories.entry(id).or_default() += 1;
        }
        if let Some(id) = self.seller.first(doc) {
            *self.counts.sellers.entry(id).or_default() += 1;
        }
        if let Some(price) = self.price.first(doc)
            && let Some(band) = PRICE_BANDS
                .iter()
                .position(|(low, high)| price >= *low && high.is_none_or(|h| price < h))
        {
            self.counts.price_bands[band] += 1;
        }
        if let Some(rating) = self.rating.first(doc) {
            let whole_stars = (rating / 100).min(5) as usize;
            for slot in self.counts.at_least_stars.iter_mut().take(whole_stars) {
                *slot += 1;
            }
        }
    }
}

/// The counts named for the page; `total` is how many products matched.
pub(super) fn facets(
    conn: &mut DbConn,
    counts: Counts,
    total: usize,
    chosen: Option<&Category>,
) -> Result<Facets> {
    let level: Vec<(i64, String, String)> = match chosen {
        Some(category) => categories::table
            .filter(categories::parent_id.eq(category.id))
            .order((categories::position, categories::id))
            .select((categories::id, categories::slug, categories::name))
            .load(conn)?,
        None => categories::table
            .filter(categories::parent_id.is_null())
            .order((categories::position, categories::id))
            .select((categories::id, categories::slug, categories::name))
            .load(conn)?,
    };
    let categories = level
        .into_iter()
        .filter_map(|(id, slug, name)| {
            let n = counts.categories.get(&(id as u64)).copied().unwrap_or(0);
            (n > 0).then_some((slug, name, n))
        })
        .collect();
    let mut top_sellers: Vec<(u64, u64)> = counts.sellers.into_iter().collect();
    top_sellers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top_sellers.truncate(TOP_SELLERS);
    let ids: Vec<i64> = top_sellers.iter().map(|(id, _)| *id as i64).collect();
    let names: HashMap<i64, (String, String)> = sellers::table
        .filter(sellers::id.eq_any(&ids))
        .select((sellers::id, sellers::slug, sellers::display_name))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, slug, name)| (id, (slug, name)))
        .collect();
    let sellers = top_sellers
        .into_iter()
        .filter_map(|(id, n)| {
            names
                .get(&(id as i64))
                .map(|(slug, name)| (slug.clone(), name.clone(), n))
        })
        .collect();
    let prices = PRICE_BANDS
        .iter()
        .zip(counts.price_bands)
        .filter(|(_, n)| *n > 0)
        .map(|((low, high), n)| {
            // Filters are inclusive, so a band's top is the cent below the next band.
            let high = high.map(|h| Money::from_minor(h as i64 - 1));
            (Money::from_minor(*low as i64), high, n)
        })
        .collect();
    let ratings = (1..=4)
        .rev()
        .map(|stars| (stars, counts.at_least_stars[stars as usize - 1]))
        .filter(|(_, n)| *n > 0)
        .collect();
    Ok(Facets {
        categories,
        sellers,
        prices,
        ratings,
        sampled: (counts.counted < total).then_some(counts.counted),
    })
}
