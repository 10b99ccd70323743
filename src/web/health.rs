//! `/healthz`: is the database answering, and how far does this node's search index trail the
//! outbox? `/ping`: is the process answering? Load balancers poll them. Anyone may learn whether
//! the shop is up; the details (the database's own error, the search lag) are for operators
//! (`ops_access`), since an error text can name hosts and users.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::routing::page;
use super::{AppState, ops_access};
use crate::search::{self, Lag};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/healthz", healthz))
        .service(page("/ping", ping));
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    search: Option<Lag>,
}

/// Liveness without touching the database; also the benchmarks' ceiling: the cheapest page the
/// server can answer through its full middleware stack.
async fn ping() -> &'static str {
    "pong"
}

async fn healthz(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let details = ops_access::allowed(&req, state.ops_token.as_deref());
    let index = state.search.clone();
    let checked = state
        .db(move |conn| {
            crate::db::ping(conn)?;
            search::lag(conn, &index)
        })
        .await;
    match checked {
        Ok(lag) => HttpResponse::Ok().json(Health {
            status: "ok",
            database: details.then(|| "ok".into()),
            search: details.then_some(lag),
        }),
        Err(error) => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            database: details.then(|| error.to_string()),
            search: None,
        }),
    }
}
