//! The simulator's HTTP API, shaped like the part of Stripe's the shop uses: form-encoded
//! requests, JSON answers, errors as `{"error": {"type", "code", "message"}}`.

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::card_details::CardDetails;
use super::cards::{Behaviour, card_of};
use super::ledger::{Books, Change, Decision, Intent, Ledger, Reply};
use super::webhooks::Outbox;

/// One simulator: its books, the API key every call must carry, and the webhook events waiting
/// to be delivered.
pub struct Simulator {
    pub ledger: Arc<Ledger>,
    pub api_key: String,
    pub outbox: Arc<Outbox>,
}

pub(super) type Sim = web::Data<Arc<Simulator>>;
pub(super) type Form = web::Form<HashMap<String, String>>;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/tokens", web::post().to(create_token))
        .route("/v1/payment_intents", web::post().to(create_intent))
        .route("/v1/payment_intents/search", web::get().to(search_intents))
        .route("/v1/refunds", web::post().to(create_refund))
        .route("/v1/test_helpers/refusals", web::post().to(prepare_refusal));
}

pub(super) fn error(status: u16, kind: &str, code: &str, message: &str) -> Reply {
    Reply {
        status,
        body: json!({ "error": { "type": kind, "code": code, "message": message } }),
    }
}

/// A webhook event of `kind` about `object`.
fn event(kind: &str, object: Value) -> Value {
    json!({
        "id": format!("evt_{}", crate::util::random_hex(12)),
        "object": "event",
        "type": kind,
        "created": chrono::Utc::now().timestamp(),
        "data": { "object": object },
    })
}

pub(super) fn respond(reply: Reply) -> HttpResponse {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    HttpResponse::build(status).json(reply.body)
}

/// The caller's key, checked; `Err` is the answer to give instead.
pub(super) fn authorized(req: &HttpRequest, sim: &Simulator) -> Result<(), Reply> {
    let given = req
        .headers()
        .get("Authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given.is_some_and(|key| crate::util::same_secret(key, &sim.api_key)) {
        return Ok(());
    }
    Err(error(
        401,
        "invalid_request_error",
        "api_key_invalid",
        "Invalid API key provided.",
    ))
}

pub(super) fn idempotency_key(req: &HttpRequest) -> Result<String, Reply> {
    req.headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .filter(|key| !key.is_empty() && key.len() <= 255)
        .map(str::to_owned)
        .ok_or_else(|| {
            error(
                400,
                "invalid_request_error",
                "idempotency_key_missing",
                "This simulator needs an Idempotency-Key header on every call that changes something.",
            )
        })
}

/// The checks of a call that moves money: the caller's key, an idempotency key, and an amount
/// above zero; returns the idempotency key and the amount.
fn checked_charge(req: &HttpRequest, sim: &Simulator, form: &Form) -> Result<(String, i64), Reply> {
    authorized(req, sim)?;
    let key = idempotency_key(req)?;
    let amount = whole(form, "amount").filter(|a| *a > 0).ok_or_else(|| {
        error(
            400,
            "invalid_request_error",
            "parameter_invalid_integer",
            "amount must be a whole number of minor units above zero.",
        )
    })?;
    Ok((key, amount))
}

pub(super) fn field<'a>(form: &'a Form, name: &str) -> &'a str {
    form.get(name).map_or("", String::as_str)
}

fn whole(form: &Form, name: &str) -> Option<i64> {
    field(form, name).trim().parse().ok()
}

async fn create_token(req: HttpRequest, sim: Sim, form: Form) -> HttpResponse {
    if let Err(refused) = authorized(&req, &sim) {
        return respond(refused);
    }
    let card = CardDetails::typed(
        field(&form, "card[number]").to_owned(),
        field(&form, "card[exp_month]"),
        field(&form, "card[exp_year]"),
        field(&form, "card[cvc]"),
    );
    match card_of(&card) {
        Err(refused) => respond(error(402, "card_error", "invalid_card", &refused.0)),
        Ok(card) => HttpResponse::Ok().json(json!({
            "id": card.token,
            "object": "token",
            "card": {
                "brand": card.brand,
                "last4": card.last4,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
            },
        })),
    }
}

