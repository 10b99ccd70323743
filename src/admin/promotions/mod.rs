//! Promotion codes as an administrator manages them (FR-09): the list with what each code has
//! sold, create, edit, disable and enable. Whether a code applies to a cart, and what it takes
//! off, stays with `promotions::check` and `pricing`; this module only stores the rules. A code is
//! never deleted: orders point at it (`ON DELETE RESTRICT`) and keep their own `promotion_code`.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::audit::{self, Actor, Entity};
use crate::db::models::Promotion;
use crate::db::schema::{categories, orders, products, promotions};
use crate::db::types::OrderStatus;
use crate::db::{self, DbConn, sum_bigint};
use crate::edits::{self, Version};
use crate::error::{Error, Result};
use crate::forms::FieldErrors;
use crate::money::Money;
use crate::promotions::{DiscountKind, PromotionScope};

mod input;
pub use input::{Amount, CODE_MAX, ProductRef, PromotionFields, PromotionInput, Scope};

/// What a code has brought in, over its orders that were paid and kept (`OrderStatus::PAID`:
/// confirmed, being prepared, shipped, delivered). Orders awaiting payment, failed, cancelled or
/// refunded in full are left out; partial refunds are not taken off, as in the sales report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sales {
    pub paid_orders: i64,
    /// Grand totals as charged: goods after the discount, with shipping and tax.
    pub revenue: Money,
    pub discount_given: Money,
}

/// A promotion as the list shows it.
pub struct Listed {
    pub promotion: Promotion,
    /// "Whole shop", or the category or product it is limited to.
    pub applies_to: String,
    pub sales: Sales,
}

/// Every promotion, newest first, with its sales.
pub fn list(conn: &mut DbConn) -> Result<Vec<Listed>> {
    let all: Vec<Promotion> = promotions::table
        .order(promotions::id.desc())
        .select(Promotion::as_select())
        .load(conn)?;
    let ids: Vec<i64> = all.iter().map(|p| p.id).collect();
    let mut sales = sales_by_code(conn, &ids)?;
    let category_ids: Vec<i64> = all.iter().filter_map(|p| p.scope_category_id).collect();
    let category_names: HashMap<i64, String> = categories::table
        .filter(categories::id.eq_any(&category_ids))
        .select((categories::id, categories::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let product_ids: Vec<i64> = all.iter().filter_map(|p| p.scope_product_id).collect();
    let product_names: HashMap<i64, String> = products::table
        .filter(products::id.eq_any(&product_ids))
        .select((products::id, products::name))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    Ok(all
        .into_iter()
        .map(|promotion| {
            let named = |names: &HashMap<i64, String>, id: Option<i64>| {
                id.and_then(|id| names.get(&id).cloned())
                    .unwrap_or_default()
            };
            let applies_to = match promotion.scope {
                PromotionScope::Site => "Whole shop".to_owned(),
                PromotionScope::Category => format!(
                    "Category: {}",
                    named(&category_names, promotion.scope_category_id)
                ),
                PromotionScope::Product => format!(
                    "Product: {}",
                    named(&product_names, promotion.scope_product_id)
                ),
            };
            Listed {
                sales: sales.remove(&promotion.id).unwrap_or_default(),
                applies_to,
                promotion,
            }
        })
        .collect())
}

/// Where a code stands for shoppers now, in the words of the list.
pub fn standing(promotion: &Promotion, now: NaiveDateTime) -> &'static str {
    if !promotion.is_active {
        "Disabled"
    } else if now >= promotion.valid_until {
        "Expired"
    } else if now < promotion.valid_from {
        "Starts later"
    } else if promotion
        .max_uses
        .is_some_and(|max| promotion.uses_count >= max)
    {
        "Used up"
    } else {
        "Live"
    }
}

/// One promotion with its sales and, for a product code, the product's slug for the form.
pub fn find(conn: &mut DbConn, id: i64) -> Result<(Promotion, Sales, Option<String>)> {
    let promotion = crate::promotions::by_id(conn, id)?;
    let sales = sales_by_code(conn, &[id])?.remove(&id).unwrap_or_default();
    let slug = match promotion.scope_product_id {
        Some(product_id) => Some(
            products::table
                .find(product_id)
                .select(products::slug)
                .first(conn)?,
        ),
        None => None,
    };
    Ok((promotion, sales, slug))
}

/// (promotion, paid orders, revenue, discount) as grouped in the database.
type SalesRow = (Option<i64>, i64, Option<i64>, Option<i64>);

/// Paid orders, revenue and discount of each of the promotions `ids`.
fn sales_by_code(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, Sales>> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL; `sum_bigint` keeps one integer type.
    let rows: Vec<SalesRow> = orders::table
        .filter(orders::promotion_id.eq_any(ids))
        .filter(orders::status.eq_any(OrderStatus::PAID))
        .group_by(orders::promotion_id)
        .select((
            orders::promotion_id,
            diesel::dsl::count_star(),
            sum_bigint(orders::grand_total),
            sum_bigint(orders::discount_total),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, paid_orders, revenue, discount)| {
            let sales = Sales {
                paid_orders,
                revenue: Money::from_minor(revenue.unwrap_or(0)),
                discount_given: Money::from_minor(discount.unwrap_or(0)),
            };
            id.map(|id| (id, sales))
        })
        .collect())
}

