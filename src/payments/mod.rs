//! Payments: the gateway abstraction the checkout saga talks to, the card processor reached over
//! HTTP (`processor`), and saved payment methods. Card numbers never reach the shop at all: the
//! shopper types them on the processor's page (`card`), and the shop keeps only the processor's
//! token, the brand, the last four digits and the expiry.

pub mod card;
pub mod methods;
mod processor;
mod refunds;
mod resume;
pub mod webhook;

use std::sync::Arc;

use crate::money::Money;

pub use crate::db::types::{PaymentStatus, RefundStatus};
pub use card::{CardEntry, CardEntryReturn, CardError, CardToken};
pub use processor::{Processor, STRIPE_API};
pub use refunds::{
    RefundOutcome, RefundRequest, record_refund, refund, refundable, settle_refund,
    settle_reported_refund,
};
pub use resume::resume_pending;

/// What a charge request came back with. `Unknown` is a timeout or a lost answer: the charge may
/// or may not have happened, so it is never treated as a decline; the sweeper asks again later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Captured { reference: String },
    Declined { reason: String },
    Unknown,
}

/// What the gateway knows about an idempotency key, asked before an unpaid order is cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Captured {
        reference: String,
    },
    Declined {
        reason: String,
    },
    /// The gateway never accepted a charge under this key.
    NotFound,
    /// No answer: the charge may or may not exist, so nothing may be concluded yet.
    Unreachable,
}

/// What a refund request came back with. `Unknown` (a timeout, a lost answer) leaves the refund
/// pending: asked again under the same key, the gateway answers what it did the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundAnswer {
    Refunded { reference: String },
    Refused { reason: String },
    Unknown,
}

/// A card processor. Every call is made outside any database transaction.
pub trait PaymentGateway: Send + Sync {
    /// The name stored on payment rows.
    fn name(&self) -> &'static str;
    /// No real card is charged (the simulator, or a processor's test keys): the shop then shows
    /// its test cards, and says on every page that it is in test mode.
    fn test_mode(&self) -> bool;
    /// Where the processor's card pages are served (scheme, host and port), which the shop's
    /// pages must let a form lead to.
    fn card_page_origin(&self) -> String;
    /// Opens the processor's card page for one shopper, who is sent there to type the card and
    /// comes back to `back.entered` (or `back.cancelled`).
    fn open_card_entry(&self, back: &CardEntryReturn) -> Result<CardEntry, CardError>;
    /// The card typed on the page of entry `id`, as a reusable token; refused while none was.
    fn entered_card(&self, id: &str) -> Result<CardToken, CardError>;
    /// Charges `amount` to `token`. Repeating a key replays the first answer instead of charging
    /// twice.
    fn charge(&self, token: &str, amount: Money, idempotency_key: &str) -> ChargeOutcome;
    /// The fate of an earlier charge request, by its idempotency key.
    fn lookup(&self, idempotency_key: &str) -> Lookup;
    /// Gives back `amount` of a captured charge. Repeating a key replays the first answer.
    fn refund(&self, reference: &str, amount: Money, idempotency_key: &str) -> RefundAnswer;
}

pub type Gateway = Arc<dyn PaymentGateway>;
