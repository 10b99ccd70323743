//! The pages the shop declares: every path its route modules give to `page` or `page_and_form`
//! (`src/web/routing.rs`), read from the source, so a test can tell whether it saw all of them.
//! A new page is on this list the moment it is routed.

use std::path::Path;

/// One declared path, as routed: `/orders/{number}`, `/sitemap/products-{number:\d+}.xml`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Declared(pub String);

impl Declared {
    /// Whether a request's path (no query) is served by this declaration: each `{…}` stands for
    /// one or more characters within a segment.
    pub fn matches(&self, path: &str) -> bool {
        let pattern: Vec<&str> = self.0.split('/').collect();
        let path: Vec<&str> = path.split('/').collect();
        pattern.len() == path.len()
            && pattern
                .iter()
                .zip(&path)
                .all(|(pattern, segment)| segment_matches(pattern, segment))
    }
}

fn segment_matches(pattern: &str, segment: &str) -> bool {
    let Some(open) = pattern.find('{') else {
        return pattern == segment;
    };
    let close = pattern.rfind('}').expect("a closed placeholder");
    let (before, after) = (&pattern[..open], &pattern[close + 1..]);
    segment.len() > before.len() + after.len()
        && segment.starts_with(before)
        && segment.ends_with(after)
}

/// Every page path under `src/web`, sorted.
pub fn declared_pages() -> Vec<Declared> {
    let mut found = Vec::new();
    read_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web"),
        &mut found,
    );
    found.sort();
    found.dedup();
    found
}

fn read_dir(dir: &Path, found: &mut Vec<Declared>) {
    for entry in std::fs::read_dir(dir).expect("src/web is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            read_dir(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).expect("a source file");
            found.extend(pages_in(&source));
        }
    }
}

/// The first argument of each `page(` and `page_and_form(` call: a string literal, or a
/// `const` of the same file.
fn pages_in(source: &str) -> Vec<Declared> {
    let mut pages = Vec::new();
    for call in ["page(", "page_and_form("] {
        for (at, _) in source.match_indices(call) {
            let preceded_by_name = source[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            if preceded_by_name {
                continue;
            }
            let argument = source[at + call.len()..].trim_start();
            let path = match argument.strip_prefix('"') {
                Some(literal) => literal.split('"').next().map(str::to_owned),
                None => constant(source, argument),
            };
            if let Some(path) = path.filter(|p| p.starts_with('/')) {
                pages.push(Declared(path.replace("\\\\", "\\")));
            }
        }
    }
    pages
}

fn constant(source: &str, argument: &str) -> Option<String> {
    let name: String = argument
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let declaration = format!("const {name}: &str = \"");
    let start = source.find(&declaration)? + declaration.len();
    source[start..].split('"').next().map(str::to_owned)
}

#[test]
fn declared_pages_are_read_from_literals_and_constants() {
    let source = r#"
        const PAGE: &str = "/account/payment-methods";
        cfg.service(page("/orders/{number}", show))
            .service(page_and_form(
                PAGE,
                list,
                add,
            ))
            .service(form("/orders/{number}/cancel", cancel));
        fn product_page() {}
        respond::page(&template)
    "#;
    assert_eq!(
        pages_in(source),
        [
            Declared("/orders/{number}".into()),
            Declared("/account/payment-methods".into())
        ]
    );
    let sitemap = Declared(r"/sitemap/products-{number:\d+}.xml".into());
    assert!(sitemap.matches("/sitemap/products-3.xml"));
    assert!(!sitemap.matches("/sitemap/categories.xml"));
    assert!(Declared("/orders/{number}".into()).matches("/orders/SW-1"));
    assert!(!Declared("/orders/{number}".into()).matches("/orders/SW-1/returns"));
    assert!(!Declared("/orders".into()).matches("/orders/SW-1"));
}
