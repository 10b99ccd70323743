//! `/seller/imports`, `/seller/products.csv`, `/seller/orders.csv`: a seller's product file out
//! and back in. The upload is a multipart form (its CSRF token rides in the query string, as
//! `csrf::verify` reads it there); the preview and the progress are one page, refreshed by a
//! meta tag while the import runs, so no script is needed.

use actix_multipart::Multipart;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;

use crate::db::types::ImportStatus;
use crate::sellers::bulk::{self, ImportView, MAX_FILE_BYTES, export, format::COLUMNS};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond::{self, Refusal};

#[derive(Template)]
#[template(path = "seller/imports.html")]
pub(super) struct ImportsPage {
    chrome: Chrome,
    recent: Vec<(i64, String, ImportStatus)>,
    error: Option<String>,
}

impl ImportsPage {
    fn columns(&self) -> String {
        COLUMNS.join(",")
    }

    fn max_mb(&self) -> usize {
        MAX_FILE_BYTES / (1024 * 1024)
    }
}

async fn imports_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    error: Option<String>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let recent = state.db(move |conn| bulk::recent(conn, user_id)).await?;
    respond::page_with(
        &ImportsPage {
            chrome,
            recent,
            error,
        },
        status,
    )
}

pub(super) async fn show_imports(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
) -> WebResult<HttpResponse> {
    imports_page(&state, chrome, me.id, None, StatusCode::OK).await
}

/// The uploaded file's name and bytes; a file over the limit is refused as soon as it passes it.
async fn read_file(mut form: Multipart) -> Result<(String, Vec<u8>), Refusal> {
    let refuse = |status, message: &str| Refusal {
        status,
        message: message.to_owned(),
    };
    let unreadable = || {
        refuse(
            StatusCode::BAD_REQUEST,
            "The upload could not be read; please try again.",
        )
    };
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|_| unreadable())?;
        if field.name() != Some("file") {
            continue;
        }
        let filename = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .unwrap_or("products.csv")
            .to_owned();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|_| unreadable())?;
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &format!(
                        "The file is larger than {} MB; please split it into smaller files.",
                        MAX_FILE_BYTES / (1024 * 1024)
                    ),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if bytes.is_empty() {
            break;
        }
        return Ok((filename, bytes));
    }
    Err(refuse(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Please choose a CSV file to upload.",
    ))
}

pub(super) async fn upload(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    form: Multipart,
) -> WebResult<HttpResponse> {
    let (filename, bytes) = match read_file(form).await {
        Ok(file) => file,
        Err(refusal) => {
            return imports_page(&state, chrome, me.id, Some(refusal.message), refusal.status)
                .await;
        }
    };
    let saved = state
        .db(move |conn| bulk::upload(conn, me.id, &filename, &bytes))
        .await;
    match saved {
        Ok(id) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/seller/imports/{id}")))
            .finish()),
        Err(error) => {
            let refusal = Refusal::of(error)?;
            imports_page(&state, chrome, me.id, Some(refusal.message), refusal.status).await
        }
    }
}

#[derive(Template)]
#[template(path = "seller/import.html")]
pub(super) struct ImportPage {
    chrome: Chrome,
    import: ImportView,
    error: Option<String>,
}

impl ImportPage {
    fn running(&self) -> bool {
        self.import.status == ImportStatus::Running
    }

    fn failed(&self) -> bool {
        self.import.status == ImportStatus::Failed
    }

    fn progress(&self) -> String {
        format!(
            "{} of {} rows applied",
            thousands(self.import.rows_applied),
            thousands(self.import.total_rows)
        )
    }

    fn percent(&self) -> i64 {
        let total = i64::from(self.import.total_rows.max(1));
        i64::from(self.import.rows_applied) * 100 / total
    }
}

/// 12500 as "12,500".
fn thousands(n: i32) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) && c.is_ascii_digit() {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) async fn show_import(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    let import = state.db(move |conn| bulk::show(conn, me.id, id)).await?;
    respond::page(&ImportPage {
        chrome,
        import,
        error: None,
    })
}

pub(super) async fn apply(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    let id = path.into_inner();
    let started = state.db(move |conn| bulk::start(conn, me.id, id)).await;
    if let Err(error) = started {
        let refusal = Refusal::of(error)?;
        let import = state.db(move |conn| bulk::show(conn, me.id, id)).await?;
        let page = ImportPage {
            chrome,
            import,
            error: Some(refusal.message),
        };
        return respond::page_with(&page, refusal.status);
    }
    run_in_background(&state, id);
    Ok(respond::done(
        &frame,
        "The import has started.",
        &format!("/seller/imports/{id}"),
    ))
}

/// Applies the import's batches on the blocking pool; the page follows its checkpoint.
fn run_in_background(state: &AppState, id: i64) {
    let pool = state.pool.clone();
    let catalog = state.catalog.clone();
    actix_web::rt::spawn(async move {
        let outcome = web::block(move || bulk::run(&pool, id, &|| catalog.changed())).await;
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(import = id, %error, "CSV import stopped"),
            Err(error) => tracing::warn!(import = id, %error, "CSV import not run"),
        }
    });
}

fn attachment(filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

pub(super) async fn products_csv(
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
) -> WebResult<HttpResponse> {
    let body = state
        .db_as_seller(me.id, move |conn| export::products_csv(conn, me.id))
        .await?;
    Ok(attachment("products.csv", body))
}

pub(super) async fn orders_csv(
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
) -> WebResult<HttpResponse> {
    let body = state
        .db_as_seller(me.id, move |conn| export::orders_csv(conn, me.id))
        .await?;
    Ok(attachment("orders.csv", body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_grouped() {
        assert_eq!(super::thousands(12500), "12,500");
        assert_eq!(super::thousands(50000), "50,000");
        assert_eq!(super::thousands(999), "999");
        assert_eq!(super::thousands(1234567), "1,234,567");
    }
}
