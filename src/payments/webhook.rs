//! The card processor's webhooks: the events it sends when a payment is captured or fails and
//! when a refund is made, so a shopper's lost redirect or a node killed mid-checkout is settled as
//! soon as the processor knows, without waiting for the sweeper.
//!
//! Each delivery carries `Stripe-Signature: t=TIMESTAMP,v1=SIGNATURE`, where SIGNATURE is the
//! hex HMAC-SHA256, under the secret the shop and the processor share, of `TIMESTAMP.BODY`. A
//! delivery is refused unless a signature matches and TIMESTAMP is within five minutes of now, so
//! a recorded delivery cannot be replayed later. Applying an event is idempotent (each step is
//! conditional), and an applied event's id is kept in `payment_events`, so a repeated delivery
//! changes nothing; events may come in any order.

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::db::DbConn;
use crate::db::schema::payment_events;
use crate::error::Result;

/// How far a delivery's timestamp may be from now, in seconds.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a delivery was refused; the processor is answered 400 and sends it again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("no signature matches")]
    Signature,
    #[error("the signature's timestamp is more than five minutes from now")]
    Stale,
    #[error("the event cannot be read")]
    Unreadable,
}

/// What an event asks the shop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The payment made under the shop's key `payment_key` was captured as `reference`.
    Captured {
        payment_key: String,
        reference: String,
    },
    /// The payment made under `payment_key` was declined.
    Failed { payment_key: String, reason: String },
    /// The refund asked for under `refund_key` went through as `reference`.
    Refunded {
        refund_key: String,
        reference: String,
    },
    /// An event the shop does not act on.
    Other,
}

/// A verified delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: String,
    pub kind: String,
    pub event: Event,
}

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    mac
}

/// The `Stripe-Signature` header for `body` sent at `timestamp` (Unix seconds).
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let signature = hex::encode(mac(secret, timestamp, body).finalize().into_bytes());
    format!("t={timestamp},v1={signature}")
}

/// Checks `header` against `body` at `now` (Unix seconds) and reads the event.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<Delivery, Refused> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.extend(hex::decode(value).ok()),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(Refused::Signature)?;
    let matches = signatures
        .iter()
        .any(|signature| mac(secret, timestamp, body).verify_slice(signature).is_ok());
    if !matches {
        return Err(Refused::Signature);
    }
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(Refused::Stale);
    }
    let json: Value = serde_json::from_slice(body).map_err(|_| Refused::Unreadable)?;
    read(&json).ok_or(Refused::Unreadable)
}

fn read(json: &Value) -> Option<Delivery> {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let object = &json["data"]["object"];
    let shop_key = || text(&object["metadata"]["shop_key"]);
    let kind = text(&json["type"])?;
    let event = match kind.as_str() {
        "payment_intent.succeeded" => Event::Captured {
            payment_key: shop_key()?,
            reference: text(&object["id"])?,
        },
        "payment_intent.payment_failed" => Event::Failed {
            payment_key: shop_key()?,
            reason: text(&object["last_payment_error"]["message"]).unwrap_or_default(),
        },
        // Stripe may create a refund `pending` and report it `succeeded` in a later update.
        "refund.created" | "refund.updated" if object["status"] == "succeeded" => Event::Refunded {
            refund_key: shop_key()?,
            reference: text(&object["id"])?,
        },
        _ => Event::Other,
    };
    Some(Delivery {
        id: text(&json["id"])?,
        kind,
        event,
    })
}

/// Whether event `id` was applied already.
pub fn applied(conn: &mut DbConn, id: &str) -> Result<bool> {
    let found = payment_events::table
        .find(id)
        .select(payment_events::id)
        .first::<String>(conn)
        .optional()?;
    Ok(found.is_some())
}

/// Keeps event `id` as applied; a second delivery applied at the same moment is no error.
pub fn record_applied(conn: &mut DbConn, id: &str, kind: &str) -> Result<()> {
    let inserted = diesel::insert_into(payment_events::table)
        .values((payment_events::id.eq(id), payment_events::kind.eq(kind)))
        .execute(conn);
    match inserted {
        Err(error) if crate::db::unique_violation_on(&error, "payment_events", &["id"]) => Ok(()),
        other => Ok(other.map(drop)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const NOW: i64 = 1_800_000_000;

    fn captured() -> Vec<u8> {
        serde_json::json!({
            "id": "evt_1",
            "type": "payment_intent.succeeded",
            "data": { "object": {
                "id": "pi_1", "status": "succeeded", "metadata": { "shop_key": "pay_SW-1" }
            } },
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn a_signed_event_is_read() {
        let body = captured();
        let delivery = verify(SECRET, &sign(SECRET, NOW, &body), &body, NOW + 10).expect("valid");
        assert_eq!(delivery.id, "evt_1");
        assert_eq!(
            delivery.event,
            Event::Captured {
                payment_key: "pay_SW-1".into(),
                reference: "pi_1".into()
            }
        );
    }

    #[test]
    fn a_forged_or_altered_event_is_refused() {
        let body = captured();
        let forged = sign("whsec_other", NOW, &body);
        assert_eq!(verify(SECRET, &forged, &body, NOW), Err(Refused::Signature));
        let header = sign(SECRET, NOW, &body);
        let mut altered = body.clone();
        altered[10] ^= 1;
        assert_eq!(
            verify(SECRET, &header, &altered, NOW),
            Err(Refused::Signature)
        );
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(verify(SECRET, &moved, &body, NOW), Err(Refused::Signature));
        for nonsense in ["", "t=abc,v1=zz", "v1=00", "t=1"] {
            assert_eq!(
                verify(SECRET, nonsense, &body, NOW),
                Err(Refused::Signature)
            );
        }
    }

    #[test]
    fn a_delivery_older_or_newer_than_five_minutes_is_refused() {
        let body = captured();
        let header = sign(SECRET, NOW, &body);
        assert!(verify(SECRET, &header, &body, NOW + TOLERANCE_SECS).is_ok());
        assert_eq!(
            verify(SECRET, &header, &body, NOW + TOLERANCE_SECS + 1),
            Err(Refused::Stale)
        );
        assert_eq!(
            verify(SECRET, &header, &body, NOW - TOLERANCE_SECS - 1),
            Err(Refused::Stale)
        );
    }

    #[test]
    fn events_the_shop_does_not_act_on_are_read_as_other() {
        let body = br#"{"id":"evt_2","type":"customer.created","data":{"object":{}}}"#;
        let delivery = verify(SECRET, &sign(SECRET, NOW, body), body, NOW).expect("valid");
        assert_eq!(delivery.event, Event::Other);
        let unreadable = b"not json";
        assert_eq!(
            verify(SECRET, &sign(SECRET, NOW, unreadable), unreadable, NOW),
            Err(Refused::Unreadable)
        );
    }
}
