//! The one slug maker: how a name becomes part of an address.

/// The longest slug `slug` makes, in characters; callers may add a suffix.
const MAX_CHARS: usize = 80;

/// A name's letters and digits in lower-case words joined by hyphens, at most `MAX_CHARS`
/// characters: "Home & Kitchen" → "home-kitchen". Empty when the name has no letter or digit.
pub fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let joined: String = words.join("-").chars().take(MAX_CHARS).collect();
    joined.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(slug("Home & Kitchen"), "home-kitchen");
        assert_eq!(slug("  Coffee & Tea!"), "coffee-tea");
        assert_eq!(slug("Non-fiction"), "non-fiction");
        assert_eq!(slug("Desk Lamp, Brass!"), "desk-lamp-brass");
        assert_eq!(slug("!!!"), "");
        assert_eq!(slug(&"a ".repeat(100)).chars().count(), 79);
    }
}
