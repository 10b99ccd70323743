//! Batches formed on purpose: one unit holds the writer's turn until the others are queued
//! behind it, so all of them share one transaction and one COMMIT.

use std::sync::Arc;
use std::sync::mpsc;
use std::thread;

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use diesel::result::Error as QueryError;

use super::Writer;
use crate::db::{Backend, DbConn, Pool, connect, write_tx};

struct Db {
    pool: Pool,
    writer: Arc<Writer>,
    _dir: tempfile::TempDir,
}

fn database(schema: &str) -> Db {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.sqlite3");
    let pool = connect(
        &Backend::Sqlite(path.to_string_lossy().into_owned()),
        Some(8),
    )
    .unwrap();
    let mut conn = pool.get().unwrap();
    conn.batch_execute(schema).unwrap();
    let DbConn::Sqlite(sqlite) = &mut *conn else {
        unreachable!()
    };
    let writer = Writer::find(&super::file_of(sqlite).unwrap()).expect("the pool's writer");
    Db {
        pool,
        writer,
        _dir: dir,
    }
}

const NAMES: &str = "CREATE TABLE names (name TEXT PRIMARY KEY);";

fn insert(conn: &mut DbConn, name: &str) -> Result<(), QueryError> {
    diesel::sql_query("INSERT INTO names (name) VALUES (?)")
        .bind::<diesel::sql_types::Text, _>(name)
        .execute(conn)
        .map(|_| ())
}

fn names(db: &Db) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    diesel::sql_query("SELECT name FROM names ORDER BY name")
        .load::<Name>(&mut db.pool.get().unwrap())
        .unwrap()
        .into_iter()
        .map(|n| n.name)
        .collect()
}

type Work = Box<dyn FnOnce(&mut DbConn) -> Result<(), QueryError> + Send>;

/// Runs `first` until the units of `queued` wait behind it, then lets all of them go; returns
/// each unit's answer (Err(()) for a unit that panicked), `first`'s first.
fn one_batch(db: &Db, first: Work, queued: Vec<Work>) -> Vec<Result<Result<(), QueryError>, ()>> {
    let (holding, held) = mpsc::channel();
    let (release, released) = mpsc::channel::<()>();
    let pool = db.pool.clone();
    let mut units = vec![thread::spawn(move || {
        write_tx(&mut pool.get().unwrap(), |c| {
            holding.send(()).unwrap();
            released.recv().unwrap();
            first(c)
        })
    })];
    held.recv().unwrap();
    let count = queued.len();
    for work in queued {
        let pool = db.pool.clone();
        units.push(thread::spawn(move || {
            write_tx(&mut pool.get().unwrap(), work)
        }));
    }
    while db.writer.queued.load(std::sync::atomic::Ordering::SeqCst) < count {
        thread::yield_now();
    }
    release.send(()).unwrap();
    units
        .into_iter()
        .map(|u| u.join().map_err(|_| ()))
        .collect()
}

fn batches(db: &Db) -> u64 {
    db.writer.turn.lock().unwrap().last_batch
}

#[test]
fn a_failing_unit_undoes_only_itself_and_the_batch_commits_once() {
    let db = database(NAMES);
    let answers = one_batch(
        &db,
        Box::new(|c| insert(c, "ann")),
        vec![
            // Sees ann's uncommitted row (one writer after another), fails on it, and takes
            // back its own "bob" only.
            Box::new(|c| insert(c, "bob").and_then(|()| insert(c, "ann"))),
            Box::new(|c| insert(c, "cid")),
            Box::new(|c| insert(c, "dee")),
        ],
    );
    assert!(matches!(answers[0], Ok(Ok(()))));
    assert!(
        matches!(&answers[1], Ok(Err(e)) if crate::db::is_unique_violation(e)),
        "{:?}",
        answers[1]
            .as_ref()
            .map(|r| r.as_ref().map_err(|e| e.to_string()))
    );
    assert!(matches!(answers[2], Ok(Ok(()))));
    assert!(matches!(answers[3], Ok(Ok(()))));
    assert_eq!(names(&db), ["ann", "cid", "dee"]);
    assert_eq!(batches(&db), 1, "the four units shared one transaction");
}

#[test]
fn a_panicking_unit_undoes_only_itself_and_the_writer_goes_on() {
    let db = database(NAMES);
    let answers = one_batch(
        &db,
        Box::new(|c| insert(c, "ann")),
        vec![
            Box::new(|c| {
                insert(c, "bob")?;
                panic!("a bug in the middle of a write")
            }),
            Box::new(|c| insert(c, "cid")),
        ],
    );
    assert!(matches!(answers[0], Ok(Ok(()))));
    assert!(answers[1].is_err(), "the panic reaches its own caller");
    assert!(matches!(answers[2], Ok(Ok(()))));
    assert_eq!(names(&db), ["ann", "cid"]);
    write_tx(&mut db.pool.get().unwrap(), |c| insert(c, "eve")).unwrap();
    assert_eq!(names(&db), ["ann", "cid", "eve"]);
}

#[test]
fn a_failed_commit_is_every_units_answer_and_the_next_batch_commits() {
    // A deferred foreign key is checked by the COMMIT itself: a way to make one fail.
    let db = database(
        "CREATE TABLE names (name TEXT PRIMARY KEY);
         CREATE TABLE parents (id INTEGER PRIMARY KEY);
         CREATE TABLE children (parent_id INTEGER NOT NULL
             REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);",
    );
    let answers = one_batch(
        &db,
        Box::new(|c| {
            diesel::sql_query("INSERT INTO children (parent_id) VALUES (99)")
                .execute(c)
                .map(|_| ())
        }),
        vec![Box::new(|c| insert(c, "bob"))],
    );
    for answer in &answers {
        assert!(
            matches!(answer, Ok(Err(e)) if e.to_string().contains("did not commit")),
            "{:?}",
            answer
                .as_ref()
                .map(|r| r.as_ref().map_err(|e| e.to_string()))
        );
    }
    assert!(names(&db).is_empty(), "nothing of the failed batch is kept");
    write_tx(&mut db.pool.get().unwrap(), |c| insert(c, "cid")).unwrap();
    assert_eq!(names(&db), ["cid"]);
}

#[test]
fn a_nested_write_is_a_savepoint_of_its_unit() {
    let db = database(NAMES);
    let result: Result<(), QueryError> = write_tx(&mut db.pool.get().unwrap(), |c| {
        insert(c, "ann")?;
        let inner: Result<(), QueryError> =
            write_tx(c, |c| insert(c, "bob").and_then(|()| insert(c, "ann")));
        assert!(inner.is_err());
        insert(c, "cid")
    });
    result.unwrap();
    assert_eq!(names(&db), ["ann", "cid"]);
}
