//! Two-factor sign-in with time-based one-time codes (RFC 6238: HMAC-SHA1, 6 digits, 30 s
//! steps, one step of clock drift) and single-use recovery codes.
//!
//! Enrolment is two steps: `start_enrolment` stores a fresh secret (not yet in force) and the
//! shopper adds it to an authenticator app; `confirm_enrolment` switches it on once a code
//! from the app proves the secret was copied right. Each accepted time step is remembered, so
//! a code cannot be replayed. Recovery codes are random, shown once and stored as SHA-256
//! digests (60 random bits each, usable once, and only after the password).

use diesel::prelude::*;
use totp_rs::{Builder, Secret, Totp};

use super::sealed::Sealer;
use super::{login, throttle};
use crate::db::models::User;
use crate::db::schema::{user_recovery_codes, users};
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::util::{now, sha256_hex};

pub const ISSUER: &str = "ShopWave";
pub const RECOVERY_CODE_COUNT: usize = 10;
const SECRET_BYTES: usize = 20;
/// Recovery codes use letters and digits that cannot be mistaken for one another.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_CODE_CHARS: usize = 12;

/// What the enrolment page shows: the secret to type in, and the otpauth URI to paste.
pub struct Enrolment {
    pub secret: String,
    pub uri: String,
}

/// Where a user stands with two-factor sign-in.
pub enum TwoFactorState {
    Off,
    /// A secret was issued but not yet confirmed with a code.
    Pending(Enrolment),
    On {
        recovery_codes_left: i64,
    },
}

fn totp_for(secret_base32: &str, email: &str) -> Result<Totp> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|e| Error::Internal(format!("stored TOTP secret is not base32: {e}")))?;
    Builder::new()
        .with_secret(secret)
        .with_account_name(email)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| Error::Internal(format!("TOTP parameters: {e}")))
}

fn enrolment(secret_base32: &str, email: &str) -> Result<Enrolment> {
    let uri = totp_for(secret_base32, email)?
        .to_url()
        .map_err(|e| Error::Internal(format!("otpauth URI: {e}")))?;
    Ok(Enrolment {
        secret: secret_base32.to_owned(),
        uri,
    })
}

pub fn state(conn: &mut DbConn, sealer: &Sealer, user_id: i64) -> Result<TwoFactorState> {
    let user = super::profile::user(conn, user_id)?;
    match (&user.totp_secret, user.totp_enabled) {
        (Some(_), true) => Ok(TwoFactorState::On {
            recovery_codes_left: user_recovery_codes::table
                .filter(user_recovery_codes::user_id.eq(user_id))
                .filter(user_recovery_codes::used_at.is_null())
                .count()
                .get_result(conn)?,
        }),
        (Some(sealed), false) => Ok(TwoFactorState::Pending(enrolment(
            &sealer.open(user_id, sealed)?,
            &user.email,
        )?)),
        (None, _) => Ok(TwoFactorState::Off),
    }
}

