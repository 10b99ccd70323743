//! Filters, sort orders and keyset cursors shared by category pages and search results.
//!
//! The address carries them as plain query parameters; `ListingParams::parse` turns them into a
//! typed `Filters` + `Sort` or a message for the shopper, so nothing downstream sees raw text.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::money::Money;

/// The query parameters of a listing, exactly as the address carries them.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListingParams {
    pub min_price: Option<String>,
    pub max_price: Option<String>,
    pub in_stock: Option<String>,
    pub min_rating: Option<String>,
    pub seller: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub min_price: Option<Money>,
    pub max_price: Option<Money>,
    pub in_stock: bool,
    /// Whole stars, 1..=5.
    pub min_rating: Option<i32>,
    /// A seller's slug.
    pub seller: Option<String>,
}

impl Filters {
    pub fn min_rating_hundredths(&self) -> Option<i32> {
        self.min_rating.map(|stars| stars * 100)
    }

    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Search only: BM25 score.
    Relevance,
    Featured,
    PriceAsc,
    PriceDesc,
    Rating,
    Newest,
}

impl Sort {
    pub const CATEGORY_CHOICES: [Sort; 5] = [
        Sort::Featured,
        Sort::PriceAsc,
        Sort::PriceDesc,
        Sort::Rating,
        Sort::Newest,
    ];
    pub const SEARCH_CHOICES: [Sort; 6] = [
        Sort::Relevance,
        Sort::Featured,
        Sort::PriceAsc,
        Sort::PriceDesc,
        Sort::Rating,
        Sort::Newest,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Featured => "featured",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::Rating => "rating",
            Sort::Newest => "newest",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Relevance => "Best match",
            Sort::Featured => "Featured",
            Sort::PriceAsc => "Price: low to high",
            Sort::PriceDesc => "Price: high to low",
            Sort::Rating => "Customer rating",
            Sort::Newest => "Newest",
        }
    }

    fn from_key(key: &str) -> Option<Sort> {
        Sort::SEARCH_CHOICES.into_iter().find(|s| s.key() == key)
    }
}

/// Where the next page starts: the sort key and id of the last item shown. Carried in the
/// address as an opaque token bound to its sort, so a token from another order is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub key: i64,
    pub id: i64,
}

impl Cursor {
    pub fn encode(self, sort: Sort) -> String {
        hex::encode(format!("{}:{}:{}", sort.key(), self.key, self.id))
    }

    fn decode(token: &str, sort: Sort) -> Option<Cursor> {
        let text = String::from_utf8(hex::decode(token).ok()?).ok()?;
        let mut parts = text.split(':');
        let (name, key, id) = (parts.next()?, parts.next()?, parts.next()?);
        if name != sort.key() || parts.next().is_some() {
            return None;
        }
        Some(Cursor {
            key: crate::numbers::parse_whole(key)?,
            id: crate::numbers::parse_whole(id)?,
        })
    }
}

/// A parsed listing request.
#[derive(Debug, Clone)]
pub struct Listing {
    pub filters: Filters,
    pub sort: Sort,
    pub after: Option<Cursor>,
}

impl Listing {
    /// The listing's one canonical address under `base`, cursor included: what caches key on.
    pub fn address(&self, base: &str) -> String {
        let token = self.after.map(|cursor| cursor.encode(self.sort));
        let extra: Vec<(&str, &str)> = token.iter().map(|t| ("after", t.as_str())).collect();
        href(base, &self.filters, self.sort, &extra)
    }
}

