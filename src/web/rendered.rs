//! Catalog pages rendered once per catalog version. What is the same for every visitor of a page
//! (its title, head tags and content) is kept as HTML beside the catalog cache's data, under the
//! same keys and versions (src/catalog/cache.rs); a request then only frames it with the
//! visitor's own header, flash and CSRF token (`templates/framed.html`).
//!
//! No visitor's data can reach a kept rendering: the templates rendered here are given the page's
//! data only, never the visitor's `Chrome`, so one that tried to show a name, a cart count or a
//! token would not compile. The one per-visitor value inside a page's content, the CSRF token of
//! its forms, is rendered as a slot (a random marker drawn when the process starts, so no
//! catalog text can contain it) and the content is kept cut at the slots; the frame puts the
//! visitor's token, escaped, between the pieces.

use std::hash::Hash;
use std::sync::{Arc, LazyLock};

use actix_web::HttpResponse;
use askama::Template;

use super::AppState;
use super::chrome::Chrome;
use super::error::{WebError, WebResult};
use super::respond;
use crate::catalog::cache::Shelf;

/// Where a page's content template puts the visitor's CSRF token (`csrf_slot` in templates).
pub static CSRF_SLOT: LazyLock<String> =
    LazyLock::new(|| format!("csrf-slot-{}", crate::util::random_hex(16)));

/// The rendered pages, one shelf per kind, keyed as the catalog cache keys their data.
pub struct RenderedPages {
    pub home: Shelf<(), Body>,
    pub categories: Shelf<String, Body>,
    pub products: Shelf<(String, Option<String>), Body>,
    pub searches: Shelf<String, Body>,
}

impl RenderedPages {
    /// `entries` per kind of page, as `--catalog-cache`; 0 renders every request.
    pub fn new(entries: usize) -> RenderedPages {
        RenderedPages {
            home: Shelf::new(entries.min(1)),
            categories: Shelf::new(entries),
            products: Shelf::new(entries),
            searches: Shelf::new(entries),
        }
    }
}

/// A page's part that is the same for every visitor, as HTML.
pub struct Body {
    title: String,
    head: String,
    /// The content, cut where the visitor's CSRF token goes.
    pieces: Vec<String>,
}

impl Body {
    /// Assembles the renderings of a page template's `title`, `head` and `content` blocks.
    pub fn of(
        title: askama::Result<String>,
        head: askama::Result<String>,
        content: askama::Result<String>,
    ) -> WebResult<Body> {
        let failed = |e: askama::Error| WebError::Internal(e.to_string());
        let content = content.map_err(failed)?;
        Ok(Body {
            title: title.map_err(failed)?,
            head: head.map_err(failed)?,
            pieces: content
                .split(CSRF_SLOT.as_str())
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// Renders a page template's three blocks into a `Body`; the template names them in its
/// `blocks` attribute and extends `parts.html`.
macro_rules! body_of {
    ($template:expr) => {{
        let template = $template;
        $crate::web::rendered::Body::of(
            template.as_title().render(),
            template.as_head().render(),
            template.as_content().render(),
        )
    }};
}
pub(crate) use body_of;

/// The page kept in `shelf` under `key` if nothing in the catalog has changed since it was
/// rendered, else rendered by `render` and kept. The version is taken before rendering begins,
/// as `AppState::cached` does, so a change that commits meanwhile leaves the entry stale.
pub async fn body<K, F, Fut>(
    state: &AppState,
    shelf: &Shelf<K, Body>,
    key: K,
    render: F,
) -> WebResult<Arc<Body>>
where
    K: Hash + Eq,
    F: FnOnce() -> Fut,
    Fut: Future<Output = WebResult<Body>>,
{
    let version = state.catalog.version();
    if let Some(hit) = shelf.get(&key, version) {
        return Ok(hit);
    }
    let body = Arc::new(render().await?);
    shelf.put(key, version, body.clone());
    Ok(body)
}

#[derive(Template)]
#[template(path = "framed.html")]
struct Framed<'a> {
    chrome: Chrome,
    body: &'a Body,
}

/// The visitor's page: `body` in their frame, their token in its forms.
pub fn page(chrome: Chrome, body: &Body) -> WebResult<HttpResponse> {
    respond::page(&Framed { chrome, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_is_cut_at_every_token_slot_and_only_there() {
        let content = format!(
            "<form>{}</form><p>a</p><form>{}</form>",
            *CSRF_SLOT, *CSRF_SLOT
        );
        let body = Body::of(Ok("T".into()), Ok(String::new()), Ok(content)).unwrap();
        assert_eq!(body.pieces, ["<form>", "</form><p>a</p><form>", "</form>"]);
        let plain = Body::of(Ok("T".into()), Ok(String::new()), Ok("csrf-slot-".into())).unwrap();
        assert_eq!(plain.pieces, ["csrf-slot-"]);
    }
}
