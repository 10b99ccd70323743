//! HEAD is answered as GET without the body (monitors, link checkers and crawlers use it), and a
//! 405's `Allow` header says HEAD wherever it says GET.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;

/// The body of a HEAD answer: the GET body's size, none of its bytes.
struct Headless(BodySize);

impl MessageBody for Headless {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}

pub async fn answer_head(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let mut response = next.call(req).await?.map_into_boxed_body();
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        add_head_to_allow(response.headers_mut());
    }
    if head {
        response = response.map_body(|_, body| BoxBody::new(Headless(body.size())));
    }
    Ok(response)
}

fn add_head_to_allow(headers: &mut header::HeaderMap) {
    let Some(allow) = headers.get(header::ALLOW).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let methods: Vec<&str> = allow.split(',').map(str::trim).collect();
    if methods.contains(&"GET") && !methods.contains(&"HEAD") {
        let with_head = format!("{allow}, HEAD");
        if let Ok(value) = HeaderValue::from_str(&with_head) {
            headers.insert(header::ALLOW, value);
        }
    }
}