/// Creates a promotion, active; its id, or why not by field.
pub fn create(
    conn: &mut DbConn,
    admin: &Actor,
    input: &PromotionInput,
) -> Result<Result<i64, FieldErrors>> {
    db::write_tx(conn, |conn| {
        let scope = match resolve(conn, &input.scope)? {
            Ok(scope) => scope,
            Err(errors) => return Ok(Err(errors)),
        };
        if code_taken(conn, &input.code, None)? {
            return Ok(Err(taken(&input.code)));
        }
        let id: i64 = diesel::insert_into(promotions::table)
            .values(columns(input, scope))
            .returning(promotions::id)
            .get_result(conn)
            .map_err(|e| clash(e, &input.code))?;
        audit::record(
            conn,
            admin,
            "promotion.create",
            entity(id),
            &describe(input),
        )?;
        Ok(Ok(id))
    })
}

/// Saves every rule of promotion `id`. Its uses so far stay; the limit cannot go below them.
/// Refused as stale when another admin saved it since the form was opened at `opened_at`
/// (`edits`).
pub fn update(
    conn: &mut DbConn,
    admin: &Actor,
    id: i64,
    opened_at: Version,
    input: &PromotionInput,
) -> Result<Result<(), FieldErrors>> {
    db::write_tx(conn, |conn| {
        let before = crate::promotions::by_id(conn, id)?;
        // Its own statement: the save below already answers "no row" for the use limit.
        let claimed = diesel::update(promotions::table.find(id))
            .filter(promotions::version.eq(opened_at.0))
            .set(promotions::version.eq(promotions::version + 1))
            .execute(conn)?;
        edits::saved(claimed)?;
        let scope = match resolve(conn, &input.scope)? {
            Ok(scope) => scope,
            Err(errors) => return Ok(Err(errors)),
        };
        if code_taken(conn, &input.code, Some(id))? {
            return Ok(Err(taken(&input.code)));
        }
        let below_uses = || {
            FieldErrors::single(
                "max_uses",
                format!(
                    "This code has been used {} times; the limit cannot be lower.",
                    before.uses_count
                ),
            )
        };
        if input.max_uses.is_some_and(|max| max < before.uses_count) {
            return Ok(Err(below_uses()));
        }
        // Conditional, like `promotions::record_use`: a checkout that counted a use since the
        // read above cannot be pushed past the new limit.
        let saved = diesel::update(
            promotions::table
                .find(id)
                .filter(promotions::uses_count.le(input.max_uses.unwrap_or(i32::MAX))),
        )
        .set(columns(input, scope))
        .execute(conn)
        .map_err(|e| clash(e, &input.code))?;
        if saved == 0 {
            return Ok(Err(below_uses()));
        }
        let details = format!("{} (was {})", describe(input), before.code);
        audit::record(conn, admin, "promotion.update", entity(id), &details)?;
        Ok(Ok(()))
    })
}

/// Turns a code off (shoppers are told "no longer active") or back on. Asking for the state it
/// is already in changes nothing and records nothing.
pub fn set_active(conn: &mut DbConn, admin: &Actor, id: i64, active: bool) -> Result<()> {
    db::write_tx(conn, |conn| {
        let before = crate::promotions::by_id(conn, id)?;
        if before.is_active == active {
            return Ok(());
        }
        diesel::update(promotions::table.find(id))
            .set(promotions::is_active.eq(active))
            .execute(conn)?;
        let (action, done) = if active {
            ("promotion.enable", "enabled")
        } else {
            ("promotion.disable", "disabled")
        };
        let details = format!("{} {done}", before.code);
        audit::record(conn, admin, action, entity(id), &details)
    })
}

/// The stored scope: its word and the category or product id it names.
type Resolved = (PromotionScope, Option<i64>, Option<i64>);

