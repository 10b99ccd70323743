//! Full-text product search: a tantivy index per node, fed from the database's search outbox.
//!
//! Writers call [`enqueue`] inside the transaction of every change search must see (product or
//! variant created, edited, deleted or unpublished, stock reaching or leaving zero, price or
//! rating change). The [`Indexer`] applies the outbox to the index in id order; the search page
//! reads through [`find`], category pages through [`category`], search-as-you-type through
//! [`suggest`]. Both pages answer with product ids, which the catalog turns into products.

pub mod category;
mod did_you_mean;
mod documents;
mod facets;
mod filters;
mod highlight;
mod index;
mod indexer;
mod keyset;
mod query;
mod service;
mod suggest;
mod text;

use diesel::prelude::*;

pub use facets::{Facets, SAMPLE as FACET_SAMPLE};
pub use highlight::{Fragment, Highlighter};
pub use index::SearchIndex;
pub use indexer::{Indexer, Running, Staged, spawn};
pub use service::{Found, PAGE_SIZE, SearchRequest, find};
pub use suggest::{Suggestion, suggest};
pub use text::MAX_CHARS;

use crate::db::DbConn;
use crate::db::schema::search_outbox;
use crate::error::Result;

/// Records that `product_id` changed; call it inside the transaction that changes it, so the
/// index learns of exactly the changes that committed.
pub fn enqueue(conn: &mut DbConn, product_id: i64) -> Result<()> {
    diesel::insert_into(search_outbox::table)
        .values(search_outbox::product_id.eq(product_id))
        .execute(conn)?;
    Ok(())
}

/// How far this node's index trails the outbox.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Lag {
    pub latest_outbox_id: i64,
    pub applied_outbox_id: i64,
    pub behind: i64,
}

pub fn lag(conn: &mut DbConn, index: &SearchIndex) -> Result<Lag> {
    let latest = search_outbox::table
        .select(diesel::dsl::max(search_outbox::id))
        .first::<Option<i64>>(conn)?
        .unwrap_or(0);
    let applied = index.applied_outbox_id().unwrap_or(0);
    Ok(Lag {
        latest_outbox_id: latest,
        applied_outbox_id: applied,
        behind: (latest - applied).max(0),
    })
}
