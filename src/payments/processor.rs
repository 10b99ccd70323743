//! The card processor, reached over HTTP: the simulator (`crate::payments_sim`), or any service
//! speaking the same Stripe-shaped API. Each call waits at most `timeout`; a call that gets no
//! answer, or a 5xx, is asked again under the same idempotency key, a bounded number of times,
//! so a retry can never charge or refund twice. What is still unanswered after that is
//! `Unknown`: the money may have moved, and the sweeper asks again later.

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

pub struct Processor {
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
    pub fn new(base_url: &str, api_key: &str, timeout: Duration) -> Processor {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Processor {
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
                .header("Idempotency-Key", idempotency_key)
                .send_form(form.iter().copied())
        })
    }

    fn retrying(
        &self,
        call: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Answer {
        let mut backoff = FIRST_BACKOFF;
        for attempt in 1..=ATTEMPTS {
            if let Answer::Given { status, body } = answer_of(call())
                && (status < 500 || attempt == ATTEMPTS)
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

/// A card payment method (`pm_…`, with its `card`), as the processor describes it.
fn token_of(method: &Value) -> Option<CardToken> {
    let (body, card) = (method, &method["card"]);
    Some(CardToken {
        token: text(&body["id"])?,
        brand: text(&card["brand"])?,
        last4: text(&card["last4"])?,
        exp_month: i32::try_from(card["exp_month"].as_i64()?).ok()?,
        exp_year: i32::try_from(card["exp_year"].as_i64()?).ok()?,
    })
}

impl PaymentGateway for Processor {
    fn name(&self) -> &'static str {
        "test"
    }

    /// Test keys start `sk_test_`, as Stripe's do and as the simulator's generated keys do.
    fn test_mode(&self) -> bool {
        self.api_key.starts_with("sk_test_")
    }

    /// A Checkout Session in setup mode: the processor's hosted page takes the card and keeps
    /// it for later charges.
    fn open_card_entry(&self, back: &CardEntryReturn) -> Result<CardEntry, CardError> {
        let form = [
            ("mode", "setup"),
            ("currency", "usd"),
            ("payment_method_types[0]", "card"),
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
            Answer::Given { status, body } if status < 500 => {
                Err(CardError(refusal(status, &body)))
            }
            _ => Err(CardError(UNREACHABLE.into())),
        }
    }

    fn entered_card(&self, id: &str) -> Result<CardToken, CardError> {
        let path = format!("/v1/checkout/sessions/{}", encoded(id));
        let answer = self.retrying(|| {
            self.agent
                .get(&self.url(&path))
                .query("expand[]", "setup_intent.payment_method")
                .header("Authorization", &self.bearer())
                .call()
        });
        match answer {
            Answer::Given { status: 200, body } if body["status"] == "complete" => {
                token_of(&body["setup_intent"]["payment_method"])
                    .ok_or_else(|| CardError(UNREADABLE.into()))
            }
            Answer::Given { status: 200, .. } => Err(CardError(
                "No card was entered on the card page; please enter it again.".into(),
            )),
            Answer::Given { status, body } if status < 500 => {
                Err(CardError(refusal(status, &body)))
            }
            _ => Err(CardError(UNREACHABLE.into())),
        }
    }

    fn charge(&self, token: &str, amount: Money, idempotency_key: &str) -> ChargeOutcome {
        let amount = amount.minor().to_string();
        let form = [
            ("amount", amount.as_str()),
            ("currency", "usd"),
            ("payment_method", token),
            ("confirm", "true"),
            ("metadata[shop_key]", idempotency_key),
        ];
        match self.post("/v1/payment_intents", idempotency_key, &form) {
            Answer::Given { status: 200, body } if body["status"] == "succeeded" => {
                match text(&body["id"]) {
                    Some(reference) => ChargeOutcome::Captured { reference },
                    None => ChargeOutcome::Unknown,
                }
            }
            // Refused before any money moved: a declined card, or a request it would not take.
            Answer::Given { status, body } if (400..500).contains(&status) => {
                ChargeOutcome::Declined {
                    reason: refusal(status, &body),
                }
            }
            _ => ChargeOutcome::Unknown,
        }
    }

    fn lookup(&self, idempotency_key: &str) -> Lookup {
        let query = format!("metadata['shop_key']:'{idempotency_key}'");
        let answer = self.retrying(|| {
            self.agent
                .get(&self.url("/v1/payment_intents/search"))
                .query("query", &query)
                .header("Authorization", &self.bearer())
                .call()
        });
        let Answer::Given { status: 200, body } = answer else {
            return Lookup::Unreachable;
        };
        let Some(intent) = body["data"].as_array().and_then(|data| data.first()) else {
            return Lookup::NotFound;
        };
        match (intent["status"].as_str(), text(&intent["id"])) {
            (Some("succeeded"), Some(reference)) => Lookup::Captured { reference },
            (Some("requires_payment_method"), _) => Lookup::Declined {
                reason: text(&intent["last_payment_error"]["message"]).unwrap_or_default(),
            },
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
            Answer::Given { status: 200, body } => match text(&body["id"]) {
                Some(reference) => RefundAnswer::Refunded { reference },
                None => RefundAnswer::Unknown,
            },
            Answer::Given { status, body } if (400..500).contains(&status) => {
                RefundAnswer::Refused {
                    reason: refusal(status, &body),
                }
            }
            _ => RefundAnswer::Unknown,
        }
    }
}

const UNREACHABLE: &str =
    "The card processor could not be reached. Nothing was charged; please try again in a moment.";
const UNREADABLE: &str =
    "The card processor's answer could not be read. Nothing was charged; please try again.";
