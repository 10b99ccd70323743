//! Brute-force brakes kept in `login_attempts`, so every app node sees the same counts.
//!
//! A sign-in is refused before its password is checked when, within the last
//! `WINDOW_MINUTES`, the account has `MAX_FAILURES_PER_ACCOUNT` failures or the client address
//! has `MAX_FAILURES_PER_CLIENT` (credential stuffing across many accounts). That caps guesses
//! at 40 an hour per account, under ASVS 2.2.1's 100. Registrations are capped per address.
//!
//! Counting and checking are one step: `begin_login` counts and, when the attempt may go ahead,
//! records it as a failure in the same transaction, while holding the account's and the
//! address's turn (PostgreSQL advisory locks, always taken account first; on SQLite the writers
//! already take turns in `db::write_tx`). Parallel attempts therefore see each other, and no more
//! passwords are checked than the limit. A right password takes its attempt back.

use chrono::Duration;
use diesel::prelude::*;
use sha2::Digest;

use crate::db::schema::login_attempts;
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};

pub use crate::db::types::LoginPurpose;
use crate::util::now;

pub const WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 10;
pub const MAX_FAILURES_PER_CLIENT: i64 = 50;
pub const MAX_REGISTRATIONS_PER_CLIENT_PER_HOUR: i64 = 10;
/// Attempts older than this no longer count for anything and are deleted.
const KEEP_HOURS: i64 = 24;

/// A password check the throttle let through, counted as a failure until `take_back`.
#[must_use = "a right password must take its attempt back"]
pub struct Attempt {
    id: i64,
}

/// Err(TooManyRequests) when this account or address must wait before trying to sign in again;
/// otherwise the attempt, already counted.
pub fn begin_login(conn: &mut DbConn, email: &str, client_ip: &str) -> Result<Attempt> {
    write_tx(conn, |conn| {
        take_turn(conn, &format!("login-account:{email}"))?;
        take_turn(conn, &format!("login-client:{client_ip}"))?;
        check_login(conn, email, client_ip)?;
        let id = diesel::insert_into(login_attempts::table)
            .values((
                login_attempts::purpose.eq(LoginPurpose::Login),
                login_attempts::email.eq(email),
                login_attempts::client_ip.eq(client_ip),
                login_attempts::succeeded.eq(false),
                login_attempts::created_at.eq(now()),
            ))
            .returning(login_attempts::id)
            .get_result(conn)?;
        Ok(Attempt { id })
    })
}

/// The password or code was right, or was never checked: the attempt is no failure.
pub fn take_back(conn: &mut DbConn, attempt: Attempt) -> Result<()> {
    diesel::delete(login_attempts::table.find(attempt.id)).execute(conn)?;
    Ok(())
}

/// Waits for, then holds until the transaction ends, the turn named `key` (PostgreSQL only).
fn take_turn(conn: &mut DbConn, key: &str) -> Result<()> {
    if let DbConn::Postgres(pg) = conn {
        let digest = sha2::Sha256::digest(key.as_bytes());
        let lock_id = i64::from_be_bytes(digest[..8].try_into().expect("eight bytes"));
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(lock_id)
            .execute(pg)?;
    }
    Ok(())
}

fn check_login(conn: &mut DbConn, email: &str, client_ip: &str) -> Result<()> {
    let since = now() - Duration::minutes(WINDOW_MINUTES);
    let failures = login_attempts::table
        .filter(login_attempts::purpose.eq(LoginPurpose::Login))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.gt(since));
    let for_account: i64 = failures
        .filter(login_attempts::email.eq(email))
        .count()
        .get_result(conn)?;
    let for_client: i64 = failures
        .filter(login_attempts::client_ip.eq(client_ip))
        .count()
        .get_result(conn)?;
    if for_account >= MAX_FAILURES_PER_ACCOUNT || for_client >= MAX_FAILURES_PER_CLIENT {
        return Err(Error::TooManyRequests(format!(
            "Too many failed sign-in attempts. For your security, please wait {WINDOW_MINUTES} \
             minutes before trying again."
        )));
    }
    Ok(())
}

/// Records a finished sign-in, which also carries the clean-up of expired attempts (successful
/// sign-ins are rare enough for that).
pub fn record_sign_in(conn: &mut DbConn, email: &str, client_ip: &str) -> Result<()> {
    record(conn, LoginPurpose::Login, email, client_ip, true)?;
    diesel::delete(
        login_attempts::table
            .filter(login_attempts::created_at.lt(now() - Duration::hours(KEEP_HOURS))),
    )
    .execute(conn)?;
    Ok(())
}

/// Err(TooManyRequests) when this address has registered too often in the last hour.
pub fn check_registration(conn: &mut DbConn, client_ip: &str) -> Result<()> {
    let recent: i64 = login_attempts::table
        .filter(login_attempts::purpose.eq(LoginPurpose::Register))
        .filter(login_attempts::client_ip.eq(client_ip))
        .filter(login_attempts::created_at.gt(now() - Duration::hours(1)))
        .count()
        .get_result(conn)?;
    if recent >= MAX_REGISTRATIONS_PER_CLIENT_PER_HOUR {
        return Err(Error::TooManyRequests(
            "Too many accounts were created from your network in the last hour. Please try again later."
                .into(),
        ));
    }
    Ok(())
}

pub fn record_registration(conn: &mut DbConn, email: &str, client_ip: &str) -> Result<()> {
    record(conn, LoginPurpose::Register, email, client_ip, true)
}

fn record(
    conn: &mut DbConn,
    purpose: LoginPurpose,
    email: &str,
    client_ip: &str,
    succeeded: bool,
) -> Result<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::purpose.eq(purpose),
            login_attempts::email.eq(email),
            login_attempts::client_ip.eq(client_ip),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
