//! "Did you mean": when a search finds nothing, a search that would. Each typed word the shop's
//! product names never use is swapped for the closest word they do use — within one edit for
//! words of up to four letters, two from five, a swapped pair of neighbouring letters counting as
//! one edit — the most used of equally close ones. The words come from the index itself
//! (`name_words`: names as written, lower-cased, unstemmed), so a suggestion always names
//! products the shop sells.

use tantivy::Searcher;

use super::index::SearchIndex;
use super::text::UserQuery;

/// The query to offer instead of `parsed`, or `None` when no word has a better spelling.
pub(super) fn suggestion(
    index: &SearchIndex,
    searcher: &Searcher,
    parsed: &UserQuery,
) -> Option<String> {
    let vocabulary = name_words(index, searcher);
    let mut changed = false;
    let words: Vec<String> = parsed
        .words
        .iter()
        .map(|typed| {
            let typed = typed.to_lowercase();
            if vocabulary.iter().any(|(word, _)| *word == typed) {
                return typed;
            }
            match closest(&typed, &vocabulary) {
                Some(better) => {
                    changed = true;
                    better.to_owned()
                }
                None => typed,
            }
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// Every word of the product names, with how many products use it.
fn name_words(index: &SearchIndex, searcher: &Searcher) -> Vec<(String, u32)> {
    let mut words: Vec<(String, u32)> = Vec::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(index.fields.name_words) else {
            continue;
        };
        let Ok(mut stream) = inverted.terms().stream() else {
            continue;
        };
        while stream.advance() {
            let Ok(word) = std::str::from_utf8(stream.key()) else {
                continue;
            };
            let uses = stream.value().doc_freq;
            match words.iter_mut().find(|(known, _)| known == word) {
                Some((_, count)) => *count += uses,
                None => words.push((word.to_owned(), uses)),
            }
        }
    }
    words
}

/// The word of `vocabulary` nearest to `typed` within its allowance, the most used on a tie.
fn closest<'a>(typed: &str, vocabulary: &'a [(String, u32)]) -> Option<&'a str> {
    let allowance = if typed.chars().count() <= 4 { 1 } else { 2 };
    vocabulary
        .iter()
        .filter_map(|(word, uses)| {
            let distance = edits(typed, word, allowance)?;
            Some((distance, std::cmp::Reverse(*uses), word.as_str()))
        })
        .min()
        .map(|(_, _, word)| word)
}

/// The edits (insert, delete, replace, or swap two neighbouring letters) that turn `a` into `b`,
/// if at most `limit`.
fn edits(a: &str, b: &str, limit: usize) -> Option<usize> {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
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
        let words = |list: &[(&str, u32)]| -> Vec<(String, u32)> {
            list.iter().map(|(w, n)| (w.to_string(), *n)).collect()
        };
        let vocabulary = words(&[("lamp", 3), ("camp", 9), ("lamps", 1), ("walnut", 5)]);
        assert_eq!(closest("lmap", &vocabulary), Some("lamp"));
        assert_eq!(
            closest("damp", &vocabulary),
            Some("camp"),
            "a tie goes to the most used"
        );
        assert_eq!(closest("wallnutt", &vocabulary), Some("walnut"));
        assert_eq!(closest("zzzz", &vocabulary), None);
        // Short words are allowed one edit only: too many words are two away from them.
        assert_eq!(closest("lmp", &words(&[("lamp", 1)])), Some("lamp"));
        assert_eq!(closest("lpm", &words(&[("lamp", 1)])), None);
    }
}
