//! A seller's products as a CSV file, out and back in. An upload is read and checked whole,
//! without writing anything but the job row (`product_imports`), which keeps the file itself:
//! any node sharing the database can then preview it, apply it or resume it, which a node's own
//! data directory could not offer. Applying runs in batches of `BATCH_ROWS` rows, one
//! transaction each, and the job's checkpoint (`rows_applied`) moves in the same transaction as
//! its batch; a node that dies mid-import leaves the job `running`, and `run` (at the next start,
//! `resume_running`) carries on from the checkpoint. Rows are matched by SKU and only
//! differences are written, so a batch applied twice changes nothing the second time.

mod apply;
pub mod export;
pub mod format;
mod plan;
mod variant_writes;

use diesel::prelude::*;

use crate::db::schema::product_imports;
use crate::db::types::ImportStatus;
use crate::db::{self, DbConn, Pool};
use crate::error::{Error, Result};
use crate::sellers::{active_profile_of, profile_of};
use crate::util::now;
use format::RowError;
use plan::{Snapshot, Step, Target};

/// Rows applied per transaction.
pub const BATCH_ROWS: usize = 500;
/// The largest file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// How many row errors and sample changes the preview lists.
const SHOWN: usize = 20;

/// What the preview counts.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub new_products: usize,
    pub new_variants: usize,
    pub price_changes: usize,
    pub stock_changes: usize,
    pub detail_changes: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub first_errors: Vec<RowError>,
    pub sample: Vec<String>,
}

/// An import as its page shows it.
#[derive(Debug, Clone)]
pub struct ImportView {
    pub id: i64,
    pub filename: String,
    pub status: ImportStatus,
    pub total_rows: i32,
    pub rows_applied: i32,
    pub changes_applied: i32,
    pub failure: String,
    /// Only while the import waits to be applied.
    pub summary: Option<Summary>,
}

#[derive(Queryable)]
struct Job {
    id: i64,
    seller_id: i64,
    user_id: i64,
    source: String,
    rows_applied: i32,
}

/// Checks an uploaded file and keeps it as a new import waiting for its preview to be approved;
/// the seller's earlier imports still waiting are dropped. A file that is not CSV of the right
/// columns is refused whole (`Invalid`); bad rows are shown on the preview.
pub fn upload(conn: &mut DbConn, user_id: i64, filename: &str, bytes: &[u8]) -> Result<i64> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::Invalid("The file must be UTF-8 text (CSV).".into()))?;
    let parsed = format::parse(text).map_err(Error::Invalid)?;
    let filename: String = filename
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        diesel::delete(
            product_imports::table
                .filter(product_imports::seller_id.eq(seller.id))
                .filter(product_imports::status.eq(ImportStatus::Previewed)),
        )
        .execute(conn)?;
        Ok(diesel::insert_into(product_imports::table)
            .values((
                product_imports::seller_id.eq(seller.id),
                product_imports::user_id.eq(user_id),
                product_imports::filename.eq(&filename),
                product_imports::source.eq(text),
                product_imports::total_rows.eq(parsed.total() as i32),
            ))
            .returning(product_imports::id)
            .get_result(conn)?)
    })
}

/// One of the seller's imports; another seller's is `NotFound`. While it waits to be applied,
/// the preview is worked out again against the shop as it is now.
pub fn show(conn: &mut DbConn, user_id: i64, import_id: i64) -> Result<ImportView> {
    let seller = profile_of(conn, user_id)?;
    let (id, filename, status, total_rows, rows_applied, changes_applied, failure): (
        i64,
        String,
        ImportStatus,
        i32,
        i32,
        i32,
        String,
    ) = product_imports::table
        .find(import_id)
        .filter(product_imports::seller_id.eq(seller.id))
        .select((
            product_imports::id,
            product_imports::filename,
            product_imports::status,
            product_imports::total_rows,
            product_imports::rows_applied,
            product_imports::changes_applied,
            product_imports::failure,
        ))
        .first(conn)?;
    // The file is read only while there is a preview to work out, not on every progress refresh.
    let summary = match status {
        ImportStatus::Previewed => {
            let source: String = product_imports::table
                .find(id)
                .select(product_imports::source)
                .first(conn)?;
            Some(summarize(conn, seller.id, &source)?)
        }
        _ => None,
    };
    Ok(ImportView {
        id,
        filename,
        status,
        total_rows,
        rows_applied,
        changes_applied,
        failure,
        summary,
    })
}

/// The seller's latest imports, newest first, for the upload page.
pub fn recent(conn: &mut DbConn, user_id: i64) -> Result<Vec<(i64, String, ImportStatus)>> {
    let seller = profile_of(conn, user_id)?;
    Ok(product_imports::table
        .filter(product_imports::seller_id.eq(seller.id))
        .order(product_imports::id.desc())
        .limit(5)
        .select((
            product_imports::id,
            product_imports::filename,
            product_imports::status,
        ))
        .load(conn)?)
}

