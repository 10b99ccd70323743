//! `/admin/shipping` and `/admin/taxes`: shop settings, each a list, a "new" form and an edit
//! form showing what the setting does to a cart.

pub(super) mod shipping;
pub(super) mod taxes;

use actix_web::http::StatusCode;

use crate::db::DbConn;
use crate::edits::{self, Difference, EditForm};
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::error::{WebError, WebResult};
use crate::web::respond::{self, Refusal};

/// Why a settings form is shown again: its field messages, or a message for the whole form.
pub(super) struct Refused {
    pub errors: FieldErrors,
    pub message: Option<String>,
    pub status: StatusCode,
    /// Another admin saved the row since the form was opened (`edits`).
    pub stale: bool,
}

impl Refused {
    /// Nothing refused: a form as first shown.
    pub fn none() -> Refused {
        Refused {
            errors: FieldErrors::default(),
            message: None,
            status: StatusCode::OK,
            stale: false,
        }
    }

    pub fn fields(errors: FieldErrors) -> Refused {
        Refused {
            errors,
            status: respond::INVALID,
            ..Refused::none()
        }
    }

    /// When the form was refused as stale, what differs from the saved row; the typed form then
    /// carries the saved version (`edits::reconcile`).
    pub fn reconciled<F: EditForm>(
        &self,
        saved: Option<F>,
        typed: &mut F,
    ) -> Option<Vec<Difference>> {
        match saved {
            Some(saved) if self.stale => Some(edits::reconcile(&saved, typed)),
            _ => None,
        }
    }
}

/// A save's result as the form answers it: saved, or refused (fields are 422, a conflict 409);
/// anything else (a missing row, a database failure) stays an error page.
fn outcome<T>(result: WebResult<Result<T, FieldErrors>>) -> WebResult<Result<T, Refused>> {
    match result {
        Ok(Ok(value)) => Ok(Ok(value)),
        Ok(Err(errors)) => Ok(Err(Refused::fields(errors))),
        Err(WebError::Stale) => Ok(Err(Refused {
            status: StatusCode::CONFLICT,
            stale: true,
            ..Refused::none()
        })),
        Err(error) => {
            let Refusal { status, message } = Refusal::of(error)?;
            Ok(Err(Refused {
                errors: FieldErrors::default(),
                message: Some(message),
                status,
                stale: false,
            }))
        }
    }
}

/// Saves a settings form: a form its own parse refused never reaches the database; a parsed one
/// is saved by `work`; either way the answer is `outcome`'s.
pub(super) async fn save<I, T>(
    state: &AppState,
    parsed: Result<I, FieldErrors>,
    work: impl FnOnce(&mut DbConn, I) -> crate::error::Result<Result<T, FieldErrors>> + Send + 'static,
) -> WebResult<Result<T, Refused>>
where
    I: Send + 'static,
    T: Send + 'static,
{
    let result = match parsed {
        Ok(input) => state.db(move |conn| work(conn, input)).await,
        Err(errors) => Ok(Err(errors)),
    };
    outcome(result)
}
