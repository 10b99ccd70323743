//! Password hashing with argon2id at OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! Each hash holds 19 MiB and a core for tens of milliseconds, so requests hash only through
//! [`bounded`]: as many at once as the machine has cores (at least two), as many again waiting
//! their turn, and beyond that `Error::Busy` at once (the shopper is asked to try again in a
//! moment) instead of memory growing with the burst and every other page waiting behind it.

use std::sync::{Condvar, LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

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

/// Runs `work` (a `hash` or `verify` for a request) when a hashing slot is free, or returns
/// `Error::Busy` when the slots and the queue before them are full.
pub fn bounded<T>(work: impl FnOnce() -> T) -> Result<T> {
    static GATE: LazyLock<Gate> = LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Gate::new(cores.max(2), cores.max(2))
    });
    let _slot = GATE.enter()?;
    Ok(work())
}

/// A counting semaphore with a bounded queue: `slots` run, up to `queue` wait (first come, since
/// a newcomer never overtakes a waiter), the rest are turned away.
struct Gate {
    slots: usize,
    queue: usize,
    state: Mutex<GateState>,
    freed: Condvar,
}

#[derive(Default)]
struct GateState {
    running: usize,
    waiting: usize,
}

/// The longest a queued request waits; a slot frees every few tens of milliseconds normally.
const MAX_WAIT: Duration = Duration::from_secs(3);

struct Slot<'a>(&'a Gate);

impl Gate {
    fn new(slots: usize, queue: usize) -> Gate {
        Gate {
            slots: slots.max(1),
            queue,
            state: Mutex::new(GateState::default()),
            freed: Condvar::new(),
        }
    }

    fn enter(&self) -> Result<Slot<'_>> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.running < self.slots && state.waiting == 0 {
            state.running += 1;
            return Ok(Slot(self));
        }
        if state.waiting >= self.queue {
            return Err(Error::Busy);
        }
        state.waiting += 1;
        let deadline = Instant::now() + MAX_WAIT;
        while state.running >= self.slots {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                state.waiting -= 1;
                return Err(Error::Busy);
            }
            state = self
                .freed
                .wait_timeout(state, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        state.waiting -= 1;
        state.running += 1;
        Ok(Slot(self))
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
        state.running -= 1;
        self.0.freed.notify_one();
    }
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
    use super::Gate;
    use crate::error::Error;

    #[test]
    fn the_gate_runs_its_slots_queues_as_many_and_turns_the_rest_away() {
        let gate = Gate::new(1, 1);
        let first = gate.enter().expect("a free slot");
        std::thread::scope(|scope| {
            let queued = scope.spawn(|| gate.enter().map(drop));
            while gate.state.lock().unwrap().waiting == 0 {
                std::thread::yield_now();
            }
            assert!(matches!(gate.enter(), Err(Error::Busy)));
            drop(first);
            assert!(queued.join().unwrap().is_ok());
        });
        let state = gate.state.lock().unwrap();
        assert_eq!((state.running, state.waiting), (0, 0));
    }

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
