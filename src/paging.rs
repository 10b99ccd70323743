//! Keyset pages: a list is read from just after the last row the visitor saw, on an indexed
//! key, so page 1,000 costs what page 1 does (no OFFSET).

/// One page of rows and the key to continue from, if more rows follow.
#[derive(Debug, Clone)]
pub struct KeysetPage<T> {
    pub items: Vec<T>,
    pub next_after: Option<i64>,
}

impl<T> KeysetPage<T> {
    /// Builds a page from up to `size + 1` rows fetched: the extra row only says more follow.
    pub fn from_rows(mut rows: Vec<T>, size: usize, key: impl Fn(&T) -> i64) -> KeysetPage<T> {
        let more = rows.len() > size;
        rows.truncate(size);
        let next_after = if more { rows.last().map(key) } else { None };
        KeysetPage {
            items: rows,
            next_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_only_signals_a_next_page() {
        let page = KeysetPage::from_rows(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_after, Some(2));
        let last = KeysetPage::from_rows(vec![1, 2], 2, |n| *n);
        assert_eq!(last.next_after, None);
    }
}
