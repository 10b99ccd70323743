//! The tantivy index of one node: its schema, where it lives, and the outbox position its last
//! commit reached (kept in the commit payload, so the two can never disagree).

use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, ReloadPolicy, Term};

use super::did_you_mean::Vocabularies;
use crate::error::{Error, Result};

/// Bump when the schema changes: a new folder means a fresh index, rebuilt from the database.
const FOLDER: &str = "search-v2";
/// English stemming for what shoppers search in.
pub const STEMMED: &str = "en_stem";
/// Lower-cased, unstemmed words, for search-as-you-type prefixes ("batter" → "batteries").
const PLAIN: &str = "default";

#[derive(Clone, Copy)]
pub struct Fields {
    pub product_id: Field,
    pub name: Field,
    pub slug: Field,
    pub name_words: Field,
    pub description: Field,
    pub categories: Field,
    pub seller: Field,
    /// The SKUs of the product's options, split into words as names are ("SW-000123-1" is
    /// "sw", "000123", "1"), so a shopper who types one finds its product.
    pub skus: Field,
    /// Every category the product is filed under, with all their ancestors.
    pub category_ids: Field,
    pub seller_id: Field,
    /// Cents: the product's lowest variant price.
    pub price: Field,
    /// Hundredths of a star, 0..=500.
    pub rating: Field,
    pub in_stock: Field,
    pub featured: Field,
    /// Microseconds since the epoch.
    pub created: Field,
}

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let text = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let number = || INDEXED | FAST;
    let fields = Fields {
        product_id: builder.add_u64_field("product_id", INDEXED | FAST),
        name: builder.add_text_field("name", text(STEMMED) | STORED),
        slug: builder.add_text_field("slug", STORED),
        name_words: builder.add_text_field("name_words", text(PLAIN)),
        description: builder.add_text_field("description", text(STEMMED)),
        categories: builder.add_text_field("categories", text(STEMMED)),
        seller: builder.add_text_field("seller", text(STEMMED)),
        skus: builder.add_text_field("skus", text(PLAIN)),
        category_ids: builder.add_u64_field("category_ids", number()),
        seller_id: builder.add_u64_field("seller_id", number()),
        price: builder.add_u64_field("price", number()),
        rating: builder.add_u64_field("rating", number()),
        in_stock: builder.add_u64_field("in_stock", number()),
        featured: builder.add_u64_field("featured", FAST),
        created: builder.add_i64_field("created", FAST),
    };
    (builder.build(), fields)
}

/// A node's index, opened for reading and (by its indexer) writing.
pub struct SearchIndex {
    pub(super) index: Index,
    reader: IndexReader,
    pub fields: Fields,
    /// The outbox position searches see: set after the reader reloads, not at commit, so
    /// `/healthz` never reports as applied what a search cannot find yet. -1: never filled.
    visible_position: AtomicI64,
    /// The product names' words, for "did you mean", read once per searcher generation.
    pub(super) vocabularies: Vocabularies,
}

impl SearchIndex {
    /// Opens the index under `data_dir`, creating it empty the first time.
    pub fn open(data_dir: &Path) -> Result<SearchIndex> {
        let dir = data_dir.join(FOLDER);
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let (schema, fields) = schema();
        let directory = tantivy::directory::MmapDirectory::open(&dir).map_err(internal)?;
        let index = Index::open_or_create(directory, schema).map_err(internal)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        let committed = index.load_metas().map_err(internal)?.payload;
        let position = committed.as_deref().and_then(parse_payload).unwrap_or(-1);
        Ok(SearchIndex {
            index,
            reader,
            fields,
            visible_position: AtomicI64::new(position),
            vocabularies: Vocabularies::default(),
        })
    }

    /// The last outbox id searches reflect; `None` for an index never filled.
    pub fn applied_outbox_id(&self) -> Option<i64> {
        let position = self.visible_position.load(Ordering::Acquire);
        (position >= 0).then_some(position)
    }

    /// Makes a new commit, which reached outbox id `position`, visible to searches.
    pub(super) fn reload(&self, position: i64) -> Result<()> {
        self.reader.reload().map_err(internal)?;
        self.visible_position.store(position, Ordering::Release);
        Ok(())
    }

    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    pub fn product_term(&self, product_id: i64) -> Term {
        Term::from_field_u64(self.fields.product_id, product_id as u64)
    }
}

const PAYLOAD_PREFIX: &str = "outbox_id=";

pub(super) fn payload(outbox_id: i64) -> String {
    format!("{PAYLOAD_PREFIX}{outbox_id}")
}

fn parse_payload(text: &str) -> Option<i64> {
    text.strip_prefix(PAYLOAD_PREFIX)?.parse().ok()
}

pub(super) fn internal(error: impl std::fmt::Display) -> Error {
    Error::Internal(format!("search index: {error}"))
}
