//! `/search` and `/search/suggest`: the index finds, ranks and counts one page of products. It
//! answers with product ids; the catalog then has the last word on what is shown
//! (`catalog::search_results`).

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, EmptyQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use super::facets::{Counts, FacetCounts, PRICE_BANDS};
use super::filters;
use super::index::{SearchIndex, internal};
use super::text::{self, UserQuery};
use crate::db::DbConn;
use crate::db::models::Category;
use crate::db::schema::{categories, sellers};
use crate::error::{Error, Result};
use crate::listing::{Filters, Listing, Sort};
use crate::money::Money;

pub const PAGE_SIZE: usize = 24;
const MAX_PAGE: usize = 50;
const SUGGESTIONS: usize = 8;
const TOP_SELLERS: usize = 10;

/// A search as the page asks for it.
pub struct SearchRequest {
    pub text: String,
    /// A category slug chosen from the category facet.
    pub category: Option<String>,
    pub listing: Listing,
    /// 1-based.
    pub page: usize,
}

impl SearchRequest {
    /// Everything that decides the results, as one string for the catalog cache.
    pub fn cache_key(&self) -> String {
        let category = self.category.as_deref().unwrap_or_default();
        let listing = self.listing.address("/search");
        format!(
            "{}\u{0}{category}\u{0}{listing}\u{0}{}",
            self.text, self.page
        )
    }
}

/// One page of a search as the index answers it.
pub struct Found {
    /// The page's products, best first; some may have been unpublished since they were indexed.
    pub ids: Vec<i64>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    pub facets: Facets,
    /// The category facet chosen, if any.
    pub category: Option<Category>,
    /// Some of the text was ignored (too long).
    pub shortened: bool,
    /// The text held no word to search for (only operators or punctuation).
    pub unreadable: bool,
    /// Marks the searched words in what the page shows of each product.
    pub highlighter: Highlighter,
}

/// A piece of text and whether it matched; templates escape `text` and wrap matches in <mark>.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub matched: bool,
}

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
}

pub fn find(conn: &mut DbConn, index: &SearchIndex, request: &SearchRequest) -> Result<Found> {
    if request.page == 0 || request.page > MAX_PAGE {
        return Err(Error::Invalid(format!(
            "Results go up to page {MAX_PAGE}. Please narrow the search with a filter instead."
        )));
    }
    let parsed = text::parse(&request.text);
    let category = match &request.category {
        Some(slug) => Some(
            categories::table
                .filter(categories::slug.eq(slug))
                .select(Category::as_select())
                .first(conn)
                .optional()?
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    let seller_id = match &request.listing.filters.seller {
        Some(slug) => Some(
            sellers::table
                .filter(sellers::slug.eq(slug))
                .select(sellers::id)
                .first::<i64>(conn)
                .optional()?
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    let unreadable = parsed.is_empty() && !request.text.trim().is_empty();
    if unreadable && category.is_none() && request.listing.filters.is_empty() {
        return Ok(Found {
            ids: Vec::new(),
            total: 0,
            page: 1,
            pages: 1,
            facets: Facets::default(),
            category,
            shortened: parsed.shortened,
            unreadable,
            highlighter: Highlighter::new(index, &parsed),
        });
    }
    let searcher = index.searcher();
    let query = build_query(
        index,
        &parsed,
        &request.listing.filters,
        category.as_ref(),
        seller_id,
    );
    let offset = (request.page - 1) * PAGE_SIZE;
    let (addresses, total, counts) = run(&searcher, query.as_ref(), request.listing.sort, offset)?;
    Ok(Found {
        ids: product_ids(&searcher, &addresses)?,
        total,
        page: request.page,
        pages: total.div_ceil(PAGE_SIZE).clamp(1, MAX_PAGE),
        facets: facets(conn, counts, category.as_ref())?,
        category,
        shortened: parsed.shortened,
        unreadable,
        highlighter: Highlighter::new(index, &parsed),
    })
}

fn run(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    offset: usize,
) -> Result<(Vec<DocAddress>, usize, Counts)> {
    let top = || TopDocs::with_limit(PAGE_SIZE).and_offset(offset);
    let by = |field: &str, order: Order| top().order_by_fast_field::<u64>(field.to_owned(), order);
    let (addresses, (total, counts)) = match sort {
        Sort::Relevance => {
            let (docs, rest) = searcher
                .search(query, &(top().order_by_score(), (Count, FacetCounts)))
                .map_err(internal)?;
            (docs.into_iter().map(|(_, a)| a).collect::<Vec<_>>(), rest)
        }
        Sort::Newest => {
            let collector = top().order_by_fast_field::<i64>("created", Order::Desc);
            let (docs, rest) = searcher
                .search(query, &(collector, (Count, FacetCounts)))
                .map_err(internal)?;
            (docs.into_iter().map(|(_, a)| a).collect(), rest)
        }
        other => {
            let collector = match other {
                Sort::PriceAsc => by("price", Order::Asc),
                Sort::PriceDesc => by("price", Order::Desc),
                Sort::Rating => by("rating", Order::Desc),
                _ => by("featured", Order::Desc),
            };
            let (docs, rest) = searcher
                .search(query, &(collector, (Count, FacetCounts)))
                .map_err(internal)?;
            (docs.into_iter().map(|(_, a)| a).collect(), rest)
        }
    };
    Ok((addresses, total, counts))
}

fn product_ids(searcher: &Searcher, addresses: &[DocAddress]) -> Result<Vec<i64>> {
    addresses
        .iter()
        .map(|address| {
            let column = searcher
                .segment_reader(address.segment_ord)
                .fast_fields()
                .u64("product_id")
                .map_err(internal)?;
            column
                .first(address.doc_id)
                .map(|id| id as i64)
                .ok_or_else(|| internal("a document without a product id"))
        })
        .collect()
}

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

fn build_query(
    index: &SearchIndex,
    parsed: &UserQuery,
    filters: &Filters,
    category: Option<&Category>,
    seller_id: Option<i64>,
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
                if let Some(distance) = typo_allowance(term) {
                    let fuzzy =
                        FuzzyTermQuery::new(Term::from_field_text(field, term), distance, true);
                    alternatives.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(fuzzy), weight * 0.3)),
                    ));
                }
            }
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

