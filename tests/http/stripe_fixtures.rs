//! The Stripe client (`Processor::stripe`) against Stripe's API reference: a stand-in server
//! answers only the requests written in `tests/fixtures/stripe/` (taken from Stripe's published
//! API definition, see its README), with the answers written there. A request with a parameter
//! Stripe does not document, or without one the client should send, finds no fixture and is
//! answered 400, so the client's calls must be exactly the documented ones; and the client must
//! read Stripe's documented answers, declines and refusals as the shop needs them. The webhook
//! fixtures carry signatures computed as Stripe's documentation says.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use shopwave::money::Money;
use shopwave::payments::webhook::{self, Event, Refused};
use shopwave::payments::{
    CardEntryReturn, ChargeOutcome, Lookup, PaymentGateway, Processor, RefundAnswer,
};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/stripe/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("a fixture is JSON")
}

type Form = BTreeMap<String, String>;

/// A request the stand-in received, and whether a fixture was written for it.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    form: Form,
    headers: BTreeMap<String, String>,
    answered_from_fixture: bool,
}

/// A server that answers the requests of `names`' fixtures, one request per connection.
struct StandIn {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    fn serving(names: &[&str]) -> StandIn {
        let fixtures: Vec<Value> = names.iter().map(|name| fixture(name)).collect();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                answer(stream, &fixtures, &log);
            }
        });
        StandIn { url, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("log").clone()
    }
}

fn form_of(text: &str) -> Form {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

fn answer(stream: TcpStream, fixtures: &[Value], seen: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("request line");
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).expect("header");
        let Some((name, value)) = header.trim_end().split_once(':') else {
            break;
        };
        headers.insert(name.to_ascii_lowercase(), value.trim().to_owned());
    }
    let length = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).expect("body");
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let form = form_of(if method == "GET" {
        query
    } else {
        std::str::from_utf8(&body).expect("text")
    });
    let found = fixtures.iter().find(|f| {
        let request = &f["request"];
        let documented: Form = serde_json::from_value(request["form"].clone()).expect("form");
        request["method"] == method.as_str() && request["path"] == path && documented == form
    });
    let (status, reply) = match found {
        Some(f) => (
            f["response"]["status"].as_u64().expect("status"),
            f["response"]["body"].to_string(),
        ),
        None => (
            400,
            r#"{"error":{"type":"invalid_request_error","message":"no fixture for this request"}}"#
                .to_owned(),
        ),
    };
    seen.lock().expect("log").push(Seen {
        method,
        path: path.to_owned(),
        form,
        headers,
        answered_from_fixture: found.is_some(),
    });
    let mut stream = reader.into_inner();
    let head = format!(
        "HTTP/1.1 {status} Fixture\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(reply.as_bytes());
}

fn stripe(stand_in: &StandIn, key: &str) -> Processor {
    Processor::stripe(&stand_in.url, key, Duration::from_secs(2))
}

