//! The one CSRF defence every form route passes through: a signed double-submit token bound to
//! the session. A random seed lives in a SameSite cookie; forms carry HMAC(secret, seed, session
//! key), which a cross-site page can neither read nor forge, and which is worthless with any
//! other session cookie (a planted seed and token from another browser included). Anonymous
//! visitors need no server-side session: their tokens are bound to having none.
//!
//! `issue` runs for every request and hands out the token; `verify` guards the form routes only
//! (see `routing`), so a request to no form route is answered by routing (404 or 405), never 403.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, http::Method, web};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::WebError;
use crate::util::random_hex;

/// Name of the hidden form field (or query parameter, for multipart uploads) carrying the token.
pub const FIELD: &str = "csrf_token";
/// Header alternative, for the few requests sent by script.
pub const HEADER: &str = "x-csrf-token";

/// Signs seeds; the keys come from the server's secret.
#[derive(Clone)]
pub struct CsrfSigner {
    key: Arc<[u8]>,
    /// The session cookie's key, to read the session key the token is bound to.
    cookies: Key,
    secure: bool,
}

impl CsrfSigner {
    pub fn new(secret: &[u8], secure: bool) -> CsrfSigner {
        CsrfSigner {
            key: Arc::from(secret),
            cookies: Key::derive_from(secret),
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

    fn session_cookie_name(&self) -> &'static str {
        super::session_store::cookie_name(self.secure)
    }

    /// The session key inside a sealed session cookie value, if it opens with this secret.
    fn session_key(&self, sealed: &str) -> Option<String> {
        let name = self.session_cookie_name();
        let mut jar = CookieJar::new();
        jar.add_original(Cookie::new(name, sealed.to_owned()));
        jar.private(&self.cookies)
            .get(name)
            .map(|c| c.value().to_owned())
    }

    fn mac(&self, seed: &str, session: Option<&str>) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts any key length");
        mac.update(b"csrf:");
        mac.update(seed.as_bytes());
        // The seed is fixed-length hex, so the session part cannot be confused with it.
        match session {
            Some(key) => {
                mac.update(b":session:");
                mac.update(key.as_bytes());
            }
            None => mac.update(b":none"),
        }
        mac
    }

    /// The token forms must carry for a visitor whose cookies hold `seed` and the sealed session
    /// cookie `session_cookie` (none for a visitor without a session).
    pub fn token(&self, seed: &str, session_cookie: Option<&str>) -> String {
        let session = session_cookie.and_then(|sealed| self.session_key(sealed));
        hex::encode(self.mac(seed, session.as_deref()).finalize().into_bytes())
    }

    fn verify(&self, seed: &str, session_cookie: Option<&str>, token: &str) -> bool {
        let Ok(bytes) = hex::decode(token) else {
            return false;
        };
        let session = session_cookie.and_then(|sealed| self.session_key(sealed));
        self.mac(seed, session.as_deref())
            .verify_slice(&bytes)
            .is_ok()
    }
}

/// The token to put in this response's forms. Until the visitor has a session it depends on
/// the browser's seed cookie alone, so it also names a browser (see `web::cart`).
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

fn valid_seed(seed: &str) -> bool {
    seed.len() == 32 && seed.bytes().all(|b| b.is_ascii_hexdigit())
}

fn signer_of(req: &ServiceRequest) -> web::Data<CsrfSigner> {
    req.app_data::<web::Data<CsrfSigner>>()
        .expect("CsrfSigner is registered")
        .clone()
}

fn seed_of(req: &ServiceRequest, signer: &CsrfSigner) -> Option<String> {
    req.cookie(signer.cookie_name())
        .map(|c| c.value().to_owned())
        .filter(|s| valid_seed(s))
}

fn session_cookie_of(req: &ServiceRequest, signer: &CsrfSigner) -> Option<String> {
    req.cookie(signer.session_cookie_name())
        .map(|c| c.value().to_owned())
}

