//! Promotion codes: whether a code may be used on a cart, which lines it covers, and the
//! discount it gives. The use itself is counted at checkout, conditionally, in the order's
//! transaction (`record_use`), so concurrent checkouts can never exceed `max_uses`.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::Promotion;
use crate::db::schema::{promotion_redemptions, promotions};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::pricing::Discount;

/// Why a code cannot be used, worded for the shopper.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("This code is no longer active.")]
    Inactive,
    #[error("This code can be used from {0}.")]
    NotYetValid(String),
    #[error("This code expired on {0}.")]
    Expired(String),
    #[error("This code needs a subtotal of at least {0}.")]
    BelowMinimum(Money),
    #[error("This code has been used the maximum number of times.")]
    UsedUp,
    #[error("You have already used this code the maximum number of times.")]
    CustomerLimitReached,
    #[error("This code does not apply to anything in your cart.")]
    OutOfScope,
}

/// What a promotion needs to know of a line it may discount.
pub trait PromotionLine {
    fn product_id(&self) -> i64;
    /// Materialised paths ('/1/5/') of every category the product is in.
    fn category_paths(&self) -> &[String];
    /// Price times quantity.
    fn line_price(&self) -> Money;
}

fn normalise(code: &str) -> String {
    code.trim().to_uppercase()
}

/// The promotion with this code (case-insensitive), or a clear "unknown code".
pub fn find_by_code(conn: &mut DbConn, code: &str) -> Result<Promotion> {
    let code = normalise(code);
    if code.is_empty() || code.len() > 50 {
        return Err(Error::Invalid("Please enter a promotion code.".into()));
    }
    promotions::table
        .filter(promotions::code.eq(&code))
        .select(Promotion::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| Error::Invalid(format!("We do not know the code {code}.")))
}

pub fn by_id(conn: &mut DbConn, id: i64) -> Result<Promotion> {
    Ok(promotions::table
        .find(id)
        .select(Promotion::as_select())
        .first(conn)?)
}

/// Whether the promotion covers a line: site-wide, the product itself, or a product in the
/// category or any of its descendants.
pub fn applies_to(promotion: &Promotion, line: &impl PromotionLine) -> bool {
    match promotion.scope.as_str() {
        "product" => promotion.scope_product_id == Some(line.product_id()),
        "category" => promotion.scope_category_id.is_some_and(|id| {
            let segment = format!("/{id}/");
            line.category_paths()
                .iter()
                .any(|path| path.contains(&segment))
        }),
        _ => true,
    }
}

pub fn discount_of(promotion: &Promotion) -> Discount {
    match (promotion.percent_bps, promotion.amount_off) {
        (Some(bps), _) => Discount::Percent(bps),
        (None, Some(cents)) => Discount::Fixed(Money::from_minor(cents)),
        (None, None) => Discount::None,
    }
}

/// Checks every rule but the final use count race, which `record_use` settles. A visitor's
/// per-customer limit is checked once they sign in to check out.
pub fn check(
    conn: &mut DbConn,
    promotion: &Promotion,
    user_id: Option<i64>,
    lines: &[impl PromotionLine],
    now: chrono::NaiveDateTime,
) -> std::result::Result<(), Refusal> {
    if !promotion.is_active {
        return Err(Refusal::Inactive);
    }
    if now < promotion.valid_from {
        return Err(Refusal::NotYetValid(
            promotion
                .valid_from
                .format("%-d %B %Y %H:%M UTC")
                .to_string(),
        ));
    }
    if now >= promotion.valid_until {
        return Err(Refusal::Expired(
            promotion
                .valid_until
                .format("%-d %B %Y %H:%M UTC")
                .to_string(),
        ));
    }
    let subtotal: Money = lines.iter().map(PromotionLine::line_price).sum();
    if subtotal.minor() < promotion.min_subtotal {
        return Err(Refusal::BelowMinimum(Money::from_minor(
            promotion.min_subtotal,
        )));
    }
    if promotion
        .max_uses
        .is_some_and(|max| promotion.uses_count >= max)
    {
        return Err(Refusal::UsedUp);
    }
    if let Some(user_id) = user_id
        && uses_by(conn, promotion.id, user_id).unwrap_or(i64::MAX)
            >= i64::from(promotion.per_customer_limit)
    {
        return Err(Refusal::CustomerLimitReached);
    }
    if !lines.iter().any(|line| applies_to(promotion, line)) {
        return Err(Refusal::OutOfScope);
    }
    Ok(())
}

/// Redemptions of a promotion by a customer that were not given back.
fn uses_by(conn: &mut DbConn, promotion_id: i64, user_id: i64) -> Result<i64> {
    Ok(promotion_redemptions::table
        .filter(promotion_redemptions::promotion_id.eq(promotion_id))
        .filter(promotion_redemptions::user_id.eq(user_id))
        .filter(promotion_redemptions::reversed_at.is_null())
        .count()
        .get_result(conn)?)
}

/// Counts one use, inside the order's transaction: the update only succeeds while uses remain,
/// so concurrent checkouts can never push `uses_count` past `max_uses`.
pub(crate) fn record_use(
    conn: &mut DbConn,
    promotion_id: i64,
    user_id: i64,
    order_id: i64,
) -> Result<()> {
    let counted = diesel::update(
        promotions::table
            .filter(promotions::id.eq(promotion_id))
            .filter(
                promotions::max_uses
                    .is_null()
                    .or(promotions::uses_count.lt(promotions::max_uses.assume_not_null())),
            ),
    )
    .set(promotions::uses_count.eq(promotions::uses_count + 1))
    .execute(conn)?;
    if counted == 0 {
        return Err(Error::Conflict(Refusal::UsedUp.to_string()));
    }
    diesel::insert_into(promotion_redemptions::table)
        .values((
            promotion_redemptions::promotion_id.eq(promotion_id),
            promotion_redemptions::user_id.eq(user_id),
            promotion_redemptions::order_id.eq(order_id),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives an order's use back (its order was cancelled or never paid), once.
pub(crate) fn reverse_use(conn: &mut DbConn, order_id: i64) -> Result<()> {
    let redemption: Option<i64> = diesel::update(
        promotion_redemptions::table
            .filter(promotion_redemptions::order_id.eq(order_id))
            .filter(promotion_redemptions::reversed_at.is_null()),
    )
    .set(promotion_redemptions::reversed_at.eq(crate::util::now()))
    .returning(promotion_redemptions::promotion_id)
    .get_result(conn)
    .optional()?;
    if let Some(promotion_id) = redemption {
        diesel::update(promotions::table.find(promotion_id))
            .set(promotions::uses_count.eq(promotions::uses_count - 1))
            .execute(conn)?;
    }
    Ok(())
}
