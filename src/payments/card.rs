//! What the shop keeps of a card, and the round trip that gets it: the shopper types the card on
//! the processor's own page (a card entry), which sends them back to the shop; the shop then asks
//! the processor for the card entered, and gets a token with the brand, the last four digits and
//! the expiry. The card number never reaches the shop.

/// What a gateway gives back for a card: never the number itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardToken {
    pub token: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
}

/// Why a card was refused, in words for the shopper.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CardError(pub String);

/// A card page opened at the processor for one shopper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardEntry {
    /// The processor's id for it, which it puts in the return address.
    pub id: String,
    /// The page the shopper is sent to.
    pub url: String,
}

/// Where the processor's card page sends the shopper back to.
#[derive(Debug, Clone)]
pub struct CardEntryReturn {
    /// After a card was entered; `{CHECKOUT_SESSION_ID}` in it becomes the entry's id.
    pub entered: String,
    /// When the shopper gives up.
    pub cancelled: String,
    /// Who is entering the card, for the processor's own records.
    pub reference: String,
}
