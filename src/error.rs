//! The service layer's one error type. Services return it; `web::error` turns it into a page
//! with the right status. Messages in `Invalid` and `Conflict` are written for the shopper.

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// Someone saved the record since the form was opened (`edits`): nothing was written.
    #[error("changed by someone else since the form was opened")]
    Stale,
    #[error("{0}")]
    TooManyRequests(String),
    /// Too much of some bounded work (password hashing) is running; try again in a moment.
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Db(#[from] crate::db::Error),
    #[error("{0}")]
    Internal(String),
    /// A caller asked for an order move the transition table does not allow: a bug, not input.
    #[error("an order cannot move from {from} to {to}")]
    IllegalTransition {
        from: crate::db::types::OrderStatus,
        to: crate::db::types::OrderStatus,
    },
}

impl From<diesel::result::Error> for Error {
    fn from(error: diesel::result::Error) -> Error {
        match error {
            diesel::result::Error::NotFound => Error::NotFound,
            other => Error::Db(other.into()),
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(error: r2d2::Error) -> Error {
        Error::Db(crate::db::Error::Pool(error))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
