//! A shopper's words as an index query: every word must match in some field, exactly or (when
//! asked) within a typo or two, phrases in order, excluded words nowhere, and the listing filters
//! on top.

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;

use super::filters;
use super::index::SearchIndex;
use super::text::UserQuery;
use crate::db::models::Category;
use crate::listing::Filters;

/// Searched fields and how much a match in each counts.
fn weighted_fields(index: &SearchIndex) -> [(Field, f32); 4] {
    let f = &index.fields;
    [
        (f.name, 3.0),
        (f.categories, 1.5),
        (f.seller, 1.5),
        (f.description, 1.0),
    ]
}

/// Whether a word may also match words a typo or two away from it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Spelling {
    AsTyped,
    ForgivingTypos,
}

pub(super) fn build(
    index: &SearchIndex,
    parsed: &UserQuery,
    filters: &Filters,
    category: Option<&Category>,
    seller_id: Option<i64>,
    spelling: Spelling,
) -> Box<dyn Query> {
    let fields = weighted_fields(index);
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for word in &parsed.words {
        let terms = analyzed(index, word);
        if terms.is_empty() {
            continue;
        }
        // Every word must match somewhere: exactly, or for longer words within a typo or two.
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, weight) in fields {
            for term in &terms {
                let exact = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                alternatives.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(exact), weight)),
                ));
                if let Some(distance) = typo_allowance(term)
                    && spelling == Spelling::ForgivingTypos
                {
                    let fuzzy =
                        FuzzyTermQuery::new(Term::from_field_text(field, term), distance, true);
                    alternatives.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(fuzzy), weight * 0.3)),
                    ));
                }
            }
        }
        // A SKU is matched as typed, never by near spellings: "000124" is another product.
        let sku = TermQuery::new(
            Term::from_field_text(index.fields.skus, word),
            IndexRecordOption::Basic,
        );
        alternatives.push((Occur::Should, Box::new(BoostQuery::new(Box::new(sku), 3.0))));
        // Stemming can carry a typo away from the word it spoils ("moniter" stems to "monit",
        // two letters from "monitor"), so the word as typed is also compared with the names'
        // words as written.
        let typed = word.to_lowercase();
        if let Some(distance) = typo_allowance(&typed)
            && spelling == Spelling::ForgivingTypos
        {
            let name_words = index.fields.name_words;
            let fuzzy =
                FuzzyTermQuery::new(Term::from_field_text(name_words, &typed), distance, true);
            alternatives.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(fuzzy), 3.0 * 0.3)),
            ));
        }
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
    }
    for phrase in &parsed.phrases {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, weight) in fields {
            let terms: Vec<Term> = phrase
                .iter()
                .flat_map(|word| analyzed(index, word))
                .map(|t| Term::from_field_text(field, &t))
                .collect();
            let query: Box<dyn Query> = match terms.len() {
                0 => continue,
                1 => Box::new(TermQuery::new(
                    terms[0].clone(),
                    IndexRecordOption::WithFreqs,
                )),
                _ => Box::new(PhraseQuery::new(terms)),
            };
            alternatives.push((Occur::Should, Box::new(BoostQuery::new(query, weight))));
        }
        if !alternatives.is_empty() {
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
    }
    if clauses.is_empty() {
        // Nothing typed means every product (filters narrow it); typed words that all
        // analysed to nothing mean no product.
        let everything: Box<dyn Query> = if parsed.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(EmptyQuery)
        };
        clauses.push((Occur::Must, everything));
    }
    for word in &parsed.excluded {
        for term in analyzed(index, word) {
            for (field, _) in fields {
                let query = TermQuery::new(
                    Term::from_field_text(field, &term),
                    IndexRecordOption::Basic,
                );
                clauses.push((Occur::MustNot, Box::new(query)));
            }
        }
    }
    let category_id = category.map(|c| c.id);
    for clause in filters::clauses(index, filters, category_id, seller_id) {
        clauses.push((Occur::Must, clause));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Whether forgiving typos could find more than the words as typed: some word is long enough.
pub(super) fn typos_forgivable(index: &SearchIndex, parsed: &UserQuery) -> bool {
    parsed
        .words
        .iter()
        .flat_map(|word| analyzed(index, word))
        .any(|term| typo_allowance(&term).is_some())
}

/// Typos forgiven: none in short words (too many false friends), one from 5 letters, two from 9.
fn typo_allowance(term: &str) -> Option<u8> {
    match term.chars().count() {
        0..=4 => None,
        5..=8 => Some(1),
        _ => Some(2),
    }
}

/// `word` as the stemmed fields index it.
pub(super) fn analyzed(index: &SearchIndex, word: &str) -> Vec<String> {
    let mut analyzer = stemmer(index);
    let mut stream = analyzer.token_stream(word);
    let mut terms = Vec::new();
    while let Some(token) = stream.next() {
        terms.push(token.text.clone());
    }
    terms
}

pub(super) fn stemmer(index: &SearchIndex) -> TextAnalyzer {
    index
        .index
        .tokenizers()
        .get(super::index::STEMMED)
        .expect("tantivy registers en_stem by default")
}
