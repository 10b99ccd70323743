//! The payment saga and its sweeper. Placing the order commits first; the gateway is called with
//! no transaction open and no connection held; its answer is recorded in a second, short
//! transaction. A crash anywhere leaves an order that is either complete and pending payment, or
//! not there at all — and the sweeper settles pending orders whose window has passed by asking the
//! gateway about the payment's idempotency key before it cancels anything. The processor's
//! webhooks settle the same orders through the same path (`settle`), usually first.

use std::sync::Arc;
use std::time::Duration;

use diesel::prelude::*;

use super::settle::{PaymentFailure, confirm_payment, fail_payment, mark_unknown};
use super::{PlaceOrder, payment_key, place};
use crate::db::Pool;
use crate::db::schema::{orders, payments};
use crate::error::{Error, Result};
use crate::mail::Mailer;
use crate::money::Money;
use crate::orders::OrderStatus;
use crate::orders::months;
use crate::payments::webhook::{self, Delivery, Event};
use crate::payments::{
    CardEntry, CardEntryReturn, CardToken, ChargeOutcome, Gateway, Lookup, RefundRequest,
};

/// Where a submitted order stands once the gateway has answered (or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Confirmed {
        number: String,
    },
    Declined {
        number: String,
        reason: String,
    },
    /// The gateway's answer is not known yet; the order holds its stock until it is.
    Pending {
        number: String,
    },
}

/// What settling one order did.
enum Settlement {
    Confirmed,
    Cancelled,
    /// The gateway could not answer: the order keeps waiting.
    Waiting,
    /// Someone else settled it first, or the capture was given back.
    AlreadyDone,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SweepReport {
    pub confirmed: usize,
    pub cancelled: usize,
    /// Left waiting because the gateway did not answer.
    pub unsettled: usize,
}

/// Checkout's collaborators: the pool, the payment gateway and the mailer.
pub struct PaymentSaga {
    pool: Pool,
    gateway: Gateway,
    mailer: Mailer,
}

impl PaymentSaga {
    pub fn new(pool: Pool, gateway: Gateway, mailer: Mailer) -> PaymentSaga {
        PaymentSaga {
            pool,
            gateway,
            mailer,
        }
    }

    /// The gateway this node pays and refunds through.
    pub fn gateway(&self) -> &Gateway {
        &self.gateway
    }

    /// A connection from the pool, for work done alongside the gateway (an admin's refund).
    pub fn conn(&self) -> Result<crate::db::PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Opens the processor's card page for a shopper; a refusal is the shopper's to read.
    pub fn open_card_entry(&self, back: &CardEntryReturn) -> Result<CardEntry> {
        self.gateway
            .open_card_entry(back)
            .map_err(|e| Error::Invalid(e.to_string()))
    }

    /// The card the shopper typed on the processor's page, as a token.
    pub fn entered_card(&self, entry_id: &str) -> Result<CardToken> {
        self.gateway
            .entered_card(entry_id)
            .map_err(|e| Error::Invalid(e.to_string()))
    }

    /// Places the order, then charges it. A repeated submit charges nothing and reports where
    /// the first one stands.
    pub fn submit(&self, request: &PlaceOrder) -> Result<Outcome> {
        let placed = place(&mut *self.conn()?, request, self.gateway.name())?;
        let Some(token) = &placed.charge_token else {
            return self.standing(placed.order_id);
        };
        match self
            .gateway
            .charge(token, placed.grand_total, &placed.payment_key)
        {
            ChargeOutcome::Captured { reference } => {
                self.captured(placed.order_id, &reference, placed.grand_total)?;
                self.standing(placed.order_id)
            }
            ChargeOutcome::Declined { reason } => {
                let failure = PaymentFailure::Declined(reason);
                fail_payment(&mut *self.conn()?, placed.order_id, &failure, true)?;
                self.standing(placed.order_id)
            }
            ChargeOutcome::Unknown => {
                mark_unknown(&mut *self.conn()?, placed.order_id)?;
                self.standing(placed.order_id)
            }
        }
    }

    fn standing(&self, order_id: i64) -> Result<Outcome> {
        let (number, status, reason): (String, OrderStatus, Option<String>) = orders::table
            .filter(months::the_order(order_id))
            .select((orders::number, orders::status, orders::cancel_reason))
            .first(&mut *self.conn()?)?;
        Ok(match status {
            OrderStatus::PendingPayment => Outcome::Pending { number },
            OrderStatus::PaymentFailed | OrderStatus::Cancelled => Outcome::Declined {
                number,
                reason: reason.unwrap_or_default(),
            },
            _ => Outcome::Confirmed { number },
        })
    }

