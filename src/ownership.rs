//! The one ownership rule for every route that touches a user's object: another user's object
//! is answered exactly like a missing one (404), so ids are never confirmed to outsiders.

use crate::db::models::{Address, PaymentMethod};
use crate::error::{Error, Result};

/// A row that belongs to one user.
pub trait Owned {
    fn owner_id(&self) -> i64;
}

/// The row, if it exists and belongs to `user_id`; otherwise `Error::NotFound`.
pub fn owned_by<T: Owned>(row: Option<T>, user_id: i64) -> Result<T> {
    row.filter(|r| r.owner_id() == user_id)
        .ok_or(Error::NotFound)
}

impl Owned for Address {
    fn owner_id(&self) -> i64 {
        self.user_id
    }
}

impl Owned for PaymentMethod {
    fn owner_id(&self) -> i64 {
        self.user_id
    }
}
