//! The card page the simulator hosts, as Stripe Checkout does in setup mode: the shop opens a
//! session (`POST /v1/checkout/sessions`) and sends the shopper to its `url`; the shopper types
//! the card there, and the page posts it here, never to the shop; the shopper is sent back to
//! the shop's `success_url`, in which `{CHECKOUT_SESSION_ID}` becomes the session's id; the shop
//! then reads the card's token, brand, last four digits and expiry from
//! `GET /v1/checkout/sessions/ID?expand[]=setup_intent.payment_method`.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde_json::{Value, json};

use super::api::{Form, Sim, authorized, error, field, idempotency_key, record, respond};
use super::card_details::CardDetails;
use super::cards::card_of;
use super::ledger::{Card, CardSession, Change, Decision, Reply};

/// What the shop's return address carries in place of the session's id, as in Stripe's.
const SESSION_ID_SLOT: &str = "{CHECKOUT_SESSION_ID}";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/v1/customers", web::post().to(new_customer))
        .route("/v1/checkout/sessions", web::post().to(open_session))
        .route("/v1/checkout/sessions/{id}", web::get().to(read_session))
        .route("/pay/{id}", web::get().to(card_page))
        .route("/pay/{id}", web::post().to(enter_card));
}

fn card_json(card: &Card, customer: Option<&str>) -> Value {
    json!({
        "id": card.token,
        "object": "payment_method",
        "type": "card",
        "customer": customer,
        "card": {
            "brand": card.brand,
            "last4": card.last4,
            "exp_month": card.exp_month,
            "exp_year": card.exp_year,
        },
    })
}

/// A session as Stripe describes one; its setup intent holds the card once one was entered,
/// written out whole when the caller asks for `setup_intent.payment_method` to be expanded.
fn session_json(session: &CardSession, expand: bool) -> Value {
    let setup_intent_id = format!("seti_{}", &session.id[3..]);
    let setup_intent = match (&session.card, expand) {
        (Some(card), true) => json!({
            "id": setup_intent_id,
            "object": "setup_intent",
            "status": "succeeded",
            "payment_method": card_json(card, session.customer.as_deref()),
        }),
        _ => json!(setup_intent_id),
    };
    json!({
        "id": session.id,
        "object": "checkout.session",
        "mode": "setup",
        "status": if session.card.is_some() { "complete" } else { "open" },
        "url": if session.card.is_some() { Value::Null } else { json!(session.url) },
        "success_url": session.success_url,
        "cancel_url": session.cancel_url,
        "client_reference_id": session.client_reference_id,
        "customer": session.customer,
        "setup_intent": setup_intent,
    })
}

/// The address the shopper's browser reaches the simulator at: the one the shop called it by.
fn own_origin(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn web_address(form: &Form, name: &str) -> Result<String, Reply> {
    let value = field(form, name);
    if value.starts_with("http://") || value.starts_with("https://") {
        return Ok(value.to_owned());
    }
    let message = format!("{name} must be an http or https address.");
    Err(error(400, "invalid_request_error", "url_invalid", &message))
}

async fn open_session(req: HttpRequest, sim: Sim, form: Form) -> HttpResponse {
    let checked = authorized(&req, &sim)
        .and_then(|()| idempotency_key(&req))
        .and_then(|key| {
            if field(&form, "mode") != "setup" {
                let message = "The simulator opens card pages in setup mode only.";
                return Err(error(
                    400,
                    "invalid_request_error",
                    "mode_unsupported",
                    message,
                ));
            }
            Ok((
                key,
                web_address(&form, "success_url")?,
                web_address(&form, "cancel_url")?,
            ))
        });
    let (key, success_url, cancel_url) = match checked {
        Ok(checked) => checked,
        Err(refused) => return respond(refused),
    };
    let id = format!("cs_test_{}", crate::util::random_hex(16));
    let session = CardSession {
        url: format!("{}/pay/{id}", own_origin(&req)),
        id,
        success_url,
        cancel_url,
        client_reference_id: form.get("client_reference_id").cloned(),
        customer: form.get("customer").cloned(),
        card: None,
    };
    let reply = Reply {
        status: 200,
        body: session_json(&session, false),
    };
    record(sim, key, move |_| Decision {
        reply,
        change: Some(Change::Session(Box::new(session))),
        event: None,
    })
    .await
}

/// A customer to attach cards to. The simulator keeps no customers: a card's behaviour is in
/// its token, so the id is all a later charge needs.
async fn new_customer(req: HttpRequest, sim: Sim, form: Form) -> HttpResponse {
    if let Err(refused) = authorized(&req, &sim) {
        return respond(refused);
    }
    HttpResponse::Ok().json(json!({
        "id": format!("cus_{}", crate::util::random_hex(12)),
        "object": "customer",
        "metadata": { "shop_user": form.get("metadata[shop_user]") },
    }))
}

fn no_such_session(id: &str) -> Reply {
    let message = format!("No such checkout.session: '{id}'");
    error(404, "invalid_request_error", "resource_missing", &message)
}

async fn read_session(req: HttpRequest, sim: Sim, id: web::Path<String>) -> HttpResponse {
    if let Err(refused) = authorized(&req, &sim) {
        return respond(refused);
    }
    let expand = req.query_string().contains("setup_intent.payment_method");
    let sim = sim.into_inner();
    let id = id.into_inner();
    let found = web::block(move || {
        sim.ledger
            .read(|books| books.session(&id).map(|s| session_json(s, expand)))
            .map(|found| found.ok_or_else(|| no_such_session(&id)))
    })
    .await;
    match found {
        Ok(Ok(Ok(session))) => HttpResponse::Ok().json(session),
        Ok(Ok(Err(missing))) => respond(missing),
        _ => respond(error(
            500,
            "api_error",
            "ledger",
            "The simulator could not read its books.",
        )),
    }
}

#[derive(Template)]
#[template(path = "payments_sim/card_page.html")]
struct CardPage<'a> {
    id: &'a str,
    cancel_url: &'a str,
    exp_month: &'a str,
    exp_year: &'a str,
    error: Option<String>,
}