/// What the file would change, worked out without writing.
fn summarize(conn: &mut DbConn, seller_id: i64, source: &str) -> Result<Summary> {
    let parsed = format::parse(source).map_err(Error::Invalid)?;
    let rows = &parsed.rows;
    let mut errors = parsed.errors.clone();
    errors.extend(plan::file_errors(rows));
    let groups = plan::groups(rows);
    let skus: Vec<&str> = rows.iter().map(|r| r.sku.as_str()).collect();
    let mut slugs: Vec<&str> = rows.iter().map(|r| r.slug.as_str()).filter(|s| !s.is_empty()).collect();
    slugs.sort_unstable();
    slugs.dedup();
    let snap = Snapshot::load(conn, seller_id, &skus, &slugs)?;
    let mut summary = Summary::default();
    for planned in plan::plan(rows, 0..rows.len(), &snap, seller_id, &groups) {
        match planned {
            Ok(step) => count(&mut summary, &step, rows),
            Err(error) => errors.push(error),
        }
    }
    errors.sort_by_key(|e| e.row);
    summary.errors = errors.len();
    summary.first_errors = errors.into_iter().take(SHOWN).collect();
    Ok(summary)
}

fn count(summary: &mut Summary, step: &Step, rows: &[format::Row]) {
    let row = &rows[step.index];
    let mut said = Vec::new();
    match step.target {
        Target::NewProduct => {
            summary.new_products += 1;
            summary.new_variants += 1;
            said.push(format!("new product {}", row.name));
        }
        Target::NewVariant { .. } | Target::JoinNew { .. } => {
            summary.new_variants += 1;
            said.push("new variant".to_owned());
        }
        Target::Existing { .. } => {}
    }
    if let Some((old, new)) = step.price {
        summary.price_changes += 1;
        said.push(format!(
            "price {} → {}",
            crate::money::Money::from_minor(old).plain(),
            crate::money::Money::from_minor(new).plain()
        ));
    }
    if let Some(delta) = step.stock {
        summary.stock_changes += 1;
        said.push(format!("stock {} → {}", row.stock - delta, row.stock));
    }
    if step.details || step.labels {
        summary.detail_changes += 1;
        said.push("name, description, status or options".to_owned());
    }
    if said.is_empty() {
        summary.unchanged += 1;
    } else if summary.sample.len() < SHOWN {
        summary
            .sample
            .push(format!("Row {}, SKU {}: {}", row.number, row.sku, said.join("; ")));
    }
}

/// Approves an import's preview: it must still have no errors, and the seller no other import
/// running. The caller then runs it (`run`) in the background.
pub fn start(conn: &mut DbConn, user_id: i64, import_id: i64) -> Result<()> {
    let view = show(conn, user_id, import_id)?;
    let Some(summary) = view.summary else {
        return Err(Error::Conflict("This import has already been applied.".into()));
    };
    if summary.errors > 0 {
        return Err(Error::Invalid(
            "The file has errors; please correct them and upload it again.".into(),
        ));
    }
    let busy = || Error::Conflict("You already have an import running; please wait for it to finish.".into());
    db::write_tx(conn, |conn| {
        let seller = active_profile_of(conn, user_id)?;
        let running: i64 = product_imports::table
            .filter(product_imports::seller_id.eq(seller.id))
            .filter(product_imports::status.eq(ImportStatus::Running))
            .count()
            .get_result(conn)?;
        if running > 0 {
            return Err(busy());
        }
        let moved = diesel::update(
            product_imports::table
                .find(import_id)
                .filter(product_imports::seller_id.eq(seller.id))
                .filter(product_imports::status.eq(ImportStatus::Previewed)),
        )
        .set((
            product_imports::status.eq(ImportStatus::Running),
            product_imports::updated_at.eq(now()),
        ))
        .execute(conn);
        match moved {
            Ok(0) => Err(Error::Conflict("This import has already been applied.".into())),
            Ok(_) => Ok(()),
            Err(e) if db::is_unique_violation(&e) => Err(busy()),
            Err(e) => Err(e.into()),
        }
    })
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
        Err(_) => (ImportStatus::Failed, "The import stopped on an internal error.".to_owned()),
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
        return Err(Error::Invalid(format!("Row {}: {}", error.row, error.message)));
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
                skus.extend(groups.get(&row.name).into_iter().flatten().map(String::as_str));
            }
            skus.sort_unstable();
            skus.dedup();
            let mut slugs: Vec<&str> = batch.iter().map(|r| r.slug.as_str()).filter(|s| !s.is_empty()).collect();
            slugs.sort_unstable();
            slugs.dedup();
            let snap = Snapshot::load(conn, job.seller_id, &skus, &slugs)?;
            let steps = plan::plan(rows, done..end, &snap, job.seller_id, &groups)
                .into_iter()
                .collect::<std::result::Result<Vec<_>, RowError>>()
                .map_err(|e| Error::Conflict(format!("Row {}: {}", e.row, e.message)))?;
            let changes = apply::apply_steps(conn, job.user_id, job.id, rows, &steps)?;
            diesel::update(product_imports::table.find(job.id))
                .set(product_imports::changes_applied.eq(product_imports::changes_applied + changes as i32))
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
