//! `/admin/shipping` and `/admin/taxes`: shop settings, each a list, a "new" form and an edit
//! form showing what the setting does to a cart.

pub(super) mod shipping;
pub(super) mod taxes;

use actix_web::http::StatusCode;

use crate::db::DbConn;
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::error::WebResult;
use crate::web::respond::{self, Refusal};

/// Why a settings form is shown again: its field messages, or a message for the whole form.
pub(super) struct Refused {
    pub errors: FieldErrors,
    pub message: Option<String>,
    pub status: StatusCode,
}

impl Refused {
    pub fn fields(errors: FieldErrors) -> Refused {
        Refused {
            errors,
            message: None,
            status: respond::INVALID,
        }
    }
}

/// A save's result as the form answers it: saved, or refused (fields are 422, a conflict 409);
/// anything else (a missing row, a database failure) stays an error page.
fn outcome<T>(result: WebResult<Result<T, FieldErrors>>) -> WebResult<Result<T, Refused>> {
    match result {
        Ok(Ok(value)) => Ok(Ok(value)),
        Ok(Err(errors)) => Ok(Err(Refused::fields(errors))),
        Err(error) => {
            let Refusal { status, message } = Refusal::of(error)?;
            Ok(Err(Refused {
                errors: FieldErrors::default(),
                message: Some(message),
                status,
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
