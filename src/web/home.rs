//! `/`: the shop's front page.

use std::sync::Arc;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::AppState;
use super::chrome::Chrome;
use super::error::WebResult;
use super::rendered::{self, body_of};
use super::routing::page;
use crate::catalog::{self, Home};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page("/", show_home));
}

#[derive(Template)]
#[template(path = "home.html", blocks = ["title", "head", "content"])]
struct HomePage {
    home: Arc<Home>,
}

async fn show_home(state: web::Data<AppState>, chrome: Chrome) -> WebResult<HttpResponse> {
    let state = state.get_ref();
    let body = rendered::body(state, &state.pages.home, (), || async move {
        let home = state.cached(&state.catalog.home, (), catalog::home).await?;
        body_of!(HomePage { home })
    })
    .await?;
    rendered::page(chrome, &body)
}
