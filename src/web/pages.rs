//! Small response helpers for form flows: the 303 after a successful POST, and a page rendered
//! with a chosen status when a form is refused.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use askama::Template;

use super::error::{WebError, WebResult};

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Renders `page` with `status`: a refused form comes back with its message and a 4xx.
pub fn rerender(page: &impl Template, status: StatusCode) -> WebResult<HttpResponse> {
    let body = page
        .render()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
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

/// The status a refused form is answered with: 400 for input to correct, 409 for a state that
/// changed (stock, a voucher's uses), 404 for something not found.
pub fn refusal(error: &WebError) -> Option<(StatusCode, String)> {
    match error {
        WebError::BadRequest(message) => Some((StatusCode::BAD_REQUEST, message.clone())),
        WebError::Conflict(message) => Some((StatusCode::CONFLICT, message.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

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
}