/// Checks that the scope's category or product exists (a deleted product cannot be chosen).
fn resolve(conn: &mut DbConn, scope: &Scope) -> Result<Result<Resolved, FieldErrors>> {
    Ok(match scope {
        Scope::Site => Ok((PromotionScope::Site, None, None)),
        Scope::Category(id) => {
            let found: Option<i64> = categories::table
                .find(id)
                .select(categories::id)
                .first(conn)
                .optional()?;
            found
                .map(|id| (PromotionScope::Category, Some(id), None))
                .ok_or_else(|| FieldErrors::single("category", "Choose a category from the list."))
        }
        Scope::Product(named) => product_named(conn, named)?
            .map(|id| (PromotionScope::Product, None, Some(id)))
            .ok_or_else(|| {
                FieldErrors::single(
                    "product",
                    format!("No product has the address /p/{} or that id.", named.slug),
                )
            }),
    })
}

/// The live product with that slug, else (for a number) with that id.
fn product_named(conn: &mut DbConn, named: &ProductRef) -> Result<Option<i64>> {
    let live = || products::table.filter(products::deleted_at.is_null());
    let by_slug: Option<i64> = live()
        .filter(products::slug.eq(&named.slug))
        .select(products::id)
        .first(conn)
        .optional()?;
    Ok(match (by_slug, named.id) {
        (Some(id), _) => Some(id),
        (None, Some(id)) => live()
            .find(id)
            .select(products::id)
            .first(conn)
            .optional()?,
        (None, None) => None,
    })
}

/// The stored columns; what does not apply to the kind or scope is NULL, as the table checks.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = promotions, treat_none_as_null = true)]
struct Row<'a> {
    code: &'a str,
    description: &'a str,
    discount_kind: DiscountKind,
    percent_bps: Option<i32>,
    amount_off: Option<i64>,
    min_subtotal: i64,
    max_uses: Option<i32>,
    per_customer_limit: i32,
    scope: PromotionScope,
    scope_category_id: Option<i64>,
    scope_product_id: Option<i64>,
    valid_from: NaiveDateTime,
    valid_until: NaiveDateTime,
}

fn columns(input: &PromotionInput, (scope, category, product): Resolved) -> Row<'_> {
    let (discount_kind, percent_bps, amount_off) = match input.amount {
        Amount::Percent(bps) => (DiscountKind::Percentage, Some(bps), None),
        Amount::Fixed(off) => (DiscountKind::FixedAmount, None, Some(off.minor())),
    };
    Row {
        code: &input.code,
        description: &input.description,
        discount_kind,
        percent_bps,
        amount_off,
        min_subtotal: input.min_subtotal.minor(),
        max_uses: input.max_uses,
        per_customer_limit: input.per_customer_limit,
        scope,
        scope_category_id: category,
        scope_product_id: product,
        valid_from: input.valid_from,
        valid_until: input.valid_until,
    }
}

fn code_taken(conn: &mut DbConn, code: &str, except: Option<i64>) -> Result<bool> {
    let other: Option<i64> = promotions::table
        .filter(promotions::code.eq(code))
        .filter(promotions::id.ne(except.unwrap_or(0)))
        .select(promotions::id)
        .first(conn)
        .optional()?;
    Ok(other.is_some())
}

fn taken(code: &str) -> FieldErrors {
    FieldErrors::single(
        "code",
        format!("Another promotion already has the code {code}."),
    )
}

/// Another admin saved the same code between our check and our write.
fn clash(error: diesel::result::Error, code: &str) -> Error {
    if db::unique_violation_on(&error, "promotions", &["code"]) {
        Error::Conflict(format!(
            "Another promotion has just taken the code {code}; please choose another."
        ))
    } else {
        error.into()
    }
}

fn entity(id: i64) -> Entity<'static> {
    Entity {
        kind: "promotion",
        id,
    }
}

fn describe(input: &PromotionInput) -> String {
    let amount = match input.amount {
        Amount::Percent(bps) => format!("{} % off", crate::admin::settings::taxes::percent(bps)),
        Amount::Fixed(off) => format!("{off} off"),
    };
    let scope = match &input.scope {
        Scope::Site => "whole shop".to_owned(),
        Scope::Category(id) => format!("category {id}"),
        Scope::Product(named) => format!("product {}", named.slug),
    };
    format!(
        "{}: {amount} on {scope} for carts from {}, {} to {} UTC, {} uses, {} per customer",
        input.code,
        input.min_subtotal,
        input.valid_from.format("%Y-%m-%d %H:%M"),
        input.valid_until.format("%Y-%m-%d %H:%M"),
        input
            .max_uses
            .map_or("unlimited".to_owned(), |n| n.to_string()),
        input.per_customer_limit,
    )
}
