//! `/admin/audit`: the audit log, newest first, filtered by action, entity, actor and day.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::admin::audit::{self, AuditFields, AuditFilter, AuditRow};
use crate::forms::FieldErrors;
use crate::paging::KeysetPage;
use crate::web::AppState;
use crate::web::auth::AdminUser;
use crate::web::chrome::Chrome;
use crate::web::error::WebResult;
use crate::web::respond;

#[derive(Deserialize, Default)]
pub(super) struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    entity_type: String,
    #[serde(default)]
    entity_id: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default, deserialize_with = "crate::numbers::maybe_whole")]
    after: Option<i64>,
}

impl AuditQuery {
    fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            action: &self.action,
            entity_type: &self.entity_type,
            entity_id: &self.entity_id,
            actor: &self.actor,
            from: &self.from,
            to: &self.to,
        }
    }

    /// The address of the page after the entry `after`, with the same filter.
    fn next_page(&self, after: i64) -> String {
        respond::next_page(
            "/admin/audit",
            &[
                ("action", &self.action),
                ("entity_type", &self.entity_type),
                ("entity_id", &self.entity_id),
                ("actor", &self.actor),
                ("from", &self.from),
                ("to", &self.to),
            ],
            after,
        )
    }
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    query: AuditQuery,
    errors: FieldErrors,
    entries: Option<KeysetPage<AuditRow>>,
    next: Option<String>,
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    _admin: AdminUser,
    query: web::Query<AuditQuery>,
) -> WebResult<HttpResponse> {
    let query = query.into_inner();
    let filter = match AuditFilter::parse(&query.fields()) {
        Ok(filter) => filter,
        Err(errors) => {
            let page = AuditPage {
                chrome,
                query,
                errors,
                entries: None,
                next: None,
            };
            return respond::page_with(&page, respond::INVALID);
        }
    };
    let after = query.after;
    let entries = state
        .db(move |conn| audit::audit_log(conn, &filter, after))
        .await?;
    let next = entries.next_after.map(|after| query.next_page(after));
    respond::page(&AuditPage {
        chrome,
        query,
        errors: FieldErrors::default(),
        entries: Some(entries),
        next,
    })
}
