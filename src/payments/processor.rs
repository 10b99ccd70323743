//! The card processor, reached over HTTP: Stripe itself (`Processor::stripe`), or the simulator
//! (`crate::payments_sim`), which speaks the same part of Stripe's API. One client serves both:
//! every call is Stripe's documented one (Customers, Checkout Sessions in setup mode for the
//! card page, PaymentIntents confirmed at once, PaymentIntent search, Refunds), and
//! `tests/fixtures/stripe/` holds the requests and answers Stripe's API reference documents,
//! which the tests play against this client.
//!
//! Each call waits at most `timeout`; a call that gets no answer, a 5xx, a 429 (rate limited) or
//! a 409 (the same key still in flight) is asked again under the same idempotency key, a bounded
//! number of times, so a retry can never charge or refund twice. What is still unanswered after
//! that is `Unknown`: the money may have moved, and the sweeper asks again later.
//!
//! A card entered on the card page is attached to a customer made for it (Stripe lets only an
//! attached payment method be used more than once); the token the shop keeps is
//! `CUSTOMER/PAYMENT_METHOD`, and a charge sends both.

use std::time::Duration;

use serde_json::Value;

use super::{
    CardEntry, CardEntryReturn, CardError, CardToken, ChargeOutcome, Lookup, PaymentGateway,
    RefundAnswer,
};
use crate::money::Money;

/// Tries of one call, the first included.
const ATTEMPTS: u32 = 3;
/// Wait before the second try; doubled before each one after.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// Stripe's API, as `--payments stripe` reaches it unless `--payments-url` says otherwise.
pub const STRIPE_API: &str = "https://api.stripe.com";
/// Where Stripe serves its Checkout pages.
const STRIPE_CHECKOUT: &str = "https://checkout.stripe.com";
/// The version of Stripe's API this client was written against, sent with every call so the
/// answers keep the shapes the fixtures document.
const STRIPE_VERSION: &str = "2024-06-20";

/// Which service is at the other end: the calls are the same, the names and pages are not.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Service {
    Simulator,
    Stripe,
}

pub struct Processor {
    service: Service,
    base_url: String,
    api_key: String,
    agent: ureq::Agent,
}

/// What a call came back with: the processor's answer, or none worth trusting.
enum Answer {
    Given { status: u16, body: Value },
    None,
}

impl Processor {
    /// The simulator at `base_url`.
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> Processor {
        Processor::of(Service::Simulator, base_url, api_key, timeout)
    }

    /// Stripe at `base_url` (`STRIPE_API`, or a stand-in for tests).
    pub fn stripe(base_url: &str, api_key: &str, timeout: Duration) -> Processor {
        Processor::of(Service::Stripe, base_url, api_key, timeout)
    }

    fn of(service: Service, base_url: &str, api_key: &str, timeout: Duration) -> Processor {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Processor {
            service,
            base_url: base_url.trim_end_matches('/').to_owned(),
            api_key: api_key.to_owned(),
            agent,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.api_key)
    }

    /// Posts `form` to `path` under `idempotency_key`, retrying what got no answer.
    fn post(&self, path: &str, idempotency_key: &str, form: &[(&str, &str)]) -> Answer {
        self.retrying(|| {
            self.agent
                .post(&self.url(path))
                .header("Authorization", &self.bearer())
                .header("Stripe-Version", STRIPE_VERSION)
                .header("Idempotency-Key", idempotency_key)
                .send_form(form.iter().copied())
        })
    }

    /// A customer for a card about to be entered, so the card can be charged again later.
    fn new_customer(&self, reference: &str) -> Result<String, CardError> {
        let key = format!("customer_{}", crate::util::random_hex(12));
        let form = [("metadata[shop_user]", reference)];
        match self.post("/v1/customers", &key, &form) {
            Answer::Given { status: 200, body } => {
                text(&body["id"]).ok_or_else(|| CardError(UNREADABLE.into()))
            }
            Answer::Given { status, body } if refused(status) => {
                Err(CardError(refusal(status, &body)))
            }
            _ => Err(CardError(UNREACHABLE.into())),
        }
    }

    /// Gets `path` with `query`, retrying what got no answer.
    fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.retrying(|| {
            self.agent
                .get(&self.url(path))
                .query_pairs(query.iter().copied())
                .header("Authorization", &self.bearer())
                .header("Stripe-Version", STRIPE_VERSION)
                .call()
        })
    }

    fn retrying(
        &self,
        call: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Answer {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            if let Answer::Given { status, body } = answer_of(call())
                && (!worth_retrying(status) || attempt == ATTEMPTS)
            {
                return Answer::Given { status, body };
            }
            if attempt < ATTEMPTS {
                std::thread::sleep(backoff);
                backoff *= 2;
            }
        }
        Answer::None
    }
}

