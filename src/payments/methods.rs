//! Saved payment methods: a shopper's gateway tokens with what they need to recognise each card.
//! Every query is scoped to the owner, so another user's id reads as "not found".

use diesel::prelude::*;

use super::CardToken;
use crate::accounts::lock_user;
use crate::db::schema::payment_methods;
use crate::db::{DbConn, models::PaymentMethod, write_tx};
use crate::error::{Error, Result};

/// The user's cards that are not deleted, the default first.
pub fn list(conn: &mut DbConn, user_id: i64) -> Result<Vec<PaymentMethod>> {
    Ok(payment_methods::table
        .filter(payment_methods::user_id.eq(user_id))
        .filter(payment_methods::deleted_at.is_null())
        .order((
            payment_methods::is_default.desc(),
            payment_methods::id.desc(),
        ))
        .select(PaymentMethod::as_select())
        .load(conn)?)
}

/// One of the user's live cards, or `NotFound` (also for another user's card).
pub fn owned(conn: &mut DbConn, user_id: i64, id: i64) -> Result<PaymentMethod> {
    Ok(payment_methods::table
        .filter(payment_methods::id.eq(id))
        .filter(payment_methods::user_id.eq(user_id))
        .filter(payment_methods::deleted_at.is_null())
        .select(PaymentMethod::as_select())
        .first(conn)?)
}

/// Saves a tokenized card; the user's first card becomes the default.
pub fn add(conn: &mut DbConn, user_id: i64, card: &CardToken) -> Result<i64> {
    write_tx(conn, |c| insert(c, user_id, card))
}

/// `add` for callers already inside a transaction (checkout saves a new card with the order).
/// A token the user already saved (a retry after a decline) is reused, not saved twice.
pub(crate) fn insert(conn: &mut DbConn, user_id: i64, card: &CardToken) -> Result<i64> {
    lock_user(conn, user_id)?;
    let saved: Option<i64> = payment_methods::table
        .filter(payment_methods::user_id.eq(user_id))
        .filter(payment_methods::gateway_token.eq(&card.token))
        .filter(payment_methods::deleted_at.is_null())
        .select(payment_methods::id)
        .first(conn)
        .optional()?;
    if let Some(id) = saved {
        return Ok(id);
    }
    let has_default: bool = diesel::select(diesel::dsl::exists(
        payment_methods::table
            .filter(payment_methods::user_id.eq(user_id))
            .filter(payment_methods::deleted_at.is_null())
            .filter(payment_methods::is_default.eq(true)),
    ))
    .get_result(conn)?;
    Ok(diesel::insert_into(payment_methods::table)
        .values((
            payment_methods::user_id.eq(user_id),
            payment_methods::gateway_token.eq(&card.token),
            payment_methods::brand.eq(&card.brand),
            payment_methods::last4.eq(&card.last4),
            payment_methods::exp_month.eq(card.exp_month),
            payment_methods::exp_year.eq(card.exp_year),
            payment_methods::is_default.eq(!has_default),
        ))
        .returning(payment_methods::id)
        .get_result(conn)?)
}

pub fn make_default(conn: &mut DbConn, user_id: i64, id: i64) -> Result<()> {
    write_tx(conn, |c| {
        lock_user(c, user_id)?;
        owned(c, user_id, id)?;
        // Clear first: the partial unique index allows one default per user at any moment.
        diesel::update(
            payment_methods::table
                .filter(payment_methods::user_id.eq(user_id))
                .filter(payment_methods::is_default.eq(true)),
        )
        .set(payment_methods::is_default.eq(false))
        .execute(c)?;
        diesel::update(payment_methods::table.find(id))
            .set(payment_methods::is_default.eq(true))
            .execute(c)?;
        Ok(())
    })
}

/// Removes a card from the list. The row stays (soft delete) because past orders point at it.
pub fn delete(conn: &mut DbConn, user_id: i64, id: i64) -> Result<()> {
    write_tx(conn, |c| {
        owned(c, user_id, id)?;
        let changed = diesel::update(
            payment_methods::table
                .filter(payment_methods::id.eq(id))
                .filter(payment_methods::user_id.eq(user_id)),
        )
        .set((
            payment_methods::deleted_at.eq(crate::util::now()),
            payment_methods::is_default.eq(false),
        ))
        .execute(c)?;
        if changed == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    })
}
