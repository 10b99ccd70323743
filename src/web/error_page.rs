//! Middleware that turns a `WebError` response into the error page, framed with the request's
//! own header (a signed-in shopper who meets a 404 still sees their name and cart), and keeps
//! routine redirects out of the error log.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::chrome::Chrome;
use super::error::WebError;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    status: u16,
    title: &'a str,
    message: String,
}

pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    let Some(error) = response.response().error() else {
        return Ok(response);
    };
    // A sign-in redirect is an extractor's error, but nothing went wrong: the request logger
    // must not report it as one.
    if response.status().is_redirection() {
        let (req, res) = response.into_parts();
        let plain: actix_web::dev::Response<BoxBody> = res.into();
        return Ok(ServiceResponse::new(req, HttpResponse::from(plain)));
    }
    let Some(web_error) = error.as_error::<WebError>() else {
        return Ok(response);
    };
    let page = ErrorPage {
        chrome: Chrome::of(response.request()),
        status: web_error.status_code().as_u16(),
        title: web_error.title(),
        message: web_error.to_string(),
    };
    let body = match page.render() {
        Ok(html) => html,
        Err(_) => return Ok(response),
    };
    Ok(response.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        head.headers
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        BoxBody::new(body)
    }))
}

/// Middleware around the session middleware: a session that cannot be read or written (its
/// store is the database) fails the request with a bare 500 there; here it becomes a 503 with
/// the "try again in a few seconds" message, as every other request meets while the database is
/// away, or with the "storage is full" one when a write just failed for a full disk (the
/// session store's error does not say why). (Plain text: without its session the visitor's
/// page frame cannot be drawn.) Refusals the inner layers raise themselves (`WebError`) pass
/// through as they are.
pub async fn session_store_down(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    next.call(req).await.map_err(|error| {
        if error.as_error::<WebError>().is_none()
            && error.as_response_error().status_code().is_server_error()
        {
            let detail = format!("the session store failed: {error}");
            match crate::db::storage_full_lately() {
                true => WebError::StorageFull(detail).into(),
                false => WebError::Unavailable(detail).into(),
            }
        } else {
            error
        }
    })
}
