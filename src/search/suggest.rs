//! `/search/suggest`: product names for search-as-you-type.

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Order, TantivyDocument, Term};

use super::index::{SearchIndex, internal};
use super::text;
use crate::error::Result;

const SUGGESTIONS: usize = 8;

#[derive(Debug, serde::Serialize)]
pub struct Suggestion {
    pub name: String,
    pub url: String,
}

/// Products whose name starts with what was typed, best rated first. Read from the index
/// alone: it runs on every keystroke.
pub fn suggest(index: &SearchIndex, typed: &str) -> Result<Vec<Suggestion>> {
    let parsed = text::parse(typed);
    let Some((last, before)) = parsed.words.split_last() else {
        return Ok(Vec::new());
    };
    if typed.trim().chars().count() < 2 {
        return Ok(Vec::new());
    }
    let field = index.fields.name_words;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = before
        .iter()
        .map(|word| {
            let query =
                TermQuery::new(Term::from_field_text(field, word), IndexRecordOption::Basic);
            (Occur::Must, Box::new(query) as Box<dyn Query>)
        })
        .collect();
    let prefix = FuzzyTermQuery::new_prefix(Term::from_field_text(field, last), 0, false);
    clauses.push((Occur::Must, Box::new(prefix)));
    let searcher = index.searcher();
    let top = TopDocs::with_limit(SUGGESTIONS).order_by_fast_field::<u64>("rating", Order::Desc);
    let found = searcher
        .search(&BooleanQuery::new(clauses), &top)
        .map_err(internal)?;
    found
        .into_iter()
        .map(|(_, address)| {
            let doc: TantivyDocument = searcher.doc(address).map_err(internal)?;
            let text = |field| {
                doc.get_first(field)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
            };
            Ok(Suggestion {
                name: text(index.fields.name),
                url: format!("/p/{}", text(index.fields.slug)),
            })
        })
        .collect()
}
