//! The demo catalog: the category tree, sellers, shipping and tax tables, and products with
//! their variants, images, first prices and opening stock.

use diesel::prelude::*;
use rand::Rng;

use super::data::{ADJECTIVES, MATERIALS, SELLERS, TREE, singular, variant_options};
use super::{Generator, SeededVariant};
use crate::accounts::{self, NewUser, Role};
use crate::catalog::ProductStatus;
use crate::catalog::slug::slug;
use crate::db::DbConn;
use crate::db::models::{NewProduct, NewVariant};
use crate::db::schema::{
    categories, price_history, product_categories, product_images, product_variants, products,
    sellers, shipping_methods, tax_rates,
};
use crate::error::{Error, Result};
use crate::inventory::{self, Move, MovementReason, Why};
use crate::sellers::SellerStatus;

/// A category products are listed in: one without subcategories.
pub(super) struct Leaf {
    id: i64,
    name: &'static str,
}

impl Generator {
    /// Returns the leaf categories and how many categories were made.
    pub(super) fn categories(&mut self, conn: &mut DbConn) -> Result<(Vec<Leaf>, usize)> {
        let mut leaves = Vec::new();
        let mut count = 0;
        for (top_pos, (top, children)) in TREE.iter().enumerate() {
            let (top_id, top_path) = insert_category(conn, None, "", top, top_pos)?;
            count += 1;
            for (mid_pos, (mid, grandchildren)) in children.iter().enumerate() {
                let (mid_id, mid_path) =
                    insert_category(conn, Some(top_id), &top_path, mid, mid_pos)?;
                count += 1;
                if grandchildren.is_empty() {
                    leaves.push(Leaf {
                        id: mid_id,
                        name: mid,
                    });
                }
                for (leaf_pos, leaf) in grandchildren.iter().enumerate() {
                    let (leaf_id, _) =
                        insert_category(conn, Some(mid_id), &mid_path, leaf, leaf_pos)?;
                    count += 1;
                    leaves.push(Leaf {
                        id: leaf_id,
                        name: leaf,
                    });
                }
            }
        }
        Ok((leaves, count))
    }

    pub(super) fn sellers(
        &mut self,
        conn: &mut DbConn,
        password: &str,
        shared_hash: &str,
    ) -> Result<Vec<i64>> {
        let seller_hash = accounts::password::hash(password);
        let mut ids = Vec::new();
        for (n, name) in SELLERS.iter().enumerate() {
            let email = format!("seller{}@shopwave.test", n + 1);
            let user = NewUser {
                email: &email,
                password,
                first_name: name.split(' ').next().unwrap_or(name),
                last_name: "",
                role: Role::Seller,
            };
            let hash = if n == 0 {
                seller_hash.as_str()
            } else {
                shared_hash
            };
            let user_id = accounts::insert_user_with_hash(conn, &user, hash)?;
            let id = diesel::insert_into(sellers::table)
                .values((
                    sellers::user_id.eq(user_id),
                    sellers::display_name.eq(*name),
                    sellers::slug.eq(slug(name)),
                    sellers::contact_email.eq(format!("hello@{}.test", slug(name))),
                    sellers::commission_bps.eq(1000 + 100 * (n as i32 % 6)),
                    sellers::status.eq(SellerStatus::Active),
                ))
                .returning(sellers::id)
                .get_result(conn)?;
            ids.push(id);
        }
        Ok(ids)
    }

