//! `/admin/reports`: sales over time, by top-level category, and the top products and sellers
//! of a date range, each as a chart drawn on the server beside a table of the same numbers.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::reports::{self, FullReport, Ranked, ReportParams};
use crate::charts::{self, Caption, Measure, Point};
use crate::db::replica::Freshness;
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
    granularity: Option<String>,
}

/// The SVG of each section, made from the same rows as its table.
struct Charts {
    over_time: String,
    by_category: String,
    top_products: String,
    top_sellers: String,
}

impl Charts {
    fn of(report: &FullReport) -> Charts {
        let over_time: Vec<Point> = report
            .over_time
            .iter()
            .map(|period| Point::new(period.label.clone(), period.revenue.minor()))
            .collect();
        let by_category: Vec<Point> = report
            .by_category
            .rows
            .iter()
            .map(|row| Point::new(row.name.clone(), row.revenue.minor()))
            .collect();
        Charts {
            over_time: charts::column_chart(
                caption("chart-over-time", "Revenue over time"),
                &over_time,
            ),
            by_category: charts::bar_chart(
                caption("chart-category", "Revenue by category"),
                &by_category,
            ),
            top_products: charts::bar_chart(
                caption("chart-products", "Revenue of the top products"),
                &ranked(&report.top_products),
            ),
            top_sellers: charts::bar_chart(
                caption("chart-sellers", "Revenue of the top sellers"),
                &ranked(&report.top_sellers),
            ),
        }
    }
}

fn caption<'a>(id: &'a str, title: &'a str) -> Caption<'a> {
    Caption {
        id,
        title,
        measure: Measure::Money,
    }
}

fn ranked(rows: &[Ranked]) -> Vec<Point> {
    rows.iter()
        .map(|row| Point::new(row.name.clone(), row.revenue.minor()))
        .collect()
}

#[derive(Template)]
#[template(path = "admin/report.html")]
struct ReportPage {
    chrome: Chrome,
    from: String,
    to: String,
    granularity: String,
    errors: FieldErrors,
    shown: Option<Shown>,
}

/// A report with its charts, as the page shows it.
struct Shown {
    report: FullReport,
    charts: Charts,
    freshness: Freshness,
}

pub(super) async fn show_report(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<ReportQuery>,
) -> WebResult<HttpResponse> {
    let ReportQuery {
        from,
        to,
        granularity,
    } = query.into_inner();
    let params = match (&from, &to, &granularity) {
        (None, None, None) => Ok(ReportParams::default_for(crate::util::now().date())),
        _ => ReportParams::parse(
            from.as_deref().unwrap_or_default(),
            to.as_deref().unwrap_or_default(),
            granularity.as_deref(),
        ),
    };
    let params = match params {
        Ok(params) => params,
        Err(errors) => {
            let page = ReportPage {
                chrome,
                from: from.unwrap_or_default(),
                to: to.unwrap_or_default(),
                granularity: granularity.unwrap_or_default(),
                errors,
                shown: None,
            };
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let (report, freshness) = state
        .report(move |conn| reports::full_report(conn, params))
        .await?;
    let charts = Charts::of(&report);
    let page = ReportPage {
        chrome,
        from: params.range.from.to_string(),
        to: params.range.to.to_string(),
        granularity: params.granularity_name().to_owned(),
        errors: FieldErrors::default(),
        shown: Some(Shown {
            report,
            charts,
            freshness,
        }),
    };
    respond::page(&page)
}
