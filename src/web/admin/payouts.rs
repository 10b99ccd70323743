//! `/admin/payouts`: every statement with its status, the form that makes a month's statements,
//! and a "mark paid" form on each pending one.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::forms::FieldErrors;
use crate::paging::KeysetPage;
use crate::payouts::{self, Period, Reference, StatementRow, Summary};
use crate::web::AppState;
use crate::web::auth::{AdminUser, actor};
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

#[derive(Deserialize)]
pub(super) struct ListQuery {
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

#[derive(Deserialize)]
pub(super) struct GenerateForm {
    #[serde(default)]
    period: String,
}

#[derive(Deserialize)]
pub(super) struct PaidForm {
    #[serde(default)]
    reference: String,
}

#[derive(Template)]
#[template(path = "admin/payouts.html")]
pub(super) struct PayoutsPage {
    chrome: Chrome,
    page: KeysetPage<StatementRow>,
    /// The period as typed, and its message.
    period: String,
    period_errors: FieldErrors,
    /// A refusal of the whole form (a month not over yet, a statement already paid).
    refusal: Option<String>,
    /// The statement whose "mark paid" form failed, what was typed and its messages.
    failed: Option<(i64, String, FieldErrors)>,
}

impl PayoutsPage {
    /// The reference typed into statement `id`'s form, when that form failed.
    fn typed_reference(&self, id: &i64) -> &str {
        match &self.failed {
            Some((failed, typed, _)) if failed == id => typed,
            _ => "",
        }
    }

    fn reference_error(&self, id: &i64) -> Option<&str> {
        match &self.failed {
            Some((failed, _, errors)) if failed == id => errors.get("reference"),
            _ => None,
        }
    }

    fn max_reference(&self) -> usize {
        Reference::MAX_CHARS
    }
}

/// The page, its list read fresh, with the given form state.
async fn payouts_page(
    state: &AppState,
    chrome: Chrome,
    after: Option<i64>,
    period: String,
    period_errors: FieldErrors,
    failed: Option<(i64, String, FieldErrors)>,
) -> WebResult<PayoutsPage> {
    let page = state.db(move |conn| payouts::all(conn, after)).await?;
    Ok(PayoutsPage {
        chrome,
        page,
        period,
        period_errors,
        refusal: None,
        failed,
    })
}

/// The month a new statement run is most likely for: the one that ended last.
fn last_month() -> String {
    Period::containing(crate::util::now().date())
        .previous()
        .to_string()
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<ListQuery>,
) -> WebResult<HttpResponse> {
    let page = payouts_page(
        &state,
        chrome,
        query.after,
        last_month(),
        FieldErrors::default(),
        None,
    )
    .await?;
    respond::page(&page)
}

pub(super) async fn generate(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    form: web::Form<GenerateForm>,
) -> WebResult<HttpResponse> {
    let typed = form.into_inner().period;
    let period = match Period::parse(&typed) {
        Ok(period) => period,
        Err(e) => {
            let errors = FieldErrors::single("period", e.to_string());
            let page = payouts_page(&state, chrome, None, typed, errors, None).await?;
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let by = actor(&req, &me);
    let result = state
        .db(move |conn| payouts::generate(conn, period, Some(&by)))
        .await;
    respond::settle(
        result,
        |summary| Ok(respond::done(&frame, made(&summary), "/admin/payouts")),
        |message| async {
            let mut page =
                payouts_page(&state, chrome, None, typed, FieldErrors::default(), None).await?;
            page.refusal = Some(message);
            Ok(page)
        },
    )
    .await
}

fn made(summary: &Summary) -> String {
    match summary.statements.len() {
        0 => format!(
            "Nothing to pay for {}: no seller without a statement for it has lines due.",
            summary.period
        ),
        n => format!("{n} statement(s) created for {}.", summary.period),
    }
}

pub(super) async fn mark_paid(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    req: HttpRequest,
    AdminUser(me): AdminUser,
    path: web::Path<i64>,
    form: web::Form<PaidForm>,
) -> WebResult<HttpResponse> {
    let (id, typed) = (path.into_inner(), form.into_inner().reference);
    let reference = match Reference::parse(&typed) {
        Ok(reference) => reference,
        Err(errors) => {
            let failed = Some((id, typed, errors));
            let page = payouts_page(
                &state,
                chrome,
                None,
                last_month(),
                FieldErrors::default(),
                failed,
            )
            .await?;
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let by = actor(&req, &me);
    let result = state
        .db(move |conn| payouts::mark_paid(conn, &by, id, &reference))
        .await;
    respond::settle(
        result,
        |()| {
            let done = format!("Statement {id} marked paid.");
            Ok(respond::done(&frame, done, "/admin/payouts"))
        },
        |message| async {
            let mut page = payouts_page(
                &state,
                chrome,
                None,
                last_month(),
                FieldErrors::default(),
                None,
            )
            .await?;
            page.refusal = Some(message);
            Ok(page)
        },
    )
    .await
}