    /// Records a capture. If the order stopped waiting meanwhile (the sweeper or the shopper
    /// cancelled it), the money is given back at once and the refund recorded; a capture the
    /// order already holds (a webhook after the saga recorded it) changes nothing.
    fn captured(&self, order_id: i64, reference: &str, amount: Money) -> Result<bool> {
        if confirm_payment(&mut *self.conn()?, order_id, reference)? {
            self.send_confirmation(order_id);
            return Ok(true);
        }
        let mut conn = self.pool.get()?;
        let (payment_id, recorded): (i64, Option<String>) = payments::table
            .filter(payments::order_id.eq(order_id))
            .select((payments::id, payments::gateway_reference))
            .first(&mut conn)?;
        if recorded.as_deref() == Some(reference) {
            return Ok(false);
        }
        let given_back = crate::payments::refund(
            &mut conn,
            &self.gateway,
            &RefundRequest {
                payment_id,
                order_id,
                reference,
                amount,
                reason: "Captured after the order was cancelled",
                created_by: None,
                order_item_id: None,
                return_id: None,
            },
        );
        match given_back {
            // Another settler (the sweeper, a webhook) is giving this capture back already.
            Ok(_) | Err(Error::Conflict(_)) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// Settles order `order_id` by what the gateway says of its payment: the one path for the
    /// sweeper and the processor's webhooks. Each step is conditional, so settling twice, or
    /// both at once, settles once.
    fn settle(&self, order_id: i64, total: Money, lookup: Lookup) -> Result<Settlement> {
        let failure = match lookup {
            Lookup::Captured { reference } => {
                return Ok(match self.captured(order_id, &reference, total)? {
                    true => Settlement::Confirmed,
                    false => Settlement::AlreadyDone,
                });
            }
            Lookup::Declined { reason } => PaymentFailure::Declined(reason),
            Lookup::NotFound => PaymentFailure::NotCompleted,
            // The order may be paid: it waits until the gateway can answer.
            Lookup::Unreachable => return Ok(Settlement::Waiting),
        };
        Ok(
            match fail_payment(&mut *self.conn()?, order_id, &failure, false)? {
                true => Settlement::Cancelled,
                false => Settlement::AlreadyDone,
            },
        )
    }

    /// Applies a verified webhook delivery (`payments::webhook`) once: a capture or a decline
    /// settles its order as the sweeper would, a refund settles its pending row. Its id is kept
    /// only after it was applied, so a delivery that fails half-way is applied again when the
    /// processor sends it again; every step is conditional, so that repeats nothing.
    pub fn apply_event(&self, delivery: &Delivery) -> Result<()> {
        if webhook::applied(&mut *self.conn()?, &delivery.id)? {
            return Ok(());
        }
        match &delivery.event {
            Event::Captured {
                payment_key,
                reference,
            } => self.settle_by_key(
                payment_key,
                Lookup::Captured {
                    reference: reference.clone(),
                },
            )?,
            Event::Failed {
                payment_key,
                reason,
            } => self.settle_by_key(
                payment_key,
                Lookup::Declined {
                    reason: reason.clone(),
                },
            )?,
            Event::Refunded {
                refund_key,
                reference,
            } => {
                let conn = &mut *self.conn()?;
                if let Some(refund_id) =
                    crate::payments::settle_reported_refund(conn, refund_key, reference)?
                {
                    crate::orders::close_after_late_refund(conn, refund_id)?;
                }
            }
            Event::Other => {}
        }
        webhook::record_applied(&mut *self.conn()?, &delivery.id, &delivery.kind)
    }

    /// `settle` for the order whose payment key is `payment_key`; another shop's key is ignored.
    fn settle_by_key(&self, payment_key: &str, lookup: Lookup) -> Result<()> {
        let Some(number) = payment_key.strip_prefix("pay_") else {
            return Ok(());
        };
        // The connection goes back before `settle` takes one of its own.
        let order: Option<(i64, Money)> = {
            let conn = &mut *self.conn()?;
            orders::table
                .filter(crate::orders::numbered(conn, number)?)
                .select((orders::id, orders::grand_total))
                .first(conn)
                .optional()?
        };
        if let Some((order_id, total)) = order {
            self.settle(order_id, total, lookup)?;
        }
        Ok(())
    }

    /// Sends the e-mail that committed changes queued (`notices`); what cannot go now stays
    /// queued for the sweeper.
    pub fn deliver_mail(&self) {
        let sent = self
            .pool
            .get()
            .map_err(crate::error::Error::from)
            .and_then(|mut conn| crate::notices::deliver(&mut conn, &self.mailer));
        if let Err(error) = sent {
            tracing::warn!(%error, "queued e-mail not delivered yet");
        }
    }

    /// The e-mail is a courtesy: a failure is logged, never undoes the order.
    fn send_confirmation(&self, order_id: i64) {
        let email = self
            .pool
            .get()
            .map_err(|e| e.to_string())
            .and_then(|mut conn| {
                crate::orders::confirmation_email(&mut conn, order_id).map_err(|e| e.to_string())
            });
        if let Err(error) = email.and_then(|email| self.mailer.send(&email)) {
            tracing::warn!(order_id, %error, "confirmation e-mail not sent");
        }
    }

    /// A shopper or an administrator cancels a paid order before it ships (`orders::cancel`).
    pub fn cancel_order(&self, by: crate::orders::Canceller, number: &str) -> Result<()> {
        crate::orders::cancel(&self.pool, &self.gateway, by, number)?;
        self.deliver_mail();
        Ok(())
    }

    /// A seller cancels a line of their parcel they cannot fill, and the shopper is refunded its
    /// share (`fulfilment::cancel_line`).
    pub fn cancel_line(
        &self,
        by: &crate::audit::Actor,
        number: &str,
        line_id: i64,
    ) -> Result<crate::fulfilment::LineCancelled> {
        let done = crate::fulfilment::cancel_line(&self.pool, &self.gateway, by, number, line_id)?;
        self.deliver_mail();
        Ok(done)
    }

    /// Settles every order still waiting for payment after `now`'s window: confirmed when the
    /// gateway holds a capture under its key, otherwise cancelled with stock and voucher returned.
    pub fn sweep(&self, now: chrono::NaiveDateTime) -> Result<SweepReport> {
        let stale: Vec<(i64, String, Money)> = orders::table
            .filter(orders::status.eq(OrderStatus::PendingPayment))
            .filter(orders::payment_expires_at.lt(now))
            .order(orders::payment_expires_at.asc())
            .limit(500)
            .select((orders::id, orders::number, orders::grand_total))
            .load(&mut *self.conn()?)?;
        let mut report = SweepReport::default();
        for (order_id, number, total) in stale {
            let lookup = self.gateway.lookup(&payment_key(&number));
            match self.settle(order_id, total, lookup)? {
                Settlement::Confirmed => report.confirmed += 1,
                Settlement::Cancelled => report.cancelled += 1,
                Settlement::Waiting => report.unsettled += 1,
                Settlement::AlreadyDone => {}
            }
        }
        Ok(report)
    }

    /// Finishes the refunds a crash left half done a minute or more before `now`: those
    /// reserved but never settled (`payments::resume_pending`), then returns received but never
    /// refunded (`returns::resume_unrefunded`). Returns how many of each it finished.
    pub fn resume_refunds(&self, now: chrono::NaiveDateTime) -> Result<(usize, usize)> {
        let older_than = now - chrono::Duration::minutes(1);
        let conn = &mut *self.conn()?;
        let settled = crate::payments::resume_pending(conn, &self.gateway, older_than)?;
        for &refund_id in &settled {
            crate::orders::close_after_late_refund(conn, refund_id)?;
        }
        let returned = crate::returns::resume_unrefunded(conn, &self.gateway, older_than)?;
        Ok((settled.len(), returned))
    }

    /// Runs the sweeper now (settling what a crash left behind) and then every `every`; each
    /// round also settles refunds a crash left pending, delivers queued e-mail and ends the
    /// stock holds past their time.
    pub fn spawn_sweeper(self: Arc<Self>, every: Duration) -> std::thread::JoinHandle<()> {
        std::thread::Builder::new()
            .name("payment-sweeper".into())
            .spawn(move || {
                loop {
                    match self.sweep(crate::util::now()) {
                        Ok(report) if report != SweepReport::default() => {
                            tracing::info!(
                                confirmed = report.confirmed,
                                cancelled = report.cancelled,
                                unsettled = report.unsettled,
                                "payment sweep"
                            )
                        }
                        Ok(_) => {}
                        Err(error) => tracing::warn!(%error, "payment sweep failed"),
                    }
                    match self.resume_refunds(crate::util::now()) {
                        Ok((0, 0)) => {}
                        Ok((settled, returns)) => {
                            tracing::info!(settled, returns, "half-done refunds finished")
                        }
                        Err(error) => tracing::warn!(%error, "resuming pending refunds failed"),
                    }
                    // Mail a crash or a refused send left queued goes out here.
                    self.deliver_mail();
                    // Checkouts left open give their held units back here (`inventory::holds`).
                    let released = self.conn().and_then(|mut conn| {
                        crate::inventory::holds::release_expired(&mut conn, crate::util::now())
                    });
                    match released {
                        Ok(0) => {}
                        Ok(released) => tracing::info!(released, "expired stock holds released"),
                        Err(error) => tracing::warn!(%error, "releasing expired holds failed"),
                    }
                    std::thread::sleep(every);
                }
            })
            .expect("spawn the payment sweeper thread")
    }
}
