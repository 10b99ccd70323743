//! Reading a cart: its lines joined with today's product data, and the priced view the cart page
//! shows (price changes, stock problems, the promotion and its exact discount).

use std::collections::HashMap;

use diesel::prelude::*;

use super::{CartOwner, find};
use crate::db::DbConn;
use crate::db::models::{Cart, Promotion};
use crate::db::schema::{
    cart_items, categories, product_categories, product_variants, products, stock_holds,
};
use crate::error::Result;
use crate::money::Money;
use crate::pricing::{self, LineInput, Shipping};
use crate::promotions::PromotionScope;

/// One cart line with what the shop says about it now.
#[derive(Debug, Clone)]
pub struct CartLine {
    pub variant_id: i64,
    pub product_id: i64,
    pub seller_id: i64,
    pub product_name: String,
    pub product_slug: String,
    pub variant_name: String,
    pub sku: String,
    pub quantity: i32,
    /// The price when the item was put in the cart.
    pub added_price: Money,
    /// Today's price: what the order will charge.
    pub price: Money,
    /// What the cart's shopper can have: on hand, less what others hold (`inventory::holds`).
    pub stock: i32,
    /// The product is published and the variant on sale.
    pub purchasable: bool,
    /// Materialised paths ('/1/5/') of every category the product is in, for promotion scope.
    pub category_paths: Vec<String>,
}

impl CartLine {
    pub fn price_changed(&self) -> bool {
        self.price != self.added_price
    }

    pub fn price_went_up(&self) -> bool {
        self.price > self.added_price
    }

    pub fn line_price(&self) -> Money {
        self.price
            .times(i64::from(self.quantity))
            .unwrap_or(Money::ZERO)
    }

    /// The line asks for more units than its shopper can have.
    pub fn is_short(&self) -> bool {
        self.quantity > self.stock
    }

    /// What stops this line from being ordered as it is, in the shopper's words.
    pub fn problem(&self) -> Option<String> {
        if !self.purchasable {
            Some("No longer available; please remove it.".into())
        } else if !self.is_short() {
            None
        } else if self.stock == 0 {
            Some("Out of stock.".into())
        } else {
            Some(format!("Only {} left in stock.", self.stock))
        }
    }

    pub fn pricing_input(&self, discountable: bool) -> LineInput {
        LineInput {
            unit_price: self.price,
            quantity: self.quantity,
            discountable,
        }
    }
}

impl crate::promotions::PromotionLine for CartLine {
    fn product_id(&self) -> i64 {
        self.product_id
    }

    fn category_paths(&self) -> &[String] {
        &self.category_paths
    }

    fn line_price(&self) -> Money {
        CartLine::line_price(self)
    }
}

/// The lines of a cart, in ascending variant id order (the order checkout takes stock in), with
/// the stock its owner can have: on hand, less what others hold, plus the owner's own holds
/// (`inventory::holds`; a guest holds nothing). The products' category paths are read only for a
/// promotion scoped to a category, the one rule that looks at them.
pub fn lines(
    conn: &mut DbConn,
    cart: &Cart,
    promotion: Option<&Promotion>,
) -> Result<Vec<CartLine>> {
    type Row = (
        i64,
        i32,
        i64,
        i64,
        String,
        String,
        String,
        String,
        i64,
        i32,
        bool,
        crate::catalog::ProductStatus,
        bool,
        i64,
        Option<i32>,
    );
    let rows: Vec<Row> = cart_items::table
        .inner_join(product_variants::table.inner_join(products::table))
        .left_join(
            stock_holds::table.on(stock_holds::variant_id
                .eq(cart_items::variant_id)
                .and(stock_holds::user_id.nullable().eq(cart.user_id))),
        )
        .filter(cart_items::cart_id.eq(cart.id))
        .order(cart_items::variant_id.asc())
        .select((
            cart_items::variant_id,
            cart_items::quantity,
            cart_items::unit_price,
            products::id,
            products::name,
            products::slug,
            product_variants::name,
            product_variants::sku,
            product_variants::price,
            product_variants::stock - product_variants::held,
            product_variants::is_active,
            products::status,
            products::deleted_at.is_null(),
            products::seller_id,
            stock_holds::quantity.nullable(),
        ))
        .load(conn)?;
    let mut paths = match promotion {
        Some(p) if matches!(p.scope, PromotionScope::Category) => {
            category_paths(conn, &rows.iter().map(|r| r.3).collect::<Vec<_>>())?
        }
        _ => HashMap::new(),
    };
    Ok(rows
        .into_iter()
        .map(|r| CartLine {
            variant_id: r.0,
            quantity: r.1,
            added_price: Money::from_minor(r.2),
            product_id: r.3,
            product_name: r.4,
            product_slug: r.5,
            variant_name: r.6,
            sku: r.7,
            price: Money::from_minor(r.8),
            stock: (r.9 + r.14.unwrap_or(0)).max(0),
            purchasable: r.10 && r.11.is_for_sale() && r.12,
            seller_id: r.13,
            category_paths: paths.remove(&r.3).unwrap_or_default(),
        })
        .collect())
}

