//! PostgreSQL's LISTEN/NOTIFY: a connection of its own that hears what other connections
//! announce on a channel, each announcement delivered once its transaction commits, in commit
//! order. SQLite has no such thing, and a pooler in transaction mode cannot keep a LISTEN (the
//! next transaction may run on another server connection), so there is no listener for them.

use diesel::pg::PgConnection;
use diesel::{Connection, QueryResult, RunQueryDsl};

use super::{Backend, DbConn, Error};

pub struct Listener {
    conn: PgConnection,
}

impl Listener {
    /// A connection listening on `channel`, or None where nothing can listen.
    pub fn open(backend: &Backend, channel: &str) -> Result<Option<Listener>, Error> {
        let Backend::Postgres(url) = backend else {
            return Ok(None);
        };
        let mut conn = PgConnection::establish(url)?;
        diesel::sql_query(format!("LISTEN {channel}")).execute(&mut conn)?;
        Ok(Some(Listener { conn }))
    }

    /// Passes every payload that has reached this connection to `each`, without waiting for
    /// more; an error means the connection is lost.
    pub fn take_heard(&mut self, mut each: impl FnMut(String)) -> QueryResult<()> {
        for notification in self.conn.notifications_iter() {
            each(notification?.payload);
        }
        Ok(())
    }

    /// A round trip, which fails once the connection is lost even when nothing was announced.
    pub fn ping(&mut self) -> QueryResult<()> {
        diesel::sql_query("SELECT 1")
            .execute(&mut self.conn)
            .map(|_| ())
    }
}

/// Announces `payload` on `channel` when `conn`'s transaction commits (at once outside one);
/// nothing on SQLite, where nobody listens.
pub fn announce(conn: &mut DbConn, channel: &str, payload: &str) -> QueryResult<()> {
    use diesel::sql_types::Text;
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<Text, _>(channel)
            .bind::<Text, _>(payload)
            .execute(pg)?;
    }
    Ok(())
}
