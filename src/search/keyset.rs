//! A keyset page of a listing straight from the index: the first `limit` matching products in
//! (sort key, product id) order that come strictly after a cursor.
//!
//! Tantivy's own `order_by_fast_field` breaks ties by document address, which changes as
//! segments merge, and a sort key such as "featured" ties on nearly every product; a cursor then
//! cannot say where the next page starts. This collector orders by the sort key *and* the
//! product id, the same (key, id) pair the `Cursor` carries, so pages neither skip nor repeat.

use std::collections::BinaryHeap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::listing::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

impl Direction {
    /// A product's place as a value that sorts ascending in listing order. `!x` (that is
    /// -x - 1) reverses the order of every i64, so a descending order needs no second code
    /// path and no key a cursor may carry can overflow.
    fn rank(self, place: Cursor) -> Rank {
        match self {
            Direction::Ascending => Rank(place.key, place.id),
            Direction::Descending => Rank(!place.key, !place.id),
        }
    }

    fn place(self, rank: Rank) -> Cursor {
        match self {
            Direction::Ascending => Cursor {
                key: rank.0,
                id: rank.1,
            },
            Direction::Descending => Cursor {
                key: !rank.0,
                id: !rank.1,
            },
        }
    }
}

/// A place in listing order: smaller comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Rank(i64, i64);

/// Collects the page: `limit` products ordered by the fast field `key_field` (u64 or i64)
/// then by product id, both in `direction`, keeping only those after `after`.
pub struct KeysetCollector {
    pub key_field: &'static str,
    pub direction: Direction,
    pub after: Option<Cursor>,
    pub limit: usize,
}

impl KeysetCollector {
    fn best(&self) -> Best {
        Best {
            direction: self.direction,
            after: self.after.map(|c| self.direction.rank(c)),
            limit: self.limit,
            kept: BinaryHeap::with_capacity(self.limit + 1),
        }
    }
}

impl Collector for KeysetCollector {
    /// The places (sort key, product id) of the page's products, in listing order.
    type Fruit = Vec<Cursor>;
    type Child = SegmentPage;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentPage> {
        let fast = segment.fast_fields();
        let key = match fast.column_opt::<u64>(self.key_field)? {
            Some(column) => KeyColumn::Unsigned(column),
            None => KeyColumn::Signed(fast.i64(self.key_field)?),
        };
        Ok(SegmentPage {
            key,
            product_id: fast.u64("product_id")?,
            best: self.best(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<Vec<Cursor>>) -> tantivy::Result<Vec<Cursor>> {
        let mut best = self.best();
        for place in segments.into_iter().flatten() {
            best.offer(place);
        }
        Ok(best.in_order())
    }
}

/// The sort key's column: prices, ratings and flags are u64, creation times i64.
enum KeyColumn {
    Unsigned(Column<u64>),
    Signed(Column<i64>),
}

impl KeyColumn {
    fn first(&self, doc: DocId) -> Option<i64> {
        match self {
            KeyColumn::Unsigned(column) => column.first(doc).map(saturating_i64),
            KeyColumn::Signed(column) => column.first(doc),
        }
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

pub struct SegmentPage {
    key: KeyColumn,
    product_id: Column<u64>,
    best: Best,
}

impl SegmentCollector for SegmentPage {
    type Fruit = Vec<Cursor>;

    fn collect(&mut self, doc: DocId, _: Score) {
        // Every indexed product has both values; a document without them cannot be placed.
        if let (Some(key), Some(id)) = (self.key.first(doc), self.product_id.first(doc)) {
            self.best.offer(Cursor {
                key,
                id: saturating_i64(id),
            });
        }
    }

    fn harvest(self) -> Vec<Cursor> {
        self.best.in_order()
    }
}

/// The first `limit` places after `after` seen so far: a max-heap whose top is the last place
/// kept, so a place that would not make the page is turned away with one comparison.
struct Best {
    direction: Direction,
    after: Option<Rank>,
    limit: usize,
    kept: BinaryHeap<Rank>,
}

impl Best {
    fn offer(&mut self, place: Cursor) {
        let rank = self.direction.rank(place);
        if self.after.is_some_and(|after| rank <= after) || self.limit == 0 {
            return;
        }
        if self.kept.len() < self.limit {
            self.kept.push(rank);
        } else if let Some(mut last) = self.kept.peek_mut()
            && rank < *last
        {
            *last = rank;
        }
    }

    fn in_order(self) -> Vec<Cursor> {
        let direction = self.direction;
        self.kept
            .into_sorted_vec()
            .into_iter()
            .map(|rank| direction.place(rank))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(key: i64, id: i64) -> Cursor {
        Cursor { key, id }
    }

    fn best_of(
        direction: Direction,
        after: Option<Cursor>,
        limit: usize,
        places: &[(i64, i64)],
    ) -> Vec<(i64, i64)> {
        let mut best = KeysetCollector {
            key_field: "unused",
            direction,
            after,
            limit,
        }
        .best();
        for (key, id) in places {
            best.offer(place(*key, *id));
        }
        best.in_order().into_iter().map(|c| (c.key, c.id)).collect()
    }

    #[test]
    fn ties_on_the_key_are_broken_by_id_in_the_same_direction() {
        let places = [(1, 5), (0, 9), (1, 2), (0, 3), (1, 7)];
        assert_eq!(
            best_of(Direction::Descending, None, 10, &places),
            [(1, 7), (1, 5), (1, 2), (0, 9), (0, 3)]
        );
        assert_eq!(
            best_of(Direction::Ascending, None, 10, &places),
            [(0, 3), (0, 9), (1, 2), (1, 5), (1, 7)]
        );
    }

    #[test]
    fn only_places_strictly_after_the_cursor_are_kept_up_to_the_limit() {
        let places = [(1, 5), (0, 9), (1, 2), (0, 3), (1, 7)];
        assert_eq!(
            best_of(Direction::Descending, Some(place(1, 5)), 2, &places),
            [(1, 2), (0, 9)]
        );
        assert_eq!(
            best_of(Direction::Ascending, Some(place(0, 9)), 2, &places),
            [(1, 2), (1, 5)]
        );
        assert_eq!(best_of(Direction::Ascending, None, 0, &places), []);
    }

    #[test]
    fn extreme_cursor_keys_neither_overflow_nor_match() {
        let places = [(0, 1), (500, 2)];
        let lowest = Some(place(i64::MIN, i64::MIN));
        let highest = Some(place(i64::MAX, i64::MAX));
        assert_eq!(
            best_of(Direction::Descending, lowest, 5, &places),
            [] as [(i64, i64); 0]
        );
        assert_eq!(
            best_of(Direction::Descending, highest, 5, &places),
            [(500, 2), (0, 1)]
        );
        assert_eq!(
            best_of(Direction::Ascending, lowest, 5, &places),
            [(0, 1), (500, 2)]
        );
    }

    #[test]
    fn merging_segment_pages_keeps_the_overall_first() {
        let page = KeysetCollector {
            key_field: "unused",
            direction: Direction::Descending,
            after: None,
            limit: 3,
        };
        let merged = page
            .merge_fruits(vec![
                vec![place(1, 8), place(0, 6)],
                vec![place(1, 4), place(0, 7)],
                vec![],
            ])
            .unwrap();
        assert_eq!(merged, [place(1, 8), place(1, 4), place(0, 7)]);
    }
}