#[test]
fn the_stripe_client_sends_the_documented_calls_and_reads_the_documented_answers() {
    let stand_in = StandIn::serving(&[
        "customers_create",
        "checkout_sessions_create",
        "checkout_sessions_retrieve",
        "payment_intents_create_succeeded",
        "payment_intents_create_declined",
        "payment_intents_search",
        "payment_intents_search_empty",
        "refunds_create",
        "refunds_create_too_large",
    ]);
    let stripe = stripe(&stand_in, "sk_test_fixture");
    assert_eq!((stripe.name(), stripe.test_mode()), ("stripe", true));

    let back = CardEntryReturn {
        entered: "https://shop.example/checkout/card-entered?session_id={CHECKOUT_SESSION_ID}"
            .into(),
        cancelled: "https://shop.example/checkout".into(),
        reference: "42".into(),
    };
    let entry = stripe.open_card_entry(&back).expect("a card page");
    assert_eq!(entry.id, "cs_test_a1");
    assert_eq!(entry.url, "https://checkout.stripe.com/c/pay/cs_test_a1");
    let card = stripe.entered_card("cs_test_a1").expect("the card entered");
    assert_eq!(card.token, "cus_Q1shop42/pm_1card");
    assert_eq!((card.brand.as_str(), card.last4.as_str()), ("visa", "4242"));
    assert_eq!((card.exp_month, card.exp_year), (12, 2034));

    let amount = Money::from_minor(2499);
    assert_eq!(
        stripe.charge(&card.token, amount, "pay_SW1001"),
        ChargeOutcome::Captured {
            reference: "pi_1ok".into()
        }
    );
    assert_eq!(
        stripe.charge(&card.token, amount, "pay_SW1002"),
        ChargeOutcome::Declined {
            reason: "Your card was declined.".into()
        }
    );
    assert_eq!(
        stripe.lookup("pay_SW1001"),
        Lookup::Captured {
            reference: "pi_1ok".into()
        }
    );
    assert_eq!(stripe.lookup("pay_SW9999"), Lookup::NotFound);
    assert_eq!(
        stripe.refund("pi_1ok", Money::from_minor(500), "refund_SW1001_1"),
        RefundAnswer::Refunded {
            reference: "re_1".into()
        }
    );
    assert!(matches!(
        stripe.refund("pi_1ok", Money::from_minor(999_999), "refund_SW1001_2"),
        RefundAnswer::Refused { .. }
    ));

    let seen = stand_in.seen();
    assert_eq!(
        seen.len(),
        9,
        "one request per call, none retried: {seen:#?}"
    );
    for request in &seen {
        assert!(
            request.answered_from_fixture,
            "an undocumented request: {request:#?}"
        );
        assert_eq!(
            request.headers.get("authorization").map(String::as_str),
            Some("Bearer sk_test_fixture")
        );
        assert_eq!(
            request.headers.get("stripe-version").map(String::as_str),
            Some("2024-06-20")
        );
        if request.method == "POST" {
            assert!(
                request.headers.contains_key("idempotency-key"),
                "{request:#?}"
            );
        }
    }
    let charges = seen.iter().filter(|r| r.path == "/v1/payment_intents");
    for charge in charges {
        assert_eq!(
            charge.headers.get("idempotency-key"),
            charge.form.get("metadata[shop_key]"),
            "a charge's key is the shop's key"
        );
    }
}

#[test]
fn a_refused_api_key_is_a_failed_payment_to_the_shopper_and_nothing_more() {
    let stand_in = StandIn::serving(&["error_invalid_api_key"]);
    let stripe = stripe(&stand_in, "sk_test_wrong");
    let back = CardEntryReturn {
        entered: "https://shop.example/back".into(),
        cancelled: "https://shop.example/".into(),
        reference: "42".into(),
    };
    let refused = stripe.open_card_entry(&back).expect_err("no card page");
    assert_eq!(
        refused.0,
        "The shop could not take card payments just now. Nothing was charged."
    );
    assert!(stand_in.seen().iter().all(|r| r.answered_from_fixture));
}

/// A webhook fixture's secret, timestamp, payload and signature header.
fn delivery(name: &str) -> (String, i64, String, String) {
    let f = fixture(name);
    let text = |key: &str| f[key].as_str().expect(key).to_owned();
    (
        text("secret"),
        f["timestamp"].as_i64().expect("timestamp"),
        text("payload"),
        text("signature_header"),
    )
}

#[test]
fn stripe_signed_webhooks_verify_and_read_as_the_shop_applies_them() {
    let (secret, at, payload, header) = delivery("webhook_payment_intent_succeeded");
    let delivered =
        webhook::verify(&secret, &header, payload.as_bytes(), at + 10).expect("a good signature");
    assert_eq!(
        delivered.event,
        Event::Captured {
            payment_key: "pay_SW1001".into(),
            reference: "pi_1ok".into()
        }
    );
    assert_eq!(
        webhook::verify(&secret, &header, payload.as_bytes(), at + 301),
        Err(Refused::Stale)
    );
    let tampered = payload.replace("2499", "1");
    assert_eq!(
        webhook::verify(&secret, &header, tampered.as_bytes(), at),
        Err(Refused::Signature)
    );
    assert_eq!(
        webhook::verify("whsec_other", &header, payload.as_bytes(), at),
        Err(Refused::Signature)
    );

    let (secret, at, payload, header) = delivery("webhook_refund_created");
    let delivered =
        webhook::verify(&secret, &header, payload.as_bytes(), at).expect("a good signature");
    assert_eq!(
        delivered.event,
        Event::Refunded {
            refund_key: "refund_SW1001_1".into(),
            reference: "re_1".into()
        }
    );
}
