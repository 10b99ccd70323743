//! What makes a new password acceptable: 12 to 128 characters of anything, and not one that
//! attackers try first. No composition rules (NIST SP 800-63B, OWASP ASVS 2.1).
//!
//! `common_passwords.txt` holds the 10,000 most frequent passwords of zxcvbn's list (MIT
//! licence, Dropbox) plus every longer one of its 30,000. Entries shorter than 12 characters
//! still matter: "password2024!" is refused because its stem "password" is on the list.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::check_password_length;
use crate::error::{Error, Result};

static COMMON: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("common_passwords.txt").lines().collect());

/// Stems shorter than this are too short to call a password "common" on their own.
const MIN_STEM_CHARS: usize = 5;

/// Refuses a password that is too short or long, common, a common word padded with digits or
/// symbols, one character repeated, or the account's own e-mail address.
pub fn check_new_password(password: &str, email: &str) -> Result<()> {
    check_password_length(password)?;
    let lowered = password.to_lowercase();
    let stem = lowered.trim_end_matches(|c: char| !c.is_alphabetic());
    let stem = stem.trim_start_matches(|c: char| !c.is_alphabetic());
    let email = email.trim().to_lowercase();
    let local_part = email.split('@').next().unwrap_or_default();
    let mut chars = lowered.chars();
    let first = chars.next();
    let guessable = COMMON.contains(lowered.as_str())
        || (stem.chars().count() >= MIN_STEM_CHARS && COMMON.contains(stem))
        || chars.all(|c| Some(c) == first)
        || lowered == email
        || (!local_part.is_empty() && lowered.contains(local_part) && local_part.len() >= 4);
    if guessable {
        return Err(Error::Invalid(
            "That password is too easy to guess: it is a common password or close to one. \
             A few unrelated words make a strong one."
                .into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_new_password;

    #[test]
    fn common_and_guessable_passwords_are_refused() {
        for bad in [
            "qwerty123456",
            "1qaz2wsx3edc",
            "Password2024!",
            "iloveyou123456",
            "aaaaaaaaaaaaaaa",
            "ann.smith@example.com",
            "ann.smith-secret",
        ] {
            assert!(
                check_new_password(bad, "ann.smith@example.com").is_err(),
                "{bad:?} should be refused"
            );
        }
    }

    #[test]
    fn long_uncommon_passwords_of_any_characters_pass() {
        for good in [
            "correct horse battery staple",
            "tästä tulee hyvä salasana",
            "🦀🦀 crabs carry 7 shells",
            &"x1".repeat(64),
        ] {
            assert!(
                check_new_password(good, "ann@example.com").is_ok(),
                "{good:?}"
            );
        }
        assert!(check_new_password(&"x1".repeat(65), "ann@example.com").is_err());
    }
}
