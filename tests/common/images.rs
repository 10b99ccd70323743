//! Image uploads for tests: real JPEG, PNG and WebP files made in memory, the hostile files the
//! upload must refuse (a cut-off file, a decompression bomb, SVG, HTML named `.jpg`), a
//! multipart post as a browser sends it, and counts of what was stored.

use std::io::Cursor;

use actix_web::http::{Method, header};
use actix_web::test::TestRequest;
use diesel::prelude::*;
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};

use super::{Page, TestApp};
use shopwave::db::schema::product_images;

/// A photo-like picture: gradients, so encoders have something to compress.
pub fn picture(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, ((x * 3 + y) % 256) as u8])
    }))
}

pub fn encoded(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    picture(width, height)
        .write_to(&mut out, format)
        .expect("encoded");
    out.into_inner()
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, ImageFormat::Jpeg)
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, ImageFormat::Png)
}

pub fn webp(width: u32, height: u32) -> Vec<u8> {
    encoded(width, height, ImageFormat::WebP)
}

/// Text a test can look for: the EXIF segment's secret, which no stored file may hold.
pub const EXIF_SECRET: &[u8] = b"GPS-51.5007N-0.1246W";

/// A JPEG with an EXIF (APP1) segment right after its start marker, as cameras write it.
pub fn jpeg_with_exif(width: u32, height: u32) -> Vec<u8> {
    let plain = jpeg(width, height);
    let mut payload = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
    payload.extend_from_slice(EXIF_SECRET);
    let length = u16::try_from(payload.len() + 2)
        .expect("short")
        .to_be_bytes();
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1, length[0], length[1]]);
    out.extend_from_slice(&payload);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A small PNG whose header claims 30,000 × 30,000 pixels (3.6 GB once decoded), with a
/// correct checksum so only its size gives it away.
pub fn png_bomb() -> Vec<u8> {
    let mut bytes = png(8, 8);
    // Signature (8), IHDR length (4) and type (4), then width and height.
    bytes[16..20].copy_from_slice(&30_000u32.to_be_bytes());
    bytes[20..24].copy_from_slice(&30_000u32.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

/// The CRC-32 PNG chunks carry (ISO 3309, reflected, polynomial 0xEDB88320).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub fn truncated(bytes: &[u8]) -> Vec<u8> {
    bytes[..bytes.len() / 2].to_vec()
}

pub const SVG: &[u8] = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><script>alert(1)</script><rect width="100" height="100"/></svg>"#;

pub const HTML: &[u8] =
    b"<!DOCTYPE html><html><body><script>document.location='//evil.test'</script></body></html>";

/// Posts the upload form of `product_id` as a browser would: multipart, the CSRF token in the
/// address. `alt_text: None` leaves the field out.
pub async fn upload(
    app: &TestApp,
    product_id: i64,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
    alt_text: Option<&str>,
) -> Page {
    let token = app.csrf_token().await;
    let boundary = "----shopwave-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    if let Some(alt) = alt_text {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"alt_text\"\r\n\r\n{alt}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    app.send(
        TestRequest::default()
            .method(Method::POST)
            .uri(&format!(
                "/seller/products/{product_id}/images?csrf_token={token}"
            ))
            .insert_header((
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ))
            .set_payload(body),
    )
    .await
}

/// Every file in the node's image store (temporary files included, so none may be left).
pub fn stored_files(app: &TestApp) -> Vec<String> {
    let dir = app.db.data_dir().join("images");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| {
            e.expect("listed")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

pub fn stored_file(app: &TestApp, name: &str) -> Vec<u8> {
    std::fs::read(app.db.data_dir().join("images").join(name)).expect("stored file")
}

pub fn image_rows(app: &TestApp) -> i64 {
    product_images::table
        .count()
        .get_result(&mut app.conn())
        .expect("counted")
}

/// (id, content hash, position) of a product's images, in order.
pub fn images_of(app: &TestApp, product_id: i64) -> Vec<(i64, Option<String>, i32)> {
    product_images::table
        .filter(product_images::product_id.eq(product_id))
        .order(product_images::position)
        .select((
            product_images::id,
            product_images::content_hash,
            product_images::position,
        ))
        .load(&mut app.conn())
        .expect("loaded")
}
