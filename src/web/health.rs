//! `/healthz`: is the database answering, and how far does this node's search index trail the
//! outbox? `/ping`: is the process answering? Load balancers and operators poll them.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::AppState;
use super::routing::page;
use crate::search::{self, Lag};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/healthz", healthz))
        .service(page("/ping", ping));
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    search: Option<Lag>,
}

/// Liveness without touching the database; also the benchmarks' ceiling: the cheapest page the
/// server can answer through its full middleware stack.
async fn ping() -> &'static str {
    "pong"
}

async fn healthz(state: web::Data<AppState>) -> HttpResponse {
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
            database: "ok".into(),
            search: Some(lag),
        }),
        Err(error) => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            database: error.to_string(),
            search: None,
        }),
    }
}
