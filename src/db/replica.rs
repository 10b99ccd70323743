//! A streaming replica of the PostgreSQL primary (`DATABASE_REPLICA_URL`): the reports read it,
//! so their long scans never compete with checkouts on the primary, and say how fresh their
//! figures are.

use diesel::RunQueryDsl;
use diesel::sql_types::{Double, Nullable};

use super::{DbConn, Error, Pool, PooledConn};

/// Where a report's figures were read, and so how fresh they are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Freshness {
    /// The primary: the shop as it is now (no replica is configured).
    Live,
    /// The replica, which had applied the primary's changes up to `behind_seconds` ago.
    Replica { behind_seconds: f64 },
    /// The replica could not be reached, so the primary was read instead.
    ReplicaAway,
}

impl Freshness {
    /// The sentence a report page shows about its figures; none when they are live.
    pub fn note(&self) -> Option<String> {
        match self {
            Freshness::Live => None,
            Freshness::Replica { behind_seconds } if *behind_seconds < 1.0 => Some(
                "Figures read from the reporting copy of the database, up to date to the second."
                    .into(),
            ),
            Freshness::Replica { behind_seconds } => {
                let as_of = crate::util::now()
                    - chrono::Duration::milliseconds((behind_seconds * 1000.0) as i64);
                Some(format!(
                    "Figures read from the reporting copy of the database as of {} UTC, {:.0} s \
                     behind the shop: later sales are not in them yet.",
                    as_of.format("%Y-%m-%d %H:%M:%S"),
                    behind_seconds
                ))
            }
            Freshness::ReplicaAway => Some(
                "The reporting copy of the database cannot be reached: these figures were read \
                 from the shop's main database, and are current."
                    .into(),
            ),
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Lag {
    #[diesel(sql_type = Nullable<Double>)]
    seconds: Option<f64>,
}

/// A connection to the replica, and how many seconds behind the primary it is (`lag`).
pub fn checkout(replica: &Pool) -> Result<(PooledConn, f64), Error> {
    let mut conn = super::checkout(replica)?;
    let behind_seconds = lag(&mut conn)?;
    Ok((conn, behind_seconds))
}

/// How many seconds of the primary's changes the replica behind `conn` has not applied yet: 0
/// when it has applied all it has received (or `conn` is the primary itself), else the time since
/// the last change it applied was committed.
fn lag(conn: &mut DbConn) -> Result<f64, Error> {
    let lag = diesel::sql_query(
        "SELECT CASE WHEN NOT pg_is_in_recovery() \
                       OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 \
                     ELSE CAST(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) \
                               AS DOUBLE PRECISION) END AS seconds",
    )
    .get_result::<Lag>(conn)?;
    Ok(lag.seconds.unwrap_or(0.0).max(0.0))
}
