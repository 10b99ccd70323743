//! `/healthz`: is the database answering, how far does this node's search index trail the
//! outbox, and how far is the read replica behind the primary? `/ping`: is the process
//! answering? Load balancers poll them. Anyone may learn whether the shop is up; the details (the
//! database's own error, the search and replica lags) are for operators (`ops_access`), since an
//! error text can name hosts and users.

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
    #[serde(skip_serializing_if = "Option::is_none")]
    replica: Option<ReplicaHealth>,
}

/// The read replica as `/healthz` reports it: reachable, and how far behind the primary.
#[derive(Serialize)]
struct ReplicaHealth {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    behind_seconds: Option<f64>,
}

async fn replica_health(state: &AppState) -> Option<ReplicaHealth> {
    let replica = state.replica.clone()?;
    let behind =
        web::block(move || crate::db::replica::checkout(&replica).map(|(_, lag)| lag)).await;
    Some(match behind {
        Ok(Ok(seconds)) => ReplicaHealth {
            state: "ok",
            behind_seconds: Some(seconds),
        },
        _ => ReplicaHealth {
            state: "unreachable",
            behind_seconds: None,
        },
    })
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
    // The shop is up without its replica (reports then read the primary): an operator's detail.
    let replica = match details {
        true => replica_health(&state).await,
        false => None,
    };
    match checked {
        Ok(lag) => HttpResponse::Ok().json(Health {
            status: "ok",
            database: details.then(|| "ok".into()),
            search: details.then_some(lag),
            replica,
        }),
        Err(error) => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            database: details.then(|| error.to_string()),
            search: None,
            replica,
        }),
    }
}