/// Issues a new secret (replacing any unconfirmed one), stored sealed; Err(Conflict) when
/// already on.
pub fn start_enrolment(conn: &mut DbConn, sealer: &Sealer, user_id: i64) -> Result<()> {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let secret = Secret::from(bytes).to_base32();
    let changed = diesel::update(
        users::table
            .find(user_id)
            .filter(users::totp_enabled.eq(false)),
    )
    .set((
        users::totp_secret.eq(sealer.seal(user_id, &secret)),
        users::totp_last_step.eq(None::<i64>),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(Error::Conflict("Two-factor sign-in is already on.".into()));
    }
    Ok(())
}

/// Switches two-factor sign-in on when `code` matches the pending secret, and returns the
/// recovery codes, in clear for this one time.
pub fn confirm_enrolment(
    conn: &mut DbConn,
    sealer: &Sealer,
    user_id: i64,
    code: &str,
) -> Result<Vec<String>> {
    db::write_tx(conn, |conn| {
        let user = super::profile::user(conn, user_id)?;
        let secret = match (&user.totp_secret, user.totp_enabled) {
            (Some(sealed), false) => sealer.open(user_id, sealed)?,
            (_, true) => return Err(Error::Conflict("Two-factor sign-in is already on.".into())),
            (None, false) => return Err(Error::Invalid("Please start the set-up again.".into())),
        };
        accept_code(conn, &user, &secret, code)?;
        diesel::update(users::table.find(user_id))
            .set((users::totp_enabled.eq(true), users::updated_at.eq(now())))
            .execute(conn)?;
        replace_recovery_codes(conn, user_id)
    })
}

/// Switches two-factor sign-in off after checking the password (a wrong one counts as a failed
/// sign-in); the recovery codes go with it.
pub fn disable(conn: &mut DbConn, user_id: i64, password: &str, client_ip: &str) -> Result<()> {
    let user = super::profile::user(conn, user_id)?;
    let attempt = throttle::begin_login(conn, &user.email, client_ip)?;
    match super::password::bounded(|| super::password::verify(&user.password_hash, password)) {
        Ok(true) => throttle::take_back(conn, attempt)?,
        Ok(false) => return Err(Error::Invalid("Your password is not correct.".into())),
        Err(busy) => {
            throttle::take_back(conn, attempt)?;
            return Err(busy);
        }
    }
    db::write_tx(conn, |conn| {
        diesel::update(users::table.find(user_id))
            .set((
                users::totp_enabled.eq(false),
                users::totp_secret.eq(None::<String>),
                users::totp_last_step.eq(None::<i64>),
                users::updated_at.eq(now()),
            ))
            .execute(conn)?;
        diesel::delete(user_recovery_codes::table.filter(user_recovery_codes::user_id.eq(user_id)))
            .execute(conn)?;
        Ok(())
    })
}

/// The second sign-in step: a current code from the app, or an unused recovery code. Failures
/// count against the account like wrong passwords, so codes cannot be guessed either.
pub fn verify_second_factor(
    conn: &mut DbConn,
    sealer: &Sealer,
    user_id: i64,
    code: &str,
    client_ip: &str,
) -> Result<User> {
    let user = super::profile::user(conn, user_id)?;
    let attempt = throttle::begin_login(conn, &user.email, client_ip)?;
    let secret = match user.totp_secret.as_deref().filter(|_| user.totp_enabled) {
        Some(sealed) => Some(sealer.open(user_id, sealed)?),
        None => None,
    };
    let accepted = match secret {
        Some(secret) => db::write_tx(conn, |conn| match accept_code(conn, &user, &secret, code) {
            Ok(()) => Ok(true),
            Err(Error::Invalid(_)) => use_recovery_code(conn, user_id, code),
            Err(other) => Err(other),
        })?,
        None => false,
    };
    if !accepted || user.status != super::UserStatus::Active {
        return Err(Error::Invalid(
            "That code is not valid. Codes change every 30 seconds; a recovery code works once."
                .into(),
        ));
    }
    throttle::take_back(conn, attempt)?;
    login::complete_sign_in(conn, user, client_ip)
}

/// Accepts a 6-digit code for a time step later than the last one accepted.
fn accept_code(conn: &mut DbConn, user: &User, secret: &str, code: &str) -> Result<()> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = totp_for(secret, &user.email)?
        .check(&code, unix_now())
        .ok_or_else(|| Error::Invalid("That code is not valid.".into()))?;
    let step = i64::try_from(step).map_err(|_| Error::Invalid("That code is not valid.".into()))?;
    let fresh = diesel::update(
        users::table.find(user.id).filter(
            users::totp_last_step
                .is_null()
                .or(users::totp_last_step.lt(step)),
        ),
    )
    .set(users::totp_last_step.eq(step))
    .execute(conn)?;
    if fresh == 0 {
        return Err(Error::Invalid(
            "That code was already used; please wait for the next one.".into(),
        ));
    }
    Ok(())
}

fn normalize_recovery_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn use_recovery_code(conn: &mut DbConn, user_id: i64, code: &str) -> Result<bool> {
    let digest = sha256_hex(&normalize_recovery_code(code));
    let used = diesel::update(
        user_recovery_codes::table
            .filter(user_recovery_codes::user_id.eq(user_id))
            .filter(user_recovery_codes::code_hash.eq(digest))
            .filter(user_recovery_codes::used_at.is_null()),
    )
    .set(user_recovery_codes::used_at.eq(now()))
    .execute(conn)?;
    Ok(used == 1)
}

fn replace_recovery_codes(conn: &mut DbConn, user_id: i64) -> Result<Vec<String>> {
    diesel::delete(user_recovery_codes::table.filter(user_recovery_codes::user_id.eq(user_id)))
        .execute(conn)?;
    let codes: Vec<String> = (0..RECOVERY_CODE_COUNT)
        .map(|_| new_recovery_code())
        .collect();
    for code in &codes {
        diesel::insert_into(user_recovery_codes::table)
            .values((
                user_recovery_codes::user_id.eq(user_id),
                user_recovery_codes::code_hash.eq(sha256_hex(&normalize_recovery_code(code))),
            ))
            .execute(conn)?;
    }
    Ok(codes)
}

/// Twelve characters shown as `xxxx-xxxx-xxxx`.
fn new_recovery_code() -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    let chars: Vec<char> = (0..RECOVERY_CODE_CHARS)
        .map(|_| char::from(RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

fn unix_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_grouped_and_normalise_back() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 14);
        assert_eq!(normalize_recovery_code(&code.to_uppercase()).len(), 12);
    }

    #[test]
    fn rfc_6238_sha1_test_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 s → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let totp = Builder::new()
            .with_secret(b"12345678901234567890".to_vec())
            .build()
            .unwrap();
        assert_eq!(totp.generate(59).to_string(), "287082");
        assert_eq!(totp.check("287082", 59), Some(1));
    }
}
