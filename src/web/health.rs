//! `/healthz`: is the database answering? Load balancers and operators poll it.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use super::AppState;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    database: String,
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
