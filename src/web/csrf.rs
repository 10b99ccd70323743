//! The one CSRF defence every state-changing request passes through: a signed double-submit
//! token. A random seed lives in a SameSite cookie; forms carry HMAC(secret, seed), which a
//! cross-site page can neither read nor forge. Anonymous visitors need no server-side session.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, ResponseError, http::Method, web};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::WebError;
use crate::util::random_hex;

/// Name of the hidden form field (or query parameter, for multipart uploads) carrying the token.
pub const FIELD: &str = "csrf_token";
/// Header alternative, for the few requests sent by script.
pub const HEADER: &str = "x-csrf-token";
/// Largest urlencoded body inspected for the token; larger forms are refused.
const MAX_FORM_BYTES: usize = 256 * 1024;

/// Signs seeds; the key comes from the server's secret.
#[derive(Clone)]
pub struct CsrfSigner {
    key: Arc<[u8]>,
    secure: bool,
}

impl CsrfSigner {
    pub fn new(secret: &[u8], secure: bool) -> CsrfSigner {
        CsrfSigner {
            key: Arc::from(secret),
            secure,
        }
    }

    fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-sw_csrf"
        } else {
            "sw_csrf"
        }
    }

    /// The token forms must carry for a visitor whose cookie holds `seed`.
    pub fn token_for(&self, seed: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(b"csrf:");
        mac.update(seed.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn verify(&self, seed: &str, token: &str) -> bool {
        let Ok(bytes) = hex::decode(token) else {
            return false;
        };
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(b"csrf:");
        mac.update(seed.as_bytes());
        mac.verify_slice(&bytes).is_ok()
    }
}

/// The token to put in this response's forms; every page that renders a form takes it.
#[derive(Clone, Debug, Default)]
pub struct CsrfToken(pub String);

impl FromRequest for CsrfToken {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<CsrfToken, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(req
            .extensions()
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or_default()))
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn valid_seed(seed: &str) -> bool {
    seed.len() == 32 && seed.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Middleware: refuses unsafe requests without a valid token (403, nothing changes), and hands
/// every request the token its forms need. A refusal is a response, not an error, so the outer
/// middleware (security headers, logging) still sees it.
pub async fn protect(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let signer = req
        .app_data::<web::Data<CsrfSigner>>()
        .expect("CsrfSigner is registered")
        .clone();
    let existing = req
        .cookie(signer.cookie_name())
        .map(|c| c.value().to_owned())
        .filter(|s| valid_seed(s));
    let fresh = existing.is_none();
    let seed = existing.unwrap_or_else(|| random_hex(16));

    if !is_safe(req.method()) {
        let verdict = match submitted_token(&mut req).await {
            Ok(Some(token)) if !fresh && signer.verify(&seed, &token) => Ok(()),
            Ok(_) => Err(WebError::Csrf),
            Err(error) => Err(error),
        };
        if let Err(error) = verdict {
            return Ok(req.into_response(error.error_response()));
        }
    }
    req.extensions_mut()
        .insert(CsrfToken(signer.token_for(&seed)));
    let mut response = next.call(req).await?.map_into_boxed_body();
    if fresh {
        let cookie = Cookie::build(signer.cookie_name(), seed)
            .path("/")
            .http_only(true)
            .secure(signer.secure)
            .same_site(SameSite::Lax)
            .finish();
        response.response_mut().add_cookie(&cookie)?;
    }
    Ok(response)
}

/// The token from the header, the query string, or an urlencoded body (which is then put back
/// for the handler to read).
async fn submitted_token(req: &mut ServiceRequest) -> Result<Option<String>, WebError> {
    if let Some(value) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return Ok(Some(value.to_owned()));
    }
    if let Some(token) = field_of(req.query_string().as_bytes()) {
        return Ok(Some(token));
    }
    if req.content_type() != "application/x-www-form-urlencoded" {
        return Ok(None);
    }
    let body = req
        .extract::<web::Bytes>()
        .await
        .map_err(|_| WebError::BadRequest("The form could not be read.".into()))?;
    if body.len() > MAX_FORM_BYTES {
        return Err(WebError::PayloadTooLarge);
    }
    let token = field_of(&body);
    req.set_payload(Payload::from(body));
    Ok(token)
}

fn field_of(urlencoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(urlencoded)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_own_seed_and_key() {
        let signer = CsrfSigner::new(b"secret-one", false);
        let token = signer.token_for("a".repeat(32).as_str());
        assert!(signer.verify(&"a".repeat(32), &token));
        assert!(!signer.verify(&"b".repeat(32), &token));
        assert!(!CsrfSigner::new(b"secret-two", false).verify(&"a".repeat(32), &token));
        assert!(!signer.verify(&"a".repeat(32), "not-hex"));
    }
}
