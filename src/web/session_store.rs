//! Sessions kept in the database, so that logout, a password change or a suspension can end a
//! user's sessions at once on every app node. The cookie holds a random key; the table holds its
//! SHA-256, so a leaked database does not leak live session cookies. Reads of concurrent
//! requests share a query (`session_reads`); nothing about a session is kept between requests.

use std::collections::HashMap;

use super::session_reads::SessionReads;
use crate::accounts::sessions;
use crate::db::{DbConn, Pool};
use crate::util::{now, random_hex, sha256_hex};
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;

/// Session state keys that belong to a sign-in all start with this prefix.
pub const AUTH_PREFIX: &str = "auth.";
/// The session state key under which the signed-in user's id is kept.
pub const USER_ID_KEY: &str = "auth.uid";

/// The session cookie's name; `__Host-` keeps it to this host over HTTPS.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-sw_session"
    } else {
        "sw_session"
    }
}

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    reads: SessionReads,
}

impl DbSessionStore {
    pub fn new(pool: Pool) -> DbSessionStore {
        DbSessionStore {
            reads: SessionReads::new(pool.clone()),
            pool,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DbConn) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            work(&mut *crate::db::checkout(&pool)?).inspect_err(|error| {
                if let Some(error) = error.downcast_ref::<diesel::result::Error>() {
                    crate::db::note_query_error(error);
                }
            })
        })
        .await?
    }

    /// `run` in a write transaction, so session writes queue with every other writer.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DbConn) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        self.run(move |conn| crate::db::write_tx(conn, work)).await
    }

    /// `write` for a change of a session's state or expiry, which is given up (`None`), with a
    /// warning, when the database's disk is full: the page asked for is still served, as every
    /// read is, and what is lost is a flash shown again or a sign-in not kept. Ending a session
    /// (`delete`) is never given up.
    async fn write_unless_full<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut DbConn) -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<Option<T>> {
        match self.write(work).await {
            Ok(value) => Ok(Some(value)),
            Err(error)
                if error
                    .downcast_ref::<diesel::result::Error>()
                    .is_some_and(crate::db::is_storage_full) =>
            {
                tracing::warn!(%error, "a session change was not saved: the disk is full");
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }
}

type State = HashMap<String, String>;

fn user_id_of(state: &State) -> Option<i64> {
    state
        .get(USER_ID_KEY)
        .and_then(|v| serde_json::from_str(v).ok())
}

fn expiry(ttl: &Duration) -> chrono::NaiveDateTime {
    now() + chrono::Duration::seconds(ttl.whole_seconds())
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let row = self
            .reads
            .read(sha256_hex(key.as_ref()))
            .await
            .map_err(LoadError::Other)?;
        row.map(|json| {
            serde_json::from_str(&json).map_err(|e| LoadError::Deserialization(e.into()))
        })
        .transpose()
    }

    async fn save(&self, state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        let key = random_hex(32);
        let json = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let (id, user_id, expires_at) = (sha256_hex(&key), user_id_of(&state), expiry(ttl));
        self.write_unless_full(move |conn| {
            Ok(sessions::insert(conn, &id, user_id, &json, expires_at)?)
        })
        .await
        .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let json =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let (id, user_id, expires_at) = (sha256_hex(key.as_ref()), user_id_of(&state), expiry(ttl));
        let Some(updated) = self
            .write_unless_full(move |conn| {
                Ok(sessions::update_state(
                    conn, &id, user_id, &json, expires_at,
                )?)
            })
            .await
            .map_err(UpdateError::Other)?
        else {
            return Ok(key);
        };
        if !updated {
            // The session was ended server-side meanwhile (logout elsewhere, suspension): carry
            // on as a new anonymous session, never as the ended sign-in.
            let anonymous: State = state
                .into_iter()
                .filter(|(k, _)| !k.starts_with(AUTH_PREFIX))
                .collect();
            return self
                .save(anonymous, ttl)
                .await
                .map_err(|e| UpdateError::Other(anyhow::anyhow!(e.to_string())));
        }
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        let (id, expires_at) = (sha256_hex(key.as_ref()), expiry(ttl));
        self.write_unless_full(move |conn| Ok(sessions::extend(conn, &id, expires_at)?))
            .await
            .map(|_| ())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let id = sha256_hex(key.as_ref());
        self.write(move |conn| Ok(sessions::delete(conn, &id)?))
            .await
    }
}