impl ListingParams {
    /// `default_sort` is what an absent or unknown `sort` means; `Relevance` is accepted only
    /// where it is the default (search), since a category has no query to be relevant to.
    pub fn parse(&self, default_sort: Sort) -> Result<Listing> {
        let sort = match self.sort.as_deref().and_then(Sort::from_key) {
            Some(Sort::Relevance) if default_sort != Sort::Relevance => default_sort,
            Some(sort) => sort,
            None => default_sort,
        };
        let after = match non_empty(&self.after) {
            None => None,
            Some(token) => Some(Cursor::decode(token, sort).ok_or_else(|| {
                Error::Invalid(
                    "That page link is out of date. Please start again from the first page.".into(),
                )
            })?),
        };
        let filters = Filters {
            min_price: price(&self.min_price, "minimum")?,
            max_price: price(&self.max_price, "maximum")?,
            in_stock: matches!(non_empty(&self.in_stock), Some("1" | "on" | "true")),
            min_rating: rating(&self.min_rating)?,
            seller: non_empty(&self.seller).map(str::to_owned),
        };
        if let (Some(low), Some(high)) = (filters.min_price, filters.max_price)
            && low > high
        {
            return Err(Error::Invalid(
                "The minimum price is above the maximum price.".into(),
            ));
        }
        Ok(Listing {
            filters,
            sort,
            after,
        })
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn price(value: &Option<String>, which: &str) -> Result<Option<Money>> {
    match non_empty(value) {
        None => Ok(None),
        Some(text) => Money::parse_typed(text).map(Some).map_err(|refusal| {
            Error::Invalid(format!(
                "The {which} price is not an amount we can read. {refusal}"
            ))
        }),
    }
}

fn rating(value: &Option<String>) -> Result<Option<i32>> {
    match non_empty(value) {
        None => Ok(None),
        Some(text) => match crate::numbers::parse_whole(text) {
            Some(stars @ 1..=5) => Ok(Some(stars as i32)),
            _ => Err(Error::Invalid(
                "The minimum rating should be a whole number of stars from 1 to 5.".into(),
            )),
        },
    }
}

/// The address of a listing with its filters and sort, plus `extra` pairs (a cursor, a query).
pub fn href(base: &str, filters: &Filters, sort: Sort, extra: &[(&str, &str)]) -> String {
    let mut pairs = form_urlencoded::Serializer::new(String::new());
    for (name, value) in extra {
        pairs.append_pair(name, value);
    }
    if let Some(price) = filters.min_price {
        pairs.append_pair("min_price", &price.plain());
    }
    if let Some(price) = filters.max_price {
        pairs.append_pair("max_price", &price.plain());
    }
    if filters.in_stock {
        pairs.append_pair("in_stock", "1");
    }
    if let Some(stars) = filters.min_rating {
        pairs.append_pair("min_rating", &stars.to_string());
    }
    if let Some(seller) = &filters.seller {
        pairs.append_pair("seller", seller);
    }
    pairs.append_pair("sort", sort.key());
    format!("{base}?{}", pairs.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> ListingParams {
        let mut p = ListingParams::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "min_price" => p.min_price = v,
                "max_price" => p.max_price = v,
                "in_stock" => p.in_stock = v,
                "min_rating" => p.min_rating = v,
                "seller" => p.seller = v,
                "sort" => p.sort = v,
                "after" => p.after = v,
                _ => unreachable!(),
            }
        }
        p
    }

    #[test]
    fn a_cursor_round_trips_only_under_its_own_sort() {
        let cursor = Cursor { key: -5, id: 42 };
        let token = cursor.encode(Sort::PriceAsc);
        assert_eq!(Cursor::decode(&token, Sort::PriceAsc), Some(cursor));
        assert_eq!(Cursor::decode(&token, Sort::Rating), None);
        assert_eq!(Cursor::decode("zz", Sort::PriceAsc), None);
    }

    #[test]
    fn filters_parse_and_bad_values_get_a_message() {
        let listing = params(&[("min_price", "10"), ("in_stock", "1"), ("min_rating", "4")])
            .parse(Sort::Featured)
            .unwrap();
        assert_eq!(listing.filters.min_price, Some(Money::from_minor(1000)));
        assert!(listing.filters.in_stock);
        assert_eq!(listing.filters.min_rating_hundredths(), Some(400));
        assert!(
            params(&[("min_rating", "9")])
                .parse(Sort::Featured)
                .is_err()
        );
        assert!(
            params(&[("max_price", "cheap")])
                .parse(Sort::Featured)
                .is_err()
        );
        for (field, typed) in [
            ("max_price", "12,99"),
            ("min_price", "1e3"),
            ("min_rating", "+-4"),
        ] {
            assert!(
                params(&[(field, typed)]).parse(Sort::Featured).is_err(),
                "{typed}"
            );
        }
        assert_eq!(
            params(&[("max_price", "$1,299.5")])
                .parse(Sort::Featured)
                .unwrap()
                .filters
                .max_price,
            Some(Money::from_minor(129_950))
        );
        assert!(
            params(&[("min_price", "50"), ("max_price", "10")])
                .parse(Sort::Featured)
                .is_err()
        );
        assert!(
            params(&[("after", "nonsense")])
                .parse(Sort::Featured)
                .is_err()
        );
    }

    #[test]
    fn relevance_is_only_a_search_order() {
        let p = params(&[("sort", "relevance")]);
        assert_eq!(p.parse(Sort::Featured).unwrap().sort, Sort::Featured);
        assert_eq!(p.parse(Sort::Relevance).unwrap().sort, Sort::Relevance);
        assert_eq!(
            params(&[("sort", "bogus")])
                .parse(Sort::Featured)
                .unwrap()
                .sort,
            Sort::Featured
        );
    }
}
