//! Every failure a visitor can meet gets the right status and a clear message, here and nowhere
//! else; internals are logged, never shown. `error_page` wraps the message in the visitor's own
//! page frame.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::error::Error as ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("We could not find that page.")]
    NotFound,
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// A 403 that says why (a suspended seller at the seller panel).
    #[error("{0}")]
    Refused(String),
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    /// A form refused as a whole, before its page could show it again.
    #[error("{0}")]
    Unprocessable(String),
    #[error(
        "Your form has expired or did not come from this site. Please go back, reload the page and try again."
    )]
    Csrf,
    #[error("That request is too large.")]
    PayloadTooLarge,
    #[error("{0}")]
    Conflict(String),
    /// An edit refused because someone saved first; the forms that can show both versions
    /// answer it with their page (`edits`), any other with this message.
    #[error(
        "This was changed by someone else since you opened it. Nothing was saved; please reload \
         the page to see their change and make yours again."
    )]
    Stale,
    #[error("{0}")]
    TooManyRequests(String),
    #[error("The shop is very busy or briefly unavailable. Please try again in a few seconds.")]
    Unavailable(String),
    #[error(
        "The shop cannot save changes right now: its storage is full. Nothing was changed; you \
         can still look around. Please try again later."
    )]
    StorageFull(String),
    #[error("Please send the form as the page does.")]
    UnsupportedEncoding,
    #[error("Something went wrong on our side. Please try again in a moment.")]
    Internal(String),
}

impl From<ServiceError> for WebError {
    fn from(error: ServiceError) -> WebError {
        match error {
            ServiceError::NotFound => WebError::NotFound,
            ServiceError::Forbidden => WebError::Forbidden,
            ServiceError::Invalid(message) => WebError::BadRequest(message),
            ServiceError::Conflict(message) => WebError::Conflict(message),
            ServiceError::Stale => WebError::Stale,
            ServiceError::TooManyRequests(message) => WebError::TooManyRequests(message),
            ServiceError::Busy => WebError::Unavailable("password hashing is at capacity".into()),
            ServiceError::Db(
                e @ (crate::db::Error::Pool(_)
                | crate::db::Error::Connect(_)
                | crate::db::Error::Unreachable),
            ) => WebError::Unavailable(e.to_string()),
            ServiceError::Db(crate::db::Error::Query(e))
                if crate::db::is_connection_lost(&e) || crate::db::is_timeout(&e) =>
            {
                WebError::Unavailable(e.to_string())
            }
            ServiceError::Db(crate::db::Error::Query(e)) if crate::db::is_storage_full(&e) => {
                WebError::StorageFull(e.to_string())
            }
            ServiceError::Db(e) => WebError::Internal(e.to_string()),
            ServiceError::Internal(e) => WebError::Internal(e),
            e @ ServiceError::IllegalTransition { .. } => WebError::Internal(e.to_string()),
        }
    }
}

impl From<actix_session::SessionInsertError> for WebError {
    fn from(error: actix_session::SessionInsertError) -> WebError {
        WebError::Internal(error.to_string())
    }
}

impl From<actix_web::error::BlockingError> for WebError {
    fn from(error: actix_web::error::BlockingError) -> WebError {
        WebError::Internal(error.to_string())
    }
}

impl WebError {
    pub fn title(&self) -> &'static str {
        match self {
            WebError::NotFound => "Page not found",
            WebError::Forbidden | WebError::Csrf => "Not allowed",
            WebError::Refused(_) => "Not allowed",
            WebError::Unauthorized => "Please sign in",
            WebError::BadRequest(_) => "We could not use that request",
            WebError::Unprocessable(_) => "We could not use that form",
            WebError::PayloadTooLarge => "Request too large",
            WebError::Conflict(_) => "That did not work",
            WebError::Stale => "Changed by someone else",
            WebError::TooManyRequests(_) => "Too many attempts",
            WebError::Unavailable(_) => "Briefly unavailable",
            WebError::StorageFull(_) => "Changes cannot be saved right now",
            WebError::UnsupportedEncoding => "Unsupported request",
            WebError::Internal(_) => "Something went wrong",
        }
    }
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Refused(_) => StatusCode::FORBIDDEN,
            WebError::Unauthorized => StatusCode::SEE_OTHER,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Conflict(_) | WebError::Stale => StatusCode::CONFLICT,
            WebError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Unavailable(_) | WebError::StorageFull(_) => StatusCode::SERVICE_UNAVAILABLE,
            WebError::UnsupportedEncoding => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let WebError::Unauthorized = self {
            // A browser is sent to sign in; the page it wanted is where it returns afterwards.
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, "/account/login"))
                .finish();
        }
        match self {
            WebError::Internal(detail) => tracing::error!(%detail, "internal error"),
            WebError::Unavailable(detail) => tracing::warn!(%detail, "database unavailable"),
            WebError::StorageFull(detail) => {
                tracing::error!(%detail, "the database's disk is full")
            }
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if let WebError::Unavailable(_) = self {
            response.insert_header((actix_web::http::header::RETRY_AFTER, "5"));
        }
        response
            .content_type("text/plain; charset=utf-8")
            .body(self.to_string())
    }
}

pub type WebResult<T> = Result<T, WebError>;
