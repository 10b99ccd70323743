//! Products as an administrator oversees them: find any product by name, address or seller;
//! unpublish one (back to draft, with a reason the seller is shown); feature one on the home
//! page or stop featuring it. Each change is one transaction with a search outbox row (the
//! search index and every node's catalog cache, the home page's included, follow the outbox)
//! and an audit row last.
//!
//! An unpublished product is an ordinary draft: its seller may publish it again once it is
//! fixed, and sees the reason on its edit page until then. Keeping a seller off the shop for
//! good is a suspension of their account, not of one product.

use diesel::prelude::*;

use crate::audit::{self, Actor, Entity};
use crate::catalog::ProductStatus;
use crate::db::schema::{products, sellers};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::paging::KeysetPage;
use crate::search;
use crate::sellers::products::UNPUBLISH_ACTION;

pub const PAGE_SIZE: usize = 50;
const MAX_SEARCH_CHARS: usize = 100;
const MAX_REASON_CHARS: usize = 500;

diesel::define_sql_function!(
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
);

/// The search form as typed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProductSearchFields<'a> {
    /// Part of the name or the address (slug).
    pub q: &'a str,
    /// Part of the seller's name or address.
    pub seller: &'a str,
    pub status: &'a str,
}

/// A checked search: each part optional, all must hold. Text is lowercased, matched anywhere.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductFilter {
    q: Option<String>,
    seller: Option<String>,
    status: Option<ProductStatus>,
}

impl ProductFilter {
    pub fn parse(fields: &ProductSearchFields) -> std::result::Result<ProductFilter, FieldErrors> {
        let mut e = FieldErrors::default();
        let q = forms::text(
            &mut e,
            "q",
            "Name or address",
            fields.q,
            MAX_SEARCH_CHARS,
            false,
        );
        let seller = forms::text(
            &mut e,
            "seller",
            "Seller",
            fields.seller,
            MAX_SEARCH_CHARS,
            false,
        );
        let status = match fields.status.trim() {
            "" => None,
            raw => ProductStatus::parse(raw).or_else(|| {
                e.add("status", "Please choose a status from the list.");
                None
            }),
        };
        let text = |t: String| Some(t.to_lowercase()).filter(|t| !t.is_empty());
        e.or_ok(ProductFilter {
            q: text(q),
            seller: text(seller),
            status,
        })
    }
}

/// `%text%` for LIKE, with LIKE's own wildcards in the text matched as themselves.
fn contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A product as the admin list shows it.
#[derive(Debug, Clone)]
pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub status: ProductStatus,
    pub archived: bool,
    pub is_featured: bool,
    pub price_min: Money,
    pub seller: String,
}

impl ProductRow {
    pub fn is_for_sale(&self) -> bool {
        self.status.is_for_sale() && !self.archived
    }
}

/// Products matching `filter`, newest first, continuing after product `after` (keyset on the
/// primary key).
pub fn search(
    conn: &mut DbConn,
    filter: &ProductFilter,
    after: Option<i64>,
) -> Result<KeysetPage<ProductRow>> {
    let mut query = products::table
        .inner_join(sellers::table)
        .filter(products::id.lt(after.unwrap_or(i64::MAX)))
        .into_boxed();
    if let Some(q) = &filter.q {
        let pattern = contains(q);
        query = query.filter(
            lower(products::name)
                .like(pattern.clone())
                .escape('\\')
                .or(products::slug.like(pattern).escape('\\')),
        );
    }
    if let Some(seller) = &filter.seller {
        let pattern = contains(seller);
        query = query.filter(
            lower(sellers::display_name)
                .like(pattern.clone())
                .escape('\\')
                .or(sellers::slug.like(pattern).escape('\\')),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(products::status.eq(status));
    }
    type Row = (i64, String, String, ProductStatus, bool, bool, i64, String);
    let rows: Vec<Row> = query
        .order(products::id.desc())
        .limit(PAGE_SIZE as i64 + 1)
        .select((
            products::id,
            products::name,
            products::slug,
            products::status,
            products::deleted_at.is_not_null(),
            products::is_featured,
            products::price_min,
            sellers::display_name,
        ))
        .load(conn)?;
    let rows = rows
        .into_iter()
        .map(
            |(id, name, slug, status, archived, is_featured, price_min, seller)| ProductRow {
                id,
                name,
                slug,
                status,
                archived,
                is_featured,
                price_min: Money::from_minor(price_min),
                seller,
            },
        )
        .collect();
    Ok(KeysetPage::from_rows(rows, PAGE_SIZE, |r| r.id))
}

/// One product as its admin page shows it; `NotFound` when there is none.
pub fn find(conn: &mut DbConn, product_id: i64) -> Result<ProductRow> {
    let filter = ProductFilter::default();
    search(conn, &filter, Some(product_id + 1))?
        .items
        .into_iter()
        .find(|row| row.id == product_id)
        .ok_or(Error::NotFound)
}

/// Why an administrator unpublished a product, as the seller will read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason(String);

impl Reason {
    pub fn parse(raw: &str) -> std::result::Result<Reason, FieldErrors> {
        let mut e = FieldErrors::default();
        let reason = forms::text(&mut e, "reason", "Reason", raw, MAX_REASON_CHARS, true);
        e.or_ok(Reason(reason))
    }
}

fn entity(id: i64) -> Entity<'static> {
    Entity {
        kind: "product",
        id,
    }
}

