//! `/seller/products/{id}/images`: a product's images with thumbnails, the upload form (alt text
//! required), each image's alt text, moving it up or down, and deleting it. An upload is read
//! field by field with a hard cap on the file (413 the moment it is passed), checked and
//! re-encoded on the blocking pool, then stored; a refused upload stores nothing and shows the
//! page again with the reason beside the field.

use actix_multipart::{Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use futures_util::StreamExt;
use serde::Deserialize;

use crate::db::models::Product;
use crate::forms::FieldErrors;
use crate::images::process::{self, MAX_UPLOAD_BYTES};
use crate::images::{Move, Picture, Refusal, Size};
use crate::sellers::products::images::{self as service, AltText, ProductImages};
use crate::web::AppState;
use crate::web::auth::SellerUser;
use crate::web::chrome::Chrome;
use crate::web::error::{WebError, WebResult};
use crate::web::frame_cookie::FrameCookie;
use crate::web::respond;

/// The most a text field of the upload form may hold; alt text is far shorter.
const TEXT_FIELD_BYTES: usize = 4 * 1024;

/// One image as the page lists it.
struct Row {
    id: i64,
    picture: Picture,
    /// The alt text field's value: what was typed if its form failed, else the stored text.
    alt_value: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "seller/product_images.html")]
struct ImagesPage {
    chrome: Chrome,
    product: Product,
    rows: Vec<Row>,
    upload_alt: String,
    upload_errors: FieldErrors,
}

/// What went wrong on the page, to show beside its field.
enum Failed {
    Upload(String, FieldErrors),
    AltText(i64, String, FieldErrors),
}

async fn images_page(
    state: &AppState,
    chrome: Chrome,
    user_id: i64,
    product_id: i64,
    failed: Option<Failed>,
    status: StatusCode,
) -> WebResult<HttpResponse> {
    let ProductImages { product, images } = state
        .db_as_seller(user_id, move |conn| {
            service::list(conn, user_id, product_id)
        })
        .await?;
    let (mut upload_alt, mut upload_errors, mut alt_failed) =
        (String::new(), FieldErrors::default(), None);
    match failed {
        Some(Failed::Upload(typed, errors)) => (upload_alt, upload_errors) = (typed, errors),
        Some(Failed::AltText(id, typed, errors)) => alt_failed = Some((id, typed, errors)),
        None => {}
    }
    let rows = images
        .iter()
        .map(|image| {
            let (alt_value, errors) = match &alt_failed {
                Some((id, typed, errors)) if *id == image.id => (typed.clone(), errors.clone()),
                _ => (image.alt_text.clone(), FieldErrors::default()),
            };
            Row {
                id: image.id,
                picture: Picture::of(image, Size::Small, 120),
                alt_value,
                errors,
            }
        })
        .collect();
    let page = ImagesPage {
        chrome,
        product,
        rows,
        upload_alt,
        upload_errors,
    };
    respond::page_with(&page, status)
}

fn images_of(product_id: i64) -> String {
    format!("/seller/products/{product_id}/images")
}

pub(super) async fn list(
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
) -> WebResult<HttpResponse> {
    images_page(
        &state,
        chrome,
        me.id,
        path.into_inner(),
        None,
        StatusCode::OK,
    )
    .await
}

/// The upload form as sent: the file's bytes (at most `MAX_UPLOAD_BYTES`) and the alt text.
#[derive(Default)]
struct Upload {
    file: Vec<u8>,
    alt_text: String,
}

