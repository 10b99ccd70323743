//! Webhook deliveries: each charge and refund the simulator makes is an event, posted to the
//! shop's endpoint with the signature `payments::webhook` checks, and posted again (waiting
//! longer each time, up to half a minute) until the shop answers 2xx. Events wait in the ledger
//! until delivered, so a restarted simulator sends what it had not delivered; with no endpoint
//! set they wait.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;

use super::ledger::{Ledger, event_id};

/// Where events go, and the secret they are signed with.
#[derive(Clone)]
pub struct Endpoint {
    pub url: String,
    pub secret: String,
}

const FIRST_WAIT: Duration = Duration::from_millis(100);
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// Events waiting to be posted, and whether the simulator is stopping.
#[derive(Default)]
pub struct Outbox {
    state: Mutex<Waiting>,
    wake: Condvar,
}

#[derive(Default)]
struct Waiting {
    events: VecDeque<Value>,
    stopping: bool,
}

impl Outbox {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // A queue of values: nothing a panic could leave half-done.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn push(&self, event: Value) {
        self.lock().events.push_back(event);
        self.wake.notify_all();
    }

    pub fn stop(&self) {
        self.lock().stopping = true;
        self.wake.notify_all();
    }

    /// The next event, waiting at most `wait` for one; `None` once stopping.
    fn next(&self, wait: Duration) -> Option<Option<Value>> {
        let mut state = self.lock();
        if state.events.is_empty() && !state.stopping {
            state = self
                .wake
                .wait_timeout(state, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        if state.stopping {
            return None;
        }
        Some(state.events.pop_front())
    }

    /// Sleeps `wait`, unless the simulator stops first; false once stopping.
    fn pause(&self, wait: Duration) -> bool {
        let state = self.lock();
        let state = self
            .wake
            .wait_timeout_while(state, wait, |s| !s.stopping)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        !state.stopping
    }
}

/// Posts the outbox's events to `endpoint` until the outbox stops.
pub fn deliver(outbox: Arc<Outbox>, ledger: Arc<Ledger>, endpoint: Endpoint) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut wait = FIRST_WAIT;
    while let Some(next) = outbox.next(LONGEST_WAIT) {
        let Some(event) = next else { continue };
        if post(&agent, &endpoint, &event) {
            if let Err(error) = ledger.delivered(&event_id(&event)) {
                tracing::warn!(%error, "could not mark a webhook event delivered");
            }
            wait = FIRST_WAIT;
            continue;
        }
        outbox.lock().events.push_back(event);
        if !outbox.pause(wait) {
            return;
        }
        wait = (wait * 2).min(LONGEST_WAIT);
    }
}

fn post(agent: &ureq::Agent, endpoint: &Endpoint, event: &Value) -> bool {
    let body = event.to_string();
    let now = chrono::Utc::now().timestamp();
    let signature = crate::payments::webhook::sign(&endpoint.secret, now, body.as_bytes());
    agent
        .post(&endpoint.url)
        .header("Stripe-Signature", &signature)
        .content_type("application/json")
        .send(&body)
        .is_ok_and(|response| response.status().is_success())
}