fn intent_json(intent: &Intent) -> Value {
    json!({
        "id": intent.id,
        "object": "payment_intent",
        "amount": intent.amount,
        "amount_refunded": intent.refunded,
        "currency": intent.currency,
        "status": if intent.declined.is_none() { "succeeded" } else { "requires_payment_method" },
        "last_payment_error": intent.declined.as_ref().map(|message| json!({ "message": message })),
        "metadata": { "shop_key": intent.shop_key },
    })
}

/// Creates and confirms a payment intent: the card is charged (and captured) at once.
async fn create_intent(req: HttpRequest, sim: Sim, form: Form) -> HttpResponse {
    let (key, amount) = match checked_charge(&req, &sim, &form) {
        Ok(checked) => checked,
        Err(refused) => return respond(refused),
    };
    let behaviour = Behaviour::of_token(field(&form, "payment_method"));
    if behaviour == Some(Behaviour::Unreachable) {
        return respond(error(
            503,
            "api_error",
            "unavailable",
            "The simulated processor did not take the request.",
        ));
    }
    if behaviour == Some(Behaviour::Slow) {
        actix_web::rt::time::sleep(super::cards::SLOW).await;
    }
    let intent = Intent {
        id: format!("pi_{}", crate::util::random_hex(12)),
        amount,
        currency: field(&form, "currency").to_lowercase(),
        declined: match behaviour {
            None => Some("The card could not be used; please add it again.".to_owned()),
            Some(b) => b.decline().map(|(_, message)| message.to_owned()),
        },
        shop_key: form.get("metadata[shop_key]").cloned(),
        refunded: 0,
    };
    let reply = match (&intent.declined, behaviour) {
        (Some(message), _) => {
            let code = behaviour
                .and_then(Behaviour::decline)
                .map_or("card_declined", |d| d.0);
            let mut declined = error(402, "card_error", "card_declined", message);
            declined.body["error"]["decline_code"] = json!(code);
            declined.body["error"]["payment_intent"] = intent_json(&intent);
            declined
        }
        (None, Some(Behaviour::FailsAfterCharging)) => error(
            500,
            "api_error",
            "internal",
            "Something went wrong after the charge.",
        ),
        (None, _) => Reply {
            status: 200,
            body: intent_json(&intent),
        },
    };
    let kind = match intent.declined {
        None => "payment_intent.succeeded",
        Some(_) => "payment_intent.payment_failed",
    };
    let made = event(kind, intent_json(&intent));
    record(sim, key, move |_| Decision {
        reply,
        change: Some(Change::Intent(intent)),
        event: Some(made),
    })
    .await
}

/// Keeps and sends an answer, off the async worker: it waits for an fsync. The event it made,
/// if any, goes to the outbox once it is on disk.
pub(super) async fn record(
    sim: Sim,
    key: String,
    decide: impl FnOnce(&Books) -> Decision + Send + 'static,
) -> HttpResponse {
    let sim = sim.into_inner();
    let outbox = sim.outbox.clone();
    match web::block(move || sim.ledger.answer(&key, decide)).await {
        Ok(Ok((reply, made))) => {
            if let Some(made) = made {
                outbox.push(made);
            }
            respond(reply)
        }
        _ => respond(error(
            500,
            "api_error",
            "ledger",
            "The simulator could not record the answer.",
        )),
    }
}

#[derive(serde::Deserialize)]
struct Search {
    query: String,
}