    pub(super) fn shipping_and_tax(&mut self, conn: &mut DbConn) -> Result<()> {
        let methods = [
            ("standard", "Standard (3–5 days)", 499, Some(5000), 3, 5),
            ("express", "Express (1–2 days)", 1299, None, 1, 2),
            ("overnight", "Overnight", 2499, None, 1, 1),
        ];
        for (position, (code, name, price, free_over, min_days, max_days)) in
            methods.into_iter().enumerate()
        {
            diesel::insert_into(shipping_methods::table)
                .values((
                    shipping_methods::code.eq(code),
                    shipping_methods::name.eq(name),
                    shipping_methods::price.eq(price),
                    shipping_methods::free_over.eq(free_over),
                    shipping_methods::min_days.eq(min_days),
                    shipping_methods::max_days.eq(max_days),
                    shipping_methods::position.eq(position as i32),
                ))
                .execute(conn)?;
        }
        let rates = [
            ("US", "", "Sales tax", 600),
            ("US", "CA", "California sales tax", 725),
            ("US", "NY", "New York sales tax", 888),
            ("US", "OR", "Oregon (no sales tax)", 0),
            ("US", "TX", "Texas sales tax", 625),
            ("GB", "", "VAT", 2000),
            ("DE", "", "MwSt", 1900),
            ("FR", "", "TVA", 2000),
            ("CA", "", "GST", 500),
        ];
        for (country, region, name, bps) in rates {
            diesel::insert_into(tax_rates::table)
                .values((
                    tax_rates::country.eq(country),
                    tax_rates::region.eq(region),
                    tax_rates::name.eq(name),
                    tax_rates::rate_bps.eq(bps),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    pub(super) fn products_batch(
        &mut self,
        conn: &mut DbConn,
        first: usize,
        count: usize,
        leaves: &[Leaf],
        sellers: &[i64],
    ) -> Result<Vec<SeededVariant>> {
        let mut variants = Vec::new();
        for n in first..first + count {
            let Leaf {
                id: category_id,
                name: category_name,
            } = leaves[n % leaves.len()];
            let seller_id = sellers[(n / 3 + n % 7) % sellers.len()];
            let noun = singular(category_name);
            let name = format!(
                "{} {} {}",
                self.pick(ADJECTIVES),
                self.pick(MATERIALS),
                noun
            );
            let slug = format!("{}-{}", slug(&name), n + 1);
            // Prices skew low, as real catalogues do: most under $50, a long tail to $1,500.
            let base = (self.rng.random_range(0.0f64..1.0).powi(3) * 150_000.0) as i64 + 499;
            let base = base / 100 * 100 + 99;
            let description = format!(
                "The {name} is a {adj} choice for anyone shopping for {cat}. Made from {mat} with care, tested for everyday use, and backed by a 2-year warranty. Ships from {seller_note}.",
                adj = self.pick(&[
                    "dependable",
                    "stylish",
                    "practical",
                    "well-reviewed",
                    "popular"
                ]),
                cat = category_name.to_lowercase(),
                mat = self.pick(MATERIALS).to_lowercase(),
                seller_note = "the seller's own warehouse",
            );
            let created = self.days_ago(720);
            let product_id: i64 = diesel::insert_into(products::table)
                .values(&NewProduct {
                    seller_id,
                    primary_category_id: category_id,
                    name: &name,
                    slug: &slug,
                    description: &description,
                    status: if n % 50 == 49 {
                        ProductStatus::Draft
                    } else {
                        ProductStatus::Active
                    },
                    is_featured: Some(n % 37 == 0),
                    // Set below, once the variants' prices are drawn.
                    price_min: None,
                    price_max: None,
                    created_at: Some(created),
                    updated_at: Some(created),
                })
                .returning(products::id)
                .get_result(conn)?;
            diesel::insert_into(product_categories::table)
                .values((
                    product_categories::product_id.eq(product_id),
                    product_categories::category_id.eq(category_id),
                ))
                .execute(conn)?;
            for position in 0..2 {
                diesel::insert_into(product_images::table)
                    .values((
                        product_images::product_id.eq(product_id),
                        product_images::url.eq(format!(
                            "/static/img/products/{}.svg",
                            (n + position * 5) % 12
                        )),
                        product_images::alt_text.eq(format!("{name}, view {}", position + 1)),
                        product_images::position.eq(position as i32),
                    ))
                    .execute(conn)?;
            }
            let options = variant_options(category_name);
            let variant_count = self.rng.random_range(1..=options.len().max(1));
            let (mut low, mut high, mut opening) = (i64::MAX, 0, Vec::new());
            for (position, option) in options.iter().take(variant_count).enumerate() {
                let price = base + position as i64 * 500;
                let stock = if self.rng.random_bool(0.08) {
                    0
                } else {
                    self.rng.random_range(1..120)
                };
                let sku = format!("SW-{:06}-{}", n + 1, position + 1);
                let (variant_name, options_json) = match option {
                    Some((label, value)) => (
                        value.to_string(),
                        serde_json::json!({ *label: value }).to_string(),
                    ),
                    None => (String::new(), "{}".to_owned()),
                };
                let variant_id: i64 = diesel::insert_into(product_variants::table)
                    .values(&NewVariant {
                        product_id,
                        sku: &sku,
                        name: Some(&variant_name),
                        options: Some(&options_json),
                        price,
                        reorder_point: Some(5),
                        position: Some(position as i32),
                    })
                    .returning(product_variants::id)
                    .get_result(conn)?;
                if stock > 0 {
                    opening.push(Move {
                        variant_id,
                        delta: stock,
                    });
                }
                diesel::insert_into(price_history::table)
                    .values((
                        price_history::variant_id.eq(variant_id),
                        price_history::new_price.eq(price),
                        price_history::changed_at.eq(created),
                    ))
                    .execute(conn)?;
                low = low.min(price);
                high = high.max(price);
                variants.push(SeededVariant {
                    id: variant_id,
                    product_id,
                    seller_id,
                    product_name: name.clone(),
                    name: variant_name,
                    sku,
                    price,
                });
            }
            diesel::update(products::table.find(product_id))
                .set((products::price_min.eq(low), products::price_max.eq(high)))
                .execute(conn)?;
            // One call for all the product's variants, so search is told of it once.
            if opening.is_empty() {
                crate::search::enqueue(conn, product_id)?;
            } else {
                inventory::move_stock(conn, &opening, Why::of(MovementReason::Initial))?
                    .map_err(|refused| Error::Internal(format!("opening stock: {refused:?}")))?;
            }
        }
        Ok(variants)
    }
}

fn insert_category(
    conn: &mut DbConn,
    parent: Option<i64>,
    parent_path: &str,
    name: &str,
    position: usize,
) -> Result<(i64, String)> {
    let slug = slug(name);
    let depth = parent_path.matches('/').count().saturating_sub(1) as i32;
    let id: i64 = diesel::insert_into(categories::table)
        .values((
            categories::parent_id.eq(parent),
            categories::name.eq(name),
            categories::slug.eq(&slug),
            categories::description.eq(format!("Browse our range of {}.", name.to_lowercase())),
            categories::path.eq(format!("pending:{slug}")),
            categories::depth.eq(depth),
            categories::position.eq(position as i32),
        ))
        .returning(categories::id)
        .get_result(conn)?;
    let path = format!(
        "{}/{id}/",
        if parent_path.is_empty() {
            ""
        } else {
            parent_path.trim_end_matches('/')
        }
    );
    diesel::update(categories::table.find(id))
        .set(categories::path.eq(&path))
        .execute(conn)?;
    Ok((id, path))
}
