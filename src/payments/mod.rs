//! Payments: the gateway abstraction the checkout saga talks to, the built-in test gateway, and
//! saved payment methods. Card numbers never reach the database: only the gateway's token, the
//! brand, the last four digits and the expiry are kept.

pub mod card;
pub mod methods;
mod refunds;
mod resume;
mod test_gateway;

use std::sync::Arc;

use crate::money::Money;

pub use crate::db::types::{PaymentStatus, RefundStatus};
pub use card::{CardDetails, CardError, CardToken};
pub use refunds::{RefundOutcome, RefundRequest, record_refund, refund, refundable, settle_refund};
pub use resume::resume_pending;
pub use test_gateway::TestGateway;

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
}

/// A card processor. Every call is made outside any database transaction.
pub trait PaymentGateway: Send + Sync {
    /// The name stored on payment rows.
    fn name(&self) -> &'static str;
    /// Exchanges card details for a reusable token.
    fn tokenize(&self, card: &CardDetails) -> Result<CardToken, CardError>;
    /// Charges `amount` to `token`. Repeating a key replays the first answer instead of charging
    /// twice.
    fn charge(&self, token: &str, amount: Money, idempotency_key: &str) -> ChargeOutcome;
    /// The fate of an earlier charge request, by its idempotency key.
    fn lookup(&self, idempotency_key: &str) -> Lookup;
    /// Gives back `amount` of a captured charge; returns the refund's reference.
    fn refund(
        &self,
        reference: &str,
        amount: Money,
        idempotency_key: &str,
    ) -> Result<String, String>;
}

pub type Gateway = Arc<dyn PaymentGateway>;

/// The gateway this node uses: the built-in test gateway, which keeps its record of charges in
/// `data_dir` so that it survives a restart like a real processor's would.
pub fn gateway_for(data_dir: &std::path::Path) -> Gateway {
    Arc::new(TestGateway::new(data_dir.join("test-gateway")))
}
