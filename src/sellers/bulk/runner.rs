//! Applying a started import: batch after batch from its checkpoint, each batch and the move of
//! its checkpoint in one transaction; and resuming what a stopped node left running.

use diesel::prelude::*;

use super::format::{self, RowError};
use super::plan::{self, Snapshot};
use super::{BATCH_ROWS, apply};
use crate::db::schema::product_imports;
use crate::db::types::ImportStatus;
use crate::db::{self, DbConn, Pool};
use crate::error::{Error, Result};
use crate::util::now;

#[derive(Queryable)]
struct Job {
    id: i64,
    seller_id: i64,
    user_id: i64,
    source: String,
    rows_applied: i32,
}

/// Imports a crash left running, for the server to resume at start.
pub fn running(conn: &mut DbConn) -> Result<Vec<i64>> {
    Ok(product_imports::table
        .filter(product_imports::status.eq(ImportStatus::Running))
        .order(product_imports::id)
        .select(product_imports::id)
        .load(conn)?)
}

/// Applies a running import from its checkpoint to the end, a batch per transaction, calling
/// `after_batch` after each. A batch that fails stops the import as `failed` with the reason
/// (batches before it stay applied); another runner that moved the checkpoint first (two nodes
/// resuming the same job) makes this one stop quietly.
pub fn run(pool: &Pool, import_id: i64, after_batch: &dyn Fn()) -> Result<()> {
    let mut pooled = pool.get()?;
    let conn: &mut DbConn = &mut pooled;
    let job: Option<Job> = product_imports::table
        .find(import_id)
        .filter(product_imports::status.eq(ImportStatus::Running))
        .select((
            product_imports::id,
            product_imports::seller_id,
            product_imports::user_id,
            product_imports::source,
            product_imports::rows_applied,
        ))
        .first(conn)
        .optional()?;
    let Some(job) = job else { return Ok(()) };
    let outcome = run_batches(conn, &job, after_batch);
    let (status, failure) = match &outcome {
        Ok(true) => (ImportStatus::Done, String::new()),
        Ok(false) => return Ok(()),
        Err(Error::Invalid(m) | Error::Conflict(m)) => (ImportStatus::Failed, m.clone()),
        Err(_) => (
            ImportStatus::Failed,
            "The import stopped on an internal error.".to_owned(),
        ),
    };
    db::write_tx(conn, |conn| {
        diesel::update(
            product_imports::table
                .find(job.id)
                .filter(product_imports::status.eq(ImportStatus::Running)),
        )
        .set((
            product_imports::status.eq(status),
            product_imports::failure.eq(&failure),
            product_imports::source.eq(""),
            product_imports::updated_at.eq(now()),
        ))
        .execute(conn)
    })?;
    outcome.map(|_| ())
}

/// `Ok(true)` once every row is applied, `Ok(false)` when another runner holds the job.
fn run_batches(conn: &mut DbConn, job: &Job, after_batch: &dyn Fn()) -> Result<bool> {
    let parsed = format::parse(&job.source).map_err(Error::Invalid)?;
    if let Some(error) = parsed.errors.first() {
        return Err(Error::Invalid(format!(
            "Row {}: {}",
            error.row, error.message
        )));
    }
    let rows = &parsed.rows;
    let groups = plan::groups(rows);
    let mut done = usize::try_from(job.rows_applied).unwrap_or(0);
    while done < rows.len() {
        let end = (done + BATCH_ROWS).min(rows.len());
        let applied = db::write_tx(conn, |conn| {
            let moved = diesel::update(
                product_imports::table
                    .find(job.id)
                    .filter(product_imports::status.eq(ImportStatus::Running))
                    .filter(product_imports::rows_applied.eq(done as i32)),
            )
            .set((
                product_imports::rows_applied.eq(end as i32),
                product_imports::updated_at.eq(now()),
            ))
            .execute(conn)?;
            if moved == 0 {
                return Ok(false);
            }
            let batch = &rows[done..end];
            let mut skus: Vec<&str> = batch.iter().map(|r| r.sku.as_str()).collect();
            for row in batch.iter().filter(|r| r.slug.is_empty()) {
                skus.extend(
                    groups
                        .get(&row.name)
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                );
            }
            skus.sort_unstable();
            skus.dedup();
            let mut slugs: Vec<&str> = batch
                .iter()
                .map(|r| r.slug.as_str())
                .filter(|s| !s.is_empty())
                .collect();
            slugs.sort_unstable();
            slugs.dedup();
            let snap = Snapshot::load(conn, job.seller_id, &skus, &slugs)?;
            let steps = plan::plan(rows, done..end, &snap, job.seller_id, &groups)
                .into_iter()
                .collect::<std::result::Result<Vec<_>, RowError>>()
                .map_err(|e| Error::Conflict(format!("Row {}: {}", e.row, e.message)))?;
            let changes = apply::apply_steps(conn, job.user_id, job.id, rows, &steps)?;
            diesel::update(product_imports::table.find(job.id))
                .set(
                    product_imports::changes_applied
                        .eq(product_imports::changes_applied + changes as i32),
                )
                .execute(conn)?;
            Ok::<bool, Error>(true)
        })?;
        if !applied {
            return Ok(false);
        }
        after_batch();
        done = end;
    }
    Ok(true)
}

/// Resumes, on a thread of its own, every import a stopped node left running.
pub fn resume_running(pool: Pool, after_batch: impl Fn() + Send + 'static) {
    std::thread::spawn(move || {
        let ids = pool
            .get()
            .map_err(Error::from)
            .and_then(|mut conn| running(&mut conn));
        match ids {
            Ok(ids) => {
                for id in ids {
                    if let Err(error) = run(&pool, id, &after_batch) {
                        tracing::warn!(import = id, %error, "CSV import stopped");
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "running CSV imports not read"),
        }
    });
}
