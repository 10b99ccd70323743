//! Returns: a shopper sends units of a delivered line back within the return window, the line's
//! seller accepts or refuses, and when the parcel comes back the seller marks it received, the
//! units go back on the shelf if they can be sold again, and the shopper is refunded their share.
//!
//! `order_items.returned_quantity` counts the units in open or finished returns (requested,
//! accepted, received); it is raised by one conditional update, so no line is ever returned
//! beyond what was bought, and lowered again when a seller refuses. Every move of
//! `returns.status` is conditional on the status it leaves (`ReturnStatus::may_become` is the
//! table), so of two sellers' clicks exactly one moves a return.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{orders, returns, sellers, users};
use crate::error::{Error, Result};
use crate::forms::{self, FieldErrors};
use crate::mail::{Email, shop_link};

mod request;
mod resume;
mod seller;
mod views;

pub use crate::db::types::ReturnStatus;
pub use request::request;
pub use resume::resume_unrefunded;
pub use seller::{Received, decide, receive};
pub use views::{
    OrderReturns, ReturnableLine, SellerReturn, SellerReturnRow, ShopperReturn, for_order,
    for_seller, seller_view,
};

/// The longest reason or seller message, in characters (the columns' `VARCHAR(500)`).
pub const MAX_TEXT: usize = 500;

/// A seller's list of returns shows this many a page.
pub const PAGE_SIZE: usize = 20;

impl ReturnStatus {
    /// The transition table: every move a return may make.
    pub fn may_become(self, to: ReturnStatus) -> bool {
        use ReturnStatus::*;
        matches!(
            (self, to),
            (Requested, Accepted | Refused) | (Accepted, Received)
        )
    }

    /// Words for the shopper and the seller.
    pub fn label(self) -> &'static str {
        match self {
            ReturnStatus::Requested => "Waiting for the seller",
            ReturnStatus::Accepted => "Accepted: please send the items back",
            ReturnStatus::Refused => "Refused",
            ReturnStatus::Received => "Received",
        }
    }
}

/// A shopper's request as typed, checked: how many units and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRequest {
    pub order_item_id: i64,
    pub quantity: i32,
    pub reason: String,
}

impl ReturnRequest {
    /// Reads the form's quantity (a whole number of at least one, `numbers::parse_whole`) and
    /// reason (required, at most `MAX_TEXT` characters).
    pub fn parse(
        order_item_id: i64,
        quantity: &str,
        reason: &str,
    ) -> std::result::Result<ReturnRequest, FieldErrors> {
        let mut errors = FieldErrors::default();
        let quantity = match crate::numbers::parse_whole(quantity) {
            Some(n) if n >= 1 => i32::try_from(n).unwrap_or(i32::MAX),
            _ => {
                errors.add(
                    "quantity",
                    "Please enter how many units you are sending back, a whole number such as 1.",
                );
                0
            }
        };
        let reason = forms::text(&mut errors, "reason", "A reason", reason, MAX_TEXT, true);
        errors.or_ok(ReturnRequest {
            order_item_id,
            quantity,
            reason,
        })
    }
}

/// What a seller decides about a requested return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The shopper may send the units back; the message is optional.
    Accept(String),
    /// The units stay with the shopper; the message, saying why, is required.
    Refuse(String),
}

impl Decision {
    /// Reads the decision form: `accept` or `refuse`, and the seller's message.
    pub fn parse(decision: &str, message: &str) -> std::result::Result<Decision, FieldErrors> {
        let mut errors = FieldErrors::default();
        let refusing = match decision {
            "accept" => false,
            "refuse" => true,
            _ => {
                errors.add("decision", "Please choose to accept or refuse the return.");
                false
            }
        };
        let message = forms::text(
            &mut errors,
            "message",
            "A message to the shopper",
            message,
            MAX_TEXT,
            refusing,
        );
        errors.or_ok(if refusing {
            Decision::Refuse(message)
        } else {
            Decision::Accept(message)
        })
    }

