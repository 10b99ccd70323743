//! Counts over every matching product, in the same pass as the top results: by category, by
//! seller, by price band and by minimum rating, read from the index's fast fields.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Price bands in cents: [low, high), the last open-ended.
pub const PRICE_BANDS: [(u64, Option<u64>); 5] = [
    (0, Some(2_500)),
    (2_500, Some(5_000)),
    (5_000, Some(10_000)),
    (10_000, Some(25_000)),
    (25_000, None),
];

#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub categories: HashMap<u64, u64>,
    pub sellers: HashMap<u64, u64>,
    pub price_bands: [u64; PRICE_BANDS.len()],
    /// Index n: products rated at least n+1 stars.
    pub at_least_stars: [u64; 5],
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
    }
}

pub struct FacetCounts;

pub struct SegmentCounts {
    categories: Column<u64>,
    seller: Column<u64>,
    price: Column<u64>,
    rating: Column<u64>,
    counts: Counts,
}

impl Collector for FacetCounts {
    type Fruit = Counts;
    type Child = SegmentCounts;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentCounts> {
        let fast = segment.fast_fields();
        Ok(SegmentCounts {
            categories: fast.u64("category_ids")?,
            seller: fast.u64("seller_id")?,
            price: fast.u64("price")?,
            rating: fast.u64("rating")?,
            counts: Counts::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut total = Counts::default();
        for fruit in fruits {
            total.merge(fruit);
        }
        Ok(total)
    }
}

impl SegmentCollector for SegmentCounts {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
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

    fn harvest(self) -> Counts {
        self.counts
    }
}