fn page(status: StatusCode, page: &CardPage) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(_) => HttpResponse::InternalServerError().body("The card page could not be shown."),
    }
}

fn see_other(url: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .finish()
}

/// Where the shopper goes once the card is in: the shop's address, with the session's id.
fn back_to_shop(session: &CardSession) -> String {
    session.success_url.replace(SESSION_ID_SLOT, &session.id)
}

async fn session_of(sim: &Sim, id: String) -> Option<CardSession> {
    let sim = sim.clone().into_inner();
    let found = web::block(move || sim.ledger.read(|books| books.session(&id).cloned())).await;
    found.ok()?.ok()?
}

async fn card_page(sim: Sim, id: web::Path<String>) -> HttpResponse {
    match session_of(&sim, id.into_inner()).await {
        None => HttpResponse::NotFound().body("This card page does not exist, or has expired."),
        Some(session) if session.card.is_some() => see_other(&back_to_shop(&session)),
        Some(session) => page(
            StatusCode::OK,
            &CardPage {
                id: &session.id,
                cancel_url: &session.cancel_url,
                exp_month: "",
                exp_year: "",
                error: None,
            },
        ),
    }
}

/// Takes the card typed on the page. A card that cannot be used shows the page again with the
/// reason (the number is never written back into it); a good one is kept as a token and the
/// shopper sent back to the shop. A second submit of the page finds the card already there.
async fn enter_card(sim: Sim, id: web::Path<String>, form: Form) -> HttpResponse {
    let Some(session) = session_of(&sim, id.into_inner()).await else {
        return HttpResponse::NotFound().body("This card page does not exist, or has expired.");
    };
    if session.card.is_some() {
        return see_other(&back_to_shop(&session));
    }
    let details = CardDetails::typed(
        field(&form, "number").to_owned(),
        field(&form, "exp_month"),
        field(&form, "exp_year"),
        field(&form, "cvc"),
    );
    let card = match card_of(&details) {
        Ok(card) => card,
        Err(refused) => {
            return page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &CardPage {
                    id: &session.id,
                    cancel_url: &session.cancel_url,
                    exp_month: field(&form, "exp_month"),
                    exp_year: field(&form, "exp_year"),
                    error: Some(refused.0),
                },
            );
        }
    };
    let back = back_to_shop(&session);
    let reply = Reply {
        status: 303,
        body: json!({ "location": back }),
    };
    let answered = record(sim, format!("pay_{}", session.id), move |_| Decision {
        reply,
        change: Some(Change::CardEntered {
            session: session.id,
            card,
        }),
        event: None,
    })
    .await;
    match answered.status() {
        StatusCode::SEE_OTHER => see_other(&back),
        _ => answered,
    }
}