/// Typos forgiven: none in short words (too many false friends), one from 5 letters, two from 9.
fn typo_allowance(term: &str) -> Option<u8> {
    match term.chars().count() {
        0..=4 => None,
        5..=8 => Some(1),
        _ => Some(2),
    }
}

/// `word` as the stemmed fields index it.
fn analyzed(index: &SearchIndex, word: &str) -> Vec<String> {
    let mut analyzer = stemmer(index);
    let mut stream = analyzer.token_stream(word);
    let mut terms = Vec::new();
    while let Some(token) = stream.next() {
        terms.push(token.text.clone());
    }
    terms
}

fn stemmer(index: &SearchIndex) -> TextAnalyzer {
    index
        .index
        .tokenizers()
        .get(super::index::STEMMED)
        .expect("tantivy registers en_stem by default")
}

/// Marks the searched words (by stem, so "lamps" marks "lamp") in names and descriptions.
pub struct Highlighter {
    terms: BTreeMap<String, f32>,
    /// Present when there are terms to mark.
    analyzer: Option<TextAnalyzer>,
    field: Field,
}

impl Highlighter {
    fn new(index: &SearchIndex, parsed: &UserQuery) -> Highlighter {
        let terms: BTreeMap<String, f32> = parsed
            .wanted()
            .flat_map(|w| analyzed(index, w))
            .map(|t| (t, 1.0))
            .collect();
        Highlighter {
            analyzer: (!terms.is_empty()).then(|| stemmer(index)),
            terms,
            field: index.fields.description,
        }
    }

    /// The best passage of `text` up to `max_chars`, split into matched and plain fragments.
    pub fn highlight(&self, text: &str, max_chars: usize) -> Vec<Fragment> {
        let snippet = self.analyzer.as_ref().map(|analyzer| {
            let max_chars = max_chars.min(text.len().max(1));
            SnippetGenerator::new(self.terms.clone(), analyzer.clone(), self.field, max_chars)
                .snippet(text)
        });
        match snippet {
            Some(snippet) if !snippet.is_empty() => {
                fragments(snippet.fragment(), snippet.highlighted())
            }
            _ => vec![Fragment {
                text: shorten(text, max_chars),
                matched: false,
            }],
        }
    }
}

fn fragments(text: &str, matches: &[std::ops::Range<usize>]) -> Vec<Fragment> {
    let mut parts = Vec::new();
    let mut at = 0;
    for range in matches {
        if range.start < at || range.end > text.len() {
            continue;
        }
        if range.start > at {
            parts.push(Fragment {
                text: text[at..range.start].to_owned(),
                matched: false,
            });
        }
        parts.push(Fragment {
            text: text[range.clone()].to_owned(),
            matched: true,
        });
        at = range.end;
    }
    if at < text.len() {
        parts.push(Fragment {
            text: text[at..].to_owned(),
            matched: false,
        });
    }
    parts
}

fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    format!("{}…", cut.trim_end())
}

fn facets(conn: &mut DbConn, counts: Counts, chosen: Option<&Category>) -> Result<Facets> {
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
    })
}

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
