//! What a database refusal means, for the two backends, read from what each reports rather than
//! from services matching message text.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind as Kind, Error};

/// Whether the database aborted the transaction to break a deadlock or a serialization conflict:
/// nothing was written, so running it again is safe. diesel maps PostgreSQL's serialization
/// failure (40001) to a kind but reports a deadlock (40P01) only as `Unknown` with PostgreSQL's
/// message, so that message is recognised here and nowhere else. SQLite's writers queue instead
/// (`db::write_tx`), so it reports neither.
pub fn is_deadlock_or_serialization_failure(error: &Error) -> bool {
    match error {
        Error::DatabaseError(Kind::SerializationFailure, _) => true,
        Error::DatabaseError(Kind::Unknown, info) => {
            info.message().starts_with("deadlock detected")
        }
        _ => false,
    }
}

/// Whether the query failed because the connection is gone (the server restarted or the network
/// dropped): nothing more can be done on it, so the pool must not hand it out again
/// (`db::Manager::has_broken`), and the visitor is told the shop is briefly unavailable.
pub fn is_connection_lost(error: &Error) -> bool {
    matches!(error, Error::DatabaseError(Kind::ClosedConnection, _))
}

/// Whether PostgreSQL cancelled the statement for waiting on a lock, or running, longer than the
/// limits every pooled connection sets (`lock_timeout`, `statement_timeout`): the shop is
/// overloaded or stuck, not the request wrong. diesel reports both only as `Unknown` with
/// PostgreSQL's message, which is recognised here and nowhere else.
pub fn is_timeout(error: &Error) -> bool {
    match error {
        Error::DatabaseError(Kind::Unknown, info) => {
            let message = info.message();
            message.starts_with("canceling statement due to lock timeout")
                || message.starts_with("canceling statement due to statement timeout")
        }
        _ => false,
    }
}

/// Whether the write failed because the disk holding the database is full: nothing was written,
/// reads still work, and the shop can take writes again once space is freed. SQLite says
/// `database or disk is full` (SQLITE_FULL; quoted by the group commit's own error when the
/// batch's COMMIT met it); PostgreSQL reports the operating system's `No space left on device`
/// when it cannot extend a table's file; both reach diesel as `Unknown`.
pub fn is_storage_full(error: &Error) -> bool {
    match error {
        Error::DatabaseError(Kind::Unknown, info) => {
            let message = info.message();
            message.contains("database or disk is full")
                || message.contains("No space left on device")
        }
        _ => false,
    }
}

/// Whether a query error is a unique-key clash (a duplicate email, SKU, slug...).
pub fn is_unique_violation(error: &Error) -> bool {
    matches!(error, Error::DatabaseError(Kind::UniqueViolation, _))
}

/// Whether the error is a clash on the unique key of `table` over exactly `columns`, whatever the
/// constraint is called. PostgreSQL names the table and states the key in its detail
/// (`Key (number)=(SW-1) already exists.`); SQLite lists the columns in its message
/// (`UNIQUE constraint failed: orders.number`).
pub fn unique_violation_on(error: &Error, table: &str, columns: &[&str]) -> bool {
    let Error::DatabaseError(Kind::UniqueViolation, info) = error else {
        return false;
    };
    match info.table_name() {
        Some(reported) => reported == table && key_columns(info.as_ref()) == Some(columns.to_vec()),
        None => sqlite_columns(info.message()).is_some_and(|listed| {
            listed.len() == columns.len()
                && listed
                    .iter()
                    .zip(columns)
                    .all(|(listed, column)| *listed == format!("{table}.{column}"))
        }),
    }
}

/// The columns of PostgreSQL's `Key (a, b)=(…) already exists.` detail.
fn key_columns(info: &(dyn DatabaseErrorInformation + Send + Sync)) -> Option<Vec<&str>> {
    let key = info.details()?.strip_prefix("Key (")?;
    let (columns, _) = key.split_once(")=(")?;
    Some(columns.split(", ").collect())
}

/// The `table.column` list of SQLite's `UNIQUE constraint failed: t.a, t.b`.
fn sqlite_columns(message: &str) -> Option<Vec<&str>> {
    Some(
        message
            .strip_prefix("UNIQUE constraint failed: ")?
            .split(", ")
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refusal as PostgreSQL reports it: table and detail set.
    #[derive(Debug)]
    struct Pg {
        table: &'static str,
        detail: &'static str,
    }

    impl DatabaseErrorInformation for Pg {
        fn message(&self) -> &str {
            "duplicate key value violates unique constraint \"renamed_at_will\""
        }
        fn details(&self) -> Option<&str> {
            Some(self.detail)
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            Some(self.table)
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            Some("renamed_at_will")
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn refused(kind: Kind, info: impl DatabaseErrorInformation + Send + Sync + 'static) -> Error {
        Error::DatabaseError(kind, Box::new(info))
    }

    #[test]
    fn deadlocks_and_serialization_failures_are_transient_and_nothing_else() {
        assert!(is_deadlock_or_serialization_failure(&refused(
            Kind::Unknown,
            "deadlock detected".to_owned()
        )));
        assert!(is_deadlock_or_serialization_failure(&refused(
            Kind::SerializationFailure,
            "could not serialize access".to_owned()
        )));
        assert!(!is_deadlock_or_serialization_failure(&refused(
            Kind::UniqueViolation,
            "duplicate key value".to_owned()
        )));
        assert!(!is_deadlock_or_serialization_failure(&refused(
            Kind::CheckViolation,
            "stock >= 0".to_owned()
        )));
        assert!(!is_deadlock_or_serialization_failure(&Error::NotFound));
    }

    #[test]
    fn a_sqlite_unique_clash_is_told_apart_by_its_columns() {
        let number = refused(
            Kind::UniqueViolation,
            "UNIQUE constraint failed: orders.number".to_owned(),
        );
        assert!(unique_violation_on(&number, "orders", &["number"]));
        assert!(!unique_violation_on(
            &number,
            "orders",
            &["idempotency_key"]
        ));
        assert!(!unique_violation_on(&number, "order_items", &["number"]));
        let key = refused(
            Kind::UniqueViolation,
            "UNIQUE constraint failed: orders.user_id, orders.idempotency_key".to_owned(),
        );
        assert!(unique_violation_on(
            &key,
            "orders",
            &["user_id", "idempotency_key"]
        ));
        assert!(!unique_violation_on(&key, "orders", &["user_id"]));
    }

    #[test]
    fn a_postgres_unique_clash_is_told_apart_by_table_and_key_not_constraint_name() {
        let number = refused(
            Kind::UniqueViolation,
            Pg {
                table: "orders",
                detail: "Key (number)=(SW-2612-ABCD) already exists.",
            },
        );
        assert!(unique_violation_on(&number, "orders", &["number"]));
        assert!(!unique_violation_on(
            &number,
            "orders",
            &["idempotency_key"]
        ));
        assert!(!unique_violation_on(&number, "payments", &["number"]));
        let key = refused(
            Kind::UniqueViolation,
            Pg {
                table: "orders",
                detail: "Key (user_id, idempotency_key)=(7, abc) already exists.",
            },
        );
        assert!(unique_violation_on(
            &key,
            "orders",
            &["user_id", "idempotency_key"]
        ));
    }

    #[test]
    fn only_unique_clashes_count() {
        let check = refused(
            Kind::CheckViolation,
            "UNIQUE constraint failed: orders.number".to_owned(),
        );
        assert!(!unique_violation_on(&check, "orders", &["number"]));
    }
}
