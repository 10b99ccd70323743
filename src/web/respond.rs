//! The three ways a handler answers: a page, a refused form (its page again with the message
//! and one status per kind of refusal), and a finished form (a flash, then 303 to the next page).

use std::future::Future;

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

use super::error::{WebError, WebResult};
use super::frame_cookie::{FlashKind, FrameCookie};

/// Renders `page` with 200.
pub fn page(page: &impl Template) -> WebResult<HttpResponse> {
    page_with(page, StatusCode::OK)
}

/// Renders `page` with `status`. Every page carries the visitor's CSRF token and header (name,
/// cart), so no cache may keep one.
pub fn page_with(page: &impl Template, status: StatusCode) -> WebResult<HttpResponse> {
    let body = page
        .render()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

/// Why a form was not accepted, as its page shows it again.
#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

impl Refusal {
    /// Input to correct is 422 on every form; a state that changed (stock, a voucher's uses)
    /// 409; too many attempts 429. Anything else is not a refusal but an error page.
    pub fn of(error: WebError) -> Result<Refusal, WebError> {
        let (status, message) = match error {
            WebError::BadRequest(m) => (StatusCode::UNPROCESSABLE_ENTITY, m),
            WebError::Conflict(m) => (StatusCode::CONFLICT, m),
            WebError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, m),
            other => return Err(other),
        };
        Ok(Refusal { status, message })
    }
}

/// The status of a form refused for its fields (`FieldErrors`): the same as any input to
/// correct.
pub const INVALID: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// Answers a form: `done` when the service accepted it, else its page again, built by `again`
/// with the refusal's message and answered with the refusal's status.
pub async fn settle<T, P, F>(
    result: WebResult<T>,
    done: impl FnOnce(T) -> WebResult<HttpResponse>,
    again: impl FnOnce(String) -> F,
) -> WebResult<HttpResponse>
where
    P: Template,
    F: Future<Output = WebResult<P>>,
{
    match result {
        Ok(value) => done(value),
        Err(error) => {
            let refusal = Refusal::of(error)?;
            page_with(&again(refusal.message).await?, refusal.status)
        }
    }
}

/// A finished form: a success flash for the next page, and 303 to it.
pub fn done(frame: &FrameCookie, message: impl Into<String>, to: &str) -> HttpResponse {
    notice(frame, FlashKind::Success, message, to)
}

/// 303 to `to` with a flash of `kind`.
pub fn notice(
    frame: &FrameCookie,
    kind: FlashKind,
    message: impl Into<String>,
    to: &str,
) -> HttpResponse {
    frame.flash(kind, message);
    see_other(to)
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// A return path from a form's `next` field: only a path on this site (`/x`), never `//host`,
/// `/\\host` or a full URL, so no form can be used to send shoppers elsewhere.
pub fn local_path(raw: &str) -> Option<String> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/\\")
        && raw.len() <= 2000
        && !raw.chars().any(|c| c.is_control() || c == '\\');
    ok.then(|| raw.to_owned())
}

/// The address of the next keyset page of `path`: the filters that are filled in, then
/// `after`, the cursor the page ended on.
pub fn next_page(path: &str, filters: &[(&str, &String)], after: i64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in filters {
        if !value.trim().is_empty() {
            query.append_pair(name, value.trim());
        }
    }
    query.append_pair("after", &after.to_string());
    format!("{path}?{}", query.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_return_targets() {
        assert_eq!(
            local_path("/orders?page=2").as_deref(),
            Some("/orders?page=2")
        );
        for bad in [
            "//evil.com",
            "/\\evil.com",
            "https://evil.com",
            "evil",
            "/a\r\nb",
            "/a\\b",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_kind_of_refusal_has_one_status() {
        let status = |e| Refusal::of(e).map(|r| r.status.as_u16()).ok();
        assert_eq!(status(WebError::BadRequest("x".into())), Some(422));
        assert_eq!(status(WebError::Conflict("x".into())), Some(409));
        assert_eq!(status(WebError::TooManyRequests("x".into())), Some(429));
        assert_eq!(status(WebError::NotFound), None);
        assert_eq!(status(WebError::Forbidden), None);
    }
}
