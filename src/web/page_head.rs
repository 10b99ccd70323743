//! What a catalog page tells search engines and link previews about itself: a description, its
//! one canonical address (filters, sorts, cursors and review pages all point to the plain one),
//! Open Graph and Twitter card tags, and schema.org JSON-LD built from the very data the page
//! shows, so the price, stock state and rating a search engine displays are the page's own.

use serde_json::{Value, json};

use crate::catalog::category::CategoryPage;
use crate::catalog::product::ProductPage;
use crate::db::models::Category;
use crate::money::CURRENCY;

/// Search engines show about this many characters of a description.
const DESCRIPTION_CHARS: usize = 160;

pub struct PageHead {
    pub description: String,
    pub canonical: String,
    /// `product` or `website`, for Open Graph.
    pub kind: &'static str,
    pub title: String,
    /// An absolute address, for link previews.
    pub image: Option<String>,
    /// JSON-LD documents, escaped for a `<script>` element.
    pub json_ld: Vec<String>,
}

impl PageHead {
    pub fn product(origin: &str, page: &ProductPage) -> PageHead {
        let product = &page.product;
        let canonical = format!("{origin}/p/{}", product.slug);
        let description = summary(&product.description).unwrap_or_else(|| {
            format!(
                "{} from {}, {}.",
                product.name,
                page.seller.display_name,
                page.price_min()
            )
        });
        let images: Vec<String> = page
            .images
            .iter()
            .map(|image| absolute(origin, &image.src))
            .collect();
        let mut crumbs = trail(origin, &page.breadcrumb);
        crumbs.push((product.name.clone(), canonical.clone()));
        PageHead {
            json_ld: vec![
                script_safe(&product_data(page, &canonical, &description, &images)),
                script_safe(&breadcrumb_list(&crumbs)),
            ],
            image: images.into_iter().next(),
            description,
            canonical,
            kind: "product",
            title: product.name.clone(),
        }
    }

    pub fn category(origin: &str, page: &CategoryPage) -> PageHead {
        let category = &page.category;
        let canonical = format!("{origin}/c/{}", category.slug);
        let description = summary(&category.description)
            .unwrap_or_else(|| format!("Shop {} at ShopWave.", category.name));
        PageHead {
            json_ld: vec![script_safe(&breadcrumb_list(&trail(
                origin,
                &page.breadcrumb,
            )))],
            image: None,
            description,
            canonical,
            kind: "website",
            title: category.name.clone(),
        }
    }
}

fn product_data(page: &ProductPage, url: &str, description: &str, images: &[String]) -> Value {
    let seller = json!({ "@type": "Organization", "name": page.seller.display_name });
    let offers: Vec<Value> = page
        .variants
        .iter()
        .map(|variant| {
            json!({
                "@type": "Offer",
                "sku": variant.sku,
                "name": variant.label,
                "price": variant.price.plain(),
                "priceCurrency": CURRENCY,
                "availability": availability(variant.in_stock()),
                "url": url,
                "seller": seller,
            })
        })
        .collect();
    let mut product = json!({
        "@context": "https://schema.org",
        "@type": "Product",
        "name": page.product.name,
        "description": description,
        "url": url,
        "image": images,
        "brand": { "@type": "Brand", "name": page.seller.display_name },
    });
    product["offers"] = match offers.as_slice() {
        [] => json!({
            "@type": "Offer",
            "price": page.price_min().plain(),
            "priceCurrency": CURRENCY,
            "availability": availability(false),
            "url": url,
        }),
        [only] => only.clone(),
        several => json!({
            "@type": "AggregateOffer",
            "lowPrice": page.variants.iter().map(|v| v.price).min().map(|m| m.plain()),
            "highPrice": page.variants.iter().map(|v| v.price).max().map(|m| m.plain()),
            "priceCurrency": CURRENCY,
            "offerCount": several.len(),
            "offers": several,
        }),
    };
    if page.ratings.count > 0 {
        product["aggregateRating"] = json!({
            "@type": "AggregateRating",
            "ratingValue": page.ratings.average,
            "reviewCount": page.ratings.count,
            "bestRating": 5,
            "worstRating": 1,
        });
        product["review"] = page
            .reviews
            .iter()
            .map(|review| {
                json!({
                    "@type": "Review",
                    "author": { "@type": "Person", "name": review.author },
                    "name": review.title,
                    "reviewBody": review.body,
                    "reviewRating": { "@type": "Rating", "ratingValue": review.rating, "bestRating": 5, "worstRating": 1 },
                })
            })
            .collect();
    }
    product
}

fn availability(in_stock: bool) -> &'static str {
    if in_stock {
        "https://schema.org/InStock"
    } else {
        "https://schema.org/OutOfStock"
    }
}

/// Home, then each category of `breadcrumb` with its address.
fn trail(origin: &str, breadcrumb: &[Category]) -> Vec<(String, String)> {
    std::iter::once(("Home".to_owned(), format!("{origin}/")))
        .chain(
            breadcrumb
                .iter()
                .map(|c| (c.name.clone(), format!("{origin}/c/{}", c.slug))),
        )
        .collect()
}

fn breadcrumb_list(crumbs: &[(String, String)]) -> Value {
    let items: Vec<Value> = crumbs
        .iter()
        .enumerate()
        .map(|(i, (name, item))| {
            json!({ "@type": "ListItem", "position": i + 1, "name": name, "item": item })
        })
        .collect();
    json!({ "@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": items })
}

/// The text's first `DESCRIPTION_CHARS` characters on one line, cut at a word; `None` if blank.
fn summary(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let mut out = String::new();
    for word in words {
        let needed = out.chars().count() + word.chars().count() + usize::from(!out.is_empty());
        if needed > DESCRIPTION_CHARS {
            out.push('…');
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Some(out)
}

pub(super) fn absolute(origin: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{origin}{url}")
    } else {
        url.to_owned()
    }
}

/// JSON that cannot end its `<script>` element early: `<`, `>` and `&` become `\u` escapes,
/// which every JSON parser reads back as the same characters.
fn script_safe(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_is_one_line_cut_at_a_word() {
        assert_eq!(summary("  A   blue\n teapot. ").unwrap(), "A blue teapot.");
        assert_eq!(summary(" \n "), None);
        let long = "word ".repeat(100);
        let cut = summary(&long).unwrap();
        assert!(cut.chars().count() <= DESCRIPTION_CHARS + 1, "{cut}");
        assert!(cut.ends_with("word…"));
    }

    #[test]
    fn json_ld_cannot_close_its_script_element() {
        let value = json!({ "name": "</script><script>alert(1)</script> & more" });
        let safe = script_safe(&value);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(serde_json::from_str::<Value>(&safe).unwrap(), value);
    }

    #[test]
    fn image_addresses_become_absolute_for_link_previews() {
        assert_eq!(
            absolute("https://shop.test", "/static/a.jpg"),
            "https://shop.test/static/a.jpg"
        );
        assert_eq!(
            absolute("https://shop.test", "https://cdn.test/a.jpg"),
            "https://cdn.test/a.jpg"
        );
    }
}
