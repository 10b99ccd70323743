//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) for storing.
pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any input")
        .to_string()
}

/// Whether `password` matches a stored PHC string; a malformed string never matches.
pub fn verify(stored: &str, password: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| {
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Whether a stored hash was made with weaker settings than today's, so that a successful
/// sign-in should store a fresh hash of the password it just proved.
pub fn needs_rehash(stored: &str) -> bool {
    let current = argon2();
    let wanted = current.params();
    match PasswordHash::new(stored) {
        Ok(parsed) => {
            parsed.algorithm != Algorithm::Argon2id.ident()
                || Params::try_from(&parsed).is_ok_and(|p| {
                    p.m_cost() < wanted.m_cost()
                        || p.t_cost() < wanted.t_cost()
                        || p.p_cost() < wanted.p_cost()
                })
        }
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = super::hash("correct horse battery staple");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(super::verify(&stored, "correct horse battery staple"));
        assert!(!super::verify(&stored, "correct horse battery stapler"));
        assert!(!super::verify("not a hash", "anything"));
        assert!(!super::needs_rehash(&stored));
    }

    #[test]
    fn weaker_hashes_are_marked_for_rehashing() {
        use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
        let weak = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8 * 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"pw", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        assert!(super::needs_rehash(&weak));
        assert!(super::needs_rehash("x"));
    }
}
