//! Secrets the shop must read back, sealed at rest: authenticator (TOTP) secrets are encrypted
//! with AES-256-GCM under a key derived from the shop's secret key (HKDF-SHA256 with a label of
//! its own, so the cookie-signing key itself never encrypts anything). A copy of the database
//! alone — a leaked backup, a query that reads a table it should not — gives nobody a second
//! factor. The user's id is the associated data, so a sealed secret moved to another account
//! does not open there.
//!
//! Stored as `v1.<key id>.<hex of nonce ‖ ciphertext ‖ tag>`; the key id (4 bytes of SHA-256 of
//! the derived key) says which key sealed it. After a rotation the previous secret keys
//! (`--previous-secret-keys`) still open what they sealed, and `reseal_all` (run by `serve` at
//! start) seals every secret again under the current key, so the previous keys can then be
//! dropped. A value without the prefix was stored before sealing existed (plain base32): it is
//! read as it is, and `reseal_all` seals it.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::users;
use crate::db::{DbConn, write_tx};
use crate::error::{Error, Result};

const VERSION: &str = "v1";
const LABEL: &[u8] = b"shopwave: sealed account secrets v1";
const NONCE_BYTES: usize = 12;

/// The current key and the previous ones, derived from the shop's secret keys.
pub struct Sealer {
    current: Key,
    previous: Vec<Key>,
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    fn derive(secret: &[u8]) -> Key {
        let mut key = [0u8; 32];
        hkdf::Hkdf::<Sha256>::new(None, secret)
            .expand(LABEL, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 length");
        Key {
            id: hex::encode(&Sha256::digest(key)[..4]),
            cipher: Aes256Gcm::new(&key.into()),
        }
    }
}

impl Sealer {
    pub fn new(secret: &[u8], previous: &[Vec<u8>]) -> Sealer {
        Sealer {
            current: Key::derive(secret),
            previous: previous.iter().map(|s| Key::derive(s)).collect(),
        }
    }

    /// Seals `plain`, which belongs to user `user_id`, under the current key.
    pub fn seal(&self, user_id: i64, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut nonce);
        let aad = user_id.to_be_bytes();
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("AES-GCM seals any message of this size");
        format!(
            "{VERSION}.{}.{}{}",
            self.current.id,
            hex::encode(nonce),
            hex::encode(sealed)
        )
    }

    /// The secret `stored` for user `user_id` holds.
    pub fn open(&self, user_id: i64, stored: &str) -> Result<String> {
        let Some(rest) = stored
            .strip_prefix(VERSION)
            .and_then(|r| r.strip_prefix('.'))
        else {
            return Ok(stored.to_owned());
        };
        let broken = |why: &str| Error::Internal(format!("sealed secret of user {user_id}: {why}"));
        let (id, hex_text) = rest.split_once('.').ok_or_else(|| broken("no key id"))?;
        let key = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|key| key.id == id)
            .ok_or_else(|| broken("sealed under a key this node does not have"))?;
        let bytes = hex::decode(hex_text).map_err(|_| broken("not hex"))?;
        if bytes.len() <= NONCE_BYTES {
            return Err(broken("too short"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let aad = user_id.to_be_bytes();
        let plain = key
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| broken("does not open (altered, or another account's)"))?;
        String::from_utf8(plain).map_err(|_| broken("not text"))
    }

    fn is_current(&self, stored: &str) -> bool {
        stored.starts_with(&format!("{VERSION}.{}.", self.current.id))
    }
}

/// Seals again, under the current key, every authenticator secret stored in plain or under a
/// previous key; returns how many. Each is rewritten only if it is still the value read, so a
/// user enrolling at the same moment keeps their new secret.
pub fn reseal_all(conn: &mut DbConn, sealer: &Sealer) -> Result<usize> {
    let stored: Vec<(i64, String)> = users::table
        .filter(users::totp_secret.is_not_null())
        .select((users::id, users::totp_secret.assume_not_null()))
        .load(conn)?;
    let mut resealed = 0;
    for (user_id, value) in stored.into_iter().filter(|(_, v)| !sealer.is_current(v)) {
        let plain = sealer.open(user_id, &value)?;
        resealed += write_tx(conn, |c| {
            diesel::update(
                users::table
                    .find(user_id)
                    .filter(users::totp_secret.eq(&value)),
            )
            .set(users::totp_secret.eq(sealer.seal(user_id, &plain)))
            .execute(c)
        })?;
    }
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_for_its_user_and_under_a_key_that_sealed_it() {
        let sealer = Sealer::new(&[1; 64], &[]);
        let sealed = sealer.seal(7, "JBSWY3DPEHPK3PXP");
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            sealer.seal(7, "JBSWY3DPEHPK3PXP"),
            "a fresh nonce each time"
        );
        assert_eq!(sealer.open(7, &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(
            sealer.open(8, &sealed).is_err(),
            "moved to another account, it does not open"
        );
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('0') { '1' } else { '0' });
        assert!(sealer.open(7, &altered).is_err());

        let rotated = Sealer::new(&[2; 64], &[vec![1; 64]]);
        assert_eq!(rotated.open(7, &sealed).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(!rotated.is_current(&sealed) && sealer.is_current(&sealed));
        assert!(Sealer::new(&[2; 64], &[]).open(7, &sealed).is_err());
        assert_eq!(
            sealer.open(7, "JBSWY3DPEHPK3PXP").unwrap(),
            "JBSWY3DPEHPK3PXP",
            "stored before sealing"
        );
    }
}