/// Middleware around the session middleware: hands every request the token its forms need, and
/// sets the seed cookie on a first visit. When this response starts, renews or ends the session,
/// the page's tokens (minted for the session the request came with) are replaced by the ones
/// for the session the browser will hold next.
pub async fn issue(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let signer = signer_of(&req);
    let existing = seed_of(&req, &signer);
    let fresh = existing.is_none();
    let seed = existing.unwrap_or_else(|| random_hex(16));
    let session_before = session_cookie_of(&req, &signer);
    let token = signer.token(&seed, session_before.as_deref());
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.call(req).await?.map_into_boxed_body();
    let session_after = response
        .response()
        .cookies()
        .find(|c| c.name() == signer.session_cookie_name())
        .map(|c| {
            let ended = c.value().is_empty() || c.max_age().is_some_and(|age| age.is_zero());
            (!ended).then(|| c.value().to_owned())
        });
    if let Some(after) = session_after {
        let renewed = signer.token(&seed, after.as_deref());
        if renewed != token {
            response = replace_token(response, &token, &renewed).await?;
        }
    }
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

/// The response with `old` replaced by `new` in its HTML; other bodies pass unchanged.
async fn replace_token(
    response: ServiceResponse<BoxBody>,
    old: &str,
    new: &str,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let is_html = response
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !is_html {
        return Ok(response);
    }
    let (req, res) = response.into_parts();
    let (res, body) = res.into_parts();
    let bytes = actix_web::body::to_bytes(body)
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    let html = String::from_utf8_lossy(&bytes).replace(old, new);
    Ok(ServiceResponse::new(req, res.set_body(BoxBody::new(html))))
}

/// Middleware on the form routes: a POST without a valid token for this visitor's seed and
/// session is refused (403, nothing changes). Other methods pass to routing, which refuses them.
pub async fn verify(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() == Method::POST {
        let signer = signer_of(&req);
        let seed = seed_of(&req, &signer);
        let session = session_cookie_of(&req, &signer);
        let verdict = match (submitted_token(&mut req).await, seed) {
            (Ok(Some(token)), Some(seed)) if signer.verify(&seed, session.as_deref(), &token) => {
                Ok(())
            }
            (Err(error), _) => Err(error),
            _ => Err(WebError::Csrf),
        };
        if let Err(error) = verdict {
            return Ok(req.error_response(error));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// The token from the header, the query string, or an urlencoded body (which is then put back
/// for the handler to read). `edge::check` has already read the body whole, within its limit.
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

    fn sealed(signer: &CsrfSigner, session_key: &str) -> String {
        let mut jar = CookieJar::new();
        jar.private_mut(&signer.cookies).add(Cookie::new(
            signer.session_cookie_name(),
            session_key.to_owned(),
        ));
        jar.get(signer.session_cookie_name())
            .expect("sealed")
            .value()
            .to_owned()
    }

    #[test]
    fn a_token_verifies_only_for_its_own_seed_session_and_key() {
        let signer = CsrfSigner::new(&[1; 64], false);
        let (a, b) = ("a".repeat(32), "b".repeat(32));
        let (mine, theirs) = (
            sealed(&signer, "session-one"),
            sealed(&signer, "session-two"),
        );
        let token = signer.token(&a, Some(&mine));
        assert!(signer.verify(&a, Some(&mine), &token));
        // The same session key sealed again (a new nonce) is the same session.
        assert!(signer.verify(&a, Some(&sealed(&signer, "session-one")), &token));
        assert!(!signer.verify(&a, Some(&theirs), &token));
        assert!(!signer.verify(&a, None, &token));
        assert!(!signer.verify(&b, Some(&mine), &token));
        assert!(!CsrfSigner::new(&[2; 64], false).verify(&a, Some(&mine), &token));
        assert!(!signer.verify(&a, Some(&mine), "not-hex"));
        let anonymous = signer.token(&a, None);
        assert!(signer.verify(&a, None, &anonymous));
        assert!(!signer.verify(&a, Some(&mine), &anonymous));
    }
}
