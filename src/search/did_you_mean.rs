//! "Did you mean": when a search finds nothing, a search that would. Each typed word the shop's
//! product names never use is swapped for the closest word they do use — within one edit for
//! words of up to four letters, two from five, a swapped pair of neighbouring letters counting as
//! one edit — the most used of equally close ones; the first letter is taken as typed. The
//! words come from the index itself (`name_words`: names as written, lower-cased, unstemmed), so
//! a suggestion always names products the shop sells.

use std::sync::{Arc, Mutex};

use tantivy::Searcher;

use super::index::SearchIndex;
use super::text::UserQuery;

/// The query to offer instead of `parsed`, or `None` when no word has a better spelling.
pub(super) fn suggestion(
    index: &SearchIndex,
    searcher: &Searcher,
    parsed: &UserQuery,
) -> Option<String> {
    let vocabulary = index.vocabularies.of(index, searcher);
    let mut changed = false;
    let words: Vec<String> = parsed
        .words
        .iter()
        .map(|typed| {
            let typed = typed.to_lowercase();
            match vocabulary.nearest(&typed) {
                Some(better) if better != typed => {
                    changed = true;
                    better.to_owned()
                }
                _ => typed,
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// The vocabulary of the searcher generation last asked about. Reading every segment's word
/// list for each search that found nothing was most of such a search's time (BENCHMARKS.md,
/// "Search recall"); the list changes only when the index does, so it is read once per
/// generation, by the first search that needs it.
#[derive(Default)]
pub(super) struct Vocabularies {
    latest: Mutex<Option<(u64, Arc<Vocabulary>)>>,
}

impl Vocabularies {
    fn of(&self, index: &SearchIndex, searcher: &Searcher) -> Arc<Vocabulary> {
        let generation = searcher.generation().generation_id();
        // Held while reading, so searches arriving meanwhile wait for this one's list instead
        // of each reading their own.
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        match latest.as_ref() {
            Some((read_at, vocabulary)) if *read_at == generation => Arc::clone(vocabulary),
            _ => {
                let vocabulary = Arc::new(Vocabulary::read(index, searcher));
                *latest = Some((generation, Arc::clone(&vocabulary)));
                vocabulary
            }
        }
    }
}

/// Every word of the product names with how many products use it, sorted, each once.
struct Vocabulary {
    words: Vec<(String, u32)>,
}

impl Vocabulary {
    fn read(index: &SearchIndex, searcher: &Searcher) -> Vocabulary {
        let mut words = Vec::new();
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(index.fields.name_words) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    words.push((word.to_owned(), stream.value().doc_freq));
                }
            }
        }
        Vocabulary::from_words(words)
    }

    fn from_words(mut words: Vec<(String, u32)>) -> Vocabulary {
        // Segments list the same word each: one entry per word, its uses summed.
        words.sort_unstable();
        words.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        Vocabulary { words }
    }

    /// The word nearest `typed` among those with its first letter, as most misspellings keep
    /// it; the most used on a tie, and `typed` itself (at no edits) when the names use it.
    fn nearest(&self, typed: &str) -> Option<&str> {
        let first = typed.chars().next()?;
        let mut prefix = [0; 4];
        let prefix = &*first.encode_utf8(&mut prefix);
        let from = self
            .words
            .partition_point(|(word, _)| word.as_str() < prefix);
        self.words[from..]
            .iter()
            .take_while(|(word, _)| word.starts_with(prefix))
            .filter_map(|(word, uses)| {
                let distance = edits(typed, word, allowance(typed))?;
                Some((distance, std::cmp::Reverse(*uses), word.as_str()))
            })
            .min()
            .map(|(_, _, word)| word)
    }
}

/// Edits forgiven in a word: one up to four letters, two from five.
fn allowance(word: &str) -> usize {
    if word.chars().count() <= 4 { 1 } else { 2 }
}

/// The edits (insert, delete, replace, or swap two neighbouring letters) that turn `a` into `b`,
/// if at most `limit`.
fn edits(a: &str, b: &str, limit: usize) -> Option<usize> {
    // Most words of the list are too long or too short to be near: no table for them.
    if a.chars().count().abs_diff(b.chars().count()) > limit {
        return None;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Optimal string alignment: three rows of the Damerau–Levenshtein table.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (previous[j] + 1)
                .min(row[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut previous, row);
    }
    let distance = previous[b.len()];
    (distance <= limit).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_count_a_swapped_pair_as_one() {
        assert_eq!(edits("lmap", "lamp", 2), Some(1));
        assert_eq!(edits("coffe", "coffee", 2), Some(1));
        assert_eq!(edits("walnut", "walnut", 2), Some(0));
        assert_eq!(edits("wlanut", "walnut", 2), Some(1));
        assert_eq!(edits("chiar", "chair", 1), Some(1));
        assert_eq!(edits("desk", "chair", 2), None);
        assert_eq!(edits("a", "abcd", 2), None);
    }

    #[test]
    fn the_nearest_word_wins_then_the_most_used() {
        let names = Vocabulary::from_words(
            [
                ("lamp", 3),
                ("camp", 9),
                ("lamps", 1),
                ("walnut", 5),
                ("lamp", 2),
            ]
            .map(|(word, uses)| (word.to_owned(), uses))
            .to_vec(),
        );
        assert_eq!(
            names.words.len(),
            4,
            "a word two segments list is kept once"
        );
        assert_eq!(names.nearest("lmap"), Some("lamp"));
        assert_eq!(names.nearest("wallnutt"), Some("walnut"));
        assert_eq!(
            names.nearest("lamp"),
            Some("lamp"),
            "a word the names use stays"
        );
        assert_eq!(names.nearest("zzzz"), None);
        assert_eq!(
            names.nearest("amp"),
            None,
            "the first letter is kept as typed"
        );
        let ties = Vocabulary::from_words(vec![("damp".into(), 1), ("dame".into(), 4)]);
        assert_eq!(
            ties.nearest("damx"),
            Some("dame"),
            "a tie goes to the most used"
        );
        // Short words are allowed one edit only: too many words are two away from them.
        let lamp = Vocabulary::from_words(vec![("lamp".into(), 1)]);
        assert_eq!(lamp.nearest("lmp"), Some("lamp"));
        assert_eq!(lamp.nearest("lpm"), None);
    }
}
