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
mod runner;
mod variant_writes;

use diesel::prelude::*;

use crate::db::schema::product_imports;
use crate::db::types::ImportStatus;
use crate::db::{self, DbConn};
use crate::error::{Error, Result};
use crate::sellers::{active_profile_of, profile_of};
use crate::util::now;
use format::RowError;
use plan::{Snapshot, Step, Target};

pub use runner::{resume_running, run, running};

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
    let file_errors = plan::file_errors(rows);
    let refused: std::collections::HashSet<usize> = file_errors.iter().map(|e| e.row).collect();
    errors.extend(file_errors);
    let groups = plan::groups(rows);
    let skus: Vec<&str> = rows.iter().map(|r| r.sku.as_str()).collect();
    let mut slugs: Vec<&str> = rows
        .iter()
        .map(|r| r.slug.as_str())
        .filter(|s| !s.is_empty())
        .collect();
    slugs.sort_unstable();
    slugs.dedup();
    let snap = Snapshot::load(conn, seller_id, &skus, &slugs)?;
    let mut summary = Summary::default();
    for planned in plan::plan(rows, 0..rows.len(), &snap, seller_id, &groups) {
        match planned {
            Ok(step) if refused.contains(&rows[step.index].number) => {}
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
        summary.sample.push(format!(
            "Row {}, SKU {}: {}",
            row.number,
            row.sku,
            said.join("; ")
        ));
    }
}

/// Approves an import's preview: it must still have no errors, and the seller no other import
/// running. The caller then runs it (`run`) in the background.
pub fn start(conn: &mut DbConn, user_id: i64, import_id: i64) -> Result<()> {
    let view = show(conn, user_id, import_id)?;
    let Some(summary) = view.summary else {
        return Err(Error::Conflict(
            "This import has already been applied.".into(),
        ));
    };
    if summary.errors > 0 {
        return Err(Error::Invalid(
            "The file has errors; please correct them and upload it again.".into(),
        ));
    }
    let busy = || {
        Error::Conflict("You already have an import running; please wait for it to finish.".into())
    };
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
            Ok(0) => Err(Error::Conflict(
                "This import has already been applied.".into(),
            )),
            Ok(_) => Ok(()),
            Err(e) if db::is_unique_violation(&e) => Err(busy()),
            Err(e) => Err(e.into()),
        }
    })
}
