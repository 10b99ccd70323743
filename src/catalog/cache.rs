//! The catalog pages' data held in memory between changes, so the pages shoppers load most —
//! home, category listings, product pages, searches — cost no database work while nothing changes.
//!
//! Freshness rests on the search outbox: every change to what shoppers see of a product writes an
//! outbox row in the same transaction (`search::enqueue`). An entry holds only for the catalog
//! version it was read at: the outbox position this node's search index has applied, plus a count
//! of catalog writes this node made itself (bumped right after they commit). So a seller or admin
//! sees their change at once on the node that made it, and every other node within one indexer
//! pass (100 ms). Entries also expire after `MAX_AGE`, which bounds how long anything no outbox row
//! announces (a reviewer's new display name, a new seller in the filter list) can show stale.
//!
//! Memory: an entry is a page's data, 5–20 KB, so the default 10,000 entries of each kind hold at
//! most a few hundred megabytes, and far less in practice (227 MB peak RSS for the whole server in
//! the PostgreSQL benchmark at 100,000 products).

use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use lru::LruCache;

use super::Home;
use super::category::CategoryPage;
use super::feed::FeedStore;
use super::product::ProductPage;
use super::search_results::SearchResults;
use super::sitemap::{Address, SitemapIndex};
use crate::search::SearchIndex;

pub const MAX_AGE: Duration = Duration::from_secs(30);

/// What an entry was read at; any change to either part makes it stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    applied_outbox_id: i64,
    local_changes: u64,
}

pub struct CatalogCache {
    search: Arc<SearchIndex>,
    local_changes: AtomicU64,
    pub home: Shelf<(), Home>,
    /// Keyed by the listing's canonical address (slug, filters, sort, cursor).
    pub categories: Shelf<String, CategoryPage>,
    /// Keyed by slug and reviews cursor.
    pub products: Shelf<(String, Option<String>), ProductPage>,
    /// Keyed by `SearchRequest::cache_key`.
    pub searches: Shelf<String, SearchResults>,
    pub sitemap_index: Shelf<(), SitemapIndex>,
    /// Keyed by product file number; `None` is the categories file.
    pub sitemap_files: Shelf<Option<i64>, Vec<Address>>,
    /// The shopping feed's rendered chunks, which follow the outbox themselves (`catalog::feed`).
    pub feed: FeedStore<String>,
}

impl CatalogCache {
    /// `entries` per kind of page; 0 turns caching off (every request reads the database).
    pub fn new(search: Arc<SearchIndex>, entries: usize) -> CatalogCache {
        CatalogCache {
            search,
            local_changes: AtomicU64::new(0),
            home: Shelf::new(entries.min(1)),
            categories: Shelf::new(entries),
            products: Shelf::new(entries),
            searches: Shelf::new(entries),
            sitemap_index: Shelf::new(entries.min(1)),
            // Ten product files at 500,000 products, a few megabytes each.
            sitemap_files: Shelf::new(entries.min(32)),
            feed: FeedStore::default(),
        }
    }

    pub fn version(&self) -> Version {
        Version {
            applied_outbox_id: self.applied_outbox_id(),
            local_changes: self.local_changes.load(Ordering::Acquire),
        }
    }

    /// The outbox position this node's search index has applied (-1 before its first commit).
    pub fn applied_outbox_id(&self) -> i64 {
        self.search.applied_outbox_id().unwrap_or(-1)
    }

    /// A catalog write of this node has committed: everything read before it is stale.
    pub fn changed(&self) {
        self.local_changes.fetch_add(1, Ordering::AcqRel);
    }
}

/// One kind of page's entries, least recently used first out.
pub struct Shelf<K: Hash + Eq, V> {
    entries: Option<Mutex<LruCache<K, Entry<V>>>>,
}

struct Entry<V> {
    version: Version,
    stored: Instant,
    value: Arc<V>,
}

impl<K: Hash + Eq, V> Shelf<K, V> {
    /// Holds up to `capacity` entries; 0 keeps nothing.
    pub fn new(capacity: usize) -> Shelf<K, V> {
        Shelf {
            entries: NonZeroUsize::new(capacity).map(|n| Mutex::new(LruCache::new(n))),
        }
    }

    /// The entry for `key` if it was read at `version` and is not too old.
    pub fn get(&self, key: &K, version: Version) -> Option<Arc<V>> {
        let mut entries = self.lock()?;
        let entry = entries.get(key)?;
        if entry.version == version && entry.stored.elapsed() < MAX_AGE {
            Some(entry.value.clone())
        } else {
            entries.pop(key);
            None
        }
    }

    /// Keeps `value`, read at `version` (taken before the read began, so a change that commits
    /// during the read leaves the entry already stale rather than wrongly fresh).
    pub fn put(&self, key: K, version: Version, value: Arc<V>) {
        if let Some(mut entries) = self.lock() {
            entries.put(
                key,
                Entry {
                    version,
                    stored: Instant::now(),
                    value,
                },
            );
        }
    }

    fn lock(&self) -> Option<MutexGuard<'_, LruCache<K, Entry<V>>>> {
        // A panic elsewhere while holding the lock leaves whole entries behind, never half ones.
        self.entries
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(applied_outbox_id: i64, local_changes: u64) -> Version {
        Version {
            applied_outbox_id,
            local_changes,
        }
    }

    #[test]
    fn an_entry_holds_only_for_the_version_it_was_read_at() {
        let shelf: Shelf<&str, i32> = Shelf::new(10);
        shelf.put("a", version(5, 0), Arc::new(1));
        assert_eq!(shelf.get(&"a", version(5, 0)).as_deref(), Some(&1));
        assert_eq!(shelf.get(&"a", version(6, 0)), None);
        // Once found stale it is gone, even for the version it was read at.
        assert_eq!(shelf.get(&"a", version(5, 0)), None);
        shelf.put("b", version(5, 0), Arc::new(2));
        assert_eq!(shelf.get(&"b", version(5, 1)), None);
    }

    #[test]
    fn the_least_recently_used_entry_leaves_first_and_zero_capacity_keeps_nothing() {
        let shelf: Shelf<i32, i32> = Shelf::new(2);
        let v = version(1, 0);
        shelf.put(1, v, Arc::new(1));
        shelf.put(2, v, Arc::new(2));
        shelf.get(&1, v);
        shelf.put(3, v, Arc::new(3));
        assert!(shelf.get(&1, v).is_some());
        assert!(shelf.get(&2, v).is_none());
        let off: Shelf<i32, i32> = Shelf::new(0);
        off.put(1, v, Arc::new(1));
        assert!(off.get(&1, v).is_none());
    }
}
