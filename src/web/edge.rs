//! What every request must satisfy before any handler (or query) sees it: its body arrives
//! within a deadline and within the size limit, and no path segment, query value or form field
//! holds a control character (PostgreSQL refuses NUL in text; nothing in the shop means one).

use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};

use super::error::WebError;

/// Largest body any route reads: forms are far smaller; this bounds what one request can make
/// the server hold.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Largest multipart body (an upload form): an 8 MB image (`images::process::MAX_UPLOAD_BYTES`,
/// which the upload handler enforces on the file itself) with its other fields and boundaries.
pub const MAX_UPLOAD_BODY_BYTES: usize = crate::images::process::MAX_UPLOAD_BYTES + 64 * 1024;

/// A seller's CSV import may be larger than an image: its handler refuses a file over 20 MB with
/// a message on the import page, so this only stops bodies far past that.
const IMPORT_PATH: &str = "/seller/imports";
const MAX_IMPORT_BODY_BYTES: usize = 21 * 1024 * 1024;

/// How long a request's body may take to arrive once its head has.
#[derive(Clone, Copy, Debug)]
pub struct BodyDeadline(pub Duration);

pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if percent_decoded(req.path()).chars().any(char::is_control) {
        return Ok(req.error_response(WebError::NotFound));
    }
    if form_has_control(req.query_string().as_bytes()).is_some() {
        return Ok(req.error_response(WebError::BadRequest(
            "The address holds characters we cannot accept.".into(),
        )));
    }
    if announces_body(&req) {
        let deadline = req
            .app_data::<web::Data<BodyDeadline>>()
            .map_or(Duration::from_secs(10), |d| d.0);
        let body = match actix_web::rt::time::timeout(deadline, read_body(&mut req)).await {
            Err(_) => return Ok(req.into_response(too_slow())),
            Ok(Err(error)) => return Ok(req.error_response(error)),
            Ok(Ok(body)) => body,
        };
        if req.content_type() == "application/x-www-form-urlencoded"
            && let Some(field) = form_has_control(&body)
        {
            return Ok(req.error_response(WebError::Unprocessable(format!(
                "{} contains characters we cannot accept.",
                label_of(&field)
            ))));
        }
        req.set_payload(Payload::from(body));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn announces_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// The most body this request may send: an upload form may carry a file.
fn body_limit(req: &ServiceRequest) -> usize {
    match (req.content_type(), req.path()) {
        ("multipart/form-data", IMPORT_PATH) => MAX_IMPORT_BODY_BYTES,
        ("multipart/form-data", _) => MAX_UPLOAD_BODY_BYTES,
        _ => MAX_BODY_BYTES,
    }
}

/// The whole body, refused with 413 as soon as it passes the limit.
async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, WebError> {
    use futures_util::StreamExt;
    let limit = body_limit(req);
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .is_some_and(|length| length > limit);
    if too_large {
        return Err(WebError::PayloadTooLarge);
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            PayloadError::Overflow => WebError::PayloadTooLarge,
            other => WebError::BadRequest(format!("The request could not be read ({other}).")),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(WebError::PayloadTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// 408, and the connection closes: a client this slow gets no second request on it.
fn too_slow() -> HttpResponse {
    HttpResponse::RequestTimeout()
        .force_close()
        .content_type("text/plain; charset=utf-8")
        .body("The request took too long to arrive.")
}

fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                i += 3;
            }
            None => {
                decoded.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// A control character other than the line breaks and tabs a text area may hold.
fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\r' | '\n' | '\t'))
}

/// The name of the first field holding a control character.
fn form_has_control(urlencoded: &[u8]) -> Option<String> {
    form_urlencoded::parse(urlencoded)
        .find(|(k, v)| has_control(k) || has_control(v))
        .map(|(k, _)| k.chars().filter(|c| !c.is_control()).take(40).collect())
}

/// A field's name as its form labels it: `first_name` is "First name".
fn label_of(field: &str) -> String {
    let words = field.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "A field".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_found_after_decoding() {
        assert_eq!(percent_decoded("/p/a%00b/review"), "/p/a\0b/review");
        assert_eq!(percent_decoded("/p/caf%C3%A9+noir%2"), "/p/café+noir%2");
        assert!(
            percent_decoded("/orders/%0a&x")
                .chars()
                .any(char::is_control)
        );
        assert_eq!(form_has_control(b"x=1&code=A%00B").as_deref(), Some("code"));
        assert_eq!(form_has_control(b"a%00=1").as_deref(), Some("a"));
        assert_eq!(form_has_control(b"body=line+one%0D%0Aline+two%09tab"), None);
        assert_eq!(form_has_control(b"q=widget&page=2"), None);
        assert_eq!(label_of("first_name"), "First name");
    }
}
