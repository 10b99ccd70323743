//! `POST /payments/webhook`: the card processor's events (`payments::webhook`). No session and
//! no CSRF token: the signature is the proof. The answer is 2xx only once the event is applied
//! and committed; anything else and the processor sends it again later.

use actix_web::{HttpRequest, HttpResponse, web};

use super::AppState;
use super::error::{WebError, WebResult};
use crate::checkout::PaymentSaga;
use crate::payments::webhook;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/payments/webhook").route(web::post().to(receive)));
}

async fn receive(
    state: web::Data<AppState>,
    saga: web::Data<PaymentSaga>,
    req: HttpRequest,
    body: web::Bytes,
) -> WebResult<HttpResponse> {
    let Some(secret) = &state.webhook_secret else {
        return Err(WebError::NotFound);
    };
    let signature = req
        .headers()
        .get("Stripe-Signature")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let now = chrono::Utc::now().timestamp();
    let delivery = webhook::verify(secret, signature, &body, now)
        .map_err(|refused| WebError::BadRequest(format!("Webhook refused: {refused}.")))?;
    web::block(move || saga.apply_event(&delivery)).await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"received":true}"#))
}
