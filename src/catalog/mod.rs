//! The catalog as shoppers see it: categories and product listings.

pub mod addresses;
pub mod cache;
pub mod category;
pub mod feed;
pub mod product;
pub mod search_results;
pub mod sitemap;
pub mod slug;
mod status;

pub use status::ProductStatus;

use diesel::dsl;
use diesel::prelude::*;
use diesel::sql_types::Integer;

use crate::db::models::{Category, Product, ProductImage};
use crate::db::schema::{categories, product_images, products};
use crate::db::{Constant, DbConn, LimitConstant, MultiBackend, constant};
use crate::error::Result;
use crate::images::{Picture, Size};
use crate::money::Money;

/// How many products each of the home page's two listings shows.
const HOME_LISTED: u32 = 8;

/// The side of a card's square picture, in CSS pixels.
const CARD_SIDE: u32 = 240;

/// A product as a listing shows it.
#[derive(Debug, Clone)]
pub struct ProductCard {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub price_min: Money,
    pub price_max: Money,
    pub in_stock: bool,
    pub rating_avg: i32,
    pub rating_count: i32,
    pub image_url: String,
    /// The first image with its sizes (`image_url` is its `src`).
    pub picture: Picture,
}

impl ProductCard {
    /// "from $10.00" when variants differ in price.
    pub fn has_price_range(&self) -> bool {
        self.price_max > self.price_min
    }

    /// The average rating with one decimal, e.g. "4.3".
    pub fn rating(&self) -> String {
        stars(self.rating_avg)
    }
}

/// An average kept in hundredths of a star, with one decimal, rounded half up: 425 → "4.3".
/// Integer arithmetic: float formatting was a tenth of a listing page's rendering time.
pub fn stars(hundredths: i32) -> String {
    let tenths = (hundredths.max(0) + 5) / 10;
    format!("{}.{}", tenths / 10, tenths % 10)
}

pub struct Home {
    pub top_categories: Vec<Category>,
    pub featured: Vec<ProductCard>,
    pub top_rated: Vec<ProductCard>,
}

pub fn home(conn: &mut DbConn) -> Result<Home> {
    let top_categories = categories::table
        .filter(categories::parent_id.is_null())
        .order((categories::position, categories::id))
        .select(Category::as_select())
        .load(conn)?;
    let featured = published_with_first_image()
        .filter(products::is_featured.eq(true))
        .order(products::id.desc())
        .select(CardRow::as_select())
        .limit_constant(HOME_LISTED)
        .load(conn)?;
    let top_rated = published_with_first_image()
        .filter(products::rating_count.gt(constant(0)))
        .order((products::rating_avg.desc(), products::id.desc()))
        .select(CardRow::as_select())
        .limit_constant(HOME_LISTED)
        .load(conn)?;
    Ok(Home {
        top_categories,
        featured: cards_of(featured),
        top_rated: cards_of(top_rated),
    })
}

pub type IsPublished =
    dsl::And<dsl::Eq<products::status, ProductStatus>, dsl::IsNull<products::deleted_at>>;

/// What shoppers may see: active and not deleted.
pub fn is_published() -> IsPublished {
    products::status
        .eq(ProductStatus::Active)
        .and(products::deleted_at.is_null())
}

/// The products shoppers may see (`is_published`).
pub fn published() -> products::BoxedQuery<'static, MultiBackend> {
    products::table.filter(is_published()).into_boxed()
}

type FirstImageOn = dsl::And<
    dsl::Eq<product_images::product_id, products::id>,
    dsl::Eq<product_images::position, Constant<Integer>>,
>;

/// Published products, each with its first image when it has one: what a listing reads, in
/// one statement where a second one for the images was up to a third of a page's statements.
/// A product left with two first images comes twice; `cards_of` keeps the first.
pub type PublishedWithFirstImage = dsl::IntoBoxed<
    'static,
    dsl::LeftJoinOn<products::table, product_images::table, FirstImageOn>,
    MultiBackend,
>;

pub fn published_with_first_image() -> PublishedWithFirstImage {
    products::table
        .left_join(
            product_images::table.on(product_images::product_id
                .eq(products::id)
                .and(product_images::position.eq(constant(0)))),
        )
        .into_boxed()
        .filter(is_published())
}

/// A row of `published_with_first_image`.
#[derive(Queryable, Selectable)]
#[diesel(check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub struct CardRow {
    #[diesel(embed)]
    product: Product,
    #[diesel(embed)]
    image: Option<ProductImage>,
}

/// The products among `ids` shoppers may see now, as cards, in the order of `ids`. Listings
/// read from the search index pass through here, so the database has the last word: a product
/// unpublished a moment ago is left out even before the indexer has caught up.
pub fn published_in_order(conn: &mut DbConn, ids: &[i64]) -> Result<Vec<(Product, ProductCard)>> {
    let mut rows: Vec<CardRow> = published_with_first_image()
        .filter(products::id.eq_any(ids))
        .select(CardRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|row| ids.iter().position(|id| *id == row.product.id));
    Ok(one_per_product(rows)
        .into_iter()
        .map(|row| (row.product.clone(), card(row.product, row.image.as_ref())))
        .collect())
}

/// One card per product, in the rows' order, from rows of `published_with_first_image`.
pub fn cards_of(rows: Vec<CardRow>) -> Vec<ProductCard> {
    one_per_product(rows)
        .into_iter()
        .map(|row| card(row.product, row.image.as_ref()))
        .collect()
}

/// The first row of each product.
fn one_per_product(mut rows: Vec<CardRow>) -> Vec<CardRow> {
    let mut seen = std::collections::HashSet::new();
    rows.retain(|row| seen.insert(row.product.id));
    rows
}

fn card(p: Product, image: Option<&ProductImage>) -> ProductCard {
    let picture = image.map_or_else(
        || Picture::placeholder(CARD_SIDE),
        |image| Picture::of(image, Size::Small, CARD_SIDE),
    );
    ProductCard {
        image_url: picture.src.clone(),
        picture,
        id: p.id,
        name: p.name,
        slug: p.slug,
        price_min: Money::from_minor(p.price_min),
        price_max: Money::from_minor(p.price_max),
        in_stock: p.in_stock,
        rating_avg: p.rating_avg,
        rating_count: p.rating_count,
    }
}

#[cfg(test)]
mod tests {
    use super::stars;

    #[test]
    fn averages_show_one_decimal_rounded_half_up() {
        assert_eq!(stars(0), "0.0");
        assert_eq!(stars(433), "4.3");
        assert_eq!(stars(425), "4.3");
        assert_eq!(stars(449), "4.5");
        assert_eq!(stars(500), "5.0");
        assert_eq!(stars(-3), "0.0");
    }
}
