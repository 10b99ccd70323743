//! `/healthz`: is the database answering? `/ping`: is the process answering? Load balancers
//! and operators poll them.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::AppState;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: String,
}

/// Liveness without touching the database; also the benchmarks' ceiling: the cheapest page the
/// server can answer through its full middleware stack.
#[get("/ping")]
pub async fn ping() -> &'static str {
    "pong"
}

#[get("/healthz")]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.db(|conn| Ok(crate::db::ping(conn)?)).await;
    match database {
        Ok(()) => HttpResponse::Ok().json(Health {
            status: "ok",
            database: "ok".into(),
        }),
        Err(error) => HttpResponse::ServiceUnavailable().json(Health {
            status: "unavailable",
            database: error.to_string(),
        }),
    }
}
