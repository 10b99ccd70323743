//! The single-use links ShopWave mails to prove someone reads an address: a password reset
//! (`password_reset`) and a new e-mail address (`email_change`). The token is 32 random bytes,
//! only its SHA-256 is stored, it works for `LINK_MINUTES`, and one account is mailed at most
//! `MAX_LINKS_PER_HOUR` of each kind an hour, so the forms cannot flood an inbox.

use chrono::{Duration, NaiveDateTime};

use crate::util::{now, random_hex, sha256_hex};

/// How long a mailed link stays good.
pub const LINK_MINUTES: i64 = 30;
/// Links of one kind mailed to one account per hour.
pub const MAX_LINKS_PER_HOUR: i64 = 3;

/// A new link's token (mailed, never stored) and what is stored for it.
pub struct LinkToken {
    pub token: String,
    pub hash: String,
    pub expires_at: NaiveDateTime,
}

impl LinkToken {
    pub fn new() -> LinkToken {
        let token = random_hex(32);
        LinkToken {
            hash: digest(&token),
            token,
            expires_at: now() + Duration::minutes(LINK_MINUTES),
        }
    }
}

impl Default for LinkToken {
    fn default() -> LinkToken {
        LinkToken::new()
    }
}

/// What is stored for a token, and looked up when a link comes back.
pub fn digest(token: &str) -> String {
    sha256_hex(token)
}

/// Links created after this instant count against the hourly limit.
pub fn hour_ago() -> NaiveDateTime {
    now() - Duration::hours(1)
}

/// Whether an account mailed `recent` links of a kind within the hour may be mailed another.
pub fn may_send(recent: i64) -> bool {
    recent < MAX_LINKS_PER_HOUR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_stored_only_hashed() {
        let (a, b) = (LinkToken::new(), LinkToken::new());
        assert_eq!(a.token.len(), 64, "32 bytes, hex");
        assert_ne!(a.token, b.token);
        assert_eq!(a.hash, digest(&a.token));
        assert_ne!(a.hash, a.token);
        assert!(a.expires_at > now() + Duration::minutes(LINK_MINUTES - 1));
        assert!(may_send(2) && !may_send(3));
    }
}
