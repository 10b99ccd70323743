//! Walking the shop by its links, as a curious visitor would, to reach every page a role can
//! see: each page visited is checked by axe-core (`visit`), and its links lead on.

use std::collections::{BTreeSet, VecDeque};

use super::Browser;
use crate::common::declared_pages::Declared;

impl Browser {
    /// Visits `start`, then breadth first every link of the site found on the way, once per
    /// declared page (the first link to `/orders/{number}` stands for all orders). Links to the
    /// declared pages in `skip` (files, feeds) are not followed.
    pub async fn walk(&self, start: &[&str], pages: &[Declared], skip: &[&str]) {
        let mut queued: BTreeSet<&Declared> = BTreeSet::new();
        let mut queue: VecDeque<String> = start.iter().map(|s| s.to_string()).collect();
        queued.extend(start.iter().filter_map(|s| page_of(s, pages)));
        while let Some(link) = queue.pop_front() {
            self.visit(&link).await;
            let found = self
                .measure("return Array.from(document.querySelectorAll('a[href]'), a => a.getAttribute('href'));")
                .await;
            for href in found
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| h.as_str())
            {
                let Some(page) = page_of(href, pages) else {
                    continue;
                };
                if !skip.contains(&page.0.as_str()) && queued.insert(page) {
                    queue.push_back(href.split('#').next().unwrap_or(href).to_owned());
                }
            }
        }
    }
}

/// The declared page a link of this site leads to; the literal one when a placeholder would
/// match too (`/seller/products/new`, not `/seller/products/{id}`).
pub fn page_of<'a>(href: &str, pages: &'a [Declared]) -> Option<&'a Declared> {
    if !href.starts_with('/') || href.starts_with("//") {
        return None;
    }
    let path = href.split(['?', '#']).next().unwrap_or(href);
    pages
        .iter()
        .filter(|page| page.matches(path))
        .min_by_key(|page| page.0.matches('{').count())
}