    fn to(&self) -> ReturnStatus {
        match self {
            Decision::Accept(_) => ReturnStatus::Accepted,
            Decision::Refuse(_) => ReturnStatus::Refused,
        }
    }

    fn message(&self) -> &str {
        match self {
            Decision::Accept(message) | Decision::Refuse(message) => message,
        }
    }
}

/// The seller profile id of a signed-in user. Someone without one has no returns to see, which
/// answers like a missing return.
fn seller_id_of(conn: &mut DbConn, user_id: i64) -> Result<i64> {
    sellers::table
        .filter(sellers::user_id.eq(user_id))
        .select(sellers::id)
        .first(conn)
        .optional()?
        .ok_or(Error::NotFound)
}

/// Queues the shopper's e-mail about return `return_id` inside the caller's transaction.
fn tell_shopper(conn: &mut DbConn, return_id: i64, subject: &str, news: &str) -> Result<()> {
    let (number, email, first_name): (String, String, String) = returns::table
        .inner_join(orders::table)
        .inner_join(users::table.on(users::id.eq(returns::user_id)))
        .filter(returns::id.eq(return_id))
        .select((orders::number, users::email, users::first_name))
        .first(conn)?;
    crate::notices::queue(
        conn,
        &Email {
            to: email,
            subject: format!("Your ShopWave order {number}: {subject}"),
            body: format!(
                "Hello {first_name},\n\n{news}\n\nYou can follow your returns at {}\n\nShopWave\n",
                shop_link(&format!("/orders/{number}/returns"))
            ),
        },
    )
}

/// Words for a return that has already moved on, when a seller's click lost the race.
fn already(status: ReturnStatus) -> Error {
    Error::Conflict(format!(
        "This return is already {}; nothing was changed.",
        status.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReturnStatus::*;

    #[test]
    fn the_table_allows_exactly_these_moves() {
        let allowed = [
            (Requested, Accepted),
            (Requested, Refused),
            (Accepted, Received),
        ];
        for from in ReturnStatus::ALL {
            for to in ReturnStatus::ALL {
                assert_eq!(
                    from.may_become(to),
                    allowed.contains(&(from, to)),
                    "{from} → {to}"
                );
            }
        }
    }

    #[test]
    fn refused_and_received_are_final() {
        for end in [Refused, Received] {
            assert!(ReturnStatus::ALL.iter().all(|to| !end.may_become(*to)));
        }
    }

    #[test]
    fn a_request_needs_a_whole_quantity_and_a_reason() {
        assert_eq!(
            ReturnRequest::parse(7, " 2 ", " too small ").ok(),
            Some(ReturnRequest {
                order_item_id: 7,
                quantity: 2,
                reason: "too small".into()
            })
        );
        for bad in ["0", "-1", "1.5", "", "two", "1e2"] {
            let errors = ReturnRequest::parse(7, bad, "why").expect_err(bad);
            assert!(errors.get("quantity").is_some(), "{bad:?}");
        }
        let errors = ReturnRequest::parse(7, "1", "  ").expect_err("no reason");
        assert!(errors.get("reason").is_some());
        let errors = ReturnRequest::parse(7, "1", &"x".repeat(501)).expect_err("too long");
        assert!(errors.get("reason").is_some());
        assert!(ReturnRequest::parse(7, "1", &"é".repeat(500)).is_ok());
    }

    #[test]
    fn refusing_needs_a_message_and_accepting_does_not() {
        assert_eq!(
            Decision::parse("accept", "").ok(),
            Some(Decision::Accept("".into()))
        );
        assert_eq!(
            Decision::parse("refuse", " worn ").ok(),
            Some(Decision::Refuse("worn".into()))
        );
        assert!(Decision::parse("refuse", " ").is_err());
        assert!(Decision::parse("maybe", "x").is_err());
        assert!(Decision::parse("accept", &"x".repeat(501)).is_err());
    }
}
