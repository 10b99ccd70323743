//! Checkout: what a signed-in shopper chooses (address, shipping, payment), the priced review,
//! and placing the order followed by the payment saga (`saga`): the order is committed as
//! `pending_payment` holding its stock, the gateway is called outside any transaction, and the
//! answer confirms the order or cancels it with compensating ledger rows. A lost answer leaves
//! the order for the sweeper, which asks the gateway before it cancels anything.

mod place;
mod price;
pub mod saga;
mod settle;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::{Address, PaymentMethod, ShippingMethod};
use crate::db::schema::{addresses, shipping_methods, tax_rates};
use crate::error::{Error, Result};
use crate::inventory::holds::HoldFor;
use crate::payments::CardToken;

pub use place::{Placed, place};
pub use price::{Priced, price};
pub use saga::{Outcome, PaymentSaga, SweepReport};
pub use settle::{PaymentFailure, confirm_payment, fail_payment};

/// How long a placed order holds its stock waiting for the payment's answer before the sweeper
/// settles it.
pub const PAYMENT_WINDOW: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

/// How the order is paid.
#[derive(Debug, Clone)]
pub enum PaymentChoice {
    /// One of the user's saved cards, by id (ownership is checked).
    Saved(i64),
    /// A card tokenized at the review step; `save` keeps it for next time.
    NewCard { card: CardToken, save: bool },
}

/// A place-order request, as the review page's form sends it.
#[derive(Debug, Clone)]
pub struct PlaceOrder {
    pub user_id: i64,
    pub address_id: i64,
    pub shipping_method_id: i64,
    pub payment: PaymentChoice,
    /// Generated when the review page was shown: a second submit of that page finds the order
    /// the first one made.
    pub idempotency_key: String,
    /// The grand total the shopper saw; if today's total differs, the order is refused.
    pub expected_total: Option<crate::money::Money>,
}

/// The gateway idempotency key of an order's payment: derived from the order number, so a
/// restarted node or the sweeper can always find the charge.
pub fn payment_key(order_number: &str) -> String {
    format!("pay_{order_number}")
}

/// Checks an idempotency key from a form: 16–64 characters of letters, digits, '-' or '_'.
pub fn valid_idempotency_key(key: &str) -> bool {
    (16..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The checkout page's choices.
pub struct Options {
    pub cart: crate::cart::CartView,
    pub addresses: Vec<Address>,
    pub shipping_methods: Vec<ShippingMethod>,
    pub cards: Vec<PaymentMethod>,
    /// Minutes the cart's units are held for the shopper, when opening the checkout held some.
    pub held_minutes: Option<i64>,
}

/// Opening the checkout: holds the cart's units for `hold_for` (`inventory::holds`), then the
/// page's choices. A line that could not be held in full shows as short in the cart view, which reads
/// what the shopper can have after the holds.
pub fn open(conn: &mut DbConn, user_id: i64, hold_for: HoldFor) -> Result<Options> {
    let owner = crate::cart::CartOwner::User(user_id);
    let mut held = 0;
    if let Some(cart) = crate::cart::find(conn, &owner)? {
        let lines: Vec<(i64, i32)> = crate::cart::lines(conn, &cart, None)?
            .iter()
            .map(|line| (line.variant_id, line.quantity))
            .collect();
        held = crate::inventory::holds::hold(conn, user_id, &lines, hold_for, crate::util::now())?;
    }
    Ok(Options {
        held_minutes: (held > 0).then(|| hold_for.0.num_minutes()),
        ..options(conn, user_id)?
    })
}

pub fn options(conn: &mut DbConn, user_id: i64) -> Result<Options> {
    Ok(Options {
        cart: crate::cart::view(conn, &crate::cart::CartOwner::User(user_id))?,
        addresses: addresses::table
            .filter(addresses::user_id.eq(user_id))
            .filter(addresses::deleted_at.is_null())
            .order((addresses::is_default.desc(), addresses::id.asc()))
            .select(Address::as_select())
            .load(conn)?,
        shipping_methods: shipping_methods::table
            .filter(shipping_methods::is_active.eq(true))
            .order((shipping_methods::position.asc(), shipping_methods::id.asc()))
            .select(ShippingMethod::as_select())
            .load(conn)?,
        cards: crate::payments::methods::list(conn, user_id)?,
        held_minutes: None,
    })
}

/// One of the user's own, live addresses; anything else is refused the same way.
pub fn owned_address(conn: &mut DbConn, user_id: i64, address_id: i64) -> Result<Address> {
    addresses::table
        .filter(addresses::id.eq(address_id))
        .filter(addresses::user_id.eq(user_id))
        .filter(addresses::deleted_at.is_null())
        .select(Address::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            Error::Invalid("Please choose one of the addresses in your address book.".into())
        })
}

/// The tax rate for a destination: the region's own rate, else the country's, else none.
pub fn tax_rate(conn: &mut DbConn, country: &str, region: &str) -> Result<i32> {
    let rates: Vec<(String, i32)> = tax_rates::table
        .filter(tax_rates::country.eq(country))
        .filter(tax_rates::region.eq(region).or(tax_rates::region.eq("")))
        .select((tax_rates::region, tax_rates::rate_bps))
        .load(conn)?;
    let regional = rates
        .iter()
        .find(|(r, _)| !r.is_empty())
        .map(|(_, bps)| *bps);
    let national = rates
        .iter()
        .find(|(r, _)| r.is_empty())
        .map(|(_, bps)| *bps);
    Ok(regional.or(national).unwrap_or(0))
}