/// Each product's category paths: the categories it is listed in and its primary one.
fn category_paths(conn: &mut DbConn, product_ids: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let listed: Vec<(i64, String)> = product_categories::table
        .inner_join(categories::table)
        .filter(product_categories::product_id.eq_any(product_ids))
        .select((product_categories::product_id, categories::path))
        .load(conn)?;
    let primary: Vec<(i64, String)> = products::table
        .inner_join(categories::table)
        .filter(products::id.eq_any(product_ids))
        .select((products::id, categories::path))
        .load(conn)?;
    let mut paths: HashMap<i64, Vec<String>> = HashMap::new();
    for (product_id, path) in listed.into_iter().chain(primary) {
        paths.entry(product_id).or_default().push(path);
    }
    Ok(paths)
}

/// The cart page: lines, the promotion (or why it no longer applies) and totals before shipping
/// and tax, computed by the same rules checkout uses.
#[derive(Debug, Clone, Default)]
pub struct CartView {
    pub lines: Vec<CartLine>,
    pub line_discounts: Vec<Money>,
    pub promotion: Option<Promotion>,
    /// Set when the cart's promotion is attached but cannot be used as the cart stands.
    pub promotion_problem: Option<String>,
    pub subtotal: Money,
    pub discount: Money,
    pub count: i64,
}

impl CartView {
    pub fn total(&self) -> Money {
        self.subtotal - self.discount
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn can_check_out(&self) -> bool {
        !self.lines.is_empty() && self.lines.iter().all(|l| l.problem().is_none())
    }
}

pub fn view(conn: &mut DbConn, owner: &CartOwner) -> Result<CartView> {
    let Some(cart) = find(conn, owner)? else {
        return Ok(CartView::default());
    };
    let promotion = match cart.promotion_id {
        Some(id) => Some(crate::promotions::by_id(conn, id)?),
        None => None,
    };
    let lines = lines(conn, &cart, promotion.as_ref())?;
    let user_id = match owner {
        CartOwner::User(id) => Some(*id),
        CartOwner::Guest(_) => None,
    };
    let promotion_problem = match &promotion {
        Some(p) => crate::promotions::check(conn, p, user_id, &lines, crate::util::now())
            .err()
            .map(|refusal| refusal.to_string()),
        None => None,
    };
    let usable = promotion.as_ref().filter(|_| promotion_problem.is_none());
    let inputs: Vec<LineInput> = lines
        .iter()
        .map(|l| l.pricing_input(usable.is_some_and(|p| crate::promotions::applies_to(p, l))))
        .collect();
    let discount = usable.map_or(pricing::Discount::None, crate::promotions::discount_of);
    let quote =
        pricing::quote(&inputs, discount, Shipping::NONE, 0).unwrap_or_else(|| pricing::Quote {
            lines: Vec::new(),
            totals: Default::default(),
        });
    Ok(CartView {
        count: lines.iter().map(|l| i64::from(l.quantity)).sum(),
        line_discounts: quote.lines.iter().map(|l| l.discount).collect(),
        subtotal: quote.totals.subtotal,
        discount: quote.totals.discount,
        lines,
        promotion,
        promotion_problem,
    })
}