/// The product's (status, archived, featured) now, or `NotFound`; read after a conditional
/// update changed nothing, to say why.
fn state(conn: &mut DbConn, product_id: i64) -> Result<(ProductStatus, bool, bool)> {
    Ok(products::table
        .find(product_id)
        .select((
            products::status,
            products::deleted_at.is_not_null(),
            products::is_featured,
        ))
        .first(conn)?)
}

/// Takes a product on sale off the shop: back to draft (one conditional update, so a seller's
/// concurrent change cannot slip between the check and the write), with the reason in the audit
/// log, where the seller's edit page reads it. Its `updated_at` is left alone, so the seller's
/// next change is what retires the note. A product not on sale is refused (409).
pub fn unpublish(conn: &mut DbConn, admin: &Actor, product_id: i64, reason: &Reason) -> Result<()> {
    db::write_tx(conn, |conn| {
        let unpublished = diesel::update(
            products::table
                .find(product_id)
                .filter(products::status.eq(ProductStatus::Active))
                .filter(products::deleted_at.is_null()),
        )
        .set(products::status.eq(ProductStatus::Draft))
        .execute(conn)?;
        if unpublished == 0 {
            let (status, archived, _) = state(conn, product_id)?;
            return Err(Error::Conflict(format!(
                "Only a product on sale can be unpublished; this one is {}.",
                if archived {
                    "archived"
                } else {
                    status.as_str()
                }
            )));
        }
        search::enqueue(conn, product_id)?;
        audit::record(conn, admin, UNPUBLISH_ACTION, entity(product_id), &reason.0)
    })
}

/// Features a product on the home page, or stops. The home page lists featured products that
/// are on sale, so a draft may be featured ahead of its publication; an archived one may not.
/// Asking for what already holds changes nothing.
pub fn set_featured(
    conn: &mut DbConn,
    admin: &Actor,
    product_id: i64,
    featured: bool,
) -> Result<()> {
    db::write_tx(conn, |conn| {
        let changed = if featured {
            diesel::update(
                products::table
                    .find(product_id)
                    .filter(products::is_featured.eq(false))
                    .filter(products::deleted_at.is_null()),
            )
            .set(products::is_featured.eq(true))
            .execute(conn)?
        } else {
            diesel::update(
                products::table
                    .find(product_id)
                    .filter(products::is_featured.eq(true)),
            )
            .set(products::is_featured.eq(false))
            .execute(conn)?
        };
        if changed == 0 {
            let (_, _, is_featured) = state(conn, product_id)?;
            if is_featured == featured {
                return Ok(());
            }
            return Err(Error::Conflict(
                "An archived product cannot be featured.".into(),
            ));
        }
        search::enqueue(conn, product_id)?;
        let (action, details) = if featured {
            ("product.feature", "featured on the home page")
        } else {
            ("product.unfeature", "no longer featured on the home page")
        };
        audit::record(conn, admin, action, entity(product_id), details)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_trimmed_lowercased_and_its_status_known() {
        let parsed = ProductFilter::parse(&ProductSearchFields {
            q: "  Brass LAMP ",
            seller: "",
            status: "active",
        })
        .unwrap();
        assert_eq!(parsed.q.as_deref(), Some("brass lamp"));
        assert_eq!(
            (parsed.seller, parsed.status),
            (None, Some(ProductStatus::Active))
        );
        let refused = ProductFilter::parse(&ProductSearchFields {
            q: "x\u{0}",
            seller: &"s".repeat(101),
            status: "gone",
        })
        .unwrap_err();
        for field in ["q", "seller", "status"] {
            assert!(refused.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn like_wildcards_in_a_search_match_themselves() {
        assert_eq!(contains("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn a_reason_is_required_and_bounded() {
        assert_eq!(
            Reason::parse(" Counterfeit ").unwrap(),
            Reason("Counterfeit".into())
        );
        assert!(Reason::parse("  ").is_err());
        assert!(Reason::parse(&"x".repeat(501)).is_err());
    }
}
