//! `/p/{slug}/review`: a signed-in shopper writes or edits their review of a product and sees its
//! moderation status.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::AppState;
use super::auth::CurrentUser;
use super::chrome::Chrome;
use super::error::WebResult;
use super::respond;
use super::routing::page_and_form;
use crate::db::models::Review;
use crate::reviews::{self, ReviewInput, Reviewable};
use crate::web::frame_cookie::FrameCookie;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(page_and_form("/p/{slug}/review", show_review, save_review));
}

#[derive(Template)]
#[template(path = "reviews/form.html")]
struct ReviewPage {
    chrome: Chrome,
    product: Reviewable,
    review: Option<Review>,
    error: Option<String>,
}

impl ReviewPage {
    fn rating_is(&self, stars: &i32) -> bool {
        self.review.as_ref().is_some_and(|r| r.rating == *stars)
    }
}

/// The review form, with a message when a submission was refused.
async fn review_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    slug: String,
    error: Option<String>,
) -> WebResult<ReviewPage> {
    let (product, review) = state
        .db(move |c| {
            let product = reviews::reviewable(c, &slug)?;
            let review = reviews::own(c, user_id, product.id)?;
            Ok((product, review))
        })
        .await?;
    Ok(ReviewPage {
        chrome,
        product,
        review,
        error,
    })
}

async fn show_review(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    path: web::Path<String>,
) -> WebResult<HttpResponse> {
    let page = review_page(&state, chrome, user.id, path.into_inner(), None).await?;
    respond::page(&page)
}

#[derive(Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn save_review(
    state: web::Data<AppState>,
    chrome: Chrome,
    CurrentUser(user): CurrentUser,
    frame: FrameCookie,
    path: web::Path<String>,
    form: web::Form<ReviewForm>,
) -> WebResult<HttpResponse> {
    let slug = path.into_inner();
    let form = form.into_inner();
    let target = slug.clone();
    // Editing an approved review withdraws it from the rating until it is approved again.
    let result = state
        .db_changing_catalog(move |c| {
            let input = ReviewInput::parse(&form.rating, &form.title, &form.body)?;
            let product = reviews::reviewable(c, &target)?;
            reviews::submit(c, user.id, product.id, &input)
        })
        .await;
    respond::settle(
        result,
        |()| {
            Ok(respond::done(
                &frame,
                "Thank you! Your review will appear once a moderator has approved it.",
                &format!("/p/{slug}/review"),
            ))
        },
        |message| review_page(&state, chrome, user.id, slug.clone(), Some(message)),
    )
    .await
}
