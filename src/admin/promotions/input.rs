//! The promotion form as posted, checked once at the edge: every rule that needs only the typed
//! text lives here; what needs the database (a taken code, the category or product existing,
//! uses already made) is the service's.

use chrono::NaiveDateTime;
use serde::Deserialize;

use crate::admin::settings::taxes::{parse_percent, percent};
use crate::db::models::Promotion;
use crate::forms::{self, FieldErrors};
use crate::money::Money;
use crate::numbers::parse_whole;
use crate::promotions::{DiscountKind, PromotionScope};

/// The longest code: short enough to read out and type, within what the cart accepts.
pub const CODE_MAX: usize = 32;
/// How many times one customer may use a code, at most.
const PER_CUSTOMER_MAX: i32 = 1_000;
/// How a `datetime-local` input posts its value (seconds only when the page asked for them).
const LOCAL_MINUTES: &str = "%Y-%m-%dT%H:%M";
const LOCAL_SECONDS: &str = "%Y-%m-%dT%H:%M:%S";

/// The form as typed; every field is text so a bad value comes back to be corrected.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PromotionFields {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub description: String,
    /// `percentage` or `fixed_amount`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub percent: String,
    #[serde(default)]
    pub amount_off: String,
    #[serde(default)]
    pub min_subtotal: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_until: String,
    /// Empty for unlimited.
    #[serde(default)]
    pub max_uses: String,
    #[serde(default)]
    pub per_customer_limit: String,
    /// `site`, `category` or `product`.
    #[serde(default)]
    pub scope: String,
    /// A category id from the list.
    #[serde(default)]
    pub category: String,
    /// A product's slug (or its address `/p/slug`) or id.
    #[serde(default)]
    pub product: String,
    /// The promotion's version when the edit form was opened (`edits`); empty on the new form.
    #[serde(default)]
    pub version: String,
}

impl PromotionFields {
    /// A blank form: a percentage off the whole shop, once per customer, unlimited uses, from
    /// `now` for thirty days.
    pub fn blank(now: NaiveDateTime) -> PromotionFields {
        PromotionFields {
            kind: DiscountKind::Percentage.as_str().to_owned(),
            scope: PromotionScope::Site.as_str().to_owned(),
            min_subtotal: "0".to_owned(),
            per_customer_limit: "1".to_owned(),
            valid_from: now.format(LOCAL_MINUTES).to_string(),
            valid_until: (now + chrono::Duration::days(30))
                .format(LOCAL_MINUTES)
                .to_string(),
            ..PromotionFields::default()
        }
    }

    /// The form filled in from a stored promotion; `product_slug` is its scoped product's.
    pub fn of(promotion: &Promotion, product_slug: Option<String>) -> PromotionFields {
        PromotionFields {
            code: promotion.code.clone(),
            description: promotion.description.clone(),
            kind: promotion.discount_kind.as_str().to_owned(),
            percent: promotion.percent_bps.map(percent).unwrap_or_default(),
            amount_off: promotion
                .amount_off
                .map(|cents| Money::from_minor(cents).plain())
                .unwrap_or_default(),
            min_subtotal: Money::from_minor(promotion.min_subtotal).plain(),
            valid_from: promotion.valid_from.format(LOCAL_MINUTES).to_string(),
            valid_until: promotion.valid_until.format(LOCAL_MINUTES).to_string(),
            max_uses: promotion
                .max_uses
                .map(|n| n.to_string())
                .unwrap_or_default(),
            per_customer_limit: promotion.per_customer_limit.to_string(),
            scope: promotion.scope.as_str().to_owned(),
            category: promotion
                .scope_category_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            product: product_slug.unwrap_or_default(),
            version: promotion.version.to_string(),
        }
    }
}

impl crate::edits::EditForm for PromotionFields {
    fn labelled(&self) -> Vec<(&'static str, String)> {
        vec![
            ("Code", self.code.clone()),
            ("Description", self.description.clone()),
            ("Kind", self.kind.clone()),
            ("Percent off", self.percent.clone()),
            ("Amount off", self.amount_off.clone()),
            ("Minimum subtotal", self.min_subtotal.clone()),
            ("Valid from", self.valid_from.clone()),
            ("Valid until", self.valid_until.clone()),
            ("Most uses", self.max_uses.clone()),
            ("Uses per customer", self.per_customer_limit.clone()),
            ("Applies to", self.scope.clone()),
            (
                "Category or product",
                format!("{}{}", self.category, self.product),
            ),
        ]
    }

    fn version(&self) -> &str {
        &self.version
    }

    fn set_version(&mut self, version: String) {
        self.version = version;
    }
}

/// What a code takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// Basis points, 1..=10,000 (100 % is 10,000).
    Percent(i32),
    Fixed(Money),
}

/// A product as the admin named it: by slug, or by id when the text is a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRef {
    pub slug: String,
    pub id: Option<i64>,
}

/// What a code covers; the service checks that the category or product exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Site,
    Category(i64),
    Product(ProductRef),
}

/// A promotion as it may be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromotionInput {
    pub code: String,
    pub description: String,
    pub amount: Amount,
    pub min_subtotal: Money,
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    /// `None`: unlimited.
    pub max_uses: Option<i32>,
    pub per_customer_limit: i32,
    pub scope: Scope,
}

