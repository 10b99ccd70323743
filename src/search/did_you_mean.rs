//! "Did you mean": when a search finds nothing, a search that would. Each typed word the shop's
//! product names never use is swapped for the closest word they do use — within one edit for
//! words of up to four letters, two from five, a swapped pair of neighbouring letters counting as
//! one edit — the most used of equally close ones; the first letter is taken as typed. The
//! words come from the index itself
//! (`name_words`: names as written, lower-cased, unstemmed), so a suggestion always names
//! products the shop sells.

use std::collections::HashMap;

use tantivy::Searcher;

use super::index::SearchIndex;
use super::text::UserQuery;

/// The query to offer instead of `parsed`, or `None` when no word has a better spelling.
pub(super) fn suggestion(
    index: &SearchIndex,
    searcher: &Searcher,
    parsed: &UserQuery,
) -> Option<String> {
    let typed: Vec<String> = parsed.words.iter().map(|w| w.to_lowercase()).collect();
    let near = near_words(index, searcher, &typed);
    let mut changed = false;
    let words: Vec<String> = typed
        .iter()
        .zip(&near)
        .map(|(word, near)| match nearest(near) {
            Some(better) if better != word => {
                changed = true;
                better.to_owned()
            }
            _ => word.clone(),
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// A word of the names within a typed word's allowance: its edits from the typed word, and how
/// many products use it.
type Near = HashMap<String, (usize, u32)>;

/// For each typed word, the words of the product names within its allowance that start with
/// the same letter, as most misspellings do: only that stretch of each segment's sorted word
/// list (`name_words`) is read, and lengths are compared before anything else, so a suggestion
/// costs a small part of one pass over the list.
fn near_words(index: &SearchIndex, searcher: &Searcher, typed: &[String]) -> Vec<Near> {
    let mut near = vec![Near::new(); typed.len()];
    for segment in searcher.segment_readers() {
        let Ok(inverted) = segment.inverted_index(index.fields.name_words) else {
            continue;
        };
        for (typed, near) in typed.iter().zip(near.iter_mut()) {
            let Some((from, to)) = first_letter_range(typed) else {
                continue;
            };
            let Ok(mut stream) = inverted.terms().range().ge(&from).lt(&to).into_stream() else {
                continue;
            };
            while stream.advance() {
                let Ok(word) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if let Some(distance) = edits(typed, word, allowance(typed)) {
                    let uses = stream.value().doc_freq;
                    near.entry(word.to_owned()).or_insert((distance, 0)).1 += uses;
                }
            }
        }
    }
    near
}

/// The words that start with `word`'s first letter: from that letter up to the next one.
fn first_letter_range(word: &str) -> Option<(String, String)> {
    let first = word.chars().next()?;
    let next = char::from_u32(u32::from(first) + 1)?;
    Some((first.to_string(), next.to_string()))
}

/// Edits forgiven in a word: one up to four letters, two from five.
fn allowance(word: &str) -> usize {
    if word.chars().count() <= 4 { 1 } else { 2 }
}

/// The nearest word, the most used on a tie (the word itself, at no edits, when the names use
/// it).
fn nearest(near: &Near) -> Option<&str> {
    near.iter()
        .map(|(word, (distance, uses))| (*distance, std::cmp::Reverse(*uses), word.as_str()))
        .min()
        .map(|(_, _, word)| word)
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
        let near = |typed: &str, list: &[(&str, u32)]| -> Near {
            list.iter()
                .filter_map(|(word, uses)| {
                    let distance = edits(typed, word, allowance(typed))?;
                    Some((word.to_string(), (distance, *uses)))
                })
                .collect()
        };
        let names = [("lamp", 3), ("camp", 9), ("lamps", 1), ("walnut", 5)];
        assert_eq!(nearest(&near("lmap", &names)), Some("lamp"));
        assert_eq!(
            nearest(&near("damp", &names)),
            Some("camp"),
            "a tie goes to the most used"
        );
        assert_eq!(nearest(&near("wallnutt", &names)), Some("walnut"));
        assert_eq!(
            nearest(&near("lamp", &names)),
            Some("lamp"),
            "a word the names use stays"
        );
        assert_eq!(nearest(&near("zzzz", &names)), None);
        // Short words are allowed one edit only: too many words are two away from them.
        assert_eq!(nearest(&near("lmp", &[("lamp", 1)])), Some("lamp"));
        assert_eq!(nearest(&near("lpm", &[("lamp", 1)])), None);
    }
}
