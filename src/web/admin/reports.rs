//! `/admin/reports`: the sales report by top-level category for a date range.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::reports::{self, DateRange, SalesReport};
use crate::forms::FieldErrors;
use crate::web::AppState;
use crate::web::auth::AdminUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::respond;

#[derive(Deserialize, Default)]
pub(super) struct ReportQuery {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage {
    chrome: Chrome,
    from: String,
    to: String,
    errors: FieldErrors,
    report: Option<SalesReport>,
}

pub(super) async fn show_report(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<ReportQuery>,
) -> WebResult<HttpResponse> {
    let ReportQuery { from, to } = query.into_inner();
    let range = match (from, to) {
        (None, None) => Ok(DateRange::last_30_days(crate::util::now().date())),
        (from, to) => DateRange::parse(
            from.as_deref().unwrap_or_default(),
            to.as_deref().unwrap_or_default(),
        )
        .map_err(|errors| (from.unwrap_or_default(), to.unwrap_or_default(), errors)),
    };
    let range = match range {
        Ok(range) => range,
        Err((from, to, errors)) => {
            let page = ReportPage {
                chrome,
                from,
                to,
                errors,
                report: None,
            };
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let report = state
        .db(move |conn| reports::sales_by_category(conn, range))
        .await?;
    let page = ReportPage {
        chrome,
        from: range.from.to_string(),
        to: range.to.to_string(),
        errors: FieldErrors::default(),
        report: Some(report),
    };
    respond::page(&page)
}
