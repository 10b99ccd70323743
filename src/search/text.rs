//! What a shopper typed, read leniently: words, "quoted phrases" and -excluded words. Anything
//! else (operators, unbalanced quotes, control characters, punctuation) is simply not a word, so
//! no input can make a query fail.

/// Characters of the query we read; the rest is ignored and the page says so.
pub const MAX_CHARS: usize = 200;
const MAX_WORDS: usize = 12;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct UserQuery {
    pub words: Vec<String>,
    pub phrases: Vec<Vec<String>>,
    pub excluded: Vec<String>,
    /// The text was longer than `MAX_CHARS` or had more than `MAX_WORDS` words.
    pub shortened: bool,
}

impl UserQuery {
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.phrases.is_empty()
    }

    /// Every word the shopper wants to find, in phrases or not (for highlighting).
    pub fn wanted(&self) -> impl Iterator<Item = &String> {
        self.words.iter().chain(self.phrases.iter().flatten())
    }
}

pub fn parse(text: &str) -> UserQuery {
    let mut query = UserQuery::default();
    let cleaned: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_CHARS)
        .collect();
    query.shortened = text.chars().count() > MAX_CHARS;
    // Quotes pair up from the left; a last quote without a partner is ignored.
    let quotes = cleaned.matches('"').count();
    let paired = quotes - quotes % 2;
    let mut seen_quotes = 0;
    let mut outside = String::new();
    let mut phrase = String::new();
    let mut in_phrase = false;
    for c in cleaned.chars() {
        if c == '"' {
            seen_quotes += 1;
            if seen_quotes <= paired {
                if in_phrase {
                    let words = words_of(&phrase);
                    if !words.is_empty() {
                        query.phrases.push(words);
                    }
                    phrase.clear();
                }
                in_phrase = !in_phrase;
                outside.push(' ');
            }
            continue;
        }
        if in_phrase {
            phrase.push(c);
        } else {
            outside.push(c);
        }
    }
    for token in outside.split_whitespace() {
        if matches!(token, "AND" | "OR" | "NOT") {
            continue;
        }
        match token.strip_prefix('-') {
            Some(rest) if !rest.starts_with('-') => query.excluded.extend(words_of(rest)),
            _ => query.words.extend(words_of(token)),
        }
    }
    let total = query.words.len() + query.phrases.iter().map(Vec::len).sum::<usize>();
    if total > MAX_WORDS {
        query.shortened = true;
        query
            .words
            .truncate(MAX_WORDS.saturating_sub(total - query.words.len()));
        query.phrases.truncate(MAX_WORDS);
    }
    query.excluded.truncate(MAX_WORDS);
    query
}

/// Longer runs are not words anyone searches for (the index drops them too).
const MAX_WORD_CHARS: usize = 40;

/// Lower-cased runs of letters and digits.
fn words_of(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD_CHARS)
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let q = parse(r#"Walnut "desk lamp" -plastic"#);
        assert_eq!(q.words, words(&["walnut"]));
        assert_eq!(q.phrases, vec![words(&["desk", "lamp"])]);
        assert_eq!(q.excluded, words(&["plastic"]));
    }

    #[test]
    fn garbage_reads_as_nothing_or_plain_words() {
        assert!(parse(r#"AND OR NOT -- "" ( ) * ~ ^"#).is_empty());
        assert_eq!(parse(r#"steel "mug"#).words, words(&["steel", "mug"]));
        assert_eq!(parse("cof\u{0}fee\u{7}").words, words(&["cof", "fee"]));
        assert!(parse(&"a".repeat(10_000)).is_empty());
        let long = parse(&"lamp ".repeat(2_000));
        assert!(long.shortened && long.words.len() <= MAX_WORDS);
    }
}