impl PromotionInput {
    pub fn parse(fields: &PromotionFields) -> Result<PromotionInput, FieldErrors> {
        let mut errors = FieldErrors::default();
        let code = code(&mut errors, &fields.code);
        let description = forms::text(
            &mut errors,
            "description",
            "Description",
            &fields.description,
            255,
            false,
        );
        let amount = amount(&mut errors, fields);
        let min_subtotal = if fields.min_subtotal.trim().is_empty() {
            Some(Money::ZERO)
        } else {
            money(&mut errors, "min_subtotal", &fields.min_subtotal)
        };
        let valid_from = moment(&mut errors, "valid_from", &fields.valid_from);
        let valid_until = moment(&mut errors, "valid_until", &fields.valid_until);
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until <= from
        {
            errors.add("valid_until", "The end must come after the start.");
        }
        let max_uses = if fields.max_uses.trim().is_empty() {
            Some(None)
        } else {
            count(&mut errors, "max_uses", &fields.max_uses, i32::MAX).map(Some)
        };
        let per_customer_limit = count(
            &mut errors,
            "per_customer_limit",
            &fields.per_customer_limit,
            PER_CUSTOMER_MAX,
        );
        let scope = scope(&mut errors, fields);
        match (
            amount,
            min_subtotal,
            valid_from,
            valid_until,
            max_uses,
            per_customer_limit,
            scope,
        ) {
            (
                Some(amount),
                Some(min_subtotal),
                Some(valid_from),
                Some(valid_until),
                Some(max_uses),
                Some(per_customer_limit),
                Some(scope),
            ) if errors.is_empty() => Ok(PromotionInput {
                code,
                description,
                amount,
                min_subtotal,
                valid_from,
                valid_until,
                max_uses,
                per_customer_limit,
                scope,
            }),
            _ => Err(errors),
        }
    }
}

/// Codes are stored upper-case (the table checks it) and shoppers may type them in any case.
fn code(errors: &mut FieldErrors, raw: &str) -> String {
    let code = forms::text(errors, "code", "Code", raw, CODE_MAX, true).to_ascii_uppercase();
    let allowed = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_';
    if !code.bytes().all(allowed) {
        errors.add("code", "Use letters A–Z, digits, - and _ only.");
    }
    code
}

fn amount(errors: &mut FieldErrors, fields: &PromotionFields) -> Option<Amount> {
    match DiscountKind::parse(fields.kind.trim()) {
        Some(DiscountKind::Percentage) => {
            let bps = parse_percent(&fields.percent).filter(|bps| *bps >= 1);
            if bps.is_none() {
                errors.add(
                    "percent",
                    "Please enter a percentage above 0 and up to 100, with at most two decimals, like 12.5.",
                );
            }
            bps.map(Amount::Percent)
        }
        Some(DiscountKind::FixedAmount) => {
            let off = money(errors, "amount_off", &fields.amount_off)?;
            if off == Money::ZERO {
                errors.add("amount_off", "The amount off must be more than $0.00.");
                return None;
            }
            Some(Amount::Fixed(off))
        }
        None => {
            errors.add("kind", "Choose a percentage or a fixed amount.");
            None
        }
    }
}

fn money(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Option<Money> {
    Money::parse_typed(raw)
        .map_err(|e| errors.add(field, e.to_string()))
        .ok()
}

/// A `datetime-local` value, read as UTC (the shop's clock).
fn moment(errors: &mut FieldErrors, field: &'static str, raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    let parsed = NaiveDateTime::parse_from_str(raw, LOCAL_MINUTES)
        .or_else(|_| NaiveDateTime::parse_from_str(raw, LOCAL_SECONDS))
        .ok();
    if parsed.is_none() {
        errors.add(
            field,
            "Please enter a date and time (UTC) like 2026-12-24T18:00.",
        );
    }
    parsed
}

/// A whole number from 1 to `max`.
fn count(errors: &mut FieldErrors, field: &'static str, raw: &str, max: i32) -> Option<i32> {
    let value = parse_whole(raw)
        .and_then(|n| i32::try_from(n).ok())
        .filter(|n| (1..=max).contains(n));
    if value.is_none() {
        errors.add(
            field,
            format!("Please enter a whole number from 1 to {max}."),
        );
    }
    value
}

fn scope(errors: &mut FieldErrors, fields: &PromotionFields) -> Option<Scope> {
    match PromotionScope::parse(fields.scope.trim()) {
        Some(PromotionScope::Site) => Some(Scope::Site),
        Some(PromotionScope::Category) => match parse_whole(&fields.category) {
            Some(id) if id > 0 => Some(Scope::Category(id)),
            _ => {
                errors.add("category", "Choose a category from the list.");
                None
            }
        },
        Some(PromotionScope::Product) => {
            let product = product_ref(&fields.product);
            if product.is_none() {
                errors.add(
                    "product",
                    "Enter the product's address (like /p/copper-kettle), slug or id.",
                );
            }
            product.map(Scope::Product)
        }
        None => {
            errors.add("scope", "Choose what the code applies to.");
            None
        }
    }
}

/// A slug (`copper-kettle`), the product's address or link (`/p/copper-kettle`) or an id.
fn product_ref(raw: &str) -> Option<ProductRef> {
    let raw = raw.trim();
    let slug = raw.rsplit_once("/p/").map_or(raw, |(_, slug)| slug);
    let slug = slug.trim_end_matches('/').to_ascii_lowercase();
    let fits = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    if slug.is_empty() || slug.len() > 200 || !slug.bytes().all(fits) {
        return None;
    }
    let id = parse_whole(&slug).filter(|id| *id > 0);
    Some(ProductRef { slug, id })
}

#[cfg(test)]
mod tests;
