//! The bulk catalog: a three-level category tree, sellers, and products with their category
//! links, images and variants.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;

use super::Volumes;
use super::loader::{Loader, first_user, quote, skewed, timestamp};
use crate::accounts::Role;
use crate::catalog::ProductStatus;
use crate::catalog::slug::slug;
use crate::db::DbConn;
use crate::error::Result;

const NOUNS: &[&str] = &[
    "Lamp",
    "Chair",
    "Backpack",
    "Headphones",
    "Kettle",
    "Jacket",
    "Notebook",
    "Speaker",
    "Tent",
    "Skillet",
    "Watch",
    "Blender",
    "Monitor",
    "Keyboard",
    "Mug",
    "Sneaker",
    "Puzzle",
    "Novel",
    "Bike Light",
    "Desk",
];

/// A 3-level tree: 10 top categories, each with mid-level children, each with leaves.
pub(super) fn categories(conn: &mut DbConn, count: usize) -> Result<Vec<i64>> {
    let per_level = ((count as f64 / 10.0).sqrt().ceil() as usize).max(2);
    let mut loader = Loader::new(
        conn,
        "categories",
        "id, parent_id, name, slug, path, depth, position",
        count,
    );
    let (mut id, mut leaves) = (0i64, Vec::new());
    'tree: for top in 0..10 {
        id += 1;
        let top_id = id;
        loader.row(format_args!(
            "{top_id}, NULL, 'Department {top}', 'department-{top}', '/{top_id}/', 0, {top}"
        ))?;
        for mid in 0..per_level {
            id += 1;
            let mid_id = id;
            loader.row(format_args!(
                "{mid_id}, {top_id}, 'Aisle {top}.{mid}', 'aisle-{top}-{mid}', '/{top_id}/{mid_id}/', 1, {mid}"
            ))?;
            for leaf in 0..per_level {
                if id as usize >= count {
                    break 'tree;
                }
                id += 1;
                loader.row(format_args!(
                    "{id}, {mid_id}, 'Shelf {top}.{mid}.{leaf}', 'shelf-{top}-{mid}-{leaf}', '/{top_id}/{mid_id}/{id}/', 2, {leaf}"
                ))?;
                leaves.push(id);
            }
        }
    }
    loader.finish()?;
    Ok(leaves)
}

pub(super) fn sellers(conn: &mut DbConn, count: usize, shared_hash: &str) -> Result<()> {
    let mut users = Loader::new(
        conn,
        "users",
        "email, password_hash, first_name, last_name, role",
        count,
    );
    let hash = quote(shared_hash);
    for n in 1..=count {
        users.row(format_args!(
            "'seller{n}@bulk.test', {hash}, 'Seller', '{n}', '{}'",
            Role::Seller.as_str()
        ))?;
    }
    users.finish()?;
    let first_user = first_user(conn, Role::Seller)?;
    let mut sellers = Loader::new(
        conn,
        "sellers",
        "id, user_id, display_name, slug, contact_email, commission_bps",
        count,
    );
    for n in 1..=count {
        sellers.row(format_args!(
            "{n}, {}, 'Seller {n}', 'seller-{n}', 'shop{n}@bulk.test', {}",
            first_user + n as i64 - 1,
            800 + n % 8 * 100
        ))?;
    }
    sellers.finish()?;
    Ok(())
}

/// Products with 1–3 variants each; returns each product's variant count (ids are dense).
pub(super) fn products(
    conn: &mut DbConn,
    rng: &mut StdRng,
    volumes: &Volumes,
    leaves: &[i64],
    today: NaiveDateTime,
) -> Result<Vec<u8>> {
    let mut variant_counts = Vec::with_capacity(volumes.products);
    let mut prices = Vec::with_capacity(volumes.products);
    let mut loader = Loader::new(
        conn,
        "products",
        "id, seller_id, primary_category_id, name, slug, description, status, is_featured, price_min, price_max, in_stock, created_at, updated_at",
        volumes.products,
    );
    for id in 1..=volumes.products {
        let name = format!(
            "{} {} {} {id}",
            crate::seed::data::ADJECTIVES[rng.random_range(0..crate::seed::data::ADJECTIVES.len())],
            crate::seed::data::MATERIALS[id % crate::seed::data::MATERIALS.len()],
            NOUNS[id % NOUNS.len()]
        );
        let variants = 1 + (id % 5 == 0) as u8 + (id % 7 == 0) as u8;
        let base = (rng.random_range(0.0f64..1.0).powi(3) * 150_000.0) as i64 / 100 * 100 + 499;
        let created = today - Duration::minutes(rng.random_range(60..3 * 365 * 24 * 60));
        let status = if id % 50 == 0 {
            ProductStatus::Draft
        } else {
            ProductStatus::Active
        }
        .as_str();
        loader.row(format_args!(
            "{id}, {}, {}, {}, {}, {}, '{status}', {}, {base}, {}, TRUE, {}, {}",
            1 + skewed(rng, volumes.sellers, 2),
            leaves[id % leaves.len()],
            quote(&name),
            quote(&format!("{}-{id}", slug(&name))),
            quote(&format!(
                "The {name} is a dependable choice, built to last and loved by our customers."
            )),
            if id % 97 == 0 { "TRUE" } else { "FALSE" },
            base + i64::from(variants - 1) * 500,
            timestamp(created),
            timestamp(created),
        ))?;
        variant_counts.push(variants);
        prices.push(base);
    }
    loader.finish()?;

    let mut links = Loader::new(
        conn,
        "product_categories",
        "product_id, category_id",
        volumes.products,
    );
    for id in 1..=volumes.products {
        links.row(format_args!("{id}, {}", leaves[id % leaves.len()]))?;
    }
    links.finish()?;

    let mut images = Loader::new(
        conn,
        "product_images",
        "product_id, url, alt_text, position",
        volumes.products,
    );
    for id in 1..=volumes.products {
        images.row(format_args!(
            "{id}, '/static/img/products/{}.svg', 'Product photo', 0",
            id % 12
        ))?;
    }
    images.finish()?;

    let total_variants: usize = variant_counts.iter().map(|n| *n as usize).sum();
    let mut variants = Loader::new(
        conn,
        "product_variants",
        "id, product_id, sku, name, options, price, stock, reorder_point, position",
        total_variants,
    );
    let mut variant_id = 0;
    for (index, count) in variant_counts.iter().enumerate() {
        for position in 0..*count {
            variant_id += 1;
            let size = ["S", "M", "L"][position as usize];
            variants.row(format_args!(
                "{variant_id}, {}, 'BK-{variant_id:08}', '{size}', '{{\"Size\": \"{size}\"}}', {}, {}, 5, {position}",
                index + 1,
                prices[index] + i64::from(position) * 500,
                rng.random_range(20..500),
            ))?;
        }
    }
    variants.finish()?;
    Ok(variant_counts)
}
