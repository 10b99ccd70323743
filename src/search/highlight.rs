//! The searched words marked in what a result shows of a product: its name and the best
//! passage of its description.

use std::collections::BTreeMap;

use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;

use super::index::SearchIndex;
use super::query::{analyzed, stemmer};
use super::text::UserQuery;

/// A piece of text and whether it matched; templates escape `text` and wrap matches in <mark>.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub matched: bool,
}

/// Marks the searched words (by stem, so "lamps" marks "lamp") in names and descriptions.
pub struct Highlighter {
    terms: BTreeMap<String, f32>,
    /// Present when there are terms to mark.
    analyzer: Option<TextAnalyzer>,
    field: Field,
}

impl Highlighter {
    pub(super) fn new(index: &SearchIndex, parsed: &UserQuery) -> Highlighter {
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
