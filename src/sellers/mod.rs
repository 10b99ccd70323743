//! The seller panel's services: the dashboard and the seller's own listings. Every
//! function starts from the signed-in user and finds their seller profile itself, so a caller
//! cannot act for another seller by passing the wrong id.

pub mod apply;
pub mod bulk;
pub mod dashboard;
mod fields;
pub mod products;

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::models::{Product, Seller};
use crate::db::schema::sellers;
use crate::error::{Error, Result};
use crate::forms::FieldErrors;
use crate::ownership::Owned;

pub use crate::db::types::{PayoutStatus, SellerStatus};

/// What a write returns when the database turned up a problem the seller can fix on the form
/// (a SKU already taken, more stock removed than there is), tied to the field to fix.
pub type Checked<T> = std::result::Result<T, FieldErrors>;

/// A product's owner, for the ownership rule, is the seller who lists it.
impl Owned for Product {
    fn owner_id(&self) -> i64 {
        self.seller_id
    }
}

/// The seller profile of a signed-in user. A user with the seller role but no profile yet
/// has nothing to manage.
pub fn profile_of(conn: &mut DbConn, user_id: i64) -> Result<Seller> {
    sellers::table
        .filter(sellers::user_id.eq(user_id))
        .select(Seller::as_select())
        .first(conn)
        .optional()?
        .ok_or(Error::Forbidden)
}

/// Whether the user's shop is suspended: the seller panel is then closed to them (they can
/// still shop), until an administrator reactivates it (`admin::sellers::reactivate`).
pub fn is_suspended(conn: &mut DbConn, user_id: i64) -> Result<bool> {
    let status: Option<SellerStatus> = sellers::table
        .filter(sellers::user_id.eq(user_id))
        .select(sellers::status)
        .first(conn)
        .optional()?;
    Ok(status == Some(SellerStatus::Suspended))
}

/// The profile of a seller allowed to change listings: a pending or suspended seller may look
/// but not change anything. Called inside the change's transaction; it waits for a suspension
/// of the same seller in flight (`admin::sellers::suspend` holds this turn), so no listing is put
/// on sale behind a suspension's back.
fn active_profile_of(conn: &mut DbConn, user_id: i64) -> Result<Seller> {
    let found = profile_of(conn, user_id)?;
    crate::db::take_turn(conn, &format!("seller:{}", found.id))?;
    let seller = profile_of(conn, user_id)?;
    if seller.status != SellerStatus::Active {
        return Err(Error::Invalid(format!(
            "Your seller account is {}, so listings cannot be changed. Please contact us.",
            seller.status
        )));
    }
    Ok(seller)
}