/// An answer that says the request was not acted on yet: asked again under the same key, it
/// may still be (a 5xx, rate limiting, or the same key still being worked on).
fn worth_retrying(status: u16) -> bool {
    status >= 500 || status == 429 || status == 409
}

/// A refusal that is final: the processor took the request and said no.
fn refused(status: u16) -> bool {
    (400..500).contains(&status) && !worth_retrying(status)
}

fn answer_of(result: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let Ok(mut response) = result else {
        return Answer::None;
    };
    let status = response.status().as_u16();
    match response.body_mut().read_to_string() {
        Ok(text) => Answer::Given {
            status,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        },
        Err(_) => Answer::None,
    }
}

/// Why the processor refused, in words for the shopper. A refused API key is the shop's own
/// fault, which the shopper cannot mend: it is logged, and the shopper told only that paying
/// failed.
fn refusal(status: u16, body: &Value) -> String {
    if status == 401 {
        tracing::error!("the card processor refused the shop's API key (SHOPWAVE_PAYMENTS_KEY)");
        return "The shop could not take card payments just now. Nothing was charged.".into();
    }
    body["error"]["message"]
        .as_str()
        .unwrap_or("The card processor refused the request.")
        .to_owned()
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

/// A path segment as it may go in a URL: an id from a return address is the shopper's to change.
fn encoded(segment: &str) -> String {
    form_urlencoded::byte_serialize(segment.as_bytes()).collect()
}

/// A card payment method (`pm_…`, with its `card`), as the processor describes it; the token
/// names its customer too, when it has one.
fn token_of(method: &Value) -> Option<CardToken> {
    let (body, card) = (method, &method["card"]);
    let id = text(&body["id"])?;
    Some(CardToken {
        token: match text(&body["customer"]) {
            Some(customer) => format!("{customer}/{id}"),
            None => id,
        },
        brand: text(&card["brand"])?,
        last4: text(&card["last4"])?,
        exp_month: i32::try_from(card["exp_month"].as_i64()?).ok()?,
        exp_year: i32::try_from(card["exp_year"].as_i64()?).ok()?,
    })
}

impl PaymentGateway for Processor {
    /// The name payment rows record.
    fn name(&self) -> &'static str {
        match self.service {
            Service::Simulator => "test",
            Service::Stripe => "stripe",
        }
    }

    /// Test keys start `sk_test_`, as Stripe's do and as the simulator's generated keys do.
    fn test_mode(&self) -> bool {
        self.api_key.starts_with("sk_test_")
    }

    /// Stripe's Checkout pages; the simulator serves its page at the address the shop calls it
    /// by.
    fn card_page_origin(&self) -> String {
        if self.service == Service::Stripe {
            return STRIPE_CHECKOUT.to_owned();
        }
        let after_scheme = self.base_url.find("://").map_or(0, |i| i + 3);
        let end = self.base_url[after_scheme..]
            .find('/')
            .map_or(self.base_url.len(), |i| after_scheme + i);
        self.base_url[..end].to_owned()
    }

    /// A Checkout Session in setup mode: the processor's hosted page takes the card and keeps
    /// it for later charges.
    fn open_card_entry(&self, back: &CardEntryReturn) -> Result<CardEntry, CardError> {
        let customer = self.new_customer(&back.reference)?;
        let form = [
            ("mode", "setup"),
            ("currency", "usd"),
            ("payment_method_types[0]", "card"),
            ("customer", customer.as_str()),
            ("success_url", back.entered.as_str()),
            ("cancel_url", back.cancelled.as_str()),
            ("client_reference_id", back.reference.as_str()),
        ];
        // Each page opened is a new one: a fresh key, so a retry makes at most one page.
        let key = format!("entry_{}", crate::util::random_hex(12));
        match self.post("/v1/checkout/sessions", &key, &form) {
            Answer::Given { status: 200, body } => match (text(&body["id"]), text(&body["url"])) {
                (Some(id), Some(url)) => Ok(CardEntry { id, url }),
                _ => Err(CardError(UNREADABLE.into())),
            },
            Answer::Given { status, body } if refused(status) => {
                Err(CardError(refusal(status, &body)))
            }
            _ => Err(CardError(UNREACHABLE.into())),
        }
    }

    fn entered_card(&self, id: &str) -> Result<CardToken, CardError> {
        let path = format!("/v1/checkout/sessions/{}", encoded(id));
        let answer = self.get(&path, &[("expand[]", "setup_intent.payment_method")]);
        match answer {
            Answer::Given { status: 200, body } if body["status"] == "complete" => {
                token_of(&body["setup_intent"]["payment_method"])
                    .ok_or_else(|| CardError(UNREADABLE.into()))
            }
            Answer::Given { status: 200, .. } => Err(CardError(
                "No card was entered on the card page; please enter it again.".into(),
            )),
            Answer::Given { status, body } if refused(status) => {
                Err(CardError(refusal(status, &body)))
            }
            _ => Err(CardError(UNREACHABLE.into())),
        }
    }

    fn charge(&self, token: &str, amount: Money, idempotency_key: &str) -> ChargeOutcome {
        let amount = amount.minor().to_string();
        let (customer, payment_method) = match token.split_once('/') {
            Some((customer, payment_method)) => (Some(customer), payment_method),
            None => (None, token),
        };
        let mut form = vec![
            ("amount", amount.as_str()),
            ("currency", "usd"),
            ("payment_method", payment_method),
            ("payment_method_types[0]", "card"),
            ("confirm", "true"),
            // A card whose bank wants the shopper to confirm (3-D Secure) is refused outright:
            // this shop has no page to run that step on, and an intent left waiting for it
            // would never settle.
            ("error_on_requires_action", "true"),
            ("metadata[shop_key]", idempotency_key),
        ];
        form.extend(customer.map(|customer| ("customer", customer)));
        match self.post("/v1/payment_intents", idempotency_key, &form) {
            Answer::Given { status: 200, body } if body["status"] == "succeeded" => {
                match text(&body["id"]) {
                    Some(reference) => ChargeOutcome::Captured { reference },
                    None => ChargeOutcome::Unknown,
                }
            }
            // Refused before any money moved: a declined card, or a request it would not take.
            Answer::Given { status, body } if refused(status) => ChargeOutcome::Declined {
                reason: refusal(status, &body),
            },
            _ => ChargeOutcome::Unknown,
        }
    }

    fn lookup(&self, idempotency_key: &str) -> Lookup {
        let query = format!("metadata['shop_key']:'{idempotency_key}'");
        let answer = self.get("/v1/payment_intents/search", &[("query", &query)]);
        let Answer::Given { status: 200, body } = answer else {
            return Lookup::Unreachable;
        };
        let Some(intent) = body["data"].as_array().and_then(|data| data.first()) else {
            return Lookup::NotFound;
        };
        // `processing` and the like are still on their way: nothing may be concluded yet.
        match (intent["status"].as_str(), text(&intent["id"])) {
            (Some("succeeded"), Some(reference)) => Lookup::Captured { reference },
            (Some("requires_payment_method" | "requires_action" | "canceled"), _) => {
                Lookup::Declined {
                    reason: text(&intent["last_payment_error"]["message"]).unwrap_or_default(),
                }
            }
            _ => Lookup::Unreachable,
        }
    }

    fn refund(&self, reference: &str, amount: Money, idempotency_key: &str) -> RefundAnswer {
        let amount = amount.minor().to_string();
        let of = if reference.starts_with("pi_") {
            "payment_intent"
        } else {
            "charge"
        };
        let form = [
            (of, reference),
            ("amount", amount.as_str()),
            ("metadata[shop_key]", idempotency_key),
        ];
        match self.post("/v1/refunds", idempotency_key, &form) {
            Answer::Given { status: 200, body }
                if matches!(body["status"].as_str(), Some("failed" | "canceled")) =>
            {
                RefundAnswer::Refused {
                    reason: text(&body["failure_reason"])
                        .unwrap_or_else(|| "The card processor could not make the refund.".into()),
                }
            }
            // `succeeded`, or `pending` (as Stripe answers some refunds; it says later, by
            // webhook, if one fails).
            Answer::Given { status: 200, body } => match text(&body["id"]) {
                Some(reference) => RefundAnswer::Refunded { reference },
                None => RefundAnswer::Unknown,
            },
            Answer::Given { status, body } if refused(status) => RefundAnswer::Refused {
                reason: refusal(status, &body),
            },
            _ => RefundAnswer::Unknown,
        }
    }
}

const UNREACHABLE: &str =
    "The card processor could not be reached. Nothing was charged; please try again in a moment.";
const UNREADABLE: &str =
    "The card processor's answer could not be read. Nothing was charged; please try again.";
