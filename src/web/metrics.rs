//! `/metrics` in Prometheus text format, for operators (`ops_access`): requests by status class,
//! time spent answering them, panics, the database pool, and rows removed by `retention`.
//! Counters are process-wide atomics; nothing here locks.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};

use super::routing::page;
use super::{AppState, ops_access};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/metrics", show_metrics));
}

static REQUESTS: [AtomicU64; 5] = [const { AtomicU64::new(0) }; 5];
static REQUEST_MICROS: AtomicU64 = AtomicU64::new(0);
static PANICS: AtomicU64 = AtomicU64::new(0);

/// Counts panics anywhere in the process (a handler's panic is caught by actix, but still a bug
/// we want to see), keeping the default report.
pub fn count_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::Relaxed);
        previous(info);
    }));
}

/// Middleware: counts each response by status class and the time it took.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let response = next.call(req).await?;
    let class = (response.status().as_u16() / 100).clamp(1, 5) as usize - 1;
    REQUESTS[class].fetch_add(1, Ordering::Relaxed);
    REQUEST_MICROS.fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    Ok(response)
}

async fn show_metrics(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !ops_access::allowed(&req, state.ops_token.as_deref()) {
        return HttpResponse::Forbidden()
            .body("/metrics is for operators: send the ops token, or ask from this machine.\n");
    }
    let mut text = String::from("# TYPE shopwave_http_responses_total counter\n");
    for (class, count) in REQUESTS.iter().enumerate() {
        text.push_str(&format!(
            "shopwave_http_responses_total{{class=\"{}xx\"}} {}\n",
            class + 1,
            count.load(Ordering::Relaxed)
        ));
    }
    let pool = state.pool.state();
    text.push_str(&format!(
        "# TYPE shopwave_http_response_seconds_total counter\nshopwave_http_response_seconds_total {:.6}\n\
         # TYPE shopwave_panics_total counter\nshopwave_panics_total {}\n\
         # TYPE shopwave_db_connections gauge\nshopwave_db_connections {}\n\
         # TYPE shopwave_db_connections_idle gauge\nshopwave_db_connections_idle {}\n",
        REQUEST_MICROS.load(Ordering::Relaxed) as f64 / 1e6,
        PANICS.load(Ordering::Relaxed),
        pool.connections,
        pool.idle_connections,
    ));
    text.push_str("# TYPE shopwave_retention_removed_total counter\n");
    for (kind, removed) in crate::retention::removed_so_far() {
        text.push_str(&format!(
            "shopwave_retention_removed_total{{kind=\"{kind}\"}} {removed}\n"
        ));
    }
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(text)
}