/// Finds intents by the shop's key: `query=metadata['shop_key']:'KEY'` (the only search form
/// the simulator reads).
async fn search_intents(req: HttpRequest, sim: Sim, search: web::Query<Search>) -> HttpResponse {
    if let Err(refused) = authorized(&req, &sim) {
        return respond(refused);
    }
    let Some(shop_key) = search
        .query
        .strip_prefix("metadata['shop_key']:'")
        .and_then(|rest| rest.strip_suffix('\''))
        .map(str::to_owned)
    else {
        return respond(error(
            400,
            "invalid_request_error",
            "search_query_unsupported",
            "The simulator searches only by metadata['shop_key']:'…'.",
        ));
    };
    let sim = sim.into_inner();
    match web::block(move || sim.ledger.intent_by_shop_key(&shop_key)).await {
        Ok(Ok(found)) => HttpResponse::Ok().json(json!({
            "object": "search_result",
            "data": found.iter().map(intent_json).collect::<Vec<_>>(),
            "has_more": false,
        })),
        _ => respond(error(
            500,
            "api_error",
            "ledger",
            "The simulator could not read its books.",
        )),
    }
}

/// Gives back part or all of a captured intent. A `charge` the demo seed recorded
/// (`ch_demo_…`) was never made here; its refunds succeed, as the seed's saved cards pay.
async fn create_refund(req: HttpRequest, sim: Sim, form: Form) -> HttpResponse {
    let (key, amount) = match checked_charge(&req, &sim, &form) {
        Ok(checked) => checked,
        Err(refused) => return respond(refused),
    };
    let of = form
        .get("payment_intent")
        .or_else(|| form.get("charge"))
        .cloned()
        .unwrap_or_default();
    let shop_key = form.get("metadata[shop_key]").cloned();
    record(sim, key, move |books| refund(books, &of, amount, shop_key)).await
}

fn refund(books: &Books, of: &str, amount: i64, shop_key: Option<String>) -> Decision {
    let refused = |reply| Decision {
        reply,
        change: None,
        event: None,
    };
    let seeded = of.starts_with("ch_demo_");
    match books.intent(of) {
        None if !seeded => {
            let message = format!("No such payment_intent: '{of}'");
            return refused(error(
                404,
                "invalid_request_error",
                "resource_missing",
                &message,
            ));
        }
        Some(intent) if intent.declined.is_some() => {
            return refused(error(
                400,
                "invalid_request_error",
                "charge_not_refundable",
                "This payment was not captured, so there is nothing to refund.",
            ));
        }
        Some(intent) if amount > intent.amount - intent.refunded => {
            return refused(error(
                400,
                "invalid_request_error",
                "amount_too_large",
                "The refund is more than is left of the payment.",
            ));
        }
        _ => {}
    }
    let reply = Reply {
        status: 200,
        body: json!({
            "id": format!("re_{}", crate::util::random_hex(12)),
            "object": "refund",
            "amount": amount,
            "payment_intent": of,
            "status": "succeeded",
            "metadata": { "shop_key": shop_key },
        }),
    };
    let made = event("refund.created", reply.body.clone());
    Decision {
        reply,
        change: Some(Change::Refund {
            intent: of.to_owned(),
            amount,
        }),
        event: Some(made),
    }
}

/// Sets up a refusal: the call made later under `idempotency_key` is answered 402 with
/// `message`, whatever it asks. For tests of what the shop does when the processor says no.
async fn prepare_refusal(req: HttpRequest, sim: Sim, form: Form) -> HttpResponse {
    if let Err(refused) = authorized(&req, &sim) {
        return respond(refused);
    }
    let key = field(&form, "idempotency_key").to_owned();
    if key.is_empty() {
        return respond(error(
            400,
            "invalid_request_error",
            "parameter_missing",
            "idempotency_key is required.",
        ));
    }
    let refusal = error(402, "card_error", "refused", field(&form, "message"));
    let answer = record(sim, key, move |_| Decision {
        reply: refusal,
        change: Some(Change::Refusal),
        event: None,
    })
    .await;
    match answer.status().as_u16() {
        402 => HttpResponse::Ok().json(json!({ "object": "refusal", "prepared": true })),
        _ => answer,
    }
}
