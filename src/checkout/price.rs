//! The priced review: the shopper's cart, destination and shipping method read and checked
//! together, and the quote (`pricing::quote`) they give. The review page shows it; placing the
//! order prices the cart again inside its transaction.

use diesel::prelude::*;

use crate::cart::{self, CartLine};
use crate::db::DbConn;
use crate::db::models::{Cart, Promotion};
use crate::db::schema::shipping_methods;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::pricing::{self, Quote, Shipping};

/// Everything a quote depends on, read and checked together.
pub struct Priced {
    pub lines: Vec<CartLine>,
    pub quote: Quote,
    pub promotion: Option<Promotion>,
    pub address: crate::db::models::Address,
    pub shipping: crate::db::models::ShippingMethod,
    pub tax_bps: i32,
}

impl Priced {
    /// The tax rate as a percentage, e.g. "8.25".
    pub fn tax_percent(&self) -> String {
        format!("{}.{:02}", self.tax_bps / 100, self.tax_bps % 100)
    }
}

/// Prices the user's cart for a destination and shipping method, refusing what cannot be ordered.
pub fn price(
    conn: &mut DbConn,
    user_id: i64,
    address_id: i64,
    shipping_method_id: i64,
) -> Result<Priced> {
    orderable(conn, user_id)?.price(conn, user_id, address_id, shipping_method_id)
}

/// The user's cart lines with the voucher they carry, before the destination is known.
pub struct Orderable {
    pub lines: Vec<CartLine>,
    promotion: Option<Promotion>,
}

/// The user's cart, refusing an empty cart or a line no longer for sale. Placing an order looks
/// at these lines before it reads the destination, so a shopper too late for a sell-out is
/// refused in as few reads as possible.
pub fn orderable(conn: &mut DbConn, user_id: i64) -> Result<Orderable> {
    let cart = cart::find(conn, &cart::CartOwner::User(user_id))?.ok_or_else(empty_cart)?;
    orderable_cart(conn, &cart)
}

/// `orderable` for a cart already read (placing an order reads it as it locks it).
pub fn orderable_cart(conn: &mut DbConn, cart: &Cart) -> Result<Orderable> {
    let promotion = match cart.promotion_id {
        Some(id) => Some(crate::promotions::by_id(conn, id)?),
        None => None,
    };
    let lines = cart::lines(conn, cart, promotion.as_ref())?;
    if lines.is_empty() {
        return Err(empty_cart());
    }
    if let Some(line) = lines.iter().find(|l| !l.purchasable) {
        return Err(Error::Conflict(format!(
            "{} is no longer available; please remove it from your cart.",
            line.product_name
        )));
    }
    Ok(Orderable { lines, promotion })
}

impl Orderable {
    /// The quote for this cart sent to `address_id` by `shipping_method_id`, refusing a
    /// destination, method or voucher that does not apply.
    pub fn price(
        self,
        conn: &mut DbConn,
        user_id: i64,
        address_id: i64,
        shipping_method_id: i64,
    ) -> Result<Priced> {
        let Orderable { lines, promotion } = self;
        let address = super::owned_address(conn, user_id, address_id)?;
        let shipping: crate::db::models::ShippingMethod = shipping_methods::table
            .filter(shipping_methods::id.eq(shipping_method_id))
            .filter(shipping_methods::is_active.eq(true))
            .select(crate::db::models::ShippingMethod::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| {
                Error::Invalid("Please choose one of the shipping methods shown.".into())
            })?;
        if let Some(promotion) = &promotion {
            crate::promotions::check(conn, promotion, Some(user_id), &lines, crate::util::now())
                .map_err(|refusal| {
                    Error::Conflict(format!(
                        "{refusal} Please remove the code {} from your cart.",
                        promotion.code
                    ))
                })?;
        }
        let tax_bps = super::tax_rate(conn, &address.country, &address.region)?;
        let inputs: Vec<_> = lines
            .iter()
            .map(|l| {
                l.pricing_input(
                    promotion
                        .as_ref()
                        .is_some_and(|p| crate::promotions::applies_to(p, l)),
                )
            })
            .collect();
        let discount = promotion
            .as_ref()
            .map_or(pricing::Discount::None, crate::promotions::discount_of);
        let quote = pricing::quote(
            &inputs,
            discount,
            Shipping {
                price: Money::from_minor(shipping.price),
                free_over: shipping.free_over.map(Money::from_minor),
            },
            tax_bps,
        )
        .ok_or_else(|| Error::Invalid("That order is too large to place.".into()))?;
        Ok(Priced {
            lines,
            quote,
            promotion,
            address,
            shipping,
            tax_bps,
        })
    }
}

pub(super) fn empty_cart() -> Error {
    Error::Invalid("Your cart is empty.".into())
}
