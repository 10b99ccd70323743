//! `/`: the shop's front page.

use std::sync::Arc;

use actix_web::{get, web};
use askama::Template;
use askama_web::WebTemplate;

use super::AppState;
use super::chrome::Chrome;
use super::error::WebResult;
use crate::catalog::{self, Home};

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    home: Arc<Home>,
}

#[get("/")]
pub async fn show_home(state: web::Data<AppState>, chrome: Chrome) -> WebResult<HomePage> {
    let home = state.cached(&state.catalog.home, (), catalog::home).await?;
    Ok(HomePage { chrome, home })
}