/// Reads the form's fields; the file is refused as soon as it passes the cap.
async fn read_upload(mut multipart: Multipart) -> Result<Upload, Refusal> {
    let mut upload = Upload::default();
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(unreadable)?;
        let (is_file, is_alt) = (
            field.name() == Some("image"),
            field.name() == Some("alt_text"),
        );
        let cap = if is_file {
            MAX_UPLOAD_BYTES
        } else {
            TEXT_FIELD_BYTES
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            if bytes.len() + chunk.len() > cap {
                return Err(Refusal::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            upload.file = bytes;
        } else if is_alt {
            upload.alt_text = String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    Ok(upload)
}

fn unreadable(error: MultipartError) -> Refusal {
    match error {
        MultipartError::Payload(PayloadError::Overflow) => Refusal::TooLarge,
        _ => Refusal::Damaged,
    }
}

pub(super) async fn upload(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<i64>,
    multipart: Multipart,
) -> WebResult<HttpResponse> {
    let product_id = path.into_inner();
    let refuse = |typed: String, refusal: Refusal| {
        let status = match refusal {
            Refusal::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => respond::INVALID,
        };
        let failed = Failed::Upload(typed, FieldErrors::single("image", refusal.to_string()));
        (failed, status)
    };
    let Upload { file, alt_text } = match read_upload(multipart).await {
        Ok(upload) => upload,
        Err(refusal) => {
            let (failed, status) = refuse(String::new(), refusal);
            return images_page(&state, chrome, me.id, product_id, Some(failed), status).await;
        }
    };
    let alt = match AltText::parse(&alt_text) {
        Ok(alt) => alt,
        Err(errors) => {
            let failed = Some(Failed::Upload(alt_text, errors));
            return images_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await;
        }
    };
    // Decoding and encoding take a CPU for a while: the blocking pool, never an async worker.
    let processed = match web::block(move || process::process(&file)).await? {
        Ok(processed) => processed,
        Err(refusal) => {
            let (failed, status) = refuse(alt_text, refusal);
            return images_page(&state, chrome, me.id, product_id, Some(failed), status).await;
        }
    };
    let store = state.images.clone();
    state
        .db_changing_catalog(move |conn| {
            service::add(conn, &*store, me.id, product_id, &processed, &alt)
        })
        .await?;
    Ok(respond::done(
        &frame,
        "Image added.",
        &images_of(product_id),
    ))
}

#[derive(Deserialize)]
pub(super) struct AltInput {
    #[serde(default)]
    alt_text: String,
}

pub(super) async fn set_alt_text(
    frame: FrameCookie,
    state: web::Data<AppState>,
    chrome: Chrome,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
    form: web::Form<AltInput>,
) -> WebResult<HttpResponse> {
    let ((product_id, image_id), typed) = (path.into_inner(), form.into_inner().alt_text);
    let alt = match AltText::parse(&typed) {
        Ok(alt) => alt,
        Err(errors) => {
            let failed = Some(Failed::AltText(image_id, typed, errors));
            return images_page(&state, chrome, me.id, product_id, failed, respond::INVALID).await;
        }
    };
    state
        .db_changing_catalog(move |conn| {
            service::set_alt_text(conn, me.id, product_id, image_id, &alt)
        })
        .await?;
    Ok(respond::done(
        &frame,
        "Alt text saved.",
        &images_of(product_id),
    ))
}

#[derive(Deserialize)]
pub(super) struct MoveInput {
    #[serde(default)]
    direction: String,
}

pub(super) async fn move_image(
    frame: FrameCookie,
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
    form: web::Form<MoveInput>,
) -> WebResult<HttpResponse> {
    let (product_id, image_id) = path.into_inner();
    let way = match form.direction.as_str() {
        "up" => Move::Up,
        "down" => Move::Down,
        _ => {
            return Err(WebError::Unprocessable(
                "Choose to move the image up or down.".into(),
            ));
        }
    };
    state
        .db_changing_catalog(move |conn| service::reorder(conn, me.id, product_id, image_id, way))
        .await?;
    Ok(respond::done(
        &frame,
        "Image moved.",
        &images_of(product_id),
    ))
}

pub(super) async fn delete(
    frame: FrameCookie,
    state: web::Data<AppState>,
    SellerUser(me): SellerUser,
    path: web::Path<(i64, i64)>,
) -> WebResult<HttpResponse> {
    let (product_id, image_id) = path.into_inner();
    let store = state.images.clone();
    state
        .db_changing_catalog(move |conn| {
            service::delete(conn, &*store, me.id, product_id, image_id)
        })
        .await?;
    Ok(respond::done(
        &frame,
        "Image deleted.",
        &images_of(product_id),
    ))
}
